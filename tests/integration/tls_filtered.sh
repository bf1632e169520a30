#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tls_filtered.sh - a syslog+tls:// output with min_severity = warning that
# sees more filtered events in a row than it can hold in flight (5,000
# debug-level KEEPALIVE_RECEIVED lines from a wireguard-go log) must move
# its cursor past them and deliver the next warning to a real rsyslogd TLS
# listener; and again after a restart with such a run still pending.
# (Before the fix the ring of unacked events filled with filtered ones that
# were never counted as delivered on TLS, and the output stalled for good.)
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/lib-rsyslog.sh
. tests/integration/lib-rsyslog-tls.sh

CASES="tls_filtered_run_then_warning tls_filtered_run_across_restart tls_filtered_none_sent"
skip_all() { for c in $CASES; do skip "$c" "$1"; done; exit 0; }

[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
[ -n "$(rsyslog_tls_driver)" ] || skip_all "no rsyslog TLS driver (apt-get install rsyslog-openssl)"
command -v openssl > /dev/null || skip_all "openssl CLI not installed"

DIR=$(mktemp -d /tmp/wga-tlsf.XXXXXX)
AGENT=
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	rsyslog_stop "$DIR/rs"
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

PKI=$DIR/pki
tls_make_pki "$PKI" || skip_all "openssl could not make the test PKI"
PORT=$(rsyslog_free_port tcp)
MPORT=$(rsyslog_free_port tcp)
while [ "$MPORT" = "$PORT" ]; do MPORT=$(rsyslog_free_port tcp); done
err=$(rsyslog_tls_start "$DIR/rs" "$PKI" "$PORT" "$MPORT" 2>&1) ||
	skip_all "cannot start a private TLS rsyslogd: $err"
OUT=$(rsyslog_out "$DIR/rs")
LOG=$DIR/wggo.log
: > "$LOG"
mkdir -p "$DIR/uapi" "$DIR/etc"
cat > "$DIR/wgaudit.conf" <<CONF
[agent]
hostname = wga-tlsf
interfaces = wgatlsf0
interval = 300ms
uapi_dir = $DIR/uapi
config_dir = $DIR/etc
[kmsg]
enabled = no
wireguard_go_log = $LOG
[output "collector"]
url = syslog+tls://127.0.0.1:$PORT?ca=$PKI/ca.pem
min_severity = warning
[output "all"]
url = jsonl:$DIR/events.jsonl
CONF

# Real wireguard-go line formats (device/receive.go, device/noise-protocol.go).
PFX="DEBUG: (wgatlsf0) $(date -u +%Y/%m/%d) 20:00:00"
PEER="peer(AbCd$(printf '\xe2\x80\xa6')WxY=)"
flood() {	# N debug lines
	python3 - "$LOG" "$1" "$PFX $PEER - Receiving keepalive packet" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    f.write((sys.argv[3] + "\n") * int(sys.argv[2]))
PY
}
warning() { echo "$PFX Received invalid initiation message from 192.0.2.$1:51820" >> "$LOG"; }
n_keepalive() { grep -c '"type":"KEEPALIVE_RECEIVED"' "$DIR/events.jsonl" 2>/dev/null; }
keepalives_at_least() { [ "$(n_keepalive)" -ge "$1" ]; }
at_collector() { grep -q "msgid=INVALID_HANDSHAKE_INITIATION|.*192\.0\.2\.$1:51820" "$OUT"; }
start() {
	"$WGAUDIT" run -c "$DIR/wgaudit.conf" --state-dir "$DIR/state" >> "$DIR/agent.log" 2>&1 &
	AGENT=$!
}
stop() { kill -TERM "$AGENT"; wait "$AGENT"; AGENT=; }

start
wait_for 10 grep -q AGENT_STARTED "$DIR/events.jsonl" || { fail setup "agent did not start: $(tail -3 "$DIR/agent.log")"; exit 1; }
wait_for 15 grep -q 'connected, TLSv1' "$DIR/agent.log" || fail setup "no TLS session: $(tail -3 "$DIR/agent.log")"
flood 5000
wait_for 30 keepalives_at_least 5000 || fail setup "journal has $(n_keepalive) of 5000 keepalives"
warning 1
if wait_for 20 at_collector 1; then pass tls_filtered_run_then_warning
else fail tls_filtered_run_then_warning "the warning after 5000 filtered events never reached rsyslog; agent: $(tail -2 "$DIR/agent.log" | tr '\n' ' ')"; fi

# A run of filtered events pending at a restart: the restarted agent reads
# them (written while it was down) and still delivers the warning after.
stop
flood 5000
warning 2
start
if wait_for 30 at_collector 2; then pass tls_filtered_run_across_restart
else fail tls_filtered_run_across_restart "after a restart the warning never reached rsyslog; agent: $(tail -2 "$DIR/agent.log" | tr '\n' ' ')"; fi
stop

if grep -q 'msgid=KEEPALIVE_RECEIVED\|msgid=AGENT_' "$OUT"; then
	fail tls_filtered_none_sent "a filtered event reached the collector: $(grep -m1 'KEEPALIVE\|AGENT_' "$OUT")"
elif [ "$(grep -c 'msgid=INVALID_HANDSHAKE_INITIATION|' "$OUT")" -ne 2 ]; then
	fail tls_filtered_none_sent "expected 2 warnings at the collector, got $(grep -c 'msgid=INVALID_HANDSHAKE_INITIATION|' "$OUT")"
elif grep -q 'ERROR: AddressSanitizer\|runtime error:' "$DIR/agent.log"; then
	fail tls_filtered_none_sent "sanitizer: $(grep -m1 'ERROR\|runtime error' "$DIR/agent.log")"
else
	pass tls_filtered_none_sent
fi
exit $T_FAILED
