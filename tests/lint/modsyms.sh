#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/lint/modsyms.sh BINARY MODULE... - every symbol a module
# (wgaudit-*.so, net/modload.h) leaves undefined is defined by the binary's
# dynamic symbol table (the Makefile's *_USES exports) or by a library the
# module itself needs. dlopen(RTLD_NOW) would fail on the first one missing,
# and only on a host that uses the module (wgaudit-bpf.so: one with the
# wireguard kernel module): this finds it at build time.
set -u
bin=$1
shift
have=$(mktemp)
trap 'rm -f "$have"' EXIT
nm -D --defined-only "$bin" | awk '{print $3}' >"$have"
bad=0
for m in "$@"; do
	libs=$(ldd "$m" | awk '/=> \// {print $3}')
	for lib in $libs; do
		nm -D --defined-only "$lib" | awk '{sub(/@.*/, "", $3); print $3}'
	done >>"$have"
	for s in $(nm -D --undefined-only "$m" | awk '$1 == "U" {sub(/@.*/, "", $2); print $2}'); do
		if ! grep -qx -- "$s" "$have"; then
			echo "FAIL modsyms: $(basename "$m") needs $s, which $(basename "$bin") does not export (Makefile *_USES)"
			bad=1
		fi
	done
done
[ $bad = 0 ] && echo "PASS modsyms"
exit $bad
