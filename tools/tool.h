/*
 * tool.h - what every command-line tool shares: exit codes, messages on
 * stderr, human units, terminal- and JSON-safe string output, size
 * parsing.  Tools parse arguments, call libdump and print; nothing here
 * analyses anything.
 */
#ifndef HS_TOOL_H
#define HS_TOOL_H

#include <stdint.h>
#include <stdio.h>

enum {
	TOOL_OK = 0,      /* done, nothing to report */
	TOOL_FINDING = 1, /* a gate tripped (dumpdiff --fail-if-growth...) */
	TOOL_ERROR = 2    /* bad usage, bad input, I/O */
};

/* tool_init() : name the tool for messages ("dumpinfo"), and check at exit
 * that stdout was written: if not, "cannot write the output" and exit 2
 * whatever main returned. */
void tool_init(const char *name);

/* tool_error() : print "NAME: message" on stderr; @return TOOL_ERROR. */
int tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tool_usage_error() : as tool_error, plus "try 'NAME --help'". */
int tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tool_human() : "512 B", "1.5 KiB", "12.3 MiB"... into buf (>= 16). */
const char *tool_human(uint64_t bytes, char *buf, size_t size);

/* tool_commas() : "12,345,678" into buf (>= 32). */
const char *tool_commas(uint64_t n, char *buf, size_t size);

/* tool_print_safe() : write s to f with control characters, DEL and
 * bytes that are not UTF-8 escaped (\n, \xNN), so that nothing in a dump
 * can drive a terminal. */
void tool_print_safe(FILE *f, const char *s, size_t n);

/* tool_csv_str() : s as one CSV field (RFC 4180): always quoted, '"'
 * doubled, escaped as tool_print_safe() does (so a field never holds a
 * line break or a control), and a leading ' when it starts with = + - @
 * (a spreadsheet would run it as a formula). */
void tool_csv_str(FILE *f, const char *s, size_t n);

/* tool_safe_width() : the columns tool_print_safe(s, n) takes on a
 * terminal (one per character printed, escapes counted in full), for
 * aligning what follows a string from a dump. */
size_t tool_safe_width(const char *s, size_t n);

/* tool_json_str() : write s as a JSON string literal: always valid UTF-8
 * JSON; bytes that are not UTF-8 become U+FFFD.  NULL prints null. */
void tool_json_str(FILE *f, const char *s, size_t n);

/* tool_parse_size() : "123", "64K", "1.5M", "2G", "10MiB" -> bytes.
 * @return 0, or -1 if s is not a size. */
int tool_parse_size(const char *s, uint64_t *out);

/* tool_parse_u64() : a decimal or 0x hex integer; @return 0 or -1. */
int tool_parse_u64(const char *s, uint64_t *out);

/* tool_iso8601() : ms since the epoch as "2026-11-27T15:34:19.123Z"
 * (UTC) into buf (>= 32); a time past year 9999 prints as "@MS ms". */
const char *tool_iso8601(uint64_t ms, char *buf, size_t size);

/* tool_parse_threads() : a --threads value, 0..64 (0 = one per core).
 * @return 0, or TOOL_ERROR after saying what is wrong. */
int tool_parse_threads(const char *s, unsigned *out);

/* tool_parse_max_ratio() : a --max-ratio value (a positive integer, or 0
 * for no bound), kept for tool_max_ratio().
 * @return 0, or TOOL_ERROR after saying what is wrong. */
int tool_parse_max_ratio(const char *s);

/* tool_max_ratio() : the reader's max_ratio from --max-ratio: 0 (the
 * library's default, 1024) when not given, UINT64_MAX for --max-ratio 0. */
uint64_t tool_max_ratio(void);

/* tool_parse_sizes() : a --sizes value, "allocated" (the default: what
 * each object costs) or "getsizeof" (the runtime's own figure, where the
 * dump records one), kept for tool_runtime_sizes().
 * @return 0, or TOOL_ERROR after a usage message. */
int tool_parse_sizes(const char *s);

/* tool_runtime_sizes() : 1 after --sizes getsizeof
 * (hs_graph_options.runtime_sizes). */
int tool_runtime_sizes(void);

/* The --help lines of --sizes, the same in every tool that has it. */
#define TOOL_SIZES_HELP \
	"  --sizes getsizeof  each object's size as the runtime reports it\n" \
	"                  (Python's sys.getsizeof), where the dump has it;\n" \
	"                  default allocated: what the object costs\n"

/* The --help line of --max-ratio, the same in every tool. */
#define TOOL_MAX_RATIO_HELP \
	"  --max-ratio R   decompress at most R times the file's size\n" \
	"                  (default 1024; 0: no bound): a bomb's cost\n" \
	"                  follows its size, not what it claims\n"

/* tool_progress() : true when progress may go to stderr (a terminal). */
int tool_progress(void);

#endif
