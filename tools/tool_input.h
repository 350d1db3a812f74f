/*
 * tool_input.h - what the tools accept besides a .snap: a V8 heap
 * snapshot (.heapsnapshot, .heapsnapshot.gz, .heaptimeline, or any file
 * whose first bytes say so), imported on the fly (hs_v8.h) into a
 * temporary .snap that has no name - an O_TMPFILE in $TMPDIR, opened as
 * /proc/self/fd/N - so that nothing is left behind however the tool
 * ends.  The conversion costs about what `dumpconv` does; convert once
 * with dumpconv when a snapshot is analysed repeatedly.
 */
#ifndef HS_TOOL_INPUT_H
#define HS_TOOL_INPUT_H

#include "hs_v8.h"

/* tool_is_v8() : whether path is a V8 heap snapshot: by its name, else
 * by its first bytes ('-' is not).  @return 1 or 0 (also when it cannot
 * be read: opening it later says why). */
int tool_is_v8(const char *path);

/* tool_v8_header() : the header fields a .heapsnapshot does not hold,
 * from the file: the pid from Node's default name
 * (Heap.DATE.TIME.PID.THREAD.SEQ.heapsnapshot), else 0; the time from
 * its modification time.  So that `dumpdiff` matches by id only the
 * snapshots that may come from one process. */
void tool_v8_header(const char *path, hs_v8_options *o);

/* tool_input() : the .snap to open for path: path itself, or for a V8
 * heap snapshot the temporary .snap imported from it (kept until the
 * tool exits).  On failure prints "NAME: message" and returns
 * TOOL_ERROR; else 0. */
int tool_input(const char *path, const char **snap);

/* tool_input_name() : the name to show for a path tool_input() gave (the
 * user's own), or snap itself. */
const char *tool_input_name(const char *snap);

#endif
