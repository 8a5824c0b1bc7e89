// SPDX-License-Identifier: GPL-2.0
/* Kernel-style C: macros wrapping definitions, section attributes, K&R, and a broken region. */
#include <linux/module.h>
#include <linux/syscalls.h>
#include "internal.h"

#define DRV_NAME "demo"
#define to_demo(d) container_of(d, struct demo_dev, dev)
#define demo_call(x) demo_do_work(x)

struct demo_dev {
	struct device dev;
	int (*probe)(struct demo_dev *d);
	unsigned long flags;
};

typedef struct {
	int refs;
} demo_ref_t;

enum demo_state { DEMO_IDLE, DEMO_BUSY = 4 };

static DEFINE_MUTEX(demo_lock);
static LIST_HEAD(demo_list);

static int demo_do_work(int x)
{
	return x * 2;
}

static int __init demo_init(void)
{
	int ret = demo_call(1);
	pr_info(DRV_NAME ": %d\n", ret);
	return 0;
}
module_init(demo_init);

static void __exit demo_exit(void)
{
}
module_exit(demo_exit);

SYSCALL_DEFINE3(demo, unsigned int, fd, const char __user *, buf, size_t, count)
{
	struct demo_dev *d = to_demo(NULL);
	return demo_do_work(fd) + d->probe(d);
}

int demo_kr(a, b)
int a;
char *b;
{
	return a;
}
EXPORT_SYMBOL_GPL(demo_kr);

static __always_inline struct demo_dev *demo_get(struct demo_dev *d)
{
	return d;
}

/* A region the grammar cannot parse: */
static int broken(void) {
	int x = ;;; ) ( {{
}

int demo_after_error(void)
{
	return demo_do_work(3);
}

static const struct file_operations demo_fops = {
	.owner = THIS_MODULE,
	.open = demo_open,
};

extern int demo_count;
int demo_prototype(struct demo_dev *d, int flags);

static inline uint32_t DEMO_REG_FIELD(uint32_t val)
{
	return val << 4;
}

SYSCALL_DEFINE0(demo_nop)
{
	return 0;
}
