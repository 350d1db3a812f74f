#!/bin/sh
# tools_common.sh - what every tool in $HS_BIN promises, whichever tools
# exist (a new tool is covered as soon as it is built):
#   --help     exits 0, prints "usage: NAME" on stdout and nothing on stderr
#   an unknown option exits 2 with a message on stderr and nothing on stdout
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
if [ "$n" -gt 0 ]; then ok; else fail "no tool in $HS_BIN"; fi
echo "tools_common: checked $n tools in $HS_BIN"
finish tools_common
