/*
 * fuzz_reader.c - libFuzzer target: the input is a whole .snap file,
 * read by hs_reader_open_mem(), hs_reader_next() to the end, integrity,
 * hs_reader_scan() on 2 threads, and again in strict mode (entries.h,
 * hs_fuzz_reader).  Mutations of compressed bytes mostly exercise the
 * frame and trailer layer; fuzz_records.c reaches the records.
 */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return hs_fuzz_reader(data, size);
}
