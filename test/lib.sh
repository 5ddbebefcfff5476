# test/lib.sh - shared set-up for the test, demo and benchmark commands.
#
# Sourced, not run.  Provides:
#   ukg_setup [--asan]   install missing packages, build and install ukg_fdw,
#                        start a throwaway cluster and the UKG simulator
#   ukg_teardown         stop only what ukg_setup started (also on exit)
# and exports PGHOST, PGPORT, PGUSER, UKG_SIM_* for psql and pg_regress.

set -euo pipefail

UKG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UKG_PY=/usr/bin/python3
UKG_PG_VERSION=${UKG_PG_VERSION:-15}
UKG_PACKAGES="postgresql-$UKG_PG_VERSION postgresql-server-dev-$UKG_PG_VERSION
  libcurl4-openssl-dev libjson-c-dev pkg-config make gcc python3 python3-yaml openssl curl"

log() { printf '==> %s\n' "$*" >&2; }

ukg_install_packages() {
	local missing=() p
	for p in $UKG_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
			|| missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		if [ "$(id -u)" -ne 0 ]; then
			echo "missing packages: ${missing[*]} (run as root to install them)" >&2
			return 1
		fi
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

ukg_free_port() {
	"$UKG_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

UKG_PG_SYS_BIN=/usr/lib/postgresql/$UKG_PG_VERSION/bin
UKG_PG_BIN=$UKG_PG_SYS_BIN
export UKG_TMP=""
UKG_SIM_PID=""
UKG_CLUSTER_UP=""

ukg_teardown() {
	set +e
	if [ -n "$UKG_SIM_PID" ]; then
		kill "$UKG_SIM_PID" 2>/dev/null
		wait "$UKG_SIM_PID" 2>/dev/null
		UKG_SIM_PID=""
	fi
	if [ -n "$UKG_CLUSTER_UP" ]; then
		runuser -u postgres -- "$UKG_PG_BIN/pg_ctl" -D "$UKG_TMP/data" -m immediate stop >/dev/null 2>&1
		UKG_CLUSTER_UP=""
	fi
	if [ -n "$UKG_TMP" ] && [ -z "${UKG_KEEP_TMP:-}" ]; then
		rm -rf "$UKG_TMP"
	fi
	UKG_TMP=""
}

# ukg_build [ASAN=1]: build in the tree, then install into a private copy of
# the PostgreSQL installation under $UKG_TMP/pg.  PostgreSQL finds its share
# and lib directories relative to its own binary, so the copy's server loads
# this checkout's module and control file, and never one that another
# checkout or test run installed system-wide meanwhile.
ukg_build() {
	log "building ukg_fdw $*"
	make -C "$UKG_TOP" -s clean >/dev/null
	make -C "$UKG_TOP" -s "$@" 2>&1 | (grep -E 'warning|error' || true)
	local sys_bin sys_share
	sys_bin=$(cd "$UKG_PG_SYS_BIN/.." && pwd)
	sys_share=$("$UKG_PG_SYS_BIN/pg_config" --sharedir)
	mkdir -p "$UKG_TMP/pg$(dirname "$sys_bin")" "$UKG_TMP/pg$(dirname "$sys_share")"
	cp -a "$sys_bin" "$UKG_TMP/pg$(dirname "$sys_bin")/"
	cp -a "$sys_share" "$UKG_TMP/pg$(dirname "$sys_share")/"
	make -C "$UKG_TOP" -s install DESTDIR="$UKG_TMP/pg" "$@" >/dev/null
	UKG_PG_BIN=$UKG_TMP/pg$UKG_PG_SYS_BIN
	export UKG_PG_BIN
	[ "$("$UKG_PG_BIN/pg_config" --pkglibdir)" = "$UKG_TMP/pg$("$UKG_PG_SYS_BIN/pg_config" --pkglibdir)" ] \
		|| { echo "the private PostgreSQL copy is not relocatable" >&2; return 1; }
}

# ukg_start_cluster [extra environment assignments for the server]
# The cluster preloads ukg_fdw (shared memory: statistics, activity, the
# shared rate limit); UKG_PRELOAD='' starts one without it.  With --asan the
# server's environment LD_PRELOADs libasan, which the preloaded module needs.
ukg_start_cluster() {
	chown postgres: "$UKG_TMP"
	export PGPORT
	PGPORT=$(ukg_free_port)
	export PGHOST=$UKG_TMP PGUSER=postgres PGDATABASE=postgres
	log "starting PostgreSQL $UKG_PG_VERSION on port $PGPORT ($UKG_TMP)"
	runuser -u postgres -- "$UKG_PG_BIN/initdb" -D "$UKG_TMP/data" -A trust -U postgres >/dev/null
	cat >>"$UKG_TMP/data/postgresql.conf" <<CONF
port = $PGPORT
listen_addresses = ''
unix_socket_directories = '$UKG_TMP'
ukg_fdw.allowed_hosts = '127.0.0.1, localhost'
log_min_messages = ${UKG_LOG_MIN_MESSAGES:-info}
log_line_prefix = '%m [%p] '
max_connections = 40
shared_buffers = 64MB
fsync = off
shared_preload_libraries = '${UKG_PRELOAD-ukg_fdw}'
CONF
	runuser -u postgres -- env "$@" "$UKG_PG_BIN/pg_ctl" -D "$UKG_TMP/data" \
		-l "$UKG_TMP/server.log" -w start >/dev/null
	UKG_CLUSTER_UP=1
}

ukg_start_sim() {
	local ready=$UKG_TMP/sim.json
	mkdir -p "$UKG_TMP/sim"
	log "starting the UKG simulator"
	"$UKG_PY" "$UKG_TOP/test/ukg_sim.py" --workdir "$UKG_TMP/sim" --ready-file "$ready" \
		--https-port 0 --http-port 0 "$@" >"$UKG_TMP/sim.log" 2>&1 &
	UKG_SIM_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$ready" ] && break
		kill -0 "$UKG_SIM_PID" 2>/dev/null || { cat "$UKG_TMP/sim.log" >&2; return 1; }
		sleep 0.1
	done
	[ -s "$ready" ] || { echo "simulator did not start" >&2; return 1; }
	chmod -R a+rX "$UKG_TMP/sim"
	export UKG_SIM_READY_FILE=$ready
	export UKG_SIM_HTTPS_PORT UKG_SIM_HTTP_PORT UKG_SIM_CA_FILE
	UKG_SIM_HTTPS_PORT=$("$UKG_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["https_port"])' "$ready")
	UKG_SIM_HTTP_PORT=$("$UKG_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["http_port"])' "$ready")
	UKG_SIM_CA_FILE=$("$UKG_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_file"])' "$ready")
	export UKG_SIM_HTTPS=https://127.0.0.1:$UKG_SIM_HTTPS_PORT
	export UKG_SIM_HTTP=http://127.0.0.1:$UKG_SIM_HTTP_PORT
	export UKG_SIM_CONTROL=$UKG_SIM_HTTP
	# the server runs simctl (COPY ... FROM PROGRAM) as the postgres user, who
	# may not be able to enter the checkout (a clone under /root, say)
	cp "$UKG_TOP/test/simctl.py" "$UKG_TMP/simctl.py"
	chmod 755 "$UKG_TMP/simctl.py"
	export UKG_SIMCTL="$UKG_PY $UKG_TMP/simctl.py"
}

# ukg_setup [--asan]: everything.  The simulator starts first so that the
# server inherits its address: SQL tests reach its control endpoint with
# COPY FROM PROGRAM.
ukg_setup() {
	local build_args=() env=()
	[ "${1:-}" = "--asan" ] && build_args=(ASAN=1)
	trap ukg_teardown EXIT
	trap 'exit 130' INT TERM
	ukg_install_packages
	UKG_TMP=$(mktemp -d /tmp/ukg_fdw_test.XXXXXX)
	chmod 755 "$UKG_TMP"
	ukg_build "${build_args[@]}"
	ukg_start_sim
	env=(UKG_SIM_CONTROL="$UKG_SIM_CONTROL" UKG_SIMCTL="$UKG_SIMCTL")
	if [ ${#build_args[@]} -gt 0 ]; then
		# see test/asan/nonls.c for why the second library is needed
		gcc -shared -fPIC -o "$UKG_TMP/nonls.so" "$UKG_TOP/test/asan/nonls.c"
		env+=(LD_PRELOAD="$(gcc -print-file-name=libasan.so):$UKG_TMP/nonls.so"
			ASAN_OPTIONS="detect_leaks=0:log_path=$UKG_TMP/asan")
		# for tests that start a cluster of their own (scripted_ops.py)
		export UKG_ASAN_ENV="${env[*]: -2}"
	fi
	ukg_start_cluster "${env[@]}"
}
