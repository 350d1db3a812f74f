/*
 * hs_classes.h - types that share a name ("classes"): how the tools name
 * one of them and how a user picks them.
 *
 * Every type record of a dump is a type of its own, and several may
 * carry one name: a Python class or namedtuple made per call gives one
 * type record per class object (FORMAT.md 4.3).  The analyses merge them
 * by name by default (hs_graph_type_first() says which belong together)
 * and split them on request; split, a type whose name others share is
 * shown as NAME@0xID, the id of its class object when the type record
 * gives it, or NAME#INDEX, its type index, when it does not.  The same
 * texts select it again.
 *
 * Everything here reads the graph only and is thread-safe.
 */
#ifndef HS_CLASSES_H
#define HS_CLASSES_H

#include "hs_graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * hs_class_name() : append type's name to out; with split, and when
 * other types share the name, "@0x" and its id in hex, or "#" and its
 * type index when its record gives no id.  A type with an empty name is
 * "<type INDEX>".  The name holds the file's bytes unchanged: print it
 * escaped.
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_class_name(hs_buf *out, const hs_graph *g, uint32_t type,
			 int split);

/**
 * hs_class_select() : the types that spec names: every type of that name
 * (when some type has exactly that name), else the one type that
 * "NAME@0xID" or "NAME#INDEX" names (as hs_class_name() writes them).
 * @param[out] out     malloc'd, hs_graph_type_count() bytes: 1 for a
 *                     selected type, else 0; the caller frees it.
 * @param[out] ntypes  how many types are selected (>= 1).
 * @return 0, HS_ENOTFOUND (no type matches; *out NULL), HS_ENOMEM.
 */
HS_API int hs_class_select(uint8_t **out, uint32_t *ntypes,
			   const hs_graph *g, const char *spec);

#ifdef __cplusplus
}
#endif
#endif
