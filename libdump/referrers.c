/*
 * referrers.c - objects grouped by their type and the set of their
 * referrers' types (see hs_referrers.h).
 *
 * Load: one pass over every object's referrers, O(objects + references)
 * plus a sort of each object's distinct referrer types; a stamp per type
 * (4 bytes) dedupes them.  Keys live in one uint32 arena, found through
 * an open-addressing hash table; groups are about 40 bytes each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_classes.h"
#include "hs_referrers.h"
#include "vec.h"

#define NO_GROUP UINT32_MAX
#define NO_PAIR UINT64_MAX

typedef struct {
	uint32_t type, nref;
	int truncated;
	size_t key;           /* offset of the set in the arena */
	uint64_t count, shallow;
	uint32_t classes;
} group;

struct hs_referrers {
	const hs_graph *g;
	int split;
	uint64_t *pairs;      /* merging: (group << 32 | class) seen */
	size_t npairs, psize; /* psize a power of two, or 0 */
	group *groups;
	size_t ngroups, cap;
	uint32_t *arena;      /* every group's referrer set */
	size_t narena, cap_arena;
	uint32_t *table;      /* group index per slot, NO_GROUP if empty */
	size_t tsize;         /* a power of two */
	uint32_t *rank;       /* rank of each type by name */
	uint32_t ntypes;
	hs_referrer_group *view;  /* sorted, built at the end */
};

/* Sort key of a set member: "<root>" first, then types by name, then
 * types that no type record names, by index. */
static uint64_t member_rank(const hs_referrers *r, uint32_t t)
{
	if (t == HS_REFERRERS_ROOT)
		return 0;
	if (t < r->ntypes)
		return 1 + (uint64_t)r->rank[t];
	return 1 + (uint64_t)r->ntypes + t;
}

static int name_cmp(hs_str a, hs_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;

	return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* qsort has no payload argument: the graph being ranked and the referrer
 * table being sorted are passed through these, set under the call only.
 * hs_referrers_group() is still thread-safe because they are
 * thread-local. */
static _Thread_local const hs_graph *sort_graph;
static _Thread_local const hs_referrers *sort_ref;

static int type_name_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int c = name_cmp(hs_graph_type_name(sort_graph, a),
			 hs_graph_type_name(sort_graph, b));

	return c ? c : (a > b) - (a < b);
}

static int member_cmp(const void *pa, const void *pb)
{
	uint64_t a = member_rank(sort_ref, *(const uint32_t *)pa);
	uint64_t b = member_rank(sort_ref, *(const uint32_t *)pb);

	return (a > b) - (a < b);
}

static uint64_t key_hash(uint32_t type, int truncated, const uint32_t *set,
			 uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = (h ^ type) * 0x100000001b3ull;
	h = (h ^ (uint32_t)truncated) * 0x100000001b3ull;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ set[i]) * 0x100000001b3ull;
	return h ^ h >> 29;
}

static int table_grow(hs_referrers *r)
{
	size_t tsize = r->tsize ? r->tsize * 2 : 1024;
	uint32_t *t;

	HS_RETURN_ERROR_IF(tsize > SIZE_MAX / 2 / sizeof(*t), HS_ENOMEM,
			   "too many referrer groups: %zu", r->ngroups);
	t = malloc(tsize * sizeof(*t));
	HS_RETURN_ERROR_IF(!t, HS_ENOMEM, "out of memory for %zu referrer "
			   "groups", r->ngroups);
	for (size_t i = 0; i < tsize; i++)
		t[i] = NO_GROUP;
	for (size_t gi = 0; gi < r->ngroups; gi++) {
		const group *gr = &r->groups[gi];
		size_t i = key_hash(gr->type, gr->truncated,
				    r->arena + gr->key, gr->nref) &
			   (tsize - 1);

		while (t[i] != NO_GROUP)
			i = (i + 1) & (tsize - 1);
		t[i] = (uint32_t)gi;
	}
	free(r->table);
	r->table = t;
	r->tsize = tsize;
	return 0;
}

static size_t pair_slot(uint64_t key, size_t psize)
{
	key *= 0x9e3779b97f4a7c15ull;
	return (size_t)(key ^ key >> 32) & (psize - 1);
}

/* Notes that group gi holds an object of class t (a type whose name
 * other types share): @return 1 when the pair is new, 0, HS_ENOMEM. */
static int pair_add(hs_referrers *r, size_t gi, uint32_t t)
{
	uint64_t key = (uint64_t)gi << 32 | t;
	size_t i;

	if ((r->npairs + 1) * 2 > r->psize) {
		size_t ps = r->psize ? r->psize * 2 : 1024;
		uint64_t *v;

		HS_RETURN_ERROR_IF(ps > SIZE_MAX / 2 / sizeof(*v), HS_ENOMEM,
				   "too many classes in referrer groups");
		v = malloc(ps * sizeof(*v));
		HS_RETURN_ERROR_IF(!v, HS_ENOMEM, "out of memory for %zu "
				   "classes in referrer groups", r->npairs);
		memset(v, 0xff, ps * sizeof(*v));
		for (size_t k = 0; k < r->psize; k++) {
			if (r->pairs[k] == NO_PAIR)
				continue;
			i = pair_slot(r->pairs[k], ps);
			while (v[i] != NO_PAIR)
				i = (i + 1) & (ps - 1);
			v[i] = r->pairs[k];
		}
		free(r->pairs);
		r->pairs = v;
		r->psize = ps;
	}
	for (i = pair_slot(key, r->psize); r->pairs[i] != NO_PAIR;
	     i = (i + 1) & (r->psize - 1))
		if (r->pairs[i] == key)
			return 0;
	r->pairs[i] = key;
	r->npairs++;
	return 1;
}

/* Adds one object of the given key to its group (made if new);
 * *gi gets the group's index. */
static int add(hs_referrers *r, uint32_t type, int truncated,
	       const uint32_t *set, uint32_t n, uint64_t size, size_t *gi)
{
	size_t i;
	group *gr;

	if ((r->ngroups + 1) * 2 > r->tsize)
		HS_FORWARD_IF_ERROR(table_grow(r));
	i = key_hash(type, truncated, set, n) & (r->tsize - 1);
	for (; r->table[i] != NO_GROUP; i = (i + 1) & (r->tsize - 1)) {
		gr = &r->groups[r->table[i]];
		if (gr->type == type && gr->truncated == truncated &&
		    gr->nref == n &&
		    (n == 0 || memcmp(r->arena + gr->key, set,
				      n * sizeof(*set)) == 0)) {
			gr->count++;
			gr->shallow += size;
			*gi = r->table[i];
			return 0;
		}
	}
	HS_RETURN_ERROR_IF(r->ngroups >= NO_GROUP, HS_ELIMIT,
			   "more than %u referrer groups", NO_GROUP);
	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&r->groups, &r->cap,
				       r->ngroups + 1, sizeof(*r->groups)) < 0,
			   HS_ENOMEM, "out of memory for %zu referrer groups",
			   r->ngroups + 1);
	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&r->arena, &r->cap_arena,
				       r->narena + n, sizeof(*r->arena)) < 0,
			   HS_ENOMEM, "out of memory for referrer keys");
	if (n)
		memcpy(r->arena + r->narena, set, n * sizeof(*set));
	gr = &r->groups[r->ngroups];
	gr->type = type;
	gr->nref = n;
	gr->truncated = truncated;
	gr->key = r->narena;
	gr->count = 1;
	gr->shallow = size;
	gr->classes = 0;
	r->narena += n;
	*gi = r->ngroups;
	r->table[i] = (uint32_t)r->ngroups++;
	return 0;
}

/* Group order: shallow, then count, largest first; then by key (type
 * name, then the set member by member), so that the output is stable. */
static int group_cmp(const void *pa, const void *pb)
{
	const hs_referrer_group *a = pa, *b = pb;
	const hs_referrers *r = sort_ref;
	uint64_t ra, rb;

	if (a->shallow != b->shallow)
		return a->shallow < b->shallow ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	ra = member_rank(r, a->type);
	rb = member_rank(r, b->type);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	for (uint32_t i = 0; i < a->nreferrers && i < b->nreferrers; i++) {
		ra = member_rank(r, a->referrers[i]);
		rb = member_rank(r, b->referrers[i]);
		if (ra != rb)
			return ra < rb ? -1 : 1;
	}
	if (a->nreferrers != b->nreferrers)
		return a->nreferrers < b->nreferrers ? -1 : 1;
	return (a->truncated > b->truncated) - (a->truncated < b->truncated);
}

/* Ranks the types by name once, so that sets sort by integers (r->rank;
 * type_name_cmp reads sort_graph).  @return 0, -1 out of memory. */
static int rank_types(hs_referrers *r)
{
	uint32_t *order = malloc(((size_t)r->ntypes + 1) * sizeof(*order));

	if (!order)
		return -1;
	for (uint32_t t = 0; t < r->ntypes; t++)
		order[t] = t;
	sort_graph = r->g;
	qsort(order, r->ntypes, sizeof(*order), type_name_cmp);
	for (uint32_t i = 0; i < r->ntypes; i++)
		r->rank[order[i]] = i;
	free(order);
	return 0;
}

/* The set of v's referrers' types (HS_REFERRERS_ROOT first for a root),
 * each once, strong references only, into (*set)[0..*m), unsorted.
 * stamp[t] == v marks a type already in the set.  @return 0, -1 out of
 * memory. */
static int referrer_set(uint32_t **set, size_t *setcap, size_t *m,
			const hs_referrers *r, uint32_t v, uint32_t *stamp)
{
	const hs_graph *g = r->g;
	uint32_t n = hs_graph_count(g);
	hs_edges in = hs_graph_in(g, v);

	if (hs_graph_is_root(g, v))
		(*set)[(*m)++] = HS_REFERRERS_ROOT;
	for (size_t k = 0; k < in.n; k++) {
		uint32_t t;
		int dup = 0;

		if ((in.flags && (in.flags[k] & HS_REF_WEAK)) ||
		    in.node[k] >= n)
			continue;
		t = hs_graph_type(g, in.node[k]);
		if (!r->split)
			t = hs_graph_type_first(g, t);
		if (t < r->ntypes) {
			dup = stamp[t] == v;
			stamp[t] = v;
		} else {  /* no stamp for unnamed types: look */
			for (size_t j = 0; j < *m && !dup; j++)
				dup = (*set)[j] == t;
		}
		if (dup)
			continue;
		if (hs_vec_grow((void **)set, setcap, *m + 1,
				sizeof(**set)) < 0)
			return -1;
		(*set)[(*m)++] = t;
	}
	return 0;
}

/* The public view of the groups, sorted (group_cmp).  @return 0, -1 out
 * of memory. */
static int build_view(hs_referrers *r)
{
	r->view = malloc((r->ngroups ? r->ngroups : 1) * sizeof(*r->view));
	if (!r->view)
		return -1;
	for (size_t i = 0; i < r->ngroups; i++) {
		const group *gr = &r->groups[i];
		hs_referrer_group *vw = &r->view[i];

		vw->type = gr->type;
		vw->nreferrers = gr->nref;
		vw->referrers = gr->nref ? r->arena + gr->key : NULL;
		vw->truncated = gr->truncated;
		vw->count = gr->count;
		vw->shallow = gr->shallow;
		vw->classes = gr->classes;
	}
	qsort(r->view, r->ngroups, sizeof(*r->view), group_cmp);
	return 0;
}

int hs_referrers_group(hs_referrers **out, const hs_graph *g,
		       const hs_referrers_options *opts)
{
	hs_referrers *r = NULL;
	uint32_t *stamp = NULL, *set = NULL;
	size_t setcap = 64;
	uint32_t n = hs_graph_count(g);
	int rc = 0;

	*out = NULL;
	HS_RETURN_ERROR_IF(opts && opts->version != HS_REFERRERS_OPTIONS_VERSION,
			   HS_EINVAL, "hs_referrers_options version %u, "
			   "expected %u", opts->version,
			   HS_REFERRERS_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF(!hs_graph_has_referrers(g), HS_EINVAL,
			   "%s: loaded without referrers "
			   "(hs_graph_options.reverse)", hs_graph_path(g));
	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->g = g;
	r->split = opts && opts->split_classes;
	r->ntypes = hs_graph_type_count(g);
	r->rank = malloc(((size_t)r->ntypes + 1) * sizeof(*r->rank));
	stamp = malloc(((size_t)r->ntypes + 1) * sizeof(*stamp));
	set = malloc(setcap * sizeof(*set));
	if (!r->rank || !stamp || !set || rank_types(r) < 0)
		goto nomem;
	for (uint32_t t = 0; t < r->ntypes; t++)
		stamp[t] = NO_GROUP;
	sort_ref = r;

	for (uint32_t v = 0; v < n; v++) {
		size_t m = 0, gi = 0;
		uint32_t own;
		int truncated = 0;

		if (opts && opts->include && !opts->include(v, opts->payload))
			continue;
		if (referrer_set(&set, &setcap, &m, r, v, stamp) < 0)
			goto nomem;
		if (m > 1)
			qsort(set, m, sizeof(*set), member_cmp);
		if (m > HS_REFERRERS_SET_MAX) {
			m = HS_REFERRERS_SET_MAX;
			truncated = 1;
		}
		own = hs_graph_type(g, v);
		rc = add(r, r->split ? own : hs_graph_type_first(g, own),
			 truncated, set, (uint32_t)m, hs_graph_size(g, v),
			 &gi);
		if (rc < 0)
			goto done;
		/* a class of a shared name counts once per group */
		if (r->split || hs_graph_type_classes(g, own) < 2)
			rc = r->groups[gi].count == 1;
		else
			rc = pair_add(r, gi, own);
		if (rc < 0)
			goto done;
		r->groups[gi].classes += (uint32_t)rc;
		rc = 0;
	}

	if (build_view(r) < 0)
		goto nomem;
	/* the hash tables are only needed while grouping */
	free(r->table);
	r->table = NULL;
	r->tsize = 0;
	free(r->pairs);
	r->pairs = NULL;
	r->psize = r->npairs = 0;
	goto done;
nomem:
	rc = hs_error_set(HS_ENOMEM, "out of memory grouping %u objects by "
			  "referrer", n);
done:
	sort_graph = NULL;
	sort_ref = NULL;
	free(stamp);
	free(set);
	if (rc < 0) {
		hs_referrers_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void hs_referrers_free(hs_referrers *r)
{
	if (!r)
		return;
	free(r->groups);
	free(r->arena);
	free(r->table);
	free(r->pairs);
	free(r->rank);
	free(r->view);
	free(r);
}

size_t hs_referrers_count(const hs_referrers *r)
{
	return r->ngroups;
}

const hs_referrer_group *hs_referrers_get(const hs_referrers *r, size_t i)
{
	return i < r->ngroups ? &r->view[i] : NULL;
}

static int append_type(hs_buf *out, const hs_referrers *r, uint32_t t)
{
	if (t == HS_REFERRERS_ROOT)
		return hs_buf_append(out, "<root>", 6);
	return hs_class_name(out, r->g, t, r->split);
}

/* " (1,200 classes)": n with a comma every three digits. */
static int append_classes(hs_buf *out, uint32_t n)
{
	char digits[16], text[40];
	int len = snprintf(digits, sizeof(digits), "%u", n), k = 0;

	text[k++] = ' ';
	text[k++] = '(';
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			text[k++] = ',';
		text[k++] = digits[i];
	}
	memcpy(text + k, " classes)", 9);
	return hs_buf_append(out, text, (size_t)k + 9);
}

int hs_referrers_format(hs_buf *out, const hs_referrers *r,
			const hs_referrer_group *grp)
{
	HS_FORWARD_IF_ERROR(append_type(out, r, grp->type));
	if (grp->classes > 1)
		HS_FORWARD_IF_ERROR(append_classes(out, grp->classes));
	HS_FORWARD_IF_ERROR(hs_buf_append(out, " <- {", 5));
	for (uint32_t i = 0; i < grp->nreferrers; i++) {
		if (i)
			HS_FORWARD_IF_ERROR(hs_buf_append(out, ", ", 2));
		HS_FORWARD_IF_ERROR(append_type(out, r, grp->referrers[i]));
	}
	if (grp->truncated)
		HS_FORWARD_IF_ERROR(hs_buf_append(out, ", ...", 5));
	return hs_buf_append(out, "}", 1);
}
