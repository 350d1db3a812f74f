#!/bin/sh
# tools_common.sh - what every tool in $HS_BIN promises, whichever tools
# exist (a new tool is covered as soon as it is built):
#   --help     exits 0, prints "usage: NAME" on stdout and nothing on stderr
#   an unknown option exits 2 with a message on stderr and nothing on stdout
#   stdout on a full device exits 2 with "cannot write the output"
#   a missing input file exits 2 with its path in the message (tried as
#   `NAME PATH`, then `NAME PATH PATH`, then `NAME PATH -o OUT`, for tools
#   that take two inputs or need an output; no form may exit 0)
. "$(dirname "$0")/lib.sh"

n=0
for tool in "$HS_BIN"/*; do
	[ -f "$tool" ] && [ -x "$tool" ] || continue
	name=$(basename "$tool")
	n=$((n + 1))

	expect_rc 0 "$name --help" -- "$tool" --help
	expect_grep "^usage: $name" "$T/out" "$name --help: usage on stdout"
	if [ -s "$T/err" ]; then fail "$name --help writes to stderr"; else ok; fi

	expect_rc 2 "$name --no-such-option" -- "$tool" --no-such-option "$T/x.snap"
	if [ -s "$T/err" ]; then ok; else fail "$name: unknown option: no message"; fi
	if [ -s "$T/out" ]; then fail "$name: unknown option: output on stdout"; else ok; fi

	missing="$T/no-such-dir/missing.snap"
	found=0
	for form in 1 2 3; do
		case $form in
		1) "$tool" "$missing" >"$T/out" 2>"$T/err" ;;
		2) "$tool" "$missing" "$missing" >"$T/out" 2>"$T/err" ;;
		3) "$tool" "$missing" -o "$T/out.snap" >"$T/out" 2>"$T/err" ;;
		esac
		rc=$?
		if [ "$rc" = 0 ]; then
			fail "$name: a missing file (form $form) exits 0"
			found=2
			break
		fi
		if [ "$rc" = 2 ] && grep -qF "$missing" "$T/err"; then
			found=1
			break
		fi
	done
	case $found in
	1) ok ;;
	0) fail "$name: a missing file does not exit 2 naming its path"
	   sed 's/^/  | /' "$T/err" | head -3 ;;
	esac
done
# stdout on a full device: every tool exits 2 saying it cannot write its
# output, never 0 (the bytes sit in stdio's buffer until exit).  Only
# written to, so /dev/full stays what it is; skipped where there is none.
if [ -c /dev/full ]; then
	"$HS_BIN/dumpgen" --objects 100 -o "$T/s.snap" 2>/dev/null
	{
		for tool in "$HS_BIN"/*; do
			[ -f "$tool" ] && [ -x "$tool" ] && echo "$(basename "$tool") --help"
		done
		cat <<EOF
dumpinfo $T/s.snap
dumpinfo --json $T/s.snap
dumptypes $T/s.snap
dumptypes --csv $T/s.snap
dumpdom --json $T/s.snap
dumppath --type leak.Session $T/s.snap
dumpdiff $T/s.snap $T/s.snap
dumpdiff --json $T/s.snap $T/s.snap
dumpconv $T/s.snap -o -
dumpgen --objects 100 --json -o $T/g.snap
EOF
	} >"$T/full-cases"
	while read -r tool args; do
		[ -x "$HS_BIN/$tool" ] || continue
		# shellcheck disable=SC2086
		"$HS_BIN/$tool" $args >/dev/full 2>"$T/err"
		rc=$?
		if [ "$rc" = 2 ] && grep -q "cannot write the output" "$T/err"; then ok; else
			fail "$tool $args >/dev/full: exit $rc, expected 2 'cannot write the output'"
			sed 's/^/  | /' "$T/err" | head -3
		fi
	done <"$T/full-cases"
fi
if [ "$n" -gt 0 ]; then ok; else fail "no tool in $HS_BIN"; fi
echo "tools_common: checked $n tools in $HS_BIN"
finish tools_common
