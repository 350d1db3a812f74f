/*
 * tool_opts.h - the options most tools share (--json, --split-classes,
 * --threads, --max-ratio, --sizes, --help), as getopt_long entries and one
 * handler, so that each tool's option switch holds only its own.
 */
#ifndef HS_TOOL_OPTS_H
#define HS_TOOL_OPTS_H

#include <getopt.h>

/* getopt_long codes: above any letter a tool gives its own options */
enum {
	TOOL_OPT_JSON = 0x1000,
	TOOL_OPT_SPLIT,
	TOOL_OPT_THREADS,
	TOOL_OPT_MAX_RATIO,
	TOOL_OPT_SIZES,
	TOOL_OPT_HELP = 'h'
};

#define TOOL_LONGOPT_JSON { "json", no_argument, NULL, TOOL_OPT_JSON }
#define TOOL_LONGOPT_SPLIT \
	{ "split-classes", no_argument, NULL, TOOL_OPT_SPLIT }
#define TOOL_LONGOPT_THREADS \
	{ "threads", required_argument, NULL, TOOL_OPT_THREADS }
#define TOOL_LONGOPT_MAX_RATIO \
	{ "max-ratio", required_argument, NULL, TOOL_OPT_MAX_RATIO }
#define TOOL_LONGOPT_SIZES \
	{ "sizes", required_argument, NULL, TOOL_OPT_SIZES }
#define TOOL_LONGOPT_HELP { "help", no_argument, NULL, TOOL_OPT_HELP }

/* Where a tool keeps what the shared options set; NULL: it has none. */
typedef struct {
	const char *usage;    /* --help prints it on stdout */
	int *json;
	int *split;
	unsigned *threads;    /* tool_parse_threads() */
} tool_opts;

/* tool_opt() returns these besides TOOL_OK (after --help: exit 0) and
 * TOOL_ERROR (a bad value, said). */
#define TOOL_OPT_TAKEN (-1)    /* handled: parse on */
#define TOOL_OPT_UNKNOWN (-2)  /* not a shared option of this tool */

/* tool_opt() : handle getopt_long's code c (with its argument) if it is
 * one of the shared options the tool keeps in o. */
int tool_opt(const tool_opts *o, int c, const char *arg);

#endif
