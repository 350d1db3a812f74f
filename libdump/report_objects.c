/*
 * report_objects.c - the objects a report shows in detail: the biggest
 * instances of the largest types (one pass over the objects, a heap of
 * the largest per type) and the previews of every object the report
 * mentions (one hs_graph_previews() pass, in file order).
 *
 * Load: instance_types x instances objects; one preview text each.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_text.h"
#include "report.h"
#include "vec.h"

/* ---- the biggest instances of the largest types ---------------------- */

/* Min-heap order (the smallest kept instance on top): smaller retained
 * first, then higher node. */
static int inst_below(const hs_dom *d, uint32_t a, uint32_t b)
{
	uint64_t ra = hs_dom_retained(d, a), rb = hs_dom_retained(d, b);

	return ra != rb ? ra < rb : a > b;
}

static void inst_sift(const hs_dom *d, uint32_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1;
		uint32_t x;

		if (c >= n)
			return;
		if (c + 1 < n && inst_below(d, h[c + 1], h[c]))
			c++;
		if (!inst_below(d, h[c], h[i]))
			return;
		x = h[c];
		h[c] = h[i];
		h[i] = x;
		i = c;
	}
}

int hs_report__gather_instances(hs_report *r)
{
	size_t k = r->o.instances, nt = r->o.instance_types, nslot;
	uint32_t *slot = NULL, *heap = NULL, ntype = hs_graph_type_count(r->g);
	size_t *fill = NULL;
	int rc = 0;

	if (nt > r->types.n)
		nt = r->types.n;
	if (!nt || !k)
		return 0;
	nslot = nt;
	slot = malloc((ntype ? ntype : 1) * sizeof(*slot));
	heap = malloc(nslot * k * sizeof(*heap));
	fill = calloc(nslot, sizeof(*fill));
	r->itypes = calloc(nslot, sizeof(*r->itypes));
	if (!slot || !heap || !fill || !r->itypes) {
		rc = hs_error_set(HS_ENOMEM, "report: out of memory");
		goto done;
	}
	memset(slot, 0xff, (ntype ? ntype : 1) * sizeof(*slot));
	for (size_t i = 0; i < nt; i++)
		if (r->types.rows[i].key < ntype)
			slot[r->types.rows[i].key] = (uint32_t)i;
	for (uint32_t v = 0, n = hs_graph_count(r->g); v < n; v++) {
		uint32_t t = hs_graph_type(r->g, v), s;
		uint32_t *h;

		if (t >= ntype)
			continue;
		t = hs_graph_type_first(r->g, t);  /* the row's key */
		if ((s = slot[t]) == REP_NONE ||
		    !hs_dom_reachable(r->d, v))
			continue;
		h = heap + (size_t)s * k;
		if (fill[s] < k) {
			/* sift up */
			size_t i = fill[s]++;

			h[i] = v;
			while (i && inst_below(r->d, h[i], h[(i - 1) / 2])) {
				uint32_t x = h[i];

				h[i] = h[(i - 1) / 2];
				h[(i - 1) / 2] = x;
				i = (i - 1) / 2;
			}
		} else if (inst_below(r->d, h[0], v)) {
			h[0] = v;
			inst_sift(r->d, h, k, 0);
		}
	}
	r->inst = malloc(nslot * k * sizeof(*r->inst));
	if (!r->inst) {
		rc = hs_error_set(HS_ENOMEM, "report: out of memory");
		goto done;
	}
	for (size_t s = 0; s < nslot; s++) {
		uint32_t *h = heap + s * k;
		size_t m = fill[s];
		rep_insts *it = &r->itypes[r->nitypes];

		rc = hs_report__type(r, &it->type, r->types.rows[s].key);
		if (rc < 0)
			goto done;
		it->first = (uint32_t)r->ninst;
		it->n = (uint32_t)m;
		/* pop the smallest into the back: the biggest ends in front */
		for (; m > 0; m--) {
			uint32_t o;

			rc = hs_report__obj_get(r, &o, h[0]);
			if (rc < 0)
				goto done;
			r->inst[it->first + m - 1] = o;
			h[0] = h[m - 1];
			inst_sift(r->d, h, m - 1, 0);
		}
		r->ninst += it->n;
		r->nitypes++;
	}
done:
	free(slot);
	free(heap);
	free(fill);
	return rc;
}


/* ---- previews ---------------------------------------------------------- */

static int preview_text(hs_report *r, uint32_t *out, const hs_value *v)
{
	hs_buf b = HS_BUF_INIT;
	int rc = 0;

	switch (v->kind) {
	case HS_VALUE_NONE:
		*out = REP_NONE;
		return 0;
	case HS_VALUE_INT:
		rc = hs_text_appendf(&b, "%lld", (long long)v->v.i);
		break;
	case HS_VALUE_UINT:
		rc = hs_text_appendf(&b, "%llu", (unsigned long long)v->v.u);
		break;
	case HS_VALUE_FLOAT:
		rc = hs_text_appendf(&b, "%.17g", v->v.f);
		break;
	case HS_VALUE_BOOL:
		rc = hs_text_appendf(&b, "%s", v->v.i ? "True" : "False");
		break;
	case HS_VALUE_STR:
	case HS_VALUE_BYTES:
		/* a quoted, escaped copy, cut as the dump's previews are */
		rc = hs_buf_append(&b, v->kind == HS_VALUE_BYTES ? "b'" : "'",
				   v->kind == HS_VALUE_BYTES ? 2 : 1);
		if (rc == 0 && v->kind == HS_VALUE_STR)
			rc = hs_text_safe(&b, v->v.s.ptr, v->v.s.len,
					  REP_PREVIEW_MAX);
		for (size_t i = 0; rc == 0 && v->kind == HS_VALUE_BYTES &&
		     i < v->v.s.len && b.len < REP_PREVIEW_MAX; i++) {
			unsigned char c = (unsigned char)v->v.s.ptr[i];

			rc = c >= 0x20 && c < 0x7f && c != '\\' && c != '\''
			     ? hs_buf_append(&b, &c, 1)
			     : hs_text_appendf(&b, "\\x%02x", c);
		}
		if (rc == 0)
			rc = hs_buf_append(&b, "'", 1);
		break;
	}
	if (rc == 0)
		rc = hs_report__add_text(r, out, (const char *)b.data, b.len,
			      REP_PREVIEW_MAX + 16);
	hs_buf_release(&b);
	return rc;
}

static int pv_cb(uint32_t node, const hs_value *v, void *payload)
{
	hs_report *r = payload;
	uint32_t o = hs_report__obj_find(r, node);

	return o == REP_NONE ? 0 : preview_text(r, &r->objs[o].preview, v);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int hs_report__gather_previews(hs_report *r)
{
	uint32_t *nodes;
	int rc;

	if (r->o.redact || !r->nobjs)
		return 0;
	nodes = malloc(r->nobjs * sizeof(*nodes));
	HS_RETURN_ERROR_IF(!nodes, HS_ENOMEM, "report: out of memory");
	for (size_t i = 0; i < r->nobjs; i++)
		nodes[i] = r->objs[i].node;
	qsort(nodes, r->nobjs, sizeof(*nodes), u32_cmp);
	rc = hs_graph_previews(r->g, nodes, r->nobjs, pv_cb, r);
	free(nodes);
	return rc;
}
