#!/bin/bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into a directory.
# Usage: fuzz/build.sh [OUT_DIR]   (default fuzz/out)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/fuzz/out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"

CXX="${CXX:-/usr/bin/clang++}"
# No UBSan recovery, so undefined behaviour is a crash the fuzzer reports.
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I src)
libs=(-ljansson -lglog)
targets=(fuzz_multipart fuzz_urlencoded fuzz_body fuzz_task_json)

# The sources each target links besides its own fuzz/TARGET.cc.
sources_of() {
  case "$1" in
    fuzz_task_json) echo src/task/task_codec.cc src/base/json_util.cc src/base/status.cc ;;
    *) echo src/http/body.cc src/http/form.cc src/http/multipart.cc src/base/json_util.cc src/base/status.cc ;;
  esac
}

for target in "${targets[@]}"; do
  read -r -a sources <<<"$(sources_of "$target")"
  "$CXX" "${flags[@]}" "fuzz/$target.cc" "${sources[@]}" "${libs[@]}" \
    -o "$out/$target"
  echo "built $out/$target"
done
