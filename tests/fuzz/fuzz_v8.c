/*
 * fuzz_v8.c - libFuzzer target: the input is a V8 heap snapshot (JSON or
 * gzip), imported by hs_v8_import_sink() as dumpconv and the tools do;
 * an accepted input must give a .snap the reader and the graph loader
 * take whole (entries.h, hs_fuzz_v8).
 */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return hs_fuzz_v8(data, size);
}
