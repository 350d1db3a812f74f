/*
 * v8_arrays.c - a V8 heap snapshot's nodes and edges arrays (most of its
 * bytes) into the scratch arrays of v8.h, on two threads: the caller's
 * lexes the JSON a chunk of rows at a time (hs_json_uints), a worker
 * checks each row against snapshot.meta and the other sections, stores it
 * and marks the strings it uses; two chunks alternate between them.
 * Errors name the place of the value at fault: the lexer hands the
 * worker each value's position with it.
 *
 * Load: two chunks of CHUNK values and their positions (1 MiB); the
 * arrays grow in scratch, and what was written is released from memory
 * as the parse moves on.  About 1 ns per byte of JSON on each thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "v8.h"

/* Values per chunk (a multiple of the row width is used). */
#define CHUNK 16384u

static void name_used(v8_im *im, uint64_t s, const hs_json_pos *pos)
{
	if (!im->have_names || s > im->name_max) {
		im->name_max = s;
		im->name_max_pos = *pos;
		im->have_names = 1;
	}
}

static int mark(v8_im *im, uint64_t s, uint8_t bits)
{
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->smark, s + 1));
	V8_U8(im->smark, s) |= bits;
	return 0;
}

/* Every V8_RELEASE_ROWS rows: what the parse wrote leaves memory. */
static void release_nodes(v8_im *im, uint64_t v)
{
	hs_scratch *a[] = { &im->ntype, &im->nname, &im->nid, &im->nsize,
			    &im->efirst };

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		hs_scratch_release(a[i], 0, v);
}

static int node_row(v8_im *im, const uint64_t *r, const hs_json_pos *pos,
		    uint32_t *unused)
{
	uint64_t v = im->nnodes, t = r[im->nf_type], s = r[im->nf_name];
	uint64_t ec = r[im->nf_edges];

	(void)unused;
	if (t >= im->nntypes)
		return hs_v8__fail_at(im, &pos[im->nf_type], HS_ECORRUPT, "node type "
			       "%llu is not one of the %u in snapshot.meta",
			       (unsigned long long)t, im->nntypes);
	if (s >= UINT32_MAX)
		return hs_v8__fail_at(im, &pos[im->nf_name], HS_ELIMIT, "string "
			       "index %llu is over 2^32-2",
			       (unsigned long long)s);
	if (v >= HS_V8_NODES_MAX)
		return hs_v8__fail_at(im, &pos[0], HS_ELIMIT, "more than %u nodes",
			       HS_V8_NODES_MAX);
	if (ec > HS_V8_EDGES_MAX - im->announced)
		return hs_v8__fail_at(im, &pos[im->nf_edges], HS_ELIMIT, "the nodes "
			       "announce more than %u edges",
			       HS_V8_EDGES_MAX);
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->ntype, v + 1));
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->nname, v + 1));
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->nid, v + 1));
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->nsize, v + 1));
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->efirst, v + 2));
	V8_U8(im->ntype, v) = (uint8_t)t;
	V8_U32(im->nname, v) = (uint32_t)s;
	V8_U64(im->nid, v) = r[im->nf_id];
	V8_U64(im->nsize, v) = r[im->nf_size];
	V8_U32(im->efirst, v) = (uint32_t)im->announced;
	im->announced += ec;
	V8_U32(im->efirst, v + 1) = (uint32_t)im->announced;
	name_used(im, s, &pos[im->nf_name]);
	if (v * im->nf != im->root_index)
		HS_FORWARD_IF_ERROR(mark(im, s, im->nkind[t] == V8_N_OBJECT ?
					 V8_S_TYPE : V8_S_PREVIEW));
	im->nnodes = v + 1;
	if (im->nnodes % V8_RELEASE_ROWS == 0)
		release_nodes(im, v);
	return 0;
}

static int edge_row(v8_im *im, const uint64_t *r, const hs_json_pos *pos,
		    uint32_t *owner)
{
	uint64_t e = im->nedges, t = r[im->ef_type], s = r[im->ef_name];
	uint64_t to = r[im->ef_to], ord = to / im->nf;
	uint8_t kind;

	if (e >= im->announced)
		return hs_v8__fail_at(im, &pos[0], HS_ECORRUPT, "more edges than the "
			       "nodes' edge_count fields announce (%llu)",
			       (unsigned long long)im->announced);
	while (V8_U32(im->efirst, *owner + 1) <= e)
		(*owner)++;
	if (t >= im->netypes)
		return hs_v8__fail_at(im, &pos[im->ef_type], HS_ECORRUPT, "edge type "
			       "%llu is not one of the %u in snapshot.meta",
			       (unsigned long long)t, im->netypes);
	if (to % im->nf || ord >= im->nnodes)
		return hs_v8__fail_at(im, &pos[im->ef_to], HS_ECORRUPT, "edge "
			       "to_node %llu is not a node offset (a multiple "
			       "of %u below %llu)", (unsigned long long)to,
			       im->nf, (unsigned long long)(im->nnodes *
							    im->nf));
	if (s >= UINT32_MAX)
		return hs_v8__fail_at(im, &pos[im->ef_name], HS_ELIMIT, "edge name "
			       "or index %llu is over 2^32-2",
			       (unsigned long long)s);
	kind = im->ekind[t];
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->etype, e + 1));
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->ename, e + 1));
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->eto, e + 1));
	V8_U8(im->etype, e) = (uint8_t)t;
	V8_U32(im->ename, e) = (uint32_t)s;
	V8_U32(im->eto, e) = (uint32_t)ord | (kind == V8_E_WEAK ? V8_TO_WEAK
		: kind == V8_E_SHORTCUT ? V8_TO_SHORTCUT : V8_TO_STRONG);
	if (kind != V8_E_WEAK && kind != V8_E_SHORTCUT)
		V8_U8(im->nflag, ord) |= V8_F_STRONG;
	if (kind != V8_E_ELEMENT && kind != V8_E_HIDDEN) {
		name_used(im, s, &pos[im->ef_name]);
		HS_FORWARD_IF_ERROR(mark(im, s, V8_S_LABEL));
	}
	if (*owner == im->root)
		HS_FORWARD_IF_ERROR(mark(im, V8_U32(im->nname, ord),
					 V8_S_ROOTNAME | V8_S_PREVIEW));
	im->nedges = e + 1;
	if (im->nedges % V8_RELEASE_ROWS == 0) {
		hs_scratch_release(&im->etype, 0, e);
		hs_scratch_release(&im->ename, 0, e);
		hs_scratch_release(&im->eto, 0, e);
		hs_scratch_release(&im->efirst, 0, *owner);
	}
	return 0;
}

/* ---- two threads -------------------------------------------------------- */

typedef int (*row_fn)(v8_im *im, const uint64_t *r, const hs_json_pos *pos,
		      uint32_t *state);

typedef struct {
	uint64_t v[CHUNK];
	hs_json_pos pos[CHUNK];
	size_t n;
} chunk_t;

typedef struct {
	v8_im *im;
	row_fn row;
	unsigned width;
	uint32_t state;          /* the row function's (the edges' owner) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	chunk_t *ch[2];
	int full[2];             /* handed to the worker */
	int last;                /* no chunk after the full ones */
	int rc;                  /* the worker's error... */
	char msg[512];           /* ...and its message (errors are kept
	                            per thread) */
	char lexmsg[512];        /* the lexer's message */
} pipe_t;

static void *worker(void *arg)
{
	pipe_t *p = arg;
	int k = 0, rc = 0;

	for (;;) {
		chunk_t *c;

		pthread_mutex_lock(&p->mu);
		while (!p->full[k] && !p->last)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->full[k]) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		pthread_mutex_unlock(&p->mu);
		c = p->ch[k];
		for (size_t i = 0; i < c->n && rc == 0; i += p->width)
			rc = p->row(p->im, c->v + i, c->pos + i, &p->state);
		pthread_mutex_lock(&p->mu);
		p->full[k] = 0;
		if (rc < 0) {
			p->rc = rc;
			snprintf(p->msg, sizeof(p->msg), "%s", hs_error_last());
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (rc < 0)
			break;
		k ^= 1;
	}
	return NULL;
}

/* Lexes the array into chunks of whole rows for the worker.  On an
 * error the rows before it still go to the worker, whose error, if any,
 * lies earlier in the file and wins (so the first error is reported, as
 * a single thread would).  @return 0 at the array's end, or the lexer's
 * error (message in p->lexmsg). */
static int lex_rows(pipe_t *p, const char *what)
{
	v8_im *im = p->im;
	size_t want = CHUNK - CHUNK % p->width;
	int k = 0;

	for (;;) {
		chunk_t *c = p->ch[k];
		size_t got = 0;
		int rc;

		pthread_mutex_lock(&p->mu);
		while (p->full[k] && p->rc == 0)
			pthread_cond_wait(&p->cv, &p->mu);
		rc = p->rc;
		pthread_mutex_unlock(&p->mu);
		if (rc < 0)
			return 0;  /* the worker's error wins */
		rc = hs_json_uints(&im->j, c->v, c->pos, want, &got);
		if (rc == 0 && got % p->width)
			rc = hs_v8__fail_at(im, &c->pos[got - got % p->width],
					    HS_ECORRUPT, "the %s array ends "
					    "inside a%s %s (%zu of its %u "
					    "fields)", what, what[0] == 'e' ?
					    "n" : "", what[0] == 'e' ? "edge"
					    : "node", got % p->width, p->width);
		if (rc < 0)
			snprintf(p->lexmsg, sizeof(p->lexmsg), "%s",
				 hs_error_last());
		pthread_mutex_lock(&p->mu);
		c->n = got - got % p->width;
		p->full[k] = 1;
		p->last = rc < 0 || got < want;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (rc < 0 || got < want)
			return rc;
		k ^= 1;
	}
}

/* The array whose first token is tok, row by row through fn. */
static int rows(v8_im *im, int tok, unsigned width, row_fn fn,
		uint32_t *state, const char *what)
{
	pipe_t p;
	pthread_t th;
	int rc;

	if (tok != HS_JSON_LBRACKET)
		return tok < 0 ? tok : hs_json_fail(&im->j, HS_ECORRUPT,
						    "\"%s\": expected '[', got "
						    "%s", what,
						    hs_json_tok_name(tok));
	memset(&p, 0, sizeof(p));
	p.im = im;
	p.row = fn;
	p.width = width;
	p.state = *state;
	p.ch[0] = malloc(sizeof(chunk_t));
	p.ch[1] = malloc(sizeof(chunk_t));
	if (!p.ch[0] || !p.ch[1]) {
		free(p.ch[0]);
		free(p.ch[1]);
		return hs_error_set(HS_ENOMEM, "%s: out of memory", im->name);
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	im->j.in_array = 0;
	if (pthread_create(&th, NULL, worker, &p) != 0) {
		rc = hs_error_set(HS_ENOMEM, "%s: cannot start a thread",
				  im->name);
	} else {
		rc = lex_rows(&p, what);
		pthread_mutex_lock(&p.mu);
		p.last = 1;  /* the worker ends after the full chunks */
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		pthread_join(th, NULL);
		if (p.rc < 0)
			rc = hs_error_set(p.rc, "%s", p.msg);
		else if (rc < 0)
			rc = hs_error_set(rc, "%s", p.lexmsg);
	}
	*state = p.state;
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	free(p.ch[0]);
	free(p.ch[1]);
	return rc;
}

int hs_v8__nodes(v8_im *im, int tok)
{
	uint32_t none = 0;

	HS_FORWARD_IF_ERROR(rows(im, tok, im->nf, node_row, &none, "nodes"));
	release_nodes(im, im->nnodes);
	if (im->root_index % im->nf || im->root_index / im->nf >= im->nnodes)
		return hs_json_fail(&im->j, HS_ECORRUPT, "snapshot.root_index "
				    "%llu is not a node offset (a multiple of "
				    "%u below %llu)",
				    (unsigned long long)im->root_index, im->nf,
				    (unsigned long long)(im->nnodes * im->nf));
	im->root = (uint32_t)(im->root_index / im->nf);
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->nflag, im->nnodes));
	return hs_scratch_reserve(&im->efirst, im->nnodes + 1);
}

int hs_v8__edges(v8_im *im, int tok)
{
	uint32_t owner = 0;

	HS_FORWARD_IF_ERROR(rows(im, tok, im->ef, edge_row, &owner, "edges"));
	if (im->nedges != im->announced)
		return hs_json_fail(&im->j, HS_ECORRUPT, "the nodes' "
				    "edge_count fields announce %llu edges, "
				    "the edges array holds %llu",
				    (unsigned long long)im->announced,
				    (unsigned long long)im->nedges);
	return 0;
}
