#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/metrics.sh [N] - one /metrics scrape at N peers (default 10000)
# against one `wg show all dump` (what prometheus_wireguard_exporter forks
# for every scrape), in one run, on the lab bench/peers.sh builds
# (wireguard-go wgbench0 in namespace wga-bench, N random peers, no traffic).
#
# Measures, inside the namespace:
#   (a) `wg show wgbench0 dump` (= `wg show all dump` on a host with one
#       interface): CPU (user+sys, wait4) per run, mean of K runs,
#       peak RSS; and wireguard-go's own CPU to serve each of those requests
#       (an agent scrape costs it nothing: the agent renders from memory);
#   (b) the agent (`wgaudit run --metrics 127.0.0.1:PORT`, polls every 10 min
#       so none falls in the window): CPU per scrape = Δ /proc/PID/schedstat
#       over S sequential scrapes (curl, after one warm-up scrape), VmRSS
#       before the first scrape, after it, and after S more (a scrape must
#       not grow memory with history: the render buffers are reused), the
#       size of one scrape.
# Prints the ratios: agent CPU per scrape / wg CPU per dump (goal <= 0.25),
# and against wg + wireguard-go.
# Environment: WGAUDIT (default build/rel/wgaudit), K=20, S=20.
set -u
export LC_ALL=C
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
PY=$(command -v /usr/bin/python3 || command -v python3)

if [ "${1:-}" != --inner ]; then
	N=${1:-10000}
	WGAUDIT=${WGAUDIT:-$ROOT/build/rel/wgaudit}
	[ -x "$WGAUDIT" ] || { echo "metrics.sh: $WGAUDIT not built (make)" >&2; exit 1; }
	command -v curl >/dev/null || { echo "metrics.sh: curl not installed" >&2; exit 1; }
	T=$(mktemp -d /var/tmp/wgaudit-metricsbench.XXXXXX)
	chmod 700 "$T"
	trap 'rm -rf "$T"' EXIT
	cp "$WGAUDIT" "$T/wgaudit"
	echo "# wgaudit bench/metrics.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n): $(nproc) CPU(s)," \
	     "$(uname -r), wgaudit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null), N=$N" \
	     "K=${K:-20} S=${S:-20}" >&2
	AGENT=$T/wgaudit TMPD=$T "$BENCH/peers.sh" --exec "$N" bash "$BENCH/metrics.sh" --inner "$N"
	exit $?
fi

N=$2
K=${K:-20}
S=${S:-20}
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f", s}'; }
kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
die() { echo "metrics.sh: $*" >&2; [ -n "${APID:-}" ] && kill "$APID" 2>/dev/null; exit 1; }

# wireguard-go serving this interface: the process whose command line is
# "wireguard-go -f $IFACE" (peers.sh starts it so).
WGGO=
for p in /proc/[0-9]*; do
	[ "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" = "wireguard-go -f $IFACE " ] && WGGO=${p#/proc/}
done
[ -n "$WGGO" ] || die "no wireguard-go for $IFACE"

# (a) the exporter's per-scrape fork
g0=$(cpu_ns "$WGGO")
# `wg show all dump` on a host with this one interface; named here, since
# /var/run/wireguard is shared and other labs' sockets would be dumped too.
r=$("$PY" "$BENCH/rusage.py" -n "$K" -r -- wg show "$IFACE" dump)
g1=$(cpu_ns "$WGGO")
wg_cpu=$(kv cpu_s "$r"); wg_rss=$(kv max_rss_kb "$r")
wggo_req=$(awk -v a="$g0" -v b="$g1" -v k="$K" 'BEGIN{printf "%.6f", (b-a)/1e9/(k+1)}')
echo "# (a) wg show $IFACE dump: $r; wireguard-go per request ${wggo_req}s" >&2

# (b) the agent
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$AGENT" run --state-dir "$TMPD/state" --interface "$IFACE" --interval 10m \
	--metrics "127.0.0.1:$PORT" --output "jsonl:$TMPD/ev.jsonl" > "$TMPD/agent.out" 2>&1 &
APID=$!
for _ in $(seq 1200); do
	grep -q '"type":"AGENT_STARTED"' "$TMPD/ev.jsonl" 2>/dev/null && break
	kill -0 "$APID" 2>/dev/null || die "agent died: $(tail -3 "$TMPD/agent.out")"
	sleep 0.05
done
grep -q '"type":"AGENT_STARTED"' "$TMPD/ev.jsonl" || die "agent did not start"
rss0=$(status_kb "$APID" VmRSS)
curl -sf -o "$TMPD/scrape" "http://127.0.0.1:$PORT/metrics" || die "first scrape failed"
rss1=$(status_kb "$APID" VmRSS)
size=$(wc -c < "$TMPD/scrape")
series=$(grep -vc '^#' "$TMPD/scrape")
peers=$(grep -c '^wireguard_peer_receive_bytes_total{' "$TMPD/scrape")
[ "$peers" = "$N" ] || die "scrape has $peers peers, want $N"
g2=$(cpu_ns "$WGGO")
c0=$(cpu_ns "$APID")
for _ in $(seq "$S"); do
	curl -sf -o /dev/null "http://127.0.0.1:$PORT/metrics" || die "scrape failed"
done
c1=$(cpu_ns "$APID")
g3=$(cpu_ns "$WGGO")
rss2=$(status_kb "$APID" VmRSS)
hwm=$(status_kb "$APID" VmHWM)
kill -TERM "$APID"; wait "$APID"; APID=
a_cpu=$(awk -v a="$c0" -v b="$c1" -v s="$S" 'BEGIN{printf "%.6f", (b-a)/1e9/s}')
wggo_scrape=$(awk -v a="$g2" -v b="$g3" -v s="$S" 'BEGIN{printf "%.6f", (b-a)/1e9/s}')
echo "# (b) agent: $S scrapes of $size bytes ($series samples); CPU per scrape ${a_cpu}s;" \
     "VmRSS ${rss0} kB before, ${rss1} kB after the first, ${rss2} kB after $S more; VmHWM ${hwm} kB;" \
     "wireguard-go per scrape ${wggo_scrape}s" >&2

ms() { awk -v x="$1" 'BEGIN{printf "%.2f", x*1000}'; }
echo
printf '%-7s | %-34s | %-40s\n' peers "wg show dump (a)" "agent scrape (b)"
printf '%-7s | %-34s | %-40s\n' "" "CPU ms (+wireguard-go) / peak RSS" "CPU ms / RSS growth first, next $S"
printf '%-7s | %-34s | %-40s\n' "$N" \
	"$(ms "$wg_cpu") (+$(ms "$wggo_req")) / $((wg_rss / 1024)) MiB" \
	"$(ms "$a_cpu") / +$(( (rss1 - rss0) / 1024 )) MiB, +$(( (rss2 - rss1) )) kB"
echo
ratio=$(awk -v a="$a_cpu" -v w="$wg_cpu" 'BEGIN{printf "%.3f", a/w}')
ratio2=$(awk -v a="$a_cpu" -v w="$wg_cpu" -v g="$wggo_req" 'BEGIN{printf "%.3f", a/(w+g)}')
echo "N=$N: agent CPU per scrape / wg show dump CPU = $ratio" \
     "(goal <= 0.25: $(awk -v r="$ratio" 'BEGIN{print (r <= 0.25) ? "meets" : "MISSES"}'));" \
     "counting wireguard-go's work for the dump too: $ratio2;" \
     "scrape memory: +$(( (rss1 - rss0) / 1024 )) MiB once (render buffers, kept), +$((rss2 - rss1)) kB over $S more" \
     "scrapes; wg's peak RSS $((wg_rss / 1024)) MiB"
