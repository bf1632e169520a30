#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# wglog_rotate.sh - the wireguard-go log follower across rotations: every
# line appears in the journal exactly once with logrotate's rename+create
# (lines the old file got after the last read included), copytruncate,
# and both while the agent was down. Lines are wireguard-go's own format
# (device/receive.go "Received invalid initiation message from %v"), each
# with its own endpoint port so the test can tell them apart.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

command -v python3 > /dev/null || { skip wglog_rotate "python3 not installed"; exit 0; }
DIR=$(mktemp -d /tmp/wga-wglr.XXXXXX)
AGENT=
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
LOG=$DIR/wg.log
: > "$LOG"
mkdir -p "$DIR/uapi" "$DIR/etc"
cat > "$DIR/wgaudit.conf" <<CONF
[agent]
interfaces = wglr0
interval = 300ms
uapi_dir = $DIR/uapi
config_dir = $DIR/etc
[kmsg]
enabled = no
wireguard_go_log = $LOG
CONF
start() {
	"$WGAUDIT" run -c "$DIR/wgaudit.conf" --state-dir "$DIR/state" \
		--output "jsonl:$DIR/events.jsonl" >> "$DIR/agent.log" 2>&1 &
	AGENT=$!
}
stop() { kill -TERM "$AGENT"; wait "$AGENT"; AGENT=; }
# lines FILE FROM TO: append wireguard-go lines numbered FROM..TO
lines() {
	local i
	for i in $(seq "$2" "$3"); do
		echo "DEBUG: (wglr0) 2026/12/01 20:00:00 Received invalid initiation message from 192.0.2.1:$((1000 + i))"
	done >> "$1"
}
# check FROM N: the journal holds lines FROM..N, none of 1..N twice, none
# beyond N (prints why not)
check() {
	python3 - "$DIR/events.jsonl" "$1" "$2" <<'PY'
import json, sys, collections
lo, n = int(sys.argv[2]), int(sys.argv[3]); seen = collections.Counter()
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("type") == "INVALID_HANDSHAKE_INITIATION":
        seen[int(e["endpoint"].rsplit(":", 1)[1]) - 1000] += 1
missing = [i for i in range(lo, n + 1) if seen[i] == 0]
dup = [i for i, c in seen.items() if c > 1]
extra = [i for i in seen if i < 1 or i > n]
if missing or dup or extra:
    print("missing %s dup %s extra %s" % (missing[:8], dup[:8], extra[:8])); sys.exit(1)
PY
}
has() { check "$1" "$2" > /dev/null; }
result() {	# name FROM N
	if wait_for 15 has "$2" "$3"; then pass "$1"
	else fail "$1" "$(check "$2" "$3"); agent: $(tail -2 "$DIR/agent.log" | tr '\n' ' ')"; fi
}

start
wait_for 10 grep -q AGENT_STARTED "$DIR/events.jsonl" || { fail setup "agent did not start: $(tail -3 "$DIR/agent.log")"; exit 1; }
lines "$LOG" 1 100
result wglog_follow 1 100

# rename + create, with a writer that still holds the old file: what it
# writes after the rename goes to the old inode and must be read too.
exec 7>> "$LOG"
lines /dev/fd/7 101 150
mv "$LOG" "$LOG.1"
lines /dev/fd/7 151 160
exec 7>&-
lines "$LOG" 161 200
result wglog_rename_create_drains_old 101 200

# copytruncate (everything before it was read: what a copy-then-truncate
# loses in between is only in the copy, see docs/wgaudit.8)
cp "$LOG" "$LOG.1"; : > "$LOG"
lines "$LOG" 201 210
result wglog_copytruncate 201 210

# rotated while the agent was down: the rest of the old file is in
# NAME-DATE (found by its inode), then the new file.
stop
lines "$LOG" 211 260
mv "$LOG" "$LOG-20261201"
lines "$LOG" 261 300
start
result wglog_rotated_while_down 211 300

# copytruncate while down: the file is shorter than the saved offset.
stop
cp "$LOG" "$LOG.1"; : > "$LOG"
lines "$LOG" 301 305
start
result wglog_truncated_while_down 301 305
stop
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$DIR/agent.log"; then
	fail wglog_sanitizer "$(grep -m1 'ERROR\|runtime error' "$DIR/agent.log")"
fi
exit $T_FAILED
