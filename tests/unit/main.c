/*
 * main.c - the CUnit runner for every suite registered with HS_SUITE.
 * Usage: unit [SUITE...]   (no argument: all suites)
 * Prints CUnit's report, then "unit: N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "unit.h"

#define MAX_SUITES 64

static struct {
	const char *name;
	const hs_unit_test *tests;
} suites[MAX_SUITES];
static int nsuites;
static char tmpdir[256];

void hs_unit_add_suite(const char *name, const hs_unit_test *tests)
{
	if (nsuites < MAX_SUITES) {
		suites[nsuites].name = name;
		suites[nsuites].tests = tests;
		nsuites++;
	}
}

const char *hs_unit_tmpdir(void)
{
	return tmpdir;
}

static int wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned passed, failed;
	char cmd[300];

	snprintf(tmpdir, sizeof(tmpdir), "%s/hs-unit-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (int i = 0; i < nsuites; i++) {
		CU_pSuite s;

		if (!wanted(argc, argv, suites[i].name))
			continue;
		s = CU_add_suite(suites[i].name, NULL, NULL);
		for (const hs_unit_test *t = suites[i].tests; t->name; t++)
			CU_add_test(s, t->name, t->fn);
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	passed = CU_get_number_of_tests_run() - failed;
	CU_cleanup_registry();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("unit: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
