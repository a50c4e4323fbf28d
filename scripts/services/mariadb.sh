#!/usr/bin/env bash
# Private MariaDB instance for JDBC connector tests.
#
#   scripts/services/mariadb.sh up       install (Debian) if needed, init datadir, start, wait
#   scripts/services/mariadb.sh down     stop it and delete its datadir
#   scripts/services/mariadb.sh status   exit 0 if running and answering, 1 otherwise
#   scripts/services/mariadb.sh client [ARGS...]
#                                        mariadb client as user sluice on database sluice
#
# The server has its own datadir, socket and pid file under
# ${SLUICE_CACHE:-$HOME/.cache/sluice}/mariadb/run, listens on 127.0.0.1:3306
# only, and has database `sluice` with user sluice/sluice (all privileges on it).
#
# Environment: MARIADB_PORT (3306), MARIADB_READY_TIMEOUT (60 s).
set -euo pipefail

MARIADB_PORT=${MARIADB_PORT:-3306}
MARIADB_READY_TIMEOUT=${MARIADB_READY_TIMEOUT:-60}
HOST=127.0.0.1
DB=sluice
DB_USER=sluice
DB_PASS=sluice

CACHE=${SLUICE_CACHE:-$HOME/.cache/sluice}
RUN=$CACHE/mariadb/run
DATA=$RUN/data
SOCK=$RUN/mysqld.sock
PIDFILE=$RUN/mariadbd.pid
ERRLOG=$RUN/mariadbd.err

log() { echo "mariadb: $*" >&2; }
die() { echo "mariadb: error: $*" >&2; exit 1; }

first_cmd() {
	local c
	for c in "$@"; do
		if command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
		[[ -x /usr/sbin/$c ]] && { echo "/usr/sbin/$c"; return 0; }
	done
	return 1
}

find_bins() {
	SERVER=$(first_cmd mariadbd mysqld) || return 1
	INSTALL_DB=$(first_cmd mariadb-install-db mysql_install_db) || return 1
	CLIENT=$(first_cmd mariadb mysql) || return 1
	ADMIN=$(first_cmd mariadb-admin mysqladmin) || return 1
}

ensure_installed() {
	find_bins && return 0
	command -v apt-get >/dev/null 2>&1 ||
		die "MariaDB is not installed and apt-get is unavailable; install mariadb-server and mariadb-client"
	[[ $(id -u) -eq 0 ]] ||
		die "MariaDB is not installed; run as root or: sudo apt-get install -y mariadb-server mariadb-client"
	log "installing mariadb-server from Debian's packages..."
	apt-get update -qq
	# policy-rc.d may or may not stop the packaged service from starting; we
	# never use it (our instance has its own datadir and socket).
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >/dev/null
	find_bins || die "MariaDB binaries still missing after apt-get install"
	# Where the package's own service did start, stop it: it would hold port 3306.
	if port_open "$MARIADB_PORT"; then
		log "stopping the packaged mariadb service (it holds port $MARIADB_PORT)"
		service mariadb stop >/dev/null 2>&1 || true
	fi
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

pid_alive() {
	[[ -f $PIDFILE ]] || return 1
	local pid
	pid=$(<"$PIDFILE")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

root_sql() { "$CLIENT" --no-defaults -uroot --socket="$SOCK"; }

ready() {
	[[ -S $SOCK ]] && "$ADMIN" --no-defaults -uroot --socket="$SOCK" --connect-timeout=2 ping >/dev/null 2>&1
}

cmd_up() {
	ensure_installed
	if pid_alive; then
		if ready; then
			log "already running (pid $(<"$PIDFILE")) on $HOST:$MARIADB_PORT"
			return 0
		fi
		die "pid $(<"$PIDFILE") is alive but the server does not answer; run '$0 down' first"
	fi
	port_open "$MARIADB_PORT" && die "port $MARIADB_PORT on $HOST is in use by another process"
	rm -rf "$RUN"
	mkdir -p "$DATA"
	log "initialising datadir $DATA"
	"$INSTALL_DB" --no-defaults --user=root --datadir="$DATA" \
		--skip-test-db >"$RUN/install-db.log" 2>&1 ||
		{ tail -30 "$RUN/install-db.log" >&2; die "mariadb-install-db failed"; }
	log "starting server on $HOST:$MARIADB_PORT (socket $SOCK)"
	nohup setsid "$SERVER" --no-defaults --user=root \
		--datadir="$DATA" --socket="$SOCK" --pid-file="$RUN/server.pid" \
		--port="$MARIADB_PORT" --bind-address="$HOST" --skip-name-resolve \
		--log-error="$ERRLOG" --innodb-buffer-pool-size=128M \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		>"$RUN/mariadbd.out" 2>&1 </dev/null &
	echo $! >"$PIDFILE"
	local deadline=$((SECONDS + MARIADB_READY_TIMEOUT))
	until ready; do
		if ! pid_alive; then
			tail -30 "$ERRLOG" >&2 2>/dev/null || true
			die "server exited during startup (log: $ERRLOG)"
		fi
		((SECONDS < deadline)) || { tail -30 "$ERRLOG" >&2 2>/dev/null || true; die "not ready after ${MARIADB_READY_TIMEOUT}s"; }
		sleep 0.5
	done
	root_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB\`;
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$DB_USER'@'%';
GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$DB_USER'@'localhost';
-- Tests make a database of their own (sluice_<random>) so that what one
-- test does to connections cannot reach another's.
GRANT ALL PRIVILEGES ON \`${DB}\\_%\`.* TO '$DB_USER'@'%';
GRANT ALL PRIVILEGES ON \`${DB}\\_%\`.* TO '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
	log "ready (pid $(<"$PIDFILE"), jdbc:mariadb://$HOST:$MARIADB_PORT/$DB user $DB_USER)"
}

cmd_down() {
	if pid_alive; then
		local pid i
		pid=$(<"$PIDFILE")
		log "stopping server (pid $pid)"
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 60; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "server did not stop in 30s; killing it"
			kill -9 "$pid" 2>/dev/null || true
			sleep 0.5
		fi
	else
		log "not running"
	fi
	rm -rf "$RUN"
}

cmd_status() {
	if pid_alive && find_bins && ready; then
		echo "mariadb: running (pid $(<"$PIDFILE"), $HOST:$MARIADB_PORT, socket $SOCK)"
		return 0
	elif pid_alive; then
		echo "mariadb: process $(<"$PIDFILE") alive but not answering"
		return 1
	fi
	echo "mariadb: not running"
	return 1
}

cmd_client() {
	find_bins || die "MariaDB client not installed; run '$0 up' first"
	"$CLIENT" --no-defaults -h "$HOST" -P "$MARIADB_PORT" --protocol=TCP \
		-u"$DB_USER" -p"$DB_PASS" "$DB" "$@"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
client) shift; cmd_client "$@" ;;
*)
	echo "usage: $0 up|down|status|client [ARGS...]" >&2
	exit 2
	;;
esac
