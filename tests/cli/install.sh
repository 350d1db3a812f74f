#!/bin/sh
# install.sh - `make install` into a scratch DESTDIR gives a tree a user can
# build against: the tools, the manual pages (`man -M ... dumpdom`),
# libheapsnap.a and libheapsnap.so.X.Y.Z with its soname links, the headers
# and heapsnap.pc; the shared library exports exactly the functions its
# headers mark HS_API; a program built with `pkg-config --cflags --libs
# heapsnap` links the shared library, runs, and agrees on the version.
# Uses the plain build (the ASan pass has no shared library) and writes
# only under its temporary directory.
. "$(dirname "$0")/lib.sh"
case ${HS_BUILD:-} in
*/asan) echo "install: 0 passed, 0 failed (the plain pass tests it)"; exit 0 ;;
esac
B=$HS_TOP/build
R=$T/root
P=$R/opt/hs

# not the jobserver of a `make check` this may run under
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$HS_TOP" \
	-s B="$B" DESTDIR="$R" PREFIX=/opt/hs install >"$T/out" 2>&1
if [ $? = 0 ]; then ok; else fail "make install"; sed 's/^/  | /' "$T/out"; fi

ver=$(sed -n 's/^Version: //p' "$P/lib/pkgconfig/heapsnap.pc")
major=${ver%%.*}
for f in bin/dumpinfo bin/dumpdom include/heapsnap/hs_common.h \
	 include/heapsnap/hs_writer.h lib/libheapsnap.a "lib/libheapsnap.so.$ver" \
	 lib/pkgconfig/heapsnap.pc share/man/man1/dumpdom.1 share/man/man1/dumpinfo.1; do
	if [ -f "$P/$f" ]; then ok; else fail "not installed: $f"; fi
done
for l in "libheapsnap.so.$major" libheapsnap.so; do
	if [ "$(readlink "$P/lib/$l")" = "libheapsnap.so.$ver" ]; then ok; else
		fail "lib/$l does not link to libheapsnap.so.$ver"; fi
done
if readelf -d "$P/lib/libheapsnap.so.$ver" | grep -q "SONAME.*\[libheapsnap.so.$major\]"; then
	ok; else fail "soname is not libheapsnap.so.$major"; fi

# every tool's page, found by man(1) under the installed prefix
for src in "$HS_TOP"/tools/*.c; do
	t=$(basename "$src" .c)
	case $t in tool_*) continue ;; esac
	if MANWIDTH=80 man -M "$P/share/man" "$t" 2>/dev/null | grep -q "^SYNOPSIS"; then
		ok; else fail "man -M $P/share/man $t"; fi
done

# the exports: the HS_API functions of the installed headers, nothing else
sed -n 's/^HS_API [^(]*\b\(hs_[a-z0-9_]*\)(.*/\1/p' "$P"/include/heapsnap/*.h |
	sort -u >"$T/api"
nm -D --defined-only "$P/lib/libheapsnap.so.$ver" | awk '{print $3}' | sort -u >"$T/exports"
if [ -s "$T/api" ] && cmp -s "$T/api" "$T/exports"; then ok; else
	fail "the shared library's exports differ from the HS_API functions"
	diff "$T/api" "$T/exports" | head -20 | sed 's/^/  | /'
fi

# a program built through pkg-config against the installed tree
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
if [ "$(pkg-config --modversion heapsnap)" = "$ver" ]; then ok; else fail "pkg-config --modversion"; fi
cat >"$T/v.c" <<'C'
#include <hs_common.h>
#include <stdio.h>
int main(void)
{
	printf("%u %u\n", hs_version(), (unsigned)HS_VERSION_NUMBER);
	return hs_version() == HS_VERSION_NUMBER ? 0 : 1;
}
C
# shellcheck disable=SC2046
expect_rc 0 "build a program with pkg-config" -- \
	cc -std=c11 -Wall -Werror -o "$T/v" "$T/v.c" $(pkg-config --cflags --libs heapsnap)
expect_rc 0 "it runs with the installed library" -- env LD_LIBRARY_PATH="$P/lib" "$T/v"
n=$(echo "$ver" | awk -F. '{print $1 * 10000 + $2 * 100 + $3}')
expect_grep "^$n $n$" "$T/out" "hs_version() is $ver"
if readelf -d "$T/v" | grep -q "NEEDED.*\[libheapsnap.so.$major\]"; then ok; else
	fail "the program does not need libheapsnap.so.$major"; fi
# shellcheck disable=SC2046
expect_rc 0 "build the example with pkg-config" -- \
	cc -std=c11 -o "$T/write_dump" "$HS_TOP/examples/write_dump.c" $(pkg-config --cflags --libs heapsnap)
expect_rc 0 "the example writes a dump" -- env LD_LIBRARY_PATH="$P/lib" "$T/write_dump" "$T/list.snap"
expect_rc 0 "the installed dumpinfo reads it" -- "$P/bin/dumpinfo" "$T/list.snap"
expect_grep "^integrity: *complete" "$T/out" "complete"

finish install
