/*
 * timing.c - the HS_TIMING step reports (see timing.h).  Costs two clock
 * reads per step when off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "timing.h"

static long rss_mib(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * 4096 / (1 << 20);
}

static double seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void hs_timing_step(const char *what, const char *step, double *t)
{
	static _Thread_local double cpu0, tcpu0;
	static int on = -1;
	double now = seconds(CLOCK_MONOTONIC);
	double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
	double tcpu = seconds(CLOCK_THREAD_CPUTIME_ID);

	if (on < 0)
		on = getenv("HS_TIMING") && *getenv("HS_TIMING") == '1';
	if (on && step)
		fprintf(stderr, "timing: %-5s %-10s %.3f s wall %.3f s cpu "
			"(%.3f s this thread), rss %ld MiB\n", what, step,
			now - *t, cpu - cpu0, tcpu - tcpu0, rss_mib());
	*t = now;
	cpu0 = cpu;
	tcpu0 = tcpu;
}
