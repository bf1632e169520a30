# wgaudit - plain Makefile. `make`, `make test`, `make demo`, `make check-asan`.
VERSION    ?= 0.1.0
PREFIX     ?= /usr/local
CC         ?= cc
PKG_CONFIG ?= pkg-config

DEPS       := libmnl inih sqlite3 libsodium
# Linked only into the modules (net/modload.h): wgaudit-tls.so, wgaudit-httpd.so,
# wgaudit-bpf.so.
MOD_DEPS   := libssl libcrypto
# eBPF source (src/sources/bpf/): libbpf + bpftool (skeleton) + clang (-target bpf).
BPFTOOL    ?= bpftool
BPF_CLANG  ?= clang
HAVE_BPF   := $(shell $(PKG_CONFIG) --exists libbpf && command -v $(BPFTOOL) > /dev/null 2>&1 && \
                command -v $(BPF_CLANG) > /dev/null 2>&1 && echo 1)
ifeq ($(HAVE_BPF),1)
MOD_DEPS   += libbpf
CPPFLAGS   += -DHAVE_BPF=1
endif
# libmicrohttpd: the --metrics endpoint; without it --metrics says so.
HAVE_MICROHTTPD := $(shell $(PKG_CONFIG) --exists libmicrohttpd && echo 1)
ifeq ($(HAVE_MICROHTTPD),1)
MOD_DEPS   += libmicrohttpd
CPPFLAGS   += -DHAVE_MICROHTTPD=1
endif
HAVE_LIBCAPNG := $(shell $(PKG_CONFIG) --exists libcap-ng && echo 1)
ifeq ($(HAVE_LIBCAPNG),1)
DEPS       += libcap-ng
CPPFLAGS   += -DHAVE_LIBCAPNG=1
endif

WARN       := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter -Wno-format-truncation -Wmissing-prototypes
ifneq ($(WERROR),)
WARN       += -Werror
endif
CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 $(WARN) -fno-strict-aliasing -pthread
MODDIR     ?= $(PREFIX)/lib/wgaudit
CPPFLAGS   += -Isrc -D_GNU_SOURCE -DWGAUDIT_VERSION='"$(VERSION)"' -DWGAUDIT_MODDIR='"$(MODDIR)"' \
              $(shell $(PKG_CONFIG) --cflags $(DEPS) $(MOD_DEPS))
LDLIBS     += $(shell $(PKG_CONFIG) --libs $(DEPS)) -pthread

# Sanitizer build lives in its own tree so both can coexist.
ifeq ($(SAN),1)
BUILD      := build/asan
CFLAGS     += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CPPFLAGS   += -DWGAUDIT_FAILPOINTS=1	# named crash points (base/failpoint.h)
LDFLAGS    += -fsanitize=address,undefined
else
BUILD      := build/rel
endif

ALL_SRC    := $(sort $(filter-out %.bpf.c,$(shell find src -mindepth 2 -name '*.c')))
# What pulls in a large library is a module, loaded only when configured
# (net/modload.h); the binary links a *_lazy.c stand-in for it. Unit tests
# and fuzzers link the real objects instead of the stand-ins.
MOD_TLS_SRC   := src/outputs/tls.c src/collector/ctls.c src/net/tlsbase.c
MOD_TLS_LIBS  := $(shell $(PKG_CONFIG) --libs libssl libcrypto)
MODS          := $(BUILD)/wgaudit-tls.so
ifeq ($(HAVE_MICROHTTPD),1)
MOD_HTTPD_SRC := src/net/httpd.c
MOD_HTTPD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd)
MODS          += $(BUILD)/wgaudit-httpd.so
endif
ifeq ($(HAVE_BPF),1)
MOD_BPF_SRC := src/sources/bpf/bpf.c src/sources/bpf/bpffold.c
MOD_BPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf)
MODS          += $(BUILD)/wgaudit-bpf.so
endif
MOD_SRC    := $(MOD_TLS_SRC) $(MOD_HTTPD_SRC) $(MOD_BPF_SRC)
MOD_LIBS   := $(MOD_TLS_LIBS) $(MOD_HTTPD_LIBS) $(MOD_BPF_LIBS)
LAZY_SRC   := $(filter %_lazy.c,$(ALL_SRC))
LIB_SRC    := $(filter-out $(MOD_SRC),$(ALL_SRC))
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
MOD_OBJ    := $(MOD_SRC:%.c=$(BUILD)/%.o)
# What wgaudit-httpd.so and wgaudit-bpf.so call back into the binary
# (tests/lint/modsyms.sh checks that each module finds all it needs).
HTTPD_USES := endpoint_parse log_info loop_add_fd loop_del_fd loop_timer_arm read_bounded \
              loop_timer_cancel now_monotonic_us wipe
BPF_USES   := event_init event_set event_set_addr event_set_key event_set_u64 log_debug \
              log_info log_warnx now_monotonic_us wgbpf_preflight
EXPORTS    := $(sort $(if $(MOD_HTTPD_SRC),$(HTTPD_USES)) $(if $(MOD_BPF_SRC),$(BPF_USES)))
EXPORTS    := $(EXPORTS:%=-Wl,--export-dynamic-symbol=%)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))

all: wgaudit

wgaudit: $(BUILD)/wgaudit
	ln -sf $(BUILD)/wgaudit $@

$(BUILD)/wgaudit: $(BUILD)/src/main.o $(BUILD)/libwgaudit.a Makefile | $(MODS)
	$(CC) $(LDFLAGS) $(EXPORTS) -o $@ $(BUILD)/src/main.o $(BUILD)/libwgaudit.a $(LDLIBS)

# Modules: position-independent objects; -Bsymbolic so a module's calls
# into itself never bind to the binary's stand-ins of the same names.
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<
$(BUILD)/wgaudit-tls.so: $(MOD_TLS_SRC:%.c=$(BUILD)/pic/%.o)
	$(CC) $(LDFLAGS) -shared -Wl,-Bsymbolic -Wl,-z,defs -o $@ $^ $(MOD_TLS_LIBS)
$(BUILD)/wgaudit-httpd.so: $(MOD_HTTPD_SRC:%.c=$(BUILD)/pic/%.o)
	$(CC) $(LDFLAGS) -shared -Wl,-Bsymbolic -o $@ $^ $(MOD_HTTPD_LIBS) $(shell $(PKG_CONFIG) --libs libsodium)
$(BUILD)/wgaudit-bpf.so: $(MOD_BPF_SRC:%.c=$(BUILD)/pic/%.o)
	$(CC) $(LDFLAGS) -shared -Wl,-Bsymbolic -o $@ $^ $(MOD_BPF_LIBS)

$(BUILD)/libwgaudit.a: $(LIB_OBJ)
	rm -f $@; ar rcs $@ $^

# -MMD -MP: each object depends on the headers it includes, no more.
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(MOD_OBJ) $(BUILD)/libwgaudit.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -MMD -MP -MF $(dir $@).$(notdir $@).d $(LDFLAGS) -o $@ $< $(MOD_OBJ) $(BUILD)/libwgaudit.a $(LDLIBS) $(MOD_LIBS)

unit-bins: $(UNIT_BIN)

# In-process benchmarks (bench/*.c): each links the library, like a unit test.
BENCH_SRC  := $(sort $(wildcard bench/*.c))
$(BUILD)/bench/%: bench/%.c $(MOD_OBJ) $(BUILD)/libwgaudit.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -MF $(dir $@).$(notdir $@).d $(LDFLAGS) -o $@ $< $(MOD_OBJ) $(BUILD)/libwgaudit.a $(LDLIBS) $(MOD_LIBS)
bench-bins: $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

# The BPF programs: compiled for the BPF target (CO-RE, with BTF: -g), then
# embedded in a libbpf skeleton header that bpf.c includes.
ifeq ($(HAVE_BPF),1)
BPF_ARCH   := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
BPF_GEN    := build/gen
CPPFLAGS   += -I$(BPF_GEN)
$(BPF_GEN)/wg.bpf.o: src/sources/bpf/wg.bpf.c src/sources/bpf/wgbpf.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I/usr/include/$(shell $(CC) -dumpmachine) -Isrc -c -o $@ $<
$(BPF_GEN)/wg.skel.h: $(BPF_GEN)/wg.bpf.o
	$(BPFTOOL) gen skeleton $< name wg_bpf > $@.tmp && mv $@.tmp $@
$(BUILD)/src/sources/bpf/bpf.o $(BUILD)/pic/src/sources/bpf/bpf.o build/fuzz/src/sources/bpf/bpf.o: $(BPF_GEN)/wg.skel.h
endif

# libFuzzer targets (clang). Each links the library built with the fuzzer flags.
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -std=c11
FUZZ_OBJ   := $(filter-out $(LAZY_SRC:%.c=$(FUZZ_BUILD)/%.o),$(ALL_SRC:%.c=$(FUZZ_BUILD)/%.o))
$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
$(FUZZ_BUILD)/libwgaudit.a: $(FUZZ_OBJ)
	rm -f $@; ar rcs $@ $^
# Linking the archive pulls in only the objects a target needs.
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libwgaudit.a
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS) $(MOD_LIBS)
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)

# The whole suite: installs what it needs, builds the sanitizer tree, runs
# unit tests, fuzz smoke runs, real-tunnel integration tests and the kernel lab.
test:
	tests/run

check-asan:
	$(MAKE) SAN=1 unit-bins $(BUILD)/wgaudit
	tests/run --unit-only

demo:
	tests/demo.sh

# Install layout: `make install` = /usr/local; the Debian package passes
# PREFIX=/usr UNITDIR=/lib/systemd/system. SYSCONFDIR stays /etc whatever
# PREFIX is: the binary looks for /etc/wgaudit/wgaudit.conf (conf.h).
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
UNIT_TMP   := $(BUILD)/wgaudit.service

# The unit's ExecStart= is rewritten to SBINDIR. /etc/wgaudit is created
# 0700 like the unit's ConfigurationDirectoryMode= (it may hold TLS keys,
# docs/tls.md); an existing directory and wgaudit.conf are left as they are.
install: wgaudit
	install -D -m 0755 $(BUILD)/wgaudit $(DESTDIR)$(SBINDIR)/wgaudit
	for m in $(MODS); do install -D -m 0644 $$m $(DESTDIR)$(MODDIR)/$$(basename $$m) || exit 1; done
	install -D -m 0644 docs/wgaudit.8 $(DESTDIR)$(MANDIR)/man8/wgaudit.8
	install -D -m 0644 docs/wgaudit.conf.5 $(DESTDIR)$(MANDIR)/man5/wgaudit.conf.5
	sed 's|^ExecStart=[^ ]*/wgaudit |ExecStart=$(SBINDIR)/wgaudit |' contrib/systemd/wgaudit.service > $(UNIT_TMP)
	grep -q '^ExecStart=$(SBINDIR)/wgaudit ' $(UNIT_TMP)
	install -D -m 0644 $(UNIT_TMP) $(DESTDIR)$(UNITDIR)/wgaudit.service
	[ -d $(DESTDIR)$(SYSCONFDIR)/wgaudit ] || install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/wgaudit
	[ -e $(DESTDIR)$(SYSCONFDIR)/wgaudit/wgaudit.conf ] || \
		install -m 0644 docs/wgaudit.conf.example $(DESTDIR)$(SYSCONFDIR)/wgaudit/wgaudit.conf

clean:
	rm -rf build wgaudit

-include $(shell find $(BUILD) $(FUZZ_BUILD) -type f -name '*.d' 2>/dev/null)

.PHONY: all test check-asan demo install clean unit-bins bench-bins fuzz
