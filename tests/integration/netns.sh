#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# --all-namespaces on a host without the kernel module: one agent in the
# root namespace tracks named namespaces and those of processes (one entry
# per inode), ones made and removed while it runs, keeps observing
# wireguard-go interfaces as before (no netns on their events: their UAPI
# sockets are host-wide), and never stays in another namespace (its
# /proc/PID/ns/net is sampled all along). The kernel-module half is proved
# in tests/kernel (run.sh, wgaudit-allns/*).
. "$(dirname "$0")/lib.sh"
need_root netns
command -v unshare > /dev/null || { skip netns "unshare not installed"; exit 0; }
lab_init ns
LATE=wga-ns-late
SAMPLER= HOLDER= UNNAMED=
cleanup_ns() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2> /dev/null
	[ -n "$HOLDER" ] && kill "$HOLDER" 2> /dev/null
	[ -n "$UNNAMED" ] && kill "$UNNAMED" 2> /dev/null
	ip netns del "$LATE" 2> /dev/null
	lab_cleanup
}
trap cleanup_ns EXIT
ip netns del "$LATE" 2> /dev/null
lab_server
lab_client 1 1

cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 300ms
active_after = 4s
namespaces = all
config_dir = $LAB/wgconf
CONF
mkdir -p "$LAB/wgconf"
# In the root namespace, like a host agent (not agent_start: that runs in $SRV).
"$WGAUDIT" run -c "$LAB/wgaudit.conf" --state-dir "$LAB/state" --interface "$SIF" \
	--interface "${TAG}c1" --output "jsonl:$LAB/events.jsonl" >> "$LAB/agent.out" 2>&1 &
AGENT_PID=$!
ROOT_NS=$(readlink /proc/self/ns/net)
( while kill -0 "$AGENT_PID" 2> /dev/null; do
	readlink "/proc/$AGENT_PID/ns/net" 2> /dev/null
	sleep 0.02
done ) > "$LAB/ns-samples" &
SAMPLER=$!
logged() { grep -qE -- "$1" "$LAB/agent.out"; }
nsino() { stat -L -c %i "$1"; }

if wait_for 10 logged "netns $SRV: watching \\(inode $(nsino /run/netns/$SRV), /run/netns/$SRV\\)"; then
	pass named_namespace_watched
else
	fail named_namespace_watched "no 'netns $SRV: watching' in the log: $(head -c 400 "$LAB/agent.out")"
fi

# wireguard-go keeps working: the tunnel's peers go active, keyed as before.
if wait_for 20 has_event PEER_ACTIVE "\"iface\":\"$SIF\""; then
	pass userspace_peer_active
else
	fail userspace_peer_active "no PEER_ACTIVE on $SIF: $(tail -c 400 "$LAB/events.jsonl" 2> /dev/null)"
fi
if has_event PEER_ACTIVE "\"iface\":\"${TAG}c1\"" && ! grep -q '"netns' "$LAB/events.jsonl"; then
	pass userspace_events_carry_no_netns
else
	fail userspace_events_carry_no_netns "$(grep -m1 '"netns' "$LAB/events.jsonl" || echo "no PEER_ACTIVE on ${TAG}c1")"
fi

# A namespace made later, named; a process in it adds no second entry.
ip netns add "$LATE"
LINO=$(nsino "/run/netns/$LATE")
ip netns exec "$LATE" sleep 300 &
HOLDER=$!
if wait_for 10 logged "netns $LATE: watching \\(inode $LINO,"; then
	pass late_named_namespace_watched
else
	fail late_named_namespace_watched "not in the log within 10 s"
fi
if "$WGAUDIT" status --all-namespaces --json --interface "$SIF" > "$LAB/status.json" 2> "$LAB/status.err" &&
   python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
ns = {n["netns"]: n["inode"] for n in d["namespaces"]}
assert ns.get(sys.argv[2]) == int(sys.argv[3]), ns
assert [i["name"] for i in d["interfaces"]] == [sys.argv[4]], d["interfaces"]
assert "netns" not in d["interfaces"][0]' "$LAB/status.json" "$LATE" "$LINO" "$SIF" 2>> "$LAB/status.err"; then
	pass status_all_namespaces_json
else
	fail status_all_namespaces_json "$(tail -3 "$LAB/status.err" | tr '\n' ' ')"
fi
# A namespace only a process has (a container's): labelled by inode.
unshare -n sleep 300 &
UNNAMED=$!
wait_for 5 test "$(readlink /proc/$UNNAMED/ns/net)" != "$ROOT_NS"
UINO=$(nsino "/proc/$UNNAMED/ns/net")
if wait_for 10 logged "netns ino:$UINO: watching \\(inode $UINO, /proc/[0-9]+/ns/net\\)"; then
	pass process_namespace_watched_by_inode
else
	fail process_namespace_watched_by_inode "no 'netns ino:$UINO: watching' in the log"
fi
n=$(grep -c "watching (inode $LINO," "$LAB/agent.out")
if [ "$n" = 1 ] && ! logged "netns ino:$LINO:"; then
	pass dedup_by_inode
else
	fail dedup_by_inode "namespace $LINO watched $n times, or also as ino:$LINO"
fi

# Gone: the name removed while a process still holds it is not gone ...
ip netns del "$LATE"
if wait_for 3 logged "netns $LATE: now named ino:$LINO|netns $LATE: gone"; then
	if logged "netns $LATE: gone"; then
		fail namespace_held_by_process_kept "reported gone while a process still ran in it"
	else
		pass namespace_held_by_process_kept
	fi
else
	fail namespace_held_by_process_kept "no relabel to ino:$LINO after its name went"
fi
# ... and gone once its last process exits.
kill "$HOLDER"; wait "$HOLDER" 2> /dev/null; HOLDER=
kill "$UNNAMED"; wait "$UNNAMED" 2> /dev/null; UNNAMED=
if wait_for 10 logged "netns ino:$LINO: gone \\(inode $LINO\\)" &&
   wait_for 10 logged "netns ino:$UINO: gone \\(inode $UINO\\)"; then
	pass namespaces_gone_sockets_closed
else
	fail namespaces_gone_sockets_closed "$(grep -E "$LINO|$UINO" "$LAB/agent.out" | tr '\n' ' ')"
fi
if grep -q 'privileges: kept.*CAP_SYS_ADMIN' "$LAB/agent.out"; then
	pass keeps_cap_sys_admin_for_setns
else
	fail keeps_cap_sys_admin_for_setns "$(grep -m1 privileges "$LAB/agent.out")"
fi

agent_stop
rc=$?
kill "$SAMPLER" 2> /dev/null; wait "$SAMPLER" 2> /dev/null; SAMPLER=
bad=$(grep -vcxF "$ROOT_NS" "$LAB/ns-samples")
total=$(grep -c . "$LAB/ns-samples")
if [ "$total" -gt 20 ] && [ "$bad" = 0 ]; then
	pass own_namespace_never_changed
else
	fail own_namespace_never_changed "$bad of $total samples of /proc/PID/ns/net differ from $ROOT_NS"
fi
if [ "$rc" = 0 ] && ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LAB/agent.out"; then
	pass agent_clean_exit
else
	fail agent_clean_exit "rc $rc: $(grep -m2 -E 'Sanitizer|runtime error' "$LAB/agent.out")"
fi
# inotify on /run/netns: with a 60 s poll, a new name is still seen at once.
# (An empty UAPI dir: other labs' sockets appearing would trigger a poll too.)
mkdir -p "$LAB/uapi2"
printf '[agent]\nuapi_dir = %s\nconfig_dir = %s\n' "$LAB/uapi2" "$LAB/wgconf" > "$LAB/wgaudit2.conf"
"$WGAUDIT" run -c "$LAB/wgaudit2.conf" --all-namespaces --interval 60s --state-dir "$LAB/state2" \
	--output "jsonl:$LAB/events2.jsonl" > "$LAB/agent2.out" 2>&1 &
AGENT_PID=$!
wait_for 10 grep -q AGENT_STARTED "$LAB/events2.jsonl"
ip netns add "$LATE"
if wait_for 10 grep -q "netns $LATE: watching" "$LAB/agent2.out"; then
	pass new_name_seen_before_the_tick
else
	fail new_name_seen_before_the_tick "not within 10 s with a 60 s interval"
fi
ip netns del "$LATE"
agent_stop
exit $T_FAILED
