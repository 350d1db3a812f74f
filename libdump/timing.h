/*
 * timing.h - HS_TIMING=1 prints each step of a long computation (graph
 * loading, dominators) on stderr with its wall and CPU time and the
 * resident memory after it, for bench/analysis.sh and for finding where
 * a slow run spends its time (internal).
 */
#ifndef HS_TIMING_H
#define HS_TIMING_H

/* hs_timing_step() : report the step that ends now ("dfs") of `what`
 * ("graph", "dom") and restart the clock in *t; step NULL only starts it.
 * Its CPU figures are the process's and the calling thread's since the
 * previous call (they differ while a step runs on several threads). */
void hs_timing_step(const char *what, const char *step, double *t);

#endif
