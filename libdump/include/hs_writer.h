/*
 * hs_writer.h - streams a heap's object graph into a .snap file.
 *
 * Records are packed with msgpack into a frame buffer; each time the buffer
 * holds frame_size bytes it is compressed as one independent zstd frame and
 * written out, by default on a helper thread while the caller fills a
 * second buffer.  Memory is therefore bounded whatever the heap's size:
 *
 *     2 x (frame_size + HS_RECORD_MAX)      (the record buffers; 1 x
 *                                            with threads = 0)
 *   + ZSTD_compressBound(frame_size + HS_RECORD_MAX)  (a compressed frame)
 *   + zstd's compression context            (about 1.3 MiB at level 2)
 *   + 48 to 96 bytes per frame written      (the trailer's frame index,
 *                                            which doubles as it grows)
 *
 * which is about 6.5 MiB with the defaults (hs_writer_memory() reports
 * it).
 *
 * A writer opened on a path writes PATH.tmp and renames it to PATH in
 * hs_writer_close(); on any error, or hs_writer_abort(), PATH.tmp is
 * removed and PATH is left as it was.  A PATH that is a character device
 * or a FIFO is written directly, and one that is a directory, a socket or
 * a block device refused (hs_outfile.h).  The writer keeps no global state: a
 * program may run several, each from one thread at a time.
 *
 * Typical use:
 *
 *     hs_writer_options o = HS_WRITER_OPTIONS_INIT;
 *     hs_header h = HS_HEADER_INIT;
 *     h.runtime = "myprog";
 *     if (hs_writer_open(&w, "x.snap", &o, &h) < 0) ... hs_error_last() ...
 *     hs_writer_type(&t, w, "node", 4);
 *     hs_writer_object(w, &obj);  ...
 *     hs_writer_root(w, id, "global", "my_list");
 *     if (hs_writer_close(w) < 0) ...
 */
#ifndef HS_WRITER_H
#define HS_WRITER_H

#include "hs_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest type name, string, root kind or label, in bytes. */
#define HS_STRING_MAX (64u * 1024)
/** References an object record holds before the writer continues them in
 *  refs records (the format's "refs" record). */
#define HS_REFS_PER_RECORD 16384u
/** Upper bound of one packed record's size. */
#define HS_RECORD_MAX (HS_REFS_PER_RECORD * 16u + 3u * HS_STRING_MAX + 256u)
/** Largest frame_size a writer accepts (readers accept 4x more). */
#define HS_FRAME_SIZE_MAX (16u << 20)

typedef struct hs_writer hs_writer;

typedef struct {
	unsigned version;      /**< HS_WRITER_OPTIONS_VERSION */
	int level;             /**< zstd level, 1..19; default 2 (FORMAT.md,
	                            "Rationale": 1.6x level 3's speed for
	                            4% more bytes) */
	size_t frame_size;     /**< record bytes per frame before compression;
	                            4 KiB..HS_FRAME_SIZE_MAX, default 1 MiB */
	hs_ref_mode ref_mode;  /**< default HS_REFS_BY_ID */
	size_t max_preview;    /**< previews are cut to this many bytes;
	                            default 64, at most HS_STRING_MAX */
	int sync;              /**< fsync the file before renaming it */
	unsigned file_mode;    /**< permissions of the new file; default 0600,
	                            since a heap holds the program's secrets */
	unsigned threads;      /**< 1 (default): compress and write full
	                            frames on a helper thread while the caller
	                            fills a second buffer; 0: on the caller's
	                            thread, with one buffer */
} hs_writer_options;

#define HS_WRITER_OPTIONS_VERSION 1
#define HS_WRITER_OPTIONS_INIT \
	{ HS_WRITER_OPTIONS_VERSION, 2, 1u << 20, HS_REFS_BY_ID, 64, 0, 0600, 1 }

/**
 * hs_writer_open() : create PATH.tmp (or open PATH itself, a device or a
 * FIFO: hs_outfile_open()) and write the file's start and header.
 * @param[out] out  the new writer; pair with hs_writer_close() or
 *                  hs_writer_abort().
 * @param opts      NULL for the defaults.
 * @return 0, HS_EINVAL (bad option), HS_EIO (cannot create, or PATH or
 *         PATH.tmp is something not to write), HS_ENOMEM.
 */
HS_API int hs_writer_open(hs_writer **out, const char *path,
			  const hs_writer_options *opts, const hs_header *hdr);

/**
 * hs_writer_open_sink() : as hs_writer_open(), into a sink.  name is used
 * in messages only.  Nothing is renamed or removed on error.
 */
HS_API int hs_writer_open_sink(hs_writer **out, hs_sink sink, const char *name,
			       const hs_writer_options *opts, const hs_header *hdr);

/**
 * hs_writer_type() : declare a type name.
 * @param[out] out  its index (0, 1, 2... in call order), for hs_object.type.
 * @return 0, HS_EINVAL (name longer than HS_STRING_MAX), HS_EIO.
 */
HS_API int hs_writer_type(uint32_t *out, hs_writer *w, const char *name, size_t len);

/**
 * hs_writer_type_id() : declare a type that is itself an object of the
 * dump (a Python class): as hs_writer_type(), and the record gives that
 * object's id.  Two types may have one name (classes made per call); the
 * tools merge them by name unless asked to split them, and then tell
 * them apart by this id.
 * @return as hs_writer_type().
 */
HS_API int hs_writer_type_id(uint32_t *out, hs_writer *w, const char *name,
			     size_t len, uint64_t id);

/**
 * hs_writer_type_flags() : as hs_writer_type_id() (no id when id is NULL),
 * with HS_TYPE_* flags in the record, e.g. HS_TYPE_SEQUENCE for a type
 * whose objects list their items in order and leave them unlabelled.
 * @return as hs_writer_type(); HS_EINVAL for an unknown flag bit.
 */
HS_API int hs_writer_type_flags(uint32_t *out, hs_writer *w, const char *name,
				size_t len, const uint64_t *id, unsigned flags);

/**
 * hs_writer_string() : declare a label string (a field name, a dict key).
 * @param[out] out  its index (0, 1, 2... in call order), for labels.
 */
HS_API int hs_writer_string(uint32_t *out, hs_writer *w, const char *s, size_t len);

/**
 * hs_writer_site() : declare an allocation site: nframes frames of
 * (file string index, line, function string index), innermost first.
 * @param[out] out  its index (0, 1, 2... in call order), for hs_object.site.
 */
HS_API int hs_writer_site(uint32_t *out, hs_writer *w, const uint32_t *files,
			  const uint32_t *lines, const uint32_t *funcs, size_t nframes);

/**
 * hs_writer_object() : write one object.  An object with more than
 * HS_REFS_PER_RECORD references is written as one object record and
 * refs records.  Types, strings and sites must be declared first.
 * @return 0, HS_EINVAL (undeclared type), HS_EIO, HS_ENOMEM.
 */
HS_API int hs_writer_object(hs_writer *w, const hs_object *obj);

/**
 * hs_writer_object_sized() : as hs_writer_object(), with the runtime's
 * own figure for the object's size beside obj->size (what it costs):
 * Python's sys.getsizeof, which leaves out an instance's values array.
 * Written only when it differs from obj->size (and is not 0).
 */
HS_API int hs_writer_object_sized(hs_writer *w, const hs_object *obj,
				  uint64_t rt_size);

/**
 * hs_writer_refs() : append references to the last object written, for
 * callers that stream a huge container's references in parts.
 * labels and flags may be NULL.
 */
HS_API int hs_writer_refs(hs_writer *w, const uint64_t *refs, const uint32_t *labels,
			  const uint8_t *flags, size_t n);

/**
 * hs_writer_root() : declare a root: an object held from outside the
 * graph.  kind is a short word ("module", "frame", "global", "refcount",
 * ...); label may be NULL; ref follows the writer's ref_mode.
 * extra is a kind-specific count (the refcount surplus for "refcount").
 */
HS_API int hs_writer_root(hs_writer *w, uint64_t ref, const char *kind,
			  const char *label, uint64_t extra);

/**
 * hs_writer_close() : write the end record and the trailer, rename PATH.tmp
 * to PATH, and free the writer (also on error; PATH.tmp is then removed).
 * NULL-safe.
 * @return 0, HS_EIO.
 */
HS_API int hs_writer_close(hs_writer *w);

/** hs_writer_abort() : discard everything, remove PATH.tmp, free.  NULL-safe. */
HS_API void hs_writer_abort(hs_writer *w);

/** hs_writer_memory() : bytes this writer holds (the bound above). */
HS_API size_t hs_writer_memory(const hs_writer *w);

/** hs_writer_count() : objects written so far (the next object's index). */
HS_API uint64_t hs_writer_count(const hs_writer *w);

#ifdef __cplusplus
}
#endif
#endif
