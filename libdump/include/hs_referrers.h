/*
 * hs_referrers.h - objects grouped by what refers to them (guppy3's
 * "byrcs", referrer classification): the library behind
 * `dumptypes --by referrer`.
 *
 * Each object gets a key: its own type and the set of the types of the
 * objects holding a strong reference to it, e.g. "dict <- {app.Session,
 * list}".  An object named by a root record has the pseudo-type "<root>"
 * in its set; an object that is not a root and that no strong reference
 * leads to (so an unreachable one) has an empty set: "dict <- {}".  Weak references are left out,
 * as they keep nothing alive.  A set is cut at HS_REFERRERS_SET_MAX
 * types (the first ones by name; "<root>" sorts first) and then marked
 * truncated ("{a, b, ...}"), so that a type referenced from
 * everywhere does not make a key per object.  Objects with equal keys
 * form a group: count and shallow size; groups come sorted by shallow
 * size, largest first (ties: count, then key order).
 *
 * Types that share a name (classes made per call, hs_classes.h) are one
 * type here, the name's first (hs_graph_type_first), both as the objects'
 * type and in the sets, unless opts.split_classes; a group then says how
 * many of them its objects have (classes).
 *
 * Load: one pass over the reverse references (hs_graph_in), O(objects +
 * references); 4 bytes per type, about 24 bytes per group plus 4 bytes
 * per type in its key, and, merging classes, 16 bytes per distinct
 * (group, class) pair of a shared name.  Reads the graph only;
 * thread-safe.
 */
#ifndef HS_REFERRERS_H
#define HS_REFERRERS_H

#include "hs_graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Referrer types kept in one key. */
#define HS_REFERRERS_SET_MAX 8
/** The pseudo-type "<root>" in a key's set. */
#define HS_REFERRERS_ROOT UINT32_MAX

/** Which objects to group: 1 to include node.  (Referrers count
 *  whether included or not.) */
typedef int (*hs_referrers_filter)(uint32_t node, const void *payload);

typedef struct {
	unsigned version;            /**< HS_REFERRERS_OPTIONS_VERSION */
	hs_referrers_filter include; /**< NULL: every object */
	const void *payload;         /**< for include */
	int split_classes;           /**< types sharing a name stay apart */
} hs_referrers_options;

#define HS_REFERRERS_OPTIONS_VERSION 1
#define HS_REFERRERS_OPTIONS_INIT { HS_REFERRERS_OPTIONS_VERSION, NULL, NULL, \
				    0 }

/** One group. */
typedef struct {
	uint32_t type;              /**< the objects' type */
	uint32_t nreferrers;        /**< types in the set, <= SET_MAX */
	const uint32_t *referrers;  /**< type indices sorted by name, or
	                                 HS_REFERRERS_ROOT (first) */
	int truncated;              /**< more referrer types than kept */
	uint64_t count;             /**< objects */
	uint64_t shallow;           /**< their shallow sizes */
	uint32_t classes;           /**< distinct types of the objects (2 or
	                                 more: classes of one name merged) */
} hs_referrer_group;

typedef struct hs_referrers hs_referrers;

/**
 * hs_referrers_group() : group the objects of g (those opts->include
 * accepts) by their keys.  Needs the reverse references
 * (hs_graph_options.reverse).
 * @param[out] out  pair with hs_referrers_free().
 * @param opts      NULL for the defaults.
 * @return 0, HS_ENOMEM, HS_EINVAL (bad options, g loaded without
 *         referrers).
 */
HS_API int hs_referrers_group(hs_referrers **out, const hs_graph *g,
			      const hs_referrers_options *opts);

/** hs_referrers_free() : NULL-safe. */
HS_API void hs_referrers_free(hs_referrers *r);

/** hs_referrers_count() : groups. */
HS_API size_t hs_referrers_count(const hs_referrers *r);

/** hs_referrers_get() : the i-th group (i < count), largest shallow
 *  size first; owned by r. */
HS_API const hs_referrer_group *hs_referrers_get(const hs_referrers *r, size_t i);

/**
 * hs_referrers_format() : append the group's key as text,
 * "TYPE <- {A, B}", "TYPE <- {<root>, A, ...}" or "TYPE <- {}"; merged
 * classes as "TYPE (1,200 classes) <- {...}", split ones with their
 * class marks (hs_class_name).  Type names are the file's bytes,
 * unchanged: print them escaped.
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_referrers_format(hs_buf *out, const hs_referrers *r,
			       const hs_referrer_group *grp);

#ifdef __cplusplus
}
#endif
#endif
