#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/netns.sh [N] - what --all-namespaces costs per network namespace, in
# one run: the agent with --all-namespaces and no other namespace, then with
# N (default 50) empty named namespaces, and the default agent (own
# namespace only) as the baseline. For each: sockets and fds the agent
# holds, VmRSS, and CPU per poll (on-CPU ns from /proc/PID/schedstat over
# $SECS seconds of polls every $INTERVAL).
#
# Isolation: everything runs in a private mount + PID namespace (unshare
# --mount --pid --mount-proc) with its own tmpfs on /run/netns, so neither
# other tests' namespaces nor other processes change the numbers; the
# agent's network namespace stays the host's. Empty namespaces: no
# interface but lo, no traffic.
#
# The kernel module is not needed: without it a namespace costs its
# rtnetlink link watch (1 socket); with it add a wgnl (2 netlink sockets,
# 32 KiB buffer) and an ioctl socket, and one WG_CMD_GET_DEVICE listing per
# poll (see docs/wgaudit.8 "Every network namespace").
#
# Needs root, unshare (util-linux), ip.
set -u
N=${1:-50}
SECS=${SECS:-15}
INTERVAL=${INTERVAL:-100ms}
TOP=$(cd "$(dirname "$0")/.." && pwd)
WGA=${WGAUDIT:-$TOP/build/rel/wgaudit}
[ "$(id -u)" = 0 ] || { echo "bench/netns.sh: needs root" >&2; exit 2; }
[ -x "$WGA" ] || { echo "bench/netns.sh: no $WGA (make first)" >&2; exit 2; }

if [ "${1:-}" != --inside ]; then
	exec unshare --mount --pid --fork --mount-proc --propagation private \
		bash "$0" --inside "$N"
fi
N=$2
mount -t tmpfs -o mode=0755 tmpfs /run/netns || exit 1
D=$(mktemp -d /var/tmp/wgaudit-nsbench.XXXXXX)
trap 'for i in $(seq 1 $N); do ip netns del wgab$i 2> /dev/null; done; umount /run/netns; rm -rf "$D"' EXIT
trap 'exit 130' INT TERM HUP	# so that EXIT runs: a daemon left behind holds the bench lock
cat > "$D/conf" <<CONF
[agent]
interval = $INTERVAL
config_dir = $D/none
uapi_dir = $D/uapi
[kmsg]
enabled = no
CONF
ms=$(echo "$INTERVAL" | sed -E 's/ms$//; t; s/s$/000/')

# measure NAME ARGS...: start the agent, let it settle, then sample.
measure() {
	local name=$1 pid s0 s1 fds socks rss polls
	shift
	rm -rf "$D/state"
	"$WGA" run -c "$D/conf" --state-dir "$D/state" --output "jsonl:$D/ev.jsonl" "$@" \
		> "$D/$name.log" 2>&1 &
	pid=$!
	sleep 3
	s0=$(cut -d' ' -f1 "/proc/$pid/schedstat")
	sleep "$SECS"
	s1=$(cut -d' ' -f1 "/proc/$pid/schedstat")
	fds=$(ls "/proc/$pid/fd" | wc -l)
	socks=$(ls -l "/proc/$pid/fd" | grep -c 'socket:')
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	kill -TERM "$pid"
	wait "$pid"
	polls=$((SECS * 1000 / ms))
	printf '%-28s %6d %6d %9d %12.1f\n' "$name" "$fds" "$socks" "$rss" \
		"$(echo "($s1 - $s0) / $polls / 1000" | bc -l)"
	echo "$name $fds $socks $rss $(echo "($s1 - $s0) / $polls / 1000" | bc -l)" >> "$D/results"
}

echo "# wgaudit $("$WGA" --version | cut -d' ' -f2), $(nproc) CPUs, poll every $INTERVAL, ${SECS} s per case, kernel $(uname -r)"
printf '%-28s %6s %6s %9s %12s\n' case fds socks "rss(KiB)" "cpu/poll(us)"
measure own-namespace
measure all-namespaces-0 --all-namespaces
for i in $(seq 1 "$N"); do ip netns add "wgab$i" || exit 1; done
measure "all-namespaces-$N" --all-namespaces
# Which namespaces the agent watched (the 50, none other).
watched=$(grep -c 'netns wgab[0-9]*: watching' "$D/all-namespaces-$N.log")
echo "# watched $watched of $N namespaces"
awk -v n="$N" '
	{ fd[$1] = $2; so[$1] = $3; rss[$1] = $4; cpu[$1] = $5 }
	END {
		a = "all-namespaces-0"; b = "all-namespaces-" n; o = "own-namespace"
		printf "# per namespace: %.2f fds, %.2f sockets, %.1f KiB RSS, %.2f us CPU per poll\n",
			(fd[b] - fd[a]) / n, (so[b] - so[a]) / n, (rss[b] - rss[a]) / n, (cpu[b] - cpu[a]) / n
		printf "# ratio %s / %s: CPU per poll %.2fx, RSS %.2fx; %s / %s: CPU %.2fx\n",
			b, a, cpu[b] / cpu[a], rss[b] / rss[a], a, o, cpu[a] / cpu[o]
	}' "$D/results"
