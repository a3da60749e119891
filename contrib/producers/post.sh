#!/bin/sh
# Queue tasks for coyotes over its HTTP API, with each body encoding the
# API accepts.
#
#   ./post.sh [http://127.0.0.1:60001]
#
# Every answer is {"status_code":...,"message":...,"data":...}.
set -eu

base=${1:-http://127.0.0.1:60001}

# multipart/form-data, the original form.
curl -sS -F 'task=ping -c 4 example.org' "$base/channels/default"
echo

# application/x-www-form-urlencoded, with a timeout in seconds.
curl -sS --data-urlencode 'task=sleep 5; echo done' --data-urlencode 'timeout=10' \
	"$base/channels/default/tasks"
echo

# JSON: a program and its arguments, run without a shell.
curl -sS -H 'Content-Type: application/json' \
	-d '{"command":"ls","args":["-l","/tmp"],"timeout":30}' \
	"$base/channels/default/tasks"
echo

# The daemon's status.
curl -sS "$base/"
echo
