/*
 * classes.c - naming and selecting types that share a name (see
 * hs_classes.h).
 *
 * Load: nothing kept; a selection is one byte per type, found by one pass
 * over the type names.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_classes.h"

int hs_class_name(hs_buf *out, const hs_graph *g, uint32_t type, int split)
{
	hs_str name = hs_graph_type_name(g, type);
	char num[48];
	uint64_t id;

	if (name.len) {
		HS_FORWARD_IF_ERROR(hs_buf_append(out, name.ptr, name.len));
	} else {
		snprintf(num, sizeof(num), "<type %" PRIu32 ">", type);
		HS_FORWARD_IF_ERROR(hs_buf_append(out, num, strlen(num)));
	}
	if (!split || hs_graph_type_classes(g, type) < 2)
		return 0;
	if (hs_graph_type_id(&id, g, type) == 0)
		snprintf(num, sizeof(num), "@0x%" PRIx64, id);
	else
		snprintf(num, sizeof(num), "#%" PRIu32, type);
	return hs_buf_append(out, num, strlen(num));
}

static int name_is(hs_str name, const char *s, size_t len)
{
	return name.len == len && (!len || memcmp(name.ptr, s, len) == 0);
}

/* "0x1a2b" (or decimal) into *v; the whole text must be a number. */
static int parse_u64(const char *s, size_t len, uint64_t *v)
{
	char buf[32], *end;

	if (!len || len >= sizeof(buf) || s[0] == '-' || s[0] == '+' ||
	    s[0] == ' ')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*v = strtoull(buf, &end, 0);
	return *end ? -1 : 0;
}

int hs_class_select(uint8_t **out, uint32_t *ntypes, const hs_graph *g,
		    const char *spec)
{
	uint32_t nt = hs_graph_type_count(g), first, n = 0;
	size_t len = strlen(spec);
	uint8_t *sel;

	*out = NULL;
	*ntypes = 0;
	sel = calloc((size_t)nt + 1, 1);
	HS_RETURN_ERROR_IF(!sel, HS_ENOMEM, "%s: out of memory for %" PRIu32
			   " types", hs_graph_path(g), nt);
	first = hs_graph_type_find(g, spec);
	if (first != HS_GRAPH_NONE) {
		for (uint32_t t = first; t < nt; t++)
			if (hs_graph_type_first(g, t) == first) {
				sel[t] = 1;
				n++;
			}
	} else {
		/* NAME@0xID or NAME#INDEX: the name is before the last mark */
		const char *at = strrchr(spec, '@'), *hash = strrchr(spec, '#');
		const char *mark = at > hash ? at : hash;
		uint64_t v;

		if (mark && parse_u64(mark + 1, len - (size_t)(mark - spec) - 1,
				      &v) == 0) {
			size_t nlen = (size_t)(mark - spec);

			for (uint32_t t = 0; t < nt; t++) {
				uint64_t id;

				if (!name_is(hs_graph_type_name(g, t), spec,
					     nlen))
					continue;
				if (mark == at ? hs_graph_type_id(&id, g, t) ==
						 0 && id == v
					       : t == v) {
					sel[t] = 1;
					n++;
				}
			}
		}
	}
	if (!n) {
		free(sel);
		return hs_error_set(HS_ENOTFOUND, "%s: no type named '%s'",
				    hs_graph_path(g), spec);
	}
	*out = sel;
	*ntypes = n;
	return 0;
}
