#!/usr/bin/env bash
# The man page renders without a warning and documents every flag defined in
# src/ (a flag users can't find in the man page doesn't exist), and --help
# lists them too.
set -eu
src=$1
build=$2
out=$(groff -man -ww -z "$src/man/coyotes.8" 2>&1)
if [ -n "$out" ]; then echo "groff warnings:"; echo "$out"; exit 1; fi
help=$("$build/src/coyotes" --help)
missing=0
flags=$(grep -rhoE --include='*.cc' 'DEFINE_(bool|int32|int64|uint64|double|string)\([a-z0-9_]+' "$src/src" |
        sed -E 's/.*\(//' | sort -u)
# No flag found means the search is wrong, not that all is documented.
if [ -z "$flags" ]; then echo "no DEFINE_ found under $src/src"; exit 1; fi
for f in $flags; do
  dashed=${f//_/-}
  escaped=${dashed//-/\\\\-}
  if ! grep -qE -- "(\\\\-\\\\-|--)($escaped|$dashed)" "$src/man/coyotes.8"; then
    echo "flag --$dashed is not in man/coyotes.8"; missing=1
  fi
  if ! grep -q -- "--$dashed" <<<"$help"; then
    echo "flag --$dashed is not in --help"; missing=1
  fi
done
exit $missing
