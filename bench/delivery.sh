#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# delivery.sh - sustained events/s the agent delivers to rsyslogd over
# syslog+tcp:// (octet framing), syslog+tls:// and syslog+relp:// (rsyslog
# imrelp; delivered = answered rsp 200), journal on disk, against
# rsyslog's own forwarding of the same stream (imfile -> omfwd -> a second
# rsyslogd) in the same run; the agent's CPU and peak RSS on the way.
#
#   make && sudo bench/delivery.sh            # N=200000, then a paced flood, then 10k peers
#   N=500000 REPS=3 PEERS=0 bench/delivery.sh # no 10k-peer lab (needs no root)
#   PERF=/var/tmp/dprof PEERS=0 PACED_S=0 bench/delivery.sh   # + perf record of each agent run
#   MODES="tcp tls" ...                      # only these transports (default: all available)
#   WGAUDIT_BEFORE=/path/old/wgaudit ...     # also that binary, same rsyslog runs (before/after)
#
# The stream: N lines of wireguard-go's verbose log (what `[kmsg]
# wireguard_go_log` follows), a third each of "peer(AbCd…WxYz) - Received
# handshake initiation", "peer(…) - Sending handshake response" and
# "Received invalid initiation message from 10.9.x.y:51820" over 10,000
# peer abbreviations, appended by python as fast as it can write (a burst:
# the worst flood) to a file on disk. Each line is one event.
#
#   agent:    wgaudit run (interval 100ms, no interface observed, kmsg off,
#             checks on) follows the file, journals every event in SQLite
#             (state dir on disk, WAL) and delivers to rsyslogd B
#   baseline: rsyslogd A (imfile, inotify) follows the same kind of file
#             and forwards with omfwd (TCP, octet-counted, RFC 5424
#             template; TLS: the ossl/gtls stream driver; RELP: omrelp,
#             same template) to rsyslogd B
#   B:        imtcp (ptcp or the TLS driver) or imrelp -> omfile, default settings
#
# Time runs from the first byte appended until B's file holds all N
# messages (counted line by line as they land, by prefix: the agent's event
# types, or the raw lines for the baseline) -> events/s end to end. CPU of
# the forwarder (agent or rsyslogd A, all threads: utime+stime of
# /proc/PID/stat) over that window, and its VmHWM. For the agent the
# journal's backlog (max(events.id) - cursors.last_id) is sampled every
# 0.2 s: how far delivery trails observation.
#
# Then a paced flood: RATE lines/s for PACED_S seconds into the agent (TCP)
# and into the baseline: the largest gap between lines appended and
# messages delivered, and the time to drain after the last line.
#
# Then (root, PEERS>0) the same burst into the agent observing a real
# wireguard-go with PEERS peers (bench/peers.sh --exec; interval
# PEERS_INTERVAL, default 1s as in peers.sh), the log lines naming real
# peers (so the agent resolves each abbreviation against its 10k-peer
# table); B runs in the lab's namespace, on its loopback.
#
# All sockets on 127.0.0.1. Temp files in /var/tmp/wgaudit-delivbench.*,
# removed at exit with every process started here.
set -u
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$BENCH/..
N=${N:-200000}
REPS=${REPS:-1}
RATE=${RATE:-5000}
PACED_S=${PACED_S:-20}
PEERS=${PEERS:-10000}
PEERS_INTERVAL=${PEERS_INTERVAL:-1s}
WGAUDIT=${WGAUDIT:-$ROOT/build/rel/wgaudit}
WGAUDIT=$(cd "$(dirname "$WGAUDIT")" && pwd)/$(basename "$WGAUDIT")
BEFORE=${WGAUDIT_BEFORE:-}	# a second binary, run before WGAUDIT in each mode
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
RSYSLOG_MODDIR=${RSYSLOG_MODDIR:-$(dirname "$(find /usr/lib /usr/lib64 -name lmnsd_ptcp.so 2>/dev/null | head -1)")}
PY=$(command -v /usr/bin/python3 || command -v python3)
AGENT_TYPES=HANDSHAKE_INITIATION_RECEIVED,HANDSHAKE_RESPONSE_SENT,INVALID_HANDSHAKE_INITIATION
BASE_PREFIX="- DEBUG: ("	# "%msgid% %msg%" of a forwarded raw line

die() { echo "delivery.sh: $*" >&2; exit 1; }
[ -x "$WGAUDIT" ] || die "$WGAUDIT not built (make)"
[ -x "$RSYSLOGD" ] || die "rsyslogd not installed"

INNER=
if [ "${1:-}" = --inner-peers ]; then	# run by peers.sh --exec, inside the lab
	INNER=1
	[ -n "${DIR:-}" ] && [ -n "${IFACE:-}" ] || die "--inner-peers: DIR and IFACE"
	DIR=$DIR/peers
	mkdir -p "$DIR"
else
	DIR=$(mktemp -d /var/tmp/wgaudit-delivbench.XXXXXX)
	chmod 700 "$DIR"
fi
PIDS=
stop_pid() {	# pid: TERM, then KILL after 5 s
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	for p in $PIDS; do stop_pid "$p"; done
	PIDS=
	[ -n "$INNER" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
tls_driver() {
	if [ -e "$RSYSLOG_MODDIR/lmnsd_ossl.so" ]; then echo ossl
	elif [ -e "$RSYSLOG_MODDIR/lmnsd_gtls.so" ]; then echo gtls
	fi
}
DRV=$(tls_driver)
# RELP runs need rsyslog-relp (imrelp for the sink, omrelp for the baseline)
RELP=
[ -e "$RSYSLOG_MODDIR/imrelp.so" ] && [ -e "$RSYSLOG_MODDIR/omrelp.so" ] && RELP=1

# Throwaway PKI (as tests/integration/lib-rsyslog-tls.sh): CA + server cert
# for localhost / 127.0.0.1.
make_pki() {
	local d=$DIR/pki
	[ -f "$d/server.pem" ] && return 0
	mkdir -p "$d" && chmod 700 "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=wgaudit bench ca" -days 2 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || return 1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null || return 1
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null || return 1
	chmod 600 "$d"/*.key
}

rs_run() {	# dir: check the config, start rsyslogd -n on it
	local d=$1
	"$RSYSLOGD" -N1 -f "$d/rsyslog.conf" > "$d/check.log" 2>&1 ||
		die "rsyslogd rejects $d/rsyslog.conf: $(tail -3 "$d/check.log")"
	"$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" > "$d/rsyslogd.log" 2>&1 &
	RS_PID=$!
	PIDS="$PIDS $RS_PID"
}

# sink_start NAME tcp|tls|relp: rsyslogd B on a free port; sets SINK_PORT, SINK_OUT, SINK_PID
sink_start() {
	local d=$DIR/$1 mode=$2 drv_global= drv_mod= input=imtcp
	mkdir -p "$d/work"
	SINK_PORT=$(port)
	SINK_OUT=$d/out.log
	: > "$SINK_OUT"
	if [ "$mode" = tls ]; then
		drv_global="DefaultNetstreamDriver=\"$DRV\"
	DefaultNetstreamDriverCAFile=\"$DIR/pki/ca.pem\"
	DefaultNetstreamDriverCertFile=\"$DIR/pki/server.pem\"
	DefaultNetstreamDriverKeyFile=\"$DIR/pki/server.key\""
		drv_mod="StreamDriver.Name=\"$DRV\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\""
	fi
	[ "$mode" = relp ] && input=imrelp
	cat > "$d/rsyslog.conf" <<EOF
global(workDirectory="$d/work" maxMessageSize="64k" $drv_global)
module(load="$input" $drv_mod)
input(type="$input" address="127.0.0.1" port="$SINK_PORT")
template(name="m" type="string" string="%msgid% %msg%\n")
*.* action(type="omfile" file="$SINK_OUT" template="m")
EOF
	rs_run "$d"
	SINK_PID=$RS_PID
	for _ in $(seq 100); do listening "$SINK_PORT" && return 0; sleep 0.1; done
	die "sink rsyslogd did not start: $(tail -3 "$d/rsyslogd.log")"
}

# relay_start NAME tcp|tls|relp LOGFILE: rsyslogd A, imfile -> omfwd (omrelp) to the sink; sets FWD_PID
relay_start() {
	local d=$DIR/$1 mode=$2 log=$3 drv_global= drv_act= act mod=
	mkdir -p "$d/work"
	if [ "$mode" = tls ]; then
		drv_global="DefaultNetstreamDriverCAFile=\"$DIR/pki/ca.pem\""
		drv_act="StreamDriver=\"$DRV\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\" StreamDriverPermittedPeers=\"localhost\""
	fi
	act="type=\"omfwd\" target=\"127.0.0.1\" port=\"$SINK_PORT\" protocol=\"tcp\"
		TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\" $drv_act"
	if [ "$mode" = relp ]; then
		mod='module(load="omrelp")'
		act="type=\"omrelp\" target=\"127.0.0.1\" port=\"$SINK_PORT\" template=\"RSYSLOG_SyslogProtocol23Format\""
	fi
	cat > "$d/rsyslog.conf" <<EOF
global(workDirectory="$d/work" maxMessageSize="64k" $drv_global)
module(load="imfile" mode="inotify")
$mod
input(type="imfile" file="$log" tag="wireguard-go" ruleset="fwd")
ruleset(name="fwd") {
	action($act)
}
EOF
	rs_run "$d"
	FWD_PID=$RS_PID
	sleep 1	# imfile has set its watch
	kill -0 "$FWD_PID" 2>/dev/null || die "relay rsyslogd died: $(tail -3 "$d/rsyslogd.log")"
}

# agent_start NAME URL LOGFILE [IFACE INTERVAL]: sets FWD_PID, AGENT_DB
agent_start() {
	local d=$DIR/$1 url=$2 log=$3 ifaces=${4:-wgbnone0} ival=${5:-100ms}
	mkdir -p "$d/state"
	cat > "$d/wgaudit.conf" <<EOF
[agent]
interval = $ival
interfaces = $ifaces
[kmsg]
enabled = no
wireguard_go_log = $log
[output "bench"]
url = $url
EOF
	"$WGAUDIT" run -c "$d/wgaudit.conf" --state-dir "$d/state" > "$d/agent.log" 2>&1 &
	FWD_PID=$!
	PIDS="$PIDS $FWD_PID"
	AGENT_DB=$d/state/wgaudit.db
	# ready: AGENT_STARTED delivered to the sink (the session is up)
	for _ in $(seq 300); do
		grep -q '^AGENT_STARTED ' "$SINK_OUT" 2>/dev/null && return 0
		kill -0 "$FWD_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "agent $1 did not deliver AGENT_STARTED: $(tail -3 "$d/agent.log")"
}

stop_run() {	# stop the forwarder and the sink of one run
	local p
	for p in "$@"; do
		stop_pid "$p"
		PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$p" | tr '\n' ' ')
	done
}

cat > "$DIR/drive.py" <<'EOF'
# drive.py LOG SINK N RATE PREFIXES PID DB [KEYS]: append N wireguard-go log
# lines to LOG (RATE lines/s, 0 = all at once), count messages landing in
# SINK (lines starting with one of PREFIXES, comma-separated), sample the
# forwarder PID's CPU and, with DB, the journal backlog. One line of k=v.
import base64, os, random, sqlite3, sys, time
log, sink, n, rate, prefixes, pid, db = sys.argv[1:8]
n, rate, pid = int(n), float(rate), int(pid)
keys = sys.argv[8] if len(sys.argv) > 8 else ""
prefixes = tuple(p.encode() for p in prefixes.split(","))
hz = os.sysconf("SC_CLK_TCK")
rnd = random.Random(1)
if keys:
    abbrevs = [k[:4] + "\u2026" + k[-5:-1] for k in open(keys).read().split()]
else:
    abbrevs = []
    for _ in range(10000):
        k = base64.b64encode(rnd.randbytes(32)).decode()
        abbrevs.append(k[:4] + "\u2026" + k[-5:-1])

def lines(i0, cnt):
    st = time.strftime("%Y/%m/%d %H:%M:%S")
    out = []
    for i in range(i0, i0 + cnt):
        pre = "DEBUG: (wgb0) " + st + " "
        k = i % 3
        if k == 0:
            out.append(pre + "peer(" + abbrevs[i % len(abbrevs)] + ") - Received handshake initiation\n")
        elif k == 1:
            out.append(pre + "peer(" + abbrevs[(i * 7) % len(abbrevs)] + ") - Sending handshake response\n")
        else:
            out.append(pre + "Received invalid initiation message from 10.9.%d.%d:51820\n" % ((i >> 8) & 255, i & 255))
    return "".join(out).encode()

def cpu():
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / hz

def hwm():
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmHWM:"):
                return int(l.split()[1])
    return 0

sf = open(sink, "rb")
sf.seek(0, 2)		# messages from before (AGENT_STARTED, rsyslog's own) not counted
partial = b""
got = 0
def count():
    global partial, got
    data = sf.read()
    if not data:
        return
    data = partial + data
    parts = data.split(b"\n")
    partial = parts.pop()
    got += sum(1 for l in parts if l.startswith(prefixes))

def backlog():
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=0.05)
        mx = c.execute("select max(id) from events").fetchone()[0] or 0
        cur = c.execute("select max(last_id) from cursors").fetchone()[0] or 0
        c.close()
        return mx, cur
    except sqlite3.Error:
        return None

payload = None if rate > 0 else lines(0, n)
fd = os.open(log, os.O_WRONLY | os.O_APPEND)
timeout = max(120.0, n / 1000.0)
c0 = cpu()
t0 = time.monotonic()
written = 0
t_written = None
max_lag = 0
max_backlog = 0
backlog_samples = []
next_db = t0
while True:
    now = time.monotonic()
    if written < n:
        if payload is not None:
            for off in range(0, len(payload), 1 << 20):
                os.write(fd, payload[off:off + (1 << 20)])
            written = n
        else:
            want = min(n, int((now - t0) * rate) + 1)
            if want > written:
                os.write(fd, lines(written, want - written))
                written = want
        if written == n:
            t_written = time.monotonic()
    count()
    max_lag = max(max_lag, written - got)
    if db != "-" and now >= next_db:
        b = backlog()
        if b:
            max_backlog = max(max_backlog, b[0] - b[1])
            backlog_samples.append("%.1f:%d" % (now - t0, b[0] - b[1]))
        next_db = now + 0.2
    if got >= n or now - t0 > timeout:
        break
    time.sleep(0.005 if rate > 0 else 0.02)
t1 = time.monotonic()
c1 = cpu()
el = t1 - t0
print("elapsed=%.3f write=%.3f drain=%.3f got=%d rate=%.0f cpu=%.3f cpu_per_100k=%.3f hwm_kb=%d "
      "max_lag=%d max_backlog=%d timeout=%d" %
      (el, t_written - t0, t1 - t_written, got, got / el, c1 - c0,
       (c1 - c0) * 100000 / max(got, 1), hwm(), max_lag, max_backlog, got < n))
if backlog_samples:
    step = max(1, len(backlog_samples) // 12)
    print("# backlog (s:events) " + " ".join(backlog_samples[::step]), file=sys.stderr)
EOF

kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# one_run KIND MODE N RATE [KEYS IFACE INTERVAL]: KIND agent|rsyslog, MODE tcp|tls
# sets R to the drive.py line (not run in $(...): PIDS must stay in this shell)
RUN=0
one_run() {
	local kind=$1 mode=$2 n=$3 rate=$4 keys=${5:-} ifc=${6:-} ival=${7:-} name log r db=- pre
	RUN=$((RUN + 1))
	name=r$RUN-$kind-$mode
	log=$DIR/$name.wggo.log
	: > "$log"
	sink_start "$name-sink" "$mode"
	if [ "$kind" = agent ]; then
		local url="syslog+tcp://127.0.0.1:$SINK_PORT"
		[ "$mode" = tls ] && url="syslog+tls://127.0.0.1:$SINK_PORT?ca=$DIR/pki/ca.pem"
		[ "$mode" = relp ] && url="syslog+relp://127.0.0.1:$SINK_PORT"
		agent_start "$name" "$url" "$log" $ifc $ival
		db=$AGENT_DB
		pre=$AGENT_TYPES
	else
		relay_start "$name" "$mode" "$log"
		pre=$BASE_PREFIX
	fi
	local perf_pid=
	if [ -n "${PERF:-}" ] && [ "$kind" = agent ]; then	# PERF=DIR: profile the agent's runs
		mkdir -p "$PERF"
		perf record -q ${PERF_CG:--g} -p "$FWD_PID" -o "$PERF/$name.perf.data" >/dev/null 2>&1 &
		perf_pid=$!
		PIDS="$PIDS $perf_pid"
		sleep 0.5
	fi
	r=$("$PY" "$DIR/drive.py" "$log" "$SINK_OUT" "$n" "$rate" "$pre" "$FWD_PID" "$db" $keys 2>"$DIR/$name.drive.err")
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
		stop_run "$perf_pid"
		perf report -q -i "$PERF/$name.perf.data" --no-children --sort sym 2>/dev/null |
			grep -v '^$' | grep '%' | head -40 > "$PERF/$name.top.txt"
	fi
	echo "# $name: $r" >&2
	sed 's/^/#   /' "$DIR/$name.drive.err" >&2
	if [ "$kind" = agent ]; then
		grep -iE "warn|error|drop" "$DIR/$name/agent.log" | grep -v "privileges:" | head -3 | sed 's/^/#   agent: /' >&2
	fi
	stop_run "$FWD_PID" "$SINK_PID"
	rm -f "$log"
	R=$r
}

if [ -n "$INNER" ]; then
	make_pki
	wg show "$IFACE" peers > "$DIR/keys"
	echo "# $(wc -l < "$DIR/keys") peers on $IFACE" >&2
	one_run agent tcp "$N" 0 "$DIR/keys" "$IFACE" "$PEERS_INTERVAL"
	echo "peers=$(wc -l < "$DIR/keys") $R"
	exit 0
fi

rps() { printf "%.0f" "$(kv rate "$1")"; }
ratio() { printf "%.2f" "$(echo "$1 / $2" | bc -l)"; }

[ -n "$DRV" ] || echo "# no rsyslog TLS driver: TLS runs skipped" >&2
[ -n "$RELP" ] || echo "# no imrelp/omrelp (rsyslog-relp): RELP runs skipped" >&2
[ -n "$DRV" ] && { make_pki || die "openssl failed"; }
echo "# wgaudit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) $WGAUDIT, rsyslogd $("$RSYSLOGD" -v | head -1 | awk '{print $2}'), TLS driver ${DRV:-none}, N=$N, $(nproc) CPUs" >&2

# MODES="tcp tls": a subset (default: every transport available)
MODES=${MODES:-tcp ${DRV:+tls} ${RELP:+relp}}
declare -A RES
for rep in $(seq "$REPS"); do
	for mode in $MODES; do
		one_run rsyslog "$mode" "$N" 0
		RES[rsyslog-$mode-$rep]=$R
		if [ -n "$BEFORE" ]; then
			WGAUDIT_AFTER=$WGAUDIT WGAUDIT=$BEFORE
			one_run agent "$mode" "$N" 0
			RES[before-$mode-$rep]=$R
			WGAUDIT=$WGAUDIT_AFTER
		fi
		one_run agent "$mode" "$N" 0
		RES[agent-$mode-$rep]=$R
	done
done

if [ -n "$BEFORE" ]; then
	echo
	echo "Burst of N=$N lines, WGAUDIT_BEFORE=$BEFORE (run just before the agent's, same rsyslog run):"
	printf "%-4s %-4s | %12s | %12s | %6s | %s\n" rep mode "rsyslog omfwd/omrelp" "before" "before/rsyslog" "before: CPU s/100k ev, VmHWM, max backlog"
	for rep in $(seq "$REPS"); do
		for mode in $MODES; do
			b=${RES[rsyslog-$mode-$rep]}
			a=${RES[before-$mode-$rep]}
			printf "%-4s %-4s | %12s | %12s | %14s | %s s, %s KiB, %s ev\n" "$rep" "$mode" \
				"$(rps "$b")" "$(rps "$a")" "$(ratio "$(kv rate "$a")" "$(kv rate "$b")")" \
				"$(kv cpu_per_100k "$a")" "$(kv hwm_kb "$a")" "$(kv max_backlog "$a")"
		done
	done
fi

echo
echo "Burst of N=$N lines (all appended at once), end-to-end events/s:"
printf "%-4s %-4s | %12s | %12s | %6s | %s\n" rep mode "rsyslog omfwd/omrelp" "agent" "agent/rsyslog" "agent: CPU s/100k ev, VmHWM, max backlog | rsyslog A: CPU s/100k, VmHWM"
for rep in $(seq "$REPS"); do
	for mode in $MODES; do
		b=${RES[rsyslog-$mode-$rep]}
		a=${RES[agent-$mode-$rep]}
		printf "%-4s %-4s | %12s | %12s | %13s | %s s, %s KiB, %s ev | %s s, %s KiB\n" "$rep" "$mode" \
			"$(rps "$b")" "$(rps "$a")" "$(ratio "$(kv rate "$a")" "$(kv rate "$b")")" \
			"$(kv cpu_per_100k "$a")" "$(kv hwm_kb "$a")" "$(kv max_backlog "$a")" \
			"$(kv cpu_per_100k "$b")" "$(kv hwm_kb "$b")"
	done
done

if [ "$RATE" != 0 ] && [ "$PACED_S" != 0 ]; then
	PN=$((RATE * PACED_S))
	one_run rsyslog tcp "$PN" "$RATE"
	b=$R
	one_run agent tcp "$PN" "$RATE"
	a=$R
	echo
	echo "Paced flood: $RATE lines/s for ${PACED_S} s (TCP):"
	echo "  rsyslog omfwd: max lag $(kv max_lag "$b") messages, drained $(kv drain "$b") s after the last line, CPU $(kv cpu_per_100k "$b") s/100k"
	echo "  agent:         max lag $(kv max_lag "$a") messages, drained $(kv drain "$a") s after the last line, CPU $(kv cpu_per_100k "$a") s/100k, max journal backlog $(kv max_backlog "$a"), VmHWM $(kv hwm_kb "$a") KiB"
fi

if [ "$PEERS" != 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "# PEERS=$PEERS needs root (bench/peers.sh): skipped" >&2
	else
		echo "# building the $PEERS-peer lab (bench/peers.sh --exec)..." >&2
		out=$(DIR=$DIR N=$N PEERS_INTERVAL=$PEERS_INTERVAL WGAUDIT=$WGAUDIT \
			"$BENCH/peers.sh" --exec "$PEERS" "$BENCH/delivery.sh" --inner-peers | tail -1)
		echo
		if [ -n "$out" ]; then
			echo "Burst of N=$N lines into the agent observing $(kv peers "$out") peers (interval $PEERS_INTERVAL, TCP):"
			echo "  $(rps "$out") events/s, agent CPU $(kv cpu "$out") s in $(kv elapsed "$out") s ($(kv cpu_per_100k "$out") s/100k events, polls included), VmHWM $(kv hwm_kb "$out") KiB, max journal backlog $(kv max_backlog "$out")"
		else
			echo "10k-peer run failed (see above)"
		fi
	fi
fi
