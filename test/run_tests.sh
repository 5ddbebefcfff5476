#!/usr/bin/env bash
# test/run_tests.sh - the whole test suite on a fresh machine.
#
#   bash test/run_tests.sh [--asan]
#
# Installs missing Debian packages, builds and installs ukg_fdw, starts a
# throwaway PostgreSQL cluster (as the postgres OS user, on a free port) and
# the UKG simulator, then runs the simulator's contract tests, pg_regress and
# the scripted multi-session tests.  The last line is "N passed, N failed";
# the exit status is non-zero if anything failed.  The conformance part
# installs a pinned Stoplight Prism with npm (cached in test/conform/
# node_modules) and checks every request ukg_fdw sends against UKG's spec.  Only the processes this
# script started are stopped, also when it is interrupted.
#
# --asan builds the module with AddressSanitizer, preloads libasan into the
# cluster and fails if any sanitizer report appears.
#
# While developing, parts can be chosen from the environment (the default
# is everything):
#   UKG_PARTS="sim catalog regress scripted conform package"   which parts run
#   UKG_REGRESS="setup types"                  these pg_regress files only
#   UKG_SCRIPTED="test_a test_b"               these scripted tests only

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

asan=""
[ "${1:-}" = "--asan" ] && asan=--asan
# the whole suite logs at debug5, so the last scripted test can check that
# no secret of any user mapping reached the server log
export UKG_LOG_MIN_MESSAGES=debug5

parts=" ${UKG_PARTS:-sim catalog regress scripted conform package} "
want() { [[ "$parts" == *" $1 "* ]]; }
# the package part builds a Debian package with pg_buildext
want package && ukg_install_packages debhelper postgresql-server-dev-all dpkg-dev fakeroot

ukg_setup $asan

passed=0
failed=0
count() {
	# add the "N passed, M failed" of a test program's output
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 || true)
	if [ -z "$line" ]; then
		echo "no result line in $1" >&2
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
	failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}


if want sim; then
log "simulator contract tests"
"$UKG_PY" "$UKG_TOP/test/test_simulator.py" >"$UKG_TMP/simtests.out" 2>&1 || true
tail -n 3 "$UKG_TMP/simtests.out"
count "$UKG_TMP/simtests.out"
fi

if want catalog; then
log "generated catalog"
# the committed src/catalog_data.c is what tools/gen_catalog.py makes from
# the UKG spec beside the repository, and has the count the tests expect
if "$UKG_PY" "$UKG_TOP/tools/gen_catalog.py" --check >"$UKG_TMP/catalog.out" 2>&1 &&
	grep -q '^catalog: 84 resources (personnel 38, configuration 40, payroll 6)' "$UKG_TMP/catalog.out"; then
	head -n 1 "$UKG_TMP/catalog.out"
	passed=$((passed + 1))
else
	echo "catalog check failed:" >&2
	head -n 5 "$UKG_TMP/catalog.out" >&2
	failed=$((failed + 1))
fi
fi

if want regress; then
log "pg_regress"
rm -rf "$UKG_TOP/results" "$UKG_TOP/regression.diffs" "$UKG_TOP/regression.out"
regress_args=()
[ -n "${UKG_REGRESS:-}" ] && regress_args=(REGRESS="$UKG_REGRESS")
make -C "$UKG_TOP" -s installcheck "${regress_args[@]}" >"$UKG_TMP/regress.out" 2>&1 || true
cat "$UKG_TMP/regress.out"
p=$(grep -cE '\.\.\. ok|^ok [0-9]+' "$UKG_TMP/regress.out" || true)
f=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+|\.\.\. failed' "$UKG_TMP/regress.out" || true)
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi
passed=$((passed + p))
failed=$((failed + f))
if [ -s "$UKG_TOP/regression.diffs" ]; then
	head -n 200 "$UKG_TOP/regression.diffs"
fi
fi

if want scripted; then
log "scripted tests"
"$UKG_PY" "$UKG_TOP/test/scripted_tests.py" >"$UKG_TMP/scripted.out" 2>&1 || true
cat "$UKG_TMP/scripted.out"
count "$UKG_TMP/scripted.out"
fi

if want conform; then
log "spec conformance (Prism)"
# Node.js and npm: Debian's, unless the machine has them already
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	ukg_install_packages nodejs npm || true
fi
"$UKG_PY" "$UKG_TOP/test/conform/conform.py" >"$UKG_TMP/conform.out" 2>&1 || true
grep -v '^ok ' "$UKG_TMP/conform.out" || true
count "$UKG_TMP/conform.out"
fi

if want package; then
log "Debian package"
# builds in a copy of the tree under $UKG_TMP, installs the package into the
# system PostgreSQL for a throwaway cluster of its own, then purges it
bash "$UKG_TOP/test/package_test.sh" >"$UKG_TMP/package.out" 2>&1 || true
cat "$UKG_TMP/package.out"
count "$UKG_TMP/package.out"
fi

if grep -q "terminated by signal" "$UKG_TMP/server.log"; then
	echo "the server log shows a crashed backend:" >&2
	grep -B2 -A2 "terminated by signal" "$UKG_TMP/server.log" >&2
	failed=$((failed + 1))
fi
if [ -n "$asan" ]; then
	if ls "$UKG_TMP"/asan* >/dev/null 2>&1; then
		echo "AddressSanitizer reports:" >&2
		cat "$UKG_TMP"/asan* >&2
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
		echo "AddressSanitizer: no reports"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
