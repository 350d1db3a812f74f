/*
 * buf.c - hs_buf, a growable byte buffer, and the memory sink over it.
 * Growth doubles, with an overflow check on every size sum.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"

void hs_buf_init(hs_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void hs_buf_release(hs_buf *b)
{
	free(b->data);
	hs_buf_init(b);
}

int hs_buf_append(hs_buf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len) {
		size_t need, cap;
		unsigned char *p;

		HS_RETURN_ERROR_IF(len > SIZE_MAX - b->len, HS_ENOMEM,
				   "buffer size overflow");
		need = b->len + len;
		cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		p = realloc(b->data, cap);
		HS_RETURN_ERROR_IF(!p, HS_ENOMEM, "out of memory growing a "
				   "buffer to %zu bytes", cap);
		b->data = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static int buf_sink_write(const void *data, size_t len, void *payload)
{
	return hs_buf_append(payload, data, len);
}

hs_sink hs_buf_sink(hs_buf *b)
{
	hs_sink s = { b, buf_sink_write };
	return s;
}
