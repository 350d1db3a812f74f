/*
 * fuzz_records.c - libFuzzer target for the record layer: the input is
 * raw msgpack records, which this harness wraps into a well-formed .snap
 * (start frame, zstd data frames, optionally a trailer indexing them) so
 * that mutations reach the record parser instead of dying in zstd's
 * checks.  Then the same checks as fuzz_reader (hs_fuzz_reader).
 *
 * Input: one control byte, then the frames' raw bytes separated by the
 * 4 bytes C1 'H' 'S' 'F' (0xc1 is never used by msgpack).
 *   control bit 0: frames declare their content size
 *   control bit 1: append a trailer (frame offsets and sizes right,
 *                  counts taken from the control byte's upper bits)
 * Load: about 3x the input (frames, compressed copy).
 */
#include "entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return hs_fuzz_records(data, size);
}
