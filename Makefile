# The entry point a newcomer types. It drives the autotools build in
# out-of-tree folders (build/ and, for the sanitizer run, build-asan/), so a
# fresh clone needs no other step:
#   make run      install what is missing, build, start coyotes (and a
#                 private redis-server when none answers)
#   make check    install what is missing, build, run every test, also
#                 under ASan+UBSan; ends with "N passed, N failed"
#   make install  PREFIX=/usr/local by default; DESTDIR works as usual
SHELL := /bin/bash
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
BUILD := build
ASAN_BUILD := build-asan
SRCDIR := $(CURDIR)

.PHONY: all deps build build-asan run check check-fast check-asan install \
	uninstall clean distclean format fuzz bench

all: build

deps:
	@bash contrib/install-deps.sh

configure: configure.ac Makefile.am
	autoreconf -fi

$(BUILD)/Makefile: configure
	mkdir -p $(BUILD) && cd $(BUILD) && $(SRCDIR)/configure --prefix=$(PREFIX) $(CONFIGURE_FLAGS)

$(ASAN_BUILD)/Makefile: configure
	mkdir -p $(ASAN_BUILD) && cd $(ASAN_BUILD) && $(SRCDIR)/configure --prefix=$(PREFIX) --enable-sanitizers $(CONFIGURE_FLAGS)

build: deps $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) -j$(JOBS)

build-asan: deps $(ASAN_BUILD)/Makefile
	$(MAKE) -C $(ASAN_BUILD) -j$(JOBS)

run: build
	@bash contrib/run-dev.sh $(BUILD) $(ARGS)

# Builds the tests of one build folder (make check with no TESTS builds
# check_PROGRAMS and runs nothing); tests/run-all runs them.
check: deps $(BUILD)/Makefile $(ASAN_BUILD)/Makefile
	$(MAKE) -C $(BUILD) -j$(JOBS) all check
	$(MAKE) -C $(ASAN_BUILD) -j$(JOBS) all check
	@bash tests/run-all $(BUILD) $(ASAN_BUILD)

check-fast: deps $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) -j$(JOBS) all check
	@bash tests/run-all $(BUILD)

check-asan: deps $(ASAN_BUILD)/Makefile
	$(MAKE) -C $(ASAN_BUILD) -j$(JOBS) all check
	@bash tests/run-all $(ASAN_BUILD)

# PREFIX is honoured at install time too: make install PREFIX=/opt/coyotes
install: build
	$(MAKE) -C $(BUILD) install prefix=$(PREFIX)

uninstall: $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) uninstall

format:
	clang-format -i src/*/*.cc src/*/*.h tests/*/*.cc tests/*/*.h tests/*/*/*.cc \
		fuzz/*.cc bench/*.cc bench/*.h

fuzz:
	bash fuzz/build.sh fuzz/out && bash fuzz/run.sh fuzz/work $${FUZZ_SECONDS:-60}

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) fuzz/out

distclean: clean
	rm -rf autom4te.cache build-aux configure Makefile.in aclocal.m4 \
		config.log config.status
