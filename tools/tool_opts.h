/*
 * tool_opts.h - option parsing for every tool: one getopt_long loop over
 * the tool's own long options and the shared ones it takes (--json,
 * --split-classes, --threads, --max-ratio, --sizes, --help), the shared
 * ones handled here, the tool's own by a callback, unknown options and
 * missing values said in the tool's words.
 */
#ifndef HS_TOOL_OPTS_H
#define HS_TOOL_OPTS_H

#include <getopt.h>

/* getopt_long codes of the shared options: above any letter a tool gives
 * its own options */
enum {
	TOOL_OPT_JSON = 0x1000,
	TOOL_OPT_SPLIT,
	TOOL_OPT_THREADS,
	TOOL_OPT_MAX_RATIO,
	TOOL_OPT_SIZES,
	TOOL_OPT_HELP = 'h'
};

/* tool_cli.flags: the shared options without a place in tool_cli */
#define TOOL_MAX_RATIO 1u  /* --max-ratio (tool_max_ratio()) */
#define TOOL_SIZES 2u      /* --sizes (tool_runtime_sizes()) */
#define TOOL_QUIET 4u      /* getopt prints nothing itself (opterr 0) */
#define TOOL_OPTOPT 8u     /* an unknown short option is named "-x" */

/* A tool's own option: c is its getopt code, arg its value or NULL.
 * @return 0 to go on, or an exit status (after saying what is wrong). */
typedef int (*tool_opt_fn)(int c, const char *arg, void *payload);

/* What a tool's command line takes. */
typedef struct {
	const char *usage;          /* --help prints it on stdout */
	const char *shortopts;      /* getopt's: "h", ":ht:"... */
	const struct option *own;   /* the tool's own, ended by a 0 entry */
	tool_opt_fn opt;            /* handles the codes of own */
	unsigned flags;             /* TOOL_MAX_RATIO | TOOL_SIZES | ... */
	int *json;                  /* --json sets it; NULL: not taken */
	int *split;                 /* --split-classes sets it; NULL: not */
	unsigned *threads;          /* --threads (tool_parse_threads()) */
	const char *unknown;        /* "unknown option", or with '%s': the
				       argument as given */
	const char *missing;        /* with ':' in shortopts: "option '%s'
				       needs a value" */
} tool_cli;

#define TOOL_OPT_TAKEN (-1)    /* tool_getopt(): every option read */

/* tool_getopt() : read argv's options (optind: the first operand after
 * it).  Options of the tool's own go to cli->opt(c, arg, payload).
 * @return TOOL_OPT_TAKEN to go on, TOOL_OK after --help (printed), or
 *         an exit status after saying what is wrong. */
int tool_getopt(const tool_cli *cli, int argc, char **argv, void *payload);

#endif
