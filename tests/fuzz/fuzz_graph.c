/*
 * fuzz_graph.c - libFuzzer target: the input is a whole .snap (or records
 * in fuzz_records' form, wrapped into one), loaded by
 * hs_graph_load() (through a memfd), then every accessor a tool uses and
 * the analyses (dominators, paths, referrers) run over it with their
 * results checked for consistency (entries.h, hs_fuzz_graph).
 */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return hs_fuzz_graph(data, size);
}
