/*
 * imap.h - a map from uint32 keys to uint32 values (internal), for
 * tables keyed by an index a file declares: sized by the entries put in,
 * never by the keys' values (a site at index 2^32-2 costs one entry).
 *
 * Open addressing with linear probing, 8 bytes per slot, at most half
 * full; the first value put for a key stays.  Pair hs_imap_init() with
 * hs_imap_release().
 */
#ifndef HS_IMAP_H
#define HS_IMAP_H

#include <stddef.h>
#include <stdint.h>

#define HS_IMAP_NONE UINT32_MAX  /* no value: not a storable value */

typedef struct {
	uint64_t *slots;  /* key << 32 | value; UINT64_MAX when empty */
	size_t cap, n;    /* cap is 0 or a power of two */
} hs_imap;

#define HS_IMAP_INIT { NULL, 0, 0 }

void hs_imap_init(hs_imap *m);
void hs_imap_release(hs_imap *m);

/** hs_imap_put() : key -> value unless key has one already.
 *  @return 1 put, 0 key already there (unchanged), -1 out of memory or
 *  value HS_IMAP_NONE. */
int hs_imap_put(hs_imap *m, uint32_t key, uint32_t value);

/** hs_imap_get() : @return key's value, or HS_IMAP_NONE. */
uint32_t hs_imap_get(const hs_imap *m, uint32_t key);

#endif
