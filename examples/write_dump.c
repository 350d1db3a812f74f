/*
 * write_dump.c - writing a heap dump from C: a two-node linked list held
 * by one global, written as a .snap that every heapsnap tool reads.
 *
 *     cc write_dump.c $(pkg-config --cflags --libs heapsnap) -o write_dump
 *     ./write_dump list.snap && dumpdom list.snap
 *
 * (after `make install`; in the source tree, after `make`:
 * cc -Ilibdump/include examples/write_dump.c build/lib/libheapsnap.a -lzstd
 * -lmsgpackc -pthread -lm).
 *
 * The writer's memory is bounded whatever the heap's size (two record
 * buffers, one compressed frame, zstd's context and 48 to 96 bytes per
 * frame: about 6.5 MiB with the defaults; hs_writer_memory() reports it).
 * Full frames are compressed on a helper thread while the caller fills the
 * other buffer (threads = 0 keeps everything on the caller's thread).  On
 * any error the writer removes PATH.tmp and leaves PATH as it was; a
 * process killed mid-dump leaves a .tmp that reads as truncated, up to its
 * last complete frame.  A writer that numbers its objects can write
 * references as indices (ref_mode = HS_REFS_BY_INDEX): smaller files that
 * load faster.  libdump/include/hs_writer.h documents every call.
 *
 * `make check` builds and runs it (tests/cli/examples.sh).
 */
#include <hs_writer.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT; /* level 2, 1 MiB frames, refs by id */
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t node, next;

	if (argc != 2) {
		fprintf(stderr, "usage: write_dump OUT.snap\n");
		return 2;
	}
	h.runtime = "example";
	h.reason = "manual";
	if (hs_writer_open(&w, argv[1], &o, &h) < 0) /* writes OUT.snap.tmp */
		goto fail;
	if (hs_writer_type(&node, w, "node", 4) < 0 ||
	    hs_writer_string(&next, w, "next", 4) < 0)
		goto fail_abort;

	/* the head (id 0x1000) refers to the tail (id 0x2000) by its field
	 * "next"; the tail refers to nothing */
	uint64_t refs[] = { 0x2000 };
	uint32_t labels[] = { next };
	hs_object head = { .id = 0x1000, .type = node, .size = 48,
			   .nrefs = 1, .refs = refs, .labels = labels,
			   .site = HS_NO_SITE };
	hs_object tail = { .id = 0x2000, .type = node, .size = 48,
			   .site = HS_NO_SITE };
	if (hs_writer_object(w, &head) < 0 || hs_writer_object(w, &tail) < 0 ||
	    hs_writer_root(w, 0x1000, "global", "my_list", 0) < 0)
		goto fail_abort;
	if (hs_writer_close(w) < 0) /* renames OUT.snap.tmp to OUT.snap */
		goto fail;
	return 0;

fail_abort:
	hs_writer_abort(w); /* removes OUT.snap.tmp */
fail:
	fprintf(stderr, "write_dump: %s\n", hs_error_last());
	return 1;
}
