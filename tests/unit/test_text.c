/*
 * test_text.c - hs_text: safe renderings of hostile strings (controls,
 * bidirectional controls, bytes that are not UTF-8, cuts at a character
 * boundary), JSON safe inside a <script> element, human numbers.
 */
#include <string.h>

#include "hs_text.h"
#include "unit.h"

static int safe_is(const char *in, size_t n, size_t max, const char *want)
{
	hs_buf b = HS_BUF_INIT;
	int eq;

	CU_ASSERT_FATAL(hs_text_safe(&b, in, n, max) == 0);
	eq = b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
	if (!eq)
		fprintf(stderr, "safe: got '%.*s', want '%s'\n", (int)b.len,
			(const char *)b.data, want);
	hs_buf_release(&b);
	return eq;
}

static int json_is(const char *in, size_t n, const char *want)
{
	hs_buf b = HS_BUF_INIT;
	int eq;

	CU_ASSERT_FATAL(hs_text_json(&b, in, n) == 0);
	eq = b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
	if (!eq)
		fprintf(stderr, "json: got '%.*s', want '%s'\n", (int)b.len,
			(const char *)b.data, want);
	hs_buf_release(&b);
	return eq;
}

static void test_safe(void)
{
	CU_ASSERT(safe_is("plain", 5, 0, "plain"));
	CU_ASSERT(safe_is("a\nb\tc\rd\\e", 9, 0, "a\\nb\\tc\\rd\\\\e"));
	CU_ASSERT(safe_is("\x00\x1b[31m\x7f", 7, 0, "\\x00\\x1b[31m\\x7f"));
	/* invalid UTF-8, an overlong, a surrogate, a C1 control */
	CU_ASSERT(safe_is("\xff\xc0\xaf\xed\xa0\x80\xc2\x85", 8, 0,
			  "\\xff\\xc0\\xaf\\xed\\xa0\\x80\\xc2\\x85"));
	/* bidi controls are escaped, other characters kept */
	CU_ASSERT(safe_is("\xe2\x80\xae" "abc\xe2\x81\xa6", 9, 0,
			  "\\xe2\\x80\\xae" "abc\\xe2\\x81\\xa6"));
	/* so are the line and paragraph separators: one row, one line */
	CU_ASSERT(safe_is("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\xa7", 12, 0,
			  "a\\xe2\\x80\\xa8" "b\\xe2\\x80\\xa9" "c\xe2\x80\xa7"));
	CU_ASSERT(safe_is("caf\xc3\xa9 \xe6\x97\xa5", 9, 0,
			  "caf\xc3\xa9 \xe6\x97\xa5"));
	CU_ASSERT(safe_is("<script>", 8, 0, "<script>"));
	/* cuts: at most max bytes, "..." after a whole character */
	CU_ASSERT(safe_is("abcdefghij", 10, 10, "abcdefghij"));
	CU_ASSERT(safe_is("abcdefghijk", 11, 10, "abcdefg..."));
	CU_ASSERT(safe_is("abcde\xc3\xa9xyzw", 11, 10, "abcde\xc3\xa9..."));
	CU_ASSERT(safe_is("abcdef\xc3\xa9xyzw", 12, 10, "abcdef..."));
	CU_ASSERT(safe_is("ab\x01\x02\x03\x04", 6, 12, "ab\\x01..."));
	/* max below 8 means 8 */
	CU_ASSERT(safe_is("abcdefghijk", 11, 2, "abcde..."));
}

static void test_json(void)
{
	CU_ASSERT(json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\""));
	CU_ASSERT(json_is("</script><!--&", 14,
			  "\"\\u003c/script\\u003e\\u003c!--\\u0026\""));
	CU_ASSERT(json_is("\n\x01\x7f", 3, "\"\\u000a\\u0001\\u007f\""));
	CU_ASSERT(json_is("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\""));
	CU_ASSERT(json_is("\xff" "a\xc3\xa9", 4, "\"\\ufffda\xc3\xa9\""));
	CU_ASSERT(json_is("", 0, "\"\""));
}

static void test_numbers(void)
{
	char b[40];

	CU_ASSERT_STRING_EQUAL(hs_text_human(512, b, sizeof(b)), "512 B");
	CU_ASSERT_STRING_EQUAL(hs_text_human(1536, b, sizeof(b)), "1.50 KiB");
	CU_ASSERT_STRING_EQUAL(hs_text_human(12900000, b, sizeof(b)), "12.3 MiB");
	CU_ASSERT_STRING_EQUAL(hs_text_commas(12345678, b, sizeof(b)), "12,345,678");
	CU_ASSERT_STRING_EQUAL(hs_text_commas(0, b, sizeof(b)), "0");
	CU_ASSERT_STRING_EQUAL(hs_text_iso8601(1764255600123ull, b, sizeof(b)),
			       "2025-11-27T15:00:00.123Z");
	CU_ASSERT_STRING_EQUAL(hs_text_iso8601(UINT64_MAX, b, sizeof(b)),
			       "@18446744073709551615 ms");
}

static void test_appendf(void)
{
	hs_buf b = HS_BUF_INIT;
	char big[600];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT(hs_text_appendf(&b, "%d-", 42) == 0);
	CU_ASSERT(hs_text_appendf(&b, "%s", big) == 0);
	CU_ASSERT_EQUAL(b.len, 3 + sizeof(big) - 1);
	CU_ASSERT(memcmp(b.data, "42-xxx", 6) == 0);
	hs_buf_release(&b);
}

HS_SUITE(text, HS_TEST(test_safe), HS_TEST(test_json), HS_TEST(test_numbers),
	 HS_TEST(test_appendf))
