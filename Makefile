# heapsnap - build, test, benchmark.  Everything goes to build/.
#
#   make            libdump (static + shared + pkg-config), the tools and
#                   their manual pages
#   make deps       install missing Debian packages (as root)
#   make demo       build, capture a sample Python heap, analyse it
#   make wheel      build/dist/heapsnap-*.whl for python3 (pip install it);
#                   make sdist: the source package
#   make check      every test suite, then again under ASan+UBSan
#   make bench      speed and size figures beside their targets
#   make fuzz       fuzz targets under libFuzzer and AFL++, FUZZ_SECONDS each
#   make install    PREFIX=/usr/local

PREFIX   ?= /usr/local
# build on every core; the test suites themselves run one after another
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
B        := build
CC       ?= cc
PKGS     := libzstd msgpack zlib
DEPS_DEB := gcc make pkg-config libzstd-dev libmsgpack-dev libcunit1-dev \
            zlib1g-dev python3-dev python3-venv zstd clang lowdown chromium gdb
# the second fuzzer, installed by make fuzz (fuzz-deps) only
FUZZ_DEB := clang afl++
BENCH_DEB := python3-networkx python3-objgraph libboost-graph-dev g++ time nodejs

# A call that no longer matches its declaration (a callback whose
# arguments moved, a function no header declares) is an error, not a
# warning that still links.
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
               -Wstrict-prototypes -Wno-unused-parameter -Ilibdump/include \
               -Ilibdump -pthread -Werror=incompatible-pointer-types \
               -Werror=int-conversion -Werror=implicit-function-declaration
OPT      ?= -O2 -g
CFLAGS   += $(OPT) $(CFLAGS_BASE) -fPIC
LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lzstd -lmsgpackc -lz) -pthread -lm

LIB_SRC   := $(sort $(wildcard libdump/*.c))
# libheapsnap's version, from hs_common.h; the shared library's soname
# carries the major number
hs_ver = $(shell sed -n 's/^\#define HS_VERSION_$(1) *\([0-9]*\).*/\1/p' libdump/include/hs_common.h)
VERSION   := $(call hs_ver,MAJOR).$(call hs_ver,MINOR).$(call hs_ver,PATCH)
SONAME    := libheapsnap.so.$(call hs_ver,MAJOR)
TOOL_SRC  := $(sort $(wildcard tools/*.c))
TOOL_COMMON := $(filter tools/tool_%.c,$(TOOL_SRC))
TOOL_MAIN := $(filter-out tools/tool_%.c,$(TOOL_SRC))
TOOLS     := $(patsubst tools/%.c,%,$(TOOL_MAIN))
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
EXAMPLES  := $(patsubst examples/%.c,%,$(sort $(wildcard examples/*.c)))
MAN_SRC   := $(sort $(wildcard doc/man/*.md))
MAN       := $(patsubst doc/man/%.md,$(B)/man/%,$(MAN_SRC))
HDRS      := $(wildcard libdump/include/*.h libdump/*.h tools/*.h tests/unit/*.h tests/fuzz/*.h)
# the report page (libdump/report/) with d3-hierarchy inlined, as C
GEN_SRC   := $(B)/gen/report_assets.c
LIB_OBJ    = $(patsubst %.c,$(1)/obj/%.o,$(LIB_SRC) $(GEN_SRC))

# the rules below come from a template: name the default goal
.DEFAULT_GOAL := all

# $(1) = build dir, $(2) = extra flags, $(3) = compiler
define variant
$(1)/obj/%.o: %.c $(HDRS) $(1)/.cc | $(B)/.deps-ok
	@mkdir -p $$(dir $$@)
	$(3) $$(CFLAGS) $(2) -c $$< -o $$@

# every object again when the compiler changes (gcc and clang objects do
# not link together under the sanitizers)
$(1)/.cc: FORCE | $(B)/.deps-ok
	@mkdir -p $$(dir $$@)
	@echo '$(3)' | cmp -s - $$@ || echo '$(3)' > $$@

# the library exports only what its headers mark HS_API
$(1)/obj/libdump/%.o: CFLAGS += -fvisibility=hidden
$(1)/obj/$(B)/gen/%.o: CFLAGS += -fvisibility=hidden

$(1)/lib/libheapsnap.a: $(call LIB_OBJ,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^

$(1)/bin/%: $(1)/obj/tools/%.o $(patsubst %.c,$(1)/obj/%.o,$(TOOL_COMMON)) $(1)/lib/libheapsnap.a
	@mkdir -p $$(dir $$@)
	$(3) $$(CFLAGS) $(2) -o $$@ $$^ $$(LIBS)

# examples/: programs using the library as a user would: its public
# headers only, and C11 without extensions
$(1)/examples/%: examples/%.c $(1)/lib/libheapsnap.a $(wildcard libdump/include/*.h)
	@mkdir -p $$(dir $$@)
	$(3) $$(OPT) -std=c11 -Wall -Wextra -pedantic -Ilibdump/include $(2) \
	  -o $$@ $$< $(1)/lib/libheapsnap.a $$(LIBS)

# --wrap: tests/unit/test_faults.c fails the Nth allocation; testutil.c
# counts frame decodes (tu_frame_decodes)
$(1)/tests/unit: $(patsubst %.c,$(1)/obj/%.o,$(UNIT_SRC)) $(1)/lib/libheapsnap.a
	@mkdir -p $$(dir $$@)
	$(3) $$(CFLAGS) $(2) -o $$@ $$^ $$(LIBS) -lcunit $(UNIT_WRAP)
endef

UNIT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=ZSTD_decompressDCtx
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# clang for the sanitizer pass when installed (make deps installs it): its
# UBSan also flags NULL + 0 and qsort(NULL, 0), gcc's does not.  Looked
# up once, when first used: after make deps has run.
SAN_CC = $(eval SAN_CC := $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC)))$(SAN_CC)
$(eval $(call variant,$(B),,$$(CC)))
$(eval $(call variant,$(B)/asan,$(SAN),$$(SAN_CC)))

FORCE:
.PHONY: FORCE all deps fuzz-deps bench-deps lib tools man python wheel sdist demo check bench fuzz install clean
.SECONDARY:

all: lib tools man

lib: $(B)/lib/libheapsnap.a $(B)/lib/libheapsnap.so $(B)/lib/pkgconfig/heapsnap.pc
tools: $(addprefix $(B)/bin/,$(TOOLS))
man: $(MAN)

# doc/man/TOOL.1.md -> build/man/TOOL.1: Markdown that reads well on GitHub,
# roff for man(1); title and section come from the file's name.
$(B)/man/%: doc/man/%.md | $(B)/.deps-ok
	@mkdir -p $(dir $@)
	lowdown -s -Tman --out-no-smarty --nroff-nolinks -M title=$(basename $*) \
	  -M section=$(patsubst .%,%,$(suffix $*)) -M source=heapsnap \
	  -M volume="heapsnap manual" -o $@ $<

# The CPython capture: a C extension for the python3 first on PATH (its
# sysconfig names the headers and the suffix), linked with libheapsnap.a.
PYTHON   ?= python3
PY_INC   := $(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_paths()['include'])" 2>/dev/null)
PY_EXT   := $(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))" 2>/dev/null)
# capture/python/pyselect.h says whether this Python gets the version
# walker (the preprocessor is asked); else, or with HEAPSNAP_PORTABLE_ONLY=1,
# only module.c and the portable walker's files (portable*.c) are built
PY_DEFS  := $(if $(filter 1,$(HEAPSNAP_PORTABLE_ONLY)),-DHS_PORTABLE_ONLY)
PY_VWALK := $(shell $(CC) -E -dM $(PY_DEFS) -I$(PY_INC) -include capture/python/pyselect.h -x c /dev/null 2>/dev/null | grep -c 'define HS_VERSION_WALKER ')
PY_CSRC  := $(if $(filter 1,$(PY_VWALK)),$(sort $(wildcard capture/python/*.c)),capture/python/module.c $(sort $(wildcard capture/python/portable*.c)))
PY_FILES := $(patsubst capture/python/%,$(B)/python/%,$(wildcard capture/python/heapsnap/*.py))
python: $(B)/python/heapsnap/_capture$(PY_EXT) $(B)/python/heapsnap/attach_thread.so $(PY_FILES)
$(B)/python/heapsnap/_capture$(PY_EXT): $(PY_CSRC) $(wildcard capture/python/*.h) $(HDRS) $(B)/lib/libheapsnap.a $(B)/python/.walkers
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PY_DEFS) -I$(PY_INC) -shared -o $@ $(PY_CSRC) $(B)/lib/libheapsnap.a $(LIBS)
# the extension again when the choice of walkers changes
$(B)/python/.walkers: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PY_DEFS) $(PY_CSRC)' | cmp -s - $@ || echo '$(PY_DEFS) $(PY_CSRC)' > $@
# loaded by `python3 -m heapsnap attach` into the process it dumps; no
# Python headers (attach_thread.c says why)
$(B)/python/heapsnap/attach_thread.so: capture/python/attach/attach_thread.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $< -pthread
$(B)/python/heapsnap/%.py: capture/python/heapsnap/%.py
	@mkdir -p $(dir $@)
	cp $< $@

# The pip packages, as `pip wheel .` and `python3 -m build --sdist` make
# them (capture/python/backend/heapsnap_build.py, the in-tree PEP 517
# backend): a wheel for $(PYTHON), and an sdist that carries the report
# page, so that building from it needs no node.
wheel: node_modules/.package-lock.json | $(B)/.deps-ok
	$(PYTHON) capture/python/backend/heapsnap_build.py wheel $(B)/dist
sdist: node_modules/.package-lock.json | $(B)/.deps-ok
	$(PYTHON) capture/python/backend/heapsnap_build.py sdist $(B)/dist

# libheapsnap.so.X.Y.Z, with its soname and development links
$(B)/lib/libheapsnap.so: $(call LIB_OBJ,$(B))
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@.$(VERSION) $^ $(LIBS)
	ln -sf libheapsnap.so.$(VERSION) $(B)/lib/$(SONAME)
	ln -sf libheapsnap.so.$(VERSION) $@

# The prefix is where the .pc file lies (pcfiledir = PREFIX/lib/pkgconfig),
# so an installed tree is right whatever PREFIX and DESTDIR were.
$(B)/lib/pkgconfig/heapsnap.pc: Makefile libdump/include/hs_common.h
	@mkdir -p $(dir $@)
	printf 'prefix=$${pcfiledir}/../..\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include/heapsnap\n\nName: heapsnap\nDescription: heapsnap .snap writer, reader and analyses\nVersion: %s\nRequires.private: libzstd msgpack zlib\nLibs: -L$${libdir} -lheapsnap\nLibs.private: -pthread -lm\nCflags: -I$${includedir}\n' '$(VERSION)' > $@

# JavaScript from the npm registry, pinned by package-lock.json: d3-hierarchy
# (inlined into every report) and playwright-core (tests/browser).  npm ci
# runs only when the lock file changes, so an offline rebuild works.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(GEN_SRC): libdump/report/embed.js libdump/report/page.html \
	    libdump/report/page.css libdump/report/page.js \
	    node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	node libdump/report/embed.js $@ libdump/report/page.html \
	  libdump/report/page.css libdump/report/page.js \
	  node_modules/d3-hierarchy/dist/d3-hierarchy.min.js \
	  node_modules/d3-hierarchy/LICENSE

# Installs what is missing, once per machine (apt-get update only when
# something is missing).  Not root: says what to install and fails.
deps: $(B)/.deps-ok node_modules/.package-lock.json
$(B)/.deps-ok: Makefile
	@./tests/install_deps.sh $(DEPS_DEB)
	@mkdir -p $(B) && touch $@

fuzz-deps: $(B)/.fuzz-deps-ok
$(B)/.fuzz-deps-ok: Makefile | $(B)/.deps-ok
	@./tests/install_deps.sh $(FUZZ_DEB)
	@touch $@

bench-deps: $(B)/.bench-deps-ok
$(B)/.bench-deps-ok: Makefile | $(B)/.deps-ok
	@./tests/install_deps.sh $(BENCH_DEB)
	@./bench/install_memlab.sh $(B)/memlab
	@touch $@

demo: all python
	./samples/demo.sh

# Every suite prints a line "suite: N passed, N failed"; tests/summary.sh
# sums them into the final line and sets the exit status.
check: all python $(B)/tests/unit $(B)/asan/tests/unit $(addprefix $(B)/asan/bin/,$(TOOLS)) \
       $(addprefix $(B)/examples/,$(EXAMPLES)) $(addprefix $(B)/asan/examples/,$(EXAMPLES))
	@rm -f $(B)/check.log $(B)/check-asan.log
	@# The sanitizer pass runs beside the plain one: each is mostly one
	@# process at a time, so on two cores this takes about the longer of
	@# the two instead of their sum (the 15-minute budget of make check).
	@# Its lines follow the plain pass's, unmixed.
	@{ ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./tests/run_suites.sh $(B)/asan asan >$(B)/check-asan.log 2>&1; } & \
	  ./tests/run_suites.sh $(B) "" 2>&1 | tee -a $(B)/check.log; \
	  wait; tee -a $(B)/check.log <$(B)/check-asan.log
	@./tests/summary.sh $(B)/check.log

bench: all python bench-deps
	./bench/run.sh

fuzz: all fuzz-deps
	./tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/heapsnap \
	  $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(addprefix $(B)/bin/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/lib/libheapsnap.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/lib/libheapsnap.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libheapsnap.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf libheapsnap.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libheapsnap.so
	install -m 644 libdump/include/*.h $(DESTDIR)$(PREFIX)/include/heapsnap/
	install -m 644 $(B)/lib/pkgconfig/heapsnap.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 $(filter %.1,$(MAN)) $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf $(B)
