# bench/lib.sh - the table helpers every bench script shares (sourced).
# MISSED counts the rows whose target was missed.
MISSED=${MISSED:-0}

# row FIGURE VALUE UNIT OP TARGET: one figure against its target
# (OP is ">=" or "<="); VALUE is printed with 2 decimals.
row() {
	st=$(awk -v v="$2" -v op="$4" -v t="$5" 'BEGIN {
		ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "target met" : "MISSED" }')
	[ "$st" = MISSED ] && MISSED=$((MISSED + 1))
	printf '%-50s %12s %-7s %2s %-9s %s\n' "$1" \
		"$(awk -v v="$2" 'BEGIN { printf "%.2f", v }')" "$3" "$4" "$5" "$st"
}

# info FIGURE VALUE UNIT [NOTE]: a figure without a target
info() {
	printf '%-50s %12s %-7s %2s %-9s %s\n' "$1" \
		"$(awk -v v="$2" 'BEGIN { printf "%.2f", v }')" "$3" "" "" "${4:-(no target)}"
}

# get KEY FILE: a value from a "key value" output
get() { sed -n "s/^$1 //p" "$2"; }

# div A B [SCALE]: A / B * SCALE
div() { awk -v a="$1" -v b="$2" -v s="${3:-1}" 'BEGIN { printf "%.6f", (b > 0 ? a / b * s : 0) }'; }

# best_time OUT CMD...: runs CMD BENCH_REPEAT times under /usr/bin/time;
# sets best_wall (s, fastest run), best_cpu (user+sys of that run) and
# best_rss (KiB, smallest peak).  OUT receives the command's stdout.
best_time() {
	out=$1; shift
	best_wall=""; best_cpu=""; best_rss=""
	i=0
	while [ "$i" -lt "${REPEAT:-3}" ]; do
		/usr/bin/time -f '%e %U %S %M' -o "$out.time" "$@" >"$out" 2>"$out.err" ||
			{ cat "$out.err" >&2; return 1; }
		read -r wall user sys rss <"$out.time"
		cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
		if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
			best_wall=$wall; best_cpu=$cpu
		fi
		if [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ]; then best_rss=$rss; fi
		i=$((i + 1))
	done
}
