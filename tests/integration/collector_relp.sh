#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `wgaudit collector --listen relp://` against hostile and odd RELP senders
# (a python client on 127.0.0.1 speaking the bytes librelp speaks): broken
# frames, a command before open, a frame over --max-message, an open
# without syslog, an unknown command, silence; each counted and the
# connection closed (or answered rsp 500), while a well-behaved sender is
# served throughout. And no answer before the commit: with the collector
# dying just before its first commit (failpoint), the sender hears nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rsyslog.sh"
. "$(dirname "$0")/lib-relp.sh"
DIR=$(mktemp -d /tmp/wga-crelp.XXXXXX)
chmod 700 "$DIR"
trap 'collector_stop; rm -rf "$DIR"' EXIT
P=$(rsyslog_free_port tcp)
stat_field() {
	"$WGAUDIT" collector status --db "$DIR/c.db" --json 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))" 2>/dev/null || echo 0
}
field_ge() { [ "$(stat_field "$1")" -ge "$2" ]; }

# relp_client SCRIPT: run a sender; prints what it received and how it ended.
relp_client() {
	python3 - "$P" "$1" <<'PY'
import socket, sys, time
port, script = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
def fr(t, cmd, data=b""):
    return b"%d %s %d%s\n" % (t, cmd, len(data), (b" " + data) if data else b"")
OPEN = fr(1, b"open", b"relp_version=0\nrelp_software=test\ncommands=syslog")
def rec(i):
    return ('<14>1 2026-12-01T20:00:00Z h hostile%s - - - rec %d' % (script, i)).encode()
sends = {
    "garbage": [b"<14>this is plain syslog, not RELP\n"],
    "before_open": [fr(1, b"syslog", rec(0))],
    "oversize": [OPEN, b"2 syslog 5000 " + b"x" * 100],
    "no_syslog": [fr(1, b"open", b"relp_version=0\ncommands=foo")],
    "unknown_cmd": [OPEN, fr(2, b"starttls"), fr(3, b"syslog", rec(3))],
    "idle": [OPEN],
    "normal": [OPEN] + [fr(i + 2, b"syslog", rec(i)) for i in range(3)] + [fr(5, b"close")],
    "unanswered": [OPEN, fr(2, b"syslog", rec(2))],
}[script]
for b in sends:
    s.sendall(b)
got = b""
end = "timeout"
deadline = time.time() + (8 if script in ("idle", "unanswered") else 4)
while time.time() < deadline:
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    except ConnectionResetError:
        end = "reset"
        break
    if not d:
        end = "closed"
        break
    got += d
print("end=%s got=%r" % (end, got))
PY
}

collector_start "$DIR" -- "relp://127.0.0.1:$P"
# (the idle case needs a short --idle-timeout: a second collector below)
wait_for 10 collector_listening "$P" || { fail setup "collector did not listen: $(tail -3 "$DIR/collector.out")"; exit 1; }

r=$(relp_client garbage)
case $r in end=closed*|end=reset*) pass relp_garbage_closed ;; *) fail relp_garbage_closed "$r" ;; esac
r=$(relp_client before_open)
case $r in end=closed*|end=reset*) pass relp_before_open_closed ;; *) fail relp_before_open_closed "$r" ;; esac
r=$(relp_client normal)
case $r in
*"2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 6 200 OK\n5 rsp 0\n0 serverclose 0\n"*end=closed*|end=closed*"2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 6 200 OK\n5 rsp 0\n0 serverclose 0\n"*)
	pass relp_normal_sender_answered ;;
*) fail relp_normal_sender_answered "$r" ;;
esac
r=$(relp_client unknown_cmd)
case $r in *"2 rsp 25 500 command not supported"*"3 rsp 6 200 OK"*) pass relp_unknown_command_500 ;;
*) fail relp_unknown_command_500 "$r" ;; esac
r=$(relp_client no_syslog)
case $r in *"1 rsp 35 500 this receiver takes syslog only"*end=closed*|end=closed*"500 this receiver"*) pass relp_open_without_syslog_refused ;;
*) fail relp_open_without_syslog_refused "$r" ;; esac
# counters are per run: read them before this collector stops
if wait_for 10 field_ge framing_errors 2; then pass relp_framing_errors_counted
else fail relp_framing_errors_counted "framing_errors=$(stat_field framing_errors)"; fi
collector_stop

"$WGAUDIT" collector run --db "$DIR/c.db" --listen "relp://127.0.0.1:$P" \
	--max-message 1k --idle-timeout 1s >> "$DIR/collector.out" 2>&1 &
COLLECTOR_PID=$!
wait_for 10 collector_listening "$P"
r=$(relp_client oversize)
case $r in *end=closed*|*end=reset*) pass relp_oversize_closed ;; *) fail relp_oversize_closed "$r" ;; esac
r=$(relp_client idle)
case $r in *"0 serverclose 0"*end=closed*|end=closed*"serverclose"*) pass relp_idle_serverclose ;; *) fail relp_idle_serverclose "$r" ;; esac
if wait_for 10 field_ge oversize 1 && wait_for 10 field_ge conns_timed_out 1; then
	pass relp_limits_counted
else
	fail relp_limits_counted "oversize=$(stat_field oversize) conns_timed_out=$(stat_field conns_timed_out)"
fi
n=$(sqlite3 "$DIR/c.db" "SELECT count(*) FROM msg WHERE app = 'hostilenormal'")
m=$(sqlite3 "$DIR/c.db" "SELECT count(*) FROM msg WHERE app LIKE 'hostile%' AND app != 'hostilenormal' AND app != 'hostileunknown_cmd'")
[ "$n" = 3 ] && [ "$m" = 0 ] && pass relp_only_good_records_stored ||
	fail relp_only_good_records_stored "normal $n of 3, from broken senders $m (want 0)"
collector_stop

# No answer before the commit: the collector dies just before its first
# commit with the record read; the sender must have heard nothing for it.
env WGAUDIT_FAILPOINT=collector_before_commit:1 "$WGAUDIT" collector run --db "$DIR/c2.db" \
	--listen "relp://127.0.0.1:$P" >> "$DIR/collector.out" 2>&1 &
COLLECTOR_PID=$!	# the first batch that holds records
wait_for 10 collector_listening "$P"
r=$(relp_client unanswered)
if kill -0 "$COLLECTOR_PID" 2>/dev/null; then
	collector_stop
	skip relp_no_answer_before_commit "no failpoints in this build (use the sanitizer build)"
else
	wait "$COLLECTOR_PID" 2>/dev/null
	COLLECTOR_PID=
	case $r in
	*"2 rsp"*) fail relp_no_answer_before_commit "answered before its commit: $r" ;;
	end=closed*"1 rsp"*|end=reset*"1 rsp"*) pass relp_no_answer_before_commit ;;
	*) fail relp_no_answer_before_commit "$r" ;;
	esac
fi
exit $T_FAILED
