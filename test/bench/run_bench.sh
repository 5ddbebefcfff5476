#!/usr/bin/env bash
# test/bench/run_bench.sh - the ukg_fdw benchmark.
#
#   bash test/bench/run_bench.sh [--quick] [--records N] [--big N] [--reps R]
#
# Installs missing Debian packages, builds and installs ukg_fdw and the
# floor program, starts a throwaway cluster and the UKG simulator (test/lib.sh),
# then measures side by side, against the simulator's /fast person-details:
#   * at 0 ms per request, N records (default 100,000), page_size 10000:
#     the floor (test/bench/floor.c), FDW SELECT count(*), FDW
#     INSERT INTO <unlogged local table> SELECT *, and the Python ETL script
#     (test/bench/etl.py), with the ratios between them;
#   * count(*) with prefetch 1, 2, 4, 8 at 0 ms and 100 ms per request,
#     page_size 1000 (N/1000 pages);
#   * peak backend RSS for N and 4N records (2N with --quick), count(*) and INSERT;
#   * connections opened by two full scans in one session.
# Prints the tables, writes them as TSV/CSV plus a chart (bench.png) under
# test/bench/out/, and on a full run (no --quick and default sizes) copies
# the chart to doc/bench.png.  --quick: 20,000 records, prefetch 1 and 4,
# one run each - a smoke check of well under a minute.
# Figures only: nothing here asserts a timing.

source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

BENCH_DIR=$UKG_TOP/test/bench
OUT=$BENCH_DIR/out
bench_args=()
full=1
while [ $# -gt 0 ]; do
	case "$1" in
		--quick) bench_args+=(--quick); full="" ;;
		--records|--big|--reps)
			[ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
			bench_args+=("$1" "$2"); full=""; shift ;;
		-h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

# UKG_BENCH_MODULE=/path/to/ukg_fdw.so benchmarks that build instead of the
# one ukg_setup installs (the chart is then not copied to doc/)
[ -n "${UKG_BENCH_MODULE:-}" ] && full=""

ukg_install_packages python3-psycopg2 gnuplot-nox
# the benchmark loads its pinned copy of the module by path (below), so the
# cluster must not preload the installed one (its settings would clash)
export UKG_PRELOAD=
ukg_setup
mkdir -p "$OUT"
rm -f "$OUT"/*.tsv "$OUT"/runs.csv "$OUT"/report.txt "$OUT"/meta.gp "$OUT"/server.log

# The benchmark loads the module by path: ukg_setup installed this
# checkout's plain (not AddressSanitizer) build into the run's private copy
# of PostgreSQL, where no other checkout or test run can replace it.
export UKG_BENCH_MODULE=${UKG_BENCH_MODULE:-$("$UKG_PG_BIN/pg_config" --pkglibdir)/ukg_fdw.so}

UKG_BENCH_REV=$(git -C "$UKG_TOP" describe --always --dirty 2>/dev/null || echo unknown)
export UKG_BENCH_REV

log "building the floor program"
make -C "$BENCH_DIR" -s OUT="$OUT" "$OUT/floor" >/dev/null

log "measuring (progress on stderr, tables on stdout)"
started=$(date +%s.%N)
rc=0
"$UKG_PY" "$BENCH_DIR/bench.py" --floor "$OUT/floor" --out "$OUT" "${bench_args[@]}" || rc=$?

cp "$UKG_TMP/server.log" "$OUT/server.log"
if grep -q "terminated by signal\|PANIC" "$UKG_TMP/server.log"; then
	echo "warning: the PostgreSQL server log shows a crash (see $OUT/server.log):" >&2
	grep -B2 -A2 "terminated by signal\|PANIC" "$UKG_TMP/server.log" >&2 || true
	full=""
fi
[ "$rc" -eq 0 ] || { echo "bench.py failed (exit $rc)" >&2; exit "$rc"; }

subtitle="($(nproc) cores, $(date -u +%Y-%m-%d))"
gnuplot -e "dir='$OUT'; out='$OUT/bench.png'; subtitle='$subtitle'" "$BENCH_DIR/bench.gp"
echo "figures: $OUT/{report.txt,summary.tsv,prefetch.tsv,rss.tsv,connections.tsv,runs.csv}"
echo "chart:   $OUT/bench.png"
if [ -n "$full" ]; then
	cp "$OUT/bench.png" "$UKG_TOP/doc/bench.png"
	echo "chart copied to doc/bench.png"
fi
awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "measured in %.0f s\n", b - a }'
