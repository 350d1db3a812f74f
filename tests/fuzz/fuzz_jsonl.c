/*
 * fuzz_jsonl.c - libFuzzer target: the input is JSON lines
 * (format/JSONL.md), imported by hs_jsonl_import_sink() as dumpconv does;
 * an accepted input must give a readable .snap that survives a round
 * trip through export (entries.h, hs_fuzz_jsonl).
 */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return hs_fuzz_jsonl(data, size);
}
