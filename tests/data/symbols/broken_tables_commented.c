/* broken_tables.c with comments everywhere the grammar reads: squeezed out of the text it parses,
 * they must change nothing it finds, nor the edits that give swallowed bodies back. */
// SPDX-License-Identifier: GPL-2.0
static const DECLARE_RANGE(boost_gain, /* gain */
	0, 0, SCALE_ITEM(0, 0, 0), // none
	1, 1, SCALE_ITEM(1000, 0, 0),
	2, 2, SCALE_ITEM(2000, 0, 0), /* two
	lines */
	3, 5, SCALE_ITEM(3000, 500, 0),
	6, 6, SCALE_ITEM(4500, 0, 0),
	7, 7, SCALE_ITEM(5000, 0, 0)
);

/**
 * demo_reset() - reset the device
 * @demo: the device
 */
void /* inline? */ demo_reset(struct demo_priv *demo) /* no lock */
{
	/* in the body: emptied with it */
	reg_write(demo->map, DEMO_RESET, 0);
	if (!demo->quiet)
		reg_write(demo->map, DEMO_MODE, 1); // mode
}
EXPORT_SYMBOL_GPL(demo_reset); /* exported */

struct demo_regs { /* a type */
	int mode; // the mode
	int /* bits */ clock;
};

static int demo_set_clock(struct demo_priv *demo, /* which */ int source)
// the clock
{
	return reg_update(demo->map, DEMO_CLOCK, source);
}
