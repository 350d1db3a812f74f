/*
 * v8util.h - V8 heap snapshots for the tests (test_v8*.c, test_faults.c):
 * a builder that writes the JSON of a small graph in V8's layout or in
 * variants of it, and the import of such text into a .snap loaded as a
 * graph.
 */
#ifndef HS_TEST_V8UTIL_H
#define HS_TEST_V8UTIL_H

#include "hs_common.h"
#include "hs_graph.h"
#include "hs_v8.h"

/* A node: V8 type name ("object", "string"...), name, id, self size. */
typedef struct {
	const char *type, *name;
	uint64_t id, size;
} v8t_node;

/* An edge from node `from` to node `to` (ordinals); name for the named
 * types, index for element and hidden.  Names are written as given,
 * inside quotes: JSON escapes pass through. */
typedef struct {
	unsigned from, to;
	const char *type, *name;
	unsigned index;
} v8t_edge;

/* Layout variants. */
#define V8T_EXTRA 0x1     /* trace_node_id, detachedness and an unknown
                             field; an unknown node and edge type */
#define V8T_REORDER 0x2   /* fields and types in another order */
#define V8T_TRAILING 0x4  /* trace_function_infos, trace_tree, samples
                             and locations between edges and strings */

/* v8t_json() : the snapshot's JSON (malloc'd, NUL-terminated).  Edges
 * may be given in any order (they are sorted by `from`); root is the
 * root's ordinal (snapshot.root_index when not 0). */
char *v8t_json(const v8t_node *nodes, size_t n, const v8t_edge *edges,
	       size_t ne, unsigned root, unsigned variant);

/* v8t_import() : import text into a .snap at tu_path(name).
 * @return hs_v8_import's code. */
int v8t_import(const char *text, size_t len, const char *name,
	       const hs_v8_options *o, hs_v8_stats *st);

/* v8t_load() : v8t_import() then hs_graph_load (reverse references on).
 * @return NULL on any error (printed). */
hs_graph *v8t_load(const char *text, const char *name,
		   const hs_v8_options *o, hs_v8_stats *st);

/* v8t_describe() : the graph as sorted text lines (node by id: type,
 * size, preview, its references with labels and flags; roots) into a
 * malloc'd string, for comparing two imports. */
char *v8t_describe(hs_graph *g);

#endif
