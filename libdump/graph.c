/*
 * graph.c - hs_graph: a .snap loaded into compact arrays (see hs_graph.h);
 * this file frees it and answers its accessors.  graph_internal.h lists
 * the files that load it and read labels and previews from the file.
 *
 * Load: per object an id (8 bytes), type (4), shallow size (4; sizes of
 * 4 GiB and more in a side table) and CSR offset (4); per reference a
 * uint32 target and a flag byte (whose pages stay untouched while every
 * flag is 0); the reverse CSR, when asked for, 4 + 5 more.  So 20 B per
 * object and 4-5 B per reference; in id mode 8 B per object more for the
 * id table.  Labels and previews stay in the file: hs_graph_label()
 * decodes one frame.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "error.h"
#include "graph_internal.h"

void hs_graph_free(hs_graph *g)
{
	if (!g)
		return;
	hs_big_free(g->ids);
	hs_big_free(g->sizes);
	free(g->big);
	hs_big_free(g->types);
	hs_big_free(g->off);
	hs_big_free(g->node);
	hs_big_free(g->flags);
	hs_big_free(g->in_off);
	hs_big_free(g->in_node);
	hs_big_free(g->in_flags);
	hs_big_free(g->idtab);
	free(g->root_nodes);
	free(g->root_flags);
	free(g->is_root);
	free(g->roots);
	free(g->kinds);
	free(g->type_names);
	free(g->type_ids);
	free(g->type_has_id);
	free(g->type_flags);
	for (size_t i = 0; i < g->nseq_text; i++)
		free(g->seq_text[i]);
	free(g->seq_text);
	free(g->type_first);
	free(g->type_classes);
	free(g->strings);
	free(g->string_index);
	free(g->names);
	free(g->spans);
	free(g->by_index);
	for (unsigned i = 0; i < LABEL_CACHE; i++)
		free(g->cache[i].labels);
	hs_reader_free(g->r);
	if (g->path)
		pthread_mutex_destroy(&g->lock);
	free(g->info_strs);
	free(g->path);
	free(g);
}

/* ---- accessors ------------------------------------------------------- */

const hs_graph_stats *hs_graph_stats_get(const hs_graph *g)
{
	return &g->st;
}

const hs_snapinfo *hs_graph_info(const hs_graph *g)
{
	return &g->info;
}

const char *hs_graph_path(const hs_graph *g)
{
	return g->path;
}

int hs_graph_reader_open(hs_reader **out, const hs_graph *g)
{
	return hs_reader_open(out, g->path, &g->ro);
}

uint32_t hs_graph_count(const hs_graph *g)
{
	return g->n;
}

uint64_t hs_graph_id(const hs_graph *g, uint32_t node)
{
	return node < g->n ? g->ids[node] : 0;
}

uint32_t hs_graph_type(const hs_graph *g, uint32_t node)
{
	return node < g->n ? g->types[node] : HS_GRAPH_NONE;
}

uint64_t hs_graph_size(const hs_graph *g, uint32_t node)
{
	size_t lo = 0, hi;

	if (node >= g->n)
		return 0;
	if (g->sizes[node] != UINT32_MAX)
		return g->sizes[node];
	hi = g->nbig;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->big[mid].node < node)
			lo = mid + 1;
		else if (g->big[mid].node > node)
			hi = mid;
		else
			return g->big[mid].size;
	}
	return UINT32_MAX;  /* exactly 2^32-1 bytes */
}

const uint32_t *hs_graph_types(const hs_graph *g)
{
	return g->types;
}

void hs_graph_csr(const uint32_t **off, const uint32_t **node,
		  const uint8_t **flags, const hs_graph *g)
{
	*off = g->off;
	*node = g->node;
	*flags = g->flags;
}

uint32_t hs_graph_type_count(const hs_graph *g)
{
	return g->ntypes;
}

hs_str hs_graph_type_name(const hs_graph *g, uint32_t type)
{
	hs_str none = { "", 0 };

	return type < g->ntypes ? g->type_names[type] : none;
}

uint32_t hs_graph_type_first(const hs_graph *g, uint32_t type)
{
	return type < g->ntypes ? g->type_first[type] : type;
}

uint32_t hs_graph_type_classes(const hs_graph *g, uint32_t type)
{
	return type < g->ntypes ? g->type_classes[g->type_first[type]] : 0;
}

int hs_graph_type_id(uint64_t *out, const hs_graph *g, uint32_t type)
{
	*out = 0;
	if (type >= g->ntypes || !g->type_has_id || !g->type_has_id[type])
		return HS_ENOTFOUND;
	*out = g->type_ids[type];
	return 0;
}

uint32_t hs_graph_type_find(const hs_graph *g, const char *name)
{
	size_t len = strlen(name);

	for (uint32_t t = 0; t < g->ntypes; t++)
		if (g->type_names[t].len == len &&
		    memcmp(g->type_names[t].ptr, name, len) == 0)
			return t;
	return HS_GRAPH_NONE;
}

uint32_t hs_graph_find_id(const hs_graph *g, uint64_t id)
{
	hs_graph *mg = (hs_graph *)g;
	uint32_t v;

	/* index mode builds the table on first use: most analyses never
	 * look an id up */
	pthread_mutex_lock(&mg->lock);
	if (!g->idtab && g->n) {
		int64_t d = hs_graph__idtab_build(mg);

		if (d > 0)
			mg->st.duplicate_ids += (uint64_t)d;
		if (d < 0) {
			hs_big_free(mg->idtab);
			mg->idtab = NULL;
			pthread_mutex_unlock(&mg->lock);
			for (v = 0; v < g->n; v++)
				if (g->ids[v] == id)
					return v;
			return HS_GRAPH_NONE;
		}
	}
	pthread_mutex_unlock(&mg->lock);
	return g->n ? idtab_find(g, id) : HS_GRAPH_NONE;
}

hs_edges hs_graph_out(const hs_graph *g, uint32_t node)
{
	hs_edges e = { NULL, NULL, 0 };

	if (node == HS_GRAPH_SUPERROOT) {
		e.node = g->root_nodes;
		e.flags = g->root_flags;
		e.n = g->nroot_nodes;
	} else if (node < g->n) {
		e.node = g->node + g->off[node];
		e.flags = g->flags + g->off[node];
		e.n = (size_t)(g->off[node + 1] - g->off[node]);
	}
	return e;
}

int hs_graph_has_referrers(const hs_graph *g)
{
	return g->in_off != NULL;
}

hs_edges hs_graph_in(const hs_graph *g, uint32_t node)
{
	hs_edges e = { NULL, NULL, 0 };

	if (g->in_off && node < g->n) {
		e.node = g->in_node + g->in_off[node];
		e.flags = g->in_flags + g->in_off[node];
		e.n = (size_t)(g->in_off[node + 1] - g->in_off[node]);
	}
	return e;
}

int hs_graph_is_root(const hs_graph *g, uint32_t node)
{
	return node < g->n && (g->is_root[node / 8] >> (node % 8) & 1);
}

size_t hs_graph_root_count(const hs_graph *g)
{
	return g->nroots;
}

const hs_root *hs_graph_root(const hs_graph *g, size_t i)
{
	return i < g->nroots ? &g->roots[i] : NULL;
}

uint32_t hs_graph_root_kind_count(const hs_graph *g)
{
	return g->nkinds;
}

hs_str hs_graph_root_kind(const hs_graph *g, uint32_t kind)
{
	hs_str none = { "", 0 };

	return kind < g->nkinds ? g->kinds[kind] : none;
}
