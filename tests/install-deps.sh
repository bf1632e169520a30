#!/bin/sh
# Everything the build, the tests and the demo use, from Debian 12 packages.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential pkg-config clang libclang-rt-14-dev \
	libmnl-dev libinih-dev libsqlite3-dev libssl-dev libsystemd-dev libcap-ng-dev \
	sqlite3 iproute2 iputils-ping procps psmisc python3 \
	wireguard-tools wireguard-go rsyslog rsyslog-openssl util-linux bsdextrautils \
	openssl ca-certificates systemd \
	qemu-system-x86 busybox-static cpio kmod \
	debhelper dpkg-dev fakeroot lintian
