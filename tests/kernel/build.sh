#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/kernel/build.sh - build the kernel lab: Debian's cloud kernel (which
# ships wireguard.ko) plus an initramfs with busybox, wg, iproute2, the lab's
# helpers and (when built) wgaudit. Idempotent; everything lives in
# build/kernel/. Nothing is installed into /boot.
#
# Exit 0: build/kernel/vmlinuz and build/kernel/initramfs.cpio.gz are ready.
# Exit 77: the lab cannot be built here (reason on the last line of stdout,
# "SKIP-REASON: ..."). Other: a real build failure.
#
# Env: WGAUDIT=path (default build/rel/wgaudit if present), NO_INSTALL=1 (do
# not call apt-get), KERNEL_PKG=linux-image-cloud-amd64.
set -eu
cd "$(dirname "$0")/../.."
TOP=$PWD
B=$TOP/build/kernel
META=${KERNEL_PKG:-linux-image-cloud-amd64}
# insmod order: dependencies first (the .deb has no modules.dep).
MODULES="libchacha libcurve25519-generic curve25519-x86_64 udp_tunnel ip6_udp_tunnel
poly1305-x86_64 chacha-x86_64 libchacha20poly1305 wireguard veth"
mkdir -p "$B"

skip() { echo "SKIP-REASON: $*"; exit 77; }
log() { echo "build.sh: $*" >&2; }

# --- host tools -------------------------------------------------------------
updated=0
need() {	# command package
	command -v "$1" > /dev/null 2>&1 && return 0
	[ "${NO_INSTALL:-0}" = 1 ] && skip "$1 missing (package $2) and NO_INSTALL=1"
	log "installing $2"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends "$2" >> "$B/apt.log" 2>&1; then
		if [ $updated = 0 ]; then
			updated=1
			apt-get update >> "$B/apt.log" 2>&1 || true
			apt-get install -y --no-install-recommends "$2" >> "$B/apt.log" 2>&1 && return 0
		fi
		skip "cannot install $2 (see $B/apt.log)"
	fi
}
need qemu-system-x86_64 qemu-system-x86
need cpio cpio
need gcc gcc
need dpkg-deb dpkg
need wg wireguard-tools
[ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need ip iproute2
need ldd libc-bin
# The busybox package is dynamically linked; the lab wants busybox-static.
BUSYBOX=$(command -v busybox || true)
if [ -z "$BUSYBOX" ] || ldd "$BUSYBOX" > /dev/null 2>&1; then
	BUSYBOX=
	need busybox-static-missing busybox-static 2> /dev/null || true
	BUSYBOX=$(command -v busybox || true)
	{ [ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" > /dev/null 2>&1; } || skip "no static busybox"
fi
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need libc6-dev-missing libc6-dev

# --- kernel package ---------------------------------------------------------
# Resolve the meta package to its versioned image (linux-image-6.1.0-N-cloud-amd64).
image_pkg() {
	apt-cache depends "$META" 2> /dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
PKG=$(image_pkg)
if [ -z "$PKG" ] && [ "${NO_INSTALL:-0}" != 1 ]; then
	apt-get update >> "$B/apt.log" 2>&1 || true
	PKG=$(image_pkg)
fi
if [ -z "$PKG" ]; then
	# Offline: reuse whatever was unpacked before.
	[ -f "$B/kernel-pkg" ] || skip "cannot resolve $META to a kernel image package"
	PKG=$(cat "$B/kernel-pkg")
fi
KVER=${PKG#linux-image-}
if [ ! -f "$B/root/boot/vmlinuz-$KVER" ] || [ ! -f "$B/root/lib/modules/$KVER/kernel/drivers/net/wireguard/wireguard.ko" ]; then
	log "downloading $PKG"
	mkdir -p "$B/deb"
	rm -f "$B"/deb/*.deb
	(cd "$B/deb" && apt-get download "$PKG" >> "$B/apt.log" 2>&1) ||
		skip "apt-get download $PKG failed (see $B/apt.log)"
	rm -rf "$B/root"
	dpkg-deb -x "$B"/deb/"$PKG"_*.deb "$B/root"
fi
echo "$PKG" > "$B/kernel-pkg"
echo "$KVER" > "$B/kernel-version"
ln -sf "root/boot/vmlinuz-$KVER" "$B/vmlinuz"
MODDIR=$B/root/lib/modules/$KVER

# --- helpers ----------------------------------------------------------------
for h in udpsend kmsgdump; do
	if [ ! -x "$B/$h" ] || [ "tests/kernel/$h.c" -nt "$B/$h" ]; then
		gcc -static -O2 -Wall -Wextra -o "$B/$h" "tests/kernel/$h.c"
	fi
done

# --- initramfs --------------------------------------------------------------
# Rebuilt only when an input changed (name, size, mtime of each).
WGA=${WGAUDIT:-$TOP/build/rel/wgaudit}
IPBIN=/usr/sbin/ip
[ -x $IPBIN ] || IPBIN=/sbin/ip
stamp=$(stat -L -c '%n %s %Y' tests/kernel/init tests/kernel/build.sh "$B/udpsend" "$B/kmsgdump" \
	"$BUSYBOX" "$IPBIN" "$(command -v wg)" "$MODDIR/kernel/drivers/net/wireguard/wireguard.ko" \
	$( [ -x "$WGA" ] && echo "$WGA" "$(dirname "$WGA")"/wgaudit-*.so) 2> /dev/null)
if [ -f "$B/initramfs.cpio.gz" ] && [ "$stamp" = "$(cat "$B/initramfs.stamp" 2> /dev/null)" ]; then
	log "up to date: $B/vmlinuz ($KVER), $B/initramfs.cpio.gz"
	exit 0
fi
R=$B/initramfs
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,opt/iproute2,proc,sys,dev,run,tmp,etc,root,lib/modules,var/lib/wgaudit}
ln -s ../run "$R/var/run"
cp "$BUSYBOX" "$R/bin/busybox"
"$BUSYBOX" --list-full | while read -r a; do
	[ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done
for m in $MODULES; do
	f=$(find "$MODDIR" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
	[ -n "$f" ] || { echo "module $m not found in $PKG" >&2; exit 1; }
	case $f in
	*.xz) xz -dc "$f" > "$R/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" > "$R/lib/modules/$m.ko" ;;
	*) cp "$f" "$R/lib/modules/$m.ko" ;;
	esac
done
echo "$MODULES" | tr ' ' '\n' | grep . > "$R/lib/modules/order"
echo "$KVER" > "$R/etc/kernel-version"

# copy_bin SRC DEST: a dynamic executable and every library ldd names.
copy_bin() {
	cp -L "$1" "$R/$2"
	ldd "$1" 2> /dev/null | awk '
		/=> \// { print $3 }
		/^\t\/[^ ]+ \(/ { print $1 }' | while read -r lib; do
		[ -e "$R$lib" ] && continue
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
}
copy_bin "$IPBIN" opt/iproute2/ip
copy_bin "$(command -v wg)" usr/bin/wg
cp "$B/udpsend" "$B/kmsgdump" "$R/usr/local/bin/"
if [ -x "$WGA" ]; then
	copy_bin "$WGA" usr/local/bin/wgaudit
	# Its modules (net/modload.h) beside it, with the libraries they need:
	# wgaudit-bpf.so brings libbpf for the eBPF cases.
	for m in "$(dirname "$WGA")"/wgaudit-*.so; do
		[ -f "$m" ] && copy_bin "$m" "usr/local/bin/$(basename "$m")"
	done
	log "including wgaudit from $WGA"
else
	log "no wgaudit binary ($WGA): agent cases will SKIP"
fi
cp tests/kernel/init "$R/init"
chmod 755 "$R/init"
echo root:x:0:0:root:/root:/bin/sh > "$R/etc/passwd"
echo root:x:0: > "$R/etc/group"
echo wgalab > "$R/etc/hostname"
(cd "$R" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 > "$B/initramfs.cpio.gz.tmp"
mv "$B/initramfs.cpio.gz.tmp" "$B/initramfs.cpio.gz"
echo "$stamp" > "$B/initramfs.stamp"
log "ready: $B/vmlinuz ($KVER), $B/initramfs.cpio.gz ($(du -k "$B/initramfs.cpio.gz" | cut -f1) KiB)"
