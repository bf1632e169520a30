#!/usr/bin/env bash
# package.sh - the Debian package: build it with dpkg-buildpackage from a copy
# of the tree (working tree as is, build/ left out), lintian it, install it,
# check what it put where, remove, purge. Needs no WireGuard lab.
#
# Install cases need root and are skipped when wgaudit is already installed
# or /etc/wgaudit, /var/lib/wgaudit or /var/log/wgaudit exist: the purge
# would destroy them.
# If systemd runs (PID 1), installing enables and starts wgaudit.service as
# any Debian package would; the purge at the end stops and removes it.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The copy below takes TOP whole: make sure it is this source tree.
if ! [ -f "$TOP/tests/integration/package.sh" ] || ! [ -f "$TOP/Makefile" ]; then
	echo "FAIL package_build: $TOP is not the wgaudit source tree"
	exit 1
fi
. "$TOP/tests/integration/lib.sh"

PKG=wgaudit
STATE=/var/lib/wgaudit
ETC=/etc/wgaudit
WANTS=/etc/systemd/system/multi-user.target.wants/wgaudit.service
WORK=
INSTALLED=0	# 1 while the package may be installed
TOUCHED=0	# 1 once this test installed it: nothing of it existed before

# shellcheck disable=SC2317  # called by the trap
cleanup() {
	if [ "$INSTALLED" = 1 ]; then
		dpkg --purge "$PKG" > "$WORK/cleanup-purge.log" 2>&1 ||
			echo "cleanup: dpkg --purge $PKG failed: $(tail -1 "$WORK/cleanup-purge.log")"
	fi
	# Whatever a failed purge left: ours, since none of it was there before.
	[ "$TOUCHED" = 1 ] && rm -rf "$STATE" "$ETC" /var/log/wgaudit "$WANTS"
	[ -n "$WORK" ] && [ -z "${KEEP_LAB:-}" ] && rm -rf "$WORK"
	return 0
}
trap cleanup EXIT
trap "exit 143" INT TERM

# Indented tail of a log under a FAIL line (tests/run shows 5-space lines).
show() { tail -n "${2:-15}" "$1" | sed 's/^/     /'; }

mode_of() { stat -c '%a %U:%G' "$1" 2>/dev/null; }

if ! command -v dpkg-buildpackage >/dev/null; then
	skip package_build "dpkg-buildpackage not installed (apt-get install dpkg-dev debhelper fakeroot lintian)"
	exit 0
fi
WORK=$(mktemp -d /tmp/wga-package.XXXXXX)
SRC=$WORK/$PKG
mkdir "$SRC"

# The tree as it is now, committed or not; ignored files (build/) left out.
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$SRC"
else
	tar -C "$TOP" --exclude=./build --exclude=./wgaudit --exclude=./debian/wgaudit -cf - . |
		tar -xf - -C "$SRC"
fi
if [ ! -f "$SRC/debian/control" ]; then
	fail package_build "no debian/control in the copied tree"
	exit 1
fi

# --- build ---------------------------------------------------------------
if ! (cd "$SRC" && dpkg-checkbuilddeps) > "$WORK/builddeps.log" 2>&1; then
	skip package_build "build dependencies missing (tests/install-deps.sh): $(tr '\n' ' ' < "$WORK/builddeps.log")"
	exit 0
fi
# nocheck: the unit tests belong to the suite (ASan), not to this test.
if (cd "$SRC" && DEB_BUILD_OPTIONS="parallel=2 nocheck" \
	dpkg-buildpackage -us -uc -b) > "$WORK/build.log" 2>&1 &&
   DEB=$(ls "$WORK"/${PKG}_*.deb 2>/dev/null) && [ -f "$DEB" ]; then
	pass package_build
else
	fail package_build "dpkg-buildpackage failed (log: $WORK/build.log)"
	show "$WORK/build.log" 25
	KEEP_LAB=1
	exit 1
fi
VERSION=$(dpkg-deb -f "$DEB" Version)

# --- lintian ---------------------------------------------------------------
if ! command -v lintian >/dev/null; then
	skip package_lintian "lintian not installed"
else
	lintian --fail-on error "$DEB" > "$WORK/lintian.log" 2>&1
	rc=$?
	grep -v '^running with root privileges' "$WORK/lintian.log" | sed 's/^/  lintian: /'
	if grep -q '^E: ' "$WORK/lintian.log"; then
		fail package_lintian "$(grep -c '^E: ' "$WORK/lintian.log") error(s)"
	elif [ $rc -ne 0 ]; then
		fail package_lintian "lintian exited $rc"
	else
		pass package_lintian
	fi
fi

# --- contents (no root needed) ---------------------------------------------
dpkg-deb -c "$DEB" | awk '{print $1, $NF}' > "$WORK/contents"
missing=
for f in ./usr/sbin/wgaudit ./lib/systemd/system/wgaudit.service \
	 ./usr/share/man/man8/wgaudit.8.gz ./usr/share/man/man5/wgaudit.conf.5.gz \
	 ./etc/wgaudit/wgaudit.conf ./usr/share/doc/wgaudit/copyright \
	 ./usr/share/doc/wgaudit/examples/wgaudit.conf.example \
	 ./usr/share/doc/wgaudit/examples/wgaudit.json ./usr/share/doc/wgaudit/metrics.md.gz; do
	grep -q " $f\$" "$WORK/contents" || missing="$missing $f"
done
if [ -n "$missing" ]; then
	fail package_contents "missing:$missing"
elif ! grep -q '^drwx------ ./etc/wgaudit/$' "$WORK/contents"; then
	fail package_contents "etc/wgaudit is not 0700: $(grep ' ./etc/wgaudit/$' "$WORK/contents")"
elif ! dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./lib/systemd/system/wgaudit.service |
	grep -qx 'ExecStart=/usr/sbin/wgaudit run'; then
	fail package_contents "the unit's ExecStart= is not /usr/sbin/wgaudit run"
else
	pass package_contents
fi

# --- install ---------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	skip package_install "needs root (dpkg -i)"
	exit $T_FAILED
fi
status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
	skip package_install "$PKG is already installed here ($status); not replacing or purging it"
	exit $T_FAILED
fi
for p in "$STATE" "$ETC" /var/log/wgaudit "$WANTS"; do
	if [ -e "$p" ] || [ -L "$p" ]; then
		skip package_install "$p exists (make install?); the purge would delete it"
		exit $T_FAILED
	fi
done

INSTALLED=1 TOUCHED=1
if DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" < /dev/null > "$WORK/install.log" 2>&1 &&
   [ "$(dpkg-query -W -f='${db:Status-Status}' "$PKG")" = installed ]; then
	pass package_install
else
	fail package_install "dpkg -i failed"
	show "$WORK/install.log"
	exit 1
fi

out=$(/usr/sbin/wgaudit --version 2>&1)
if [ "$out" = "wgaudit ${VERSION%%-*}" ] && /usr/sbin/wgaudit --help > /dev/null 2>&1; then
	pass package_binary_runs
else
	fail package_binary_runs "/usr/sbin/wgaudit --version said \"$out\", wanted \"wgaudit ${VERSION%%-*}\""
fi

conffiles=$(dpkg-query -W -f='${Conffiles}' "$PKG")
if printf '%s\n' "$conffiles" | grep -q "^ $ETC/wgaudit.conf [0-9a-f]\{32\}\$"; then
	pass package_conffile
else
	fail package_conffile "not registered: Conffiles=\"$conffiles\""
fi

# The shipped config must parse: exit 2 is a configuration error.
/usr/sbin/wgaudit check -c "$ETC/wgaudit.conf" --state-dir "$WORK/check-state" \
	> "$WORK/check.log" 2>&1
rc=$?
if [ $rc = 0 ]; then
	pass package_default_config
else
	fail package_default_config "wgaudit check -c $ETC/wgaudit.conf exited $rc"
	show "$WORK/check.log" 5
fi

m=$(mode_of "$STATE")
if [ "$m" = "700 root:root" ] && [ -d "$STATE" ]; then
	pass package_state_dir
else
	fail package_state_dir "$STATE is \"${m:-missing}\", wanted 700 root:root"
fi
m=$(mode_of "$ETC")
if [ "$m" = "700 root:root" ]; then
	pass package_etc_dir
else
	fail package_etc_dir "$ETC is \"${m:-missing}\", wanted 700 root:root"
fi

ok=1
for p in /usr/share/man/man8/wgaudit.8.gz /usr/share/man/man5/wgaudit.conf.5.gz; do
	zcat "$p" 2>/dev/null | grep -q '^\.TH ' || { ok=0; fail package_man "$p missing or not a man page"; }
done
if [ $ok = 1 ] && command -v man >/dev/null; then
	for p in "8 wgaudit" "5 wgaudit.conf"; do
		# shellcheck disable=SC2086
		[ "$(man -w $p 2>/dev/null)" = "/usr/share/man/man${p%% *}/${p#* }.${p%% *}.gz" ] ||
			{ ok=0; fail package_man "man -w $p: \"$(man -w $p 2>&1)\""; }
	done
fi
[ $ok = 1 ] && pass package_man

# The unit: installed, enabled (deb-systemd-helper works without systemd
# running) and valid for systemd-analyze (which also resolves ExecStart=
# and Documentation=man:wgaudit(8)).
UNIT=/lib/systemd/system/wgaudit.service
if ! grep -qx 'ExecStart=/usr/sbin/wgaudit run' "$UNIT" 2>/dev/null; then
	fail package_unit "$UNIT missing or ExecStart= not /usr/sbin/wgaudit"
elif [ "$(readlink "$WANTS")" != "$UNIT" ]; then
	fail package_unit "not enabled: $WANTS -> \"$(readlink "$WANTS")\""
elif command -v systemd-analyze >/dev/null &&
     ! systemd-analyze verify "$UNIT" > "$WORK/verify.log" 2>&1; then
	fail package_unit "systemd-analyze verify $UNIT"
	show "$WORK/verify.log" 5
else
	pass package_unit
fi

# Reinstall over an edited conffile and a used state dir: both kept.
echo "# local edit by package.sh" >> "$ETC/wgaudit.conf"
/usr/sbin/wgaudit check --state-dir "$STATE" > "$WORK/check2.log" 2>&1
rc=$?
if ! [ -f "$STATE/wgaudit.db" ]; then
	fail package_reinstall "wgaudit check made no $STATE/wgaudit.db (exit $rc)"
	show "$WORK/check2.log" 5
elif ! DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" < /dev/null > "$WORK/reinstall.log" 2>&1; then
	fail package_reinstall "dpkg -i (again) failed"
	show "$WORK/reinstall.log"
elif ! grep -q '^# local edit by package.sh$' "$ETC/wgaudit.conf"; then
	fail package_reinstall "the edited conffile was replaced"
elif ! [ -f "$STATE/wgaudit.db" ] || [ "$(mode_of "$STATE")" != "700 root:root" ]; then
	fail package_reinstall "$STATE lost its journal or its mode ($(mode_of "$STATE"))"
else
	pass package_reinstall
fi

# Remove keeps configuration and state; purge takes them.
if ! dpkg --remove "$PKG" > "$WORK/remove.log" 2>&1; then
	fail package_remove "dpkg --remove failed"
	show "$WORK/remove.log"
elif [ -e /usr/sbin/wgaudit ] || [ -e "$UNIT" ]; then
	fail package_remove "/usr/sbin/wgaudit or the unit still there"
elif ! [ -f "$ETC/wgaudit.conf" ] || ! [ -f "$STATE/wgaudit.db" ]; then
	fail package_remove "remove (not purge) deleted the config or the journal"
else
	pass package_remove
fi

if ! dpkg --purge "$PKG" > "$WORK/purge.log" 2>&1; then
	fail package_purge "dpkg --purge failed"
	show "$WORK/purge.log"
else
	INSTALLED=0
	left=
	for p in "$STATE" "$ETC" "$WANTS" /var/log/wgaudit; do
		[ -e "$p" ] || [ -L "$p" ] && left="$left $p"
	done
	status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)
	if [ -n "$left" ]; then
		fail package_purge "left behind:$left"
	elif [ -n "$status" ] && [ "$status" != not-installed ]; then
		fail package_purge "dpkg still knows $PKG: $status"
	else
		pass package_purge
	fi
fi

exit $T_FAILED
