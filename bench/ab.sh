#!/usr/bin/env bash
# bench/ab.sh OLD_BUILD NEW_BUILD: whether a change costs task throughput.
# Runs the daemons of two build folders side by side on one private
# redis-server (each in a namespace of its own, the other one idle) and
# feeds them the same tasks in alternating turns, so that both see the same
# machine; prints each turn's tasks/s and the median ratio new/old per
# kind. Kinds: "simple" (touch FILE, no shell) and "shell" (a shell line).
# Sizes: BENCH_N (3000) tasks per turn, BENCH_C (5) workers, BENCH_ROUNDS
# (4) turns of each daemon. Timings are reported, never asserted.
set -u -o pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 OLD_BUILD NEW_BUILD" >&2
  exit 2
fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
export PATH=${BENCH_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
OLD=$(cd "$1" && pwd) || exit 2
NEW=$(cd "$2" && pwd) || exit 2
N=${BENCH_N:-3000}
C=${BENCH_C:-5}
ROUNDS=${BENCH_ROUNDS:-4}
CB=$NEW/bench/coyotes_bench
for bin in "$OLD/src/coyotes" "$NEW/src/coyotes" "$CB"; do
  [ -x "$bin" ] || { echo "bench: $bin is missing; build first" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/coyotes-ab-XXXXXX") || exit 1
REDIS_PID=
DAEMON_PIDS=()
# shellcheck source=bench/lib.sh
. "$SRC/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_redis || { log "cannot start redis-server"; exit 1; }
REDIS=127.0.0.1:$REDIS_PORT

COYOTES=$OLD/src/coyotes
start_daemon old --concurrent="$C" --namespace=old || exit 1
OLD_PID=$DAEMON_PID OLD_PORT=$HTTP_PORT
COYOTES=$NEW/src/coyotes
start_daemon new --concurrent="$C" --namespace=new || exit 1
NEW_PID=$DAEMON_PID NEW_PORT=$HTTP_PORT

# run WHO KIND TURN: one turn (in a folder of its own); prints tasks/s.
run() {
  local pid=$OLD_PID port=$OLD_PORT turn=$3
  [ "$1" = new ] && pid=$NEW_PID port=$NEW_PORT
  "$CB" tasks --redis="$REDIS" --namespace="$1" --http="$port" \
    --dir="$TMP/turn-$turn" --pid="$pid" --n="$N" --c="$C" --lat-n=1 \
    --run=ab --only="$2" |
    sed -En 's/.*"figure":"throughput[^"]*",("round":[0-9]+,)?"value":([0-9.e+]+).*/\2/p' |
    head -1
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "coyotes ab: old=$OLD new=$NEW N=$N C=$C rounds=$ROUNDS"
for kind in simple shell; do
  ratios=()
  for ((r = 1; r <= ROUNDS; r++)); do
    if [ $((r % 2)) -eq 1 ]; then
      o=$(run old "$kind" "$kind-$r-old")
      n=$(run new "$kind" "$kind-$r-new")
    else
      n=$(run new "$kind" "$kind-$r-new")
      o=$(run old "$kind" "$kind-$r-old")
    fi
    ratio=$(awk -v n="$n" -v o="$o" 'BEGIN { if (o > 0) printf "%.3f", n / o }')
    ratios+=("$ratio")
    printf '%-6s round %d: old %8.1f  new %8.1f tasks/s  new/old %s\n' \
      "$kind" "$r" "$o" "$n" "$ratio"
  done
  printf '%-6s median new/old: %s\n' "$kind" \
    "$(printf '%s\n' "${ratios[@]}" | median)"
done
