#!/bin/bash
# Runs each libFuzzer target for SECONDS with a seeded corpus under DIR and
# prints its executions and whether it crashed (exit status 1 if any did).
# Usage: fuzz/run.sh DIR SECONDS [BIN_DIR]
#   without BIN_DIR the targets are built into DIR/bin first.
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 DIR SECONDS [BIN_DIR]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
work="$(cd "$1" && pwd)"
seconds="$2"
bin="${3:-}"
if [[ -z "$bin" ]]; then
  bin="$work/bin"
  bash "$root/fuzz/build.sh" "$bin" >/dev/null || exit 1
fi

# Seeds: a few valid inputs per target, in each target's input format.
seed() {  # seed TARGET NAME DATA (backslash escapes such as \xHH expanded)
  mkdir -p "$work/corpus/$1"
  printf '%b' "$3" >"$work/corpus/$1/seed-$2"
}
crlf='Content-Disposition: form-data; name="a"\r\n\r\n1\r\n'
seed fuzz_multipart crlf "\x05XyZzY--XyZzY\r\n${crlf}--XyZzY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\r\n--\r\n--XyZzY--\r\n"
seed fuzz_multipart lf '\x01b--b\nContent-Disposition: form-data; name=task\n\nping\n--b\ncontent-disposition: form-data; name="args"\n\n\n--b--\n'
seed fuzz_multipart reference '\x32--------------------------019175029883341751119913----------------------------019175029883341751119913\r\nContent-Disposition: form-data; name="task"\r\n\r\nping -c 40 example.org\r\n----------------------------019175029883341751119913--\r\n'
seed fuzz_multipart preamble "\x02zzpreamble\r\n--zz \t\r\n${crlf}--zz--\r\nepilogue"
seed fuzz_urlencoded simple 'task=ping+-c+40&args=1&args=2'
seed fuzz_urlencoded escapes 'a%3Db=%E2%82%AC%00&=&flag&&x='
seed fuzz_body multipart "\x00--fuzzb\r\n${crlf}--fuzzb--\r\n"
seed fuzz_body urlencoded '\x01task=echo+hi&args=%41'
seed fuzz_body json '\x02{"task":"ping","args":["-c",40,1.5,true,null],"env":{"A":"1"}}'
type='multipart/form-data; boundary="a\"b"; charset=utf-8'
seed fuzz_body header "\x03\x$(printf %02x ${#type})${type}--a\"b\r\nContent-Disposition: form-data; name=x\r\n\r\n\r\n--a\"b--"
seed fuzz_task_json original '{"task":"ping -c 4 example.org","chan":"default","ts":1491829556}'
seed fuzz_task_json argv '{"id":"backup-42","command":"tar","args":["-czf","/tmp/b.tgz","/srv"],"chan":"backups"}'
seed fuzz_task_json full '{"task":"nightly report","command":"/usr/bin/env","args":[],"chan":"reports","ts":1700000000.5,"timeout":600.25,"env":{"LANG":"C.UTF-8","EMPTY":""},"cwd":"/srv/reports"}'
seed fuzz_task_json nulls '{"task":"echo \\u00e9\\ud83d\\ude00","chan":"","id":null,"args":null,"env":null,"cwd":null,"timeout":0}'

# Dictionaries of the tokens the parsers look for.
mkdir -p "$work/dict"
cat >"$work/dict/common.dict" <<'DICT'
"Content-Disposition:"
"form-data"
"name="
"filename="
"\x0d\x0a"
"\x0d\x0a\x0d\x0a"
"--"
"--XyZzY"
"--fuzzb"
"\x22"
"; "
"%41"
"%"
"+"
"&"
"="
"application/json"
"application/x-www-form-urlencoded"
"multipart/form-data; boundary="
"{"
"}"
"["
"]"
"null"
"true"
"1e3"
DICT
cat >"$work/dict/task_json.dict" <<'DICT'
"\x22task\x22:"
"\x22chan\x22:"
"\x22ts\x22:"
"\x22id\x22:"
"\x22command\x22:"
"\x22args\x22:"
"\x22timeout\x22:"
"\x22env\x22:"
"\x22cwd\x22:"
"\x22a\x22:"
"\x22name\x22:"
"\x22cmd\x22:"
"\\u0000"
"\\ud83d\\ude00"
"\\\x22"
"{"
"}"
"["
"]"
","
"null"
"true"
"1e7"
"-0.0"
"1e-320"
DICT

crashed=0
for target in fuzz_multipart fuzz_urlencoded fuzz_body fuzz_task_json; do
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  log="$work/$target.log"
  dict="$work/dict/common.dict"
  [[ $target == fuzz_task_json ]] && dict="$work/dict/task_json.dict"
  mkdir -p "$corpus" "$artifacts"
  "$bin/$target" -max_total_time="$seconds" -print_final_stats=1 \
    -max_len=20000 -timeout=10 -dict="$dict" \
    -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
  rc=$?
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
    grep -o '[0-9]*$' | tail -n1)"
  found="$(ls -A "$artifacts")"
  if [[ $rc -ne 0 || -n "$found" ]]; then
    crashed=1
    echo "$target: ${execs:-?} executions, CRASH (exit $rc; see $log, $artifacts)"
  else
    echo "$target: $execs executions, no crash"
  fi
done
exit $crashed
