/*
 * pathset.c - hs_pathset: a set of paths from the roots to an object, as
 * the searches return them (see hs_paths.h).
 *
 * Load: per path, its objects (4 bytes each) and edges (8 bytes each).
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "paths_steps.h"
#include "vec.h"

int paths_set_new(hs_pathset **out)
{
	*out = calloc(1, sizeof(**out));
	HS_RETURN_ERROR_IF(!*out, HS_ENOMEM, "out of memory for a path set");
	return 0;
}

/* Adds an empty path of len objects; the caller fills nodes and edges. */
int paths_set_add(path_slot **out, hs_pathset *s, size_t len)
{
	path_slot *p;

	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&s->paths, &s->cap, s->n + 1,
				       sizeof(*s->paths)) < 0,
			   HS_ENOMEM, "out of memory for paths");
	p = &s->paths[s->n];
	memset(p, 0, sizeof(*p));
	HS_RETURN_ERROR_IF(len > SIZE_MAX / sizeof(size_t), HS_ENOMEM,
			   "path of %zu objects is too long", len);
	p->nodes = malloc(len * sizeof(*p->nodes));
	p->edges = len > 1 ? malloc((len - 1) * sizeof(*p->edges)) : NULL;
	if (!p->nodes || (len > 1 && !p->edges)) {
		free(p->nodes);
		free(p->edges);
		return hs_error_set(HS_ENOMEM, "out of memory for a path of "
				    "%zu objects", len);
	}
	p->view.len = len;
	p->view.nodes = p->nodes;
	p->view.edges = p->edges;
	s->n++;
	*out = p;
	return 0;
}

size_t hs_pathset_count(const hs_pathset *s)
{
	return s ? s->n : 0;
}

const hs_path *hs_pathset_get(const hs_pathset *s, size_t i)
{
	return i < s->n ? &s->paths[i].view : NULL;
}

int hs_pathset_capped(const hs_pathset *s)
{
	return s ? s->capped : 0;
}

void hs_pathset_free(hs_pathset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->paths[i].nodes);
		free(s->paths[i].edges);
	}
	free(s->paths);
	free(s);
}
