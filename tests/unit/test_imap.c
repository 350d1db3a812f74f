/*
 * test_imap.c - hs_imap against a naive table: random keys over the
 * whole uint32 range and dense ones, first value kept, misses, growth.
 * Load: 200 000 puts and gets, a few MiB.
 */
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "imap.h"
#include "testutil.h"
#include "unit.h"

static void test_against_naive(void)
{
	enum { N = 100000 };
	uint32_t *keys = malloc(N * sizeof(*keys));
	hs_imap m = HS_IMAP_INIT;
	uint64_t rng = 42;

	CU_ASSERT_FATAL(keys != NULL);
	CU_ASSERT_EQUAL(hs_imap_get(&m, 7), HS_IMAP_NONE);  /* empty */
	for (uint32_t i = 0; i < N; i++) {
		/* half dense (0..N/2), half anywhere, UINT32_MAX included */
		keys[i] = i % 2 ? (uint32_t)tu_rand(&rng) : i / 2;
		if (i == 1)
			keys[i] = UINT32_MAX;
		CU_ASSERT_EQUAL(hs_imap_put(&m, keys[i], i) >= 0, 1);
	}
	for (uint32_t i = 0; i < N; i++) {
		uint32_t first = i;

		/* the value is the first i that put this key */
		for (uint32_t j = 0; j < i && i % 997 == 0; j++)
			if (keys[j] == keys[i]) {
				first = j;
				break;
			}
		if (i % 997 == 0)
			CU_ASSERT_EQUAL(hs_imap_get(&m, keys[i]), first);
		CU_ASSERT_NOT_EQUAL(hs_imap_get(&m, keys[i]), HS_IMAP_NONE);
	}
	/* a key put again keeps its value */
	CU_ASSERT_EQUAL(hs_imap_put(&m, keys[0], 12345), 0);
	CU_ASSERT_EQUAL(hs_imap_get(&m, keys[0]), 0);
	/* dense keys past those put are misses */
	CU_ASSERT_EQUAL(hs_imap_get(&m, N), HS_IMAP_NONE);
	/* the one value it cannot store */
	CU_ASSERT_EQUAL(hs_imap_put(&m, 5, HS_IMAP_NONE), -1);
	CU_ASSERT(m.n <= N && m.cap >= 2 * m.n);
	hs_imap_release(&m);
	CU_ASSERT_EQUAL(hs_imap_get(&m, keys[0]), HS_IMAP_NONE);
	free(keys);
}

HS_SUITE(imap, HS_TEST(test_against_naive))
