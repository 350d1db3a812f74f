/*
 * hsbench.c - the timing probes behind bench/run.sh: generate and write a
 * synthetic heap, read a .snap record by record or frame-parallel, run
 * `zstd -dc` on it.  Each probe runs --repeat times and prints the best
 * (the machine is shared: the fastest run is the least disturbed one) as
 * "key value" lines on stdout for run.sh to put in its table.
 *
 *   hsbench write --shape S --objects N [--refs id|index] [--level L]
 *                 [--repeat R] -o F
 *       gen_wall, gen_cpu: the generator alone (hs_synth_write without a
 *       writer); write_wall, write_cpu: generator + writer into F with
 *       the writer's default options but the zstd level (a helper thread
 *       compresses), and
 *       write_caller_cpu / write_helper_cpu: that CPU time split between
 *       the calling thread (generate, pack) and the helper; objects,
 *       refs, bytes
 *   hsbench next F [--repeat R]    next_wall, next_cpu: hs_reader_next to
 *                                  the end
 *   hsbench scan F --threads T [--repeat R]
 *                                  scan_wall, scan_cpu: hs_reader_scan
 *   hsbench zstd F [--repeat R]    zstd_wall, zstd_cpu: zstd -dc F
 *                                  >/dev/null
 *
 * CPU times say what the figures would be on idle cores: the machine
 * these run on is often shared.
 *
 * Load: the reader's or writer's few MiB; the file is read from the page
 * cache (run.sh reads it once before timing).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hs_reader.h"
#include "hs_synth.h"

extern char **environ;

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usage(void)
{
	fputs("usage: hsbench write --shape S --objects N [--refs id|index] "
	      "[--level L] [--repeat R] -o FILE\n"
	      "       hsbench next FILE [--repeat R]\n"
	      "       hsbench scan FILE --threads T [--repeat R]\n"
	      "       hsbench zstd FILE [--repeat R]\n", stderr);
	return 2;
}

static int fail(const char *what)
{
	fprintf(stderr, "hsbench: %s: %s\n", what, hs_error_last());
	return 1;
}

/* Best (smallest) of each figure over the runs. */
static void keep_min(double *best, double v)
{
	if (v < *best)
		*best = v;
}

static int bench_write(const char *shape, uint64_t n, const char *refs,
		       int level, const char *out, int repeat)
{
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_synth_stats st;
	double gw = 1e30, gc = 1e30, ww = 1e30, wc = 1e30, wt = 1e30,
	       wh = 1e30;
	struct stat sb;

	if (hs_synth_shape_parse(&o.shape, shape) < 0)
		return fail("--shape");
	o.objects = n;
	o.ref_mode = strcmp(refs, "id") == 0 ? HS_REFS_BY_ID : HS_REFS_BY_INDEX;
	if (level)
		wo.level = level;
	for (int i = 0; i < repeat; i++) {
		double w0 = now(CLOCK_MONOTONIC);
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID);

		if (hs_synth_write(&st, NULL, &o) < 0)
			return fail("generate");
		keep_min(&gw, now(CLOCK_MONOTONIC) - w0);
		keep_min(&gc, now(CLOCK_PROCESS_CPUTIME_ID) - c0);
	}
	for (int i = 0; i < repeat; i++) {
		double w0 = now(CLOCK_MONOTONIC);
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		double t0 = now(CLOCK_THREAD_CPUTIME_ID);
		double c1, t1;

		if (hs_synth_write_file(&st, out, &o, &wo) < 0)
			return fail(out);
		keep_min(&ww, now(CLOCK_MONOTONIC) - w0);
		c1 = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		t1 = now(CLOCK_THREAD_CPUTIME_ID) - t0;
		keep_min(&wc, c1);
		keep_min(&wt, t1);          /* this thread: generate + pack */
		keep_min(&wh, c1 - t1);     /* the writer's helper: compress */
	}
	if (stat(out, &sb) < 0) {
		perror(out);
		return 1;
	}
	printf("objects %llu\nrefs %llu\nbytes %llu\n",
	       (unsigned long long)st.objects, (unsigned long long)st.refs,
	       (unsigned long long)sb.st_size);
	printf("gen_wall %.6f\ngen_cpu %.6f\nwrite_wall %.6f\nwrite_cpu %.6f\n"
	       "write_caller_cpu %.6f\nwrite_helper_cpu %.6f\n",
	       gw, gc, ww, wc, wt, wh);
	return 0;
}

static int bench_next(const char *path, int repeat)
{
	hs_reader *r = NULL;
	hs_record rec;
	double best = 1e30, cpu = 1e30;
	uint64_t objects = 0, refs = 0;
	int rc;

	if (hs_reader_open(&r, path, NULL) < 0)
		return fail(path);
	for (int i = 0; i < repeat; i++) {
		double t0 = now(CLOCK_MONOTONIC), t;
		double c0 = now(CLOCK_THREAD_CPUTIME_ID);

		hs_reader_rewind(r);
		objects = refs = 0;
		while ((rc = hs_reader_next(&rec, r)) == 0) {
			if (rec.kind == HS_REC_OBJECT) {
				objects++;
				refs += rec.u.object.obj.nrefs;
			} else if (rec.kind == HS_REC_REFS) {
				refs += rec.u.refs.n;
			}
		}
		if (rc != HS_ITEROVER) {
			hs_reader_free(r);
			return fail(path);
		}
		t = now(CLOCK_MONOTONIC) - t0;
		keep_min(&best, t);
		keep_min(&cpu, now(CLOCK_THREAD_CPUTIME_ID) - c0);
	}
	hs_reader_free(r);
	printf("objects %llu\nrefs %llu\nnext_wall %.6f\nnext_cpu %.6f\n",
	       (unsigned long long)objects, (unsigned long long)refs, best,
	       cpu);
	return 0;
}

/* per-worker counters, a cache line apart */
typedef struct {
	uint64_t objects, refs;
	char pad[48];
} counter;

static int count_cb(const hs_record *rec, unsigned worker, void *payload)
{
	counter *c = (counter *)payload + worker;

	if (rec->kind == HS_REC_OBJECT) {
		c->objects++;
		c->refs += rec->u.object.obj.nrefs;
	} else if (rec->kind == HS_REC_REFS) {
		c->refs += rec->u.refs.n;
	}
	return 0;
}

static int bench_scan(const char *path, unsigned threads, int repeat)
{
	hs_reader *r = NULL;
	counter c[64];
	double best = 1e30, cpu = 1e30;
	uint64_t objects = 0, refs = 0;

	if (threads < 1 || threads > 64)
		return usage();
	if (hs_reader_open(&r, path, NULL) < 0)
		return fail(path);
	for (int i = 0; i < repeat; i++) {
		double t0 = now(CLOCK_MONOTONIC), t;
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID);

		memset(c, 0, sizeof(c));
		if (hs_reader_scan(r, threads, count_cb, c) != 0) {
			hs_reader_free(r);
			return fail(path);
		}
		t = now(CLOCK_MONOTONIC) - t0;
		keep_min(&best, t);
		keep_min(&cpu, now(CLOCK_PROCESS_CPUTIME_ID) - c0);
		objects = refs = 0;
		for (unsigned k = 0; k < threads; k++) {
			objects += c[k].objects;
			refs += c[k].refs;
		}
	}
	hs_reader_free(r);
	printf("objects %llu\nrefs %llu\nscan_wall %.6f\nscan_cpu %.6f\n",
	       (unsigned long long)objects, (unsigned long long)refs, best,
	       cpu);
	return 0;
}

static int bench_zstd(const char *path, int repeat)
{
	double best = 1e30, cpu = 1e30;

	for (int i = 0; i < repeat; i++) {
		posix_spawn_file_actions_t fa;
		struct rusage ru;
		char *argv[] = { "zstd", "-q", "-dc", (char *)path, NULL };
		double t0 = now(CLOCK_MONOTONIC), t;
		pid_t pid;
		int st;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
						 0);
		if (posix_spawnp(&pid, "zstd", &fa, NULL, argv, environ) != 0) {
			posix_spawn_file_actions_destroy(&fa);
			fprintf(stderr, "hsbench: cannot run zstd\n");
			return 1;
		}
		posix_spawn_file_actions_destroy(&fa);
		if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr, "hsbench: zstd -dc %s failed\n", path);
			return 1;
		}
		t = now(CLOCK_MONOTONIC) - t0;
		keep_min(&best, t);
		keep_min(&cpu, (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
			 ((double)ru.ru_utime.tv_usec +
			  (double)ru.ru_stime.tv_usec) * 1e-6);
	}
	printf("zstd_wall %.6f\nzstd_cpu %.6f\n", best, cpu);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd, *shape = "service", *refs = "index", *out = NULL;
	const char *file = NULL;
	uint64_t n = 0;
	unsigned threads = 0;
	int repeat = 3, level = 0;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--shape") == 0 && v)
			shape = v, i++;
		else if (strcmp(a, "--objects") == 0 && v)
			n = strtoull(v, NULL, 10), i++;
		else if (strcmp(a, "--refs") == 0 && v)
			refs = v, i++;
		else if (strcmp(a, "--repeat") == 0 && v)
			repeat = atoi(v), i++;
		else if (strcmp(a, "--level") == 0 && v)
			level = atoi(v), i++;
		else if (strcmp(a, "--threads") == 0 && v)
			threads = (unsigned)atoi(v), i++;
		else if (strcmp(a, "-o") == 0 && v)
			out = v, i++;
		else if (a[0] != '-' && !file)
			file = a;
		else
			return usage();
	}
	if (repeat < 1)
		repeat = 1;
	if (strcmp(cmd, "write") == 0 && out && n)
		return bench_write(shape, n, refs, level, out, repeat);
	if (strcmp(cmd, "next") == 0 && file)
		return bench_next(file, repeat);
	if (strcmp(cmd, "scan") == 0 && file && threads)
		return bench_scan(file, threads, repeat);
	if (strcmp(cmd, "zstd") == 0 && file)
		return bench_zstd(file, repeat);
	return usage();
}
