/*
 * synth_shapes.c - the shapes of hs_synth's heaps (hs_synth.h): per shape
 * its types (name, weight, kind, references, sizes), its roots, and for
 * the python shape the string vocabulary its labels use.
 *
 * Load: constant tables only.
 */
#include <string.h>

#include "error.h"
#include "synth_internal.h"

static const type_spec service_types[] = {
	{ "string", 1100, K_PLAIN, 0, 0, 24, 64, 0, 0 },
	{ "bytes", 350, K_PLAIN, 0, 0, 16, 64, 0, 0 },
	{ "Integer", 350, K_PLAIN, 0, 0, 16, 16, 0, 0 },
	{ "Long", 200, K_PLAIN, 0, 0, 24, 24, 0, 0 },
	{ "sync.Mutex", 100, K_PLAIN, 0, 0, 16, 24, 0, 0 },
	{ "io.Buffer", 50, K_BUFFER, 0, 1, 1024, 102400, 0, 0 },
	{ "HashMap.Entry", 1400, K_PLAIN, 3, 4, 32, 48, 0, 0 },
	{ "HashMap", 300, K_PLAIN, 4, 12, 48, 48, 0, 0 },
	{ "ArrayList", 300, K_PLAIN, 2, 14, 24, 40, 0, 0 },
	{ "Object[]", 400, K_ARRAY, 2, 18, 16, 0, 0, 0 },
	{ "app.Request", 300, K_PLAIN, 4, 12, 48, 96, 0, 0 },
	{ "app.Response", 250, K_PLAIN, 3, 8, 40, 80, 0, 0 },
	{ "app.User", 300, K_PLAIN, 4, 9, 48, 96, 0, 0 },
	{ "app.Session", 250, K_PLAIN, 3, 7, 40, 64, 0, 0 },
	{ "cache.Entry", 350, K_CACHE, 3, 3, 40, 40, 0, 0 },
	{ "cache.LRU", 20, K_PLAIN, 4, 8, 64, 64, 0, 0 },
	{ "log.Record", 300, K_PLAIN, 3, 8, 48, 64, 0, 0 },
	{ "db.Row", 400, K_PLAIN, 4, 12, 32, 64, 0, 0 },
	{ "db.ResultSet", 50, K_PLAIN, 4, 12, 64, 96, 0, 0 },
	{ "db.Connection", 10, K_PLAIN, 5, 9, 128, 256, 0, 0 },
	{ "json.Object", 400, K_PLAIN, 3, 11, 40, 48, 0, 0 },
	{ "json.Array", 200, K_ARRAY, 2, 10, 16, 0, 0, 0 },
	{ "json.String", 300, K_PLAIN, 1, 1, 24, 64, 0, 0 },
	{ "http.Header", 350, K_PLAIN, 2, 2, 32, 32, 0, 0 },
	{ "http.Client", 10, K_PLAIN, 4, 8, 96, 160, 0, 0 },
	{ "metrics.Counter", 100, K_PLAIN, 1, 2, 24, 32, 0, 0 },
	{ "metrics.Histogram", 30, K_PLAIN, 2, 3, 256, 1024, 0, 0 },
	{ "thread.Thread", 3, K_PLAIN, 4, 8, 256, 512, 0, 0 },
	{ "timer.Task", 100, K_PLAIN, 2, 4, 48, 48, 0, 0 },
	{ "event.Handler", 120, K_PLAIN, 2, 4, 32, 40, 0, 0 },
	{ "config.Option", 50, K_PLAIN, 2, 3, 40, 40, 0, 0 },
	{ "proto.Message", 300, K_PLAIN, 3, 11, 48, 96, 0, 0 },
	{ "tls.Session", 7, K_PLAIN, 3, 5, 256, 512, 0, 0 },
	{ "net.Socket", 10, K_PLAIN, 3, 5, 96, 160, 0, 0 },
	{ "list.Node", 0, K_NODE, 2, 2, 32, 32, 0, 0 },
	{ "HashMap.Table", 0, K_TABLE, 0, 0, 16, 0, 0, 0 },
	{ "app.SessionMap", 0, K_OWNER, 4, 8, 64, 64, 0, 0 },
};
/* Python's string records: attribute names (fixed ranges used by K_ATTRS
 * types), then instance attributes, then dict keys. */
const char *const hs_synth__py_vocab[] = {
	"__code__", "__globals__", "__name__", "__defaults__",      /* 0 */
	"co_consts", "co_names", "co_filename", "co_qualname",      /* 4 */
	"cell_contents",                                            /* 8 */
	"__func__", "__self__",                                     /* 9 */
	"__dict__", "__mro__", "__base__", "__module__", "__doc__", /* 11 */
	"next", "value",                                            /* 16 */
	/* instance attributes: 18.. */
	"user", "id", "name", "email", "token", "created_at", "expires",
	"data", "payload", "headers", "body", "status", "method", "path",
	"query", "session", "cache", "config", "handler", "parent",
	"children", "items", "timeout", "retries", "logger", "db", "conn",
	"request", "response", "callback",
	/* dict keys: 48.. */
	"id", "name", "type", "value", "items", "data", "user_id", "status",
	"created", "updated", "url", "host", "port", "timeout", "version",
	"tags", "meta", "count", "total", "error", "message", "code",
	"result", "args", "kwargs", "key", "default", "enabled", "level",
	"format",
};

const size_t hs_synth__py_vocab_n =
	sizeof(hs_synth__py_vocab) / sizeof(hs_synth__py_vocab[0]);

static const type_spec python_types[] = {
	{ "str", 3000, K_STR, 0, 0, 49, 0, 0, 0 },
	{ "int", 1600, K_INT, 0, 0, 28, 36, 0, 0 },
	{ "float", 300, K_FLOAT, 0, 0, 24, 24, 0, 0 },
	{ "bytes", 200, K_BYTES, 0, 0, 33, 0, 0, 0 },
	{ "tuple", 900, K_ARRAY, 1, 3, 40, 0, 0, 0 },
	{ "list", 450, K_ARRAY, 0, 6, 56, 0, 0, 0 },
	{ "dict", 800, K_DICT, 1, 5, 64, 0, 0, 0 },
	{ "set", 60, K_PLAIN, 0, 4, 216, 216, 0, 0 },
	{ "function", 350, K_ATTRS, 2, 4, 152, 152, 0, 4 },
	{ "code", 300, K_ATTRS, 2, 4, 160, 400, 4, 4 },
	{ "cell", 100, K_ATTRS, 1, 1, 40, 40, 8, 1 },
	{ "method", 80, K_ATTRS, 2, 2, 48, 48, 9, 2 },
	{ "type", 30, K_ATTRS, 3, 5, 1064, 1064, 11, 5 },
	{ "module", 5, K_ATTRS, 1, 1, 72, 72, 11, 1 },
	{ "weakref", 60, K_WEAKREF, 1, 1, 80, 80, 0, 0 },
	{ "app.Session", 150, K_INST, 2, 5, 56, 56, 0, 0 },
	{ "app.User", 80, K_INST, 2, 5, 56, 56, 0, 0 },
	{ "app.Request", 80, K_INST, 3, 6, 56, 56, 0, 0 },
	{ "app.Node", 0, K_NODE, 2, 2, 56, 56, PY_LABEL_NEXT, 2 },
	{ "list", 0, K_TABLE, 0, 0, 56, 0, 0, 0 },
	{ "dict", 0, K_OWNER, 4, 8, 64, 0, 0, 0 },
};

static const type_spec bench4_types[] = {
	{ "bench.T0", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T1", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T2", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T3", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T4", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T5", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T6", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T7", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "app.SessionMap", 0, K_OWNER, 3, 5, 64, 64, 0, 0 },
};

static const root_spec service_roots[] = {
	{ "global", "app.config", 1, 0 },
	{ "thread", "main", 2, 0 },
	{ "thread", "worker-1", 5, 0 },
	{ "thread", "worker-2", 9, 0 },
	{ "stack", "main: Server.run", 11, 0 },
	{ "jni", "epoll loop", 13, 0 },
	{ "global", "metrics.registry", 15, 0 },
};

static const root_spec python_roots[] = {
	{ "module", "sys.modules['app']", 0, 0 },
	{ "module", "sys.modules['__main__']", 3, 0 },
	{ "frame", "MainThread: app.py:42 serve", 6, 0 },
	{ "frame", "Thread-1: worker.py:17 run", 10, 0 },
	{ "refcount", NULL, 12, 1 },
	{ "refcount", NULL, 14, 3 },
	{ "global", "builtins", 15, 0 },
};

const shape_def hs_synth__shapes[] = {
	{ "service", service_types, N_OF(service_types), service_roots,
	  N_OF(service_roots), 1, 0, 1, CLAIM_LOCAL, 0x5e41ce5e41ce0001ull },
	{ "python", python_types, N_OF(python_types), python_roots,
	  N_OF(python_roots), 1, 1, 0, CLAIM_ALL, 0x9e7409e7409e0002ull },
	{ "bench4", bench4_types, N_OF(bench4_types), NULL, 0, 0, 0, 0,
	  CLAIM_NONE, 0xbe4c4be4c4be0003ull },
};

const size_t hs_synth__nshapes = N_OF(hs_synth__shapes);

int hs_synth_shape_parse(hs_synth_shape *out, const char *name)
{
	for (size_t i = 0; name && i < hs_synth__nshapes; i++)
		if (strcmp(hs_synth__shapes[i].name, name) == 0) {
			*out = (hs_synth_shape)i;
			return 0;
		}
	return hs_error_set(HS_EINVAL, "synth: unknown shape \"%s\" "
			    "(service, python or bench4)", name ? name : "");
}

const char *hs_synth_shape_name(hs_synth_shape shape)
{
	return (unsigned)shape < hs_synth__nshapes
	       ? hs_synth__shapes[shape].name : "unknown";
}

