/*
 * sites.c - hs_sites: objects grouped by allocation site (see hs_sites.h).
 *
 * Load: the file's strings (one buffer, an entry per string record), per
 * site record its group, per group a count, a size and its key's text;
 * every table is sized by the records read, never by the indices they
 * declare (hs_imap), and a key finds its group by hash.  Sites are
 * declared before the objects that name them (the writer enforces it),
 * so one pass in file order resolves everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_sites.h"
#include "imap.h"
#include "vec.h"

struct hs_sites {
	hs_site_group *groups;
	size_t n, cap;
	hs_buf keys;          /* the groups' key texts */
	size_t *key_off;      /* per group: offset of its key in keys */
	uint32_t *next;       /* per group: the next with the same hash */
	hs_imap by_hash;      /* key hash -> first group */
	uint64_t recorded;
};

typedef struct {
	hs_buf text;          /* the strings' bytes */
	size_t *off, *len;    /* per entry */
	size_t n, cap;
	hs_imap by_index;     /* string index -> entry */
} string_table;

static uint32_t key_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u;  /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h;
}

static int key_is(const hs_sites *s, size_t i, const char *key, size_t len)
{
	size_t start = s->key_off[i];
	size_t end = i + 1 < s->n ? s->key_off[i + 1] : s->keys.len;

	return end - start == len &&
	       memcmp(s->keys.data + start, key, len) == 0;
}

/* The group of a key, added if new.  By hash: a file may hold a million
 * distinct sites. */
static int64_t group_of(hs_sites *s, const char *key, size_t len)
{
	uint32_t h = key_hash(key, len), i = hs_imap_get(&s->by_hash, h);
	size_t cap = s->cap;

	for (uint32_t j = i; j != HS_IMAP_NONE; j = s->next[j])
		if (key_is(s, j, key, len))
			return (int64_t)j;
	if (s->n >= UINT32_MAX - 1 ||
	    hs_vec_grow((void **)&s->groups, &cap, s->n + 1,
			sizeof(*s->groups)) < 0)
		return -1;
	if (cap != s->cap) {
		/* key_off and next keep the groups' capacity */
		size_t c1 = s->cap, c2 = s->cap;

		if (hs_vec_reserve((void **)&s->key_off, &c1, cap,
				   sizeof(*s->key_off)) < 0 ||
		    hs_vec_reserve((void **)&s->next, &c2, cap,
				   sizeof(*s->next)) < 0)
			return -1;
		s->cap = cap;
	}
	if (hs_imap_put(&s->by_hash, h, (uint32_t)s->n) < 0)
		return -1;
	s->key_off[s->n] = s->keys.len;
	if (hs_buf_append(&s->keys, key, len) < 0)
		return -1;
	/* a new head of its hash's chain goes in front of the old one */
	if (i != HS_IMAP_NONE) {
		s->next[s->n] = s->next[i];
		s->next[i] = (uint32_t)s->n;
	} else {
		s->next[s->n] = HS_IMAP_NONE;
	}
	memset(&s->groups[s->n], 0, sizeof(s->groups[0]));
	return (int64_t)s->n++;
}

static int cmp_group(const void *pa, const void *pb)
{
	const hs_site_group *a = pa, *b = pb;

	if (a->shallow != b->shallow)
		return a->shallow > b->shallow ? -1 : 1;
	return a->count > b->count ? -1 : a->count < b->count;
}

/* Appends "file:line" for frame f of a site (unknown strings as "?"). */
static int append_frame(hs_buf *key, const string_table *st, uint32_t file,
			uint32_t line)
{
	uint32_t e = hs_imap_get(&st->by_index, file);
	char num[16];

	if (e != HS_IMAP_NONE)
		HS_FORWARD_IF_ERROR(hs_buf_append(key, st->text.data +
						  st->off[e], st->len[e]));
	else
		HS_FORWARD_IF_ERROR(hs_buf_append(key, "?", 1));
	snprintf(num, sizeof(num), ":%u", line);
	return hs_buf_append(key, num, strlen(num));
}

/* A string record into st (the first declaration of an index stays).
 * @return 0, -1 out of memory. */
static int add_string(string_table *st, const hs_record *rec)
{
	size_t c1 = st->cap, c2 = st->cap;
	int put;

	if (st->n >= UINT32_MAX - 1)
		return 0;  /* more entries than indices */
	put = hs_imap_put(&st->by_index, rec->u.type.index, (uint32_t)st->n);
	if (put <= 0)
		return put;  /* declared before: the first stays */
	if (hs_vec_grow((void **)&st->off, &c1, st->n + 1,
			sizeof(size_t)) < 0 ||
	    hs_vec_grow((void **)&st->len, &c2, st->n + 1,
			sizeof(size_t)) < 0)
		return -1;
	st->cap = c1 < c2 ? c1 : c2;
	st->off[st->n] = st->text.len;
	st->len[st->n] = rec->u.type.name.len;
	st->n++;
	return hs_buf_append(&st->text, rec->u.type.name.ptr,
			     rec->u.type.name.len) < 0 ? -1 : 0;
}

/* A site record: its key (its first depth frames) into key, and the
 * site into the group of that key.  @return 0, -1 out of memory. */
static int add_site(hs_sites *s, hs_imap *site_group, hs_buf *key,
		    const string_table *st, const hs_record *rec,
		    unsigned depth)
{
	int64_t grp;

	s->recorded++;
	if (hs_imap_get(site_group, rec->u.site.index) != HS_IMAP_NONE)
		return 0;  /* declared before: the first stays */
	key->len = 0;
	for (size_t f = 0; f < rec->u.site.nframes && f < depth; f++) {
		if (f && hs_buf_append(key, " < ", 3) < 0)
			return -1;
		if (append_frame(key, st, rec->u.site.files[3 * f],
				 rec->u.site.lines[3 * f]) < 0)
			return -1;
	}
	if (!rec->u.site.nframes && hs_buf_append(key, "(empty site)", 12) < 0)
		return -1;
	grp = group_of(s, (const char *)key->data, key->len);
	if (grp < 0 || hs_imap_put(site_group, rec->u.site.index,
				   (uint32_t)grp) < 0)
		return -1;
	return 0;
}

/* An object record counted in its site's group ("(no site)" made on
 * first use, its index in *nosite).  @return 0, -1 out of memory. */
static int count_object(hs_sites *s, int64_t *nosite, hs_graph *g,
			const hs_imap *site_group, const hs_record *rec,
			hs_sites_filter include, const void *payload)
{
	const hs_object *o = &rec->u.object.obj;
	uint32_t node = hs_graph_find_id(g, o->id);
	uint32_t sg = o->site == HS_NO_SITE ? HS_IMAP_NONE
		      : hs_imap_get(site_group, o->site);
	int64_t grp;

	if (node == HS_GRAPH_NONE || (include && !include(node, payload)))
		return 0;
	if (sg != HS_IMAP_NONE) {
		grp = sg;
	} else {
		if (*nosite < 0)
			*nosite = group_of(s, "(no site)", 9);
		if (*nosite < 0)
			return -1;
		grp = *nosite;
	}
	s->groups[grp].count++;
	/* the graph's size: clamped, so sums cannot wrap */
	s->groups[grp].shallow += hs_graph_size(g, node);
	return 0;
}

int hs_sites_group(hs_sites **out, hs_graph *g, unsigned depth,
		   hs_sites_filter include, const void *payload)
{
	hs_reader *r = NULL;
	hs_sites *s = NULL;
	string_table st = { HS_BUF_INIT, NULL, NULL, 0, 0, HS_IMAP_INIT };
	hs_imap site_group = HS_IMAP_INIT;   /* site index -> its group */
	hs_buf key = HS_BUF_INIT;
	hs_record rec;
	int64_t nosite = -1;
	int rc;

	*out = NULL;
	HS_RETURN_ERROR_IF(depth < 1 || depth > 64, HS_EINVAL,
			   "site depth %u is not 1..64", depth);
	s = calloc(1, sizeof(*s));
	HS_RETURN_ERROR_IF(!s, HS_ENOMEM, "out of memory");
	rc = hs_graph_reader_open(&r, g);
	if (rc < 0)
		goto done;
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		if (rec.kind == HS_REC_STRING)
			rc = add_string(&st, &rec);
		else if (rec.kind == HS_REC_SITE)
			rc = add_site(s, &site_group, &key, &st, &rec, depth);
		else if (rec.kind == HS_REC_OBJECT)
			rc = count_object(s, &nosite, g, &site_group, &rec,
					  include, payload);
		if (rc < 0)
			goto nomem;
	}
	if (rc != HS_ITEROVER)
		goto done;
	for (size_t i = 0; i < s->n; i++) {
		size_t end = i + 1 < s->n ? s->key_off[i + 1] : s->keys.len;

		s->groups[i].key.ptr = (const char *)s->keys.data +
				       s->key_off[i];
		s->groups[i].key.len = end - s->key_off[i];
	}
	if (s->n)  /* groups is NULL when nothing was grouped */
		qsort(s->groups, s->n, sizeof(*s->groups), cmp_group);
	while (s->n && !s->groups[s->n - 1].count)
		s->n--;  /* sites whose objects were all filtered out */
	rc = 0;
	goto done;
nomem:
	rc = hs_error_set(HS_ENOMEM, "%s: out of memory grouping by site",
			  hs_graph_path(g));
done:
	hs_reader_free(r);
	hs_buf_release(&st.text);
	free(st.off);
	free(st.len);
	hs_imap_release(&st.by_index);
	hs_imap_release(&site_group);
	hs_buf_release(&key);
	if (rc < 0) {
		hs_sites_free(s);
		s = NULL;
	}
	*out = s;
	return rc;
}

size_t hs_sites_count(const hs_sites *s)
{
	return s ? s->n : 0;
}

const hs_site_group *hs_sites_get(const hs_sites *s, size_t i)
{
	return i < s->n ? &s->groups[i] : NULL;
}

uint64_t hs_sites_recorded(const hs_sites *s)
{
	return s->recorded;
}

void hs_sites_free(hs_sites *s)
{
	if (!s)
		return;
	free(s->groups);
	free(s->key_off);
	free(s->next);
	hs_imap_release(&s->by_hash);
	hs_buf_release(&s->keys);
	free(s);
}
