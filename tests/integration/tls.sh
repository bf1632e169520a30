#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tls.sh - syslog+tls:// (RFC 5425) to a real rsyslogd with its TLS stream
# driver on 127.0.0.1. A throwaway PKI is generated now with the openssl
# CLI and deleted at exit: a trusted CA, a server certificate for localhost
# and 127.0.0.1, an unknown second CA, client certificates from each.
# Events come from `wgaudit run` itself (AGENT_STARTED, and AGENT_STOPPED
# on SIGTERM through the shutdown flush); it observes an interface that
# does not exist and reads no kernel log. Refusals must deliver nothing and
# leave a log line naming the reason; nothing ever goes out in plaintext.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/lib-rsyslog.sh
. tests/integration/lib-rsyslog-tls.sh

CASES="tls_ip_verified tls_name_verified tls_wrong_name_refused tls_unknown_ca_refused
	mtls_client_cert mtls_without_cert_refused mtls_unknown_client_ca_refused"
skip_all() { for c in $CASES; do skip "$c" "$1"; done; exit 0; }

"$WGAUDIT" check --help > /dev/null 2>&1 || skip_all "$WGAUDIT check --help fails (agent not built yet?)"
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
[ -n "$(rsyslog_tls_driver)" ] || skip_all "no rsyslog TLS driver (apt-get install rsyslog-openssl)"
command -v openssl > /dev/null || skip_all "openssl CLI not installed"
command -v python3 > /dev/null || skip_all "python3 not installed"
command -v ss > /dev/null || skip_all "ss (iproute2) not installed"

DIR=$(mktemp -d /tmp/wga-tls.XXXXXX)
AGENT=
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	rsyslog_stop "$DIR/rs"
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"	# the PKI with it
}
trap cleanup EXIT

PKI=$DIR/pki
tls_make_pki "$PKI" || skip_all "openssl could not make the test PKI"
PORT=$(rsyslog_free_port tcp)
MPORT=$(rsyslog_free_port tcp)
while [ "$MPORT" = "$PORT" ]; do MPORT=$(rsyslog_free_port tcp); done
if ! err=$(rsyslog_tls_start "$DIR/rs" "$PKI" "$PORT" "$MPORT" 2>&1); then
	skip_all "cannot start a private TLS rsyslogd: $err"
fi
OUT=$(rsyslog_out "$DIR/rs")
HOST=wga-tls-host

# marker NAME PORT: after a refused case, a record of our own, sent with
# openssl s_client (the good client certificate, which the mTLS port wants)
# to the port the agent used; 0 once rsyslogd wrote it (bounded). Whatever
# the agent had got through before it exited was received before this.
marker() {
	local rec="<14>1 - $HOST wgatest-marker - - - marker $1 $$"
	printf '%d %s' "${#rec}" "$rec" | timeout 10 openssl s_client -connect "127.0.0.1:$2" \
		-CAfile "$PKI/ca.pem" -cert "$PKI/client.pem" -key "$PKI/client.key" \
		-quiet -no_ign_eof > /dev/null 2>&1
	wait_for 10 grep -qF "msg=marker $1 $$" "$OUT"
}

# run_agent NAME URL expect(deliver|refuse): one agent with one output.
# deliver: wait for AGENT_STARTED at the collector; refuse: wait for the
# agent to log that the output is down. Then SIGTERM. Leaves the lines
# received during this case in $DIR/NAME.lines (a refused case's marker
# left out), the agent log in $DIR/NAME/agent.log.
run_agent() {
	local name=$1 url=$2 mode=$3 before
	before=$(wc -l < "$OUT")
	mkdir -p "$DIR/$name/uapi" "$DIR/$name/etc"
	cat > "$DIR/$name/wgaudit.conf" <<CONF
[agent]
hostname = $HOST
interfaces = wgatls0
uapi_dir = $DIR/$name/uapi
config_dir = $DIR/$name/etc
[kmsg]
enabled = no
CONF
	"$WGAUDIT" run -c "$DIR/$name/wgaudit.conf" --state-dir "$DIR/$name/state" \
		--interval 300ms --output "$url" > "$DIR/$name/agent.log" 2>&1 &
	AGENT=$!
	for _ in $(seq 150); do
		if [ "$mode" = deliver ]; then
			[ "$(wc -l < "$OUT")" -gt "$before" ] && break
		else
			grep -q 'retrying with backoff' "$DIR/$name/agent.log" && break
		fi
		kill -0 "$AGENT" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
	echo $? > "$DIR/$name/agent.rc"
	AGENT=
	if [ "$mode" = deliver ]; then
		[ "$(wc -l < "$OUT")" -gt "$before" ] && rsyslog_wait_lines "$DIR/rs" $((before + 2)) 10
	else
		# Nothing may come: instead of a fixed sleep for a late arrival,
		# wait for a marker record sent after the agent has exited.
		local port=${url#*://127.0.0.1:}
		marker "$name" "${port%%\?*}"
		echo $? > "$DIR/$name/marker.rc"
	fi
	tail -n +$((before + 1)) "$OUT" | grep -vF "msg=marker $name $$" > "$DIR/$name.lines"
}

sanitizer_clean() {
	! grep -q 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' "$DIR/$1/agent.log"
}
agent_tail() { tail -4 "$DIR/$1/agent.log" | tr '\n' ' '; }

check_delivered() {	# name
	local name=$1 started stopped
	started=$(grep -m1 'msgid=AGENT_STARTED|' "$DIR/$name.lines")
	stopped=$(grep -m1 'msgid=AGENT_STOPPED|' "$DIR/$name.lines")
	if ! sanitizer_clean "$name"; then
		fail "$name" "sanitizer report: $(grep -m1 -A3 'ERROR\|runtime error' "$DIR/$name/agent.log" | tr '\n' ' ')"
	elif [ -z "$started" ]; then
		fail "$name" "no AGENT_STARTED at the collector; agent log: $(agent_tail "$name")"
	elif [ "$(rsyslog_field "$started" app)" != wireguard-audit ] ||
	     [ "$(rsyslog_field "$started" host)" != "$HOST" ]; then
		fail "$name" "rsyslog parsed app='$(rsyslog_field "$started" app)' host='$(rsyslog_field "$started" host)'"
	elif [ -z "$stopped" ]; then
		fail "$name" "no AGENT_STOPPED at the collector (shutdown flush); agent log: $(agent_tail "$name")"
	elif [ "$(grep -c . "$DIR/$name.lines")" -ne "$(grep -c 'app=wireguard-audit|' "$DIR/$name.lines")" ]; then
		fail "$name" "a line not parsed as APP-NAME wireguard-audit: $(grep -v -m1 'app=wireguard-audit|' "$DIR/$name.lines")"
	elif ! grep -q 'connected, TLSv1\.[23]' "$DIR/$name/agent.log"; then
		fail "$name" "agent did not log a TLS 1.2+ session: $(agent_tail "$name")"
	else
		pass "$name"
	fi
}

check_refused() {	# name reason-regex
	local name=$1 re=$2
	if ! sanitizer_clean "$name"; then
		fail "$name" "sanitizer report: $(grep -m1 -A3 'ERROR\|runtime error' "$DIR/$name/agent.log" | tr '\n' ' ')"
	elif [ "$(cat "$DIR/$name/marker.rc")" != 0 ]; then
		fail "$name" "the collector did not write the marker record sent after the agent: cannot tell that nothing came"
	elif [ -s "$DIR/$name.lines" ]; then
		fail "$name" "the collector received $(wc -l < "$DIR/$name.lines") message(s): $(head -1 "$DIR/$name.lines")"
	elif ! grep -Eq "$re" "$DIR/$name/agent.log"; then
		fail "$name" "no log line matching '$re'; agent log: $(agent_tail "$name")"
	elif [ "$(cat "$DIR/$name/agent.rc")" != 0 ]; then
		fail "$name" "agent exited $(cat "$DIR/$name/agent.rc") on SIGTERM"
	else
		pass "$name"
	fi
}

U=syslog+tls://127.0.0.1
run_agent tls_ip_verified "$U:$PORT?ca=$PKI/ca.pem" deliver
check_delivered tls_ip_verified

run_agent tls_name_verified "$U:$PORT?ca=$PKI/ca.pem&name=localhost" deliver
check_delivered tls_name_verified

run_agent tls_wrong_name_refused "$U:$PORT?ca=$PKI/ca.pem&name=wrong.example" refuse
check_refused tls_wrong_name_refused 'collector certificate rejected: hostname mismatch \(expected "wrong\.example"\)'

run_agent tls_unknown_ca_refused "$U:$PORT?ca=$PKI/other-ca.pem" refuse
check_refused tls_unknown_ca_refused 'collector certificate rejected: (self-signed certificate in certificate chain|unable to get local issuer certificate)'

run_agent mtls_client_cert "$U:$MPORT?ca=$PKI/ca.pem&cert=$PKI/client.pem&key=$PKI/client.key" deliver
check_delivered mtls_client_cert

# TLS 1.3: the server refuses a missing or foreign client certificate after
# our handshake finished; the alert (or the reset) must take the output down.
run_agent mtls_without_cert_refused "$U:$MPORT?ca=$PKI/ca.pem" refuse
check_refused mtls_without_cert_refused 'TLS (read|write|handshake): .*(alert certificate required|alert handshake failure|Connection reset by peer|closed)'

run_agent mtls_unknown_client_ca_refused "$U:$MPORT?ca=$PKI/ca.pem&cert=$PKI/rogue-client.pem&key=$PKI/rogue-client.key" refuse
check_refused mtls_unknown_client_ca_refused 'TLS (read|write|handshake): .*(alert unknown ca|alert bad certificate|Connection reset by peer|closed)'

exit $T_FAILED
