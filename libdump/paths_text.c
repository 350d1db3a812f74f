/*
 * paths_text.c - a path from the roots as text: its steps' labels
 * (field names, dict keys, indices) read from the file, as attribute or
 * subscript syntax.
 *
 * Load: the text; the labels are read in one pass over the frames that
 * hold them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "paths_steps.h"

int hs_path_label(hs_str *out, hs_buf *storage, hs_graph *g,
		  const hs_path *p, size_t i)
{
	out->ptr = NULL;
	out->len = 0;
	HS_RETURN_ERROR_IF(i + 1 >= p->len, HS_EINVAL,
			   "step %zu of a path of %zu objects", i, p->len);
	return hs_graph_label(out, storage, g, p->nodes[i], p->edges[i]);
}

/* A field or attribute name: [A-Za-z_][A-Za-z0-9_]*.  Anything else (a
 * dict key's repr like 'k' or 42, "<key>") is shown as a subscript. */
static int is_identifier(const char *s, size_t n)
{
	if (!n || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') ||
		    (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int append_str(hs_buf *out, const char *s)
{
	return hs_buf_append(out, s, strlen(s));
}

int hs_path_format_label(hs_buf *out, const hs_graph *g, const hs_path *p,
			 size_t i, hs_str label)
{
	hs_str type;
	char num[48];
	uint32_t tix;
	int rc;

	HS_RETURN_ERROR_IF(i >= p->len, HS_EINVAL,
			   "element %zu of a path of %zu objects", i, p->len);
	if (i == 0) {
		const hs_root *r = hs_graph_root(g, p->root);
		hs_str kind;

		if (r->label.len)
			return hs_buf_append(out, r->label.ptr, r->label.len);
		kind = hs_graph_root_kind(g, r->kind);
		if ((rc = append_str(out, "<")) < 0 ||
		    (rc = hs_buf_append(out, kind.len ? kind.ptr : "root",
					kind.len ? kind.len : 4)) < 0)
			return rc;
		return append_str(out, ">");
	}
	tix = hs_graph_type(g, p->nodes[i - 1]);
	type = hs_graph_type_name(g, tix);
	if (type.ptr && type.len) {
		HS_FORWARD_IF_ERROR(hs_buf_append(out, type.ptr, type.len));
	} else {  /* a type no type record names: say so, by number */
		snprintf(num, sizeof(num), "<type %u>", tix);
		HS_FORWARD_IF_ERROR(append_str(out, num));
	}
	if (label.ptr && label.len && label.ptr[0] == '[')
		return hs_buf_append(out, label.ptr, label.len);
	if (label.ptr && is_identifier(label.ptr, label.len)) {
		HS_FORWARD_IF_ERROR(append_str(out, "."));
		return hs_buf_append(out, label.ptr, label.len);
	}
	if (label.ptr) {
		HS_FORWARD_IF_ERROR(append_str(out, "["));
		HS_FORWARD_IF_ERROR(hs_buf_append(out, label.ptr, label.len));
		return append_str(out, "]");
	}
	snprintf(num, sizeof(num), "[%zu]", p->edges[i - 1]);
	return append_str(out, num);
}

int hs_path_format_step(hs_buf *out, hs_graph *g, const hs_path *p,
			size_t i)
{
	hs_buf storage = HS_BUF_INIT;
	hs_str label = { NULL, 0 };
	int rc = 0;

	HS_RETURN_ERROR_IF(i >= p->len, HS_EINVAL,
			   "element %zu of a path of %zu objects", i, p->len);
	if (i > 0)
		rc = hs_path_label(&label, &storage, g, p, i - 1);
	if (rc == 0)
		rc = hs_path_format_label(out, g, p, i, label);
	hs_buf_release(&storage);
	return rc;
}

int hs_path_labels(hs_str *out, hs_graph *g, const hs_path *p)
{
	return p->len > 1 ? hs_graph_labels(out, g, p->nodes, p->edges,
					    p->len - 1) : 0;
}

int hs_pathset_labels(hs_str **out, hs_graph *g, const hs_pathset *s)
{
	size_t n = hs_pathset_count(s), steps = 0, k = 0;
	uint32_t *nodes = NULL;
	size_t *edges = NULL;
	int rc = HS_ENOMEM;

	for (size_t i = 0; i < n; i++)
		steps += hs_pathset_get(s, i)->len - 1;
	*out = malloc((steps ? steps : 1) * sizeof(**out));
	nodes = malloc((steps ? steps : 1) * sizeof(*nodes));
	edges = malloc((steps ? steps : 1) * sizeof(*edges));
	if (!*out || !nodes || !edges) {
		hs_error_set(HS_ENOMEM, "out of memory for the labels of %zu "
			     "steps", steps);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const hs_path *p = hs_pathset_get(s, i);

		for (size_t j = 0; j + 1 < p->len; j++, k++) {
			nodes[k] = p->nodes[j];
			edges[k] = p->edges[j];
		}
	}
	rc = hs_graph_labels(*out, g, nodes, edges, steps);
done:
	free(nodes);
	free(edges);
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int hs_path_format_labels(hs_buf *out, const hs_graph *g, const hs_path *p,
			  const hs_str *labels)
{
	hs_str none = { NULL, 0 };

	for (size_t i = 0; i < p->len; i++) {
		if (i)
			HS_FORWARD_IF_ERROR(append_str(out, " -> "));
		HS_FORWARD_IF_ERROR(hs_path_format_label(out, g, p, i, i ?
							 labels[i - 1] : none));
	}
	return 0;
}

int hs_path_format(hs_buf *out, hs_graph *g, const hs_path *p)
{
	hs_str *labels;
	int rc;

	labels = malloc((p->len ? p->len : 1) * sizeof(*labels));
	HS_RETURN_ERROR_IF(!labels, HS_ENOMEM, "out of memory for a path of "
			   "%zu objects", p->len);
	rc = hs_path_labels(labels, g, p);
	if (rc == 0)
		rc = hs_path_format_labels(out, g, p, labels);
	free(labels);
	return rc;
}

