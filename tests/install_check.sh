#!/usr/bin/env bash
# make install puts coyotesctl beside coyotes, its man page in man1 and its
# bash completion where bash-completion looks for it; the installed client
# runs. Installs with DESTDIR into a scratch folder, removed at the end.
set -eu
build=$1
dest=$(mktemp -d "${TMPDIR:-/tmp}/coyotes-install-XXXXXX")
trap 'rm -rf "$dest"' EXIT
make -s -C "$build" install DESTDIR="$dest" >"$dest/install.log" 2>&1 ||
  { cat "$dest/install.log"; exit 1; }
prefix=$(sed -n 's/^prefix = //p' "$build/Makefile")
root=$dest$prefix
bad=0
for f in bin/coyotes bin/coyotesctl share/man/man1/coyotesctl.1 \
  share/man/man8/coyotes.8 share/bash-completion/completions/coyotesctl; do
  if [ ! -f "$root/$f" ]; then echo "not installed: $prefix/$f"; bad=1; fi
done
[ -x "$root/bin/coyotesctl" ] || { echo "coyotesctl is not executable"; exit 1; }
version=$("$root/bin/coyotesctl" --version)
case $version in
"coyotesctl "*) ;;
*) echo "installed coyotesctl --version says: $version"; bad=1 ;;
esac
bash -n "$root/share/bash-completion/completions/coyotesctl" || bad=1
exit $bad
