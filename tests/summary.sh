#!/bin/sh
# Sums every "NAME: N passed, N failed" line of a check log into the one
# closing line of `make check`; exits 1 if anything failed or nothing ran.
awk '/^[a-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     END { printf "%d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' "$1"
