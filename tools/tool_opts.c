/*
 * tool_opts.c - option parsing for every tool (see tool_opts.h): the
 * tool's own long options and the shared ones it takes in one table,
 * one getopt_long loop.
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "tool_opts.h"

/* the longest table: a tool's own options and every shared one */
#define OPTS_MAX 32

static const struct option shared[] = {
	{ "json", no_argument, NULL, TOOL_OPT_JSON },
	{ "split-classes", no_argument, NULL, TOOL_OPT_SPLIT },
	{ "threads", required_argument, NULL, TOOL_OPT_THREADS },
	{ "max-ratio", required_argument, NULL, TOOL_OPT_MAX_RATIO },
	{ "sizes", required_argument, NULL, TOOL_OPT_SIZES },
	{ "help", no_argument, NULL, TOOL_OPT_HELP },
};

static int takes(const tool_cli *cli, int code)
{
	static const unsigned flag[] = { TOOL_JSON, TOOL_SPLIT, TOOL_THREADS,
					 TOOL_MAX_RATIO, TOOL_SIZES };

	if (code == TOOL_OPT_HELP)
		return 1;
	return (cli->flags & flag[code - TOOL_OPT_JSON]) != 0;
}

/* The shared option c, if the tool takes it.  @return TOOL_OPT_TAKEN,
 * TOOL_OK after --help, TOOL_ERROR (a bad value, said), or 1: not one
 * of the shared options the tool takes. */
static int shared_opt(const tool_cli *cli, tool_common *common, int c,
		      const char *arg)
{
	if (c != 'h' && (c < TOOL_OPT_JSON || c > TOOL_OPT_SIZES))
		return 1;
	if (!takes(cli, c))
		return 1;
	switch (c) {
	case TOOL_OPT_JSON:
		common->json = 1;
		break;
	case TOOL_OPT_SPLIT:
		common->split = 1;
		break;
	case TOOL_OPT_THREADS:
		if (tool_parse_threads(arg, &common->threads) < 0)
			return TOOL_ERROR;
		break;
	case TOOL_OPT_MAX_RATIO:
		if (tool_parse_max_ratio(arg) != 0)
			return TOOL_ERROR;
		break;
	case TOOL_OPT_SIZES:
		if (tool_parse_sizes(arg) != 0)
			return TOOL_ERROR;
		break;
	default:
		fputs(cli->usage, stdout);
		return TOOL_OK;
	}
	return TOOL_OPT_TAKEN;
}

/* An option getopt could not place: unknown, or (c == ':') without its
 * value.  @return TOOL_ERROR (said). */
static int bad_opt(const tool_cli *cli, int c, char **argv)
{
	if (c == ':' && cli->missing)
		return tool_usage_error(cli->missing, argv[optind - 1]);
	if ((cli->flags & TOOL_OPTOPT) && optopt)
		return tool_usage_error("unknown option '-%c'", optopt);
	if (!cli->unknown)
		return tool_usage_error("unknown option");
	return tool_usage_error(cli->unknown, argv[optind - 1]);
}

int tool_getopt(const tool_cli *cli, tool_common *common, int argc,
		char **argv, void *payload)
{
	struct option all[OPTS_MAX + 1];
	size_t n = 0;
	int c, rc;

	for (; cli->own[n].name; n++) {
		if (n + 6 >= OPTS_MAX)
			return tool_error("too many options");  /* a bug */
		all[n] = cli->own[n];
	}
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (takes(cli, shared[i].val))
			all[n++] = shared[i];
	memset(&all[n], 0, sizeof(all[n]));
	if (cli->flags & TOOL_QUIET)
		opterr = 0;
	while ((c = getopt_long(argc, argv, cli->shortopts, all, NULL)) != -1) {
		rc = shared_opt(cli, common, c, optarg);
		if (rc == 1) {
			int own = 0;

			for (size_t i = 0; cli->own[i].name && !own; i++)
				own = cli->own[i].val == c;
			if (c != ':' && c != '?' && strchr(cli->shortopts, c))
				own = 1;
			rc = own ? cli->opt(c, optarg, payload)
				 : bad_opt(cli, c, argv);
			if (rc == 0)
				continue;
			return rc;
		}
		if (rc != TOOL_OPT_TAKEN)
			return rc;
	}
	if (cli->flags & TOOL_FILE) {
		if (optind + 1 != argc)
			return tool_usage_error(optind < argc ? "one FILE only"
							      : "no FILE");
		common->file = argv[optind];
	}
	if (cli->operands && (rc = cli->operands(argc, argv, payload)) != 0)
		return rc;
	return TOOL_OPT_TAKEN;
}
