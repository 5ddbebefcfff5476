#!/usr/bin/env bash
# test/demo.sh - the main job, end to end, against the bundled UKG simulator.
#
#   bash test/demo.sh
#
# Sets everything up as the test command does (packages, build, a throwaway
# cluster, the simulator), then runs test/demo.sql as the superuser: a DBA
# creates the server, an ETL role and an analyst role with UKG accounts of
# their own; the ETL role imports and describes the tables; the analyst
# queries them; the ETL role loads person_details incrementally from a
# watermark, and a second run after edits in the simulator downloads only
# the changes.  Stops what it started on exit.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ukg_setup
psql -X -q -d postgres -c "CREATE DATABASE ukg_demo"
psql -X -d ukg_demo -v ON_ERROR_STOP=1 -v sim_https="$UKG_SIM_HTTPS/n/25000" \
	-v ca_file="$UKG_SIM_CA_FILE" -f "$UKG_TOP/test/demo.sql"
echo "demo finished"
