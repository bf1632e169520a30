#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# output_cursors.sh - two --output URLs that differ only in ?format= are two
# outputs with two cursors: a run with only one of them must not move the
# other's position (before, both were kept under the URL without its
# query, so the other silently skipped that run's events). And a state dir
# as older versions left it (one cursor under the old name) is taken over
# by both outputs at its position, once. A real rsyslogd on 127.0.0.1
# parses what arrives; RFC 5424 carries a MSGID, RFC 3164 does not.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/lib-rsyslog.sh

CASES="cursor_per_format cursor_old_name_taken_over cursor_old_name_once"
skip_all() { for c in $CASES; do skip "$c" "$1"; done; exit 0; }
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
command -v sqlite3 > /dev/null || skip_all "sqlite3 CLI not installed"

DIR=$(mktemp -d /tmp/wga-curs.XXXXXX)
AGENT=
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	rsyslog_stop "$DIR/rs"
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
TPORT=$(rsyslog_free_port tcp)
UPORT=$(rsyslog_free_port udp)
err=$(rsyslog_start "$DIR/rs" "$TPORT" "$UPORT" 2>&1) || skip_all "cannot start a private rsyslogd: $err"
OUT=$(rsyslog_out "$DIR/rs")
mkdir -p "$DIR/uapi" "$DIR/etc"
cat > "$DIR/wgaudit.conf" <<CONF
[agent]
interfaces = wgacurs0
uapi_dir = $DIR/uapi
config_dir = $DIR/etc
[kmsg]
enabled = no
CONF
A="syslog+tcp://127.0.0.1:$TPORT?format=rfc3164"
B="syslog+tcp://127.0.0.1:$TPORT?format=rfc5424"

n5424() { grep -c 'msgid=AGENT_STARTED|' "$OUT"; }
n3164() { grep -c 'msgid=-|.*msg= \?AGENT_STARTED' "$OUT"; }
counts_are() { [ "$(n3164)" -ge "$1" ] && [ "$(n5424)" -ge "$2" ]; }
# run STATE N3164 N5424 URL...: run until rsyslog has that many
# AGENT_STARTED of each format, then stop (AGENT_STOPPED is flushed).
run() {
	local state=$1 w3164=$2 w5424=$3 args=() u
	shift 3
	for u in "$@"; do args+=(--output "$u"); done
	"$WGAUDIT" run -c "$DIR/wgaudit.conf" --state-dir "$state" --interval 300ms \
		"${args[@]}" >> "$DIR/agent.log" 2>&1 &
	AGENT=$!
	wait_for 20 counts_are "$w3164" "$w5424" ||
		echo "run: waited for $w3164/$w5424 AGENT_STARTED, have $(n3164)/$(n5424)" >> "$DIR/agent.log"
	kill -TERM "$AGENT"; wait "$AGENT"; AGENT=
}

S=$DIR/state1
run "$S" 1 1 "$A" "$B"		# both: 1 each
run "$S" 2 1 "$A"		# only A: B's events of this run wait
run "$S" 3 3 "$A" "$B"		# B catches up: its own run and the one before
if [ "$(n3164)" = 3 ] && [ "$(n5424)" = 3 ]; then pass cursor_per_format
else fail cursor_per_format "AGENT_STARTED at rsyslog: rfc3164 $(n3164) (want 3), rfc5424 $(n5424) (want 3)"; fi

# A state dir as an older version left it: events 1..2 journaled, the
# output's cursor (named without the query) still at 0, no migration mark.
: > "$OUT"
S=$DIR/state2
"$WGAUDIT" run -c "$DIR/wgaudit.conf" --state-dir "$S" --output "jsonl:$DIR/s2.jsonl" >> "$DIR/agent.log" 2>&1 &
AGENT=$!
wait_for 10 grep -q AGENT_STARTED "$DIR/s2.jsonl" || fail setup "agent with jsonl did not start"
kill -TERM "$AGENT"; wait "$AGENT"; AGENT=
sqlite3 "$S/wgaudit.db" "INSERT INTO cursors (name, last_id) VALUES ('syslog+tcp://127.0.0.1:$TPORT', 0);
	DELETE FROM meta WHERE key = 'output_cursor_names';"
run "$S" 2 2 "$A" "$B"
if [ "$(n3164)" = 2 ] && [ "$(n5424)" = 2 ]; then pass cursor_old_name_taken_over
else fail cursor_old_name_taken_over "AGENT_STARTED at rsyslog: rfc3164 $(n3164), rfc5424 $(n5424) (want 2 and 2: the older run's and this one)"; fi
C="syslog+tcp://127.0.0.1:$TPORT?framing=lf"
run "$S" 3 3 "$A" "$B" "$C"	# C is new: from the end, not from the old cursor
lf=$(grep -c 'msgid=AGENT_STARTED|' "$OUT")
if [ "$(n3164)" = 3 ] && [ "$lf" = 4 ] && ! grep -q 'ERROR: AddressSanitizer\|runtime error:' "$DIR/agent.log"; then
	pass cursor_old_name_once
else
	fail cursor_old_name_once "rfc3164 $(n3164) (want 3), rfc5424 incl. framing=lf $lf (want 4); $(grep -m1 'run:\|ERROR' "$DIR/agent.log")"
fi
exit $T_FAILED
