#!/bin/sh
# Installs memlab, the reference bench/v8.sh compares heapsnap's V8
# import with, into DIR/node_modules (`make bench-deps`: build/memlab),
# once.  Pinned to the version samples/v8's references were made with;
# PUPPETEER_SKIP_DOWNLOAD keeps npm from fetching a browser (the heap
# analysis needs none).  Without npm it says so and succeeds: bench/v8.sh
# then prints its figures without memlab's.
#   bench/install_memlab.sh DIR
dir=${1:?usage: install_memlab.sh DIR}
[ -f "$dir/node_modules/@memlab/cli/bin/memlab.js" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
	echo "bench: npm not found: memlab not installed (bench/v8.sh will skip it)" >&2
	exit 0
fi
mkdir -p "$dir" || exit 1
cd "$dir" || exit 1
echo "installing memlab 2.0.5 into $dir" >&2
PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
	npm install --no-audit --no-fund --no-save --loglevel=error \
	memlab@2.0.5 >&2
