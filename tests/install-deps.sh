#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Everything the build, the tests and the demo use, from Debian 12 packages.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential pkg-config clang libclang-rt-14-dev \
	libmnl-dev libinih-dev libsqlite3-dev libsodium-dev libssl-dev libsystemd-dev libcap-ng-dev \
	libbpf-dev bpftool libmicrohttpd-dev \
	sqlite3 iproute2 iputils-ping procps psmisc python3 \
	wireguard-tools wireguard-go rsyslog rsyslog-openssl util-linux bsdextrautils \
	openssl ca-certificates systemd \
	qemu-system-x86 busybox-static cpio kmod \
	rsyslog-relp debhelper dpkg-dev fakeroot lintian prometheus curl \
	libivykis0 libnet1 libwrap0 libjson-c5 libglib2.0-0 libpcre3 libcap2
# The last line: what syslog-ng-core needs at run time. syslog-ng itself
# conflicts with rsyslog as a package: tests/integration/siem_snippets.sh
# downloads syslog-ng-core with apt-get download and runs it unpacked.
