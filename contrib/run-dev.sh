#!/bin/sh
# Runs a freshly built coyotes in the foreground, for "make run".
#
#   contrib/run-dev.sh BUILD_DIR [coyotes flags...]
#
# When no Redis answers PING at the address the flags name (default
# 127.0.0.1:6379), starts a private redis-server on a free loopback port,
# with its data under BUILD_DIR/run-redis, and points coyotes at it. Ctrl+C
# drains coyotes (the terminal signals its whole process group); then this
# script stops the redis-server it started, by pid, and exits with the
# daemon's status. The private server has its own session, so the Ctrl+C
# does not reach it while the daemon is still draining.
set -eu

usage() {
	echo "usage: $0 BUILD_DIR [coyotes flags...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
build_dir=$1
shift
daemon=$build_dir/src/coyotes
if [ ! -x "$daemon" ]; then
	echo "run-dev: $daemon not found; build it first (make)" >&2
	exit 1
fi
for tool in redis-cli redis-server timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run-dev: $tool not found (contrib/install-deps.sh installs it)" >&2
		exit 1
	fi
done

# The Redis address, password and key namespace the flags ask for, as the
# daemon would read them: --redis-host beats the deprecated --host, a later
# flag beats an earlier one, the command line beats the --flagfile.
redis_host=
old_host=
password=
namespace=
take() {	# take NAME VALUE: remember one flag's value
	case "$1" in
	redis-host|redis_host) redis_host=$2 ;;
	host) old_host=$2 ;;
	redis-password|redis_password|password) password=$2 ;;
	namespace) namespace=$2 ;;
	esac
}
read_flagfile() {
	[ -r "$1" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in
		-*=*)
			line=${line#-}
			line=${line#-}
			take "${line%%=*}" "${line#*=}"
			;;
		esac
	done <"$1"
}
prev=
for arg in "$@"; do
	if [ -n "$prev" ]; then
		take "$prev" "$arg"
		prev=
		continue
	fi
	case "$arg" in
	--flagfile=*|-flagfile=*) read_flagfile "${arg#*=}" ;;
	--*=*|-*=*)
		name=${arg#-}
		name=${name#-}
		take "${name%%=*}" "${arg#*=}"
		;;
	--redis-host|-redis-host|--redis_host|-redis_host|--host|-host|\
	--redis-password|-redis-password|--password|-password|\
	--namespace|-namespace)
		prev=${arg#-}
		prev=${prev#-}
		;;
	esac
done
[ -n "$redis_host" ] || redis_host=${old_host:-127.0.0.1:6379}
host=${redis_host%:*}
port=${redis_host##*:}
host=${host#[}
host=${host%]}
[ -n "$host" ] || host=127.0.0.1
[ -z "$password" ] || export REDISCLI_AUTH="$password"
queue=task:prepare:queue
[ -z "$namespace" ] || queue=$namespace:$queue

answers_ping() {	# answers_ping HOST PORT
	[ "$(timeout 3 redis-cli -h "$1" -p "$2" ping 2>/dev/null)" = PONG ]
}

redis_pid=
stop_redis() {
	[ -n "$redis_pid" ] || return 0
	kill -TERM "$redis_pid" 2>/dev/null || true
	n=0
	while kill -0 "$redis_pid" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 "$redis_pid" 2>/dev/null; then
		kill -KILL "$redis_pid" 2>/dev/null || true
	fi
	redis_pid=
}
trap stop_redis EXIT
trap 'exit 129' HUP
trap 'exit 143' TERM

extra=
if ! answers_ping "$host" "$port"; then
	data_dir=$(mkdir -p "$build_dir/run-redis" && cd "$build_dir/run-redis" && pwd)
	unset REDISCLI_AUTH
	started=
	# Try a few ports; a port that is taken makes redis-server exit at once.
	try=$((20000 + $$ % 20000))
	end=$((try + 20))
	while [ -z "$started" ] && [ $try -lt $end ]; do
		setsid redis-server --bind 127.0.0.1 --port "$try" \
			--dir "$data_dir" --save "" --appendonly yes \
			--daemonize no --logfile "$data_dir/redis.log" \
			</dev/null >/dev/null 2>&1 &
		redis_pid=$!
		n=0
		while kill -0 "$redis_pid" 2>/dev/null && [ $n -lt 100 ]; do
			# The server answering must be ours, not another one.
			pid=$(timeout 3 redis-cli -p "$try" info server 2>/dev/null |
				tr -d '\r' | sed -n 's/^process_id://p')
			if [ "$pid" = "$redis_pid" ]; then
				started=$try
				break
			fi
			sleep 0.1
			n=$((n + 1))
		done
		if [ -z "$started" ]; then
			stop_redis
			try=$((try + 1))
		fi
	done
	if [ -z "$started" ]; then
		echo "run-dev: no Redis at $host:$port, and could not start redis-server" \
			"(see $data_dir/redis.log)" >&2
		exit 1
	fi
	echo "no Redis at $host:$port; started a private redis-server on" \
		"127.0.0.1:$started (data in $data_dir)"
	host=127.0.0.1
	port=$started
	# Last on the line, so that it wins over the user's --redis-host.
	extra=--redis-host=127.0.0.1:$started
fi

if [ "$host" = 127.0.0.1 ]; then
	cli="redis-cli -p $port"
else
	cli="redis-cli -h $host -p $port"
fi
echo "push a task: $cli LPUSH $queue '{\"task\":\"echo hello\",\"chan\":\"default\"}'"
echo "stop: Ctrl+C (drains; a second Ctrl+C stops running tasks)"

# A trapped SIGINT is not ignored by the daemon (it gets the default
# disposition back), and lets this script go on once the daemon has drained.
trap : INT
set +e
if [ -n "$extra" ]; then
	"$daemon" --pidfile="$build_dir/coyotes.pid" "$@" "$extra"
else
	"$daemon" --pidfile="$build_dir/coyotes.pid" "$@"
fi
status=$?
set -e
stop_redis
exit "$status"
