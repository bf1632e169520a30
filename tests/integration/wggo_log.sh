#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# wireguard-go's own log (LOG_LEVEL=verbose, foreground, stdout to a file)
# followed by the agent: handshake lines become the kernel-table events with
# the abbreviated peer(AbCd…WxYz) resolved to the full public key; the
# position survives a restart (nothing twice).
. "$(dirname "$0")/lib.sh"
need_root wggo_log
lab_init wl
ip netns add "$SRV"
ip -n "$SRV" link set lo up
wg genkey > "$LAB/srv.key"; wg pubkey < "$LAB/srv.key" > "$LAB/srv.pub"
ip netns exec "$SRV" env LOG_LEVEL=verbose wireguard-go -f "$SIF" > "$LAB/wggo.log" 2>&1 &
WGGO_PID=$!
trap 'kill $WGGO_PID 2>/dev/null; lab_cleanup' EXIT
wait_for 5 test -S "/var/run/wireguard/$SIF.sock" || { fail setup "wireguard-go -f did not start"; exit 1; }
in_srv wg set "$SIF" listen-port 51820 private-key "$LAB/srv.key"
in_srv ip addr add 10.232.0.1/24 dev "$SIF"
in_srv ip link set "$SIF" up
lab_client 1
C1=$(cat "$LAB/c1.pub")

cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 300ms
[kmsg]
enabled = no
wireguard_go_log = $LAB/wggo.log
CONF
agent_start -c "$LAB/wgaudit.conf"
wait_for 10 has_event AGENT_STARTED || fail start "agent did not start: $(tail -3 "$LAB/agent.out")"
in_cli 1 ping -c 2 -W 2 10.232.0.1 >/dev/null
if wait_for 10 has_event HANDSHAKE_INITIATION_RECEIVED "$C1"; then
	line=$(grep '"type":"HANDSHAKE_INITIATION_RECEIVED"' "$LAB/events.jsonl" | grep -F "$C1" | head -1)
	if echo "$line" | grep -q '"source":"journal"' && echo "$line" | grep -q "\"iface\":\"$SIF\"" &&
	   echo "$line" | grep -q '"peer_abbrev":"'; then
		pass wggo_handshake_resolved
	else
		fail wggo_handshake_resolved "$line"
	fi
else
	fail wggo_handshake_resolved "no HANDSHAKE_INITIATION_RECEIVED with client 1's key; log: $(grep -c 'handshake' "$LAB/wggo.log") handshake lines"
fi
# The response line follows the initiation line and may be read a turn later.
if wait_for 5 has_event HANDSHAKE_RESPONSE_SENT "$C1"; then pass wggo_response_sent
else fail wggo_response_sent "no HANDSHAKE_RESPONSE_SENT for client 1"; fi

# Restart: lines read before are not read again; lines written while down are.
agent_stop
n_before=$(ev_count HANDSHAKE_INITIATION_RECEIVED)
log_initiations() { grep -c 'Received handshake initiation' "$LAB/wggo.log"; }
log_before=$(log_initiations)
# A roam alone does not make wireguard-go log a handshake (the session goes
# on). A new session from the new source port does: the client forgets the
# server and meets it again. Wait for that line instead of a fixed time.
in_cli 1 wg set "${TAG}c1" listen-port 40123
in_cli 1 wg set "${TAG}c1" peer "$(cat "$LAB/srv.pub")" remove
in_cli 1 wg set "${TAG}c1" peer "$(cat "$LAB/srv.pub")" endpoint 10.231.1.1:51820 \
	allowed-ips 10.232.0.0/24 preshared-key "$LAB/c1.psk"
in_cli 1 ping -c 2 -W 2 10.232.0.1 >/dev/null
wait_for 10 sh -c "[ \$(grep -c 'Received handshake initiation' '$LAB/wggo.log') -gt $log_before ]" ||
	fail wggo_resume_no_duplicates "setup: no handshake logged while the agent was down"
agent_start -c "$LAB/wgaudit.conf"
wait_for 10 sh -c "[ \$(grep -c AGENT_STARTED '$LAB/events.jsonl') -ge 2 ]"
# Done when the agent has read the log to its end: its count equals the
# log's (a line read twice would keep it above, one skipped below).
resumed() { [ "$(ev_count HANDSHAKE_INITIATION_RECEIVED)" = "$(log_initiations)" ]; }
wait_for 10 resumed
total_log=$(log_initiations)
n_after=$(ev_count HANDSHAKE_INITIATION_RECEIVED)
if [ "$n_after" = "$total_log" ] && [ "$n_after" -gt "$n_before" ]; then
	pass wggo_resume_no_duplicates
else
	fail wggo_resume_no_duplicates "events $n_before -> $n_after, log has $total_log initiation lines"
fi
exit $T_FAILED
