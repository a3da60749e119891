#!/bin/sh
# Queue tasks for coyotes with redis-cli.
#
#   ./push.sh [host [port]]
#
# LPUSH a JSON object onto task:prepare:queue; coyotes routes it to the
# channel named in "chan" (or to --channel-default) and runs it there.
set -eu

host=${1:-127.0.0.1}
port=${2:-6379}
cli() { redis-cli -h "$host" -p "$port" "$@"; }

# A shell command, the original protocol.
cli LPUSH task:prepare:queue \
	"{\"task\":\"echo hello from coyotes; uname -a\",\"chan\":\"default\",\"ts\":$(date +%s)}"

# A program and its arguments (no shell), with an id, a timeout in
# seconds and a working directory.
id="du-$(date +%s)-$$"
cli LPUSH task:prepare:queue \
	"{\"id\":\"$id\",\"command\":\"du\",\"args\":[\"-sh\",\".\"],\"cwd\":\"/tmp\",\"timeout\":30,\"chan\":\"default\",\"ts\":$(date +%s)}"

# Wait a little for it, then show its record and any rejected items.
sleep 2
cli HGETALL "coyotes:task:$id"
cli LRANGE coyotes:dead-letters 0 4
