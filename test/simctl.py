#!/usr/bin/python3
"""
simctl.py -- command-line client of the UKG simulator's control API.

    /usr/bin/python3 test/simctl.py [--url URL] [--csv] <command> [args]

URL defaults to $UKG_SIM_CONTROL (e.g. http://127.0.0.1:PORT, the plain
HTTP port).  Commands:

    reset [--tokens]                  counters, log, faults, settings, accounts
    counters [--key DOTTED.PATH]      all counters, or one value (0 if absent)
    requests-matching SUBSTR [--list] number of requests whose target contains
                                      SUBSTR; --list: their decoded queries
    fault JSON                        append a rule (or {"rules": [...]})
    settings [JSON]                   change settings / show them
    account JSON                      add or replace a Basic account
    client JSON                       add or replace an OAuth client
    revoke-tokens                     revoke every issued token
    expire-tokens                     expire every issued token
    digest PATH N FIELDS SORT [QUERY] {"count": n, "md5": "..."}
    record PATH N INDEX               one record as served
    log [K]                           the last K logged requests

Output is one line on stdout (JSON, or a bare scalar), exit status 0; errors
go to stderr with exit status 1.  For COPY ... FROM PROGRAM, --csv prints
the line as one CSV field (use WITH (FORMAT csv)), so JSON quotes and
backslashes survive.  requests-matching --list prints one line per request.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base.rstrip("/") + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        raise SystemExit("simctl: %s %s -> %d %s" % (method, path, exc.code, detail))
    except (urllib.error.URLError, OSError) as exc:
        raise SystemExit("simctl: cannot reach %s: %s" % (base, exc))


def dig(value, path):
    """Follow a dotted path; keys may themselves contain dots, so the longest
    key present at each level wins.  Returns 0 when absent."""
    if not path:
        return value
    if isinstance(value, dict):
        if path in value:
            return value[path]
        parts = path.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:cut])
            if head in value:
                return dig(value[head], ".".join(parts[cut:]))
    return 0


def parse_json_arg(text):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SystemExit("simctl: invalid JSON argument: %s" % exc)


def run(args):
    base = args.url
    if not base:
        raise SystemExit("simctl: no control URL (use --url or set UKG_SIM_CONTROL)")
    cmd = args.command
    rest = args.args

    def need(count, usage):
        if len(rest) < count:
            raise SystemExit("simctl: usage: %s" % usage)

    if cmd == "reset":
        return call(base, "POST", "/_control/reset", {"tokens": "--tokens" in rest})
    if cmd == "counters":
        counters = call(base, "GET", "/_control/counters")
        if "--key" in rest:
            i = rest.index("--key")
            need(i + 2, "counters [--key DOTTED.PATH]")
            return dig(counters, rest[i + 1])
        return counters
    if cmd == "requests-matching":
        need(1, "requests-matching SUBSTR [--list]")
        found = call(base, "GET", "/_control/requests?" + urllib.parse.urlencode(
            {"match": rest[0]}))
        if "--list" in rest[1:]:
            return Lines(found["requests"])
        return found["count"]
    if cmd == "fault":
        need(1, "fault JSON")
        return call(base, "POST", "/_control/faults", parse_json_arg(rest[0]))
    if cmd == "settings":
        if rest:
            return call(base, "POST", "/_control/settings", parse_json_arg(rest[0]))
        return call(base, "GET", "/_control/settings")
    if cmd == "account":
        need(1, "account JSON")
        return call(base, "POST", "/_control/accounts", parse_json_arg(rest[0]))
    if cmd == "client":
        need(1, "client JSON")
        return call(base, "POST", "/_control/clients", parse_json_arg(rest[0]))
    if cmd == "revoke-tokens":
        return call(base, "POST", "/_control/tokens", {"revoke_all": True})
    if cmd == "expire-tokens":
        return call(base, "POST", "/_control/tokens", {"expire_all": True})
    if cmd == "digest":
        need(4, "digest PATH N FIELDS SORT [QUERY]")
        query = {"path": rest[0], "n": rest[1], "fields": rest[2], "sort": rest[3]}
        if len(rest) > 4:
            query["query"] = rest[4]
        return call(base, "GET", "/_control/digest?" + urllib.parse.urlencode(query))
    if cmd == "record":
        need(3, "record PATH N INDEX")
        return call(base, "GET", "/_control/record?" + urllib.parse.urlencode(
            {"path": rest[0], "n": rest[1], "index": rest[2]}))
    if cmd == "log":
        last = rest[0] if rest else "20"
        return call(base, "GET", "/_control/log?last=%s" % urllib.parse.quote(last))
    raise SystemExit("simctl: unknown command %r (see --help)" % cmd)


class Lines(list):
    """A result printed one item per line."""


def render(value, csv):
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if csv:
        return '"' + text.replace('"', '""') + '"'
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Control the UKG simulator.", epilog=__doc__.split("Commands:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("UKG_SIM_CONTROL"),
                        help="control base URL (default $UKG_SIM_CONTROL)")
    parser.add_argument("--csv", action="store_true", help="print one CSV-quoted field")
    parser.add_argument("command")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if "--csv" in args.args:                  # also accepted after the command
        args.args.remove("--csv")
        args.csv = True
    result = run(args)
    if isinstance(result, Lines):
        for item in result:
            print(render(item, args.csv))
    else:
        print(render(result, args.csv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
