#!/bin/bash
# collector_output.sh - what `wgaudit collector logs` (text and JSON) and
# `collector status` print for one fixed stream (tests/data/collector-output/
# in.txt: agent records of RFC 5424 and 3164, event ids that key as a pair
# and ones that do not, repeats, an SD with a second element, escapes,
# records of other senders), against what the collector printed before
# its storage changed (expected.*, made by main at 01b30f5's schema 5; the
# receive time, pid and file size masked). Then the same for a file a
# schema-5 collector wrote (in.txt stored by that build, then this one's
# upgrade), by re-sending the stream: every record is a duplicate.
# UPDATE=1 rewrites expected.* with this build (only for a deliberate change).
# Only 127.0.0.1; the collector started here is stopped by pid at exit.
. "$(dirname "$0")/lib.sh"

DATA=$(cd "$(dirname "$0")/../data/collector-output" && pwd)
DIR=$(mktemp -d /tmp/wga-collout.XXXXXX)
COLL_PID=
cleanup() {
	[ -n "$COLL_PID" ] && kill "$COLL_PID" 2>/dev/null && wait "$COLL_PID" 2>/dev/null
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
command -v python3 >/dev/null || { skip collector_output "python3 not installed"; exit 0; }

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rows() { "$WGAUDIT" collector status --db "$1" --json 2>/dev/null | sed -n 's/.*"rows":\([0-9]*\).*/\1/p'; }
# feed DB WANT_ROWS WANT_DUPS: one collector run that receives in.txt
feed() {
	local db=$1 want=$2 dups=$3 p
	p=$(port)
	"$WGAUDIT" collector run --db "$db" --listen "tcp://127.0.0.1:$p" > "$DIR/coll.log" 2>&1 &
	COLL_PID=$!
	wait_for 10 grep -q "listening on" "$DIR/coll.log" || return 1
	python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(open(sys.argv[2],"rb").read()); s.close()' "$p" "$DATA/in.txt"
	wait_for 10 sh -c "[ \"\$('$WGAUDIT' collector status --db '$db' --json 2>/dev/null | sed -n 's/.*\"duplicates\":\([0-9]*\).*/\1/p')\" = $dups ] && [ \"\$('$WGAUDIT' collector status --db '$db' --json | sed -n 's/.*\"rows\":\([0-9]*\).*/\1/p')\" = $want ]" || return 1
	kill "$COLL_PID" && wait "$COLL_PID" 2>/dev/null
	COLL_PID=
}
# print DB OUT: what the CLI shows, the volatile parts masked
print() {
	"$WGAUDIT" collector logs --db "$1" --tail 100 --json | sed 's/"received":"[^"]*"/"received":"R"/' > "$2.json"
	"$WGAUDIT" collector logs --db "$1" --tail 100 > "$2.txt"
	"$WGAUDIT" collector logs --db "$1" --tail 100 --type PEER_TRANSFER --host gw-1 > "$2.filter.txt"
	"$WGAUDIT" collector logs --db "$1" --tail 2 --type IFACE_UP --json |
		sed 's/"received":"[^"]*"/"received":"R"/' >> "$2.filter.txt"
	# sources in host order: their order (last receive time) ties within a burst
	"$WGAUDIT" collector status --db "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); d["sources"].sort(key=lambda s: s["host"]); print(json.dumps(d, separators=(",", ":")))' | sed -e 's/"\(pid\|started\|heartbeat\|started_us\|heartbeat_us\|bytes\|db_bytes\|last_us\|last\|last_seen\|uptime_s\|listeners\)":\("[^"]*"\|[0-9]*\)/"\1":"X"/g' > "$2.status.json"
	"$WGAUDIT" collector status --db "$1" | sed -E -e "s|$DIR/||" -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/T/g' \
		-e 's/(pid|127\.0\.0\.1:)[ ]*[0-9]+/\1N/g' -e 's/[0-9]+ bytes/S bytes/' \
		-e 's/\(([0-9]+ [a-z]+ ago|now)\)/(A)/' -e 's/last seen [^)]*/last seen A/' | sort -s -k1,1 > "$2.status.txt"
}
compare() {	# NAME GOT_PREFIX [FILES]
	local n=$1 got=$2 f bad=
	for f in ${3:-json txt filter.txt status.json status.txt}; do
		if [ -n "${UPDATE:-}" ] && [ "$n" = collector_output_new_file ]; then
			cp "$got.$f" "$DATA/expected.$f"
		elif [ -z "${UPDATE:-}" ] && ! cmp -s "$got.$f" "$DATA/expected.$f"; then
			bad="$bad $f"
			diff -u "$DATA/expected.$f" "$got.$f" | head -20
		fi
	done
	[ -z "$bad" ] && pass "$n" || fail "$n" "differs from what the collector printed before:$bad"
}

# 17 records: 3 repeat an earlier event_id, so 14 rows and 3 duplicates
if feed "$DIR/new.db" 14 3; then
	print "$DIR/new.db" "$DIR/new"
	compare collector_output_new_file "$DIR/new"
else
	fail collector_output_new_file "rows $(rows "$DIR/new.db") of 14; $(tail -3 "$DIR/coll.log")"
fi

# A file of schema 5 (what main at 01b30f5 stored of in.txt, as SQL): read
# as it is, then upgraded by a collector that is sent in.txt again: the 13
# records with an event_id are duplicates now (of ids keyed as pairs by the
# upgrade or kept as text), the 4 without one are stored again after the
# 14 rows, which read as before
if command -v sqlite3 >/dev/null; then
	sqlite3 "$DIR/old.db" < "$DATA/schema5.sql"
	print "$DIR/old.db" "$DIR/old"
	compare collector_output_schema5_file "$DIR/old" "json txt filter.txt"
	if feed "$DIR/old.db" 18 13; then
		[ "$(sqlite3 "$DIR/old.db" 'PRAGMA user_version')" = 6 ] ||
			fail collector_output_schema5_upgraded "not upgraded"
		print "$DIR/old.db" "$DIR/up"
		for f in json txt; do	# the 14 rows from before, then the new ones
			head -n 14 "$DIR/up.$f" > "$DIR/up.$f.head"
			mv "$DIR/up.$f.head" "$DIR/up.$f"
		done
		compare collector_output_schema5_upgraded "$DIR/up" "json txt"
	else
		fail collector_output_schema5_upgraded "rows $(rows "$DIR/old.db") of 18; $(tail -3 "$DIR/coll.log")"
	fi
else
	skip collector_output_schema5 "sqlite3 not installed"
fi
exit ${T_FAILED:-0}
