#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kmsg_parse.sh - replay throughput on a 1,000,000-line mixed flood log,
# against `grep -c wireguard` on the same file in the same run.
#
#   make && bench/kmsg_parse.sh [LINES]
#
# The log mixes what a server under a handshake flood writes to kern.log:
# syslog-stamped WireGuard lines (invalid initiations and MACs from many
# sources, IPv4 and IPv6, keypair/handshake/keepalive chatter), net_ratelimit
# suppression lines, dmesg-style and raw /dev/kmsg records, dyndbg-prefixed
# lines and unrelated kernel noise.
set -eu

WGAUDIT=${WGAUDIT:-build/rel/wgaudit}
LINES=${1:-1000000}
DIR=$(mktemp -d /tmp/wgaudit-bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
LOG=$DIR/flood.log

[ -x "$WGAUDIT" ] || { echo "build first: make ($WGAUDIT missing)" >&2; exit 2; }

awk -v n="$LINES" 'BEGIN {
	for (i = 0; i < n; i++) {
		s = i % 60; m = int(i / 60) % 60;
		ts = sprintf("Nov 25 12:%02d:%02d gw kernel: [%6d.%06d] ", m, s, 1000 + int(i / 1000), i % 1000000);
		a = (i * 7) % 250 + 1; b = (i * 13) % 250 + 1; p = 1024 + i % 60000;
		k = i % 20;
		if (k < 6)
			print ts "wireguard: wg0: Invalid handshake initiation from 198.51." a "." b ":" p;
		else if (k < 8)
			print ts "wireguard: wg0: Invalid MAC of handshake, dropping packet from [2001:db8::" a ":" b "]:" p "/0%0";
		else if (k == 8)
			print ts "wireguard: wg0: Receiving handshake initiation from peer " a " (192.0.2." b ":51820)";
		else if (k == 9)
			print ts "wireguard: wg0: Keypair " i " created for peer " a;
		else if (k == 10)
			print ts "net_ratelimit: " (i % 5000) " callbacks suppressed";
		else if (k == 11)
			print "[" sprintf("%5d.%06d", 1000 + int(i / 1000), i % 1000000) "] wireguard: wg0: Sending keepalive packet to peer " a " (192.0.2." b ":51820)";
		else if (k == 12)
			print "7," i "," (1000000 + i) ",-;wireguard: wg0: Handshake for peer " a " (192.0.2." b ":51820) did not complete after 5 seconds, retrying (try 2)";
		else if (k == 13)
			print ts "[" (100 + a) "] wireguard:wg_packet_receive: wireguard: wg0: Dropping handshake packet from 203.0.113." a ":" p;
		else if (k == 14)
			print ts "wireguard: wg1: Packet has unallowed src IP (10.0.0." a ") from peer " b " (192.0.2." b ":51820)";
		else if (k < 17)
			print ts "audit: type=1400 audit(1700000000.123:" i "): apparmor=\"DENIED\" operation=\"open\" profile=\"snap\"";
		else if (k < 19)
			print ts "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready";
		else
			print ts "usb 1-1: new high-speed USB device number " a " using xhci_hcd";
	}
}' > "$LOG"

now() { date +%s.%N; }

# mark N: the shell's `times` (second line: user and sys of its children so
# far) into a file, so a busy shared machine shows what each run cost, not
# only how long it waited. In this shell, not in $(...): a subshell's
# children are not ours.
mark() { times > "$DIR/times.$1"; }
cpu() { awk 'NR == 2 { split($1, u, "m"); split($2, s, "m");
	print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$DIR/times.$1"; }

mark 0; t0=$(now)
# Not to /dev/null: GNU grep stops at the first match when its output is.
grep -c wireguard "$LOG" > "$DIR/grep.out" || true
t1=$(now); mark 1
"$WGAUDIT" replay --kmsg "$LOG" > "$DIR/replay.out" 2> "$DIR/replay.err"
t2=$(now); mark 2
"$WGAUDIT" replay --kmsg "$LOG" --json > "$DIR/replay.json" 2>&1
t3=$(now); mark 3
c0=$(cpu 0) c1=$(cpu 1) c2=$(cpu 2) c3=$(cpu 3)

awk -v n="$LINES" -v g0="$t0" -v g1="$t1" -v r1="$t2" -v j1="$t3" \
    -v c0="$c0" -v c1="$c1" -v c2="$c2" -v c3="$c3" \
    -v hits="$(cat "$DIR/grep.out")" -v events="$(wc -l < "$DIR/replay.out")" 'BEGIN {
	g = g1 - g0; r = r1 - g1; j = j1 - r1;
	gc = c1 - c0; rc = c2 - c1; jc = c3 - c2;
	if (g <= 0) g = 1e-6;
	if (gc <= 0) gc = 0.001;
	printf "lines:               %d (%d contain \"wireguard\")\n", n, hits;
	printf "                     wall                          CPU (user+sys)\n";
	printf "grep -c wireguard:   %.3f s  %12.0f lines/s   %.3f s  %12.0f lines/s\n", g, n / g, gc, n / gc;
	printf "wgaudit replay:      %.3f s  %12.0f lines/s   %.3f s  %12.0f lines/s  (%d events)\n", r, n / r, rc, n / rc, events;
	printf "wgaudit replay json: %.3f s  %12.0f lines/s   %.3f s  %12.0f lines/s\n", j, n / j, jc, n / jc;
	printf "ratio replay/grep:   %.1fx wall, %.1fx CPU\n", r / g, rc / gc;
}'
sed 's/^/summary: /' "$DIR/replay.err"
echo "reproduce: make && bench/kmsg_parse.sh $LINES"
