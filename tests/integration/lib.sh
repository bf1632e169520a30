# SPDX-License-Identifier: GPL-2.0
# lib.sh - real WireGuard labs for integration tests: wireguard-go in
# network namespaces joined by veth. Sourced by tests/integration/*.sh.
#   lab_init TAG          names: namespaces wga-TAG-srv, wga-TAG-cN; interfaces TAGs, TAGcN
#   lab_server            server namespace + wireguard-go interface
#   lab_client N          client N: veth to the server, its own wireguard-go, peer on both sides
#   in_srv CMD... / in_cli N CMD...
# All traffic stays inside namespaces the test created (10.231.N.0/24 underlay,
# 10.232.0.0/24 tunnel). Keys are generated at run time and deleted at exit.
set -u
export WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1
WGAUDIT=${WGAUDIT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/rel/wgaudit}
T_FAILED=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAILED=1; }
skip() { echo "SKIP $1: $2"; }

need_root() {
	if [ "$(id -u)" != 0 ]; then skip "$1" "needs root (network namespaces)"; exit 0; fi
	for b in ip wg wireguard-go; do
		command -v $b >/dev/null || { skip "$1" "$b not installed"; exit 0; }
	done
}

lab_init() {
	TAG=$1
	SRV=wga-$TAG-srv
	SIF=${TAG}s
	umask 077
	LAB=$(mktemp -d /tmp/wga-$TAG.XXXXXX)
	chmod 700 "$LAB"
	trap lab_cleanup EXIT
	lab_cleanup_quiet
}

in_srv() { ip netns exec "$SRV" "$@"; }
in_cli() { local n=$1; shift; ip netns exec "wga-$TAG-c$n" "$@"; }

lab_cleanup_quiet() {
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^wga-$TAG-"); do
		for l in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
			case $l in lo) ;; *) ip -n "$ns" link del "$l" 2>/dev/null ;; esac
		done
		ip netns del "$ns" 2>/dev/null
	done
	pkill -f "wireguard-go ${TAG}[sc]" 2>/dev/null
	rm -f /var/run/wireguard/${TAG}s.sock /var/run/wireguard/${TAG}c*.sock
	return 0
}

# Every secret this lab generated (private and preshared keys, base64 and
# hex) must appear nowhere the agent wrote: journal, events, logs, received
# syslog. Runs at every lab's end, so the whole suite is covered.
lab_secret_scan() {
	local k b64 hex leaks=0 files
	files=$(find "$LAB" -type f ! -name '*.key' ! -name '*.psk' 2>/dev/null)
	[ -n "$files" ] || return 0
	for k in "$LAB"/*.key "$LAB"/*.psk; do
		[ -f "$k" ] || continue
		b64=$(cat "$k")
		hex=$(printf '%s' "$b64" | base64 -d 2>/dev/null | od -An -tx1 | tr -d ' \n')
		# shellcheck disable=SC2086
		if grep -qaF -e "$b64" -e "$hex" $files 2>/dev/null; then
			echo "FAIL no_secret_in_outputs: $(basename "$k") found in: $(grep -laF -e "$b64" -e "$hex" $files | tr '\n' ' ')"
			leaks=1
		fi
	done
	[ $leaks = 0 ] && echo "PASS no_secret_in_outputs"
	return 0
}

lab_cleanup() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	lab_secret_scan
	lab_cleanup_quiet
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$LAB"
}

# Start wireguard-go for IFACE inside NS and wait for its UAPI socket.
wggo_up() {
	local ns=$1 ifc=$2
	ip netns exec "$ns" wireguard-go "$ifc" >/dev/null 2>&1 || return 1
	for _ in $(seq 50); do
		[ -S /var/run/wireguard/$ifc.sock ] && return 0
		sleep 0.1
	done
	return 1
}

lab_server() {
	ip netns add "$SRV"
	ip -n "$SRV" link set lo up
	wg genkey > "$LAB/srv.key"
	wg pubkey < "$LAB/srv.key" > "$LAB/srv.pub"
	wggo_up "$SRV" "$SIF" || { fail setup "wireguard-go $SIF did not start"; exit 1; }
	in_srv wg set "$SIF" listen-port 51820 private-key "$LAB/srv.key"
	in_srv ip addr add 10.232.0.1/24 dev "$SIF"
	in_srv ip link set "$SIF" up
}

# lab_client N [keepalive]: namespace, veth 10.231.N.2 <-> 10.231.N.1, tunnel 10.232.0.(N+1)
lab_client() {
	local n=$1 ka=${2:-0}
	local ns=wga-$TAG-c$n cif=${TAG}c$n
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip link add "v$TAG$n" netns "$SRV" type veth peer name eth0 netns "$ns"
	in_srv ip addr add 10.231.$n.1/24 dev "v$TAG$n"
	in_srv ip link set "v$TAG$n" up
	in_cli "$n" ip addr add 10.231.$n.2/24 dev eth0
	in_cli "$n" ip link set eth0 up
	wg genkey > "$LAB/c$n.key"
	wg pubkey < "$LAB/c$n.key" > "$LAB/c$n.pub"
	wg genpsk > "$LAB/c$n.psk"	# a preshared key too: it must never be read out
	wggo_up "$ns" "$cif" || { fail setup "wireguard-go $cif did not start"; exit 1; }
	in_cli "$n" wg set "$cif" listen-port $((40000 + n)) private-key "$LAB/c$n.key" \
		peer "$(cat "$LAB/srv.pub")" endpoint 10.231.$n.1:51820 allowed-ips 10.232.0.0/24 \
		preshared-key "$LAB/c$n.psk" \
		persistent-keepalive "$( [ "$ka" = 0 ] && echo off || echo "$ka")"
	in_cli "$n" ip addr add 10.232.0.$((n + 1))/24 dev "$cif"
	in_cli "$n" ip link set "$cif" up
	in_srv wg set "$SIF" peer "$(cat "$LAB/c$n.pub")" allowed-ips 10.232.0.$((n + 1))/32 \
		preshared-key "$LAB/c$n.psk"
}

# Start the agent in the server namespace; events to $LAB/events.jsonl.
agent_start() {
	ip netns exec "$SRV" "$WGAUDIT" run --state-dir "$LAB/state" --interface "$SIF" \
		--output "jsonl:$LAB/events.jsonl" "$@" >> "$LAB/agent.out" 2>&1 &
	AGENT_PID=$!
}

agent_stop() {
	[ -n "${AGENT_PID:-}" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	local rc=$?
	AGENT_PID=
	return $rc
}

# wait_for TIMEOUT_S CMD...: poll until CMD succeeds.
wait_for() {
	local t=$1; shift
	local end=$((SECONDS + t))
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# count of events of TYPE in the jsonl file (optionally matching a regex)
ev_count() {
	local type=$1 re=${2:-}
	[ -f "$LAB/events.jsonl" ] || { echo 0; return; }
	grep "\"type\":\"$type\"" "$LAB/events.jsonl" | grep -c -- "$re"
}
has_event() { [ "$(ev_count "$@")" -gt 0 ]; }

# A check that something did NOT happen needs a bounded window; these end it
# at a positive marker that comes after, never at a fixed sleep.
#
# transfer_settled PUB: the agent's last PEER_TRANSFER for peer PUB carries
# the rx/tx that $SIF reports now: the agent has polled after the last
# traffic (follow with kmsg_marker to be sure what that poll raised is out).
transfer_settled() {
	local want got
	want=$(in_srv wg show "$SIF" transfer | awk -v k="$1" '$1 == k {print $2, $3}')
	got=$(grep '"type":"PEER_TRANSFER"' "$LAB/events.jsonl" 2>/dev/null | grep -F "\"peer\":\"$1\"" |
	      tail -1 | python3 -c 'import json,sys; e=json.loads(sys.stdin.read()); print(e["rx"], e["tx"])' 2>/dev/null)
	[ -n "$want" ] && [ "$want" = "$got" ]
}
# poll_marker [SECS]: add a throwaway peer to $SIF, wait (bounded, default
# 10 s) for its PEER_ADDED, remove it, wait for its PEER_REMOVED. Both come
# from polls later than anything the agent had output before the call.
# MARKER_KEY is its public key, for counts that must leave it out.
poll_marker() {
	MARKER_KEY=$(wg genkey | wg pubkey)
	in_srv wg set "$SIF" peer "$MARKER_KEY" allowed-ips 10.232.0.250/32
	wait_for "${1:-10}" has_event PEER_ADDED "$MARKER_KEY" || return 1
	in_srv wg set "$SIF" peer "$MARKER_KEY" remove
	wait_for "${1:-10}" has_event PEER_REMOVED "$MARKER_KEY"
}
# kmsg_marker [SECS]: write a record with a unique token into /dev/kmsg and
# wait (bounded, default 10 s) until the agent's output has its event. What
# the agent journaled before it read the record comes before it in the
# output (outputs deliver in journal order), so once the marker is there,
# so is anything an earlier event raised. Needs [kmsg] accept_user_records
# (a record written from userspace has facility user).
kmsg_marker() {
	local tok="wgatest-marker-$$-$RANDOM$RANDOM"
	echo "<7>wireguard: $SIF: $tok" > /dev/kmsg
	wait_for "${1:-10}" grep -qF "$tok" "$LAB/events.jsonl"
}

# field FIELD from the last event of TYPE (JSON string or number)
ev_field() {
	grep "\"type\":\"$1\"" "$LAB/events.jsonl" | tail -1 | python3 -c '
import json,sys
for line in sys.stdin:
    v = json.loads(line).get(sys.argv[1])
    print("" if v is None else v)' "$2"
}
