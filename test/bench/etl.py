#!/usr/bin/python3
"""
etl.py -- "the common alternative" of the ukg_fdw benchmark: the Python ETL
script a UKG integrator typically writes to load person-details into
PostgreSQL.

    /usr/bin/python3 test/bench/etl.py --base-url URL --table SCHEMA.TABLE
        [--page-size 10000] [--user svc_user] [--password svc_pass]
        [--customer-api-key CUST1] [--dsn ""]

It pages through GET <base-url>/personnel/v1/person-details?page=N&per_Page=S
with urllib (Basic auth, US-Customer-Api-Key, Accept: application/json; no
compression asked for), parses each page with json.loads, turns each record
into one line of COPY text format (all 94 person-details fields, in the
order of FIELDS; None -> \\N, booleans -> t/f, strings escaped), and streams
each page into the table with psycopg2's copy_expert from an in-memory
buffer.  It stops after a short page and commits once at the end.  The
table must already exist with the columns named in FIELDS (the benchmark
creates it LIKE the foreign table, so the types are those of ukg_fdw).

Connection parameters for PostgreSQL come from --dsn and the usual PG*
environment variables.  Prints one line of key=value pairs:
    rows=N requests=N bytes=N seconds=S rows_per_s=R maxrss_kb=K
    backend_pid=P backend_vmhwm_kb=K
where maxrss_kb is this script's own peak RSS and backend_vmhwm_kb the peak
RSS of its PostgreSQL backend (read from /proc just before disconnecting,
when the server runs on this machine; -1 otherwise).
"""

import argparse
import base64
import io
import json
import re
import resource
import sys
import time
import urllib.request

import psycopg2

# (JSON key, column) for every person-details field, in the API's order.
FIELDS = [
    ("additionalName1", "additional_name1"),
    ("additionalName2", "additional_name2"),
    ("addressId", "address_id"),
    ("addressIsOnTaxBoundary", "address_is_on_tax_boundary"),
    ("addressLatitude", "address_latitude"),
    ("cobraExport", "cobra_export"),
    ("cobraIsActive", "cobra_is_active"),
    ("cobraReason", "cobra_reason"),
    ("cobraStatus", "cobra_status"),
    ("cobraStatusDate", "cobra_status_date"),
    ("communityBroadcastSmsCode", "community_broadcast_sms_code"),
    ("consentElectronicW2", "consent_electronic_w2"),
    ("consentElectronicw2pr", "consent_electronicw2pr"),
    ("dateDeceased", "date_deceased"),
    ("dateOfCobraEvent", "date_of_cobra_event"),
    ("dateOfCobraExport", "date_of_cobra_export"),
    ("dateOfCobraLetter", "date_of_cobra_letter"),
    ("dateOfI9Expiration", "date_of_i9_expiration"),
    ("datetimeChanged", "datetime_changed"),
    ("datetimeCreated", "datetime_created"),
    ("disabilityType", "disability_type"),
    ("ethnicDescription", "ethnic_description"),
    ("formerName", "former_name"),
    ("healthBloodType", "health_blood_type"),
    ("healthEyes", "health_eyes"),
    ("healthHair", "health_hair"),
    ("healthHeightFeet", "health_height_feet"),
    ("healthHeightInches", "health_height_inches"),
    ("healthLastDonateDate", "health_last_donate_date"),
    ("healthWeight", "health_weight"),
    ("i9AlienNumber", "i9_alien_number"),
    ("i9DocA", "i9_doc_a"),
    ("i9DocB", "i9_doc_b"),
    ("i9DocC", "i9_doc_c"),
    ("i9Verified", "i9_verified"),
    ("i9VisaType", "i9_visa_type"),
    ("i9WorkAuth", "i9_work_auth"),
    ("isDisabled", "is_disabled"),
    ("isMultiPayGroup", "is_multi_pay_group"),
    ("isSmoker", "is_smoker"),
    ("militaryService", "military_service"),
    ("militaryBranchServed", "military_branch_served"),
    ("militaryEra", "military_era"),
    ("militaryIsDisabledVet", "military_is_disabled_vet"),
    ("militaryIsOthEligVet", "military_is_oth_elig_vet"),
    ("militaryIsOthEligVetBasis", "military_is_oth_elig_vet_basis"),
    ("militaryIsActiveWartimeVet", "military_is_active_wartime_vet"),
    ("nameFormer", "name_former"),
    ("previousSSN", "previous_ssn"),
    ("originCountry", "origin_country"),
    ("originLocation", "origin_location"),
    ("w2IsDeceased", "w2_is_deceased"),
    ("cobraNotes", "cobra_notes"),
    ("addressSms", "address_sms"),
    ("militarySeparationDate", "military_separation_date"),
    ("homePhoneIsPrivate", "home_phone_is_private"),
    ("smsApprovals", "sms_approvals"),
    ("smsPayNotification", "sms_pay_notification"),
    ("i9VisaExpirationDate", "i9_visa_expiration_date"),
    ("militaryIsMedalVet", "military_is_medal_vet"),
    ("lastNameNotSameAsSSCard", "last_name_not_same_as_ss_card"),
    ("chkCashingInstCode", "chk_cashing_inst_code"),
    ("nationality1", "nationality1"),
    ("nationality2", "nationality2"),
    ("nationality3", "nationality3"),
    ("personId", "person_id"),
    ("employeeId", "employee_id"),
    ("companyId", "company_id"),
    ("userName", "user_name"),
    ("firstName", "first_name"),
    ("middleName", "middle_name"),
    ("lastName", "last_name"),
    ("preferredName", "preferred_name"),
    ("namePrefixCode", "name_prefix_code"),
    ("nameSufixCode", "name_sufix_code"),
    ("emailAddress", "email_address"),
    ("emailAddressAlternate", "email_address_alternate"),
    ("homePhone", "home_phone"),
    ("homePhoneCountry", "home_phone_country"),
    ("addressLine1", "address_line1"),
    ("addressLine2", "address_line2"),
    ("addressCity", "address_city"),
    ("addressState", "address_state"),
    ("addressZipCode", "address_zip_code"),
    ("addressCountry", "address_country"),
    ("addressCounty", "address_county"),
    ("nationalId", "national_id"),
    ("nationalIdCountry", "national_id_country"),
    ("dateOfBirth", "date_of_birth"),
    ("gender", "gender"),
    ("ethnicIDCode", "ethnic_id_code"),
    ("maritalStatusCode", "marital_status_code"),
    ("ssn", "ssn"),
    ("ssnIsSuppressed", "ssn_is_suppressed"),
]

# characters that COPY's text format needs escaped
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_line(record, keys):
    """One record as a line of COPY text format."""
    out = []
    append = out.append
    for key in keys:
        value = record.get(key)
        if value is None:
            append("\\N")
        elif value is True:
            append("t")
        elif value is False:
            append("f")
        elif isinstance(value, str):
            append(value.translate(_ESCAPES) if _NEEDS_ESCAPE(value) else value)
        else:
            append(str(value))
    return "\t".join(out)


def backend_vmhwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--path", default="personnel/v1/person-details")
    parser.add_argument("--table", required=True)
    parser.add_argument("--page-size", type=int, default=10000)
    parser.add_argument("--user", default="svc_user")
    parser.add_argument("--password", default="svc_pass")
    parser.add_argument("--customer-api-key", default="CUST1")
    parser.add_argument("--dsn", default="")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    keys = [key for key, _ in FIELDS]
    columns = ", ".join(column for _, column in FIELDS)
    copy_sql = "COPY %s (%s) FROM STDIN" % (args.table, columns)
    credentials = base64.b64encode(("%s:%s" % (args.user, args.password)).encode()).decode()
    headers = {
        "Authorization": "Basic " + credentials,
        "US-Customer-Api-Key": args.customer_api_key,
        "Accept": "application/json",
    }
    url = "%s/%s" % (args.base_url.rstrip("/"), args.path.lstrip("/"))

    conn = psycopg2.connect(args.dsn)
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    backend_pid = cur.fetchone()[0]

    rows = requests = nbytes = 0
    started = time.monotonic()
    page = 1
    while True:
        request = urllib.request.Request(
            "%s?page=%d&per_Page=%d" % (url, page, args.page_size), headers=headers)
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            body = response.read()
        requests += 1
        nbytes += len(body)
        records = json.loads(body)
        del body
        if records:
            buf = io.StringIO()
            buf.write("\n".join([copy_line(r, keys) for r in records]))
            buf.write("\n")
            buf.seek(0)
            cur.copy_expert(copy_sql, buf)
            del buf
        rows += len(records)
        if len(records) < args.page_size:
            break
        del records
        page += 1
    conn.commit()
    seconds = time.monotonic() - started

    hwm = backend_vmhwm_kb(backend_pid)
    cur.close()
    conn.close()
    print("rows=%d requests=%d bytes=%d seconds=%.6f rows_per_s=%.0f maxrss_kb=%d "
          "backend_pid=%d backend_vmhwm_kb=%d"
          % (rows, requests, nbytes, seconds, rows / seconds if seconds else 0,
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, backend_pid, hwm))
    return 0


if __name__ == "__main__":
    sys.exit(main())
