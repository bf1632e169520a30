#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Delivery to a real rsyslogd: nothing lost and in order across a collector
# outage and across kill -9 of the agent; an unreachable, hanging or
# garbage-sending collector never stalls observation (the JSON-lines output
# of the same agent keeps flowing). The agent runs in the host namespace and
# reaches the lab's wireguard-go through its UAPI socket; rsyslogd listens
# on 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rsyslog.sh"
need_root delivery
command -v rsyslogd >/dev/null || { skip delivery "rsyslogd not installed"; exit 0; }
lab_init dl
lab_server
RS=$LAB/rsyslog
TP=$(rsyslog_free_port tcp)
UP=$(rsyslog_free_port udp)
trap 'rsyslog_stop "$RS"; [ -n "${HANG_PID:-}" ] && kill $HANG_PID 2>/dev/null; lab_cleanup' EXIT

cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 300ms
interfaces = $SIF
[kmsg]
enabled = no
[output "collector"]
url = syslog+tcp://127.0.0.1:$TP
[output "local"]
url = jsonl:$LAB/events.jsonl
CONF
start_agent() {
	"$WGAUDIT" run -c "$LAB/wgaudit.conf" --state-dir "$LAB/state" >> "$LAB/agent.out" 2>&1 &
	AGENT_PID=$!
}
# N peers added then removed with wg set: 2N events with known keys, in order.
churn() {	# tag n
	for i in $(seq "$2"); do wg genkey | wg pubkey; done > "$LAB/$1.keys"
	while read -r k; do in_srv wg set "$SIF" peer "$k" allowed-ips 10.233.$((RANDOM % 250)).$((RANDOM % 250))/32; sleep 0.05; done < "$LAB/$1.keys"
	sleep 0.5
	while read -r k; do in_srv wg set "$SIF" peer "$k" remove; sleep 0.05; done < "$LAB/$1.keys"
}
# jsonl_has TAG N: the JSON-lines output holds N PEER_ADDED/REMOVED events
# for the keys of TAG (a test waits for this before it compares or counts).
jsonl_has() { [ "$(seq_jsonl "$LAB/$1.keys" | wc -l)" -ge "$2" ]; }
# The (type, key prefix) sequence of PEER_ADDED/REMOVED for keys in FILE.
seq_jsonl() {
	python3 - "$LAB/events.jsonl" "$1" <<'PY'
import json, sys
keys = set(open(sys.argv[2]).read().split())
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] in ("PEER_ADDED", "PEER_REMOVED") and e.get("peer") in keys:
        print(e["type"], e["peer"][:12])
PY
}
seq_rsyslog() {
	python3 - "$(rsyslog_out "$RS")" "$1" <<'PY'
import sys
keys = {k[:12] for k in open(sys.argv[2]).read().split()}
seen = set()
for line in open(sys.argv[1]):
    msg = line.split("|msg=", 1)[1].strip()
    parts = msg.split()
    if parts[0] in ("PEER_ADDED", "PEER_REMOVED") and parts[1].startswith("peer="):
        k = parts[1][5:]
        if k in keys and (parts[0], k) not in seen:	# duplicates over loss: keep first
            seen.add((parts[0], k))
            print(parts[0], k)
PY
}

rsyslog_start "$RS" "$TP" "$UP" || { fail delivery "rsyslogd did not start"; exit 1; }
start_agent
wait_for 10 has_event AGENT_STARTED || fail start "agent did not start: $(tail -3 "$LAB/agent.out")"
if rsyslog_wait_lines "$RS" 1 10 && grep -q 'msg=AGENT_STARTED' "$(rsyslog_out "$RS")"; then
	pass delivered_to_rsyslog
else
	fail delivered_to_rsyslog "rsyslog got: $(head -3 "$(rsyslog_out "$RS")")"
fi

# Outage: the collector is down for 10 s while 40 events happen.
rsyslog_stop "$RS"
churn outage 20
wait_for 30 jsonl_has outage 40
if [ "$(seq_jsonl "$LAB/outage.keys" | wc -l)" = 40 ]; then pass observation_continues_during_outage
else fail observation_continues_during_outage "jsonl has $(seq_jsonl "$LAB/outage.keys" | wc -l) of 40 events while the collector is down"; fi
sleep 10
rsyslog_start "$RS" "$TP" "$UP" || fail restart "rsyslogd did not restart"
wait_for 90 sh -c "[ \$(grep -c 'msg=PEER_REMOVED' '$(rsyslog_out "$RS")') -ge 20 ]"
if diff <(seq_jsonl "$LAB/outage.keys") <(seq_rsyslog "$LAB/outage.keys") > "$LAB/outage.diff"; then
	pass outage_no_loss_in_order
else
	fail outage_no_loss_in_order "$(head -5 "$LAB/outage.diff")"
fi

# kill -9 mid-stream with the collector down: the journal carries it over.
rsyslog_stop "$RS"
churn crash 10
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
rsyslog_start "$RS" "$TP" "$UP" || fail restart "rsyslogd did not restart"
start_agent
wait_for 60 sh -c "[ \$(grep -c 'msg=PEER_REMOVED' '$(rsyslog_out "$RS")') -ge 30 ]"
wait_for 30 jsonl_has crash 20
if [ "$(seq_jsonl "$LAB/crash.keys" | wc -l)" = 20 ] &&
   diff <(seq_jsonl "$LAB/crash.keys") <(seq_rsyslog "$LAB/crash.keys") > "$LAB/crash.diff"; then
	pass kill9_no_loss_in_order
else
	fail kill9_no_loss_in_order "jsonl $(seq_jsonl "$LAB/crash.keys" | wc -l)/20; $(head -5 "$LAB/crash.diff")"
fi
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
rsyslog_stop "$RS"

# Hostile collectors: one accepts and never reads, one answers garbage.
for mode in hang garbage; do
	HP=$(rsyslog_free_port tcp)
	python3 - "$HP" "$mode" <<'PY' &
import socket, sys, time, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
end = time.time() + 40
conns = []
s.settimeout(1)
while time.time() < end:
    try:
        c, _ = s.accept(); conns.append(c)
        if sys.argv[2] == "garbage":
            c.sendall(os.urandom(65536))
    except socket.timeout:
        pass
PY
	HANG_PID=$!
	sed -i "s|^url = syslog+tcp://.*|url = syslog+tcp://127.0.0.1:$HP|" "$LAB/wgaudit.conf"
	started=$(ev_count AGENT_STARTED)
	start_agent
	wait_for 20 sh -c "[ \$(grep -c '\"type\":\"AGENT_STARTED\"' '$LAB/events.jsonl') -gt $started ]"
	churn "$mode" 15
	# The last removals show in the poll after them: wait for it (bounded).
	wait_for 30 jsonl_has "$mode" 30
	n=$(seq_jsonl "$LAB/$mode.keys" | wc -l)
	if [ "$n" = 30 ] && kill -0 "$AGENT_PID" 2>/dev/null; then pass "collector_${mode}_does_not_stall"
	else fail "collector_${mode}_does_not_stall" "jsonl has $n of 30 events; agent alive: $(kill -0 "$AGENT_PID" 2>/dev/null && echo yes || echo no)"; fi
	kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	kill "$HANG_PID" 2>/dev/null; wait "$HANG_PID" 2>/dev/null; HANG_PID=
done
exit $T_FAILED
