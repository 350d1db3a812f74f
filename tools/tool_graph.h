/*
 * tool_graph.h - what the graph tools (dumptypes, dumpdom, ...) share:
 * timed steps with progress on stderr, loading a graph and its dominator
 * tree with errors mapped to messages, the header line and the warnings
 * every tool prints about what the dump lacks.
 */
#ifndef HS_TOOL_GRAPH_H
#define HS_TOOL_GRAPH_H

#include <pthread.h>
#include <stdio.h>

#include "hs_dom.h"
#include "tool.h"
#include "tool_json.h"

/* tool_step() : a step begins ("loading x.snap"); the previous one ends.
 * When stderr is a terminal and a step lasts over a second, its name is
 * shown while it runs and its time when it ends.  NULL ends the last. */
void tool_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tool_load() : load path (with referrers if reverse) and, if d is not
 * NULL, its dominator tree.  On failure prints "NAME: message" (the
 * message names the file, the byte offset and the problem) and returns
 * TOOL_ERROR; else 0. */
int tool_load(hs_graph **g, hs_dom **d, const char *path, int reverse,
	      unsigned threads);

/* tool_dom_start() / tool_dom_finish() : hs_dom_build() of g on a
 * thread of its own while the caller works on g too (both only read it;
 * dumppath's search from the roots runs beside it).  finish joins (or,
 * when no thread could start, builds it there) and returns 0, or prints
 * "NAME: message" and returns TOOL_ERROR. */
typedef struct {
	const hs_graph *g;
	pthread_t tid;
	int started;
	hs_dom *d;
	int rc;
	char msg[512];
} tool_dom_job;

void tool_dom_start(tool_dom_job *j, const hs_graph *g);
int tool_dom_finish(hs_dom **out, tool_dom_job *j);

/* tool_graph_name() : the file the user named for g (a V8 snapshot's
 * name, not its temporary .snap's: tool_input.h). */
const char *tool_graph_name(const hs_graph *g);

/* tool_header() : one line: file, objects and bytes, references, roots,
 * reachable and unreachable, missing references. */
void tool_header(FILE *f, const hs_graph *g, const hs_dom *d);

/* tool_warnings() : on stderr, what was lost or is missing (integrity,
 * missing references and roots, duplicate ids, stray references,
 * undeclared types, clamped sizes). */
void tool_warnings(const hs_graph *g);

/* tool_warnings_named() : the same, each line naming the file (for a
 * tool that reads several). */
void tool_warnings_named(const hs_graph *g, const char *name);

/* tool_json_graph() : the "graph" member shared by the --json schemas. */
void tool_json_graph(tool_json *j, const hs_graph *g, const hs_dom *d);

/* tool_print_type() : type's name on f, escaped and cut at max bytes
 * ("..."; 0 = no cut); with split and a name several types share, its
 * class mark (hs_class_name: "@0xID" or "#INDEX"); classes > 1 adds
 * " (1,200 classes)" (a row that merges them). */
void tool_print_type(FILE *f, const hs_graph *g, uint32_t type, int split,
		     uint32_t classes, size_t max);

/* tool_json_class() : with split, the members "type_index" and
 * "type_id" (null when the type record gives none) that tell a type
 * apart from others of its name; nothing otherwise. */
void tool_json_class(tool_json *j, const hs_graph *g, uint32_t type,
		     int split);

/* tool_preview() : a short, terminal-safe rendering of a value preview
 * into buf ("'hello'", "42", "b'\x00a'"); cut at max bytes of text. */
const char *tool_preview(const hs_value *v, char *buf, size_t size,
			 size_t max);

#endif
