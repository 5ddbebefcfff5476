#!/usr/bin/env bash
# test/package_test.sh - the Debian package, built, inspected and installed.
#
# Run by test/run_tests.sh (part "package"), which has installed debhelper
# and postgresql-server-dev-all and exports UKG_TMP and the simulator's
# addresses.  Steps:
#   1. copy the tree (what git tracks plus untracked files it does not
#      ignore) to $UKG_TMP/pkg and run dpkg-buildpackage -us -uc -b there,
#      so the checkout gets no build artefacts;
#   2. inspect the .deb: name, version, dependencies, the module with its
#      entry points, the control file and every SQL script of the tree;
#   3. dpkg -i it into the SYSTEM PostgreSQL 15, start a throwaway cluster
#      of that PostgreSQL, CREATE EXTENSION ukg_fdw, read a table from the
#      simulator with the packaged module and run the README's quick start
#      in a database of its own; then purge the package.
# Step 3 holds a lock file, so two runs never install or purge at once.
# The last line is "N passed, M failed".

set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pgver=15
pkg=postgresql-$pgver-ukg-fdw
sysbin=/usr/lib/postgresql/$pgver/bin
work=$UKG_TMP/pkg
passed=0
failed=0
cluster_up=""
installed=""

ok() { echo "ok     $1"; passed=$((passed + 1)); }
fail() { echo "FAILED $1"; [ -n "${2:-}" ] && echo "       $2"; failed=$((failed + 1)); }
expect() { if eval "$2"; then ok "$1"; else fail "$1" "${3:-}"; fi; }

# dpkg refuses to run while apt (another test run installing packages)
# holds its lock: retry for a while
dpkg_retry() {
	local i
	for i in $(seq 1 60); do
		if dpkg "$@" >"$work/dpkg.out" 2>&1; then
			return 0
		fi
		grep -q 'lock' "$work/dpkg.out" || { cat "$work/dpkg.out"; return 1; }
		sleep 5
	done
	cat "$work/dpkg.out"
	return 1
}

cleanup() {
	if [ -n "$cluster_up" ]; then
		runuser -u postgres -- "$sysbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1
		cluster_up=""
	fi
	if [ -n "$installed" ]; then
		dpkg_retry --purge "$pkg" >/dev/null 2>&1
		installed=""
	fi
}
trap cleanup EXIT

version=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$top/ukg_fdw.control")
mkdir -p "$work/src"

# 1. build from a copy of the tree
in_git=""
status_before=""
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	in_git=1
	status_before=$(git -C "$top" status --porcelain --ignored)
	(cd "$top" && git ls-files -co --exclude-standard -z) |
		(cd "$top" && tar -cf - --ignore-failed-read --null -T - 2>/dev/null) | tar -xf - -C "$work/src"
else
	cp -a "$top/." "$work/src/"
	make -C "$work/src" -s clean >/dev/null 2>&1
fi
(cd "$work/src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
rc=$?
deb=$work/${pkg}_${version}-1_$(dpkg --print-architecture).deb
expect "dpkg-buildpackage -us -uc -b builds $pkg $version" "[ $rc -eq 0 ] && [ -f '$deb' ]" \
	"exit status $rc; $(tail -n 5 "$work/build.log" | tr '\n' ' ')"
if [ -n "$in_git" ]; then
	expect "the build leaves the checkout as it was" \
		"[ \"\$(git -C '$top' status --porcelain --ignored)\" = \"\$status_before\" ]"
fi
changelog_version=$(cd "$top" && dpkg-parsechangelog -S Version)
expect "debian/changelog's version ($changelog_version) is the control file's ($version)" \
	"[ '${changelog_version%-*}' = '$version' ]"
expect "debian/control is what debian/control.in gives for PostgreSQL $pgver" \
	"[ \"\$(sed 's/PGVERSION/$pgver/g' '$top/debian/control.in')\" = \"\$(cat '$top/debian/control')\" ]"

if [ ! -f "$deb" ]; then
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi

# 2. inspect it
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
lib=$("$sysbin/pg_config" --pkglibdir)
share=$("$sysbin/pg_config" --sharedir)
expect "package name" "[ \"\$(dpkg-deb -f '$deb' Package)\" = '$pkg' ]"
expect "package version" "[ \"\$(dpkg-deb -f '$deb' Version)\" = '$version-1' ]"
depends=$(dpkg-deb -f "$deb" Depends)
expect "depends on postgresql-$pgver, libcurl and json-c" \
	"[[ '$depends' == *postgresql-$pgver* && '$depends' == *libcurl4* && '$depends' == *libjson-c* ]]" \
	"Depends: $depends"
expect "contains the module" "grep -qx '$lib/ukg_fdw.so' <<<\"\$contents\""
expect "contains the control file" "grep -qx '$share/extension/ukg_fdw.control' <<<\"\$contents\""
sql_tree=$(cd "$top" && ls ukg_fdw--*.sql | sort)
sql_deb=$(grep "^$share/extension/ukg_fdw--.*\.sql$" <<<"$contents" | xargs -n1 basename | sort)
expect "contains every SQL script of the tree, and no other" "[ '$sql_tree' = '$sql_deb' ]" \
	"tree: $(echo $sql_tree); package: $(echo $sql_deb)"
dpkg-deb -x "$deb" "$work/extract"
expect "the packaged control file is the tree's" "cmp -s '$top/ukg_fdw.control' '$work/extract$share/extension/ukg_fdw.control'"
syms=$(nm -D --defined-only "$work/extract$lib/ukg_fdw.so" 2>/dev/null | awk '{print $3}')
expect "the module exports its entry points" \
	"grep -qx Pg_magic_func <<<\"\$syms\" && grep -qx ukg_fdw_handler <<<\"\$syms\" && grep -qx ukg_fdw_comment <<<\"\$syms\""

# 3. install it into the system PostgreSQL and use it there
exec 9>/var/lock/ukg_fdw_package_test.lock
flock -w 900 9 || { fail "could not take /var/lock/ukg_fdw_package_test.lock"; echo "$passed passed, $failed failed"; exit 1; }
if dpkg_retry -i "$deb"; then
	installed=1
	ok "dpkg -i installs $pkg"
else
	fail "dpkg -i installs $pkg" "$(tail -n 5 "$work/dpkg.out" | tr '\n' ' ')"
fi
expect "dpkg reports $pkg $version-1 installed" \
	"[ \"\$(dpkg-query -W -f='\${Status} \${Version}' $pkg 2>/dev/null)\" = 'install ok installed $version-1' ]"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chown postgres: "$work"
runuser -u postgres -- "$sysbin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
cat >>"$work/data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$work'
ukg_fdw.allowed_hosts = '127.0.0.1'
fsync = off
CONF
if runuser -u postgres -- "$sysbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w start >/dev/null; then
	cluster_up=1
fi
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres -d postgres "$@"; }
out=$(q -c "CREATE EXTENSION ukg_fdw" -c "SELECT extversion FROM pg_extension WHERE extname = 'ukg_fdw'" \
	-c "SELECT extension FROM ukg_fdw_version()" 2>&1)
expect "CREATE EXTENSION ukg_fdw in a cluster of the system PostgreSQL $pgver" \
	"[ \"\$(sed -n 1p <<<\"\$out\")\" = '$version' ] && [ \"\$(sed -n 2p <<<\"\$out\")\" = '$version' ]" "$out"
out=$(q -c "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'" \
	-c "SELECT count(*) FROM pg_ls_dir('$lib') f WHERE f = 'ukg_fdw.so'" 2>&1)
expect "the server is the system one and loads the packaged module" \
	"[ \"\$(echo \$out)\" = '$lib 1' ]" "$out"
out=$(q <<SQL 2>&1
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '$UKG_SIM_HTTPS', ca_file '$UKG_SIM_CA_FILE');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
IMPORT FOREIGN SCHEMA configuration LIMIT TO (jobs) FROM SERVER ukg INTO public;
SELECT count(*) > 0 FROM jobs;
SELECT ukg_fdw_comment('public') > 0;
SQL
)
expect "the packaged module reads the simulator" "[ \"\$(echo \$out)\" = 't t' ]" "$out"
# the README's quick start, pasted into psql as a superuser on this fresh
# cluster (with the simulator's URL, CA and accounts)
qs=$(cd "$top/test" && /usr/bin/python3 -c 'import scripted_newcomer as q; print(q.quickstart_sql())' 2>&1)
out=$(q -c "CREATE DATABASE quickstart" 2>&1 &&
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres -d quickstart <<<"$qs" 2>&1)
expect "the README's quick start runs on the fresh cluster and counts employees" \
	"grep -qE '^C[0-9]{4}\|[A-Z]\|[1-9][0-9]*\$' <<<\"\$out\" && ! grep -q ERROR <<<\"\$out\"" "$out"

cleanup
expect "dpkg --purge removes it again" \
	"! dpkg-query -W -f='\${Status}' $pkg 2>/dev/null | grep -q 'install ok installed' && [ ! -e '$lib/ukg_fdw.so' ]"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
