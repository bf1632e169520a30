#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# SIGHUP reloads the configuration: outputs are swapped, a broken file
# changes nothing, restart-only settings say so. Events come from a
# wireguard-go log file the agent follows (no tunnel needed).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip reload "needs root"; exit 0; }
D=$(mktemp -d /tmp/wga-reload.XXXXXX)
trap '[ -n "${AGENT_PID:-}" ] && kill $AGENT_PID 2>/dev/null; rm -rf "$D"' EXIT
line() { echo "DEBUG: (wgr0) 2026/11/25 13:00:00 Received invalid initiation message from 10.9.8.$1:51820" >> "$D/wg.log"; }
conf() {	# conf OUTPUT_NAME [extra agent line]
	cat > "$D/wgaudit.conf" <<CONF
[agent]
interval = 200ms
interfaces = wgr0
${2:-}
[kmsg]
enabled = no
wireguard_go_log = $D/wg.log
[checks]
enable_flood = no
[output "$1"]
url = jsonl:$D/$1.jsonl
CONF
}
: > "$D/wg.log"
conf a
"$WGAUDIT" run -c "$D/wgaudit.conf" --state-dir "$D/state" > "$D/agent.out" 2>&1 &
AGENT_PID=$!
wait_for 10 grep -q AGENT_STARTED "$D/a.jsonl" || { fail reload "agent did not start: $(tail -3 "$D/agent.out")"; exit 1; }
line 1
wait_for 5 grep -q '10.9.8.1:' "$D/a.jsonl" && pass event_to_first_output || fail event_to_first_output "no event in a.jsonl"

conf b
kill -HUP "$AGENT_PID"
wait_for 5 grep -q "reload: configuration applied" "$D/agent.out"
line 2
if wait_for 5 grep -q '10.9.8.2:' "$D/b.jsonl" 2>/dev/null && ! grep -q '10.9.8.2:' "$D/a.jsonl"; then
	pass reload_swaps_outputs
else
	fail reload_swaps_outputs "b: $(cat "$D/b.jsonl" 2>/dev/null | wc -l) lines; a has .2: $(grep -c '10.9.8.2:' "$D/a.jsonl")"
fi

echo "interval = 10 s" >> "$D/wgaudit.conf"	# broken: a reload must change nothing
kill -HUP "$AGENT_PID"
wait_for 5 grep -q "keeping the running one" "$D/agent.out"
line 3
if grep -q "keeping the running one" "$D/agent.out" && wait_for 5 grep -q '10.9.8.3:' "$D/b.jsonl" &&
   grep -q 'wgaudit.conf:[0-9]*: interval' "$D/agent.out" && kill -0 "$AGENT_PID"; then
	pass broken_config_keeps_running
else
	fail broken_config_keeps_running "$(tail -3 "$D/agent.out")"
fi

conf b "state_dir = $D/elsewhere"
kill -HUP "$AGENT_PID"
if wait_for 5 grep -q "state_dir changed: takes effect at the next restart" "$D/agent.out"; then
	pass restart_only_setting_named
else
	fail restart_only_setting_named "$(grep reload "$D/agent.out" | tail -2)"
fi
kill "$AGENT_PID"; wait "$AGENT_PID"; rc=$?; AGENT_PID=
[ $rc = 0 ] && pass clean_stop_after_reloads || fail clean_stop_after_reloads "exit $rc"
grep -q "ERROR: AddressSanitizer\|runtime error" "$D/agent.out" && fail reload_sanitizers "$(grep -m1 ERROR "$D/agent.out")"
exit $T_FAILED
