#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A failed journal commit (disk full) must not leave the agent's memory
# ahead of its store. The state dir is a small tmpfs, filled up; a peer is
# added. The agent cannot journal it: the turn is rolled back and the agent
# stops with exit 1 ("restarts from the store"; systemd's Restart= does
# that, this test does it by hand). With room again, the restarted agent
# reports the peer exactly once. Before: the agent ran on with the peer in
# memory only and never reported it.
. "$(dirname "$0")/lib.sh"
need_root diskfull
lab_init df
STATE=$LAB/state
mkdir -m 0700 "$STATE"
mount -t tmpfs -o size=4m,mode=0700 wga-df "$STATE" || { skip diskfull "cannot mount a tmpfs"; exit 0; }
trap 'agent_stop; umount "$STATE" 2>/dev/null; lab_cleanup' EXIT
lab_server
lab_client 1

exited() { ! kill -0 "$AGENT_PID" 2>/dev/null; }
jcount() {
	"$WGAUDIT" events --state-dir "$STATE" --json --tail 100000 2>/dev/null |
		grep "\"type\":\"$1\"" | grep -cF -- "$2"
}
jhas() { [ "$(jcount "$@")" -ge 1 ]; }

agent_start --interval 300ms
wait_for 15 has_event AGENT_STARTED || { fail agent_starts "$(tail -3 "$LAB/agent.out")"; exit 1; }
# Fill the file system (the filler lives beside the database).
dd if=/dev/zero of="$STATE/filler" bs=4k 2>/dev/null
K=$(wg genkey | wg pubkey)
in_srv wg set "$SIF" peer "$K" allowed-ips 10.250.0.0/24
if wait_for 20 exited; then
	wait "$AGENT_PID"; rc=$?; AGENT_PID=
	if [ $rc = 1 ] && grep -q "journal commit failed" "$LAB/agent.out"; then
		pass full_disk_stops_the_agent
	else
		fail full_disk_stops_the_agent "exit $rc: $(tail -2 "$LAB/agent.out")"
	fi
else
	fail full_disk_stops_the_agent "still running 20 s after a turn it could not commit: $(grep -m2 -i "journal\|store" "$LAB/agent.out")"
fi
rm -f "$STATE/filler"
# The restart (as systemd would): the peer is news again, said once.
[ -z "${AGENT_PID:-}" ] && agent_start --interval 300ms
if wait_for 20 jhas PEER_ADDED "\"peer\":\"$K\""; then
	# Until a later poll: another peer's event.
	K2=$(wg genkey | wg pubkey)
	in_srv wg set "$SIF" peer "$K2" allowed-ips 10.250.1.0/24
	wait_for 20 jhas PEER_ADDED "\"peer\":\"$K2\""
	n=$(jcount PEER_ADDED "\"peer\":\"$K\""); d=$(ev_count PEER_ADDED "$K")
	[ "$n" = 1 ] && [ "$d" = 1 ] && pass reported_once_after_restart ||
		fail reported_once_after_restart "journal $n, jsonl $d"
else
	fail reported_once_after_restart "PEER_ADDED never journaled: $(tail -2 "$LAB/agent.out")"
fi
agent_stop
exit $T_FAILED
