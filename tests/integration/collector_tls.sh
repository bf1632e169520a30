#!/bin/bash
# collector_tls.sh - `wgaudit collector run --listen tls://` (RFC 5425)
# against real senders on loopback: the wgaudit agent with a client
# certificate, `openssl s_client` with a good, a missing and a foreign
# certificate, a sender that never finishes its handshake, plaintext on the
# TLS port; a plain TCP sender next to them must not notice. Certificates
# are made here with the openssl CLI in a temp dir and deleted at exit.
# Only 127.0.0.1; every process started here is stopped by pid at exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rsyslog.sh"

DIR=$(mktemp -d /tmp/wga-collector-tls.XXXXXX)
DB=$DIR/collector.db
COLL_PID=
AGENT_PID=
STALL_PID=
cleanup() {
	for p in $STALL_PID $AGENT_PID $COLL_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

command -v openssl >/dev/null || { skip collector_tls "openssl CLI not installed"; exit 0; }
command -v python3 >/dev/null || { skip collector_tls "python3 not installed"; exit 0; }
command -v logger >/dev/null || { skip collector_tls "logger (util-linux) not installed"; exit 0; }

# --- throwaway PKI ------------------------------------------------------------
mkcert() {	# name subject-cn ca-name [extension]
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$DIR/$1.key" -out "$DIR/$1.csr" -subj "/CN=$2" 2>/dev/null &&
	printf '%s\n' "${4:-basicConstraints=CA:FALSE}" > "$DIR/$1.ext" &&
	openssl x509 -req -in "$DIR/$1.csr" -CA "$DIR/$3.pem" -CAkey "$DIR/$3.key" \
		-CAcreateserial -days 2 -out "$DIR/$1.pem" -extfile "$DIR/$1.ext" 2>/dev/null
}
mkca() {	# name
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$DIR/$1.key" -out "$DIR/$1.pem" -subj "/CN=wgaudit test $1" \
		-addext basicConstraints=critical,CA:TRUE 2>/dev/null
}
if ! { mkca ca && mkca rogue &&
       mkcert server 127.0.0.1 ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth" &&
       mkcert client agent1 ca "extendedKeyUsage=clientAuth" &&
       mkcert intruder agent1 rogue "extendedKeyUsage=clientAuth"; }; then
	skip collector_tls "openssl cannot make test certificates"
	exit 0
fi
chmod 600 "$DIR"/*.key

SPORT=$(rsyslog_free_port tcp)
TPORT=$(rsyslog_free_port tcp)

coll() { "$WGAUDIT" collector "$@"; }
count() { coll logs --db "$DB" --tail 1000000 "$@" 2>/dev/null | wc -l; }
wait_count() {	# N [logs options]: until at least N match (10 s)
	local n=$1; shift
	for _ in $(seq 100); do
		[ "$(count "$@")" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
stat_field() {
	coll status --db "$DB" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
wait_stat() {	# NAME MIN: counters are written with the 5 s heartbeat (15 s)
	for _ in $(seq 150); do
		[ "$(stat_field "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
alive() { kill -0 "$COLL_PID" 2>/dev/null; }
heartbeat() { coll status --db "$DB" --json | python3 -c "import json,sys; print(json.load(sys.stdin).get('heartbeat', ''))"; }
next_heartbeat() {	# wait (bounded, 15 s) for a heartbeat newer than the one now
	local h0 h
	h0=$(heartbeat 2>/dev/null)
	for _ in $(seq 150); do
		h=$(heartbeat 2>/dev/null)
		[ -n "$h" ] && [ "$h" != "$h0" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- start-up errors ------------------------------------------------------------
out=$(coll run --db "$DIR/x.db" --listen "tls://127.0.0.1:$SPORT" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q -- "--tls-cert" <<<"$out"; then pass tls_needs_cert
else fail tls_needs_cert "rc=$rc: $out"; fi
out=$(coll run --db "$DIR/x.db" --listen "tls://127.0.0.1:$SPORT" --tls-cert "$DIR/server.pem" \
	--tls-key "$DIR/missing.key" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "$DIR/missing.key" <<<"$out"; then pass tls_missing_key_named
else fail tls_missing_key_named "rc=$rc: $out"; fi
out=$(coll run --db "$DIR/x.db" --listen "tls://127.0.0.1:$SPORT" --tls-cert "$DIR/server.pem" \
	--tls-key "$DIR/client.key" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "does not match" <<<"$out" && ! grep -q "PRIVATE" <<<"$out"; then
	pass tls_key_mismatch
else fail tls_key_mismatch "rc=$rc: $out"; fi

# --- the collector ---------------------------------------------------------------
"$WGAUDIT" collector run --db "$DB" --listen "tls://127.0.0.1:$SPORT" --listen "tcp://127.0.0.1:$TPORT" \
	--tls-cert "$DIR/server.pem" --tls-key "$DIR/server.key" --tls-ca "$DIR/ca.pem" \
	--tls-require-client-cert --handshake-timeout 1s --idle-timeout 30s \
	> "$DIR/collector.log" 2>&1 &
COLL_PID=$!
for _ in $(seq 50); do
	grep -q "listening on" "$DIR/collector.log" && break
	sleep 0.1
done
if ! grep -q "listening on tls://127.0.0.1:$SPORT" "$DIR/collector.log"; then
	fail tls_collector_start "$(tail -3 "$DIR/collector.log")"
	exit 1
fi
pass tls_collector_start

# --- the agent over TLS with its client certificate ----------------------------------
# Its own empty UAPI and config directories and an interface that does not
# exist: whatever WireGuard interfaces this host has (another test's, say)
# must not add events to the exact list checked below.
mkdir -p "$DIR/state" "$DIR/uapi" "$DIR/etc"
printf '[agent]\ninterfaces = wgactls0\nuapi_dir = %s\nconfig_dir = %s\n[kmsg]\nenabled = no\n' \
	"$DIR/uapi" "$DIR/etc" > "$DIR/agent.conf"
"$WGAUDIT" run -c "$DIR/agent.conf" --state-dir "$DIR/state" \
	--output "syslog+tls://127.0.0.1:$SPORT?ca=$DIR/ca.pem&cert=$DIR/client.pem&key=$DIR/client.key" \
	> "$DIR/agent.log" 2>&1 &
AGENT_PID=$!
if wait_count 1 --source wireguard --type AGENT_STARTED; then
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	if wait_count 1 --source wireguard --type AGENT_STOPPED; then
		J=$(coll logs --db "$DB" --source wireguard --json --tail 100)
		if printf '%s\n' "$J" | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.strip()]
ok = [x["type"] for x in r] == ["AGENT_STARTED", "AGENT_STOPPED"] and all(x["proto"] == "tls" and x["app"] == "wireguard-audit" for x in r)
sys.exit(0 if ok else 1)'; then pass tls_agent_delivery
		else fail tls_agent_delivery "$(printf '%s\n' "$J" | head -2)"; fi
	else
		fail tls_agent_delivery "AGENT_STOPPED not stored: $(tail -2 "$DIR/agent.log")"
	fi
elif kill -0 "$AGENT_PID" 2>/dev/null; then
	fail tls_agent_delivery "AGENT_STARTED not stored: $(tail -2 "$DIR/agent.log"; tail -2 "$DIR/collector.log")"
else
	skip tls_agent_delivery "the agent did not run here: $(tail -1 "$DIR/agent.log")"
	AGENT_PID=
fi

# s_client sends one octet-counted record and closes; stdin EOF ends it.
sclient() {	# record [s_client options]
	local rec=$1; shift
	printf '%d %s' "${#rec}" "$rec" | timeout 10 openssl s_client -connect "127.0.0.1:$SPORT" \
		-CAfile "$DIR/ca.pem" -quiet "$@" > /dev/null 2>&1
}
R='<14>1 2024-05-01T10:00:00Z h1 tlstest - - - with client cert'
sclient "$R" -cert "$DIR/client.pem" -key "$DIR/client.key"
if wait_count 1 --source tlstest; then pass tls_s_client_delivery
else fail tls_s_client_delivery "not stored: $(tail -2 "$DIR/collector.log")"; fi

# --- hostile: no client certificate, a foreign one; TCP goes on --------------------------
# The good sessions above (one ended without close_notify) are no failures.
# Both clients are gone; a failure would be counted when the collector reads
# their close. Not a fixed sleep: wait for two heartbeats, the second one
# written in a loop turn that began after those closes were readable.
next_heartbeat && next_heartbeat; hb=$?
before=$(stat_field tls_failed)
if [ $hb != 0 ]; then fail tls_good_sessions_not_counted "no new heartbeat in 15 s: $(tail -2 "$DIR/collector.log")"
elif [ "$before" -eq 0 ]; then pass tls_good_sessions_not_counted
else fail tls_good_sessions_not_counted "tls_failed=$before: $(tail -2 "$DIR/collector.log")"; fi
sclient '<14>1 - h2 tlsbad - - - no cert' &
S1=$!
sclient '<14>1 - h3 tlsbad - - - foreign cert' -cert "$DIR/intruder.pem" -key "$DIR/intruder.key" &
S2=$!
logger -n 127.0.0.1 --tcp --octet-count -P "$TPORT" -t tcpside "plain tcp during refusals"
wait $S1 $S2 2>/dev/null
if wait_count 1 --source tcpside; then pass tls_refusal_tcp_unaffected
else fail tls_refusal_tcp_unaffected "tcp record not stored"; fi
if wait_stat tls_failed $((before + 2)) && [ "$(count --source tlsbad)" -eq 0 ]; then
	pass tls_client_cert_required
else
	fail tls_client_cert_required "tls_failed=$(stat_field tls_failed) (was $before), stored=$(count --source tlsbad)"
fi

# --- hostile: a handshake that never finishes ---------------------------------------
# Half a ClientHello record header, then silence; the collector must close it
# (handshake timeout 1 s; the sweep runs every second) while a TCP sender
# is served meanwhile.
before=$(stat_field tls_failed)	# before the stall starts: its failure is not in it
python3 - "$SPORT" > "$DIR/stall.out" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01")
print("stalling", flush=True)
s.settimeout(10)
t = time.monotonic()
try:
    d = s.recv(100)
    print("closed" if d == b"" else "data", round(time.monotonic() - t, 1))
except socket.timeout:
    print("open")
except ConnectionResetError:
    print("closed reset")
EOF
STALL_PID=$!
# The TCP sender goes while the stall is on: wait until it is (bounded).
wait_for 10 grep -q stalling "$DIR/stall.out"
logger -n 127.0.0.1 --tcp --octet-count -P "$TPORT" -t tcpside2 "plain tcp during a stall"
wait_count 1 --source tcpside2 && tcp_ok=1 || tcp_ok=0
wait "$STALL_PID" 2>/dev/null
STALL_PID=
if grep -q "^closed" "$DIR/stall.out" && [ $tcp_ok = 1 ]; then pass tls_handshake_timeout
else fail tls_handshake_timeout "stall: $(cat "$DIR/stall.out"), tcp stored: $tcp_ok"; fi
if wait_stat conns_timed_out 1 && wait_stat tls_failed $((before + 1)); then pass tls_handshake_timeout_counted
else fail tls_handshake_timeout_counted "conns_timed_out=$(stat_field conns_timed_out) tls_failed=$(stat_field tls_failed) (was $before)"; fi

# --- hostile: plaintext syslog on the TLS port -----------------------------------------
before=$(stat_field tls_failed)
python3 - "$SPORT" <<'EOF'
import socket, sys
for payload in (b"<14>1 - h4 plainontls - - - not tls\n", b"GET / HTTP/1.0\r\n\r\n", bytes(range(256)) * 8):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    try:
        s.sendall(payload)
        s.settimeout(5)
        s.recv(4096)
    except OSError:
        pass
    s.close()
EOF
if wait_stat tls_failed $((before + 3)) && alive && [ "$(count --source plainontls)" -eq 0 ]; then
	pass tls_plaintext_counted
else
	fail tls_plaintext_counted "tls_failed=$(stat_field tls_failed) (was $before), alive=$(alive && echo y)"
fi
R='<14>1 2024-05-01T10:00:01Z h1 tlsafter - - - still serving'
sclient "$R" -cert "$DIR/client.pem" -key "$DIR/client.key"
if wait_count 1 --source tlsafter; then pass tls_serves_after_garbage
else fail tls_serves_after_garbage "not stored: $(tail -2 "$DIR/collector.log")"; fi

# --- TLS 1.1 is refused ------------------------------------------------------------------
if openssl s_client -help 2>&1 | grep -q -- "-tls1_1"; then
	before=$(stat_field tls_failed)
	sclient '<14>1 - h5 tlsold - - - tls 1.1' -tls1_1 -cert "$DIR/client.pem" -key "$DIR/client.key"
	if wait_stat tls_failed $((before + 1)) && [ "$(count --source tlsold)" -eq 0 ]; then
		pass tls_old_version_refused
	else fail tls_old_version_refused "tls_failed=$(stat_field tls_failed), stored=$(count --source tlsold)"; fi
fi

# --- status -------------------------------------------------------------------------------
if coll status --db "$DB" | grep -q "TLS failures" &&
   coll status --db "$DB" | grep -q "tls://127.0.0.1:$SPORT"; then pass tls_status
else fail tls_status "$(coll status --db "$DB" | head -5)"; fi

kill -TERM "$COLL_PID"
wait "$COLL_PID" 2>/dev/null; rc=$?
COLL_PID=
if [ $rc -eq 0 ] && ! grep -q -E "AddressSanitizer|runtime error|BEGIN .*PRIVATE" "$DIR/collector.log"; then
	pass tls_clean_stop
else fail tls_clean_stop "rc=$rc $(grep -m2 -E 'ERROR|runtime error' "$DIR/collector.log")"; fi
exit ${T_FAILED:-0}
