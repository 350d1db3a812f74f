/*
 * unit.h - how a CUnit test file registers its suite without a central
 * list: HS_SUITE(name, tests...) adds the suite from a constructor, and
 * tests/unit/main.c runs every registered suite.
 */
#ifndef HS_UNIT_H
#define HS_UNIT_H

#include <CUnit/CUnit.h>

typedef struct {
	const char *name;
	void (*fn)(void);
} hs_unit_test;

void hs_unit_add_suite(const char *name, const hs_unit_test *tests);

#define HS_SUITE(name, ...)                                              \
	static const hs_unit_test hs__tests_##name[] = { __VA_ARGS__,    \
							 { NULL, NULL } }; \
	__attribute__((constructor)) static void hs__register_##name(void) \
	{                                                                \
		hs_unit_add_suite(#name, hs__tests_##name);              \
	}

#define HS_TEST(fn) { #fn, fn }

/* A scratch directory for the test run (made by main.c). */
const char *hs_unit_tmpdir(void);

#endif
