#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Real-time interface events (rtnetlink + UAPI socket directory) and the
# /dev/kmsg source: parsing, peer resolution by endpoint, facility filter,
# resume after restart, and ring-buffer gaps. Kernel-log lines are written
# into /dev/kmsg by the test (they arrive with facility "user", so the agent
# runs with accept_user_records, the documented test option). The gap case
# overwrites this machine's kernel ring buffer: fine on a test machine.
. "$(dirname "$0")/lib.sh"
need_root iface_kmsg
[ -w /dev/kmsg ] || { skip iface_kmsg "/dev/kmsg not writable"; exit 0; }
lab_init km
lab_server
lab_client 1
X=kmx

conf() {	# conf ACCEPT(yes|no)
	cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 30s
interfaces = $SIF $X
[kmsg]
enabled = yes
accept_user_records = $1
CONF
}
kmsg() { echo "<7>$*" > /dev/kmsg; }
# /dev/kmsg is the host's: a fresh agent reads the whole ring, earlier runs'
# lines included. What this run writes carries its own numbers and words,
# so a check can only match this run's records.
RUN=$$x$RANDOM
PEERNO=$((RANDOM % 9000 + 1000)) KPNO=$((RANDOM % 9000 + 1000)) P6=$((RANDOM % 50000 + 10000))
# kmsg_seq_of TEXT: sequence number of the last /dev/kmsg record containing TEXT
kmsg_seq_of() {
	python3 - "$1" <<'PY'
import os, sys
fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
seq = ""
while True:
    try:
        r = os.read(fd, 8192)
    except BlockingIOError:
        break
    except BrokenPipeError:	# overwritten while we read: go on
        continue
    if not r:
        break
    head, _, text = r.partition(b";")
    if sys.argv[1].encode() in text:
        seq = head.split(b",")[1].decode()
print(seq)
PY
}
# agent_kmsg_past SEQ: the agent has read /dev/kmsg past record SEQ (its
# saved cursor, committed with whatever events those records made)
agent_kmsg_past() {
	local cur
	cur=$(python3 -c '
import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=1)
r = c.execute("SELECT value FROM meta WHERE key = ?", ("kmsg_seq",)).fetchone()
print(r[0] if r else 0)' "$LAB/state/wgaudit.db" 2>/dev/null)
	[ -n "$1" ] && [ "${cur:-0}" -ge "$1" ]
}
conf yes
agent_start -c "$LAB/wgaudit.conf" --interface "$X"
wait_for 10 has_event AGENT_STARTED || fail start "agent did not start: $(tail -3 "$LAB/agent.out")"

# Interfaces: the poll interval is 30 s, so these are the real-time paths
# (inotify on the UAPI directory, rtnetlink). Each event's own time stamp,
# against the moment the change was made, must be within a second.
realtime() {	# name type action...
	local name=$1 type=$2 t0 ts lat
	shift 2
	t0=$(date +%s.%N)
	"$@"
	if ! wait_for 3 has_event "$type" "\"iface\":\"$X\""; then
		fail "$name" "no $type for $X within 3 s"
		return
	fi
	ts=$(grep "\"type\":\"$type\"" "$LAB/events.jsonl" | grep "\"iface\":\"$X\"" | tail -1 |
		python3 -c 'import json,sys,datetime; t=json.loads(sys.stdin.read())["time"]; print(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp())')
	lat=$(python3 -c "print(round($ts - $t0, 3))")
	if python3 -c "import sys; sys.exit(0 if $lat < 1.0 else 1)"; then
		pass "$name"
		echo "     $type latency ${lat}s"
	else
		fail "$name" "$type came ${lat}s after the change (want < 1 s)"
	fi
}
realtime iface_created_realtime IFACE_CREATED wggo_up "$SRV" "$X"
realtime iface_up_realtime IFACE_UP in_srv ip link set "$X" up
realtime iface_down_realtime IFACE_DOWN in_srv ip link set "$X" down
realtime iface_destroyed_realtime IFACE_DESTROYED in_srv ip link del "$X"

# wireguard-go killed -9 leaves its socket file behind, stale (a connect is
# refused). The poller lists socket files without connecting to each
# (uapi_list_files): the stale one must count as gone, not as an interface
# that failed to be read: IFACE_DESTROYED, and no warning about it.
ev_n() { [ "$(ev_count "$1" "\"iface\":\"$X\"")" -ge "$2" ]; }
wggo_up "$SRV" "$X" && wait_for 5 ev_n IFACE_CREATED 2 || fail stale_socket_gone "no second IFACE_CREATED"
WGPID=$(pgrep -f "^wireguard-go $X\$")
if [ -z "$WGPID" ]; then
	fail stale_socket_gone "no wireguard-go process for $X"
else
	kill -9 $WGPID
	stale_left() { [ -S "/var/run/wireguard/$X.sock" ] && ! in_srv ip link show "$X"; }
	wait_for 5 stale_left || fail stale_socket_gone "the socket file did not stay behind"
	kill -HUP "$AGENT_PID"	# a poll now: the interval is 30 s
	if ! wait_for 10 ev_n IFACE_DESTROYED 2; then
		fail stale_socket_gone "no IFACE_DESTROYED for $X after kill -9: $(tail -3 "$LAB/agent.out")"
	elif grep -F "$X" "$LAB/agent.out" | grep -qi "refused"; then
		fail stale_socket_gone "a stale socket logged as a failure: $(grep -F "$X" "$LAB/agent.out" | tail -1)"
	else
		pass stale_socket_gone
	fi
fi
rm -f "/var/run/wireguard/$X.sock"

# Kernel lines: parsed, endpoint normalised, peer resolved by endpoint then by number.
in_cli 1 ping -c 2 -W 2 10.232.0.1 >/dev/null
C1=$(cat "$LAB/c1.pub")
kill -HUP "$AGENT_PID"	# poll now: learn client 1's endpoint
# The poll has learnt it once it reports the handshake (not after a sleep).
wait_for 10 has_event PEER_HANDSHAKE "\"peer\":\"$C1\"" ||
	fail hup_poll "no PEER_HANDSHAKE for client 1 after SIGHUP: its endpoint is not known"
kmsg "wireguard: $SIF: Receiving handshake initiation from peer $PEERNO (10.231.1.2:40001)"
kmsg "wireguard: $SIF: Keypair $KPNO created for peer $PEERNO"
kmsg "wireguard: $SIF: Invalid handshake initiation from [fd00::9]:$P6/0%0"
if wait_for 3 has_event KEYPAIR_CREATED "\"keypair_id\":\"$KPNO\""; then
	hs=$(grep '"type":"HANDSHAKE_INITIATION_RECEIVED"' "$LAB/events.jsonl" | grep -E "\"peer_id\":\"?$PEERNO[\",}]" | tail -1)
	kp=$(grep '"type":"KEYPAIR_CREATED"' "$LAB/events.jsonl" | grep -F "\"keypair_id\":\"$KPNO\"" | tail -1)
	if echo "$hs" | grep -qF "\"peer\":\"$C1\"" &&
	   echo "$hs" | grep -q '"source":"kmsg"' && echo "$kp" | grep -qF "\"peer\":\"$C1\""; then
		pass kmsg_peer_resolved
	else
		fail kmsg_peer_resolved "hs=$hs kp=$kp"
	fi
else
	fail kmsg_peer_resolved "no KEYPAIR_CREATED event"
fi
# Written after the keypair line, so it may come after it: wait for it too.
wait_for 3 has_event INVALID_HANDSHAKE_INITIATION "\[fd00::9\]:$P6"
inv=$(grep '"type":"INVALID_HANDSHAKE_INITIATION"' "$LAB/events.jsonl" | grep -F "[fd00::9]:$P6" | tail -1)
if echo "$inv" | grep -qF "\"endpoint\":\"[fd00::9]:$P6\"" && ! echo "$inv" | grep -q '"peer"'; then
	pass kmsg_invalid_handshake_ipv6
else
	fail kmsg_invalid_handshake_ipv6 "$inv"
fi

# Facility filter: without the test option, user-written records are not kernel lines.
agent_stop
conf no
agent_start -c "$LAB/wgaudit.conf" --interface "$X"
wait_for 10 sh -c "[ \$(grep -c AGENT_STARTED '$LAB/events.jsonl') -ge 2 ]"
SPOOF="fake marker $RUN spoofed"
kmsg "wireguard: $SIF: $SPOOF"
# Nothing may come of it: wait until the agent's kmsg cursor is past the
# record (the positive marker), then stop it, which flushes the output.
seq=$(kmsg_seq_of "$SPOOF")
wait_for 10 agent_kmsg_past "$seq"; past=$?
agent_stop
if [ $past != 0 ]; then fail kmsg_user_records_ignored "the agent did not read past record $seq in 10 s"
elif [ "$(grep -c "$SPOOF" "$LAB/events.jsonl")" = 0 ]; then pass kmsg_user_records_ignored
else fail kmsg_user_records_ignored "a userspace-written record became an event"; fi

# Resume: records written while the agent is down are read once after restart.
conf yes
for i in 1 2 3; do kmsg "wireguard: $SIF: resume marker $RUN $i"; done
before_hs=$(ev_count HANDSHAKE_INITIATION_RECEIVED)
agent_start -c "$LAB/wgaudit.conf" --interface "$X"
wait_for 10 sh -c "[ \$(grep -c AGENT_STARTED '$LAB/events.jsonl') -ge 3 ]"
wait_for 3 grep -q "resume marker $RUN 3" "$LAB/events.jsonl"
n=$(grep -c "resume marker $RUN" "$LAB/events.jsonl")
if [ "$n" = 3 ] && [ "$(ev_count HANDSHAKE_INITIATION_RECEIVED)" = "$before_hs" ] &&
   [ "$(grep -c "$SPOOF" "$LAB/events.jsonl")" = 0 ]; then
	pass kmsg_resume_after_restart
else
	fail kmsg_resume_after_restart "resume markers: $n (want 3), handshake events $before_hs -> $(ev_count HANDSHAKE_INITIATION_RECEIVED)"
fi

# Gap: the ring buffer (klogctl size) overwrites what the stopped agent did not read.
agent_stop
size=$(python3 -c 'import ctypes; print(ctypes.CDLL(None).klogctl(10, None, 0))')
lines=$((size / 60 + 500))
pad=$(printf '%0100d' 0)
for i in $(seq "$lines"); do echo "<7>gap filler $i $pad" > /dev/kmsg; done
gaps=$(ev_count KMSG_GAP)
agent_start -c "$LAB/wgaudit.conf" --interface "$X"
if wait_for 10 sh -c "[ \$(grep -c '\"type\":\"KMSG_GAP\"' '$LAB/events.jsonl') -gt $gaps ]"; then
	lost=$(ev_field KMSG_GAP lost)
	if [ -n "$lost" ] && [ "$lost" -gt 0 ]; then pass kmsg_gap_reported
	else fail kmsg_gap_reported "KMSG_GAP without a positive lost count: $(grep KMSG_GAP "$LAB/events.jsonl" | tail -1)"; fi
else
	fail kmsg_gap_reported "no KMSG_GAP after writing $lines records into a $size-byte ring"
fi
agent_stop
exit $T_FAILED
