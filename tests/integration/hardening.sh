#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Privilege drop of a running agent: once its sources are open, `wgaudit run`
# keeps CAP_NET_ADMIN only (docs/systemd.md "Privileges"), no_new_privs is
# set, and it still observes everything (UAPI sockets, new peers) without it.
# Started here as plain root, so the bounding set is the agent's to shrink.
# With the default [checks] flood_packets = true it also keeps CAP_NET_RAW:
# the flood check opens its AF_PACKET counter per interface after the drop.
. "$(dirname "$0")/lib.sh"
need_root hardening
lab_init hd
lab_server
lab_client 1

WANT_CAPS=0000000000001000	# CAP_NET_ADMIN

status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }

cat > "$LAB/strict.conf" <<CONF
[checks]
flood_packets = false
CONF
agent_start --interval 300ms -c "$LAB/strict.conf"
if ! wait_for 10 has_event AGENT_STARTED; then
	fail agent_starts "no AGENT_STARTED in 10 s; agent output: $(tail -3 "$LAB/agent.out")"
	exit 1
fi
# The drop comes after the last startup open; give it a moment past READY.
wait_for 5 grep -q "privileges: " "$LAB/agent.out"

eff=$(status_field "$AGENT_PID" CapEff)
prm=$(status_field "$AGENT_PID" CapPrm)
inh=$(status_field "$AGENT_PID" CapInh)
amb=$(status_field "$AGENT_PID" CapAmb)
bnd=$(status_field "$AGENT_PID" CapBnd)
nnp=$(status_field "$AGENT_PID" NoNewPrivs)

if [ "$eff" = "$WANT_CAPS" ] && [ "$prm" = "$WANT_CAPS" ] &&
   [ "$inh" = 0000000000000000 ] && [ "${amb:-0000000000000000}" = 0000000000000000 ]; then
	pass caps_net_admin_only
else
	fail caps_net_admin_only "CapEff=$eff CapPrm=$prm CapInh=$inh CapAmb=$amb, want $WANT_CAPS (harden_drop not called yet?)"
fi
if [ "$bnd" = "$WANT_CAPS" ]; then
	pass bounding_set_shrunk
else
	fail bounding_set_shrunk "CapBnd=$bnd, want $WANT_CAPS"
fi
if [ "$nnp" = 1 ]; then
	pass no_new_privs
else
	fail no_new_privs "NoNewPrivs=$nnp"
fi
if grep -q "privileges: kept CAP_NET_ADMIN; dropped the rest" "$LAB/agent.out"; then
	pass logs_what_it_kept
else
	fail logs_what_it_kept "no 'privileges: kept CAP_NET_ADMIN; dropped the rest' in: $(grep -i privilege "$LAB/agent.out" | head -2)"
fi

# Still observing after the drop: new UAPI connections as capability-less
# uid 0 (the socket is root's, mode 0700) and a peer added at runtime.
lab_client 2
C2=$(cat "$LAB/c2.pub")
if wait_for 10 has_event PEER_ADDED "$C2"; then
	pass observes_after_drop
else
	fail observes_after_drop "no PEER_ADDED for a new peer; agent output: $(tail -3 "$LAB/agent.out")"
fi
if grep -qiE "operation not permitted|permission denied" "$LAB/agent.out"; then
	fail no_permission_errors "$(grep -iE "operation not permitted|permission denied" "$LAB/agent.out" | head -2)"
else
	pass no_permission_errors
fi

agent_stop
rc=$?
if [ "$rc" = 0 ] && has_event AGENT_STOPPED; then
	pass clean_stop_after_drop
else
	fail clean_stop_after_drop "exit $rc, AGENT_STOPPED $(ev_count AGENT_STOPPED)"
fi

# Default checks: the packet counter needs CAP_NET_RAW after the drop. It
# learns the interface's port from its WireGuard config file.
mkdir -p "$LAB/wgconf"
printf '[Interface]\nListenPort = 51820\n' > "$LAB/wgconf/$SIF.conf"
printf '[agent]\nconfig_dir = %s\n' "$LAB/wgconf" > "$LAB/default.conf"
: > "$LAB/agent.out"
agent_start --interval 300ms -c "$LAB/default.conf"
if wait_for 10 grep -q "privileges: " "$LAB/agent.out"; then
	eff=$(status_field "$AGENT_PID" CapEff)
	if [ "$eff" = 0000000000003000 ] &&
	   grep -q "privileges: kept CAP_NET_ADMIN,CAP_NET_RAW; dropped the rest" "$LAB/agent.out"; then
		pass caps_with_packet_counter
	else
		fail caps_with_packet_counter "CapEff=$eff, want 0000000000003000 (CAP_NET_ADMIN,CAP_NET_RAW): $(grep privileges "$LAB/agent.out")"
	fi
	# The counter opens at a checks tick after the interface is seen.
	has_packet_sock() { grep -q "socket:\[$(awk 'NR > 1 {print $9}' /proc/$AGENT_PID/net/packet | head -1)\]" <(ls -l /proc/$AGENT_PID/fd 2>/dev/null); }
	if wait_for 5 has_packet_sock; then
		pass packet_counter_after_drop
	elif grep -q "cannot count handshake packets" "$LAB/agent.out"; then
		fail packet_counter_after_drop "$(grep "cannot count handshake packets" "$LAB/agent.out" | head -1)"
	else
		skip packet_counter_after_drop "the agent opened no packet socket (port not learnt?)"
	fi
else
	fail caps_with_packet_counter "no privileges line; agent output: $(tail -3 "$LAB/agent.out")"
fi
agent_stop

# No core dumps (a core may hold an interface private key): RLIMIT_CORE 0
# and PR_SET_DUMPABLE 0. The kernel shows the second by giving /proc/PID
# to root:root, visible when the agent runs as another user: run one as
# nobody (its own state dir, no interfaces it may read).
: > "$LAB/agent.out"
agent_start --interval 300ms -c "$LAB/strict.conf"
wait_for 10 grep -q "privileges: " "$LAB/agent.out"
core=$(awk '/^Max core file size/ {print $5, $6}' "/proc/$AGENT_PID/limits" 2>/dev/null)
[ "$core" = "0 0" ] && pass no_core_limit || fail no_core_limit "Max core file size: '$core', want '0 0'"
agent_stop
U=$LAB/nobody; mkdir -m 0700 "$U"; chown 65534:65534 "$U"; chmod 711 "$LAB"
setpriv --reuid=65534 --regid=65534 --clear-groups "$WGAUDIT" run --state-dir "$U/state" \
	--interface none --output "jsonl:$U/out.jsonl" > "$LAB/nobody.out" 2>&1 &
NPID=$!
if wait_for 10 grep -q AGENT_STARTED "$U/out.jsonl"; then
	owner=$(stat -c %u:%g "/proc/$NPID/status")
	core=$(awk '/^Max core file size/ {print $5, $6}' "/proc/$NPID/limits")
	if [ "$owner" = 0:0 ] && [ "$core" = "0 0" ]; then
		pass not_dumpable
	else
		fail not_dumpable "/proc/$NPID owned by $owner (want 0:0: PR_SET_DUMPABLE 0), core limit '$core'"
	fi
else
	fail not_dumpable "the agent as nobody did not start: $(tail -3 "$LAB/nobody.out")"
fi
kill "$NPID" 2>/dev/null; wait "$NPID" 2>/dev/null
chmod 700 "$LAB"
exit $T_FAILED
