/*
 * bigarray.h - the analyses' big per-node and per-edge arrays (internal
 * to the graph's files, dominators.c and diff.c; bigarray.c).
 *
 * Why not malloc: on the machines measured, touching fresh memory costs
 * far more than using it (1 GiB of new pages took 4.3 s to fault in, a
 * memset of the same pages afterwards 0.19 s), and loading then analysing
 * a graph frees and allocates hundreds of MiB in turn.  So arrays of
 * HS_BIG_MIN bytes and more are mapped directly, advised MADV_HUGEPAGE
 * (random access: one TLB entry covers 512 times more), grown in place
 * with mremap (no copy, no new faults for what is there), and on free
 * kept in a process-wide pool (at most HS_BIG_POOL_MAX bytes) that the
 * next allocation reuses after zeroing it.  HS_NO_HUGEPAGE=1 and
 * HS_NO_BIGPOOL=1 turn the two off, for measuring them.
 */
#ifndef HS_BIGARRAY_H
#define HS_BIGARRAY_H

#include <stddef.h>

#define HS_BIG_MIN (1u << 20)
#define HS_BIG_POOL_MAX ((size_t)1 << 30)

/* hs_big_calloc() : n * size zeroed bytes, or NULL (also on overflow).
 * Pair with hs_big_free().  Thread-safe. */
void *hs_big_calloc(size_t n, size_t size);

/* hs_big_free() : NULL-safe; big blocks go to the pool. */
void hs_big_free(void *p);

/* hs_big_grow() : make *p (NULL or from hs_big_calloc) hold at least
 * `need` bytes, keeping its content; new bytes are zero.  *cap is the
 * usable size in bytes, updated.  @return 0, or -1 (*p unchanged). */
int hs_big_grow(void **p, size_t *cap, size_t need);

/* hs_big_shrink() : give back what lies past the first `keep` bytes. */
void hs_big_shrink(void *p, size_t keep);

/* hs_big_trim() : unmap the pool (long-running programs). */
void hs_big_trim(void);

#endif
