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
sources=(src/form.cc src/multipart.cc src/status.cc)
libs=(-ljansson -lglog)
targets=(fuzz_multipart fuzz_urlencoded fuzz_body)

for target in "${targets[@]}"; do
  "$CXX" "${flags[@]}" "fuzz/$target.cc" "${sources[@]}" "${libs[@]}" \
    -o "$out/$target"
  echo "built $out/$target"
done
