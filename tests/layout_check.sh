#!/usr/bin/env bash
# The include graph of src/ runs one way: daemon -> http -> store -> task ->
# base. A file may include its own folder and the folders below it, never
# one above (HACKING.md, "Layout"). Also: every source lives in one of those
# folders, and each part's unit or integration tests sit in a folder of the
# same name. ctl (coyotesctl, a client of the HTTP API) stands beside the
# others: it may include base only, and nothing includes it.
set -eu
src=$1
rank() {
  case "$1" in
  base) echo 0 ;; task) echo 1 ;; store) echo 2 ;; http) echo 3 ;;
  daemon) echo 4 ;; ctl) echo 5 ;; *) echo -1 ;;
  esac
}
bad=0
checked=0
for f in "$src"/src/*; do
  if [ -f "$f" ]; then echo "${f#"$src"/}: outside the part folders"; bad=1; fi
done
for f in "$src"/src/*/*.h "$src"/src/*/*.cc; do
  [ -e "$f" ] || continue
  rel=${f#"$src"/src/}
  part=${rel%%/*}
  from=$(rank "$part")
  if [ "$from" -lt 0 ]; then echo "src/$rel: unknown part '$part'"; bad=1; continue; fi
  while IFS= read -r inc; do
    to_part=${inc%%/*}
    to=$(rank "$to_part")
    checked=$((checked + 1))
    if [ "$to" -lt 0 ]; then
      echo "src/$rel includes \"$inc\": not a part folder"; bad=1
    elif [ "$part" = ctl ] && [ "$to_part" != ctl ] && [ "$to_part" != base ]; then
      echo "src/$rel (ctl) includes \"$inc\" ($to_part): ctl may include base only"; bad=1
    elif [ "$to" -gt "$from" ]; then
      echo "src/$rel ($part) includes \"$inc\" ($to_part): upward"; bad=1
    fi
  done < <(sed -nE 's/^#include "([^"]+)".*/\1/p' "$f")
done
for d in "$src"/tests/unit/* "$src"/tests/integration/*; do
  [ -d "$d" ] || continue
  if [ "$(rank "$(basename "$d")")" -lt 0 ]; then
    echo "${d#"$src"/}: no src/ part of that name"; bad=1
  fi
done
# Nothing checked means the search is wrong, not that the graph is clean.
if [ "$checked" -eq 0 ]; then echo "no #include found under $src/src"; exit 1; fi
exit $bad
