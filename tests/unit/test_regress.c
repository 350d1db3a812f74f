/*
 * test_regress.c - replays every input a fuzzer ever tripped on
 * (tests/fuzz/regress/TARGET-NAME) and every seed of the fuzz corpora
 * (the files in tests/fuzz/corpus/TARGET) through the fuzz targets' own
 * entry points (tests/fuzz/entries.h), so that `make check` catches a
 * crash, an invariant or (under ASan) a leak or overflow coming back.
 *
 * Load: one input at a time; the largest seed is 64 KiB.  The tree is
 * found through $HS_TOP (set by tests/run_suites.sh), else the current
 * directory.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "testutil.h"

/* An invariant broken inside an entry point is a test failure naming
 * the input, not an abort of the whole unit run. */
static unsigned regress_failures;
#define hs_fuzz_fail(...)                                               \
	do {                                                            \
		fprintf(stderr, "regress: fuzz invariant: " __VA_ARGS__); \
		fputc('\n', stderr);                                    \
		regress_failures++;                                     \
	} while (0)

#include "../fuzz/entries.h"

typedef struct {
	const char *target;
	int (*fn)(const uint8_t *data, size_t size);
} regress_entry;

static const regress_entry entries[] = {
	{ "reader", hs_fuzz_reader },
	{ "records", hs_fuzz_records },
	{ "graph", hs_fuzz_graph },
	{ "jsonl", hs_fuzz_jsonl },
	{ "v8", hs_fuzz_v8 },
	{ NULL, NULL }
};

static const char *top(void)
{
	const char *t = getenv("HS_TOP");

	return t && *t ? t : ".";
}

static const regress_entry *find_entry(const char *target, size_t len)
{
	for (const regress_entry *e = entries; e->target; e++)
		if (strlen(e->target) == len && memcmp(e->target, target, len) == 0)
			return e;
	return NULL;
}

/* Replays one file; @return 1 if it ran, 0 if it could not be read. */
static int replay(const regress_entry *e, const char *path)
{
	unsigned char *data;
	size_t len;
	unsigned before = regress_failures;

	if (tu_read_file(path, &data, &len) < 0) {
		fprintf(stderr, "regress: cannot read %s\n", path);
		return 0;
	}
	e->fn(data, len);
	free(data);
	if (regress_failures != before)
		fprintf(stderr, "regress: %s (target %s) broke an invariant\n",
			path, e->target);
	CU_ASSERT_EQUAL(regress_failures, before);
	return 1;
}

/* Every tests/fuzz/regress/TARGET-NAME file. */
static void test_regress_findings(void)
{
	char dir[4096], path[4096 + 256];
	DIR *d;
	struct dirent *de;
	unsigned n = 0, bad = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/regress", top());
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		const char *dash = strchr(de->d_name, '-');
		const regress_entry *e;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		e = dash ? find_entry(de->d_name,
				      (size_t)(dash - de->d_name)) : NULL;
		if (!e) {
			fprintf(stderr, "regress: %s names no fuzz target\n",
				de->d_name);
			bad++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (replay(e, path))
			n++;
		else
			bad++;
	}
	closedir(d);
	CU_ASSERT_EQUAL(bad, 0);
	printf("\n  regress: %u finding(s) replayed\n", n);
}

/* Every seed of every corpus, through its target. */
static void test_regress_seeds(void)
{
	unsigned total = 0;

	for (const regress_entry *e = entries; e->target; e++) {
		char dir[4096], path[4096 + 256];
		DIR *d;
		struct dirent *de;
		unsigned n = 0;

		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top(),
			 e->target);
		d = opendir(dir);
		if (!d) {
			fprintf(stderr, "regress: no corpus %s\n", dir);
			CU_FAIL("a fuzz target has no seed corpus");
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			n += (unsigned)replay(e, path);
		}
		closedir(d);
		CU_ASSERT(n > 0);
		total += n;
	}
	printf("\n  regress: %u seed(s) replayed\n", total);
}

/* The entry points must themselves catch what they are meant to: a
 * reader that returned a frame outside the file, or an error without a
 * message, would be reported.  Here: the empty input, one byte, and a
 * start frame alone all come back as clean errors, and a valid file
 * passes every check. */
static void test_regress_entry_sanity(void)
{
	static const unsigned char start[16] = {
		0x50, 0x2a, 0x4d, 0x18, 8, 0, 0, 0,
		'H', 'S', 'N', 'A', 'P', 0, 1, 0
	};
	hs_buf file = HS_BUF_INIT;
	tu_strv expect = TU_STRV_INIT;
	unsigned before = regress_failures;

	hs_fuzz_reader(start, 0);
	hs_fuzz_reader(start, 1);
	hs_fuzz_reader(start, sizeof(start));
	hs_fuzz_records((const uint8_t *)"\x03", 1);
	tu_small_snap(&file, &expect, 300, HS_REFS_BY_INDEX, 7);
	hs_fuzz_reader(file.data, file.len);
	/* and every prefix of it: truncation anywhere */
	for (size_t cut = 0; cut < file.len; cut += 1 + file.len / 97)
		hs_fuzz_reader(file.data, cut);
	CU_ASSERT_EQUAL(regress_failures, before);
	hs_buf_release(&file);
	tu_strv_free(&expect);
}

HS_SUITE(regress,
	 HS_TEST(test_regress_entry_sanity),
	 HS_TEST(test_regress_findings),
	 HS_TEST(test_regress_seeds))
