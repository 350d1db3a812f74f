/*
 * tool_opts.c - the options most tools share (see tool_opts.h).
 */
#include <stdio.h>

#include "tool.h"
#include "tool_opts.h"

int tool_opt(const tool_opts *o, int c, const char *arg)
{
	switch (c) {
	case TOOL_OPT_JSON:
		if (!o->json)
			break;
		*o->json = 1;
		return TOOL_OPT_TAKEN;
	case TOOL_OPT_SPLIT:
		if (!o->split)
			break;
		*o->split = 1;
		return TOOL_OPT_TAKEN;
	case TOOL_OPT_THREADS:
		if (!o->threads)
			break;
		return tool_parse_threads(arg, o->threads) < 0 ? TOOL_ERROR
							      : TOOL_OPT_TAKEN;
	case TOOL_OPT_MAX_RATIO:
		return tool_parse_max_ratio(arg) != 0 ? TOOL_ERROR
						      : TOOL_OPT_TAKEN;
	case TOOL_OPT_SIZES:
		return tool_parse_sizes(arg) != 0 ? TOOL_ERROR : TOOL_OPT_TAKEN;
	case TOOL_OPT_HELP:
		fputs(o->usage, stdout);
		return TOOL_OK;
	}
	return TOOL_OPT_UNKNOWN;
}
