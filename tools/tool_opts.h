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

/* What the shared options set; a tool keeps one in its options. */
typedef struct {
	int json;           /* --json */
	int split;          /* --split-classes */
	unsigned threads;   /* --threads (tool_parse_threads()) */
	const char *file;   /* the one FILE operand (TOOL_FILE) */
} tool_common;

/* tool_cli.flags: the shared options a tool takes, and how it parses */
#define TOOL_JSON 0x01u       /* --json */
#define TOOL_SPLIT 0x02u      /* --split-classes */
#define TOOL_THREADS 0x04u    /* --threads */
#define TOOL_MAX_RATIO 0x08u  /* --max-ratio (tool_max_ratio()) */
#define TOOL_SIZES 0x10u      /* --sizes (tool_runtime_sizes()) */
#define TOOL_FILE 0x20u       /* exactly one operand, FILE */
#define TOOL_QUIET 0x40u      /* getopt prints nothing itself (opterr 0) */
#define TOOL_OPTOPT 0x80u     /* an unknown short option is named "-x" */

/* A tool's own option: c is its getopt code, arg its value or NULL.
 * @return 0 to go on, or an exit status (after saying what is wrong). */
typedef int (*tool_opt_fn)(int c, const char *arg, void *payload);

/* The operands, argv[optind..argc), and what the options say together.
 * @return 0 to go on, or an exit status (after saying what is wrong). */
typedef int (*tool_args_fn)(int argc, char **argv, void *payload);

/* What a tool's command line takes (--help is always taken). */
typedef struct {
	const char *usage;          /* --help prints it on stdout */
	const char *shortopts;      /* getopt's: "h", ":ht:"... */
	const struct option *own;   /* the tool's own, ended by a 0 entry */
	tool_opt_fn opt;            /* handles the codes of own */
	unsigned flags;             /* TOOL_JSON | TOOL_SPLIT | ... */
	const char *unknown;        /* with '%s': the argument as given;
				       NULL: "unknown option" */
	const char *missing;        /* with ':' in shortopts: "option '%s'
				       needs a value" */
	tool_args_fn operands;      /* NULL: none but TOOL_FILE's */
} tool_cli;

#define TOOL_OPT_TAKEN (-1)    /* tool_getopt(): every option read */

/* tool_getopt() : read argv's options into *common (the shared ones; it
 * may be NULL when the tool takes none of those) and, through
 * cli->opt(c, arg, payload), the tool's own; then the operands (TOOL_FILE
 * and cli->operands(argc, argv, payload)).
 * @return TOOL_OPT_TAKEN to go on, TOOL_OK after --help (printed), or
 *         an exit status after saying what is wrong. */
int tool_getopt(const tool_cli *cli, tool_common *common, int argc,
		char **argv, void *payload);

#endif
