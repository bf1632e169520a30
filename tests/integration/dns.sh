#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# dns.sh - a collector named by a host name whose DNS server never answers
# must not stop observation: the lookup runs off the loop, so peer events
# keep reaching the jsonl output within their deadline while the syslog
# output waits (and backs off on the lookup timeout); once the name
# resolves (an /etc/hosts entry) the syslog output delivers everything
# from its cursor to a real rsyslogd. All inside the test's own network
# namespace: its /etc/netns/NS/resolv.conf names 127.0.0.1, where a python
# UDP socket takes the queries and answers none (ip netns exec binds
# resolv.conf and hosts from /etc/netns/NS over /etc).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rsyslog.sh"
need_root dns
[ -x "$RSYSLOGD" ] || { skip dns "rsyslogd not installed"; exit 0; }
lab_init dn
NSETC=/etc/netns/$SRV
DNSPID=
dns_cleanup() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	[ -n "$DNSPID" ] && kill "$DNSPID" 2>/dev/null
	rsyslog_stop "$LAB/rs"
	rm -rf "$NSETC"
	lab_cleanup
}
trap dns_cleanup EXIT
mkdir -p "$NSETC"
printf 'nameserver 127.0.0.1\noptions timeout:30 attempts:1\n' > "$NSETC/resolv.conf"
printf '127.0.0.1 localhost\n' > "$NSETC/hosts"
lab_server

# The name server that never answers; it counts what it was asked.
# (ip netns exec, not the in_srv function: $! must be python's own pid.)
ip netns exec "$SRV" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
n = 0
while True:
    s.recvfrom(512); n += 1
    open(sys.argv[1], "w").write(str(n))
' "$LAB/dns.queries" &
DNSPID=$!
wait_for 5 in_srv sh -c 'ss -H -lun "sport = :53" | grep -q .' || { fail setup "blackhole DNS did not start"; exit 1; }

# rsyslogd inside the namespace (127.0.0.1 there)
printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$SRV" "$RSYSLOGD" > "$LAB/rsyslogd-ns"
chmod 755 "$LAB/rsyslogd-ns"
RSYSLOGD=$LAB/rsyslogd-ns
_rsyslog_listening() { local f=-ltn; [ "$1" = udp ] && f=-lun; in_srv ss -H $f "sport = :$2" | grep -q .; }
TPORT=$(in_srv python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
UPORT=$((TPORT + 1))
err=$(rsyslog_start "$LAB/rs" "$TPORT" "$UPORT" 2>&1) || { fail setup "rsyslogd: $err"; exit 1; }
OUT=$(rsyslog_out "$LAB/rs")

agent_start --interval 300ms --output "syslog+tcp://collector.wga-dns.test:$TPORT"
add_peer() {	# N: a new peer on the server; echoes its public key
	local pub
	pub=$(wg genkey | wg pubkey)
	in_srv wg set "$SIF" peer "$pub" allowed-ips "10.232.1.$1/32"
	echo "$pub"
}
ok=1
if ! wait_for 10 has_event AGENT_STARTED; then
	ok=0; why="no AGENT_STARTED in jsonl within 10 s"
else
	P1=$(add_peer 1)
	wait_for 5 has_event PEER_ADDED "$P1" || { ok=0; why="PEER_ADDED 1 not within 5 s"; }
	# the first lookup times out (the agent's bound, not the resolver's 30 s)
	wait_for 20 grep -q 'cannot resolve collector.wga-dns.test' "$LAB/agent.out" ||
		{ ok=0; why="no 'cannot resolve' log line within 20 s"; }
	P2=$(add_peer 2)
	wait_for 5 has_event PEER_ADDED "$P2" || { ok=0; why="PEER_ADDED 2 not within 5 s (while a lookup hangs)"; }
	P3=$(add_peer 3)
	wait_for 5 has_event PEER_ADDED "$P3" || { ok=0; why="PEER_ADDED 3 not within 5 s"; }
fi
q=$(cat "$LAB/dns.queries" 2>/dev/null || echo 0)
if [ $ok = 1 ] && [ "$q" -ge 1 ]; then pass dns_hang_does_not_stop_observation
elif [ $ok = 1 ]; then fail dns_hang_does_not_stop_observation "the blackhole saw no query (was DNS used at all?)"
else fail dns_hang_does_not_stop_observation "$why; agent: $(tail -2 "$LAB/agent.out" | tr '\n' ' ')"; fi

# The name resolves now (files before dns in nsswitch): delivery resumes
# from the cursor, nothing lost.
echo "127.0.0.1 collector.wga-dns.test" >> "$NSETC/hosts"
delivered() {
	grep -q 'msgid=AGENT_STARTED|' "$OUT" && grep -q "msgid=PEER_ADDED|.*${P1:-none}" "$OUT" &&
		grep -q "msgid=PEER_ADDED|.*${P2:-none}" "$OUT" && grep -q "msgid=PEER_ADDED|.*${P3:-none}" "$OUT"
}
if wait_for 90 delivered; then pass dns_resolves_then_delivers
else fail dns_resolves_then_delivers "rsyslog has $(grep -c . "$OUT") line(s); agent: $(tail -2 "$LAB/agent.out" | tr '\n' ' ')"; fi
agent_stop
if grep -q 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$LAB/agent.out"; then
	fail dns_sanitizer "$(grep -m1 -A3 'ERROR\|runtime error' "$LAB/agent.out" | tr '\n' ' ')"
fi
exit $T_FAILED
