/*
 * v8_import.c - a V8 heap snapshot into a .snap (see hs_v8.h): after
 * v8_parse.c has streamed the JSON into scratch arrays, two walks apply
 * the dominator rules of memlab and DevTools (format/V8.md) and the
 * objects are written, references by index.
 *
 *  - page-owned nodes (memlab's flag): reached from the synthetic root's
 *    edges other than its shortcuts and its element edges to
 *    "(Document DOM trees)", through edges that are not weak;
 *  - essential edges: not weak, not a self-edge, not a shortcut unless
 *    from the root, not from a node that is not page-owned into one that
 *    is.  The others are written with the weak flag, so that heapsnap's
 *    dominators ignore them as memlab's do;
 *  - roots: the targets of the root's essential edges, then, in node
 *    order, each node that they do not reach and that has only weak or
 *    shortcut retainers (memlab and DevTools give these the root as
 *    dominator), with what it reaches.
 *
 * Load: the scratch arrays (v8.h), at most about opts.memory bytes of
 * them resident; the walks keep a stack of node ordinals in scratch too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "v8.h"

#define PAGE 4096u
/* Default resident scratch bound. */
#define MEMORY_DEFAULT ((size_t)128 << 20)
/* Index labels "[k]" cached for k below this; the others are declared
 * each time they are used. */
#define INDEX_LABELS_MAX (1u << 26)
/* Nodes written between two releases of what was read. */
#define RELEASE_NODES (1u << 16)

size_t hs_v8__scratch_all(v8_im *im, hs_scratch **out, size_t max)
{
	hs_scratch *all[] = {
		&im->ntype, &im->nname, &im->nid, &im->nsize, &im->efirst,
		&im->nflag, &im->etype, &im->ename, &im->eto, &im->smark,
		&im->stype, &im->slabel, &im->spv, &im->pv, &im->ilabel,
		&im->stack
	};
	size_t n = sizeof(all) / sizeof(all[0]);

	for (size_t i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return n;
}

/* The bound on each array in a walk: its share of the memory, or none
 * when it is smaller than that. */
static void share(hs_scratch *a, size_t bytes)
{
	a->keep = a->bytes > bytes ? bytes : 0;
	a->touched = 0;
}

static int push(v8_im *im, uint64_t *top, uint32_t v)
{
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->stack, *top + 1));
	V8_U32(im->stack, (*top)++) = v;
	hs_scratch_touch(&im->stack, 64);
	return 0;
}

static int flagged(v8_im *im, uint32_t v, uint8_t f)
{
	hs_scratch_touch(&im->nflag, PAGE);
	return (V8_U8(im->nflag, v) & f) != 0;
}

/* Whether the root's edge e seeds the page-owned nodes (memlab's
 * flagReachableNodesFromWindow). */
static int page_seed(v8_im *im, uint32_t e)
{
	uint8_t k = im->ekind[V8_U8(im->etype, e)];
	uint32_t to = V8_U32(im->eto, e) & V8_TO_MASK;

	if (k == V8_E_SHORTCUT)
		return 0;
	if (k != V8_E_ELEMENT)
		return 1;
	return !(im->nkind[V8_U8(im->ntype, to)] == V8_N_SYNTHETIC &&
		 (V8_U8(im->smark, V8_U32(im->nname, to)) & V8_S_DOMTREES));
}

/* Page-owned: from the seeds, through every edge that is not weak. */
static int mark_page(v8_im *im)
{
	uint32_t r = im->root;
	uint64_t top = 0;

	for (uint32_t e = V8_U32(im->efirst, r);
	     e < V8_U32(im->efirst, r + 1); e++) {
		uint32_t to = V8_U32(im->eto, e) & V8_TO_MASK;

		if (page_seed(im, e) && !flagged(im, to, V8_F_PAGE)) {
			V8_U8(im->nflag, to) |= V8_F_PAGE;
			HS_FORWARD_IF_ERROR(push(im, &top, to));
		}
	}
	while (top) {
		uint32_t v = V8_U32(im->stack, --top);
		uint32_t e = V8_U32(im->efirst, v), end;

		hs_scratch_touch(&im->efirst, PAGE);
		end = V8_U32(im->efirst, v + 1);
		for (; e < end; e++) {
			uint32_t x = V8_U32(im->eto, e);
			uint32_t to = x & V8_TO_MASK;

			if ((x & V8_TO_CLASS) == V8_TO_WEAK ||
			    flagged(im, to, V8_F_PAGE))
				continue;
			V8_U8(im->nflag, to) |= V8_F_PAGE;
			HS_FORWARD_IF_ERROR(push(im, &top, to));
		}
		hs_scratch_touch(&im->eto, PAGE + (end - e) * 4u);
	}
	return 0;
}

/* Whether edge x from v retains (memlab's isEssential). */
static int essential(v8_im *im, uint32_t v, uint32_t x)
{
	uint32_t to = x & V8_TO_MASK, c = x & V8_TO_CLASS;

	if (to == v || c == V8_TO_WEAK)
		return 0;
	if (v == im->root)
		return 1;
	if (c == V8_TO_SHORTCUT)
		return 0;
	return !(flagged(im, to, V8_F_PAGE) && !flagged(im, v, V8_F_PAGE));
}

/* Everything start reaches through essential edges. */
static int reach(v8_im *im, uint32_t start, uint64_t *reached)
{
	uint64_t top = 0;

	V8_U8(im->nflag, start) |= V8_F_REACHED;
	(*reached)++;
	HS_FORWARD_IF_ERROR(push(im, &top, start));
	while (top) {
		uint32_t v = V8_U32(im->stack, --top);
		uint32_t e = V8_U32(im->efirst, v), end;

		hs_scratch_touch(&im->efirst, PAGE);
		end = V8_U32(im->efirst, v + 1);
		for (; e < end; e++) {
			uint32_t x = V8_U32(im->eto, e);
			uint32_t to = x & V8_TO_MASK;

			if (flagged(im, to, V8_F_REACHED) ||
			    !essential(im, v, x))
				continue;
			V8_U8(im->nflag, to) |= V8_F_REACHED;
			(*reached)++;
			HS_FORWARD_IF_ERROR(push(im, &top, to));
		}
		hs_scratch_touch(&im->eto, PAGE + (end - e) * 4u);
	}
	return 0;
}

/* The root's reach, then the weak-only roots in node order. */
static int mark_roots(v8_im *im)
{
	uint64_t reached = 0;

	HS_FORWARD_IF_ERROR(reach(im, im->root, &reached));
	for (uint32_t v = 0; v < im->nnodes; v++) {
		if (V8_U8(im->nflag, v) & (V8_F_REACHED | V8_F_STRONG))
			continue;
		V8_U8(im->nflag, v) |= V8_F_WEAKROOT;
		im->st->weak_only++;
		HS_FORWARD_IF_ERROR(reach(im, v, &reached));
	}
	im->st->unreachable = im->nnodes - reached;
	return 0;
}

static int walks(v8_im *im)
{
	share(&im->eto, im->memory / 2);
	share(&im->efirst, im->memory / 8);
	share(&im->nflag, im->memory / 8);
	share(&im->stack, im->memory / 8);
	share(&im->smark, 0);
	HS_FORWARD_IF_ERROR(mark_page(im));
	HS_FORWARD_IF_ERROR(mark_roots(im));
	hs_scratch_release(&im->stack, 0, im->stack.cap);
	return 0;
}

/* ---- writing ----------------------------------------------------------- */

/* The references of one object, HS_REFS_PER_RECORD at a time. */
typedef struct {
	uint64_t refs[HS_REFS_PER_RECORD];
	uint32_t labels[HS_REFS_PER_RECORD];
	uint8_t flags[HS_REFS_PER_RECORD];
	size_t n;
	int started;         /* the object record is written */
	hs_object ob;
} batch_t;

static int node_type(v8_im *im, uint32_t v, uint32_t *out)
{
	uint8_t t = V8_U8(im->ntype, v);
	const char *name = im->ntname[t];
	char buf[HS_V8_TYPES_MAX + 8];

	if (im->nkind[t] == V8_N_OBJECT) {
		hs_scratch_touch(&im->stype, PAGE);
		*out = V8_U32(im->stype, V8_U32(im->nname, v));
		return 0;
	}
	if (im->ntype_snap[t] == V8_NONE) {
		/* DevTools' class rule for the other types */
		if (im->nkind[t] == V8_N_HIDDEN)
			name = "(system)";
		else if (im->nkind[t] == V8_N_CODE)
			name = "(compiled code)";
		else
			name = (snprintf(buf, sizeof(buf), "(%s)", name), buf);
		HS_FORWARD_IF_ERROR(hs_writer_type(&im->ntype_snap[t], im->w,
						   name, strlen(name)));
	}
	*out = im->ntype_snap[t];
	return 0;
}

/* "[k]" as a string index. */
static int index_label(v8_im *im, uint32_t k, uint32_t *out)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "[%u]", k);

	if (k < INDEX_LABELS_MAX) {
		HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->ilabel, k + 1));
		hs_scratch_touch(&im->ilabel, PAGE);
		if (V8_U32(im->ilabel, k)) {
			*out = V8_U32(im->ilabel, k) - 1;
			return 0;
		}
	}
	HS_FORWARD_IF_ERROR(hs_writer_string(out, im->w, buf, (size_t)n));
	if (k < INDEX_LABELS_MAX)
		V8_U32(im->ilabel, k) = *out + 1;
	return 0;
}

/* The preview of a node that is not an object: its name's first bytes. */
static void node_preview(v8_im *im, uint32_t v, hs_value *pv)
{
	uint8_t kind = im->nkind[V8_U8(im->ntype, v)];
	uint32_t s = V8_U32(im->nname, v), off;

	pv->kind = HS_VALUE_NONE;
	if (kind == V8_N_OBJECT || (kind == V8_N_DATA && im->o.redact) ||
	    s >= im->spv.cap)
		return;
	hs_scratch_touch(&im->spv, PAGE);
	off = V8_U32(im->spv, s);
	if (!off)
		return;
	hs_scratch_touch(&im->pv, PAGE);
	pv->kind = HS_VALUE_STR;
	pv->v.s.len = V8_U8(im->pv, off - 1);
	pv->v.s.ptr = (const char *)&V8_U8(im->pv, off);
}

static int batch_flush(v8_im *im, batch_t *b)
{
	int rc;

	if (!b->started) {
		b->ob.nrefs = b->n;
		b->ob.refs = b->refs;
		b->ob.labels = b->labels;
		b->ob.flags = b->flags;
		rc = hs_writer_object(im->w, &b->ob);
		b->started = 1;
	} else if (b->n) {
		rc = hs_writer_refs(im->w, b->refs, b->labels, b->flags, b->n);
	} else {
		rc = 0;
	}
	im->st->refs += b->n;
	b->n = 0;
	return rc;
}

/* One edge of v into the batch: the target's index (the root has none),
 * the label, the weak flag by the rules. */
static int add_edge(v8_im *im, batch_t *b, uint32_t v, uint32_t e)
{
	uint32_t x = V8_U32(im->eto, e), to = x & V8_TO_MASK;
	uint8_t kind = im->ekind[V8_U8(im->etype, e)], f = 0;
	uint32_t name = V8_U32(im->ename, e);

	if (to == im->root) {
		im->st->root_refs++;
		return 0;
	}
	if (kind == V8_E_WEAK) {
		f = HS_REF_WEAK;
		im->st->weak_edges++;
	} else if (kind == V8_E_SHORTCUT) {
		f = HS_REF_WEAK;
		im->st->shortcuts++;
	} else if (to != v && flagged(im, to, V8_F_PAGE) &&
		   !flagged(im, v, V8_F_PAGE)) {
		f = HS_REF_WEAK;
		im->st->page_edges++;
	}
	if (kind == V8_E_ELEMENT || kind == V8_E_HIDDEN) {
		HS_FORWARD_IF_ERROR(index_label(im, name, &b->labels[b->n]));
	} else {
		hs_scratch_touch(&im->slabel, PAGE);
		b->labels[b->n] = V8_U32(im->slabel, name);
	}
	b->refs[b->n] = to - (to > im->root);
	b->flags[b->n] = f;
	im->st->weak_refs += f != 0;
	if (++b->n == HS_REFS_PER_RECORD)
		return batch_flush(im, b);
	return 0;
}

static int write_node(v8_im *im, batch_t *b, uint32_t v)
{
	uint32_t e = V8_U32(im->efirst, v), end = V8_U32(im->efirst, v + 1);

	memset(&b->ob, 0, sizeof(b->ob));
	b->n = 0;
	b->started = 0;
	b->ob.id = V8_U64(im->nid, v);
	b->ob.size = V8_U64(im->nsize, v);
	b->ob.site = HS_NO_SITE;
	HS_FORWARD_IF_ERROR(node_type(im, v, &b->ob.type));
	node_preview(im, v, &b->ob.preview);
	for (; e < end; e++)
		HS_FORWARD_IF_ERROR(add_edge(im, b, v, e));
	HS_FORWARD_IF_ERROR(batch_flush(im, b));
	im->st->objects++;
	return 0;
}

/* The root's essential edges (kind: the edge type; label: the target's
 * name), then the weak-only roots. */
static int write_roots(v8_im *im)
{
	uint32_t r = im->root;

	for (uint32_t e = V8_U32(im->efirst, r);
	     e < V8_U32(im->efirst, r + 1); e++) {
		uint32_t x = V8_U32(im->eto, e), to = x & V8_TO_MASK;
		uint32_t s = V8_U32(im->nname, to), off;
		char label[HS_V8_PREVIEW_MAX + 1];

		if (!essential(im, r, x))
			continue;
		/* the strings phase kept the first bytes of these names */
		off = s < im->spv.cap ? V8_U32(im->spv, s) : 0;
		label[0] = '\0';
		if (off && !(im->o.redact &&
			     im->nkind[V8_U8(im->ntype, to)] == V8_N_DATA)) {
			memcpy(label, &V8_U8(im->pv, off),
			       V8_U8(im->pv, off - 1));
			label[V8_U8(im->pv, off - 1)] = '\0';
		}
		HS_FORWARD_IF_ERROR(hs_writer_root(im->w, to - (to > r),
			im->etname[V8_U8(im->etype, e)],
			label[0] ? label : NULL, 0));
		im->st->roots++;
	}
	for (uint32_t v = 0; v < im->nnodes; v++) {
		if (!(V8_U8(im->nflag, v) & V8_F_WEAKROOT))
			continue;
		HS_FORWARD_IF_ERROR(hs_writer_root(im->w, v - (v > r),
						   "weak-only", NULL, 0));
		im->st->roots++;
	}
	return 0;
}

static int write_all(v8_im *im)
{
	batch_t *b = malloc(sizeof(*b));
	int rc = 0;

	HS_RETURN_ERROR_IF(!b, HS_ENOMEM, "%s: out of memory", im->name);
	share(&im->nflag, im->memory / 8);
	share(&im->stype, im->memory / 8);
	share(&im->slabel, im->memory / 8);
	share(&im->spv, im->memory / 16);
	share(&im->pv, im->memory / 8);
	share(&im->ilabel, im->memory / 16);
	share(&im->eto, 0);
	for (uint32_t v = 0; v < im->nnodes && rc == 0; v++) {
		if (v != im->root)
			rc = write_node(im, b, v);
		if ((v + 1) % RELEASE_NODES == 0) {
			uint32_t e = V8_U32(im->efirst, v);
			hs_scratch *a[] = { &im->ntype, &im->nname, &im->nid,
					    &im->nsize, &im->efirst };

			for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
				hs_scratch_release(a[i], 0, v);
			hs_scratch_release(&im->etype, 0, e);
			hs_scratch_release(&im->ename, 0, e);
			hs_scratch_release(&im->eto, 0, e);
		}
	}
	free(b);
	if (rc == 0)
		rc = write_roots(im);
	return rc;
}

/* ---- entry points ------------------------------------------------------ */

static void im_free(v8_im *im)
{
	hs_scratch *all[32];
	size_t n = hs_v8__scratch_all(im, all, 32);

	for (size_t i = 0; i < n; i++) {
		if (all[i]->fd >= 0) {
			struct stat sb;

			if (fstat(all[i]->fd, &sb) == 0)
				im->st->scratch += (uint64_t)sb.st_blocks * 512;
		}
		hs_scratch_free(all[i]);
	}
	for (unsigned t = 0; t < HS_V8_TYPES_MAX; t++) {
		free(im->ntname[t]);
		free(im->etname[t]);
	}
	hs_writer_abort(im->w);
	im->w = NULL;
	hs_json_release(&im->j);
	hs_source_close(&im->src);
}

static int im_run(v8_im *im, FILE *in, const char *in_name,
		  const hs_v8_options *v8o, const hs_writer_options *wo,
		  hs_v8_stats *stats)
{
	hs_v8_options dv = HS_V8_OPTIONS_INIT;
	hs_writer_options dw = HS_WRITER_OPTIONS_INIT;
	hs_v8_stats own;
	hs_scratch *all[32];
	size_t n = hs_v8__scratch_all(im, all, 32);
	const char *tmp = getenv("TMPDIR");
	int rc;

	im->st = stats ? stats : &own;
	memset(im->st, 0, sizeof(*im->st));
	im->o = v8o ? *v8o : dv;
	im->wo = wo ? *wo : dw;
	im->wo.ref_mode = HS_REFS_BY_INDEX;
	im->name = in_name ? in_name : "(input)";
	im->memory = im->o.memory ? im->o.memory : MEMORY_DEFAULT;
	im->tmpdir = im->o.tmpdir ? im->o.tmpdir : tmp && *tmp ? tmp : "/tmp";
	memset(im->ntype_snap, 0xff, sizeof(im->ntype_snap));
	for (size_t i = 0; i < n; i++)
		hs_scratch_init(all[i], im->tmpdir, 1, "v8");
	im->nname.elem = im->efirst.elem = im->ename.elem = im->eto.elem = 4;
	im->stype.elem = im->slabel.elem = im->spv.elem = 4;
	im->ilabel.elem = im->stack.elem = 4;
	im->nid.elem = im->nsize.elem = 8;
	rc = hs_source_open(&im->src, in, im->name);
	if (rc == 0)
		rc = hs_json_init_read(&im->j, hs_source_read, &im->src,
				       im->name, HS_JSON_DOCUMENT |
				       HS_JSON_LENIENT, UINT64_MAX / 2,
				       HS_V8_NAME_MAX);
	if (rc == 0)
		rc = hs_v8__parse(im);
	im->st->gzip = im->src.gzip;
	im->st->bytes = im->src.out;
	im->st->nodes = im->nnodes;
	im->st->edges = im->nedges;
	im->st->strings = im->nstrings;
	if (rc == 0)
		rc = walks(im);
	if (rc == 0)
		rc = write_all(im);
	if (rc == 0) {
		rc = hs_writer_close(im->w);
		im->w = NULL;
	}
	im_free(im);
	return rc;
}

int hs_v8_import(FILE *in, const char *in_name, const char *snap_path,
		 const hs_v8_options *v8o, const hs_writer_options *wo,
		 hs_v8_stats *stats)
{
	v8_im *im;
	int rc;

	HS_RETURN_ERROR_IF(!in || !snap_path || !*snap_path, HS_EINVAL,
			   "hs_v8_import: no input or no output path");
	im = calloc(1, sizeof(*im));
	HS_RETURN_ERROR_IF(!im, HS_ENOMEM, "hs_v8_import: out of memory");
	im->path = snap_path;
	rc = im_run(im, in, in_name, v8o, wo, stats);
	free(im);
	return rc;
}

int hs_v8_import_file(const char *in_path, const char *snap_path,
		      const hs_v8_options *v8o, const hs_writer_options *wo,
		      hs_v8_stats *stats)
{
	FILE *f;
	int rc;

	HS_RETURN_ERROR_IF(!in_path, HS_EINVAL, "hs_v8_import_file: no "
			   "input path");
	f = fopen(in_path, "rb");
	HS_RETURN_ERROR_IF(!f, HS_EIO, "%s: cannot open: %s", in_path,
			   strerror(errno));
	rc = hs_v8_import(f, in_path, snap_path, v8o, wo, stats);
	fclose(f);
	return rc;
}

int hs_v8_import_sink(FILE *in, const char *in_name, hs_sink out,
		      const char *out_name, const hs_v8_options *v8o,
		      const hs_writer_options *wo, hs_v8_stats *stats)
{
	v8_im *im;
	int rc;

	HS_RETURN_ERROR_IF(!in || !out.write, HS_EINVAL,
			   "hs_v8_import_sink: no input or no sink");
	im = calloc(1, sizeof(*im));
	HS_RETURN_ERROR_IF(!im, HS_ENOMEM, "hs_v8_import: out of memory");
	im->sink = out;
	im->out_name = out_name ? out_name : "(sink)";
	rc = im_run(im, in, in_name, v8o, wo, stats);
	free(im);
	return rc;
}

int hs_v8_sniff(const void *head, size_t n)
{
	static const char key[] = "\"snapshot\"";
	const unsigned char *p = head;
	size_t i = 0;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return 2;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'))
		i++;
	if (i >= n || p[i++] != '{')
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'))
		i++;
	return n - i >= sizeof(key) - 1 &&
	       memcmp(p + i, key, sizeof(key) - 1) == 0;
}
