#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A bounded journal drops its oldest events only with an EVENTS_DROPPED
# event that says how many; delivery of what was journaled is unaffected.
# Events come from a wireguard-go log file the agent follows.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip journal_bound "needs root"; exit 0; }
D=$(mktemp -d /tmp/wga-jb.XXXXXX)
trap '[ -n "${AGENT_PID:-}" ] && kill $AGENT_PID 2>/dev/null; rm -rf "$D"' EXIT
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
kill "$AGENT_PID"; wait "$AGENT_PID"; AGENT_PID=
exit $T_FAILED
