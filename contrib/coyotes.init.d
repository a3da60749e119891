#!/bin/sh
### BEGIN INIT INFO
# Provides:          coyotes
# Required-Start:    $remote_fs $network $syslog
# Required-Stop:     $remote_fs $network $syslog
# Should-Start:      redis-server
# Should-Stop:       redis-server
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: run shell commands queued in Redis
# Description:       coyotes takes commands that producers push onto a
#                    Redis list and runs them with bounded concurrency.
### END INIT INFO
#
# SysV/LSB init script for coyotes. Install as /etc/init.d/coyotes, then
# "update-rc.d coyotes defaults". /etc/default/coyotes may set DAEMON_OPTS
# (flags, default "--flagfile=/etc/coyotes.conf"), STOP_TIMEOUT, DAEMON,
# COYOTES_USER, COYOTES_GROUP, COYOTES_HOME (working directory of tasks)
# and LOGDIR. The script itself passes --pidfile and --log_dir.
#
# stop is a graceful drain (USR2): running tasks finish, queued tasks stay in
# Redis. It waits up to STOP_TIMEOUT seconds, then sends KILL. Set
# --shutdown-timeout a little below STOP_TIMEOUT so that an overlong drain
# ends with the daemon's own fast stop, which puts running tasks back in
# their queues, rather than with KILL in the middle of them.

PATH=/sbin:/usr/sbin:/bin:/usr/bin
NAME=coyotes
DESC="coyotes task runner"
DAEMON=/usr/local/bin/coyotes
RUNDIR=/run/coyotes
PIDFILE=$RUNDIR/coyotes.pid
COYOTES_USER=coyotes
COYOTES_GROUP=coyotes
COYOTES_HOME=/var/lib/coyotes
LOGDIR=/var/log/coyotes
STOP_TIMEOUT=3600
DAEMON_OPTS="--flagfile=/etc/coyotes.conf"

# shellcheck source=/dev/null
[ -r /etc/default/$NAME ] && . /etc/default/$NAME

[ -x "$DAEMON" ] || exit 0

# shellcheck source=/dev/null
. /lib/lsb/init-functions

do_start() {
	# 0: started, 1: already running, 2: could not start
	install -d -o "$COYOTES_USER" -g "$COYOTES_GROUP" -m 0755 \
		"$RUNDIR" "$LOGDIR" || return 2
	start-stop-daemon --start --quiet --pidfile "$PIDFILE" \
		--exec "$DAEMON" --test >/dev/null || return 1
	# coyotes writes and locks its own pidfile (no --make-pidfile). It
	# logs into LOGDIR because --background closes standard error.
	# shellcheck disable=SC2086
	start-stop-daemon --start --quiet --background --pidfile "$PIDFILE" \
		--chuid "$COYOTES_USER:$COYOTES_GROUP" --chdir "$COYOTES_HOME" \
		--exec "$DAEMON" -- $DAEMON_OPTS \
		--pidfile="$PIDFILE" --log_dir="$LOGDIR" || return 2
}

do_stop() {
	# 0: stopped, 1: was not running, 2: could not stop
	start-stop-daemon --stop --quiet --pidfile "$PIDFILE" \
		--exec "$DAEMON" --retry "USR2/$STOP_TIMEOUT/KILL/5"
}

case "$1" in
start)
	log_daemon_msg "Starting $DESC" "$NAME"
	do_start
	case "$?" in
	0|1) log_end_msg 0 ;;
	*) log_end_msg 1 ;;
	esac
	;;
stop)
	log_daemon_msg "Stopping $DESC (draining running tasks)" "$NAME"
	do_stop
	case "$?" in
	0|1) log_end_msg 0 ;;
	*) log_end_msg 1 ;;
	esac
	;;
reload)
	# HUP reopens the log files; flags are read only at start.
	log_daemon_msg "Reopening log files of $DESC" "$NAME"
	start-stop-daemon --stop --quiet --signal HUP --pidfile "$PIDFILE" \
		--exec "$DAEMON"
	log_end_msg $?
	;;
restart|force-reload)
	log_daemon_msg "Restarting $DESC" "$NAME"
	do_stop
	case "$?" in
	0|1)
		do_start
		case "$?" in
		0) log_end_msg 0 ;;
		*) log_end_msg 1 ;;
		esac
		;;
	*) log_end_msg 1 ;;
	esac
	;;
status)
	status_of_proc -p "$PIDFILE" "$DAEMON" "$NAME" && exit 0 || exit $?
	;;
*)
	echo "Usage: /etc/init.d/$NAME {start|stop|status|reload|restart|force-reload}" >&2
	exit 3
	;;
esac

exit 0
