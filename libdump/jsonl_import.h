/*
 * jsonl_import.h - what the two halves of the JSON-lines import share
 * (internal): jsonl_parse.c lexes one line into a line_t with json.c,
 * jsonl_import.c checks its fields and writes the record.
 */
#ifndef HS_JSONL_IMPORT_H
#define HS_JSONL_IMPORT_H

#include <stdint.h>

#include "hs_jsonl.h"
#include "json.h"

/* The keys the format knows; any other key's value is skipped. */
enum {
	F_KIND, F_FORMAT, F_VERSION, F_RUNTIME, F_RUNTIME_VERSION, F_PID,
	F_TIME_MS, F_REASON, F_WORD_SIZE, F_REFS, F_INDEX, F_NAME, F_VALUE,
	F_FRAMES, F_ID, F_TYPE, F_SIZE, F_LABELS, F_FLAGS, F_PREVIEW, F_SITE,
	F_ROOT_KIND, F_LABEL, F_EXTRA, F_OWNER, F_COUNT
};

extern const char *const hs_jl_field_names[F_COUNT];

/* Bytes in the line's arena: offset and length (NUL-terminated there). */
typedef struct {
	size_t off, len;
} text_t;

/* A label or site name as parsed: a string index, none, or a text
 * (TXT_BIT | its number in line_t.txt) to intern. */
#define LBL_NONE UINT64_MAX
#define TXT_BIT (1ull << 62)

/* One line's fields. */
typedef struct {
	uint32_t have;              /* bit per F_* present */
	uint64_t line;
	uint64_t col[F_COUNT];      /* column of each field's value */
	text_t t[F_COUNT];          /* text fields */
	uint64_t u[F_COUNT];        /* integer fields */
	int is_text[F_COUNT];       /* F_TYPE, F_REFS: given as text */
	int is_null[F_COUNT];       /* F_LABEL, F_SITE: null */
	uint64_t *refs;
	size_t nrefs, rcap;
	uint64_t *labels;           /* LBL_NONE, TXT_BIT|k, or an index */
	size_t nlabels, lcap;
	uint8_t *flags;
	size_t nflags, fcap;
	uint64_t *frames;           /* triples: file, line, func */
	size_t nframes, frcap;      /* uint64s used */
	text_t *txt;
	size_t ntxt, tcap;
	hs_value preview;
	text_t pv;
	char *arena;
	size_t alen, acap;
	uint32_t *lbl32;            /* resolved labels for the writer */
	size_t l32cap;
} line_t;

/* Declared names (types or strings) by text, to intern names given as
 * text: open addressing over (hash, offset, length, index). */
typedef struct {
	uint64_t h;
	size_t off;
	uint32_t len;
	uint32_t idx1;  /* index + 1; 0 = empty slot */
} slot_t;

typedef struct {
	char *data;
	size_t len, cap;
	slot_t *slots;
	size_t nslots, used;
	uint32_t n;     /* declared so far (the next index) */
} strtab_t;

typedef struct {
	hs_json j;
	const char *name;
	const char *path;      /* or NULL: write into sink */
	hs_sink sink;
	const char *out_name;
	hs_writer_options o;
	hs_writer *w;
	int have_header;
	strtab_t types, strings;
	uint32_t nsites;
	uint64_t last_owner;
	int have_last;
	line_t L;
	hs_jsonl_stats *st;
	hs_jsonl_stats own;     /* when the caller wants none */
} importer;

/* hs_jl_parse_line() : lex one line into im->L.  @return 1 (a record),
 * 0 (a blank line), HS_ITEROVER (end of input) or an error. */
int hs_jl_parse_line(importer *im);

/* hs_jl_line_free() : free a line_t's arrays. */
void hs_jl_line_free(line_t *L);

/* hs_jl_fail() : an error about the current line's field f
 * (column of its value), or about the whole line when f < 0. */
int hs_jl_fail(importer *im, int f, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* hs_jl_oom() : "NAME: line L: out of memory". */
int hs_jl_oom(importer *im);

/* The bytes of a text of the current line (NUL-terminated). */
static inline const char *hs_jl_text(const importer *im, text_t t)
{
	return im->L.arena + t.off;
}

#endif
