/*
 * diff.c - hs_diff: per-type and per-owner growth between snapshots (see
 * hs_diff.h).
 *
 * Load: the type table (one row per type name), and while computing, per
 * object of the newest snapshot its match in the other (4 bytes), a
 * presence byte, an owner (4 bytes) and, per owner, a count (4) and bytes
 * (8).  Objects are matched by id with a merge of the two snapshots' ids
 * in order: ids mostly come in address order already, and a radix sort
 * puts the others in order (16 bytes per object while matching), where
 * hashing cost a random lookup per object.  The per-object arrays are
 * big arrays (bigarray.h): they reuse the memory the dominator trees'
 * computation left in the pool.
 *
 * The parts: diff_types.c (the type table), diff_match.c (objects by
 * id), diff_owners.c and diff_owner_paths.c (owners by id, by path).
 */
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "diff_steps.h"
#include "error.h"
#include "timing.h"

static int same_process(const hs_graph *a, const hs_graph *b)
{
	const hs_snapinfo *x = hs_graph_info(a), *y = hs_graph_info(b);

	return x->header.pid == y->header.pid &&
	       strcmp(x->header.runtime, y->header.runtime) == 0 &&
	       strcmp(x->header.runtime_version, y->header.runtime_version) == 0;
}

static void fill_totals(hs_diff *df, int side)
{
	const hs_graph_stats *s = hs_graph_stats_get(df->g[side]);
	const hs_dom_stats *ds = hs_dom_stats_get(df->d[side]);
	hs_diff_totals *t = &df->totals;

	t->objects[side] = hs_graph_count(df->g[side]);
	t->shallow[side] = s->shallow;
	t->reachable[side] = ds->reachable;
	t->reachable_size[side] = ds->reachable_size;
	t->unreachable[side] = ds->unreachable;
	t->unreachable_size[side] = ds->unreachable_size;
}

static int diff_init(hs_diff **out, hs_graph *g0, hs_dom *d0, hs_graph *g1,
		     hs_dom *d1, const hs_diff_options *opts,
		     uint32_t **rowmap0, uint32_t **rowmap1)
{
	hs_diff *df;
	double t = 0;
	int rc;

	*out = NULL;
	HS_RETURN_ERROR_IF(opts && opts->version != HS_DIFF_OPTIONS_VERSION,
			   HS_EINVAL, "diff: options version %u, expected %u",
			   opts->version, HS_DIFF_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF(opts && opts->match > HS_DIFF_MATCH_PATH, HS_EINVAL,
			   "diff: unknown matching %d", (int)opts->match);
	HS_RETURN_ERROR_IF(opts && opts->split_classes &&
			   !same_process(g0, g1), HS_EINVAL,
			   "diff: classes are split by their objects' ids, "
			   "which only snapshots of one process share (same "
			   "pid and runtime)");
	df = calloc(1, sizeof(*df));
	HS_RETURN_ERROR_IF(!df, HS_ENOMEM, "diff: out of memory");
	df->g[0] = g0;
	df->g[1] = g1;
	df->d[0] = d0;
	df->d[1] = d1;
	df->totals.same_process = same_process(g0, g1);
	df->types.split = opts && opts->split_classes;
	fill_totals(df, 0);
	fill_totals(df, 1);
	hs_timing_step("diff", NULL, &t);
	rc = diff_map_types(rowmap0, &df->types, g0, &df->totals.unsplit[0]);
	if (rc == 0)
		rc = diff_map_types(rowmap1, &df->types, g1,
			       &df->totals.unsplit[1]);
	if (rc == 0)
		rc = diff_tally_types(df, 0, *rowmap0);
	if (rc == 0)
		rc = diff_tally_types(df, 1, *rowmap1);
	hs_timing_step("diff", "types", &t);
	if (rc < 0) {
		hs_diff_free(df);
		return rc;
	}
	*out = df;
	return 0;
}

/* The end of both entry points: a finished diff into *out, or none. */
static int diff_done(hs_diff **out, hs_diff *df, int rc)
{
	if (rc == 0 && df) {
		diff_finish_types(&df->types);
	} else {
		hs_diff_free(df);
		df = NULL;
	}
	*out = df;
	return rc;
}

int hs_diff_new(hs_diff **out, hs_graph *old_g, hs_dom *old_d,
		hs_graph *new_g, hs_dom *new_d, const hs_diff_options *opts)
{
	static const hs_diff_options defaults = HS_DIFF_OPTIONS_INIT;
	uint32_t *map0 = NULL, *map1 = NULL, *old_of = NULL;
	uint32_t n0 = hs_graph_count(old_g), n1 = hs_graph_count(new_g);
	unsigned char *in_new = NULL, *is_new = NULL;
	hs_diff *df = NULL;
	double t = 0;
	int rc;

	if (!opts)
		opts = &defaults;
	rc = diff_init(&df, old_g, old_d, new_g, new_d, opts, &map0, &map1);
	if (rc < 0)
		goto done;
	df->totals.snapshots = 2;
	df->totals.matched_by = opts->match != HS_DIFF_MATCH_AUTO ? opts->match
		: df->totals.same_process ? HS_DIFF_MATCH_ID
					  : HS_DIFF_MATCH_PATH;
	if (df->totals.matched_by == HS_DIFF_MATCH_PATH) {
		size_t k = opts->path_owners ? opts->path_owners : 500;

		rc = diff_owners_by_path(df, k, map0, map1);
		goto done;
	}
	old_of = hs_big_calloc((size_t)n1 + 1, sizeof(*old_of));
	in_new = hs_big_calloc((size_t)n0 + 1, 1);
	is_new = hs_big_calloc((size_t)n1 + 1, 1);
	if (!old_of || !in_new || !is_new) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	hs_timing_step("diff", NULL, &t);
	rc = diff_match_ids(old_of, in_new, new_g, map1, old_g, map0);
	if (rc < 0)
		goto done;
	hs_timing_step("diff", "match", &t);
	for (uint32_t v = 0; v < n1; v++) {
		is_new[v] = old_of[v] == HS_GRAPH_NONE;
		if (!is_new[v]) {
			df->totals.survivors++;
			df->totals.survivor_bytes += hs_graph_size(new_g, v);
		}
	}
	for (uint32_t u = 0; u < n0; u++)
		if (!in_new[u]) {
			df->totals.freed_objects++;
			df->totals.freed_bytes += hs_graph_size(old_g, u);
		}
	rc = diff_owners_by_id(df, old_of, is_new);
	hs_timing_step("diff", "owners", &t);
done:
	free(map0);
	free(map1);
	hs_big_free(old_of);
	hs_big_free(in_new);
	hs_big_free(is_new);
	return diff_done(out, df, rc);
}

int hs_diff_leaks(hs_diff **out, hs_graph *base_g, hs_dom *base_d,
		  hs_graph *target_g, hs_graph *final_g, hs_dom *final_d,
		  const hs_diff_options *opts)
{
	uint32_t *map0 = NULL, *map1 = NULL, *mapt = NULL, *m = NULL;
	uint32_t n = hs_graph_count(final_g);
	unsigned char *is_new = NULL;
	hs_diff *df = NULL;
	int rc;

	*out = NULL;
	HS_RETURN_ERROR_IF(!same_process(base_g, target_g) ||
			   !same_process(base_g, final_g), HS_EINVAL,
			   "three snapshots must come from one process (same "
			   "pid and runtime): objects are matched by id");
	rc = diff_init(&df, base_g, base_d, final_g, final_d, opts, &map0,
		       &map1);
	if (rc < 0)
		goto done;  /* the type maps may have been made */
	df->totals.snapshots = 3;
	df->totals.matched_by = HS_DIFF_MATCH_ID;
	/* target's types, mapped into the same table so names compare as
	 * rows; rows only target has get no counts and are dropped below */
	rc = diff_map_types(&mapt, &df->types, target_g, NULL);
	if (rc < 0)
		goto done;
	m = hs_big_calloc((size_t)n + 1, sizeof(*m));
	is_new = hs_big_calloc((size_t)n + 1, 1);
	if (!m || !is_new) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	/* leak candidates: in final, were in target, not in base */
	rc = diff_match_ids(m, NULL, final_g, map1, target_g, mapt);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++)
		is_new[v] = m[v] != HS_GRAPH_NONE;
	rc = diff_match_ids(m, NULL, final_g, map1, base_g, map0);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++)
		is_new[v] = is_new[v] && m[v] == HS_GRAPH_NONE;
	rc = diff_owners_by_id(df, m, is_new);
done:
	free(map0);
	free(map1);
	free(mapt);
	hs_big_free(m);
	hs_big_free(is_new);
	return diff_done(out, df, rc);
}

void hs_diff_free(hs_diff *d)
{
	if (!d)
		return;
	diff_table_release(&d->types);
	free(d->owners);
	hs_buf_release(&d->paths);
	hs_paths_free(d->tree);
	free(d);
}

const hs_diff_totals *hs_diff_totals_get(const hs_diff *d)
{
	return &d->totals;
}

size_t hs_diff_type_count(const hs_diff *d)
{
	return d->types.n;
}

const hs_diff_type *hs_diff_type_get(const hs_diff *d, size_t i)
{
	return i < d->types.n ? &d->types.rows[i] : NULL;
}

size_t hs_diff_owner_count(const hs_diff *d)
{
	return d->nowners;
}

const hs_diff_owner *hs_diff_owner_get(const hs_diff *d, size_t i)
{
	return i < d->nowners ? &d->owners[i] : NULL;
}

int hs_diff_owner_path(hs_buf *out, hs_diff *d, size_t i)
{
	const hs_diff_owner *o = hs_diff_owner_get(d, i);
	hs_pathset *ps = NULL;
	int rc;

	HS_RETURN_ERROR_IF(!o, HS_EINVAL, "diff: no owner %zu", i);
	if (o->path.len || d->totals.matched_by == HS_DIFF_MATCH_PATH)
		return hs_buf_append(out, o->path.ptr, o->path.len);
	if (o->node == HS_GRAPH_SUPERROOT)
		return hs_buf_append(out, "(roots)", 7);
	if (o->node == HS_GRAPH_NONE)
		return hs_buf_append(out, "(unreachable)", 13);
	if (!d->tree) {
		double t = 0;

		hs_timing_step("diff", NULL, &t);
		HS_FORWARD_IF_ERROR(hs_paths_new(&d->tree, d->g[1], NULL));
		hs_timing_step("diff", "paths", &t);
	}
	rc = hs_paths_shortest(&ps, d->tree, o->node);
	if (rc == 0 && hs_pathset_count(ps))
		rc = hs_path_format(out, d->g[1], hs_pathset_get(ps, 0));
	hs_pathset_free(ps);
	return rc;
}

