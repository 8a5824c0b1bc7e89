/* A table declared through a macro the grammar cannot read, then functions. */
static const DECLARE_RANGE(boost_gain,
	0, 0, SCALE_ITEM(0, 0, 0),
	1, 1, SCALE_ITEM(1000, 0, 0),
	2, 2, SCALE_ITEM(2000, 0, 0),
	3, 5, SCALE_ITEM(3000, 500, 0),
	6, 6, SCALE_ITEM(4500, 0, 0),
	7, 7, SCALE_ITEM(5000, 0, 0)
);

void demo_reset(struct demo_priv *demo)
{
	reg_write(demo->map, DEMO_RESET, 0);
	if (!demo->quiet)
		reg_write(demo->map, DEMO_MODE, 1);
}
EXPORT_SYMBOL_GPL(demo_reset);

static int demo_set_clock(struct demo_priv *demo, int source)
{
	return reg_update(demo->map, DEMO_CLOCK, source);
}
