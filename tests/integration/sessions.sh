#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# PEER_SESSION on real tunnels: duration, bytes each way against `wg show
# transfer` deltas, the endpoints of a roam mid-session, a session open
# across an agent restart (opened before, closed after), and `wgaudit
# sessions` (closed and open ones, --peer, --json, friendly names).
. "$(dirname "$0")/lib.sh"
need_root sessions
lab_init ss
lab_server
lab_client 1
lab_client 2
C1=$(cat "$LAB/c1.pub")
C2=$(cat "$LAB/c2.pub")
mkdir -p "$LAB/wgconf"
cat > "$LAB/wgconf/$SIF.conf" <<WGCONF
[Interface]
ListenPort = 51820

# Name = alice laptop
[Peer]
PublicKey = $C1
AllowedIPs = 10.232.0.2/32
WGCONF
# A short active_after: a session ends 3 s after its last handshake, long
# before wireguard-go's passive keepalive (10 s after the last data)
# moves the counters again.
cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 300ms
active_after = 3s
transfer_interval = 1s
config_dir = $LAB/wgconf
CONF
rxtx() { in_srv wg show "$SIF" transfer | awk -v k="$1" '$1 == k {print $2, $3}'; }
hs_age() { echo $(( $(date +%s) - $(in_srv wg show "$SIF" latest-handshakes | awk -v k="$1" '$1 == k {print $2}') )); }
sess_field() {	# sess_field N FIELD: FIELD of the Nth PEER_SESSION of C1
	grep '"type":"PEER_SESSION"' "$LAB/events.jsonl" | grep -F "$C1" | sed -n "${1}p" |
		python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get(sys.argv[1], ""))' "$2"
}
nsess() { ev_count PEER_SESSION "$C1"; }

agent_start -c "$LAB/wgaudit.conf"
wait_for 10 has_event AGENT_STARTED || { fail setup "agent did not start: $(tail -3 "$LAB/agent.out")"; exit 1; }

# Session 1: traffic, a roam to another source port, traffic; then idle.
read -r rx0 tx0 < <(rxtx "$C1")
in_cli 1 ping -c 3 -i 0.2 -s 500 -W 2 10.232.0.1 >/dev/null
in_cli 1 wg set "${TAG}c1" listen-port 40111
in_cli 1 ping -c 3 -i 0.2 -s 700 -W 2 10.232.0.1 >/dev/null
nsess_ge() { [ "$(nsess)" -ge "$1" ]; }
if wait_for 15 nsess_ge 1; then
	read -r rx1 tx1 < <(rxtx "$C1")
	srx=$(sess_field 1 rx_bytes); stx=$(sess_field 1 tx_bytes)
	if [ "$srx" = $((rx1 - rx0)) ] && [ "$stx" = $((tx1 - tx0)) ] && [ "$srx" -gt 3000 ]; then
		pass session_bytes_match_wg_show_deltas
	else
		fail session_bytes_match_wg_show_deltas "session rx=$srx tx=$stx, wg deltas rx=$((rx1 - rx0)) tx=$((tx1 - tx0))"
	fi
	eps=$(sess_field 1 endpoints)
	if [ "$eps" = "10.231.1.2:40001,10.231.1.2:40111" ]; then
		pass session_endpoints_roam
	else
		fail session_endpoints_roam "endpoints '$eps'"
	fi
	start=$(sess_field 1 session_start); end=$(sess_field 1 session_end); dur=$(sess_field 1 duration)
	real=$(python3 -c 'import sys,datetime as d
f=lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
print(int(f(sys.argv[2]) - f(sys.argv[1])))' "$start" "$end")
	# From the handshake that opened it to the poll that saw its age pass 3 s.
	if [ "$dur" = "$real" ] && [ "$dur" -ge 3 ] && [ "$dur" -le 6 ] &&
	   [ "$(sess_field 1 handshakes)" = 1 ] && [ "$(sess_field 1 reason)" = inactive ] &&
	   [ "$(sess_field 1 peer_name)" = "alice laptop" ]; then
		pass session_duration_and_fields
	else
		fail session_duration_and_fields "start $start end $end duration $dur handshakes $(sess_field 1 handshakes) reason $(sess_field 1 reason) name '$(sess_field 1 peer_name)'"
	fi
else
	fail session_bytes_match_wg_show_deltas "no PEER_SESSION; $(grep -c . "$LAB/events.jsonl") events"
fi

# Session 2 opens before a restart and closes after it. First let the
# counters settle (a passive keepalive may still come) and the agent see
# them, so the session's start counters are the ones measured here.
cur_rx() { rxtx "$C1" | cut -d' ' -f1; }
grown() { [ "$(cur_rx)" -gt "$rx1" ]; }
wait_for 15 grown	# the keepalive: not required, only waited for
seen_now() {
	local rx; rx=$(cur_rx)
	grep -F "$C1" "$LAB/events.jsonl" | grep -E '"type":"PEER_(TRANSFER|INACTIVE)"' | tail -1 | grep -q "\"rx\":$rx[,}]" ||
	grep -F "$C1" "$LAB/events.jsonl" | grep -E '"type":"PEER_(TRANSFER|INACTIVE)"' | tail -1 | grep -q "\"rx\":\"$rx\""
}
wait_for 10 seen_now || fail setup "the agent's counters never caught up with wg show ($(cur_rx))"
read -r rx2 tx2 < <(rxtx "$C1")
# A fresh handshake: the client forgets its session (its peer re-added).
in_cli 1 wg set "${TAG}c1" peer "$(cat "$LAB/srv.pub")" remove
in_cli 1 wg set "${TAG}c1" peer "$(cat "$LAB/srv.pub")" endpoint 10.231.1.1:51820 \
	allowed-ips 10.232.0.0/24 preshared-key "$LAB/c1.psk"
in_cli 1 ping -c 2 -i 0.2 -s 300 -W 2 10.232.0.1 >/dev/null
nactive() { ev_count PEER_ACTIVE "$C1"; }
nactive_ge() { [ "$(nactive)" -ge "$1" ]; }
wait_for 10 nactive_ge 2 || fail setup "no second PEER_ACTIVE"
agent_stop || fail agent_exit "agent exited non-zero"
out=$("$WGAUDIT" sessions --state-dir "$LAB/state" --json --peer "$C1")
open_line=$(echo "$out" | grep '"state":"open"')
closed_n=$(echo "$out" | grep -c '"state":"closed"')
if [ -n "$open_line" ] && [ "$closed_n" = 1 ] && echo "$open_line" | grep -q '"peer_name":"alice laptop"' &&
   "$WGAUDIT" sessions --state-dir "$LAB/state" | grep -F "${C1:0:12}" | grep -q ' open '; then
	pass sessions_lists_open_and_closed
else
	fail sessions_lists_open_and_closed "$out"
fi
if [ -z "$("$WGAUDIT" sessions --state-dir "$LAB/state" --json --peer "$C2")" ] &&
   [ "$("$WGAUDIT" sessions --state-dir "$LAB/state" --json --peer "alice laptop" | grep -c .)" = 2 ] &&
   [ "$("$WGAUDIT" sessions --state-dir "$LAB/state" --json --since 1h | grep -c '"state":"closed"')" = 1 ]; then
	pass sessions_filters
else
	fail sessions_filters "--peer/--since did not filter as expected"
fi
# Down for longer than active_after: the first poll after the restart
# closes the session opened before it.
stale() { [ "$(hs_age "$C1")" -gt 4 ]; }
wait_for 10 stale
agent_start -c "$LAB/wgaudit.conf"
if wait_for 10 nsess_ge 2; then
	read -r rx3 tx3 < <(rxtx "$C1")
	act2=$(grep '"type":"PEER_ACTIVE"' "$LAB/events.jsonl" | grep -F "$C1" | sed -n 2p |
		python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["last_handshake"])')
	srx=$(sess_field 2 rx_bytes); stx=$(sess_field 2 tx_bytes)
	if [ "$(sess_field 2 session_start)" = "$act2" ] && [ "$srx" = $((rx3 - rx2)) ] &&
	   [ "$stx" = $((tx3 - tx2)) ] && [ "$srx" -gt 600 ] && [ "$(sess_field 2 reason)" = inactive ]; then
		pass session_across_restart
	else
		fail session_across_restart "start $(sess_field 2 session_start) vs PEER_ACTIVE's handshake $act2; rx $srx vs $((rx3 - rx2)); tx $stx vs $((tx3 - tx2))"
	fi
	if ! "$WGAUDIT" sessions --state-dir "$LAB/state" --json | grep -q '"state":"open"'; then
		pass closed_session_not_open_anymore
	else
		fail closed_session_not_open_anymore "still listed open"
	fi
else
	fail session_across_restart "no second PEER_SESSION after the restart: $(tail -3 "$LAB/agent.out")"
fi
agent_stop; rc=$?
if [ $rc = 0 ] && ! grep -q Sanitizer "$LAB/agent.out"; then pass agent_exit_clean; else fail agent_exit_clean "rc=$rc"; fi
