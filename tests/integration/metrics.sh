#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# /metrics on a real-tunnel lab, scraped by a real Prometheus (1 s): the
# counters match `wg show transfer`, handshake times are set, a raw scrape
# passes `promtool check metrics`, the mindflavor names (over TLS with
# basic auth, scraped by Prometheus too), the HTTP limits, and every panel
# of contrib/grafana/wgaudit.json returns data from that Prometheus.
. "$(dirname "$0")/lib.sh"
need_root metrics
for b in prometheus promtool curl openssl; do
	command -v $b >/dev/null || { skip metrics "$b not installed"; exit 0; }
done
DASH=$(cd "$(dirname "$0")/../.." && pwd)/contrib/grafana/wgaudit.json
lab_init mx
trap '[ -n "${PROM_PID:-}" ] && kill $PROM_PID 2>/dev/null && wait $PROM_PID 2>/dev/null;
      [ -n "${B_PID:-}" ] && kill $B_PID 2>/dev/null && wait $B_PID 2>/dev/null; lab_cleanup' EXIT
lab_server
lab_client 1
lab_client 2
C1=$(cat "$LAB/c1.pub")
C2=$(cat "$LAB/c2.pub")

# A free port inside the server namespace (fresh, but ask the kernel).
freeport() { in_srv python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PA=$(freeport); PB=$(freeport); PP=$(freeport)
while [ "$PB" = "$PA" ]; do PB=$(freeport); done
while [ "$PP" = "$PA" ] || [ "$PP" = "$PB" ]; do PP=$(freeport); done

mkdir -p "$LAB/wgconf"
cat > "$LAB/wgconf/$SIF.conf" <<WGCONF
[Interface]
ListenPort = 51820

# Name = alice laptop
[Peer]
PublicKey = $C1
AllowedIPs = 10.232.0.2/32
WGCONF
cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 300ms
active_after = 60s
transfer_interval = 1s
config_dir = $LAB/wgconf
CONF

# Agent B: mindflavor names behind TLS and basic auth.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$LAB/tls-key.pem" -out "$LAB/tls-cert.pem" 2>/dev/null
printf 's3cret-%s\n' "$RANDOM$RANDOM" > "$LAB/metrics.pw"
PW=$(head -1 "$LAB/metrics.pw")
cat > "$LAB/wgaudit-b.conf" <<CONF
[agent]
interval = 300ms
active_after = 60s
config_dir = $LAB/wgconf
[metrics]
listen = 127.0.0.1:$PB
names = mindflavor
basic_auth_user = prom
basic_auth_password_file = $LAB/metrics.pw
tls_cert = $LAB/tls-cert.pem
tls_key = $LAB/tls-key.pem
CONF

# A bad address is a usage error naming the flag, before anything runs.
out=$("$WGAUDIT" run --state-dir "$LAB/bad" --metrics nonsense 2>&1); rc=$?
if [ $rc = 2 ] && echo "$out" | grep -q -- '--metrics: "nonsense" is not ADDR:PORT'; then
	pass bad_listen_is_usage_error
else
	fail bad_listen_is_usage_error "rc=$rc: $out"
fi

agent_start -c "$LAB/wgaudit.conf" --metrics "127.0.0.1:$PA"
# Not through in_srv: $! must be the agent itself (ip netns exec execs
# it), not a subshell running a function, or the kill misses it.
ip netns exec "$SRV" "$WGAUDIT" run -c "$LAB/wgaudit-b.conf" --state-dir "$LAB/state-b" --interface "$SIF" \
	--output "jsonl:$LAB/events-b.jsonl" >> "$LAB/agent-b.out" 2>&1 &
B_PID=$!
wait_for 10 has_event AGENT_STARTED || { fail setup "agent A did not start: $(tail -3 "$LAB/agent.out")"; exit 1; }
wait_for 10 grep -q AGENT_STARTED "$LAB/events-b.jsonl" || { fail setup "agent B did not start: $(tail -3 "$LAB/agent-b.out")"; exit 1; }

cat > "$LAB/prom.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: wgaudit
    static_configs:
      - targets: ['127.0.0.1:$PA']
  - job_name: wgaudit_mindflavor
    scheme: https
    tls_config:
      ca_file: $LAB/tls-cert.pem
    basic_auth:
      username: prom
      password_file: $LAB/metrics.pw
    static_configs:
      - targets: ['127.0.0.1:$PB']
YML
ip netns exec "$SRV" prometheus --config.file="$LAB/prom.yml" --storage.tsdb.path="$LAB/prom" \
	--web.listen-address="127.0.0.1:$PP" --log.level=warn > "$LAB/prom.out" 2>&1 &
PROM_PID=$!

# prom_query EXPR: the result vector as "value" lines (sorted), or nothing.
prom_query() {
	in_srv curl -sf "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(1)
r = d.get("data", {}).get("result", [])
if not r:
    sys.exit(1)
for s in r:
    print(s["value"][1])'
}
prom_eq() { [ "$(prom_query "$1")" = "$2" ]; }

# Traffic both ways on both tunnels.
in_cli 1 ping -c 5 -i 0.1 -s 900 -W 2 10.232.0.1 >/dev/null
in_cli 2 ping -c 3 -i 0.1 -W 2 10.232.0.1 >/dev/null
wait_for 10 prom_query 'up{job="wgaudit"} == 1' || fail setup "Prometheus does not scrape agent A: $(tail -3 "$LAB/prom.out")"

# Raw scrape, as Prometheus gets it, through promtool's parser and linter.
in_srv curl -sf "http://127.0.0.1:$PA/metrics" > "$LAB/scrape.txt"
if [ -s "$LAB/scrape.txt" ] && lint=$(promtool check metrics < "$LAB/scrape.txt" 2>&1); then
	pass promtool_check_metrics
else
	fail promtool_check_metrics "$(echo "$lint" | head -5)"
fi

wgval() {	# wgval FIELD(transfer|latest-handshakes) KEY COLUMN
	in_srv wg show "$SIF" "$1" | awk -v k="$2" -v c="$3" '$1 == k {print $c}'
}
counters_match() {
	local k=$1 rx tx
	rx=$(wgval transfer "$k" 2); tx=$(wgval transfer "$k" 3)
	[ -n "$rx" ] && [ "$rx" -gt 0 ] &&
	prom_eq "wireguard_peer_receive_bytes_total{job=\"wgaudit\",public_key=\"$k\"}" "$rx" &&
	prom_eq "wireguard_peer_transmit_bytes_total{job=\"wgaudit\",public_key=\"$k\"}" "$tx"
}
if wait_for 20 counters_match "$C1" && wait_for 10 counters_match "$C2"; then
	pass counters_match_wg_show_transfer
else
	fail counters_match_wg_show_transfer "wg: $(in_srv wg show "$SIF" transfer | tr '\n' ' ') prom rx: $(prom_query 'wireguard_peer_receive_bytes_total{job="wgaudit"}' | tr '\n' ' ')"
fi

hs_match() {
	local hs; hs=$(wgval latest-handshakes "$1" 2)
	[ -n "$hs" ] && [ "$hs" -gt 1000000000 ] &&
	prom_eq "wireguard_peer_last_handshake_seconds{job=\"wgaudit\",public_key=\"$1\"}" "$hs"
}
if wait_for 10 hs_match "$C1" && wait_for 10 hs_match "$C2"; then
	pass handshake_time_set
else
	fail handshake_time_set "wg: $(in_srv wg show "$SIF" latest-handshakes | tr '\n' ' ') prom: $(prom_query 'wireguard_peer_last_handshake_seconds' | tr '\n' ' ')"
fi

if wait_for 5 prom_eq "wireguard_peer_info{job=\"wgaudit\",name=\"alice laptop\",endpoint=\"10.231.1.2:40001\",public_key=\"$C1\"}" 1 &&
   wait_for 5 prom_eq "wireguard_peer_allowed_ips_info{job=\"wgaudit\",public_key=\"$C2\",allowed_ips=\"10.232.0.3/32\",family=\"IPv4\"}" 1 &&
   wait_for 5 prom_eq "wgaudit_peers{job=\"wgaudit\",device=\"$SIF\",state=\"active\"}" 2; then
	pass peer_info_names_and_state
else
	fail peer_info_names_and_state "$(grep -E '^wireguard_peer_info|^wgaudit_peers' "$LAB/scrape.txt" | head -5)"
fi

mf_match() {
	local tx; tx=$(wgval transfer "$C1" 3)
	prom_eq 'up{job="wgaudit_mindflavor"}' 1 &&
	prom_eq "wireguard_sent_bytes_total{job=\"wgaudit_mindflavor\",interface=\"$SIF\",public_key=\"$C1\",allowed_ips=\"10.232.0.2/32\",friendly_name=\"alice laptop\"}" "$tx" &&
	prom_query "wireguard_latest_handshake_seconds{job=\"wgaudit_mindflavor\",public_key=\"$C2\"} > 0" >/dev/null &&
	! prom_query 'wireguard_peer_info{job="wgaudit_mindflavor"}' >/dev/null
}
if wait_for 20 mf_match; then
	pass mindflavor_names_over_tls_with_auth
else
	fail mindflavor_names_over_tls_with_auth "up=$(prom_query 'up{job="wgaudit_mindflavor"}') $(tail -2 "$LAB/prom.out")"
fi

# Only GET /metrics and /: everything else is refused, and bounded.
code() { in_srv curl -s -o /dev/null -w '%{http_code}' "$@"; }
c_post=$(code -X POST -d x=1 "http://127.0.0.1:$PA/metrics")
c_put=$(code -X PUT "http://127.0.0.1:$PA/metrics")
c_404=$(code "http://127.0.0.1:$PA/nope")
c_idx=$(in_srv curl -s "http://127.0.0.1:$PA/")
if [ "$c_post" = 405 ] && [ "$c_put" = 405 ] && [ "$c_404" = 404 ] && echo "$c_idx" | grep -q 'href="/metrics"'; then
	pass only_get_metrics_answered
else
	fail only_get_metrics_answered "POST $c_post PUT $c_put /nope $c_404 / '$c_idx'"
fi
big=$(head -c 40000 /dev/zero | tr '\0' a)
c_big=$(code -H "X-Big: $big" "http://127.0.0.1:$PA/metrics")
echo "# 40 kB header answered: $c_big"
c_after=$(code "http://127.0.0.1:$PA/metrics")
case $c_big in 4*|000) ok=1 ;; *) ok=0 ;; esac
if [ $ok = 1 ] && [ "$c_after" = 200 ]; then
	pass oversized_request_rejected
else
	fail oversized_request_rejected "40 kB header: $c_big, then $c_after"
fi

# Idle connections: at most 8 from one address, each dropped after the
# 10 s timeout; the agent serves again once they are gone.
if in_srv python3 - "$PA" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
socks = []
for _ in range(8):
    s = socket.create_connection(("127.0.0.1", port)); socks.append(s)
time.sleep(0.5)
extra = socket.create_connection(("127.0.0.1", port))
extra.settimeout(5)
try:
    extra.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
    refused = extra.recv(1) == b""
except OSError:
    refused = True
if not refused:
    print("9th connection from one address was served"); sys.exit(1)
socks[0].settimeout(20)
t = time.time()
try:
    closed = socks[0].recv(1) == b""
except OSError:
    closed = True
if not closed or time.time() - t > 15:
    print("idle connection not dropped by the timeout"); sys.exit(1)
PY
then
	served() { [ "$(code "http://127.0.0.1:$PA/metrics")" = 200 ]; }
	if wait_for 15 served; then
		pass connection_limit_and_timeout
	else
		fail connection_limit_and_timeout "not served after the idle connections went"
	fi
else
	fail connection_limit_and_timeout "see above"
fi

ca=(--cacert "$LAB/tls-cert.pem")
c_noauth=$(code "${ca[@]}" "https://127.0.0.1:$PB/metrics")
c_wrong=$(code "${ca[@]}" -u "prom:wrong" "https://127.0.0.1:$PB/metrics")
c_user=$(code "${ca[@]}" -u "other:$PW" "https://127.0.0.1:$PB/metrics")
c_ok=$(code "${ca[@]}" -u "prom:$PW" "https://127.0.0.1:$PB/metrics")
hdr=$(in_srv curl -s -D - -o /dev/null "${ca[@]}" "https://127.0.0.1:$PB/metrics" | tr -d '\r')
c_plain=$(code "http://127.0.0.1:$PB/metrics")
if [ "$c_noauth" = 401 ] && [ "$c_wrong" = 401 ] && [ "$c_user" = 401 ] && [ "$c_ok" = 200 ] &&
   echo "$hdr" | grep -qi '^WWW-Authenticate: Basic realm="wgaudit"' && [ "$c_plain" != 200 ]; then
	pass basic_auth_and_tls
else
	fail basic_auth_and_tls "none $c_noauth wrong $c_wrong user $c_user right $c_ok plain-http $c_plain"
fi

# Every panel query of the dashboard, as Grafana would send it.
python3 - "$DASH" > "$LAB/panel-queries.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def walk(ps):
    for p in ps:
        yield p
        yield from walk(p.get("panels", []))
for p in walk(d["panels"]):
    for t in p.get("targets", []):
        e = t["expr"].replace("$__rate_interval", "10s").replace("$__range", "1m") \
                     .replace("$__interval", "2s").replace("$device", ".*")
        print(p["title"] + "\t" + e)
PY
nq=$(wc -l < "$LAB/panel-queries.txt")
bad=
while IFS=$'\t' read -r title expr; do
	wait_for 20 prom_query "$expr" || bad="$bad [$title: $expr]"
done < "$LAB/panel-queries.txt"
if [ "$nq" -ge 10 ] && [ -z "$bad" ]; then
	pass dashboard_panels_return_data
else
	fail dashboard_panels_return_data "$nq queries; no data from:$bad"
fi

# Both agents stop cleanly (the sanitizer build reports any error here).
agent_stop; rc_a=$?
kill -TERM "$B_PID" 2>/dev/null; wait "$B_PID"; rc_b=$?; B_PID=
if [ $rc_a = 0 ] && [ $rc_b = 0 ] && ! grep -q 'Sanitizer' "$LAB/agent.out" "$LAB/agent-b.out"; then
	pass agents_exit_clean
else
	fail agents_exit_clean "exit $rc_a / $rc_b: $(grep -h -A3 Sanitizer "$LAB/agent.out" "$LAB/agent-b.out" | head -5)"
fi
