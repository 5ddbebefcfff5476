#!/usr/bin/env bash
# test/bench/run_bench_async.sh - the asynchronous Append figure (#16).
#
#   bash test/bench/run_bench_async.sh [--delay MS] [--pages P] [--page-size N] [--reps R]
#
# Builds and installs ukg_fdw, starts a throwaway cluster and the UKG
# simulator (test/lib.sh), and times a UNION ALL of two ukg_fdw tables on two
# servers, each delaying every response by MS ms (default 300) and holding
# P pages of N records (default 5 of 20), with enable_async_append on and
# off.  Prints the
# medians and the ratio.  Figures only: nothing here asserts a timing.

source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

ukg_setup
"$UKG_PY" "$UKG_TOP/test/bench/bench_async.py" "$@"
