#!/bin/sh
# Installs the Debian packages needed to build and test coyotes, those that
# are missing only. Prints nothing and exits 0 when everything is there, so
# that "make run" and "make check" can call it every time. Never reads
# standard input (safe in CI).
set -eu

# chromium: the dashboard's test drives it headless (tests/blackbox/ui_test.cc).
packages="build-essential autoconf automake libtool pkg-config
libhiredis-dev libevent-dev libjansson-dev libgflags-dev libgoogle-glog-dev nettle-dev
libunwind-dev
libgtest-dev googletest redis-server redis-sentinel redis-tools groff-base curl wrk
clang libclang-rt-14-dev procps lua5.1
chromium"

missing=
for p in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
# promtool (checks GET /metrics and the alert rules in the tests) comes
# from Debian's prometheus package, whose server we do not want installed
# as a service: the binary alone is taken out of the package.
need_promtool=
command -v promtool >/dev/null 2>&1 || need_promtool=yes
[ -z "$missing" ] && [ -z "$need_promtool" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: no apt-get here; install them by hand" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as_root="sudo -n"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ] && [ -t 2 ]; then
	as_root=sudo	# on a terminal: sudo may ask for a password
else
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: not root and no usable sudo; as root, run:" >&2
	echo "  apt-get install --no-install-recommends$missing" >&2
	exit 1
fi

# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	# shellcheck disable=SC2086
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing </dev/null
fi
if [ -n "$need_promtool" ]; then
	echo "install-deps: installing promtool (from the prometheus package)"
	tmp=$(mktemp -d)
	chmod 755 "$tmp"  # apt downloads as _apt
	(cd "$tmp" && apt-get download -q prometheus </dev/null) &&
		dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" &&
		$as_root install -m 0755 "$tmp/x/usr/bin/promtool" /usr/local/bin/promtool
	status=$?
	rm -rf "$tmp"
	[ $status -eq 0 ] || exit 1
fi
