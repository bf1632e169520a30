#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Crash at every failpoint (src/base/failpoint.h; the names are listed in
# docs/ARCHITECTURE.md "Failpoints"), restart cleanly, check the promise:
#  - every expected event (PEER_ADDED / PEER_REMOVED of known keys,
#    IFACE_CREATED / IFACE_DESTROYED of known interfaces, a wireguard-go
#    log line) is in the journal exactly once: never missing, never twice;
#  - the jsonl output holds every journaled event exactly once, ids 1..N
#    without a gap or a repeat (jsonl resumes after its last complete line,
#    see docs/wgaudit.8 "Delivery").
# Each round changes the lab while the agent is down (a peer added, the
# previous one and the last marker removed, an interface created with a
# peer, the previous one destroyed, two log lines), starts the agent with
# WGAUDIT_FAILPOINT=name[:n] and waits for it to exit 137, restarts it
# without, and waits for a marker peer's PEER_ADDED (a later poll).
# Needs the sanitizer build (failpoints compiled in).
. "$(dirname "$0")/lib.sh"
need_root crash
# Every failpoint, and some at a later pass (:n) so that a crash also
# lands mid-turn, after earlier writes of the same turn.
FPS=${CRASH_FAILPOINTS:-"store_append store_append:2 store_append:5
	store_peer_put store_peer_put:2 store_append:7
	store_append_batch store_append_batch:2
	store_iface_put store_iface_put:2
	store_peer_delete store_peer_delete:2 store_peer_delete:3
	store_iface_delete store_meta_set store_cursor_set store_cursor_set:2
	store_commit_before store_commit_before:2 store_commit_before:3
	store_commit_after store_commit_after:2 store_commit_after:3
	store_trim"}
lab_init cr
trap 'lab_cleanup; rm -f /var/run/wireguard/${TAG}x*.sock' EXIT
lab_server
lab_client 1 1	# handshaking all along (keepalive 1 s)

cat > "$LAB/wgaudit.conf" <<CONF
[kmsg]
enabled = no
wireguard_go_log = $LAB/wg.log
[checks]
enable_flood = no
[journal]
max_events = 40
CONF
: > "$LAB/wg.log"
IFS_ARGS="--interface $SIF"
for i in $(seq 0 40); do IFS_ARGS="$IFS_ARGS --interface ${TAG}x$i"; done

crash_start() {	# FAILPOINT (empty: none)
	# shellcheck disable=SC2086
	WGAUDIT_FAILPOINT=$1 ip netns exec "$SRV" "$WGAUDIT" run --state-dir "$LAB/state" \
		$IFS_ARGS --interval 300ms -c "$LAB/wgaudit.conf" \
		--output "jsonl:$LAB/events.jsonl" >> "$LAB/agent.out" 2>&1 &
	AGENT_PID=$!
}
jcount() {	# journal events of TYPE matching the fixed string S
	"$WGAUDIT" events --state-dir "$LAB/state" --json --tail 100000 2>/dev/null |
		grep "\"type\":\"$1\"" | grep -cF -- "$2"
}
jhas() { [ "$(jcount "$1" "$2")" -ge 1 ]; }	# re-evaluated by wait_for
exited() { ! kill -0 "$AGENT_PID" 2>/dev/null; }
newkey() { wg genkey | wg pubkey; }

# Round 0: the baseline, clean. One log line read, so the follower has a
# saved position (a file it never read is followed from its end).
crash_start ""
wait_for 20 has_event AGENT_STARTED || { fail start "$(tail -3 "$LAB/agent.out")"; exit 1; }
echo "DEBUG: ($SIF) 2026/11/25 13:00:00 Received invalid initiation message from 10.9.0.1:51820" >> "$LAB/wg.log"
wait_for 20 jhas INVALID_HANDSHAKE_INITIATION 10.9.0.1: || fail start "the log line was not read"
agent_stop

prev_peer= prev_marker= prev_if= round=0 ok=0
for fp in $FPS; do
	round=$((round + 1))
	# --- change the lab while the agent is down ---
	P=$(newkey); in_srv wg set "$SIF" peer "$P" allowed-ips "10.240.$round.0/24"
	[ -n "$prev_peer" ] && in_srv wg set "$SIF" peer "$prev_peer" remove
	[ -n "$prev_marker" ] && in_srv wg set "$SIF" peer "$prev_marker" remove
	IF=${TAG}x$round
	wggo_up "$SRV" "$IF" || { fail setup "wireguard-go $IF"; exit 1; }
	Q=$(newkey); in_srv wg set "$IF" listen-port $((52000 + round)) peer "$Q" allowed-ips 10.241.$round.0/24
	[ -n "$prev_if" ] && { in_srv ip link del "$prev_if"; rm -f "/var/run/wireguard/$prev_if.sock"; }
	for k in 1 2; do
		echo "DEBUG: ($SIF) 2026/11/25 13:00:00 Received invalid initiation message from 10.9.$round.$k:51820" >> "$LAB/wg.log"
	done
	# --- crash ---
	crash_start "$fp"
	if ! wait_for 30 exited; then
		fail "crash_$fp" "failpoint did not fire in 30 s"
		agent_stop
	else
		wait "$AGENT_PID"; rc=$?; AGENT_PID=
		[ $rc = 137 ] || fail "crash_$fp" "exit $rc, want 137: $(tail -2 "$LAB/agent.out")"
	fi
	# --- restart cleanly, until a later poll has surely gone by ---
	crash_start ""
	M=$(newkey)
	wait_for 20 has_event AGENT_STARTED
	in_srv wg set "$SIF" peer "$M" allowed-ips "10.242.$round.0/24"
	wait_for 20 jhas PEER_ADDED "$M" ||
		fail "restart_$fp" "no PEER_ADDED for the marker: $(tail -2 "$LAB/agent.out")"
	bad=
	want() {	# TYPE STRING
		local n; n=$(jcount "$1" "$2")
		[ "$n" = 1 ] || bad="$bad $1(${2:0:12})=$n"
	}
	want PEER_ADDED "\"peer\":\"$P\""
	want IFACE_CREATED "\"iface\":\"$IF\""
	want PEER_ADDED "\"peer\":\"$Q\""
	want INVALID_HANDSHAKE_INITIATION "10.9.$round.1:51820"
	want INVALID_HANDSHAKE_INITIATION "10.9.$round.2:51820"
	[ -n "$prev_peer" ] && want PEER_REMOVED "\"peer\":\"$prev_peer\""
	[ -n "$prev_marker" ] && want PEER_REMOVED "\"peer\":\"$prev_marker\""
	[ -n "$prev_if" ] && want IFACE_DESTROYED "\"iface\":\"$prev_if\""
	if [ -z "$bad" ]; then
		ok=$((ok + 1))
		pass "exactly_once_after_$fp"
	else
		fail "exactly_once_after_$fp" "journal:$bad"
	fi
	agent_stop
	prev_peer=$P prev_marker=$M prev_if=$IF
done

# The jsonl output: every journaled id once, 1..N, and well-formed lines.
last=$("$WGAUDIT" events --state-dir "$LAB/state" --json --tail 1 | python3 -c '
import json,sys; print(json.loads(sys.stdin.readline())["id"])')
res=$(python3 - "$LAB/events.jsonl" "$last" <<'PY'
import json, sys
ids, inst, bad = [], set(), []
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        e = json.loads(line)
    except ValueError:
        bad.append("line %d unparsable" % n); continue
    i, s = e["event_id"].rsplit("-", 1)
    inst.add(i)
    if int(s) != e["id"]:
        bad.append("line %d: event_id %s for id %d" % (n, e["event_id"], e["id"]))
    ids.append(e["id"])
last = int(sys.argv[2])
dups = sorted({i for i in ids if ids.count(i) > 1})
gaps = sorted(set(range(1, last + 1)) - set(ids))
if dups: bad.append("repeated ids %s" % dups[:10])
if gaps: bad.append("missing ids %s" % gaps[:10])
if len(inst) != 1: bad.append("instances %s" % inst)
print("; ".join(bad) if bad else "ok %d" % len(ids))
PY
)
case $res in
ok*) pass "jsonl_exactly_once ($res of $last)" ;;
*) fail jsonl_exactly_once "$res" ;;
esac
grep -q "runtime error\|AddressSanitizer" "$LAB/agent.out" &&
	fail sanitizers "$(grep -m2 "runtime error\|AddressSanitizer" "$LAB/agent.out")"
in_srv ip link del "$prev_if" 2>/dev/null; rm -f "/var/run/wireguard/$prev_if.sock"
exit $T_FAILED
