#!/usr/bin/env bash
# bench/run.sh BUILD_DIR: how close coyotes gets to the machine's own
# process-spawn limit. Builds nothing (`make bench` builds first). Starts a
# private redis-server and the coyotes daemons it needs, runs
# BUILD_DIR/bench/spawn_ceiling and BUILD_DIR/bench/coyotes_bench, prints
# one JSON line per figure and a table of targets, appends the JSON lines to
# bench/results/results-DATE.jsonl, and stops everything it started, by pid.
# Timings are reported, never asserted: the exit status is 0 unless the
# servers could not be started.
#
# Sizes: BENCH_N (10000) tasks per throughput run, BENCH_C (5) workers,
# BENCH_LAT_N (200) latency samples, BENCH_QUEUED (100000) tasks queued for
# the memory figure, BENCH_WRK_SECONDS (10) per wrk run, BENCH_ROUNDS (3)
# turns of ceiling and daemon for throughput, BENCH_LAT_ROUNDS (10) for
# latency. BENCH_PATH replaces the PATH the bench runs with (see below).
# BENCH_KEEP_TMP=1 keeps the scratch folder
# (logs, raw figures); BENCH_RESULTS_DIR replaces bench/results.
set -u -o pipefail
# The ?wait= figure holds a thousand connections open on one daemon.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
# Tasks name their command without a path (`touch`), so every run searches
# PATH, one failed execve per directory before the right one, for coyotes
# as for sh. The ceiling and the daemons run with the PATH systemd gives a
# service, so that figures do not depend on the caller's shell set-up.
export PATH=${BENCH_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
BUILD=$(cd "$1" && pwd) || exit 2
N=${BENCH_N:-10000}
C=${BENCH_C:-5}
LAT_N=${BENCH_LAT_N:-200}
QUEUED=${BENCH_QUEUED:-100000}
WRK_S=${BENCH_WRK_SECONDS:-10}

COYOTES=$BUILD/src/coyotes
CEILING=$BUILD/bench/spawn_ceiling
CB=$BUILD/bench/coyotes_bench
for bin in "$COYOTES" "$CEILING" "$CB"; do
  if [ ! -x "$bin" ]; then
    echo "bench: $bin is missing; build first (make bench does)" >&2
    exit 1
  fi
done
for tool in redis-server redis-cli; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench: $tool is not installed" >&2
    exit 1
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/coyotes-bench-XXXXXX") || exit 1
RUN_ID=$(date -u +%Y-%m-%dT%H:%M:%SZ)-$$
RAW=$TMP/raw.jsonl  # every program's lines, one per figure and round
: >"$RAW"
REDIS_PID=
DAEMON_PIDS=()

# shellcheck source=bench/lib.sh
. "$SRC/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! start_redis; then
  log "cannot start redis-server"
  tail -n 20 "$TMP/redis/redis.log" >&2 2>/dev/null
  exit 1
fi
REDIS=127.0.0.1:$REDIS_PORT
REDIS_SOCK=$TMP/redis/redis.sock
log "redis-server pid $REDIS_PID on $REDIS"

# The ceiling (spawn_ceiling) and the daemon (coyotes_bench tasks) take
# turns, in BENCH_ROUNDS rounds of N/ROUNDS tasks, each ceiling next to the
# coyotes run it is compared with (ceiling first in odd rounds, coyotes
# first in even ones), so that both see the same machine: on a shared
# machine the figures drift with other work. The report merges the rounds.
ROUNDS=${BENCH_ROUNDS:-3}
[ "$ROUNDS" -gt "$N" ] && ROUNDS=$N
[ "$ROUNDS" -lt 1 ] && ROUNDS=1
LAT_ROUNDS=${BENCH_LAT_ROUNDS:-10}
[ "$LAT_ROUNDS" -gt "$LAT_N" ] && LAT_ROUNDS=$LAT_N
[ "$LAT_ROUNDS" -lt 1 ] && LAT_ROUNDS=1
ROUND=0
RN=$N
RLAT=$LAT_N
# Every run gets a folder of its own, and the task files stay until the
# end: on ext4, files created within a few seconds of deleting thousands
# cost far more (the allocator passes over the recently freed inodes), so
# deleting between runs slowed down whichever run came next (a ceiling
# round of 2,204 tasks/s next to two of 1,101 and 1,111 in one run).
RUN_DIRS=0
ceiling() {  # PARTS
  RUN_DIRS=$((RUN_DIRS + 1))
  "$CEILING" --dir="$TMP/ceiling-$RUN_DIRS" --n="$RN" --c="$C" \
    --lat-n="$RLAT" --run="$RUN_ID" --round="$ROUND" --only="$1" >>"$RAW"
}
tasks() {  # PARTS
  RUN_DIRS=$((RUN_DIRS + 1))
  "$CB" tasks --redis="$REDIS" --http="$HTTP_PORT" \
    --dir="$TMP/tasks-$RUN_DIRS" --pid="$DAEMON_PID" --n="$RN" --c="$C" \
    --lat-n="$RLAT" --run="$RUN_ID" --round="$ROUND" --only="$1" >>"$RAW"
}
pair() {  # CEILING_PARTS TASKS_PARTS
  if [ $((ROUND % 2)) -eq 1 ]; then
    ceiling "$1"
    tasks "$2"
  else
    tasks "$2"
    ceiling "$1"
  fi
}
# The same parts against the daemon that reaches Redis over its Unix socket
# (a namespace of its own), right after the TCP run: figures "..._unix".
tasks_unix() {  # PARTS
  RUN_DIRS=$((RUN_DIRS + 1))
  "$CB" tasks --redis="$REDIS" --namespace=unix --http="$UNIX_HTTP_PORT" \
    --dir="$TMP/tasks-$RUN_DIRS" --pid="$UNIX_PID" --n="$RN" --c="$C" \
    --lat-n="$RLAT" --run="$RUN_ID" --round="$ROUND" --only="$1" \
    --suffix=_unix >>"$RAW"
}

log "N=$N C=$C latency samples=$LAT_N queued=$QUEUED wrk=${WRK_S}s" \
  "rounds=$ROUNDS latency rounds=$LAT_ROUNDS"
ceiling machine

# 1-2. Throughput, latency, Redis cost: one daemon, --concurrent=C; and a
#      second one like it on Redis's Unix socket, idle while the first runs.
start_daemon unix --concurrent="$C" --namespace=unix \
  --redis-host="unix:$REDIS_SOCK" || exit 1
UNIX_PID=$DAEMON_PID
UNIX_HTTP_PORT=$HTTP_PORT
start_daemon tasks --concurrent="$C" || exit 1
# A warm-up, not measured: on a virtual machine the first burst of work
# after a quiet spell runs slowly (in one run, round 1's ceiling used 1.48
# ms of CPU per task, rounds 2 and 3 1.14), and round 1 would compare that
# with a daemon run on a machine already at speed.
log "warm-up: $((N / ROUNDS)) ceiling tasks, not measured"
"$CEILING" --dir="$TMP/warm-up" --n="$((N / ROUNDS))" --c="$C" --lat-n=1 \
  --run="$RUN_ID" --round=0 --only=direct >/dev/null
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  RN=$((N / ROUNDS))
  [ "$ROUND" -eq "$ROUNDS" ] && RN=$((N - (ROUNDS - 1) * (N / ROUNDS)))
  log "round $ROUND of $ROUNDS: $RN tasks per run"
  pair direct simple
  tasks_unix simple
  pair sh_and shell
  pair sh argv,http
  pair direct_2c two
done
# Latency takes finer turns: a sample lasts a few ms, and so do the
# machine's hiccups.
log "latency: $LAT_N samples in $LAT_ROUNDS rounds"
for ((ROUND = 1; ROUND <= LAT_ROUNDS; ROUND++)); do
  RLAT=$((LAT_N / LAT_ROUNDS))
  [ "$ROUND" -eq "$LAT_ROUNDS" ] &&
    RLAT=$((LAT_N - (LAT_ROUNDS - 1) * (LAT_N / LAT_ROUNDS)))
  pair latency latency
  tasks_unix latency
done
ROUND=0
RN=$N
tasks monitor,after_load
# ?wait=: POST ?wait=1 latency, and BENCH_WAITERS (1000) requests waiting
# at once on this daemon.
"$CB" wait --redis="$REDIS" --http="$HTTP_PORT" --pid="$DAEMON_PID" \
  --n="$LAT_N" --waiters="${BENCH_WAITERS:-1000}" --run="$RUN_ID" >>"$RAW"
stop_daemon "$DAEMON_PID"
stop_daemon "$UNIX_PID"

# 3. Memory: a fresh daemon in a namespace of its own (channel default
#    only); the bench ends it with SIGTERM itself (see coyotes_bench.cc).
start_daemon memory --concurrent="$C" --namespace=mem || exit 1
"$CB" memory --redis="$REDIS" --namespace=mem --pid="$DAEMON_PID" \
  --dir="$TMP/memory" --queued="$QUEUED" --c="$C" --run="$RUN_ID" >>"$RAW"
for ((i = 0; i < 100; i++)); do  # it is draining already
  kill -0 "$DAEMON_PID" 2>/dev/null || break
  sleep 0.1
done
stop_daemon "$DAEMON_PID"

# 4. HTTP: a --task-mode=false daemon, so POSTed tasks only queue.
if command -v wrk >/dev/null; then
  start_daemon http --task-mode=false --namespace=wrk || exit 1
  "$CB" http --redis="$REDIS" --namespace=wrk --http="$HTTP_PORT" \
    --dir="$TMP/http" --seconds="$WRK_S" --run="$RUN_ID" >>"$RAW"
  stop_daemon "$DAEMON_PID"
else
  log "wrk is not installed: no HTTP figures"
fi

# 5. Promotion of delayed tasks: BENCH_PROMOTE_N due at the same instant,
#    against a --task-mode=false daemon (routing and promotion only).
start_daemon promote --task-mode=false --namespace=promote || exit 1
"$CB" promote --redis="$REDIS" --namespace=promote \
  --n="${BENCH_PROMOTE_N:-10000}" --run="$RUN_ID" >>"$RAW"
stop_daemon "$DAEMON_PID"

# 6. GET /metrics with BENCH_METRICS_CHANNELS channels, against a
#    --task-mode=false daemon (no workers for them).
start_daemon metrics --task-mode=false --namespace=metrics \
  --max-channels=4096 || exit 1
"$CB" metrics --redis="$REDIS" --namespace=metrics --http="$HTTP_PORT" \
  --channels="${BENCH_METRICS_CHANNELS:-1000}" --run="$RUN_ID" >>"$RAW"
stop_daemon "$DAEMON_PID"

# 7. One JSON line per figure (rounds merged), the table, one JSON line per
#    target; the figure and target lines are appended to the results file.
RESULTS=${BENCH_RESULTS_DIR:-$SRC/bench/results}
mkdir -p "$RESULTS"
OUT=$RESULTS/results-$(date +%Y-%m-%d).jsonl
echo "coyotes bench: N=$N C=$C latency samples=$LAT_N queued=$QUEUED" \
  "wrk=${WRK_S}s rounds=$ROUNDS/$LAT_ROUNDS run=$RUN_ID"
"$CB" report --in="$RAW" --out="$OUT" --run="$RUN_ID"
log "figures appended to $OUT"
exit 0
