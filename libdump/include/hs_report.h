/*
 * hs_report.h - one snapshot (or two) gathered into a report: a single
 * self-contained HTML page (header, dominator treemap, type table with
 * each type's biggest instances and their root paths, unreachable
 * objects, allocation sites, and for two snapshots what grew and who
 * holds it) or a Markdown summary of at most HS_REPORT_MD_MAX bytes for a
 * bug report or an agent.  The library behind `dumpreport`.
 *
 * hs_report_new() runs the analyses the other tools run - the type
 * summary (hs_types.h), the dominator tree's largest retainers
 * (hs_dom.h), shortest root paths (hs_paths.h), allocation sites
 * (hs_sites.h) and the diff (hs_diff.h) - and keeps only the top of each
 * view: the dominator tree down to a retained-size cut-off (what is
 * below it is summed per node), the largest types, the biggest instances
 * of the largest types.  The page is therefore a few MB at most whatever
 * the dump's size.  Memory while gathering: the paths' 4 bytes per object
 * (hs_paths_new) plus what is kept, a few MB.
 *
 * Every string from a dump is hostile.  The report holds only text made
 * safe by hs_text_safe() and cut to a bounded length; the HTML embeds it
 * as JSON escaped for a <script> element (hs_text_json()) and the page's
 * script puts it in the document as text, never as markup.  The page
 * fetches nothing: its script (with d3-hierarchy, inlined at build time)
 * and styles are in the file, and its Content-Security-Policy forbids
 * any other script and any network access.
 *
 * With redact, the report reveals no more than a redacted capture holds:
 * no value previews, no reference label that is not an identifier or an
 * index (a dict key's text is shown as "[...]"), and file names without
 * their directories.
 *
 * The graphs and trees must outlive the report.  Gathering reads labels
 * and previews through the graphs (not thread-safe for one graph).
 */
#ifndef HS_REPORT_H
#define HS_REPORT_H

#include "hs_dom.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The Markdown summary's hard limit, in bytes. */
#define HS_REPORT_MD_MAX 5120u

typedef struct {
	unsigned version;         /**< HS_REPORT_OPTIONS_VERSION */
	int redact;               /**< see the top of this file */
	size_t tree_nodes;        /**< dominator-tree nodes embedded at most
	                               (largest retained first); 0 = 20000 */
	uint64_t tree_min;        /**< nodes retaining less are summed into
	                               their parent; 0 = none (tree_nodes
	                               alone makes the cut) */
	size_t types;             /**< rows of the type tables; 0 = 2000 */
	size_t instance_types;    /**< types listed with their biggest
	                               instances; 0 = 100 */
	size_t instances;         /**< instances per such type; 0 = 8 */
	size_t node_paths;        /**< largest tree nodes given a root path;
	                               0 = 300 */
	/** called as each step begins ("computing root paths"), for
	 *  progress; NULL: none */
	void (*step)(const char *what, void *payload);
	void *payload;
} hs_report_options;

#define HS_REPORT_OPTIONS_VERSION 1
#define HS_REPORT_OPTIONS_INIT \
	{ HS_REPORT_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, NULL, NULL }

typedef struct hs_report hs_report;

/**
 * hs_report_new() : gather the report of g (with its tree d), and when
 * old_g is not NULL, of what changed from old_g (with old_d) to g.
 * @param names     the names to show for the files: names[0] for g,
 *                  names[1] for old_g (NULL: the graphs' paths).
 * @param[out] out  pair with hs_report_free().
 * @param opts      NULL for the defaults.
 * @return 0, HS_ENOMEM, HS_EINVAL (options), or what reading labels,
 *         previews and sites from the files returns (HS_EIO,
 *         HS_ECORRUPT: a file changed or went away).
 */
HS_API int hs_report_new(hs_report **out, hs_graph *g, hs_dom *d,
			 hs_graph *old_g, hs_dom *old_d,
			 const char *const names[2],
			 const hs_report_options *opts);

/** hs_report_free() : NULL-safe. */
HS_API void hs_report_free(hs_report *r);

/**
 * hs_report_html() : write the HTML page to sink.
 * @return 0, HS_ENOMEM, or the sink's error.
 */
HS_API int hs_report_html(hs_report *r, hs_sink sink);

/**
 * hs_report_json() : write the report's data alone, the JSON object the
 * page embeds (schema "heapsnap.report/1", doc/report.md), escaped as
 * for a <script> element (valid JSON all the same).
 * @return 0, HS_ENOMEM, or the sink's error.
 */
HS_API int hs_report_json(hs_report *r, hs_sink sink);

/**
 * hs_report_markdown() : write the Markdown summary to sink: at most
 * HS_REPORT_MD_MAX bytes, whatever the dump holds (long names and paths
 * are cut, rows dropped from the end, until it fits).
 * @return 0, HS_ENOMEM, or the sink's error.
 */
HS_API int hs_report_markdown(hs_report *r, hs_sink sink);

#ifdef __cplusplus
}
#endif
#endif
