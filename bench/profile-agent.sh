#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/profile-agent.sh [N] - where the agent's steady-state poll and memory
# go, on the bench/peers.sh lab (N peers, default 10000).
#   1. `wgaudit check` once (records the baseline), then once more under
#      callgrind with collection on inside agent_poll only: the steady-state
#      poll without process start-up and state loading; then the same
#      second run with everything collected (start-up + load + poll);
#   2. `wgaudit run` for a few polls: VmHWM and the smaps of its largest
#      mappings (anonymous heap vs. shared libraries).
# Results in $OUT (default /var/tmp/wgaudit-profile): callgrind.poll.out,
# callgrind.all.out, *.txt summaries (callgrind_annotate, smaps).
set -u
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WGAUDIT=${WGAUDIT:-$BENCH/../build/rel/wgaudit}
N=${1:-10000}
OUT=${OUT:-/var/tmp/wgaudit-profile}
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 1; }
mkdir -p "$OUT"
rm -rf "$OUT/state"
export WGAUDIT OUT
"$BENCH/peers.sh" --exec "$N" bash -c '
	set -u
	"$WGAUDIT" check --state-dir "$OUT/state" --interface "$IFACE" >/dev/null
	valgrind --tool=callgrind --toggle-collect=agent_poll \
		--callgrind-out-file="$OUT/callgrind.poll.out" \
		"$WGAUDIT" check --state-dir "$OUT/state" --interface "$IFACE" >/dev/null 2>"$OUT/valgrind.poll.log"
	valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.all.out" \
		"$WGAUDIT" check --state-dir "$OUT/state" --interface "$IFACE" >/dev/null 2>"$OUT/valgrind.all.log"
	callgrind_annotate --inclusive=yes "$OUT/callgrind.poll.out" | head -60 >"$OUT/poll-inclusive.txt"
	callgrind_annotate "$OUT/callgrind.poll.out" | head -50 >"$OUT/poll-self.txt"
	callgrind_annotate --inclusive=yes "$OUT/callgrind.all.out" | head -60 >"$OUT/all-inclusive.txt"
	"$WGAUDIT" run --state-dir "$OUT/state" --interface "$IFACE" --interval 1s \
		--output jsonl:/dev/null >/dev/null 2>&1 &
	pid=$!
	sleep 5
	grep -E "^Vm(HWM|RSS)|^Rss(Anon|File)" /proc/$pid/status >"$OUT/rss.txt"
	awk "/^[0-9a-f]+-[0-9a-f]+ / {name = \$6 ? \$6 : \"[anon]\"} /^Rss:/ {rss[name] += \$2} END {for (n in rss) if (rss[n] >= 64) printf \"%8d kB  %s\n\", rss[n], n}" \
		/proc/$pid/smaps | sort -rn >>"$OUT/rss.txt"
	kill -TERM $pid; wait $pid
'
echo "== steady-state poll (agent_poll inclusive) =="; sed -n 1,45p "$OUT/poll-inclusive.txt"
echo "== steady-state poll (self) =="; sed -n 1,40p "$OUT/poll-self.txt"
echo "== memory =="; cat "$OUT/rss.txt"
