/*
 * domcheck.c - helper of bench/analysis.sh: writes the deep benchmark
 * heap, and exports a heap's strong-reference graph as a binary edge list
 * for the Boost Graph and networkx comparisons, with heapsnap's own
 * dominator figures and a checksum of its idoms to compare theirs with.
 *
 *   domcheck deep N FILE     a heap of N objects in long chains: root ->
 *                            chain[0] -> chain[1] -> ..., each node also
 *                            referring back to node i/2 and to a small
 *                            leaf, so the dominator tree is N/2 deep
 *   domcheck export FILE OUT load FILE, time hs_dom_build, write OUT:
 *                            u64 nodes (objects + 1: the last one is the
 *                            super-root), u64 edges, then edges as u32
 *                            pairs (source, target), weak ones and those
 *                            of unreachable objects left out
 *
 * Checksum: the sum over reachable objects v of (v + 1) * (idom(v) + 1)
 * mod 2^64, the super-root being node `objects`; the other programs print
 * the same sum from their own idoms.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hs_dom.h"
#include "hs_writer.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int deep(uint64_t n, const char *path)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t tn, tl;
	uint64_t chain = n / 2;   /* chain nodes; each has one leaf */

	o.ref_mode = HS_REFS_BY_INDEX;
	h.runtime = "domcheck-deep";
	if (hs_writer_open(&w, path, &o, &h) < 0 ||
	    hs_writer_type(&tn, w, "chain.Node", 10) < 0 ||
	    hs_writer_type(&tl, w, "chain.Leaf", 10) < 0)
		goto fail;
	/* object 2i is chain node i, object 2i+1 its leaf */
	for (uint64_t i = 0; i < chain; i++) {
		uint64_t refs[3] = { 2 * i + 1, 2 * (i / 2), 2 * (i + 1) };
		hs_object a = { 0x100000 + 64 * i, tn, 48, i + 1 < chain ? 3 : 2,
				refs, NULL, NULL, { HS_VALUE_NONE, { .i = 0 } },
				HS_NO_SITE };
		hs_object b = { 0x100000 + 64 * i + 48, tl, 16, 0, NULL, NULL,
				NULL, { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		if (hs_writer_object(w, &a) < 0 || hs_writer_object(w, &b) < 0)
			goto fail;
	}
	if (hs_writer_root(w, 0, "global", "chain head", 0) < 0)
		goto fail;
	if (hs_writer_close(w) < 0) {
		fprintf(stderr, "domcheck: %s\n", hs_error_last());
		return 2;
	}
	return 0;
fail:
	fprintf(stderr, "domcheck: %s\n", hs_error_last());
	hs_writer_abort(w);
	return 2;
}

static int export(const char *in, const char *out)
{
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_graph *g;
	hs_dom *d;
	double t0, t1, t2;
	uint32_t n;
	uint64_t m = 0, sum = 0, hdr[2];
	FILE *f;

	go.reverse = 0;
	t0 = now();
	if (hs_graph_load(&g, in, &go) < 0) {
		fprintf(stderr, "domcheck: %s\n", hs_error_last());
		return 2;
	}
	t1 = now();
	if (hs_dom_build(&d, g) < 0) {
		fprintf(stderr, "domcheck: %s\n", hs_error_last());
		return 2;
	}
	t2 = now();
	n = hs_graph_count(g);
	for (uint32_t v = 0; v < n; v++) {
		uint32_t i = hs_dom_idom(d, v);

		if (i == HS_GRAPH_NONE)
			continue;
		if (i == HS_GRAPH_SUPERROOT)
			i = n;
		sum += ((uint64_t)v + 1) * ((uint64_t)i + 1);
	}
	printf("objects %u\nrefs %" PRIu64 "\nreachable %" PRIu64
	       "\ndepth %" PRIu64 "\nload_s %.3f\ndom_s %.3f\nchecksum %" PRIu64
	       "\n", n, hs_graph_stats_get(g)->refs,
	       hs_dom_stats_get(d)->reachable, hs_dom_stats_get(d)->max_depth,
	       t1 - t0, t2 - t1, sum);
	f = fopen(out, "wb");
	if (!f) {
		perror(out);
		return 2;
	}
	hdr[0] = (uint64_t)n + 1;
	hdr[1] = 0;
	fwrite(hdr, 8, 2, f);
	for (uint32_t v = 0; v <= n; v++) {
		hs_edges e = hs_graph_out(g, v == n ? HS_GRAPH_SUPERROOT : v);

		/* Boost's Lengauer-Tarjan mistakes an unreachable predecessor
		 * (DFS number 0) for the entry: give every program only the
		 * edges of reachable objects, which is all a dominator tree
		 * depends on */
		if (v < n && !hs_dom_reachable(d, v))
			continue;
		for (size_t k = 0; k < e.n; k++) {
			uint32_t p[2] = { v, e.node[k] };

			if (e.flags[k] & HS_REF_WEAK)
				continue;
			fwrite(p, 4, 2, f);
			m++;
		}
	}
	hdr[1] = m;
	if (fseek(f, 0, SEEK_SET) != 0 || fwrite(hdr, 8, 2, f) != 2 ||
	    fclose(f) != 0) {
		perror(out);
		return 2;
	}
	hs_dom_free(d);
	hs_graph_free(g);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "deep") == 0)
		return deep(strtoull(argv[2], NULL, 10), argv[3]);
	if (argc == 4 && strcmp(argv[1], "export") == 0)
		return export(argv[2], argv[3]);
	fprintf(stderr, "usage: domcheck deep N FILE | domcheck export FILE "
		"EDGES\n");
	return 2;
}
