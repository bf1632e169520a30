#!/bin/bash
# collector.sh - `wgaudit collector` against real senders on loopback:
# util-linux logger (TCP octet-counted and LF, UDP, RFC 5424 and 3164), a
# private rsyslogd forwarding with omfwd, the wgaudit agent itself; hostile
# senders (slow loris, oversize frames, a broken octet count, NULs) next to
# a normal one; then `collector status` and `collector logs` filters.
# Only 127.0.0.1; every process started here is stopped by pid at exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rsyslog.sh"

DIR=$(mktemp -d /tmp/wga-collector.XXXXXX)
DB=$DIR/collector.db
COLL_PID=
AGENT_PID=
cleanup() {
	for p in $AGENT_PID $COLL_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rsyslog_stop "$DIR/rs" 2>/dev/null
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

command -v logger >/dev/null || { skip collector "logger (util-linux) not installed"; exit 0; }
command -v python3 >/dev/null || { skip collector "python3 not installed"; exit 0; }

TPORT=$(rsyslog_free_port tcp)
UPORT=$(rsyslog_free_port udp)

coll() { "$WGAUDIT" collector "$@"; }
# count [logs options]: records matching
count() { coll logs --db "$DB" --tail 1000000 "$@" 2>/dev/null | wc -l; }
# wait_count N [logs options]: until at least N match (10 s)
wait_count() {
	local n=$1; shift
	for _ in $(seq 100); do
		[ "$(count "$@")" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
stat_field() {	# stat_field NAME: a number from `collector status --json`
	coll status --db "$DB" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
wait_stat() {	# NAME MIN: counters are written with the 5 s heartbeat (15 s)
	for _ in $(seq 150); do
		[ "$(stat_field "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

"$WGAUDIT" collector run --db "$DB" --listen "tcp://127.0.0.1:$TPORT" --listen "udp://127.0.0.1:$UPORT" \
	--max-message 4k --frame-timeout 2s --idle-timeout 30s > "$DIR/collector.log" 2>&1 &
COLL_PID=$!
for _ in $(seq 50); do
	grep -q "listening on" "$DIR/collector.log" && break
	sleep 0.1
done
if ! grep -q "listening on" "$DIR/collector.log"; then
	fail collector_start "$(tail -3 "$DIR/collector.log")"
	exit 1
fi
pass collector_start

# --- logger: every framing and format -----------------------------------------
L="logger -n 127.0.0.1 -t wgatest"
$L --tcp --octet-count -P "$TPORT" --msgid M1 --sd-id zoo@32473 --sd-param 'k="v \"q\""' "octet counted 5424"
$L --tcp -P "$TPORT" "lf framed 5424"
$L --tcp -P "$TPORT" --rfc3164 "lf framed 3164"
$L --tcp --octet-count -P "$TPORT" --rfc3164 "octet counted 3164"
$L --udp -P "$UPORT" "udp 5424"
$L --udp -P "$UPORT" --rfc3164 -p auth.err "udp 3164"
if wait_count 6 --source wgatest; then
	pass logger_received
else
	fail logger_received "$(count --source wgatest) of 6 stored"
fi
# --- terminal injection: a datagram anyone can send ---------------------------
# ESC [ 2J (clear screen), a raw 0x9b (CSI to an 8-bit terminal) and U+009B
# as UTF-8 (C2 9B): `collector logs`, text and JSON, must print none raw.
python3 - "$UPORT" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m = b"<13>1 2026-12-01T20:00:00.000000Z evilhost inject 1 - - clear\x1b[2J raw\x9b c1\xc2\x9b\xc2\x80 ok\xc3\xa9"
s.sendto(m, ("127.0.0.1", int(sys.argv[1])))
s.sendto(b"<13>Dec  1 20:00:00 evilhost inject: bsd\x1b]0;title\x07\xc2\x9d end", ("127.0.0.1", int(sys.argv[1])))
EOF
if wait_count 2 --source inject; then
	coll logs --db "$DB" --source inject --tail 10 > "$DIR/inject.txt"
	coll logs --db "$DB" --source inject --tail 10 --json > "$DIR/inject.json"
	for f in txt json; do
		if python3 - "$DIR/inject.$f" "$f" <<'EOF'
import json, re, sys
b = open(sys.argv[1], "rb").read()
bad = [m.start() for m in re.finditer(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\x9b", b)]
if bad:
    print("raw control at byte %d: %r" % (bad[0], b[max(0, bad[0] - 8):bad[0] + 8])); sys.exit(1)
if sys.argv[2] == "json":
    msgs = [json.loads(l)["msg"] for l in b.decode().splitlines()]
    want = ["clear\x1b[2J raw\ufffd c1\x9b\x80 ok\xe9", "bsd\x1b]0;title\x07\x9d end"]
    if sorted(msgs) != sorted(want):
        print("decoded %r" % msgs); sys.exit(1)
elif b"clear\\x1b[2J raw\\x9b c1\\u009b\\u0080 ok\xc3\xa9" not in b or b"\\x1b]0;title\\x07\\u009d" not in b:
    print("escapes not as documented: %r" % b); sys.exit(1)
EOF
		then pass "logs_escape_controls_$f"
		else fail "logs_escape_controls_$f" "see above"; fi
	done
else
	fail logs_escape_controls "$(count --source inject) of 2 hostile datagrams stored"
fi

J=$(coll logs --db "$DB" --source wgatest --json --tail 100)
check_json() {	# name python-expression-over-list-r
	if printf '%s\n' "$J" | python3 -c "
import json, sys
r = [json.loads(l) for l in sys.stdin if l.strip()]
sys.exit(0 if ($2) else 1)"; then pass "$1"; else fail "$1" "$(printf '%s\n' "$J" | head -3)"; fi
}
check_json logger_fields_5424 '[x for x in r if x["msg"] == "octet counted 5424" and x["msgid"] == "M1" and "zoo@32473" in x["sd"] and x["proto"] == "tcp"]'
check_json logger_fields_3164 '[x for x in r if x["msg"] == "udp 3164" and x["facility"] == "auth" and x["severity"] == "err" and x["proto"] == "udp" and x["app"] == "wgatest"]'
check_json logger_lf_both '{x["msg"] for x in r} >= {"lf framed 5424", "lf framed 3164", "octet counted 3164", "udp 5424"}'

# --- rsyslogd forwarding with omfwd ------------------------------------------
RS=$DIR/rs
if [ -x "$RSYSLOGD" ]; then
	mkdir -p "$RS/work"
	RSU=$(rsyslog_free_port udp)
	cat > "$RS/rsyslog.conf" <<EOF
global(workDirectory="$RS/work")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$RSU")
*.* action(type="omfwd" target="127.0.0.1" port="$TPORT" protocol="tcp")
*.* action(type="omfwd" target="127.0.0.1" port="$TPORT" protocol="tcp"
	template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted")
EOF
	"$RSYSLOGD" -n -f "$RS/rsyslog.conf" -i "$RS/rsyslogd.pid" > "$RS/rsyslogd.log" 2>&1 &
	echo $! > "$RS/rsyslogd.bgpid"
	for _ in $(seq 50); do _rsyslog_listening udp "$RSU" && break; sleep 0.1; done
	logger -n 127.0.0.1 -P "$RSU" --udp -t viarsyslog -p daemon.warning "forwarded by rsyslog"
	if wait_count 2 --source viarsyslog; then
		J=$(coll logs --db "$DB" --source viarsyslog --json)
		check_json rsyslog_omfwd '[x for x in r if x["msg"].strip() == "forwarded by rsyslog" and x["facility"] == "daemon" and x["severity"] == "warning"] and len(r) == 2'
	else
		fail rsyslog_omfwd "$(count --source viarsyslog) of 2 stored; $(tail -2 "$RS/rsyslogd.log")"
	fi
	rsyslog_stop "$RS"
else
	skip rsyslog_omfwd "rsyslogd not installed"
fi

# --- the wgaudit agent ---------------------------------------------------------
# Its own empty UAPI and config directories and an interface that does not
# exist: whatever WireGuard interfaces this host has (another test's, say)
# must not add events to the exact list checked below.
mkdir -p "$DIR/state" "$DIR/uapi" "$DIR/etc"
printf '[agent]\ninterfaces = wgacoll0\nuapi_dir = %s\nconfig_dir = %s\n[kmsg]\nenabled = no\n' \
	"$DIR/uapi" "$DIR/etc" > "$DIR/agent.conf"
"$WGAUDIT" run -c "$DIR/agent.conf" --state-dir "$DIR/state" \
	--output "syslog+tcp://127.0.0.1:$TPORT" > "$DIR/agent.log" 2>&1 &
AGENT_PID=$!
if wait_count 1 --source wireguard --type AGENT_STARTED; then
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	if wait_count 1 --source wireguard --type AGENT_STOPPED; then
		J=$(coll logs --db "$DB" --source wireguard --json)
		check_json agent_events '[x["type"] for x in r] == ["AGENT_STARTED", "AGENT_STOPPED"] and all(x["app"] == "wireguard-audit" and x["fields"]["version"] for x in r) and r[1]["fields"]["reason"] == "SIGTERM"'
	else
		fail agent_events "AGENT_STOPPED not stored: $(tail -2 "$DIR/agent.log")"
	fi
else
	if kill -0 "$AGENT_PID" 2>/dev/null; then
		fail agent_events "AGENT_STARTED not stored: $(tail -2 "$DIR/agent.log")"
	else
		skip agent_events "the agent did not run here: $(tail -1 "$DIR/agent.log")"
		AGENT_PID=
	fi
fi

# --- hostile senders next to a normal one ------------------------------------
python3 - "$TPORT" > "$DIR/hostile.log" 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port)); return s
loris = conn(); loris.sendall(b"<13>1 - slow - - - - trick")   # never finished
after = b"<13>hostile: after-oversize"
big = conn(); big.sendall(b"100000 " + b"A" * 100000 + b"%d " % len(after) + after)
lfbig = conn(); lfbig.sendall(b"<13>" + b"B" * 20000 + b"\n<13>hostile: after-lf-oversize\n")
broken = conn(); broken.sendall(b"0 <13>zero count\n")
nul = conn(); nul.sendall(b"<13>hostile: nul\x00inside\n\x00\x00<13>hostile: after-nuls\n")
print("hostile senders connected", flush=True)
# keep the loris trickling, one byte at a time, past the frame timeout
for i in range(8):
    try:
        loris.sendall(b"x")
    except OSError:
        print("loris closed by collector"); break
    time.sleep(0.5)
for s in (big, lfbig, broken, nul):
    s.close()
EOF
HOSTILE=$!
# The normal sender goes once the hostile ones are connected (not after a
# fixed 0.3 s that a loaded machine may need for python to start).
wait_for 10 grep -q "hostile senders connected" "$DIR/hostile.log" ||
	fail hostile_senders_started "$(cat "$DIR/hostile.log")"
for i in 1 2 3; do logger -n 127.0.0.1 -P "$TPORT" --tcp --octet-count -t normal "normal $i"; done
if wait_count 3 --source normal; then
	pass hostile_normal_sender_served
else
	fail hostile_normal_sender_served "$(count --source normal) of 3 stored"
fi
wait "$HOSTILE"
if wait_count 4 --source hostile; then
	J=$(coll logs --db "$DB" --source hostile --json)
	check_json hostile_resync_after_oversize '{x["msg"] for x in r} == {"after-oversize", "after-lf-oversize", "after-nuls", "nul\x00inside"}'
else
	fail hostile_resync_after_oversize "$(coll logs --db "$DB" --tail 5)"
fi
# Each counter is waited for (bounded: they come with the 5 s heartbeat),
# not read after a fixed 5.5 s.
wait_stat conns_timed_out 1; wait_stat oversize 2; wait_stat framing_errors 1
# The slow loris's connection was closed by the frame timeout (counted in
# conns_timed_out, whose heartbeat commits what came before): only now can
# the test say that its partial frame was not stored.
[ "$(count --source slow)" = 0 ] && pass hostile_partial_frame_not_stored ||
	fail hostile_partial_frame_not_stored "a partial frame was stored"
OV=$(stat_field oversize); FE=$(stat_field framing_errors); TO=$(stat_field conns_timed_out)
[ "$OV" -ge 2 ] && pass hostile_oversize_counted || fail hostile_oversize_counted "oversize=$OV"
[ "$FE" -ge 1 ] && pass hostile_framing_error_counted || fail hostile_framing_error_counted "framing_errors=$FE"
[ "$TO" -ge 1 ] && pass hostile_slow_loris_closed || fail hostile_slow_loris_closed "conns_timed_out=$TO"
kill -0 "$COLL_PID" 2>/dev/null && pass hostile_collector_alive || fail hostile_collector_alive "collector died"

# --- status and query filters -------------------------------------------------
wait_stat stored 15	# the heartbeat after the last record above
ST=$(coll status --db "$DB")
REC=$(stat_field received); STO=$(stat_field stored)
if printf '%s\n' "$ST" | grep -q "collector: running" && [ "$STO" -ge 15 ] && [ "$REC" -ge "$STO" ] &&
   printf '%s\n' "$ST" | grep -q "tcp://127.0.0.1:$TPORT"; then
	pass status_counts
else
	fail status_counts "$ST"
fi
coll status --db "$DB" --json | python3 -c "
import json, sys
d = json.load(sys.stdin)
h = {s['host']: s for s in d['sources']}
sys.exit(0 if d['running'] and any(s['count'] >= 10 for s in h.values()) else 1)" &&
	pass status_sources || fail status_sources "$(coll status --db "$DB" --json)"
[ "$(count --source wgatest --tail 2)" = 2 ] && pass logs_tail || fail logs_tail "$(count --source wgatest --tail 2)"
[ "$(count --source wgatest --since 10m)" = 6 ] && pass logs_since || fail logs_since "$(count --source wgatest --since 10m)"
H=$(hostname)
[ "$(count --host "$H" --source normal)" = 3 ] && pass logs_host || fail logs_host "host $H"
coll logs --db "$DB" --bogus >/dev/null 2>&1; [ $? = 2 ] && pass usage_exit_2 || fail usage_exit_2 "not 2"

# --- follow: sees a record stored after it started ---------------------------
"$WGAUDIT" collector logs --db "$DB" --source follow --tail 0 --follow > "$DIR/follow.out" 2>&1 &
FPID=$!
# Follow prints nothing when it is ready: send a record each second until
# one shows (bounded), not one record after a fixed 0.5 s. Any record it
# shows was stored after it started (--tail 0).
for i in $(seq 15); do
	logger -n 127.0.0.1 -P "$TPORT" --tcp -t follow "followed $i"
	for _ in $(seq 10); do grep -q followed "$DIR/follow.out" && break 2; sleep 0.1; done
done
kill "$FPID"; wait "$FPID"; FRC=$?
grep -q followed "$DIR/follow.out" && [ "$FRC" = 0 ] && pass logs_follow ||
	fail logs_follow "rc=$FRC $(cat "$DIR/follow.out")"

# --- retention: by size, then by age (a second collector, its own file) ------
DB2=$DIR/retention.db
P2=$(rsyslog_free_port tcp)
start_ret() {	# start_ret OPTIONS...: a collector on DB2
	"$WGAUDIT" collector run --db "$DB2" --listen "tcp://127.0.0.1:$P2" "$@" \
		> "$DIR/retention.log" 2>&1 &
	RPID=$!
	for _ in $(seq 50); do grep -q "listening on" "$DIR/retention.log" && break; sleep 0.1; done
}
rstat() {	# rstat FIELD
	"$WGAUDIT" collector status --db "$DB2" --json |
		python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
start_ret --retention 0 --max-db-size 300k
python3 - "$P2" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
m = b"<13>1 - h retained - - - " + b"x" * 400
s.sendall(b"".join(b"%d %s" % (len(m), m) for _ in range(3000)))
s.close()
EOF
# 3000 records of ~420 bytes do not fit in 300k: the oldest go. Rows below
# 3000 mean nothing while they are still coming in: wait (bounded) until
# the heartbeat says all 3000 were received (and so stored) and retention
# has run, then look at the rows.
size_trimmed() {
	local r
	r=$(rstat rows)
	[ "$(rstat received)" -ge 3000 ] && [ "$(rstat retention_deleted)" -ge 1 ] &&
		[ "$r" -gt 0 ] && [ "$r" -lt 3000 ]
}
wait_for 30 size_trimmed
R=$(rstat rows)
[ "$R" -gt 0 ] && [ "$R" -lt 3000 ] && pass retention_size ||
	fail retention_size "rows=$R under --max-db-size 300k"
kill "$RPID"; wait "$RPID"
start_ret --retention 2s
for _ in $(seq 100); do
	R=$(rstat rows)
	[ "$R" = 0 ] && break
	sleep 0.1
done
[ "$R" = 0 ] && pass retention_age || fail retention_age "rows=$R after 10 s with --retention 2s"
kill "$RPID"; wait "$RPID"
DEL=$(rstat retention_deleted)
[ "$DEL" -ge 1 ] && pass retention_counted || fail retention_counted "retention_deleted=$DEL"

# --- clean stop ---------------------------------------------------------------
kill "$COLL_PID"; wait "$COLL_PID"; RC=$?; COLL_PID=
[ "$RC" = 0 ] && coll status --db "$DB" | grep -q "not running" && pass collector_clean_stop ||
	fail collector_clean_stop "rc=$RC $(tail -3 "$DIR/collector.log")"
if grep -q "ERROR: AddressSanitizer\|runtime error" "$DIR/collector.log"; then
	fail collector_sanitizers "$(grep -m2 "ERROR\|runtime error" "$DIR/collector.log")"
fi
exit $T_FAILED
