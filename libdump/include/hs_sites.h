/*
 * hs_sites.h - objects grouped by allocation site: the file:line of the
 * innermost frames of the traceback a capture recorded for them (Python:
 * tracemalloc's).  The library behind `dumptypes --by site`.
 *
 * One sequential pass over the file (site records, the strings they name,
 * each object's site), with the graph's reachability as a filter.  Memory:
 * the strings and sites of the file, and one key per site.
 */
#ifndef HS_SITES_H
#define HS_SITES_H

#include "hs_graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One group: the site key ("app.py:42 < lib.py:7"), its objects. */
typedef struct {
	hs_str key;          /**< owned by the hs_sites */
	uint64_t count, shallow;
} hs_site_group;

typedef struct hs_sites hs_sites;

/** Which objects count: include(node, payload) != 0; NULL: all. */
typedef int (*hs_sites_filter)(uint32_t node, const void *payload);

/**
 * hs_sites_group() : group g's objects by the innermost `depth` frames of
 * their allocation site (depth 1..64); objects with no site form the
 * group "(no site)".  Sorted by shallow size, largest first.
 * @param[out] out  pair with hs_sites_free().
 * @return 0, HS_EINVAL (depth), HS_ENOMEM, or the reader's error.
 */
HS_API int hs_sites_group(hs_sites **out, hs_graph *g, unsigned depth,
			  hs_sites_filter include, const void *payload);

/** hs_sites_count() : the groups (0 for a NULL s). */
HS_API size_t hs_sites_count(const hs_sites *s);
/** hs_sites_get() : the i-th group, largest shallow size first; NULL past
 *  the end.  Owned by s. */
HS_API const hs_site_group *hs_sites_get(const hs_sites *s, size_t i);
/** hs_sites_recorded() : site records in the file (0: no tracebacks). */
HS_API uint64_t hs_sites_recorded(const hs_sites *s);
/** hs_sites_free() : free s and its groups' keys.  NULL-safe. */
HS_API void hs_sites_free(hs_sites *s);

#ifdef __cplusplus
}
#endif
#endif
