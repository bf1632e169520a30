#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A bounded journal drops its oldest events only with an EVENTS_DROPPED
# event that says how many; delivery of what was journaled is unaffected.
# Events come from a wireguard-go log file the agent follows.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip journal_bound "needs root"; exit 0; }
D=$(mktemp -d /tmp/wga-jb.XXXXXX)
trap '[ -n "${AGENT_PID:-}" ] && kill $AGENT_PID 2>/dev/null; rm -rf "$D"' EXIT	# lab_init replaces it below
cat > "$D/wgaudit.conf" <<CONF
[agent]
interval = 200ms
interfaces = wgj0
[kmsg]
enabled = no
wireguard_go_log = $D/wg.log
[checks]
enable_flood = no
[journal]
max_events = 20
[output "local"]
url = jsonl:$D/out.jsonl
CONF
: > "$D/wg.log"
"$WGAUDIT" run -c "$D/wgaudit.conf" --state-dir "$D/state" > "$D/agent.out" 2>&1 &
AGENT_PID=$!
wait_for 10 grep -q AGENT_STARTED "$D/out.jsonl" || { fail journal_bound "agent did not start: $(tail -3 "$D/agent.out")"; exit 1; }
for i in $(seq 60); do
	echo "DEBUG: (wgj0) 2026/11/25 13:00:00 Received invalid initiation message from 10.9.9.$i:51820" >> "$D/wg.log"
done
# The agent may read the 60 lines over several turns, and it trims after a
# poll: the first EVENTS_DROPPED can be out before the last of them, and
# the journal can be above its bound until the next trim. Wait (bounded)
# for all three, not just the first EVENTS_DROPPED.
kept() { "$WGAUDIT" events --state-dir "$D/state" --tail 1000 | wc -l; }
settled() {
	grep -q EVENTS_DROPPED "$D/out.jsonl" && [ "$(grep -c '10.9.9.' "$D/out.jsonl")" -ge 60 ] &&
		[ "$(kept)" -le 21 ]
}
wait_for 10 settled
dropped=$(grep '"type":"EVENTS_DROPPED"' "$D/out.jsonl" | python3 -c '
import json,sys
print(sum(int(json.loads(l)["count"]) for l in sys.stdin))')
kept=$(kept)
delivered=$(grep -c '10.9.9.' "$D/out.jsonl")
if [ "${dropped:-0}" -gt 0 ] && [ "$kept" -le 21 ] && [ "$delivered" = 60 ]; then
	pass events_dropped_counted
else
	fail events_dropped_counted "dropped=$dropped kept=$kept delivered=$delivered"
fi
grep -q "journal bound reached" "$D/agent.out" && pass drop_logged || fail drop_logged "no log line"
kill "$AGENT_PID"; wait "$AGENT_PID"; AGENT_PID=; rm -rf "$D"

# A journal at its bound must not feed itself: with max_events = 5 each
# trim's EVENTS_DROPPED once put it over the bound again, so every poll
# emitted another one and the journal ended up holding nothing else. The
# marker that polls go by is a real tunnel's PEER_TRANSFER (keepalive
# every second, transfer_interval 1s): between two EVENTS_DROPPED there
# must be a real event they account for.
need_root journal_bound
lab_init jb
lab_server
lab_client 1 1
cat > "$LAB/wgaudit.conf" <<CONF
[agent]
transfer_interval = 1s
[kmsg]
enabled = no
[checks]
enable_flood = no
[journal]
max_events = 5
CONF
agent_start --interval 200ms -c "$LAB/wgaudit.conf"
in_cli 1 ping -c 1 -W 2 10.232.0.1 >/dev/null 2>&1
transfers() { [ "$(ev_count PEER_TRANSFER)" -ge 5 ]; }	# re-evaluated by wait_for
if wait_for 60 transfers; then
	# The journal (5 rows) holds real events, not only EVENTS_DROPPED.
	real=$("$WGAUDIT" events --state-dir "$LAB/state" --json --tail 100 | grep -vc '"type":"EVENTS_DROPPED"')
	rows=$("$WGAUDIT" events --state-dir "$LAB/state" --json --tail 100 | wc -l)
	# No EVENTS_DROPPED directly after another in the delivered stream.
	repeats=$(python3 -c '
import json,sys
prev=None; n=0
for l in open(sys.argv[1]):
    t=json.loads(l)["type"]
    if t=="EVENTS_DROPPED" and prev=="EVENTS_DROPPED": n+=1
    prev=t
print(n)' "$LAB/events.jsonl")
	eds=$(ev_count EVENTS_DROPPED)
	if [ "$real" -ge 1 ] && [ "$rows" -le 5 ] && [ "$repeats" = 0 ] && [ "$eds" -ge 1 ]; then
		pass bound_does_not_feed_itself
	else
		fail bound_does_not_feed_itself "journal rows=$rows real=$real; EVENTS_DROPPED=$eds, $repeats right after another"
	fi
else
	fail bound_does_not_feed_itself "fewer than 5 PEER_TRANSFER in 60 s: $(tail -3 "$LAB/agent.out")"
fi
agent_stop
exit $T_FAILED
