# bench/lib.sh: what bench/run.sh and bench/ab.sh share: a private
# redis-server, coyotes daemons started and stopped by pid, and the clean-up
# of both at exit. Sourced; the caller sets TMP (a scratch folder), CB (the
# coyotes_bench binary), COYOTES (the daemon binary) and DAEMON_PIDS=().

log() { echo "bench: $*" >&2; }

# Stops one daemon we started: SIGTERM (a drain), then after 15 s SIGKILL to
# it and its direct children. Always reaps it.
stop_daemon() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "coyotes $pid still runs 15 s after SIGTERM; killing it"
    local kids
    kids=$(pgrep -P "$pid" || true)
    kill -KILL "$pid" 2>/dev/null
    [ -n "$kids" ] && kill -KILL $kids 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  local left=() p
  for p in "${DAEMON_PIDS[@]+"${DAEMON_PIDS[@]}"}"; do
    [ "$p" != "$pid" ] && left+=("$p")
  done
  DAEMON_PIDS=("${left[@]+"${left[@]}"}")
}

cleanup() {
  local p
  for p in "${DAEMON_PIDS[@]+"${DAEMON_PIDS[@]}"}"; do stop_daemon "$p"; done
  if [ -n "$REDIS_PID" ]; then
    kill -TERM "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=
  fi
  if [ -n "${BENCH_KEEP_TMP:-}" ]; then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
}

# ---- redis-server ----
start_redis() {
  local try port
  mkdir -p "$TMP/redis"
  for try in 1 2 3 4 5; do
    port=$("$CB" free-port) || return 1
    redis-server --port "$port" --bind 127.0.0.1 --dir "$TMP/redis" \
      --unixsocket "$TMP/redis/redis.sock" --unixsocketperm 700 \
      --save "" --appendonly no --logfile "$TMP/redis/redis.log" \
      --daemonize no >/dev/null 2>&1 &
    REDIS_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
      if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then
        REDIS_PORT=$port
        return 0
      fi
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=
  done
  return 1
}
# ---- coyotes ----
# start_daemon NAME FLAGS...: sets DAEMON_PID and HTTP_PORT.
start_daemon() {
  local name=$1
  shift
  local logf=$TMP/$name.log
  # A later --redis-host (the Unix socket run's) replaces this one.
  "$COYOTES" --redis-host="$REDIS" --http-addr=127.0.0.1:0 \
    --pidfile="$TMP/$name.pid" "$@" >"$logf" 2>&1 &
  DAEMON_PID=$!
  DAEMON_PIDS+=("$DAEMON_PID")
  local i addr
  for ((i = 0; i < 200; i++)); do
    addr=$(sed -n 's/.*coyotes ready.* http=\([^ ]*\).*/\1/p' "$logf" | head -1)
    if [ -n "$addr" ]; then
      HTTP_PORT=${addr##*:}
      log "coyotes $name pid $DAEMON_PID, http port $HTTP_PORT ($*)"
      return 0
    fi
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.05
  done
  log "coyotes $name did not get ready; its log:"
  tail -n 30 "$logf" >&2
  return 1
}

