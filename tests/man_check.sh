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

# coyotesctl(1) likewise: it renders without a warning, and has a section
# for every command and mentions every option of coyotesctl --help and of
# each "coyotesctl help COMMAND".
ctl_man=$src/man/coyotesctl.1
out=$(groff -man -ww -z "$ctl_man" 2>&1)
if [ -n "$out" ]; then echo "coyotesctl.1 groff warnings:"; echo "$out"; exit 1; fi
ctl=$build/src/coyotesctl
ctl_help=$("$ctl" --help)
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\).*/\1/p' <<<"$ctl_help" | sort -u)
if [ -z "$commands" ]; then echo "no command found in coyotesctl --help"; exit 1; fi
options=$(for c in $commands; do "$ctl" help "$c"; done | cat - <<<"$ctl_help" |
          grep -oE -- '--[a-z][a-z-]*' | sort -u)
for c in $commands; do
  if ! grep -qE "^\.SS ($c|${c//-/\\\\-})( |$)" "$ctl_man"; then
    echo "command $c is not in man/coyotesctl.1"; missing=1
  fi
done
for o in $options; do
  dashed=${o#--}
  escaped=${dashed//-/\\\\-}
  if ! grep -qE -- "(\\\\-\\\\-|--)($escaped|$dashed)" "$ctl_man"; then
    echo "option $o of coyotesctl is not in man/coyotesctl.1"; missing=1
  fi
done
exit $missing
