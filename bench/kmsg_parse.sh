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

t0=$(now)
grep -c wireguard "$LOG" > "$DIR/grep.out" || true
t1=$(now)
"$WGAUDIT" replay --kmsg "$LOG" > "$DIR/replay.out" 2> "$DIR/replay.err"
t2=$(now)
"$WGAUDIT" replay --kmsg "$LOG" --json > /dev/null 2>&1
t3=$(now)

awk -v n="$LINES" -v g0="$t0" -v g1="$t1" -v r1="$t2" -v j1="$t3" \
    -v hits="$(cat "$DIR/grep.out")" -v events="$(wc -l < "$DIR/replay.out")" 'BEGIN {
	g = g1 - g0; r = r1 - g1; j = j1 - r1;
	if (g <= 0) g = 1e-6;
	printf "lines:               %d (%d contain \"wireguard\")\n", n, hits;
	printf "grep -c wireguard:   %.3f s  %12.0f lines/s\n", g, n / g;
	printf "wgaudit replay:      %.3f s  %12.0f lines/s  (%d events)\n", r, n / r, events;
	printf "wgaudit replay json: %.3f s  %12.0f lines/s\n", j, n / j;
	printf "ratio replay/grep:   %.1fx\n", r / g;
}'
sed 's/^/summary: /' "$DIR/replay.err"
echo "reproduce: make && bench/kmsg_parse.sh $LINES"
