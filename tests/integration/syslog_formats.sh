#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# syslog_formats.sh - the agent's syslog output as a real rsyslogd parses it:
# TCP octet-counted RFC 5424, TCP LF-framed RFC 3164, UDP RFC 5424. Asserts
# on rsyslog's parsed fields (APP-NAME, HOSTNAME, severity, facility, MSGID,
# structured data, MSG), not on our bytes. Events come from `wgaudit run`
# itself (AGENT_STARTED, then AGENT_STOPPED on SIGTERM, delivered by the
# shutdown flush); it observes only an interface that does not exist, so
# nothing else on the host is touched. Traffic stays on 127.0.0.1.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/lib-rsyslog.sh

CASES="tcp_octet_rfc5424 tcp_lf_rfc3164 udp_rfc5424"
skip_all() { for c in $CASES; do skip "$c" "$1"; done; exit 0; }

"$WGAUDIT" check --help > /dev/null 2>&1 || skip_all "$WGAUDIT check --help fails (agent not built yet?)"
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
command -v python3 > /dev/null || skip_all "python3 not installed"
command -v ss > /dev/null || skip_all "ss (iproute2) not installed"

DIR=$(mktemp -d /tmp/wga-sysfmt.XXXXXX)
AGENT=
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	rsyslog_stop "$DIR/rs"
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

TPORT=$(rsyslog_free_port tcp)
UPORT=$(rsyslog_free_port udp)
if ! err=$(rsyslog_start "$DIR/rs" "$TPORT" "$UPORT" 2>&1); then
	skip_all "cannot start a private rsyslogd: $err"
fi
OUT=$(rsyslog_out "$DIR/rs")
HOST=wga-fmt-host

# run_agent NAME URL: start the agent with one output, wait for
# AGENT_STARTED at the collector, stop it, wait for AGENT_STOPPED.
# Leaves the received lines of this case in $DIR/NAME.lines.
run_agent() {
	local name=$1 url=$2 before
	before=$(wc -l < "$OUT")
	mkdir -p "$DIR/$name"
	cat > "$DIR/$name/wgaudit.conf" <<EOF
[agent]
hostname = $HOST
interfaces = wgafmt0
state_dir = $DIR/$name/state
uapi_dir = $DIR/$name/uapi
config_dir = $DIR/$name/etc
[kmsg]
enabled = false
[output "collector"]
url = $url
facility = local3
EOF
	mkdir -p "$DIR/$name/uapi" "$DIR/$name/etc"
	"$WGAUDIT" run -c "$DIR/$name/wgaudit.conf" --interval 1s \
		> "$DIR/$name/agent.log" 2>&1 &
	AGENT=$!
	for _ in $(seq 200); do	# AGENT_STARTED arrives, or the agent died
		[ "$(wc -l < "$OUT")" -gt "$before" ] && break
		kill -0 "$AGENT" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
	echo $? > "$DIR/$name/agent.rc"
	AGENT=
	[ "$(wc -l < "$OUT")" -gt "$before" ] && rsyslog_wait_lines "$DIR/rs" $((before + 2)) 10
	tail -n +$((before + 1)) "$OUT" > "$DIR/$name.lines"
}

# expect NAME LINE FIELD VALUE: records the first mismatch in $why.
expect() {
	local got
	got=$(rsyslog_field "$2" "$3")
	[ -n "$why" ] && return
	[ "$got" = "$4" ] || why="$3 is '$got', expected '$4' (line: ${2:0:300})"
}
expect_prefix() {
	local got
	got=$(rsyslog_field "$2" "$3")
	got=${got# }	# RFC 3164: rsyslog keeps the space after "TAG:"
	[ -n "$why" ] && return
	case $got in "$4"*) ;; *) why="$3 is '${got:0:200}', expected it to start with '$4'" ;; esac
}

check_case() {	# name format(5424|3164)
	local name=$1 fmt=$2 started stopped
	why=
	started=$(grep -m1 'AGENT_STARTED' "$DIR/$name.lines")
	stopped=$(grep -m1 'AGENT_STOPPED' "$DIR/$name.lines")
	if [ -z "$started" ]; then
		fail "$name" "no AGENT_STARTED at the collector; agent log: $(tail -3 "$DIR/$name/agent.log" | tr '\n' ' ')"
		return
	fi
	if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$DIR/$name/agent.log"; then
		fail "$name" "sanitizer report in the agent log: $(grep -m1 -A3 'ERROR\|runtime error' "$DIR/$name/agent.log" | tr '\n' ' ')"
		return
	fi
	expect "$name" "$started" app wireguard-audit
	expect "$name" "$started" host "$HOST"
	expect "$name" "$started" sev info
	expect "$name" "$started" fac local3
	expect_prefix "$name" "$started" msg "AGENT_STARTED version="
	if [ "$fmt" = 5424 ]; then
		expect "$name" "$started" msgid AGENT_STARTED
		expect_prefix "$name" "$started" sd '[wgaudit@32473 version="'
	fi
	if [ -z "$stopped" ]; then
		[ -n "$why" ] || why="no AGENT_STOPPED at the collector (shutdown flush)"
	else
		expect "$name" "$stopped" app wireguard-audit
		expect_prefix "$name" "$stopped" msg "AGENT_STOPPED"
		case $(rsyslog_field "$stopped" msg) in
		*reason=SIGTERM*) ;;
		*) [ -n "$why" ] || why="AGENT_STOPPED without reason=SIGTERM" ;;
		esac
	fi
	if [ -z "$why" ] && [ "$(grep -c . "$DIR/$name.lines")" -ne "$(grep -c 'app=wireguard-audit|' "$DIR/$name.lines")" ]; then
		why="a received line was not parsed as APP-NAME wireguard-audit: $(grep -v -m1 'app=wireguard-audit|' "$DIR/$name.lines")"
	fi
	if [ -n "$why" ]; then fail "$name" "$why"; else pass "$name"; fi
}

run_agent tcp_octet_rfc5424 "syslog+tcp://127.0.0.1:$TPORT"
check_case tcp_octet_rfc5424 5424

run_agent tcp_lf_rfc3164 "syslog+tcp://127.0.0.1:$TPORT?format=rfc3164&framing=lf"
check_case tcp_lf_rfc3164 3164

run_agent udp_rfc5424 "syslog+udp://127.0.0.1:$UPORT"
check_case udp_rfc5424 5424

exit $T_FAILED
