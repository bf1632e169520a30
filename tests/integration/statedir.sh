#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One writer per state dir, and a state dir that is the agent's own
# (DESIGN "One writer per state dir"):
#  - `check` beside a running `run` is refused (exit 1, names the PID) and
#    doubles nothing; `check --dry-run` beside it works, needs no lock;
#  - `check --dry-run` writes nothing (the database byte-identical) and
#    delivers nothing, yet prints what it would emit;
#  - a dir others can write, or a database path that is a symlink, is
#    refused and the link's target is left as it was; a new dir is 0700.
. "$(dirname "$0")/lib.sh"
need_root statedir
lab_init sl
lab_server
lab_client 1

newpeer() {	# add a peer with a fresh key on the server; prints the key
	local k
	k=$(wg genkey | wg pubkey)
	in_srv wg set "$SIF" peer "$k" allowed-ips "10.233.$1.0/24"
	echo "$k"
}
journal_count() {	# journal events of TYPE whose peer is KEY
	"$WGAUDIT" events --state-dir "$LAB/state" --json --tail 100000 |
		grep "\"type\":\"$1\"" | grep -cF "\"peer\":\"$2\""
}

agent_start --interval 300ms
wait_for 15 has_event AGENT_STARTED || { fail agent_starts "$(tail -3 "$LAB/agent.out")"; exit 1; }

# 1. check beside run: refused, naming the PID; nothing doubled.
k1=$(newpeer 1)
wait_for 10 has_event PEER_ADDED "$k1" || fail peer_seen "no PEER_ADDED for the new peer"
k2=$(newpeer 2)
out=$(ip netns exec "$SRV" "$WGAUDIT" check --state-dir "$LAB/state" --interface "$SIF" \
	--output "jsonl:$LAB/check.jsonl" 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q "in use by wgaudit PID $AGENT_PID"; then
	pass check_beside_run_refused
else
	fail check_beside_run_refused "rc=$rc: $out"
fi
wait_for 10 has_event PEER_ADDED "$k2" || fail peer_seen "no PEER_ADDED for the second peer"
# Until the next poll has surely gone by: a third peer's event.
k3=$(newpeer 3)
wait_for 10 has_event PEER_ADDED "$k3"
bad=
for k in "$k1" "$k2" "$k3"; do
	j=$(journal_count PEER_ADDED "$k"); d=$(ev_count PEER_ADDED "$k")
	[ "$j" = 1 ] && [ "$d" = 1 ] || bad="$bad ${k:0:8}:journal=$j,jsonl=$d"
done
[ ! -s "$LAB/check.jsonl" ] || bad="$bad check.jsonl written"
[ -z "$bad" ] && pass nothing_doubled || fail nothing_doubled "$bad"

# 2. --dry-run beside run: no lock needed.
out=$(ip netns exec "$SRV" "$WGAUDIT" check --dry-run --state-dir "$LAB/state" \
	--interface "$SIF" --json 2>&1); rc=$?
[ $rc = 0 ] && pass dry_run_beside_run || fail dry_run_beside_run "rc=$rc: $(echo "$out" | tail -2)"

# 3. --dry-run writes and delivers nothing, and says what it would emit.
agent_stop
k4=$(newpeer 4)
db_sum=$(sha256sum < "$LAB/state/wgaudit.db")
ls "$LAB/state" > "$LAB/state.before"
out_sum=$(sha256sum < "$LAB/events.jsonl")
out=$(ip netns exec "$SRV" "$WGAUDIT" check --dry-run --state-dir "$LAB/state" \
	--interface "$SIF" --output "jsonl:$LAB/dry.jsonl" --json 2>"$LAB/dry.err"); rc=$?
ls "$LAB/state" > "$LAB/state.after"
if [ $rc = 0 ] && echo "$out" | grep '"type":"PEER_ADDED"' | grep -qF "$k4"; then
	pass dry_run_prints_what_it_would_emit
else
	fail dry_run_prints_what_it_would_emit "rc=$rc: $out $(cat "$LAB/dry.err")"
fi
if [ "$db_sum" = "$(sha256sum < "$LAB/state/wgaudit.db")" ] &&
   cmp -s "$LAB/state.before" "$LAB/state.after"; then
	pass dry_run_db_byte_identical
else
	fail dry_run_db_byte_identical "database or state dir changed: $(diff "$LAB/state.before" "$LAB/state.after" | tr '\n' ' ')"
fi
if [ ! -e "$LAB/dry.jsonl" ] && [ "$out_sum" = "$(sha256sum < "$LAB/events.jsonl")" ]; then
	pass dry_run_delivers_nothing
else
	fail dry_run_delivers_nothing "an output was written"
fi
# The real check afterwards still reports the peer: the dry run took nothing.
ip netns exec "$SRV" "$WGAUDIT" check --state-dir "$LAB/state" --interface "$SIF" --json \
	> "$LAB/real.out" 2>&1
grep '"type":"PEER_ADDED"' "$LAB/real.out" | grep -qF "$k4" &&
	pass dry_run_consumed_nothing || fail dry_run_consumed_nothing "$(tail -2 "$LAB/real.out")"

# 4. State dir safety.
T=$LAB/target
printf 'precious\n' > "$T"; chmod 0644 "$T"
t_sum=$(sha256sum < "$T")
W=$LAB/world; mkdir "$W"; chmod 0777 "$W"; ln -s "$T" "$W/wgaudit.db"
out=$("$WGAUDIT" check --state-dir "$W" --interface none 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q "$W is writable by group and others" &&
   [ "$(stat -c %a "$T")" = 644 ] && [ "$t_sum" = "$(sha256sum < "$T")" ]; then
	pass world_writable_dir_refused
else
	fail world_writable_dir_refused "rc=$rc mode=$(stat -c %a "$T"): $out"
fi
S=$LAB/symdir; mkdir -m 0700 "$S"; ln -s "$T" "$S/wgaudit.db"
out=$("$WGAUDIT" check --state-dir "$S" --interface none 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q "$S/wgaudit.db: is a symbolic link" &&
   [ "$(stat -c %a "$T")" = 644 ] && [ "$t_sum" = "$(sha256sum < "$T")" ]; then
	pass symlinked_db_refused
else
	fail symlinked_db_refused "rc=$rc mode=$(stat -c %a "$T"): $out"
fi
O=$LAB/other; mkdir -m 0700 "$O"; chown 65534 "$O"
out=$("$WGAUDIT" check --state-dir "$O" --interface none 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q "$O is owned by uid 65534"; then
	pass foreign_dir_refused
else
	fail foreign_dir_refused "rc=$rc: $out"
fi
N=$LAB/new/state; mkdir "$LAB/new"
"$WGAUDIT" check --state-dir "$N" --interface none >/dev/null 2>&1
[ "$(stat -c %a "$N" 2>/dev/null)" = 700 ] && pass new_dir_0700 ||
	fail new_dir_0700 "mode $(stat -c %a "$N" 2>&1)"
exit $T_FAILED
