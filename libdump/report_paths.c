/*
 * report_paths.c - root paths of the objects a report shows, as safe,
 * bounded text: one breadth-first search (hs_paths) for all of them;
 * step texts memoised by (object, reference) or root, since paths share
 * their first steps and reading a label decodes a frame.  A redacted
 * report shows only labels that look like names (label_public).
 *
 * Load: the steps' texts (at most REP_TEXT_BUDGET for optional paths)
 * and the memo (two words per step text).
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_text.h"
#include "report.h"
#include "vec.h"

/* ---- root paths ------------------------------------------------------ */

/* 1 when a label may be shown in a redacted report: an identifier, an
 * index "[3]", a pseudo-label "<key>", or a quoted identifier ('name',
 * as namespaces' keys are labelled). */
static int label_public(hs_str l)
{
	const char *s = l.ptr;
	size_t n = l.len, i = 0, end = n;

	if (!s || !n)
		return 1;
	if ((s[0] == '[' && s[n - 1] == ']') || (s[0] == '<' && s[n - 1] == '>')) {
		for (i = 1; i + 1 < n; i++)
			if (!(s[i] >= '0' && s[i] <= '9') && s[0] == '[')
				return 0;
		return s[0] == '[' || n < 32;
	}
	if (n >= 3 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		i = 1;
		end = n - 1;
	}
	if (i >= end || (s[i] >= '0' && s[i] <= '9'))
		return 0;
	for (; i < end; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* The memo of step texts: open addressing, key + 1 (0 = empty). */
static uint32_t *memo_slot(const hs_report *r, uint64_t key)
{
	size_t h = rep_hash32((uint32_t)(key ^ key >> 32)) & r->memo_mask;

	while (r->memo_key[h] && r->memo_key[h] != key + 1)
		h = (h + 1) & r->memo_mask;
	return &r->memo_text[h];
}

static int memo_put(hs_report *r, uint64_t key, uint32_t text)
{
	if (!r->memo_key || (r->nmemo + 1) * 2 > r->memo_mask + 1) {
		size_t cap = r->memo_key ? (r->memo_mask + 1) * 2 : 4096;
		uint64_t *ok = r->memo_key;
		uint32_t *ot = r->memo_text;
		size_t omask = r->memo_mask;

		r->memo_key = calloc(cap, sizeof(*r->memo_key));
		r->memo_text = malloc(cap * sizeof(*r->memo_text));
		if (!r->memo_key || !r->memo_text) {
			free(r->memo_key);
			free(r->memo_text);
			r->memo_key = ok;
			r->memo_text = ot;
			return hs_error_set(HS_ENOMEM, "report: out of memory");
		}
		r->memo_mask = cap - 1;
		for (size_t i = 0; ok && i <= omask; i++)
			if (ok[i]) {
				uint32_t *slot = memo_slot(r, ok[i] - 1);

				*slot = ot[i];
				r->memo_key[slot - r->memo_text] = ok[i];
			}
		free(ok);
		free(ot);
	}
	{
		uint32_t *slot = memo_slot(r, key);

		*slot = text;
		r->memo_key[slot - r->memo_text] = key + 1;
		r->nmemo++;
	}
	return 0;
}

static int add_step(hs_report *r, const hs_path *p, size_t i, hs_buf *txt,
		    hs_buf *lab)
{
	hs_str label = { NULL, 0 };
	rep_step *s;
	uint32_t t, text;
	/* the text of a step is the reference's (from nodes[i-1], edge
	 * edges[i-1]); of element 0, the root record's */
	uint64_t key = i ? (uint64_t)p->nodes[i - 1] << 32 | p->edges[i - 1]
			 : (uint64_t)UINT32_MAX << 32 | p->root;

	if (r->memo_key && r->memo_key[memo_slot(r, key) - r->memo_text]) {
		text = *memo_slot(r, key);
	} else {
		txt->len = 0;
		if (i > 0) {
			HS_FORWARD_IF_ERROR(hs_path_label(&label, lab, r->g, p,
							  i - 1));
			if (r->o.redact && !label_public(label)) {
				label.ptr = "[...]";
				label.len = 5;
			}
		}
		HS_FORWARD_IF_ERROR(hs_path_format_label(txt, r->g, p, i, label));
		HS_FORWARD_IF_ERROR(hs_report__add_text(r, &text,
							(const char *)txt->data,
							txt->len,
							REP_STEP_MAX));
		HS_FORWARD_IF_ERROR(memo_put(r, key, text));
	}
	HS_FORWARD_IF_ERROR(hs_report__grow((void **)&r->steps, &r->csteps,
				 r->nsteps + 1, sizeof(*r->steps)));
	HS_FORWARD_IF_ERROR(hs_report__type(r, &t,
					    hs_graph_type(r->g, p->nodes[i])));
	s = &r->steps[r->nsteps];
	s->text = text;
	s->type = t;
	s->id = hs_graph_id(r->g, p->nodes[i]);
	r->nsteps++;
	return 0;
}

/* Give object o its shortest root path (when a root reaches it); an
 * optional one only while the text is within REP_TEXT_BUDGET. */
int hs_report__obj_path(hs_report *r, const hs_paths *t, uint32_t o,
			int optional, hs_buf *txt, hs_buf *lab)
{
	hs_pathset *set = NULL;
	const hs_path *p;
	rep_path *rp;
	const hs_root *root;
	hs_str kind;
	int rc;

	if (r->objs[o].path != REP_NONE ||
	    (optional && r->pool.len > REP_TEXT_BUDGET))
		return 0;
	rc = hs_paths_shortest(&set, t, r->objs[o].node);
	if (rc < 0 || hs_pathset_count(set) == 0) {
		hs_pathset_free(set);
		return rc < 0 ? rc : 0;
	}
	p = hs_pathset_get(set, 0);
	rc = hs_report__grow((void **)&r->paths, &r->cpaths, r->npaths + 1,
		  sizeof(*r->paths));
	if (rc < 0)
		goto done;
	rp = &r->paths[r->npaths];
	rp->first = (uint32_t)r->nsteps;
	rp->left_out = 0;
	root = hs_graph_root(r->g, p->root);
	kind = hs_graph_root_kind(r->g, root->kind);
	rc = hs_report__add_text(r, &rp->root_kind, kind.ptr, kind.len, 64);
	for (size_t i = 0; rc == 0 && i < p->len; i++) {
		/* a long path keeps its first and last steps */
		if (p->len > REP_PATH_STEPS_MAX && i == REP_PATH_STEPS_MAX / 2) {
			size_t skip = p->len - REP_PATH_STEPS_MAX;

			r->paths[r->npaths].left_out = skip;
			i += skip - 1;
			continue;
		}
		rc = add_step(r, p, i, txt, lab);
	}
	if (rc == 0) {
		rp = &r->paths[r->npaths];
		rp->n = (uint32_t)(r->nsteps - rp->first);
		r->objs[o].path = (uint32_t)r->npaths++;
	}
done:
	hs_pathset_free(set);
	return rc;
}
