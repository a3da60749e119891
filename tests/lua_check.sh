#!/usr/bin/env bash
# Every Lua script of src/store/lua/ parses under Lua 5.1 (the Lua of
# Redis), so that a syntax error fails here rather than at a task's first
# EVAL; and its header, the leading block of "--" lines, states what a
# reader needs before calling it: lines opening "-- KEYS:", "-- ARGV:",
# "-- Returns:" and "-- Atomic:" (why it is one script, not several
# commands).
set -eu
src=$1
if ! command -v luac5.1 >/dev/null 2>&1; then
  echo "luac5.1 not found: apt-get install lua5.1"
  exit 1
fi
bad=0
checked=0
for f in "$src"/src/store/lua/*.lua; do
  [ -e "$f" ] || continue
  rel=${f#"$src"/}
  checked=$((checked + 1))
  if ! luac5.1 -p "$f"; then
    echo "$rel: does not parse"
    bad=1
  fi
  header=$(awk '!/^--/ { exit } { print }' "$f")
  for label in KEYS ARGV Returns Atomic; do
    if ! grep -q "^-- $label:" <<<"$header"; then
      echo "$rel: header lacks a \"-- $label:\" line"
      bad=1
    fi
  done
done
# Nothing checked means the search is wrong, not that all is well.
if [ "$checked" -eq 0 ]; then echo "no .lua file under $src/src/store/lua"; exit 1; fi
echo "$checked scripts checked"
exit $bad
