#!/bin/sh
# docs.sh - the documentation stays true: every tool has a manual page
# (doc/man/TOOL.1.md) and every page a tool; each page is built to roff
# and renders with man(1); `TOOL --help` and the page's OPTIONS name the
# same options; every relative link in every Markdown file of the repository
# leads to a file that exists (and, with #anchor, to one of its headings);
# every public function (HS_API) has a comment naming it just above.
. "$(dirname "$0")/lib.sh"
: "${HS_BUILD:=$HS_TOP/build}"
M="$HS_TOP/doc/man"

# tools and pages, one to one
for c in "$HS_TOP"/tools/*.c; do
	t=$(basename "$c" .c)
	case $t in tool_*) continue ;; esac
	if [ -f "$M/$t.1.md" ]; then ok; else fail "$t has no doc/man/$t.1.md"; fi
done
for p in "$M"/*.1.md; do
	t=$(basename "$p" .1.md)
	if [ -f "$HS_TOP/tools/$t.c" ]; then ok; else fail "$p documents no tool"; fi
done

# long and short options: from --help, the indented lines that start with
# an option; from the page, the items of OPTIONS ("- `-o`, `--output` ...")
help_opts() {
	sed -n 's/^ \{1,\}\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\1\2/p' |
		tr -d ',' | tr ' ' '\n' | grep . | sort -u
}
page_opts() {
	awk '/^# /{s = ($0 == "# OPTIONS")} s && /^- `-/' "$1" |
		sed 's/: .*//' | grep -o '`-[-a-zA-Z]*`' | tr -d '`' | sort -u
}
for p in "$M"/*.1.md; do
	t=$(basename "$p" .1.md)
	[ -x "$HS_BIN/$t" ] || { fail "$t is not built"; continue; }
	"$HS_BIN/$t" --help | help_opts >"$T/help"
	page_opts "$p" >"$T/page"
	if [ -s "$T/help" ] && cmp -s "$T/help" "$T/page"; then ok; else
		fail "$t: --help and $t.1.md name different options"
		diff "$T/help" "$T/page" | sed 's/^/  | /'
	fi
	# the built page is current and renders
	r="$HS_TOP/build/man/$t.1"
	if [ -f "$r" ] && [ ! "$p" -nt "$r" ]; then ok; else fail "$r missing or older than its source"; fi
	if MANWIDTH=80 man -l "$r" 2>/dev/null | grep -q "^SYNOPSIS"; then ok; else
		fail "man -l $r renders no SYNOPSIS"; fi
done

# py_check DESC ARGS... <<'PY': runs the Python check on stdin; it
# prints what it found and exits non-zero on a finding
py_check() {
	desc=$1
	shift
	if python3 - "$@" >"$T/py" 2>&1; then ok; else fail "$desc"; fi
	sed 's/^/  | /' "$T/py"
}

# relative links in the Markdown files (outside build/ and .git/)
py_check "broken links in the documentation" "$HS_TOP" <<'PY'
import os, re, sys
top = sys.argv[1]
def slug(h):
    # GitHub's heading anchors: lower case, punctuation dropped, spaces -> -
    h = re.sub(r'[`*_]', '', h.strip().lower())
    return re.sub(r'[^\w\- ]', '', h).replace(' ', '-')
def anchors(path):
    out, fence = set(), False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'):
            fence = not fence
        elif not fence and line.startswith('#'):
            out.add(slug(line.lstrip('#')))
    return out
bad = n = 0
for d, dirs, files in os.walk(top):
    dirs[:] = [x for x in dirs if x not in ('.git', 'build', 'node_modules')]
    for f in files:
        if not f.endswith('.md'):
            continue
        src = os.path.join(d, f)
        text = re.sub(r'```.*?```', '', open(src, encoding='utf-8').read(), flags=re.S)
        text = re.sub(r'`[^`\n]*`', '', text)
        for target in re.findall(r'\]\(([^)\s]+)\)', text):
            if re.match(r'[a-z]+:', target):
                continue
            n += 1
            path, _, frag = target.partition('#')
            dest = os.path.normpath(os.path.join(d, path)) if path else src
            if not os.path.exists(dest):
                bad += 1
                print(f'{os.path.relpath(src, top)}: {target}: no such file')
            elif frag and dest.endswith('.md') and frag not in anchors(dest):
                bad += 1
                print(f'{os.path.relpath(src, top)}: {target}: no such heading')
print(f'{n} links checked')
sys.exit(1 if bad or n == 0 else 0)
PY

# the API: each HS_API declaration's paragraph (the lines since the last
# blank one) holds a comment that names the function
py_check "public functions without a comment" "$HS_TOP/libdump/include" <<'PY'
import glob, re, sys
bad = n = 0
for f in sorted(glob.glob(sys.argv[1] + '/*.h')):
    L = open(f, encoding='utf-8').read().split('\n')
    for i, l in enumerate(L):
        m = re.match(r'^HS_API .*\b(hs_\w+)\(', l)
        if not m:
            continue
        n += 1
        j = i - 1
        while j >= 0 and L[j].strip():
            j -= 1
        notes = ' '.join(re.findall(r'/\*.*?\*/', '\n'.join(L[j + 1:i]), re.S))
        if not re.search(r'\b' + m.group(1) + r'\b', notes):
            bad += 1
            print(f'{f.split("/")[-1]}: {m.group(1)} has no comment')
print(f'{n} public functions')
sys.exit(1 if bad or n == 0 else 0)
PY

finish docs
