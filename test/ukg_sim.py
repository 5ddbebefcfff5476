#!/usr/bin/python3
"""
ukg_sim.py -- a UKG Pro REST API simulator for the ukg_fdw tests.

    /usr/bin/python3 test/ukg_sim.py --workdir DIR [--https-port 0]
        [--http-port 0] [--seed 42] [--size 1000] [--ready-file FILE]
        [--verbose]

Serves the documented contract (shared/ukg-api/FACTS.md) on 127.0.0.1, over
HTTPS (a throwaway CA made with the openssl CLI in --workdir: ca.crt,
server.crt, server.key) and plain HTTP.  --ready-file receives
{"https_port", "http_port", "ca_file", "pid"} once both ports listen.

  * Basic auth + US-Customer-Api-Key (+ optional US-User-Api-Key), or, under
    /platform, a bearer token from POST /oauth/token (form: grant_type,
    client_id, client_secret, audience [, organization]) plus the
    global-tenant-id header; 401 / 403 as documented;
  * page / per_Page (per_page on employee-changes and pto-plans, exact
    spelling), default and maximum 10,000 (a silent cap of 200 on
    employee-changes and pto-plans: setting page_caps), bare JSON arrays,
    200 [] past the end; jobs, locations, org-levels and the code tables
    (/configuration/v1/code-tables[/<name>]) ignore paging;
  * a routing 404 for unknown paths (setting routing_404 picks its body);
  * the documented filters (names case-insensitive), with UKG's date
    operators (>d, <d, {a,b}, MM-DD-YYYY); employee-changes requires
    startDate and endDate;
  * gzip when asked for.

URL grammar: [/n/<N>][/d/<ms>][/fast][/platform]/<resource path>?<query>
(N employees instead of --size, a delay of ms per data response, benchmark
rendering of person-details, OAuth flavour).  Records come from sim_data.py.

Control API (no auth, both ports, JSON; not counted in the counters):
  GET  /_control/counters        counters (see State.reset for the keys)
  GET  /_control/log?last=K      the last K requests (at most 1000 kept)
  GET  /_control/requests?match=S   {"count", "requests": [decoded keys]}
  POST /_control/reset           {"tokens": bool}: counters, log, faults,
                                 settings, accounts and clients to defaults
  GET|POST /_control/faults      {"rules": [rule, ...]} (see FaultRule)
  GET|POST /_control/settings    see DEFAULT_SETTINGS
  POST /_control/accounts        {"username", "password", "customer_api_key",
                                  "user_api_key"?, "deny"?: [web service]}
  POST /_control/clients         {"client_id", "client_secret", "audience"?,
                                  "tenant"?, "deny"?}
  GET|POST /_control/tokens      {"revoke_all": true} / {"expire_all": true}
  GET  /_control/digest?path=P&n=N&fields=a,b&sort=f[&query=Q]
                                 {"count", "md5"} over the whole dataset
  GET  /_control/record?path=P&n=N&index=I   record I as served
  GET  /_control/info            ports, seed, size, resources, accounts
"""

import argparse
import base64
import binascii
import collections
import hashlib
import http.server
import json
import math
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib

sys.dont_write_bytecode = True          # keep test/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim_data  # noqa: E402  (sibling module)

JSON_TYPE = "application/json; charset=utf-8"
PROBLEM_TYPE = "application/problem+json; charset=utf-8"
DATA_PREFIXES = ("/personnel/", "/configuration/", "/payroll/")
TOKEN_PATH = "/oauth/token"
LOG_ENTRIES = 1000
INT32_MAX = 2 ** 31 - 1

DEFAULT_SETTINGS = {
    "date_bounds": "inclusive",         # or "exclusive" (undocumented upstream)
    "empty_as_404": False,              # an empty page answers 404, not 200 []
    "oversize_page": "clamp",           # or "reject": per_Page > max -> 400
    "max_page_size": 10000,             # the documented default and maximum
    "gzip": True,                       # honour Accept-Encoding: gzip
    "token_expires_in": 3600,
    "token_omit_expires_in": False,
    "token_omit_access_token": False,
    "token_type": "Bearer",
    "token_body": None,                 # raw text to answer 200 with instead
    # a tenant quota as UKG counts it (FACTS.md: calls per window, "normally
    # 1 minute", mostly without Retry-After): at most quota_requests data
    # requests per fixed window of quota_window_s seconds, counted from the
    # window's first request; past that every data request answers 429 until
    # the window ends (a lockout).  0 turns the quota off.
    "quota_requests": 0,
    "quota_window_s": 60.0,
    "quota_retry_after": False,         # send Retry-After with the 429
    # a lenient server: a filter value that does not parse (a boolean that is
    # not true/false, a malformed date) is ignored, as if absent, instead of
    # answering 400 (issue #13's tests need rows back for odd values)
    "ignore_invalid_filters": False,
    # UKG's onboarding guide lists Content-Type: application/json among the
    # headers of every request; when set, a data request without it is
    # answered 415 (what a tenant does without it is undocumented)
    "require_content_type": False,
    # simulated edits since the data was generated: {"every": k, "at":
    # "YYYY-MM-DDTHH:MM:SS"} makes every k-th employee (index % k == 0) last
    # changed at that UTC time (dateTimeChanged and the employee-changes
    # window).  None: the generated data as is.
    "touch": None,
    # resource names whose list answers are one bare JSON object (the first
    # selected record), as the spec types some of them; [] stays an array
    "object_bodies": [],
    # issue #12: silent per-resource page caps ({resource name: rows}): a
    # larger per_Page/per_page is quietly clamped to the cap, whatever
    # oversize_page says.  The spec gives per_page a maximum of 200 on
    # employee-changes and pto-plans.
    "page_caps": {"employee-changes": 200, "pto-plans": 200},
    # the body of the 404 for a path no route matches: "problem" (RFC 7807
    # problem+json), "aspnet" (Web API's {"Message": "No HTTP resource was
    # found that matches the request URI '...'."}), "html" or "empty"
    "routing_404": "problem",
    # serve the code tables at /configuration/v1/code-tables[/<name>]
    "code_tables": True,
    # "" serves REST at the host root (UKG's developer docs); "/services"
    # serves it only under /services (the onboarding guide's form): the
    # other form then gets the routing 404
    "rest_prefix": "",
}

SETTING_CHECKS = {
    "date_bounds": lambda v: v in ("inclusive", "exclusive"),
    "empty_as_404": lambda v: isinstance(v, bool),
    "oversize_page": lambda v: v in ("clamp", "reject"),
    "max_page_size": lambda v: type(v) is int and v >= 1,
    "gzip": lambda v: isinstance(v, bool),
    "token_expires_in": lambda v: type(v) is int and v >= 0,
    "token_omit_expires_in": lambda v: isinstance(v, bool),
    "token_omit_access_token": lambda v: isinstance(v, bool),
    "token_type": lambda v: isinstance(v, str),
    "token_body": lambda v: v is None or isinstance(v, str),
    "quota_requests": lambda v: type(v) is int and v >= 0,
    "quota_window_s": lambda v: type(v) in (int, float) and v > 0,
    "quota_retry_after": lambda v: isinstance(v, bool),
    "ignore_invalid_filters": lambda v: isinstance(v, bool),
    "require_content_type": lambda v: isinstance(v, bool),
    "touch": lambda v: v is None or sim_data.valid_touch(v),
    "object_bodies": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "page_caps": lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and type(c) is int and c >= 1 for k, c in v.items()),
    "routing_404": lambda v: v in ("problem", "aspnet", "html", "empty"),
    "code_tables": lambda v: isinstance(v, bool),
    "rest_prefix": lambda v: v in ("", "/services"),
}

DEFAULT_ACCOUNTS = [
    {"username": "svc_user", "password": "svc_pass", "customer_api_key": "CUST1",
     "user_api_key": "USERKEY00001", "deny": []},
    {"username": "limited_user", "password": "limited_pass", "customer_api_key": "CUST1",
     "deny": ["Employee Compensation Details", "Company Configuration Integration"]},
]

DEFAULT_CLIENTS = [
    {"client_id": "client1", "client_secret": "secret1", "audience": "api.ukg.net",
     "tenant": "org_test1", "deny": []},
]

UNAUTHORIZED = {"message": "Authorization has been denied for this request."}
FORBIDDEN = {"message": "Forbidden"}


def json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class BadRequest(Exception):
    """A control request the simulator cannot honour (answered 400)."""


# ---------------------------------------------------------------------------
# Replies and faults
# ---------------------------------------------------------------------------

class Reply:
    """An HTTP response before it is sent; the body is a list of chunks."""

    def __init__(self, status, body=b"", content_type=JSON_TYPE, headers=()):
        self.status = status
        self.body = [body] if isinstance(body, bytes) else list(body)
        self.content_type = content_type
        self.headers = list(headers)
        self.encoding = None          # "gzip" once compressed
        self.chunked = False          # Transfer-Encoding: chunked, no length
        self.truncate = False         # announce the full length, send half

    @classmethod
    def json(cls, status, obj, content_type=JSON_TYPE, headers=()):
        return cls(status, json_bytes(obj), content_type, headers)

    @classmethod
    def problem(cls, status, title, message, errors=None):
        body = {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.%d"
                        % {400: 1, 404: 4, 405: 5}.get(status, 1),
                "title": title, "status": status}
        if errors:
            body["errorCount"] = len(errors)
            body["errors"] = errors
        body["message"] = message
        return cls.json(status, body, PROBLEM_TYPE)

    def length(self):
        return sum(len(chunk) for chunk in self.body)

    def joined(self):
        return b"".join(self.body)

    def gzip(self):
        packer = zlib.compressobj(1, zlib.DEFLATED, 31)    # 31: gzip framing
        packed = [packer.compress(chunk) for chunk in self.body]
        packed.append(packer.flush())
        self.body = [chunk for chunk in packed if chunk]
        self.encoding = "gzip"


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
             b"<body><h1>The service is temporarily unavailable.</h1>"
             b"<p>Please try again later.</p></body></html>")


class FaultRule:
    """One rule of POST /_control/faults.

    Matching: `path` is a substring of the un-prefixed path (omitted: any
    data path under /personnel/, /configuration/ or /payroll/), `query` a
    substring of the raw query.  The first `skip` matching requests go
    through untouched, the next `times` ones (-1: all) get the fault.
    """

    FIELDS = {"path", "query", "times", "skip", "status", "headers", "body", "body_b64",
              "content_type", "delay_ms", "kind", "size_mb"}
    REPLACING = {"html", "scalar", "huge", "random"}
    WRAPPING = {"truncate", "malformed", "object", "wrong_content_type", "gzip_unasked",
                "chunked"}
    KINDS = REPLACING | WRAPPING | {"reset"}

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise BadRequest("a fault rule must be a JSON object")
        unknown = set(spec) - self.FIELDS
        if unknown:
            raise BadRequest("unknown fault rule fields: %s" % ", ".join(sorted(unknown)))
        self.spec = spec
        self.path = spec.get("path")
        self.query = spec.get("query")
        self.times = spec.get("times", 1)
        self.skip = spec.get("skip", 0)
        self.status = spec.get("status")
        self.headers = spec.get("headers") or {}
        self.delay_ms = spec.get("delay_ms", 0)
        self.kind = spec.get("kind")
        self.size_mb = spec.get("size_mb", 64)
        self.content_type = spec.get("content_type")
        self.body = spec.get("body")
        try:
            self.body_b64 = base64.b64decode(spec.get("body_b64", ""), validate=True)
        except (binascii.Error, TypeError):
            raise BadRequest("body_b64 is not valid base64") from None
        if self.kind is not None and self.kind not in self.KINDS:
            raise BadRequest("unknown fault kind %r; valid: %s"
                             % (self.kind, ", ".join(sorted(self.KINDS))))
        for name in ("times", "skip", "delay_ms", "size_mb"):
            if type(getattr(self, name)) is not int:
                raise BadRequest("%s must be an integer" % name)
        if self.status is not None and (type(self.status) is not int
                                        or not 100 <= self.status <= 599):
            raise BadRequest("status must be an HTTP status code")
        if not isinstance(self.headers, dict):
            raise BadRequest("headers must be an object")
        self.seen = 0
        self.fired = 0

    def matches(self, path, query, is_data):
        if self.path is None:
            if not is_data:
                return False
        elif self.path not in path:
            return False
        return self.query is None or self.query in query

    def exhausted(self):
        return self.times != -1 and self.fired >= self.times

    def describe(self):
        return dict(self.spec, seen=self.seen, fired=self.fired,
                    remaining=-1 if self.times == -1 else max(0, self.times - self.fired))

    def replaces_reply(self):
        """Whether the fault answers instead of the normal handler."""
        if self.kind is not None:
            return self.kind in self.REPLACING
        return self.status is not None

    def reply(self, sample_record):
        """The reply of a replacing fault.  sample_record: one record of the
        resource (bytes) to fill a huge array with."""
        status = self.status or 200
        if self.kind == "html":
            return Reply(status, HTML_PAGE, self.content_type or "text/html; charset=utf-8")
        if self.kind == "scalar":
            return Reply(status, b"42", self.content_type or JSON_TYPE)
        if self.kind == "random":
            return Reply(status, self.body_b64, self.content_type or JSON_TYPE)
        if self.kind == "huge":
            return Reply(status, huge_array(sample_record, self.size_mb << 20),
                         self.content_type or JSON_TYPE)
        if self.body is not None:
            return Reply(status, self.body.encode("utf-8"), self.content_type or JSON_TYPE)
        reason = http.server.BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]
        return Reply.json(status, {"message": reason}, self.content_type or JSON_TYPE)

    def wrap(self, reply):
        """Apply a wrapping fault (and extra headers) to a reply, before any
        gzip: content faults act on the JSON, truncate on the bytes sent."""
        if self.kind == "object":
            reply.body = [b'{"items":'] + reply.body + [b"}"]
        elif self.kind == "malformed":
            data = reply.joined()
            reply.body = [data[:max(1, len(data) // 2)], b'\x00,,{"garbage": tru]']
        elif self.kind == "wrong_content_type":
            reply.content_type = "text/plain; charset=utf-8"
        elif self.kind == "gzip_unasked" and reply.encoding is None:
            reply.gzip()
        elif self.kind == "chunked":
            reply.chunked = True
        elif self.kind == "truncate":
            reply.truncate = True
        for name, value in self.headers.items():
            reply.headers.append((name, str(value)))


def huge_array(record, size):
    """A valid JSON array of about `size` bytes repeating one record, as
    repeated references to one ~1 MB chunk (so it costs ~1 MB of memory)."""
    per_chunk = max(1, (1 << 20) // (len(record) + 1))
    chunk = b",".join([record] * per_chunk)
    count = max(1, size // (len(chunk) + 1))
    return sim_data.json_array([chunk] * count)


# ---------------------------------------------------------------------------
# Shared state: settings, accounts, tokens, faults, counters, log
# ---------------------------------------------------------------------------

ACCOUNT_FIELDS = ("username", "password", "customer_api_key")
CLIENT_FIELDS = ("client_id", "client_secret", "audience", "tenant")


def check_principal(spec, required, optional=()):
    """Validate an account or OAuth client; deny becomes a set."""
    if not isinstance(spec, dict):
        raise BadRequest("expected a JSON object")
    missing = [f for f in required if not isinstance(spec.get(f), str) or not spec.get(f)]
    if missing:
        raise BadRequest("missing or empty fields: %s" % ", ".join(missing))
    unknown = set(spec) - set(required) - set(optional) - {"deny"}
    if unknown:
        raise BadRequest("unknown fields: %s" % ", ".join(sorted(unknown)))
    deny = spec.get("deny", [])
    if not isinstance(deny, list) or not all(isinstance(d, str) for d in deny):
        raise BadRequest("deny must be a list of web service names")
    return dict(spec, deny=set(deny))


def stray_cr_lf(line):
    """Does a raw line (bytes, as read, with its terminator) hold a CR or LF
    besides a final CRLF?"""
    body = line[:-2] if line.endswith(b"\r\n") else line[:-1] if line.endswith(b"\n") else line
    return b"\r" in body or b"\n" in body or (line.endswith(b"\n") and not line.endswith(b"\r\n"))


class LineRecorder:
    """Wraps a handler's rfile while the header block is read, keeping the
    raw lines (http.client.parse_headers reads them with readline)."""

    def __init__(self, fp):
        self.fp = fp
        self.lines = []

    def readline(self, *args):
        line = self.fp.readline(*args)
        self.lines.append(line)
        return line

    def __getattr__(self, name):
        return getattr(self.fp, name)


class State:
    """Everything the handlers share, behind one lock."""

    def __init__(self, ready_info):
        self.lock = threading.Lock()
        self.ready_info = ready_info
        self.tokens = {}              # token -> {client_id, tenant, deny, expires, revoked}
        self.in_flight = 0
        self.next_connection = 0
        self.next_request = 0
        self.reset(tokens=True)

    def reset(self, tokens=False):
        with self.lock:
            self.settings = dict(DEFAULT_SETTINGS)
            self.accounts = {a["username"]: check_principal(a, ACCOUNT_FIELDS, ["user_api_key"])
                             for a in DEFAULT_ACCOUNTS}
            self.clients = {c["client_id"]: check_principal(c, CLIENT_FIELDS)
                            for c in DEFAULT_CLIENTS}
            self.faults = []
            self.quota_started = None     # monotonic start of the quota window
            self.quota_used = 0
            self.log = collections.deque(maxlen=LOG_ENTRIES)
            self.request_keys = collections.Counter()   # (target, raw, decoded) -> n
            self.counters = {
                "requests": collections.Counter(),
                "requests_decoded": collections.Counter(),
                "paths": collections.Counter(),
                "data_requests": 0,
                "token_requests": 0,
                "token_requests_by_client": collections.Counter(),
                "last_token_request": None,
                "connections": 0,                      # that carried an API request
                "connections_by_listener": collections.Counter(),
                "connections_accepted": 0,             # every TCP accept
                "tls_handshake_failures": 0,
                "status_counts": collections.Counter(),
                "faults_fired": 0,
                "page_size_params": collections.Counter(),
                "ignored_params": collections.Counter(),
                "sizes": collections.Counter(),
                "bytes_sent": 0,
                "max_in_flight": 0,
                "quota_rejections": 0,                 # 429s of the quota
                "requests_total": 0,                   # every non-control request
                "header_lines_with_cr_lf": 0,          # raw lines with a stray CR/LF
            }
            if tokens:
                self.tokens.clear()

    # -- connections and requests --
    def number_connection(self):
        """A TCP connection was accepted: its number."""
        with self.lock:
            self.next_connection += 1
            self.counters["connections_accepted"] += 1
            return self.next_connection

    def count_connection(self, listener):
        """A connection carried its first non-control request."""
        with self.lock:
            self.counters["connections"] += 1
            self.counters["connections_by_listener"][listener] += 1

    def count_handshake_failure(self):
        with self.lock:
            self.counters["tls_handshake_failures"] += 1

    def begin_request(self, req):
        """Count a request; returns its sequence number for the log."""
        with self.lock:
            self.next_request += 1
            c = self.counters
            c["requests_total"] += 1
            c["requests"][req.raw_key] += 1
            c["requests_decoded"][req.decoded_key] += 1
            c["paths"][req.path] += 1
            self.request_keys[(req.target, req.raw_key, req.decoded_key)] += 1
            if req.is_data:
                c["data_requests"] += 1
                c["sizes"][str(req.n)] += 1
                c["page_size_params"].update(
                    name for name, _ in req.params if name.lower() == "per_page")
            self.in_flight += 1
            c["max_in_flight"] = max(c["max_in_flight"], self.in_flight)
            return self.next_request

    def end_request(self, entry):
        with self.lock:
            self.in_flight -= 1
            self.counters["status_counts"][str(entry["status"])] += 1
            self.counters["bytes_sent"] += entry["bytes"]
            self.log.append(entry)

    def count_raw_header_lines(self, lines):
        """Count the raw request and header lines that hold a CR or LF other
        than their CRLF terminator (a bare CR inside, or a bare LF ending):
        what a client that lets CR or LF into a header value sends."""
        bad = sum(1 for line in lines if stray_cr_lf(line))
        if bad:
            with self.lock:
                self.counters["header_lines_with_cr_lf"] += bad

    def settle(self, timeout=0.5):
        """Wait (at most timeout seconds) until no API request is in flight."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.in_flight == 0:
                    return
            time.sleep(0.002)

    def count_ignored(self, names):
        with self.lock:
            self.counters["ignored_params"].update(names)

    def quota_wait(self):
        """None if a data request fits the tenant quota (and is counted),
        else the seconds until the current window ends."""
        with self.lock:
            limit = self.settings["quota_requests"]
            if not limit:
                return None
            now = time.monotonic()
            window = self.settings["quota_window_s"]
            if self.quota_started is None or now >= self.quota_started + window:
                self.quota_started, self.quota_used = now, 0
            if self.quota_used < limit:
                self.quota_used += 1
                return None
            self.counters["quota_rejections"] += 1
            return self.quota_started + window - now

    def take_fault(self, path, query, is_data):
        """The rule that fires for this request, or None."""
        with self.lock:
            for rule in self.faults:
                if rule.exhausted() or not rule.matches(path, query, is_data):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    return None
                rule.fired += 1
                self.counters["faults_fired"] += 1
                return rule
        return None

    # -- OAuth --
    def issue_token(self, client):
        token = secrets.token_hex(20)
        with self.lock:
            now = time.monotonic()
            for old in [t for t, info in self.tokens.items() if info["expires"] < now]:
                del self.tokens[old]
            self.tokens[token] = {"client_id": client["client_id"], "tenant": client["tenant"],
                                  "deny": set(client["deny"]), "revoked": False,
                                  "expires": now + self.settings["token_expires_in"]}
        return token

    def token_info(self, token):
        """The claims of a live token (JWT-like: fixed at issue), or None."""
        with self.lock:
            info = self.tokens.get(token)
            if info is None or info["revoked"] or info["expires"] <= time.monotonic():
                return None
            return info

    def record_token_request(self, fields, status):
        secret = fields.get("client_secret")
        with self.lock:
            c = self.counters
            c["token_requests"] += 1
            c["token_requests_by_client"][fields.get("client_id", "")] += 1
            c["last_token_request"] = {
                "fields": {k: v for k, v in fields.items() if k != "client_secret"},
                "secret_present": secret is not None,
                "secret_sha256": hashlib.sha256(secret.encode()).hexdigest()
                if secret is not None else None,
                "status": status,
            }

    def snapshot(self):
        with self.lock:
            out = {}
            for key, value in self.counters.items():
                out[key] = dict(value) if isinstance(value, collections.Counter) else value
            out["in_flight"] = self.in_flight
            return out


# ---------------------------------------------------------------------------
# Request parsing
# ---------------------------------------------------------------------------

PREFIX = re.compile(r"/(n|d)/([0-9]+)(?=/)|/(fast|platform)(?=/)")


class ApiRequest:
    """The parts of a non-control request line."""

    def __init__(self, target, default_size):
        self.target = target
        raw_path, _, self.raw_query = target.partition("?")
        self.n = default_size
        self.delay_ms = 0
        self.fast = False
        self.platform = False
        pos = 0
        while True:
            match = PREFIX.match(raw_path, pos)
            if not match:
                break
            if match.group(1) == "n":
                self.n = int(match.group(2))
            elif match.group(1) == "d":
                self.delay_ms = int(match.group(2))
            else:
                setattr(self, match.group(3), True)
            pos = match.end()
        self.path = raw_path[pos:] or "/"
        self.params = urllib.parse.parse_qsl(self.raw_query, keep_blank_values=True)
        # first occurrence wins, names matched case-insensitively (ASP.NET)
        self.lower = {}
        for name, value in self.params:
            self.lower.setdefault(name.lower(), value)
        self.is_data = self.path.lower().startswith(DATA_PREFIXES)
        self.is_token = self.path.rstrip("/").lower() == TOKEN_PATH
        pairs = sorted(self.raw_query.split("&")) if self.raw_query else []
        self.raw_key = self.path + ("?" + "&".join(pairs) if pairs else "")
        decoded = sorted("%s=%s" % (k, v) for k, v in self.params)
        self.decoded_key = self.path + ("?" + "&".join(decoded) if decoded else "")

    unrouted = False

    def apply_rest_prefix(self, prefix):
        """Serve REST only under prefix: strip it, or mark the request as
        matching no route."""
        if self.path.lower().startswith(prefix + "/"):
            self.path = self.path[len(prefix):]
            self.is_data = self.path.lower().startswith(DATA_PREFIXES)
        elif self.is_data:
            self.unrouted = True
            self.is_data = False

    def exact(self, name):
        """First value of a parameter spelled exactly `name`, or None."""
        for key, value in self.params:
            if key == name:
                return value
        return None


def int_param(name, text, low, high):
    if not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise sim_data.FilterError(name, text)
    value = int(text)
    if not low <= value <= high:
        raise sim_data.FilterError(
            name, text, "The field %s must be between %d and %d." % (name, low, high))
    return value


def accepts_gzip(header):
    for item in (header or "").split(","):
        token, _, params = item.strip().partition(";")
        if token.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip()
            return not re.fullmatch(r"q\s*=\s*0(\.0*)?", q)
    return False


# ---------------------------------------------------------------------------
# The HTTP handler
# ---------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ukg-sim/1.0"
    sys_version = ""
    timeout = 120                     # idle keep-alive connections
    disable_nagle_algorithm = True

    # set per server by make_server()
    state = None
    dataset = None
    default_size = 1000
    verbose = False

    def setup(self):
        self.connection_id = self.client_address[2]
        self.counted = False
        if self.server.ssl_context is not None:
            self.request.settimeout(30)
            try:
                self.request = self.server.ssl_context.wrap_socket(self.request,
                                                                   server_side=True)
            except (OSError, ssl.SSLError):
                self.state.count_handshake_failure()
                raise
        super().setup()

    def finish(self):
        try:
            super().finish()
        finally:
            if self.server.ssl_context is not None:
                try:
                    self.connection.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                self.connection.close()

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("ukg_sim %s [%s] %s\n"
                             % (self.server.listener, self.connection_id, fmt % args))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = lambda self: self.serve()

    def parse_request(self):
        """Parse as usual, counting raw lines with a stray CR or LF (the
        request line and the header lines; control requests excepted)."""
        rfile = self.rfile
        recorder = self.rfile = LineRecorder(rfile)
        try:
            return super().parse_request()
        finally:
            self.rfile = rfile
            if not getattr(self, "path", "").startswith("/_control/"):
                self.state.count_raw_header_lines([self.raw_requestline] + recorder.lines)

    # -- dispatch --
    def serve(self):
        body = self.read_body()
        if self.path.startswith("/_control/"):
            try:
                reply = self.control(body)
            except BadRequest as exc:
                reply = Reply.json(400, {"error": str(exc)})
            except Exception as exc:           # a simulator bug: say so, keep serving
                reply = Reply.json(500, {"error": repr(exc)})
            self.send(reply)
            return

        started = time.monotonic()
        req = ApiRequest(self.path, self.default_size)
        state = self.state
        if state.settings["rest_prefix"]:
            req.apply_rest_prefix(state.settings["rest_prefix"])
        if not self.counted:
            state.count_connection(self.server.listener)
            self.counted = True
        request_id = state.begin_request(req)
        status, sent = None, 0
        rule = None
        try:
            rule = state.take_fault(req.path, req.raw_query, req.is_data)
            if rule and rule.delay_ms:
                time.sleep(rule.delay_ms / 1000)
            if rule and rule.kind == "reset":
                self.reset_connection()
                return
            locked_out = state.quota_wait() if req.is_data else None
            if locked_out is not None:
                headers = ([("Retry-After", str(max(1, math.ceil(locked_out))))]
                           if state.settings["quota_retry_after"] else [])
                reply = Reply.json(429, {"message": "API calls quota exceeded! maximum admitted "
                                                    "%d per %gs." % (state.settings["quota_requests"],
                                                                     state.settings["quota_window_s"])},
                                   headers=headers)
            elif rule and rule.replaces_reply():
                reply = rule.reply(self.sample_record(req))
            else:
                reply = self.route(req, body)
            if rule:
                rule.wrap(reply)
            if reply.encoding is None and state.settings["gzip"] and reply.length() \
                    and accepts_gzip(self.headers.get("Accept-Encoding")):
                reply.gzip()
            status = reply.status
            sent = self.send(reply)
        finally:
            state.end_request({
                "id": request_id,
                "time": time.time(),
                "method": self.command,
                "target": self.path,
                "path": req.path,
                "query": {k: v if len(v) > 1 else v[0] for k, v in
                          urllib.parse.parse_qs(req.raw_query, keep_blank_values=True).items()},
                "headers": {k: ", ".join(self.headers.get_all(k)) for k in self.headers.keys()},
                "status": status if status is not None else "reset",
                "bytes": sent,
                "connection": self.connection_id,
                "listener": self.server.listener,
                "fault": (rule.kind or "status") if rule else None,
                "duration_ms": round((time.monotonic() - started) * 1000, 3),
            })

    def route(self, req, body):
        if req.is_token:
            return self.token_endpoint(body)
        if req.delay_ms:
            time.sleep(req.delay_ms / 1000)
        resource = None if req.unrouted else self.find_resource(req)
        if resource is None:
            return self.routing_404(req)
        if self.command != "GET":
            return Reply.json(405, {"message": "The requested resource does not support "
                                               "http method '%s'." % self.command},
                              headers=[("Allow", "GET")])
        wrong_type = self.content_type_check()
        if wrong_type:
            return wrong_type
        denied = self.authorize(req, resource)
        if denied:
            return denied
        if not 0 <= req.n <= sim_data.MAX_EMPLOYEES:
            return Reply.problem(400, "Bad Request", "Dataset size out of range.")
        try:
            return self.list_records(req, resource)
        except sim_data.FilterError as exc:
            return Reply.problem(400, "Bad Request", "The request is invalid.",
                                 {exc.param: [str(exc)]})

    def find_resource(self, req):
        """The resource a request path names, or None (a routing 404)."""
        path = req.path.rstrip("/").lower()
        if path in sim_data.CODE_TABLE_PATHS and not self.state.settings["code_tables"]:
            return None
        return sim_data.RESOURCE_BY_PATH.get(path)

    def routing_404(self, req):
        """The 404 for a path no route matches, in the routing_404 shape."""
        shape = self.state.settings["routing_404"]
        if shape == "aspnet":
            return Reply.json(404, {"Message": "No HTTP resource was found that matches the "
                                               "request URI 'https://%s%s'." % (
                                                   self.headers.get("Host", "localhost"),
                                                   req.target)})
        if shape == "html":
            return Reply(404, b"<!DOCTYPE html><html><head><title>404 - File or directory "
                              b"not found.</title></head><body><h1>Server Error</h1>"
                              b"<h2>404 - File or directory not found.</h2></body></html>",
                         content_type="text/html")
        if shape == "empty":
            return Reply(404, b"", content_type=None)
        return Reply.problem(404, "Not Found",
                             "No HTTP resource was found that matches the request URI.")

    def page_limit(self, resource):
        """The largest page the resource serves: max_page_size, lowered by
        a silent per-resource cap (page_caps)."""
        settings = self.state.settings
        cap = settings["page_caps"].get(resource.name)
        return min(settings["max_page_size"], cap) if cap else settings["max_page_size"]

    def sample_record(self, req):
        resource = sim_data.RESOURCE_BY_PATH.get(req.path.rstrip("/").lower())
        if resource is None:
            return b'{"filler":"' + b"x" * 1000 + b'"}'
        return resource.render(resource.context(self.dataset.seed, 0)).encode("utf-8")

    def content_type_check(self):
        """None, or the 415 reply when the require_content_type setting is on
        and the request lacks Content-Type: application/json."""
        if not self.state.settings["require_content_type"]:
            return None
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media == "application/json":
            return None
        return Reply.json(415, {"message": "The request must carry the header "
                                           "Content-Type: application/json."})

    # -- authentication and permissions --
    def authorize(self, req, resource):
        """None when the caller may read the resource, else the 401/403 reply."""
        header = self.headers.get("Authorization", "")
        scheme, _, credentials = header.strip().partition(" ")
        if req.platform:
            if scheme.lower() != "bearer":
                return self.unauthorized(bearer=True)
            claims = self.state.token_info(credentials.strip())
            if claims is None:
                return self.unauthorized(bearer=True)
            tenant = self.headers.get("global-tenant-id")
            if tenant is None:
                return self.unauthorized(bearer=True)
            if tenant != claims["tenant"]:
                return Reply.json(403, FORBIDDEN)
            deny = claims["deny"]
        else:
            account = self.basic_account(scheme, credentials)
            if account is None:
                return self.unauthorized()
            deny = account["deny"]
        if resource.permission in deny:
            return Reply.json(403, FORBIDDEN)
        return None

    def basic_account(self, scheme, credentials):
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        with self.state.lock:
            account = self.state.accounts.get(username)
        if account is None or not sep or password != account["password"]:
            return None
        if self.headers.get("US-Customer-Api-Key") != account["customer_api_key"]:
            return None
        user_key = self.headers.get("US-User-Api-Key")
        if user_key is not None and account.get("user_api_key") \
                and user_key != account["user_api_key"]:
            return None
        return account

    @staticmethod
    def unauthorized(bearer=False):
        headers = [("WWW-Authenticate", 'Bearer error="invalid_token"')] if bearer else []
        return Reply.json(401, UNAUTHORIZED, headers=headers)

    # -- lists --
    def list_records(self, req, resource):
        settings = self.state.settings
        inclusive = settings["date_bounds"] == "inclusive"
        known = set(resource.filters) | {w.lower() for w in resource.window or ()}
        self.state.count_ignored(name for name, _ in req.params
                                 if name.lower() not in known
                                 and name not in ("page", resource.paging))

        if resource.paging:
            page = req.exact("page")
            page = 1 if page is None else int_param("page", page, 1, INT32_MAX)
            size = req.exact(resource.paging)
            limit = settings["max_page_size"]
            cap = self.page_limit(resource)
            if size is None:
                size = cap
            else:
                size = int_param(resource.paging, size, 1, INT32_MAX)
                if size > cap and cap < limit:
                    size = cap              # a silent cap: no error, ever
                elif size > limit:
                    if settings["oversize_page"] == "reject":
                        raise sim_data.FilterError(
                            resource.paging, str(size),
                            "The field %s must be between 1 and %d." % (resource.paging, limit))
                    size = limit
        sim_data.set_touch(settings["touch"])
        params = req.lower
        if settings["ignore_invalid_filters"]:
            params = valid_filters(resource, params, inclusive)
        indices = self.dataset.select(resource, req.n, params, inclusive)
        if resource.paging:
            start = (page - 1) * size
            indices = indices[start:start + size]
        if not len(indices) and settings["empty_as_404"]:
            return Reply.json(404, {"message": "No records found."})
        if len(indices) and resource.name in settings["object_bodies"]:
            return self.object_body(resource, indices)
        filtered = any(name in known for name in req.lower)
        if req.fast and resource.name == "person-details" and not filtered:
            return Reply(200, self.dataset.render_fast(indices))
        return Reply(200, self.dataset.render(resource, indices))

    def object_body(self, resource, indices):
        """Setting object_bodies: the first selected record as a bare JSON
        object instead of an array."""
        ctx = resource.context(self.dataset.seed, indices[0])
        return Reply(200, resource.render(ctx).encode())

    # -- OAuth token endpoint --
    def token_endpoint(self, body):
        if self.command != "POST":
            return Reply.json(405, {"error": "invalid_request",
                                    "error_description": "Use POST."},
                              headers=[("Allow", "POST")])
        ctype = self.headers.get("Content-Type", "")
        fields = {}
        if ctype.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            fields = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                                 keep_blank_values=True))
            reply = self.issue(fields)
        else:
            reply = self.oauth_error(400, "invalid_request",
                                     "Content-Type must be application/x-www-form-urlencoded.")
        self.state.record_token_request(fields, reply.status)
        return reply

    @staticmethod
    def oauth_error(status, error, description):
        return Reply.json(status, {"error": error, "error_description": description},
                          headers=[("Cache-Control", "no-store")])

    def issue(self, fields):
        grant = fields.get("grant_type")
        if not grant:
            return self.oauth_error(400, "invalid_request",
                                    "Missing required parameter: grant_type")
        if grant != "client_credentials":
            return self.oauth_error(400, "unauthorized_client",
                                    "Grant type '%s' not allowed for the client." % grant)
        for name in ("client_id", "client_secret", "audience"):
            if not fields.get(name):
                return self.oauth_error(400, "invalid_request",
                                        "Missing required parameter: %s" % name)
        with self.state.lock:
            client = self.state.clients.get(fields["client_id"])
            settings = dict(self.state.settings)
        if client is None or fields["client_secret"] != client["client_secret"]:
            return self.oauth_error(401, "access_denied", "Unauthorized")
        if fields["audience"] != client["audience"]:
            return self.oauth_error(400, "invalid_request",
                                    "Service not enabled within domain: %s" % fields["audience"])
        org = fields.get("organization")
        if org and org != client["tenant"]:
            return self.oauth_error(400, "invalid_request", "Unknown organization: %s" % org)
        if settings["token_body"] is not None:
            return Reply(200, settings["token_body"].encode("utf-8"))
        body = {}
        if not settings["token_omit_access_token"]:
            body["access_token"] = self.state.issue_token(client)
        body["token_type"] = settings["token_type"]
        if not settings["token_omit_expires_in"]:
            body["expires_in"] = settings["token_expires_in"]
        body["scope"] = ""
        return Reply.json(200, body, headers=[("Cache-Control", "no-store"),
                                              ("Pragma", "no-cache")])

    def read_body(self):
        length = self.headers.get("Content-Length")
        if not length or not length.isdigit():
            return b""
        return self.rfile.read(int(length))

    # -- sending --
    def send(self, reply):
        """Write the reply; returns the number of body bytes sent."""
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        if reply.encoding:
            self.send_header("Content-Encoding", reply.encoding)
            self.send_header("Vary", "Accept-Encoding")
        for name, value in reply.headers:
            self.send_header(name, value)
        length = reply.length()
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        if reply.truncate:
            self.close_connection = True
        self.end_headers()
        budget = length // 2 if reply.truncate else length
        sent = 0
        try:
            for chunk in reply.body:
                if sent >= budget:
                    break
                chunk = chunk[:budget - sent]
                if reply.chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    self.wfile.write(chunk)
                sent += len(chunk)
            if reply.chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:                   # the client went away mid-body
            self.close_connection = True
        return sent

    def reset_connection(self):
        """Close at once with SO_LINGER 0, so the peer sees a TCP reset."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        finally:
            self.connection.close()

    # -- control API --
    def control(self, raw_body):
        """Dispatch GET /_control/x to control_get_x(query) and POST to
        control_post_x(query, json_body)."""
        parsed = urllib.parse.urlsplit(self.path)
        name = parsed.path[len("/_control/"):].strip("/")
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        handler = getattr(self, "control_%s_%s" % (self.command.lower(), name.replace("-", "_")),
                          None)
        if handler is None:
            return Reply.json(404, {"error": "no control endpoint %s %s" % (self.command, name)})
        if self.command != "POST":
            # a request is counted and logged just after its answer is
            # sent: let requests that are finishing catch up, so that a
            # client that has read its answer sees it in the counters
            self.state.settle()
            return handler(query)
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
        except ValueError:
            raise BadRequest("the body is not valid JSON") from None
        return handler(query, body)

    def control_get_counters(self, query):
        return Reply.json(200, self.state.snapshot())

    def control_get_log(self, query):
        last = int_or_400(query.get("last", LOG_ENTRIES), "last")
        with self.state.lock:
            entries = list(self.state.log)
        return Reply.json(200, entries[-last:] if last > 0 else [])

    def control_get_requests(self, query):
        """Requests whose raw target, raw key or decoded key contains `match`."""
        match = query.get("match", "")
        found = []
        with self.state.lock:
            for (target, raw_key, decoded_key), n in self.state.request_keys.items():
                if match in target or match in raw_key or match in decoded_key:
                    found.extend([decoded_key] * n)
        return Reply.json(200, {"count": len(found), "requests": sorted(found)})

    def control_post_reset(self, query, body):
        if not isinstance(body, dict):
            raise BadRequest("expected a JSON object")
        self.state.reset(tokens=bool(body.get("tokens")))
        return Reply.json(200, {"ok": True})

    def control_get_faults(self, query):
        with self.state.lock:
            return Reply.json(200, {"rules": [r.describe() for r in self.state.faults]})

    def control_post_faults(self, query, body):
        specs = body.get("rules", [body]) if isinstance(body, dict) else body
        if not isinstance(specs, list):
            raise BadRequest("expected {\"rules\": [...]} or one rule object")
        rules = [FaultRule(spec) for spec in specs]
        with self.state.lock:
            self.state.faults.extend(rules)
            total = len(self.state.faults)
        return Reply.json(200, {"ok": True, "added": len(rules), "rules": total})

    def control_get_settings(self, query):
        with self.state.lock:
            return Reply.json(200, self.state.settings)

    def control_post_settings(self, query, body):
        if not isinstance(body, dict):
            raise BadRequest("expected a JSON object")
        for key, value in body.items():
            check = SETTING_CHECKS.get(key)
            if check is None:
                raise BadRequest("unknown setting %r; valid: %s"
                                 % (key, ", ".join(sorted(SETTING_CHECKS))))
            if not check(value):
                raise BadRequest("invalid value for %s: %r" % (key, value))
        with self.state.lock:
            self.state.settings.update(body)
            return Reply.json(200, self.state.settings)

    def control_post_accounts(self, query, body):
        account = check_principal(body, ACCOUNT_FIELDS, ["user_api_key"])
        with self.state.lock:
            self.state.accounts[account["username"]] = account
        return Reply.json(200, {"ok": True})

    def control_post_clients(self, query, body):
        client = dict(body) if isinstance(body, dict) else body
        if isinstance(client, dict):
            client.setdefault("audience", DEFAULT_CLIENTS[0]["audience"])
            client.setdefault("tenant", DEFAULT_CLIENTS[0]["tenant"])
        client = check_principal(client, CLIENT_FIELDS)
        with self.state.lock:
            self.state.clients[client["client_id"]] = client
        return Reply.json(200, {"ok": True})

    def control_get_tokens(self, query):
        now = time.monotonic()
        with self.state.lock:
            tokens = list(self.state.tokens.values())
        live = [t for t in tokens if not t["revoked"] and t["expires"] > now]
        return Reply.json(200, {"issued": len(tokens), "live": len(live)})

    def control_post_tokens(self, query, body):
        if not isinstance(body, dict):
            raise BadRequest("expected a JSON object")
        with self.state.lock:
            for info in self.state.tokens.values():
                if body.get("revoke_all"):
                    info["revoked"] = True
                if body.get("expire_all"):
                    info["expires"] = 0.0
        return self.control_get_tokens(query)

    def control_resource(self, query):
        path = query.get("path", "")
        resource = sim_data.RESOURCE_BY_PATH.get(path.rstrip("/").lower())
        if resource is None:
            raise BadRequest("unknown resource path %r" % path)
        n = int_or_400(query.get("n", self.default_size), "n")
        if not 0 <= n <= sim_data.MAX_EMPLOYEES:
            raise BadRequest("n out of range")
        return resource, n

    def control_get_digest(self, query):
        """md5 over a whole dataset (optionally filtered by `query`)."""
        resource, n = self.control_resource(query)
        fields = [f for f in query.get("fields", "").split(",") if f]
        sort = query.get("sort", "")
        if not fields or not sort:
            raise BadRequest("fields and sort are required")
        filters = {}
        for name, value in urllib.parse.parse_qsl(query.get("query", ""),
                                                  keep_blank_values=True):
            filters.setdefault(name.lower(), value)
        inclusive = self.state.settings["date_bounds"] == "inclusive"
        sim_data.set_touch(self.state.settings["touch"])
        try:
            indices = self.dataset.select(resource, n, filters, inclusive)
        except sim_data.FilterError as exc:
            raise BadRequest("%s: %s" % (exc.param, exc)) from None
        count, md5 = self.dataset.digest(resource, indices, fields, sort)
        return Reply.json(200, {"count": count, "md5": md5})

    def control_get_record(self, query):
        resource, n = self.control_resource(query)
        index = int_or_400(query.get("index", "0"), "index")
        if not 0 <= index < resource.count(n):
            return Reply.json(404, {"error": "index out of range"})
        sim_data.set_touch(self.state.settings["touch"])
        ctx = resource.context(self.dataset.seed, index)
        return Reply(200, resource.render(ctx).encode("utf-8"))

    def control_get_info(self, query):
        resources = [{"name": r.name, "path": r.path, "permission": r.permission,
                      "paging": r.paging, "filters": sorted(s.param for s in r.filters.values()),
                      "required": list(r.window or ()),
                      "records": r.count(self.default_size),
                      "per_employee": getattr(r, "per_employee", None)}
                     for r in sim_data.RESOURCES]
        with self.state.lock:
            accounts = sorted(self.state.accounts)
            clients = sorted(self.state.clients)
        return Reply.json(200, dict(self.state.ready_info, seed=self.dataset.seed,
                                    size=self.default_size, resources=resources,
                                    accounts=accounts, clients=clients))


def valid_filters(resource, params, inclusive):
    """params ({lower-case name: value}) without the documented filters whose
    values do not parse (setting ignore_invalid_filters)."""
    kept = {}
    for name, value in params.items():
        spec = resource.filters.get(name)
        if spec is not None and value:
            try:
                spec.predicate(value, inclusive)
            except sim_data.FilterError:
                continue
        kept[name] = value
    return kept


def int_or_400(text, name):
    try:
        return int(text)
    except (TypeError, ValueError):
        raise BadRequest("%s must be an integer" % name) from None


# ---------------------------------------------------------------------------
# Servers, certificates, start-up
# ---------------------------------------------------------------------------

class Server(http.server.ThreadingHTTPServer):
    """A threaded listener that numbers accepted connections."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port, listener, handler, ssl_context, state, verbose):
        self.listener = listener
        self.ssl_context = ssl_context
        self.state = state
        self.verbose = verbose
        super().__init__(("127.0.0.1", port), handler)

    def get_request(self):
        """Accept; the connection number rides along in client_address."""
        sock, addr = super().get_request()
        return sock, (addr[0], addr[1], self.state.number_connection())

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def make_certificates(workdir):
    """A throwaway CA and a server certificate for 127.0.0.1 / localhost."""
    def path(name):
        return os.path.join(workdir, name)

    ext = path("server.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid,issuer\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    steps = [
        ["openssl", "req", "-x509", *ec, "-keyout", path("ca.key"), "-out", path("ca.crt"),
         "-days", "30", "-subj", "/CN=ukg_sim throwaway CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", *ec, "-keyout", path("server.key"), "-out", path("server.csr"),
         "-subj", "/CN=localhost"],
        ["openssl", "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"),
         "-CAkey", path("ca.key"), "-CAcreateserial", "-out", path("server.crt"),
         "-days", "30", "-extfile", ext],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (" ".join(cmd[:2]),
                                                  done.stdout.decode(errors="replace")))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(path("server.crt"), path("server.key"))
    return context, os.path.abspath(path("ca.crt"))


def write_atomically(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(data)
    os.replace(tmp, path)


def remove_ready_file(path):
    """Remove the ready file unless a newer simulator has replaced it."""
    if not path:
        return
    try:
        with open(path) as f:
            if json.load(f).get("pid") == os.getpid():
                os.unlink(path)
    except (OSError, ValueError):
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description="UKG Pro API simulator")
    parser.add_argument("--workdir", required=True, help="directory for certificates")
    parser.add_argument("--https-port", type=int, default=0)
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--size", type=int, default=1000, help="default employees")
    parser.add_argument("--ready-file", help="JSON written once both ports listen")
    parser.add_argument("--verbose", action="store_true", help="log each request")
    args = parser.parse_args(argv)

    os.makedirs(args.workdir, exist_ok=True)
    try:
        ssl_context, ca_file = make_certificates(args.workdir)
    except (OSError, RuntimeError) as exc:
        sys.stderr.write("ukg_sim: cannot make certificates: %s\n" % exc)
        return 1

    info = {"ca_file": ca_file, "pid": os.getpid()}
    state = State(info)
    handler = type("BoundHandler", (Handler,), {
        "state": state, "dataset": sim_data.Dataset(args.seed),
        "default_size": args.size, "verbose": args.verbose})
    servers = [Server(args.https_port, "https", handler, ssl_context, state, args.verbose),
               Server(args.http_port, "http", handler, None, state, args.verbose)]
    info["https_port"] = servers[0].server_address[1]
    info["http_port"] = servers[1].server_address[1]
    for server in servers:
        threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if args.ready_file:
        write_atomically(args.ready_file, json.dumps(
            {"https_port": info["https_port"], "http_port": info["http_port"],
             "ca_file": ca_file, "pid": info["pid"]}))
    if args.verbose:
        sys.stderr.write("ukg_sim: https %d, http %d\n" % (info["https_port"], info["http_port"]))
    stop.wait()
    for server in servers:
        server.shutdown()
        server.server_close()
    remove_ready_file(args.ready_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
