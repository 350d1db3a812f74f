/*
 * test_vec.c - vec.h, the one growth helper: doubling from 16, nothing
 * done when the room is there, exact sizes from hs_vec_reserve(), and
 * every size whose byte count would wrap size_t refused with the array
 * left as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "vec.h"

static void test_grow_doubles(void)
{
	uint32_t *v = NULL;
	size_t cap = 0;

	CU_ASSERT_EQUAL(hs_vec_grow((void **)&v, &cap, 1, sizeof(*v)), 0);
	CU_ASSERT_EQUAL(cap, 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	v[15] = 7;
	CU_ASSERT_EQUAL(hs_vec_grow((void **)&v, &cap, 16, sizeof(*v)), 0);
	CU_ASSERT_EQUAL(cap, 16);  /* room enough: untouched */
	CU_ASSERT_EQUAL(hs_vec_grow((void **)&v, &cap, 17, sizeof(*v)), 0);
	CU_ASSERT_EQUAL(cap, 32);
	CU_ASSERT_EQUAL(hs_vec_grow((void **)&v, &cap, 1000, sizeof(*v)), 0);
	CU_ASSERT_EQUAL(cap, 1024);
	CU_ASSERT_EQUAL(v[15], 7);  /* the contents move along */
	v[1023] = 1;
	free(v);
}

static void test_grow_overflow(void)
{
	uint64_t *v = NULL;
	size_t cap = 0;
	void *before;

	CU_ASSERT_EQUAL(hs_vec_grow((void **)&v, &cap, 100, sizeof(*v)), 0);
	before = v;
	/* need * 8 wraps size_t */
	CU_ASSERT_EQUAL(hs_vec_grow((void **)&v, &cap, SIZE_MAX / 4,
				    sizeof(*v)), HS_ENOMEM);
	/* doubling past SIZE_MAX / 2 */
	CU_ASSERT_EQUAL(hs_vec_grow((void **)&v, &cap, SIZE_MAX, 1),
			HS_ENOMEM);
	CU_ASSERT_PTR_EQUAL(v, before);
	CU_ASSERT_EQUAL(cap, 128);
	free(v);
}

static void test_reserve_exact(void)
{
	char *b = NULL;
	size_t cap = 0;

	CU_ASSERT_EQUAL(hs_vec_reserve((void **)&b, &cap, 1000, 1), 0);
	CU_ASSERT_EQUAL(cap, 1000);
	memset(b, 'x', 1000);
	CU_ASSERT_EQUAL(hs_vec_reserve((void **)&b, &cap, 10, 1), 0);
	CU_ASSERT_EQUAL(cap, 1000);  /* never shrinks */
	CU_ASSERT_EQUAL(hs_vec_reserve((void **)&b, &cap, SIZE_MAX / 2 + 2,
				       2), HS_ENOMEM);
	CU_ASSERT_EQUAL(cap, 1000);
	CU_ASSERT_EQUAL(b[999], 'x');
	free(b);
}

HS_SUITE(vec,
	 HS_TEST(test_grow_doubles),
	 HS_TEST(test_grow_overflow),
	 HS_TEST(test_reserve_exact))
