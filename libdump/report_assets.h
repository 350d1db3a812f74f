/*
 * report_assets.h - the report page's two halves (internal), generated at
 * build time into build/gen/report_assets.c by libdump/report/embed.js
 * from libdump/report/page.html, page.css, page.js and d3-hierarchy.
 * The report's JSON goes between them.
 */
#ifndef HS_REPORT_ASSETS_H
#define HS_REPORT_ASSETS_H

#include <stddef.h>

extern const char hs_report__page_head[];
extern const size_t hs_report__page_head_len;
extern const char hs_report__page_tail[];
extern const size_t hs_report__page_tail_len;

#endif
