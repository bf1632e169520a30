#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# latency.sh - from a log line written to the collector's committed row, at
# a steady 1,000 lines/s: p50, p99 and max per event, over TCP and over RELP,
# against rsyslogd forwarding the same lines (imfile -> omfwd -> imtcp ->
# omfile) in the same run.
#
#   make && bench/latency.sh            # RATE=1000 lines/s for SECS=20 s
#   RATE=2000 SECS=10 bench/latency.sh
#
# The line source is a file in wireguard-go's log format (sources/wglog.c:
# "DEBUG: (IFACE) YYYY/MM/DD hh:mm:ss TEXT", what `wireguard-go -f` with
# LOG_LEVEL=verbose writes) that this script appends to; no wireguard-go
# runs: the agent follows the file exactly as it follows a real one
# ([kmsg] off, wireguard_go_log = the file), and each line becomes one
# KERNEL_MESSAGE event whose text carries the line's sequence number. The
# agent (`wgaudit run`) delivers to `wgaudit collector run` on 127.0.0.1,
# once over syslog+tcp:// and once over syslog+relp://.
#
# One python process writes the lines (paced: line i at t0 + i/RATE, write
# time taken with time.time() just before the write) and, between writes,
# reads the collector's database (read-only, every ~1 ms): a row counts
# from the first read that sees it, i.e. once its transaction committed.
# latency = seen - written. Also printed: the collector's own receive time
# (msg.recv_us, same clock) - written, which splits agent + network from
# the collector's commit window. The baseline is the same writer against
# rsyslogd: imfile (inotify) reads the file, omfwd forwards over TCP to its
# own imtcp, omfile appends; a line counts once it is in the output file.
set -u
cd "$(dirname "$0")/.."
RATE=${RATE:-1000}
SECS=${SECS:-20}
WGAUDIT=${WGAUDIT:-build/rel/wgaudit}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
# not /tmp/wga-*: other labs clean that pattern up
DIR=$(mktemp -d /var/tmp/wgaudit-latbench.XXXXXX)
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM HUP	# so that EXIT runs: a daemon left behind holds the bench lock
[ -x "$WGAUDIT" ] || { echo "build first: make" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {	# wait_for SECS CMD...: CMD true within SECS
	local end=$(($(date +%s) + $1)); shift
	until "$@"; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.05; done
}

# lat.py MODE TAG IN OUT: MODE db (OUT: the collector's file) or file (OUT:
# rsyslog's output); writes RATE*SECS lines "lat-TAG-N" to IN.
cat > "$DIR/lat.py" <<'EOF'
import os, re, sqlite3, sys, time
mode, tag, inp, out, rate, secs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), float(sys.argv[6])
n = int(rate * secs)
pat = re.compile(r"lat-%s-(\d+)\b" % re.escape(tag))
wrote, seen, recv = [None] * n, [None] * n, [None] * n
f = open(inp, "a", buffering=1)
db = last_id = fo = None
buf = b""
def poll():
    global db, last_id, fo, buf
    now = time.time()
    if mode == "db":
        if db is None:
            db = sqlite3.connect("file:%s?mode=ro" % out, uri=True)
            last_id = 0
        for rid, rus, msg in db.execute("SELECT id, recv_us, msg FROM msg WHERE id > ?", (last_id,)):
            last_id = rid
            m = pat.search(msg)
            if m and int(m.group(1)) < n and seen[int(m.group(1))] is None:
                seen[int(m.group(1))] = now
                recv[int(m.group(1))] = rus / 1e6
    else:
        if fo is None:
            if not os.path.exists(out):
                return
            fo = open(out, "rb")
        buf += fo.read()
        *lines, buf = buf.split(b"\n")
        for l in lines:
            m = pat.search(l.decode(errors="replace"))
            if m and int(m.group(1)) < n and seen[int(m.group(1))] is None:
                seen[int(m.group(1))] = now
t0 = time.time() + 0.2
i = 0
while i < n:
    due = t0 + i / rate
    now = time.time()
    if now >= due:
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(now))
        wrote[i] = time.time()
        f.write("DEBUG: (wglat0) %s lat-%s-%d\n" % (stamp, tag, i))
        i += 1
        continue
    poll()
    if time.time() < due:
        time.sleep(min(0.001, max(0, due - time.time())))
end = time.time() + 30
while time.time() < end and None in seen:
    poll()
    time.sleep(0.001)
lat = sorted((s - w) * 1000 for s, w in zip(seen, wrote) if s is not None)
rl = sorted((r - w) * 1000 for r, w in zip(recv, wrote) if r is not None)
def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")
lost = n - len(lat)
print("%s: %d lines at %.0f/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms%s" %
      (tag, n, rate, pct(lat, 50), pct(lat, 99), lat[-1] if lat else float("nan"),
       ", %d never seen" % lost if lost else ""))
if rl:
    print("%s: to the collector's read (recv_us): p50 %.1f ms, p99 %.1f ms, max %.1f ms" %
          (tag, pct(rl, 50), pct(rl, 99), rl[-1]))
EOF

# --- wgaudit run -> wgaudit collector run, over TCP and over RELP ----------
for proto in tcp relp; do
	CP=$(port)
	"$WGAUDIT" collector run --db "$DIR/c-$proto.db" --listen "$proto://127.0.0.1:$CP" \
		--retention 0 --max-db-size 0 > "$DIR/collector-$proto.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 5 grep -q "listening on" "$DIR/collector-$proto.log" ||
		{ echo "collector did not start: $(tail -2 "$DIR/collector-$proto.log")" >&2; exit 1; }
	: > "$DIR/wggo-$proto.log"
	cat > "$DIR/agent-$proto.conf" <<CONF
[agent]
interval = 10s
interfaces = wglat0
[kmsg]
enabled = no
wireguard_go_log = $DIR/wggo-$proto.log
[output "collector"]
url = syslog+$proto://127.0.0.1:$CP
CONF
	"$WGAUDIT" run -c "$DIR/agent-$proto.conf" --state-dir "$DIR/state-$proto" \
		> "$DIR/agent-$proto.log" 2>&1 &
	APID=$!
	PIDS="$PIDS $APID"
	# delivering: AGENT_STARTED is in the collector's file
	wait_for 10 sh -c "[ \"\$(sqlite3 '$DIR/c-$proto.db' \"SELECT count(*) FROM msg WHERE type = 'AGENT_STARTED'\" 2>/dev/null)\" -ge 1 ]" ||
		{ echo "agent -> collector over $proto: nothing arrived: $(tail -2 "$DIR/agent-$proto.log")" >&2; exit 1; }
	python3 "$DIR/lat.py" db "wgaudit-$proto" "$DIR/wggo-$proto.log" "$DIR/c-$proto.db" "$RATE" "$SECS"
	kill "$APID"; wait "$APID" 2>/dev/null
done

# --- rsyslogd: imfile -> omfwd -> imtcp -> omfile (one daemon, two rulesets)
if [ ! -x "$RSYSLOGD" ]; then
	echo "rsyslogd not installed: no baseline"
	exit 0
fi
RP=$(port)
mkdir -p "$DIR/rs"
: > "$DIR/rs/in.log"
cat > "$DIR/rs/rsyslog.conf" <<EOF
global(workDirectory="$DIR/rs" maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="imtcp")
template(name="f" type="string" string="%timegenerated:::date-rfc3339% %hostname% %app-name% %msg%\n")
ruleset(name="fwd") {
	action(type="omfwd" target="127.0.0.1" port="$RP" protocol="tcp" TCP_Framing="octet-counted")
}
ruleset(name="store") {
	action(type="omfile" file="$DIR/rs/out.log" template="f")
}
input(type="imfile" file="$DIR/rs/in.log" tag="wireguard-go" ruleset="fwd")
input(type="imtcp" address="127.0.0.1" port="$RP" ruleset="store")
EOF
"$RSYSLOGD" -n -f "$DIR/rs/rsyslog.conf" -i "$DIR/rs/pid" > "$DIR/rs/log" 2>&1 &
PIDS="$PIDS $!"
wait_for 5 sh -c "ss -Hltn 'sport = :$RP' | grep -q ." || { echo "rsyslogd did not start: $(tail -2 "$DIR/rs/log")" >&2; exit 1; }
# imfile's watch comes up after the listener: a first line must arrive
echo "probe line" >> "$DIR/rs/in.log"
wait_for 10 grep -q "probe line" "$DIR/rs/out.log" 2>/dev/null ||
	{ echo "rsyslogd forwards nothing: $(tail -2 "$DIR/rs/log")" >&2; exit 1; }
python3 "$DIR/lat.py" file rsyslog "$DIR/rs/in.log" "$DIR/rs/out.log" "$RATE" "$SECS"
