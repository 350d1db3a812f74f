/*
 * buf.c - hs_buf, a growable byte buffer, and the memory sink over it.
 * Growth doubles, with an overflow check on every size sum.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "vec.h"

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
	HS_RETURN_ERROR_IF(len > SIZE_MAX - b->len, HS_ENOMEM,
			   "buffer size overflow");
	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&b->data, &b->cap,
				       b->len + len, 1) < 0, HS_ENOMEM,
			   "out of memory growing a buffer to %zu bytes",
			   b->len + len);
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
