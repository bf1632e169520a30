#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# floors.sh - the include rules of docs/ARCHITECTURE.md, checked on src/.
# A file includes its own folder and the floors below it, never a sibling
# on its floor nor one above; the engine never includes the store.
# tests/lint/floors.allow lists the known exceptions ("file include" per
# line): it may only shrink. Prints PASS/FAIL lines for tests/run.
cd "$(dirname "$0")/../.." || exit 1
floor() {
	case $1 in
	base) echo 0 ;; sys|net) echo 1 ;; store|conf) echo 2 ;;
	sources|engine|outputs) echo 3 ;; cli|collector|daemon) echo 4 ;;
	*) echo 9 ;;
	esac
}
allow=tests/lint/floors.allow
bad=0
while IFS= read -r f; do
	from=${f#src/}; from=${from%%/*}
	[ "$f" = src/main.c ] && continue
	while IFS= read -r inc; do
		to=${inc%%/*}
		[ "$to" = "$from" ] && continue
		why=
		if [ "$from" = engine ] && [ "$to" = store ]; then
			why="the engine persists through callbacks, never the store"
		elif [ "$(floor "$to")" -ge "$(floor "$from")" ]; then
			why="$to/ is not below $from/"
		fi
		[ -n "$why" ] || continue
		if grep -qxF "$f $inc" "$allow" 2>/dev/null; then
			echo "known: $f includes $inc ($why)"
			continue
		fi
		echo "FAIL floors: $f includes $inc: $why"
		bad=1
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(find src -name '*.[ch]' | sort)
# An exception that no longer happens must leave the list.
while read -r f inc; do
	[ -n "$f" ] || continue
	grep -q "^#include \"$inc\"" "$f" 2>/dev/null && continue
	echo "FAIL floors_allow: $f no longer includes $inc: remove the line from $allow"
	bad=1
done < "$allow"
[ $bad = 0 ] && echo "PASS floors"
exit $bad
