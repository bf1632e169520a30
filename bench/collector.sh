#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# collector.sh - records/s stored by `wgaudit collector run` vs rsyslogd
# receiving the same stream into a file, same machine, same run.
#
#   make && bench/collector.sh            # N=200000, ROUNDS=3
#   N=500000 ROUNDS=5 bench/collector.sh
#
# One sender (python, one TCP connection, octet-counted RFC 5424 records
# built in memory beforehand, ~360 bytes each, shaped like the agent's
# PEER_TRANSFER records with a varying peer key) writes as fast as the
# receiver reads. Time runs from connect until the receiver has all N
# records durably where it keeps them: rows in the collector's SQLite
# file (WAL, committed), lines in rsyslog's omfile output. The collector
# parses every record (RFC 5424 header, SD, the agent's fields) and
# indexes it; rsyslog parses the header and appends a line. Both listen
# on 127.0.0.1 only.
#
# The sender itself watches for the end, every POLL_MS (default 5) ms,
# at the same small cost for both: the collector's newest committed row
# id (max(id) of the rowid table, a read-only connection kept open; its
# count(*) checked once at the end) and the new bytes of rsyslog's file
# (newlines counted as they come). COUNT=shell polls every 50 ms with a
# process instead, as this script did until 2026-12-03 (`wgaudit collector
# status` for the collector, `wc -l` for rsyslog: ~10-20 ms of CPU each
# beside the receivers on 2 CPUs, and 0-50 ms of rounding per run).
#
# ROUNDS rounds, each with a fresh collector database and a fresh rsyslogd
# and file; odd rounds run the collector first, even rounds rsyslogd (the
# order's bias cancels). Prints each round's rates and ratio, then the
# median ratio with min/max, for TCP and for RELP, and the collector's CPU
# seconds per thread (loop, wga-insert, wga-checkpoint) in each round.
#
# Every record carries an agent-style event_id (SD param), so the
# collector's unique event_id index (de-duplication) is on in every run.
# RELP=1 (default when rsyslog-relp is installed; RELP=0 leaves it out)
# adds the same stream over RELP, one connection, a window of 1,024 unanswered transactions (the
# agent's): `--listen relp://` answers a record only once committed, rsyslog
# imrelp once enqueued; time runs until the last answer AND the store holds
# all N (rows / omfile lines).
set -u
cd "$(dirname "$0")/.."
N=${N:-200000}
WGAUDIT=${WGAUDIT:-build/rel/wgaudit}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
DIR=$(mktemp -d /tmp/wga-collbench.XXXXXX)
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM HUP	# so that EXIT runs: a daemon left behind holds the bench lock

[ -x "$WGAUDIT" ] || { echo "build first: make" >&2; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# send.py PORT N COUNT [relp]: stream N records, then watch COUNT until it
# reaches N: "rows:DB" (the collector's newest row id), "lines:FILE" (the
# newlines in FILE), anything else a shell command printing a count.
# Prints the elapsed seconds, the seconds until the last byte was sent (or
# answered), and the bytes of the records.
cat > "$DIR/send.py" <<'EOF'
import socket, sqlite3, subprocess, sys, time, base64, os
port, n, count_spec = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
POLL = int(os.environ.get("POLL_MS", "5")) / 1000.0
RELP = len(sys.argv) > 4 and sys.argv[4] == "relp"
WINDOW = 1024
RUN = "%032x" % int.from_bytes(os.urandom(16), "big")
recs = []
for i in range(n):
    key = base64.b64encode(i.to_bytes(32, "little")).decode()
    msg = ('<14>1 2026-11-25T12:00:00.%06dZ gw-%d wireguard-audit - PEER_TRANSFER '
           '[wgaudit@32473 iface="wg0" peer="%s" rx="%d" tx="%d" interval="10000"'
           ' event_id="%s-%d"] '
           'PEER_TRANSFER peer=%s rx=%d tx=%d iface=wg0 pubkey=%s' %
           (i % 1000000, i % 8, key, i * 7, i * 3, RUN, i, key[:12], i * 7, i * 3, key)).encode()
    recs.append(msg)
if not RELP:	# built before the clock starts: ~0.15 s of python at N=200000
    payload = b"".join(b"%d %s" % (len(m), m) for m in recs)
    BYTES = len(payload)
t0 = time.monotonic()
if RELP:
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    offers = b"relp_version=0\nrelp_software=bench\ncommands=syslog"
    s.sendall(b"1 open %d %s\n" % (len(offers), offers))
    buf = b""
    def answers():
        global buf
        d = s.recv(1 << 20)
        if not d:
            raise SystemExit("receiver closed")
        buf += d
        lines = buf.split(b"\n")
        buf = lines.pop()
        # "TXNR rsp 6 200 OK"; the open's answer spans lines: count rsp only
        return sum(1 for l in lines if b" rsp " in l)
    answers()	# the open's
    sent = acked = 0
    while acked < n:
        chunk = []
        while sent < n and sent - acked < WINDOW:
            chunk.append(b"%d syslog %d %s\n" % (sent + 2, len(recs[sent]), recs[sent]))
            sent += 1
        if chunk:
            s.sendall(b"".join(chunk))
        acked += answers()
    t_sent = time.monotonic()
    BYTES = sum(len(r) for r in recs)
if not RELP:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(payload)
    t_sent = time.monotonic()
class Rows:	# the collector's newest committed row: ids run 1..N in a fresh db
    def __init__(self, path):
        self.path, self.db = path, None
    def count(self):
        try:
            if self.db is None:
                self.db = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=0.05)
            return self.db.execute("SELECT coalesce(max(id), 0) FROM msg").fetchone()[0]
        except sqlite3.Error:	# not created yet, or busy for a moment
            return 0
    def check(self):
        got = self.db.execute("SELECT count(*) FROM msg").fetchone()[0]
        if got != n:
            raise SystemExit("collector: max(id) reached %d but count(*) is %d" % (n, got))
class Lines:	# newlines appended to rsyslog's file, read as they come
    def __init__(self, path):
        self.path, self.f, self.n = path, None, 0
    def count(self):
        if self.f is None:
            try:
                self.f = open(self.path, "rb")
            except FileNotFoundError:
                return 0
        while True:
            d = self.f.read(1 << 20)
            if not d:
                return self.n
            self.n += d.count(b"\n")
    def check(self):
        pass
class Shell:	# the old way: a process per poll
    def __init__(self, cmd):
        self.cmd = cmd
    def count(self):
        out = subprocess.run(self.cmd, shell=True, capture_output=True, text=True).stdout.strip()
        return int(out) if out.isdigit() else 0
    def check(self):
        pass
kind, _, arg = count_spec.partition(":")
counter = Rows(arg) if kind == "rows" else Lines(arg) if kind == "lines" else Shell(count_spec)
if isinstance(counter, Shell):
    POLL = 0.05
while counter.count() < n:
    time.sleep(POLL)
t1 = time.monotonic()
counter.check()
s.close()
print("%.3f %.3f %d" % (t1 - t0, t_sent - t0, BYTES))
EOF

ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-}
RELP=${RELP-$(find /usr/lib /usr/lib64 -name imrelp.so 2>/dev/null | grep -q . && echo 1)}
[ "$RELP" = 0 ] && RELP=
[ -x "$RSYSLOGD" ] || RELP=
stop() {	# PID: stop one daemon started here
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	PIDS=${PIDS/ $1/}
}

# threads_cpu PID: each thread's CPU seconds so far, "loop:0.41,wga-insert:0.90,..."
# (the main thread is the loop; the others name themselves).
threads_cpu() {
	local t name ticks out= hz
	hz=$(getconf CLK_TCK)
	for t in /proc/"$1"/task/*; do
		[ "$t" = "/proc/$1/task/$1" ] && name=loop || name=$(cat "$t/comm" 2>/dev/null)
		# utime, stime: fields 14, 15 (comm has no spaces here)
		ticks=$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null) || continue
		out="$out${out:+,}$name:$(printf "%.2f" "$(echo "$ticks / $hz" | bc -l)")"
	done
	echo "${out:--}"
}

# coll PROTO R: a fresh collector listening on PROTO (tcp, relp), N records
# sent; "T SENT BYTES", the database's size in KiB and its threads' CPU.
coll() {
	local proto=$1 r=$2 cp db pid out cpu
	db=$DIR/c-$proto-$r.db
	cp=$(port)
	"$WGAUDIT" collector run --db "$db" --listen "$proto://127.0.0.1:$cp" \
		--retention 0 --max-db-size 0 > "$DIR/collector-$proto-$r.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	for _ in $(seq 50); do grep -qs "listening on" "$DIR/collector-$proto-$r.log" && break; sleep 0.1; done
	if [ "$COUNT" = shell ] && [ "$proto" = tcp ]; then
		out=$(python3 "$DIR/send.py" "$cp" "$N" \
			"$WGAUDIT collector status --db $db --json | sed -n 's/.*\"rows\":\([0-9]*\).*/\1/p'")
	elif [ "$COUNT" = shell ]; then
		out=$(python3 "$DIR/send.py" "$cp" "$N" "sqlite3 $db 'SELECT count(*) FROM msg'" relp)
	else
		out=$(python3 "$DIR/send.py" "$cp" "$N" "rows:$db" "$proto")
	fi
	cpu=$(threads_cpu "$pid")
	stop "$pid"
	echo "$out $(du -k "$db" | cut -f1) $cpu"
	rm -f "$db" "$db-wal" "$db-shm"
}

# rs PROTO R: a fresh rsyslogd (imtcp or imrelp -> omfile), N records sent.
rs() {
	local proto=$1 r=$2 rp d pid mod
	d=$DIR/rs-$proto-$r
	mod=im$proto
	rp=$(port)
	mkdir -p "$d"
	cat > "$d/rsyslog.conf" <<CONF
global(workDirectory="$d" maxMessageSize="64k")
module(load="$mod")
input(type="$mod" address="127.0.0.1" port="$rp")
template(name="f" type="string" string="%timegenerated:::date-rfc3339% %fromhost-ip% %hostname% %app-name% %msgid% %structured-data% %msg%\n")
*.* action(type="omfile" file="$d/out.log" template="f")
CONF
	"$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/pid" > "$d/log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	for _ in $(seq 50); do ss -Hltn "sport = :$rp" | grep -q . && break; sleep 0.1; done
	if [ "$COUNT" = shell ]; then
		python3 "$DIR/send.py" "$rp" "$N" "wc -l < $d/out.log" "$proto"
	else
		python3 "$DIR/send.py" "$rp" "$N" "lines:$d/out.log" "$proto"
	fi
	stop "$pid"
	rm -rf "$d"
}

rate() { printf "%.0f" "$(echo "$N / $1" | bc -l)"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# rounds PROTO: ROUNDS rounds, alternating who goes first; a line each, then
# the medians.
rounds() {
	local proto=$1 r ct csent cbytes cdb ccpu rt rsent ratios= crates= rrates= label
	label=$([ "$proto" = tcp ] && echo "TCP" || echo "RELP, window 1024")
	echo "$label, one connection, $ROUNDS round(s), count polled every $([ "$COUNT" = shell ] && echo "50 ms by a process" || echo "${POLL_MS:-5} ms by the sender"):"
	for r in $(seq "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			read -r ct csent cbytes cdb ccpu < <(coll "$proto" "$r")
			read -r rt rsent _ < <(rs "$proto" "$r")
		else
			read -r rt rsent _ < <(rs "$proto" "$r")
			read -r ct csent cbytes cdb ccpu < <(coll "$proto" "$r")
		fi
		if [ -z "${ct:-}" ] || [ -z "${rt:-}" ]; then
			echo "  round $r: a run failed (collector '${ct:-}', rsyslogd '${rt:-}')" >&2
			continue
		fi
		printf "  round %d (%s first): collector %8s records/s (%.2f s, %s %.2f s, db %s KiB, CPU s %s); rsyslogd %8s records/s (%.2f s); ratio %.2f\n" \
			"$r" "$([ $((r % 2)) = 1 ] && echo collector || echo rsyslogd)" \
			"$(rate "$ct")" "$ct" "$([ "$proto" = tcp ] && echo "sender done after" || echo "all answered after")" \
			"$csent" "$cdb" "${ccpu:--}" "$(rate "$rt")" "$rt" "$(echo "$rt / $ct" | bc -l)"
		ratios="$ratios $(printf "%.3f" "$(echo "$rt / $ct" | bc -l)")"
		crates="$crates $(rate "$ct")" rrates="$rrates $(rate "$rt")"
		[ "$proto" = tcp ] && BYTES=$cbytes
	done
	[ -n "$ratios" ] || return 1
	printf "  median: collector %.0f records/s, rsyslogd %.0f records/s\n" \
		"$(tr ' ' '\n' <<< "$crates" | grep . | median)" "$(tr ' ' '\n' <<< "$rrates" | grep . | median)"
	printf "ratio collector/rsyslog%s: %.2f (per round min/median/max %s/%s/%s)\n" \
		"$([ "$proto" = relp ] && echo " (RELP)")" "$(tr ' ' '\n' <<< "$ratios" | grep . | median)" \
		"$(tr ' ' '\n' <<< "$ratios" | grep . | sort -g | head -1)" \
		"$(tr ' ' '\n' <<< "$ratios" | grep . | median)" \
		"$(tr ' ' '\n' <<< "$ratios" | grep . | sort -g | tail -1)"
}

BYTES=0
if [ -x "$RSYSLOGD" ]; then
	rounds tcp
	echo "records: N=$N, $((BYTES / N)) bytes each, octet-counted RFC 5424"
	[ -n "$RELP" ] && rounds relp
else
	read -r ct csent _ cdb _ < <(coll tcp 1)
	printf "wgaudit collector: %8s records/s stored (%.2f s); rsyslogd not installed: no baseline\n" \
		"$(rate "$ct")" "$ct"
fi
exit 0
