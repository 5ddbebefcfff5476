"""
sim_data.py -- deterministic, lazily generated data for the UKG Pro simulator.

Every record is a pure function of (seed, resource, index): nothing is ever
materialised for a whole dataset, so a 1,000,000-employee tenant costs no
more memory than a 10-employee one.  Record i of a per-employee resource
describes employee i // k, where k is the number of records per employee
(1 for most resources, 2 for employee-job-history-details and pto-plans).

Field names, their order and their JSON types follow the UKG OpenAPI
document (shared/ukg-api/catalog.md, FACTS.md section 2.2), including its
inconsistent casing (companyId / companyID, datetimeChanged /
dateTimeChanged) and typos (nameSufixCode, dateOfNextSalayrReview).

Non-integer numbers are emitted as fixed-point literals (class Num), so the
JSON text, the control digest and a PostgreSQL numeric column all print the
same digits: money always has 2 decimals ("52000.50"), hourly rates 4, FTE
4, latitude 6, weight 1.

Which values depend on what (tests may rely on this):
  * seed-independent, index-based: companyId = COMPANIES[i % 5],
    firstName = FIRST_NAMES[i % 47], lastName = LAST_NAMES[i % 53],
    employeeNumber = "%06d" % (i + 1), middleName null when i % 7 == 0,
    preferredName absent when i % 11 == 0 and null when i % 3 == 0,
    the supervisor (employee (i // 10) * 10, recursively; employee 0 has none);
  * seed-dependent (hash of seed and index): employeeId and everything else.
"""

import hashlib
import json
import re
import threading
import zlib
from array import array
from datetime import date, datetime, timezone
from functools import lru_cache

M64 = (1 << 64) - 1

# Sentinel returned by a field function when the key must be left out of
# the record altogether (as opposed to None, which is emitted as null).
MISSING = object()


# ---------------------------------------------------------------------------
# Hashing and value primitives
# ---------------------------------------------------------------------------

def mix64(x):
    """splitmix64 finaliser: a well-mixed 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


_salts = {}


def salt(name):
    """A stable 64-bit salt for a name (str hash() is randomised per run)."""
    value = _salts.get(name)
    if value is None:
        value = _salts[name] = mix64(zlib.crc32(name.encode()))
    return value


class Num(str):
    """A JSON number kept as its literal text, e.g. Num("52000.50")."""
    __slots__ = ()


def fixed(scaled, places):
    """Num for the integer `scaled` divided by 10**places, e.g. (5200050, 2)."""
    unit = 10 ** places
    return Num("%d.%0*d" % (scaled // unit, places, scaled % unit))


def money(cents):
    return fixed(cents, 2)


@lru_cache(maxsize=None)
def iso_day(ordinal):
    """'YYYY-MM-DD' for a proleptic Gregorian ordinal (bounded domain)."""
    return date.fromordinal(ordinal).isoformat()


def day_stamp(ordinal):
    """A date-only value as UKG serialises it: midnight, no offset."""
    return None if ordinal is None else iso_day(ordinal) + "T00:00:00"


def time_stamp(ordinal, seconds, style):
    """A date-time value in one of three ISO 8601 spellings.

    style 0: 2019-07-15T08:30:00, 1: 2019-07-15T08:30:00.123,
    2: 2019-07-15T08:30:00.123+00:00 (all mean the same UTC instant).
    """
    text = "%sT%02d:%02d:%02d" % (iso_day(ordinal), seconds // 3600,
                                  seconds // 60 % 60, seconds % 60)
    if style == 0:
        return text
    millis = ".%03d" % (seconds * 7 % 1000)
    return text + millis if style == 1 else text + millis + "+00:00"


def ordinal(y, m, d):
    return date(y, m, d).toordinal()


def uuid_text(h):
    """A version-4 style UUID string built from a 64-bit hash."""
    g = mix64(h)
    return "%08x-%04x-4%03x-%04x-%012x" % (
        h >> 32, (h >> 16) & 0xFFFF, h & 0xFFF,
        0x8000 | (g >> 48) & 0x3FFF, g & 0xFFFFFFFFFFFF)


# ---------------------------------------------------------------------------
# JSON rendering (one serializer for pages, control records and templates)
# ---------------------------------------------------------------------------

_encode_string = json.encoder.encode_basestring   # keeps non-ASCII as is


def to_json(value):
    """Compact JSON text of a value; Num is written as a bare number."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int or kind is Num:
        return str(value)
    if kind is dict:
        return render_record(value)
    if kind is list:
        return "[" + ",".join(to_json(v) for v in value) + "]"
    raise TypeError("cannot render %r" % (value,))


def render_record(record):
    return "{" + ",".join([_encode_string(key) + ":" + to_json(value)
                           for key, value in record.items()]) + "}"


def digest_text(value):
    """A value as one digest column: null/missing empty, numbers as sent."""
    if value is None or value is MISSING:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) in (dict, list):
        return to_json(value)
    return str(value)


# ---------------------------------------------------------------------------
# Fixed reference data
# ---------------------------------------------------------------------------

class Company:
    def __init__(self, cid, code, name, city, state, zipcode, county, gl):
        self.id, self.code, self.name = cid, code, name
        self.city, self.state, self.zip, self.county = city, state, zipcode, county
        self.gl = gl


COMPANIES = [
    Company("C0001", "ACME1", "Acme Holdings Inc.", "Atlanta", "GA", "30303", "Fulton", "100"),
    Company("C0002", "ACMFG", "Acme Manufacturing LLC", "Dayton", "OH", "45402", "Montgomery", "200"),
    Company("C0003", "ACSVC", "Acme Services Corp.", "Austin", "TX", "78701", "Travis", "300"),
    Company("C0004", "ACRTL", "Acme Retail Group", "Denver", "CO", "80202", "Denver", "400"),
    Company("C0005", "ACLOG", "Acme Logistics & Co.", "Reno", "NV", "89501", "Washoe", "500"),
]

# (name, ASCII form for e-mail addresses, gender).  47 entries, a prime, so
# first names do not line up with the 5 companies.  "Ann" is index 1.
FIRST_NAMES = [
    ("James", "james", "M"), ("Ann", "ann", "F"), ("Robert", "robert", "M"),
    ("Maria", "maria", "F"), ("José", "jose", "M"), ("Linda", "linda", "F"),
    ("Michael", "michael", "M"), ("Zoë", "zoe", "F"), ("William", "william", "M"),
    ("Patricia", "patricia", "F"), ("David", "david", "M"), ("Jennifer", "jennifer", "F"),
    ("Richard", "richard", "M"), ("Elizabeth", "elizabeth", "F"), ("Joseph", "joseph", "M"),
    ("Susan", "susan", "F"), ("Thomas", "thomas", "M"), ("Renée", "renee", "F"),
    ("Charles", "charles", "M"), ("Jessica", "jessica", "F"), ("Christopher", "christopher", "M"),
    ("Sarah", "sarah", "F"), ("Daniel", "daniel", "M"), ("Karen", "karen", "F"),
    ("Matthew", "matthew", "M"), ("Nancy", "nancy", "F"), ("Anthony", "anthony", "M"),
    ("Lisa", "lisa", "F"), ("Mark", "mark", "M"), ("Betty", "betty", "F"),
    ("D'Arcy", "darcy", "M"), ("Margaret", "margaret", "F"), ("Steven", "steven", "M"),
    ("Sandra", "sandra", "F"), ("Paul", "paul", "M"), ("Ashley", "ashley", "F"),
    ("Andrew", "andrew", "M"), ("Kimberly", "kimberly", "F"), ("Joshua", "joshua", "M"),
    ("Emily", "emily", "F"), ("Kenneth", "kenneth", "M"), ("Donna", "donna", "F"),
    ("Kevin", "kevin", "M"), ("Michelle", "michelle", "F"), ("Brian", "brian", "M"),
    ("Annette", "annette", "F"), ("Sam", "sam", "U"),
]

# 53 entries (a prime): lastName pairs with firstName only every 2491 rows.
LAST_NAMES = [
    ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"),
    ("Brown", "brown"), ("Jones", "jones"), ("García", "garcia"), ("Miller", "miller"),
    ("Davis", "davis"), ("Rodriguez", "rodriguez"), ("Martinez", "martinez"),
    ("Hernandez", "hernandez"), ("Lopez", "lopez"), ("Gonzalez", "gonzalez"),
    ("Wilson", "wilson"), ("Anderson", "anderson"), ("Thomas", "thomas"),
    ("Taylor", "taylor"), ("Moore", "moore"), ("Jackson", "jackson"), ("Martin", "martin"),
    ("Lee", "lee"), ("Perez", "perez"), ("Thompson", "thompson"), ("White", "white"),
    ("Harris", "harris"), ("Sanchez", "sanchez"), ("Clark", "clark"),
    ("Ramirez", "ramirez"), ("Lewis", "lewis"), ("Robinson", "robinson"),
    ("Walker", "walker"), ("Young", "young"), ("Allen", "allen"), ("King", "king"),
    ("Wright", "wright"), ("Scott", "scott"), ("Torres", "torres"),
    ("Nguyễn", "nguyen"), ("Hill", "hill"), ("Flores", "flores"), ("Green", "green"),
    ("Adams", "adams"), ("Nelson", "nelson"), ("Baker", "baker"), ("Hall", "hall"),
    ("Rivera", "rivera"), ("Campbell", "campbell"), ("Mitchell", "mitchell"),
    ("Carter", "carter"), ("O'Brien", "obrien"), ("Müller", "muller"),
    ("Roberts", "roberts"), ("Van der Berg", "vanderberg"),
]

MIDDLE_NAMES = ["A.", "Lee", "Marie", "J.", "Ray", "Lynn", "Grace", "Edward", "Rose", "K."]
NICKNAMES = ["Jim", "Annie", "Bob", "Mia", "Pepe", "Lin", "Mike", "Zo", "Bill", "Pat"]

# (code, name) of US states used for home addresses.
US_STATES = [
    ("AL", "Alabama"), ("AZ", "Arizona"), ("CA", "California"), ("CO", "Colorado"),
    ("FL", "Florida"), ("GA", "Georgia"), ("IL", "Illinois"), ("MA", "Massachusetts"),
    ("MI", "Michigan"), ("MN", "Minnesota"), ("NC", "North Carolina"), ("NJ", "New Jersey"),
    ("NV", "Nevada"), ("NY", "New York"), ("OH", "Ohio"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"),
    ("VA", "Virginia"), ("WA", "Washington"), ("WI", "Wisconsin"),
]
STATE_NAME = dict(US_STATES)

# Jobs: 8 families x 5 levels = 40.  (family code, family title, salaried?,
# base annual salary in dollars at level 1).
JOB_FAMILIES = [
    ("FIN", "Accountant", True, 62000), ("HR", "HR Specialist", True, 55000),
    ("IT", "Software Engineer", True, 95000), ("OPS", "Operations Associate", False, 38000),
    ("SLS", "Sales Representative", False, 45000), ("MKT", "Marketing Analyst", True, 58000),
    ("LEG", "Paralegal", True, 60000), ("WHS", "Warehouse Associate", False, 33000),
]
LEVEL_TITLES = ["I", "II", "III", "Senior", "Lead"]


class Job:
    def __init__(self, n):
        family, title, salaried, base = JOB_FAMILIES[n // 5]
        level = n % 5
        self.code = "%s%02d" % (family, level + 1)
        self.title = "%s %s" % (title, LEVEL_TITLES[level]) if level < 3 \
            else "%s %s" % (LEVEL_TITLES[level], title)
        self.family = family
        self.group = family + "GRP"
        self.grade = "G%02d" % (level * 2 + 3)
        self.salaried = salaried
        self.base_cents = int(base * (1 + 0.18 * level)) * 100
        self.active = n % 10 != 9              # 4 inactive jobs
        self.country = "CAN" if n in (38, 39) else "USA"


JOBS = [Job(n) for n in range(40)]

# Locations: (code, description, city, state, zip, type)
LOCATION_ROWS = [
    ("ATL01", "Atlanta Headquarters", "Atlanta", "GA", "30303", "Office"),
    ("ATL02", "Atlanta Distribution", "Atlanta", "GA", "30336", "Warehouse"),
    ("DAY01", "Dayton Plant", "Dayton", "OH", "45402", "Plant"),
    ("CLE01", "Cleveland Office", "Cleveland", "OH", "44114", "Office"),
    ("AUS01", "Austin Campus", "Austin", "TX", "78701", "Office"),
    ("DAL01", "Dallas Store", "Dallas", "TX", "75201", "Store"),
    ("HOU01", "Houston Store", "Houston", "TX", "77002", "Store"),
    ("DEN01", "Denver Office", "Denver", "CO", "80202", "Office"),
    ("DEN02", "Denver Store", "Denver", "CO", "80205", "Store"),
    ("RNO01", "Reno Hub", "Reno", "NV", "89501", "Warehouse"),
    ("LAS01", "Las Vegas Store", "Las Vegas", "NV", "89101", "Store"),
    ("NYC01", "New York Office", "New York", "NY", "10001", "Office"),
    ("BOS01", "Boston Office", "Boston", "MA", "02110", "Office"),
    ("CHI01", "Chicago Office", "Chicago", "IL", "60601", "Office"),
    ("CHI02", "Chicago Warehouse", "Chicago", "IL", "60632", "Warehouse"),
    ("SEA01", "Seattle Office", "Seattle", "WA", "98101", "Office"),
    ("PDX01", "Portland Store", "Portland", "OR", "97204", "Store"),
    ("SFO01", "San Francisco Office", "San Francisco", "CA", "94105", "Office"),
    ("LAX01", "Los Angeles Store", "Los Angeles", "CA", "90012", "Store"),
    ("PHX01", "Phoenix Store", "Phoenix", "AZ", "85004", "Store"),
    ("MIA01", "Miami Office", "Miami", "FL", "33131", "Office"),
    ("CLT01", "Charlotte Office", "Charlotte", "NC", "28202", "Office"),
    ("NSH01", "Nashville Store", "Nashville", "TN", "37203", "Store"),
    ("SLC01", "Salt Lake Store", "Salt Lake City", "UT", "84101", "Store"),
    ("TOR01", "Toronto Office", "Toronto", "ON", "M5H 2N2", "Office"),
]

# Org levels: 4 divisions, 6 regions, 10 departments, 10 cost centers = 30.
ORG_LEVEL_CODES = {
    1: ["CORP", "MFG", "RETL", "LOGI"],
    2: ["EAST", "WEST", "CENT", "SOUT", "NRTH", "INTL"],
    3: ["FIN", "HR", "IT", "OPS", "SALES", "MKTG", "LEGAL", "WHSE", "CSVC", "RND"],
    4: ["CC100", "CC200", "CC300", "CC400", "CC500", "CC600", "CC700", "CC800", "CC900", "CC999"],
}
ORG_LEVEL_NAMES = {1: "Division", 2: "Region", 3: "Department", 4: "Cost Center"}

PAY_GROUPS = {                      # code: (description, frequency, payments/yr)
    "BW1": ("Biweekly Salaried", "B", 26),
    "BW2": ("Biweekly Hourly", "B", 26),
    "WK1": ("Weekly Hourly", "W", 52),
    "SM1": ("Semi-monthly Executive", "S", 24),
}
PERIODS_PER_YEAR = {"B": 26, "W": 52, "S": 24}
PROJECTS = ["PRJ01", "PRJ02", "PRJ03", "PRJ04", "PRJ05", "PRJ06"]
EMPLOYEE_TYPES = [("REG", 80), ("TMP", 8), ("INT", 5), ("CON", 3), ("SUM", 2), ("STU", 2)]
ETHNIC_CODES = [("1", "White"), ("2", "Black or African American"), ("3", "Hispanic or Latino"),
                ("4", "Asian"), ("5", "American Indian or Alaska Native"),
                ("6", "Two or More Races"), ("7", "Native Hawaiian or Other Pacific Islander")]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Peachtree Rd", "Elm St",
           "Park Blvd", "Lakeview Ter", "Sunset Way", "2nd Ave"]
TERM_REASONS = [("RES", "Resignation", "V"), ("RET", "Retirement", "V"),
                ("LOA", "Job Abandonment", "I"), ("PERF", "Performance", "I"),
                ("RIF", "Reduction in Force", "I")]

# Calendar bounds of the generated history.
HIRE_FIRST = ordinal(1995, 1, 1)
HIRE_LAST = ordinal(2024, 6, 30)
CHANGED_FIRST = ordinal(2018, 1, 1)
CHANGED_LAST = ordinal(2024, 12, 31)
DATA_END = ordinal(2025, 1, 31)
LAST_PAY_DATE = ordinal(2024, 12, 27)
BIRTH_FIRST = ordinal(1950, 1, 1)
BIRTH_LAST = ordinal(2003, 12, 31)


# ---------------------------------------------------------------------------
# Employee identifiers: a bijection index <-> 9-character employeeId
# ---------------------------------------------------------------------------

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM_PAIRS = [a + b for a in ALNUM for b in ALNUM]          # 36**2 entries
ID_MOD = 36 ** 8
ID_MULT = 897002298653                 # odd and not a multiple of 3: invertible
ID_INV = pow(ID_MULT, -1, ID_MOD)
MAX_EMPLOYEES = 100_000_000


@lru_cache(maxsize=None)
def id_offset(seed):
    return mix64(seed ^ 0x5EED) % ID_MOD


def employee_id(seed, i):
    """'E' + 8 base-36 digits; distinct for distinct i, scrambled order."""
    x = (i * ID_MULT + id_offset(seed)) % ID_MOD
    a, x = divmod(x, 36 ** 6)
    b, x = divmod(x, 36 ** 4)
    c, d = divmod(x, 36 ** 2)
    return "E" + ALNUM_PAIRS[a] + ALNUM_PAIRS[b] + ALNUM_PAIRS[c] + ALNUM_PAIRS[d]


def employee_index(seed, eeid):
    """Inverse of employee_id(); None when eeid is no generated id."""
    if len(eeid) != 9 or eeid[0] != "E":
        return None
    x = 0
    for ch in eeid[1:]:
        r = ALNUM.find(ch)
        if r < 0:
            return None
        x = x * 36 + r
    i = (x - id_offset(seed)) * ID_INV % ID_MOD
    return i if i < MAX_EMPLOYEES else None


def supervisor_index(i):
    """Employee i reports to (i // 10) * 10; team leads to (i // 100) * 100..."""
    if i == 0:
        return None
    k = 10
    while i % k == 0:
        k *= 10
    return i // k * k


# ---------------------------------------------------------------------------
# The employee: attributes shared by every per-employee resource
# ---------------------------------------------------------------------------

class lazy:
    """Compute an attribute on first access and store it on the instance."""

    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__

    def __get__(self, obj, owner):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


# Simulated edits (the simulator's "touch" setting): (every, ordinal,
# seconds) or None.  Set per data request from the settings, so a reset
# brings the generated data back.
TOUCH = None


def valid_touch(spec):
    """Is spec a valid "touch" setting: {"every": k >= 1, "at": ISO time}?"""
    if not isinstance(spec, dict) or set(spec) != {"every", "at"}:
        return False
    if type(spec["every"]) is not int or spec["every"] < 1 or not isinstance(spec["at"], str):
        return False
    try:
        stamp = datetime.fromisoformat(spec["at"])
    except ValueError:
        return False
    return stamp.tzinfo is None


def set_touch(spec):
    global TOUCH
    if spec is None:
        TOUCH = None
        return
    stamp = datetime.fromisoformat(spec["at"])
    TOUCH = (spec["every"], stamp.toordinal(),
             stamp.hour * 3600 + stamp.minute * 60 + stamp.second)


def touched_change(i):
    """(ordinal, seconds) of employee i's simulated edit, or None."""
    touch = TOUCH
    if touch is None or i % touch[0] != 0:
        return None
    return touch[1], touch[2]


class Employee:
    """Employee i of a tenant with the given seed.  `j` is the sub-record
    (0..k-1) for resources with k records per employee."""

    def __init__(self, seed, i, j=0):
        self.seed = seed
        self.i = i
        self.j = j
        self.h = mix64((seed << 32) ^ i)

    # -- random helpers: independent per name, stable per employee --
    def rnd(self, name, mod):
        """A number in [0, mod); h is well mixed, so multiply-shift will do."""
        return (((self.h ^ salt(name)) * 0x9E3779B97F4A7C15 & M64) >> 16) % mod

    def pick(self, name, seq):
        return seq[self.rnd(name, len(seq))]

    def chance(self, name, percent):
        return self.rnd(name, 100) < percent

    def uuid(self, name):
        return uuid_text(mix64(self.h ^ salt(name)))

    # -- identity (index-based ones are seed-independent) --
    @lazy
    def employee_id(self):
        return employee_id(self.seed, self.i)

    @lazy
    def number(self):
        return "%06d" % (self.i + 1)

    @lazy
    def company(self):
        return COMPANIES[self.i % 5]

    @lazy
    def first(self):
        return FIRST_NAMES[self.i % len(FIRST_NAMES)]

    @lazy
    def last(self):
        return LAST_NAMES[self.i % len(LAST_NAMES)]

    @lazy
    def middle(self):
        return None if self.i % 7 == 0 else self.pick("middle", MIDDLE_NAMES)

    @lazy
    def preferred(self):
        if self.i % 11 == 0:
            return MISSING
        if self.i % 3 == 0:
            return None
        return NICKNAMES[self.i % len(NICKNAMES)]

    @lazy
    def email(self):
        return "%s.%s.%s@example.com" % (self.first[1], self.last[1], self.number)

    @lazy
    def user_name(self):
        return "%s%s%d" % (self.first[1][0], self.last[1], self.i + 1)

    @lazy
    def person_id(self):
        return self.uuid("person")

    # -- employment status and history --
    @lazy
    def status(self):
        roll = self.rnd("status", 100)
        return "A" if roll < 85 else "T" if roll < 95 else "L"

    @lazy
    def hire(self):
        return HIRE_FIRST + self.rnd("hire", HIRE_LAST - HIRE_FIRST)

    @lazy
    def last_hire(self):
        if self.hire < ordinal(2020, 1, 1) and self.chance("rehire", 6):
            return min(HIRE_LAST, self.hire + 400 + self.rnd("rehire-gap", 1500))
        return self.hire

    @lazy
    def term(self):
        if self.status != "T":
            return None
        return self.last_hire + 30 + self.rnd("term", max(1, DATA_END - self.last_hire - 30))

    @lazy
    def date_in_job(self):
        end = self.term if self.term is not None else ordinal(2024, 9, 30)
        return self.last_hire + self.rnd("in-job", max(1, end - self.last_hire))

    @lazy
    def status_start(self):
        if self.status == "T":
            return self.term
        if self.status == "L":
            return ordinal(2024, 1, 1) + self.rnd("leave", 360)
        return self.last_hire

    @lazy
    def changed(self):
        """(ordinal, seconds) of the last change, within 2018..2024, unless
        the "touch" setting changed this employee later (see set_touch)."""
        touched = touched_change(self.i)
        if touched is not None:
            return touched
        first = max(CHANGED_FIRST, self.last_hire)
        return (first + self.rnd("changed", CHANGED_LAST - first + 1),
                self.rnd("changed-time", 86400))

    @lazy
    def created(self):
        return (self.hire - 14, self.rnd("created-time", 86400))

    @lazy
    def stamp_style(self):
        return self.i % 3

    def changed_stamp(self):
        return time_stamp(self.changed[0], self.changed[1], self.stamp_style)

    def created_stamp(self):
        return time_stamp(self.created[0], self.created[1], self.stamp_style)

    @lazy
    def changed_utc(self):
        """The last change as a naive UTC datetime (employee-changes window)."""
        day, secs = self.changed
        stamp = datetime.fromordinal(day)
        return stamp.replace(hour=secs // 3600, minute=secs // 60 % 60, second=secs % 60)

    @lazy
    def birth(self):
        return BIRTH_FIRST + self.rnd("birth", BIRTH_LAST - BIRTH_FIRST)

    @lazy
    def last_paid(self):
        if self.term is not None:
            return min(LAST_PAY_DATE, self.term + 7)
        return LAST_PAY_DATE

    # -- job, pay and organisation --
    @lazy
    def job(self):
        return JOBS[self.rnd("job", len(JOBS))]

    @lazy
    def location_index(self):
        """Any location but the last one (Toronto): employees live in the US."""
        return self.rnd("location", len(LOCATION_ROWS) - 1)

    @lazy
    def location(self):
        return LOCATION_ROWS[self.location_index]

    @lazy
    def part_time(self):
        return self.chance("part-time", 12)

    @lazy
    def employee_type(self):
        roll = self.rnd("type", 100)
        for code, weight in EMPLOYEE_TYPES:
            if roll < weight:
                return code
            roll -= weight
        return EMPLOYEE_TYPES[0][0]

    @lazy
    def salaried(self):
        return self.job.salaried and not self.part_time

    @lazy
    def pay_group(self):
        if self.salaried:
            return "SM1" if self.job.code.endswith("05") else "BW1"
        return "WK1" if self.job.family == "WHS" else "BW2"

    @lazy
    def weekly_hours_x100(self):
        return 2000 if self.part_time else 4000

    @lazy
    def salary_cents(self):
        factor = 8500 + self.rnd("salary", 3000)          # 0.85 .. 1.15
        cents = self.job.base_cents * factor // 10000
        return cents // 2 if self.part_time else cents

    @lazy
    def hourly_x10000(self):
        """Hourly rate in 1/10000 dollars (4 decimals)."""
        annual_hours = self.weekly_hours_x100 * 52 // 100
        return self.salary_cents * 100 // annual_hours

    @lazy
    def periods(self):
        return PERIODS_PER_YEAR[PAY_GROUPS[self.pay_group][1]]

    @lazy
    def org(self):
        return [self.pick("org%d" % n, ORG_LEVEL_CODES[n]) for n in (1, 2, 3, 4)]

    @lazy
    def project(self):
        return self.pick("project", PROJECTS) if self.chance("has-project", 30) else None

    # -- address --
    @lazy
    def state(self):
        if self.chance("lives-near", 80) and self.location[3] in STATE_NAME:
            return self.location[3]
        return self.pick("state", US_STATES)[0]

    @lazy
    def address_line1(self):
        return "%d %s" % (100 + self.rnd("house", 9800), self.pick("street", STREETS))

    @lazy
    def zip(self):
        return "%05d" % (10000 + self.rnd("zip", 89999))

    @lazy
    def home_phone(self):
        return "%03d555%04d" % (200 + self.rnd("area", 700), self.rnd("phone", 10000))

    @lazy
    def ssn(self):
        return "%03d%02d%04d" % (100 + self.rnd("ssn1", 600), 10 + self.rnd("ssn2", 89),
                                 1000 + self.rnd("ssn3", 9000))

    @lazy
    def ethnic(self):
        return self.pick("ethnic", ETHNIC_CODES)

    @lazy
    def cobra_active(self):
        return self.status == "T" and self.chance("cobra", 50)

    @lazy
    def military(self):
        return self.chance("military", 7)

    @lazy
    def term_reason(self):
        return self.pick("term-reason", TERM_REASONS) if self.status == "T" else None

    # -- the supervisor (always an employee with a smaller index) --
    @lazy
    def supervisor(self):
        s = supervisor_index(self.i)
        return None if s is None else Employee(self.seed, s)


# ---------------------------------------------------------------------------
# Field tables: (JSON key, function of the Employee)
# ---------------------------------------------------------------------------

def flag(value):
    return "Y" if value else "N"


PERSON_FIELDS = [
    ("additionalName1", lambda e: None),
    ("additionalName2", lambda e: None),
    ("addressId", lambda e: e.uuid("address")),
    ("addressIsOnTaxBoundary", lambda e: e.i % 17 == 0),
    ("addressLatitude", lambda e: fixed(25000000 + e.rnd("lat", 24000000), 6)),
    ("cobraExport", lambda e: flag(e.cobra_active)),
    ("cobraIsActive", lambda e: e.cobra_active),
    ("cobraReason", lambda e: "TERM" if e.cobra_active else None),
    ("cobraStatus", lambda e: "A" if e.cobra_active else None),
    ("cobraStatusDate", lambda e: day_stamp(e.term) if e.cobra_active else None),
    ("communityBroadcastSmsCode", lambda e: None),
    ("consentElectronicW2", lambda e: e.chance("w2", 70)),
    ("consentElectronicw2pr", lambda e: False),
    ("dateDeceased", lambda e: None),
    ("dateOfCobraEvent", lambda e: day_stamp(e.term) if e.cobra_active else None),
    ("dateOfCobraExport", lambda e: day_stamp(e.term + 5) if e.cobra_active else None),
    ("dateOfCobraLetter", lambda e: day_stamp(e.term + 3) if e.cobra_active else None),
    ("dateOfI9Expiration", lambda e: None),
    ("datetimeChanged", lambda e: e.changed_stamp()),
    ("datetimeCreated", lambda e: e.created_stamp()),
    ("disabilityType", lambda e: "PHYS" if e.i % 41 == 0 else None),
    ("ethnicDescription", lambda e: e.ethnic[1]),
    ("formerName", lambda e: None),
    ("healthBloodType", lambda e: e.pick("blood", ["A+", "A-", "B+", "O+", "O-", "AB+"])
        if e.chance("has-blood", 40) else None),
    ("healthEyes", lambda e: e.pick("eyes", ["BRO", "BLU", "GRN", "HAZ"])),
    ("healthHair", lambda e: e.pick("hair", ["BLK", "BRO", "BLN", "RED", "GRY"])),
    ("healthHeightFeet", lambda e: str(5 + e.rnd("feet", 2))),
    ("healthHeightInches", lambda e: str(e.rnd("inches", 12))),
    ("healthLastDonateDate", lambda e: None),
    ("healthWeight", lambda e: fixed(1100 + e.rnd("weight", 1200), 1)),
    ("i9AlienNumber", lambda e: None),
    ("i9DocA", lambda e: "US Passport" if e.chance("i9a", 40) else None),
    ("i9DocB", lambda e: None),
    ("i9DocC", lambda e: None),
    ("i9Verified", lambda e: e.i % 23 != 0),
    ("i9VisaType", lambda e: None),
    ("i9WorkAuth", lambda e: "C"),
    ("isDisabled", lambda e: e.i % 41 == 0),
    ("isMultiPayGroup", lambda e: False),
    ("isSmoker", lambda e: e.chance("smoker", 12)),
    ("militaryService", lambda e: e.military),
    ("militaryBranchServed", lambda e: e.pick("branch", ["ARMY", "NAVY", "USAF", "USMC"])
        if e.military else None),
    ("militaryEra", lambda e: "GWV" if e.military else None),
    ("militaryIsDisabledVet", lambda e: "N"),
    ("militaryIsOthEligVet", lambda e: "N"),
    ("militaryIsOthEligVetBasis", lambda e: None),
    ("militaryIsActiveWartimeVet", lambda e: flag(e.military)),
    ("nameFormer", lambda e: None),
    ("previousSSN", lambda e: None),
    ("originCountry", lambda e: "USA"),
    ("originLocation", lambda e: None),
    ("w2IsDeceased", lambda e: False),
    ("cobraNotes", lambda e: "Elected medical" if e.cobra_active else ""),
    ("addressSms", lambda e: None),
    ("militarySeparationDate", lambda e: day_stamp(e.hire - 200) if e.military else None),
    ("homePhoneIsPrivate", lambda e: e.chance("private", 20)),
    ("smsApprovals", lambda e: False),
    ("smsPayNotification", lambda e: e.chance("sms", 30)),
    ("i9VisaExpirationDate", lambda e: None),
    ("militaryIsMedalVet", lambda e: "N"),
    ("lastNameNotSameAsSSCard", lambda e: "N"),
    ("chkCashingInstCode", lambda e: None),
    ("nationality1", lambda e: "US"),
    ("nationality2", lambda e: None),
    ("nationality3", lambda e: None),
    ("personId", lambda e: e.person_id),
    ("employeeId", lambda e: e.employee_id),
    ("companyId", lambda e: e.company.id),
    ("userName", lambda e: e.user_name),
    ("firstName", lambda e: e.first[0]),
    ("middleName", lambda e: e.middle),
    ("lastName", lambda e: e.last[0]),
    ("preferredName", lambda e: e.preferred),
    ("namePrefixCode", lambda e: {"M": "MR", "F": "MS"}.get(e.first[2])),
    ("nameSufixCode", lambda e: "JR" if e.i % 29 == 0 else None),
    ("emailAddress", lambda e: e.email),
    ("emailAddressAlternate", lambda e: "%s%d@mail.example.net" % (e.first[1], e.i)
        if e.chance("alt-mail", 25) else None),
    ("homePhone", lambda e: e.home_phone),
    ("homePhoneCountry", lambda e: "USA"),
    ("addressLine1", lambda e: e.address_line1),
    ("addressLine2", lambda e: "Apt %d" % (1 + e.rnd("apt", 40)) if e.i % 5 == 2 else None),
    ("addressCity", lambda e: e.location[2] if e.state == e.location[3] else "Springfield"),
    ("addressState", lambda e: e.state),
    ("addressZipCode", lambda e: e.zip),
    ("addressCountry", lambda e: "USA"),
    ("addressCounty", lambda e: None if e.i % 13 == 0 else "County %d" % e.rnd("county", 90)),
    ("nationalId", lambda e: e.ssn),
    ("nationalIdCountry", lambda e: "USA"),
    ("dateOfBirth", lambda e: day_stamp(e.birth)),
    ("gender", lambda e: e.first[2]),
    ("ethnicIDCode", lambda e: e.ethnic[0]),
    ("maritalStatusCode", lambda e: e.pick("marital", ["S", "M", "M", "D", "W"])),
    ("ssn", lambda e: e.ssn),
    ("ssnIsSuppressed", lambda e: e.i % 4 == 0),
]

# person-details keys that /fast substitutes per record, in record order
# (see FastTemplates.values).
FAST_FIELDS = ["addressLatitude", "healthWeight", "personId", "employeeId", "userName",
               "firstName", "lastName", "emailAddress"]

_person = dict(PERSON_FIELDS)

DEMOGRAPHIC_FIELDS = [
    ("ethnicDescription", _person["ethnicDescription"]),
    ("additionalName1", _person["additionalName1"]),
    ("additionalName2", _person["additionalName2"]),
    ("addressId", _person["addressId"]),
    ("addressIsOnTaxBoundary", lambda e: flag(e.i % 17 == 0)),
    ("addressLatitude", _person["addressLatitude"]),
    ("disabilityType", _person["disabilityType"]),
    ("formerName", _person["formerName"]),
    ("healthBloodType", _person["healthBloodType"]),
    ("healthEyes", _person["healthEyes"]),
    ("healthHair", _person["healthHair"]),
    ("healthHeightFeet", _person["healthHeightFeet"]),
    ("healthHeightInches", _person["healthHeightInches"]),
    ("healthLastDonateDate", _person["healthLastDonateDate"]),
    ("healthWeight", _person["healthWeight"]),
    ("previousSSN", _person["previousSSN"]),
    ("originCountry", _person["originCountry"]),
    ("originLocation", _person["originLocation"]),
    ("addressSms", _person["addressSms"]),
    ("homePhoneIsPrivate", _person["homePhoneIsPrivate"]),
    ("lastNameNotSameAsSSCard", _person["lastNameNotSameAsSSCard"]),
    ("nationality1", _person["nationality1"]),
    ("nationality2", _person["nationality2"]),
    ("nationality3", _person["nationality3"]),
    ("personId", _person["personId"]),
    ("employeeId", _person["employeeId"]),
    ("companyId", _person["companyId"]),
    ("firstName", _person["firstName"]),
    ("middleName", _person["middleName"]),
    ("lastName", _person["lastName"]),
    ("preferredName", _person["preferredName"]),
    ("namePrefixCode", _person["namePrefixCode"]),
    ("nameSuffixCode", _person["nameSufixCode"]),
    ("emailAddress", _person["emailAddress"]),
    ("emailAddressAlternate", _person["emailAddressAlternate"]),
    ("homePhoneID", lambda e: e.uuid("home-phone")),
    ("homePhone", _person["homePhone"]),
    ("homePhoneCountry", _person["homePhoneCountry"]),
    ("addressLine1", _person["addressLine1"]),
    ("addressLine2", _person["addressLine2"]),
    ("addressLine3", lambda e: None),
    ("addressLine4", lambda e: None),
    ("addressCity", _person["addressCity"]),
    ("addressState", _person["addressState"]),
    ("addressZipCode", _person["addressZipCode"]),
    ("addressCountry", _person["addressCountry"]),
    ("addressCounty", _person["addressCounty"]),
    ("dateOfBirth", _person["dateOfBirth"]),
    ("gender", _person["gender"]),
    ("ethnicIdCode", _person["ethnicIDCode"]),
    ("isSmoker", _person["isSmoker"]),
    ("isDisabled", lambda e: flag(e.i % 41 == 0)),
    ("maritalStatusCode", _person["maritalStatusCode"]),
    ("ssn", _person["ssn"]),
    ("ssnIsSuppressed", _person["ssnIsSuppressed"]),
    ("userID", lambda e: e.user_name),
    ("integrationRecordId", lambda e: e.uuid("integration")),
    ("cellPhoneNumber", lambda e: "%03d555%04d" % (200 + e.rnd("cell-area", 700),
                                                   e.rnd("cell", 10000))
        if e.chance("has-cell", 75) else None),
]

EMPLOYMENT_FIELDS = [
    ("companyID", lambda e: e.company.id),
    ("companyCode", lambda e: e.company.code),
    ("companyName", lambda e: e.company.name),
    ("employeeID", lambda e: e.employee_id),
    ("jobDescription", lambda e: e.job.title),
    ("payGroupDescription", lambda e: PAY_GROUPS[e.pay_group][0]),
    ("primaryJobCode", lambda e: e.job.code),
    ("orgLevel1Code", lambda e: e.org[0]),
    ("orgLevel2Code", lambda e: e.org[1]),
    ("orgLevel3Code", lambda e: e.org[2]),
    ("orgLevel4Code", lambda e: e.org[3]),
    ("originalHireDate", lambda e: day_stamp(e.hire)),
    ("lastHireDate", lambda e: day_stamp(e.last_hire)),
    ("fullTimeOrPartTimeCode", lambda e: "P" if e.part_time else "F"),
    ("primaryWorkLocationCode", lambda e: e.location[0]),
    ("languageCode", lambda e: "ES" if e.chance("spanish", 10) else "EN"),
    ("primaryProjectCode", lambda e: e.project),
    ("workPhoneNumber", lambda e: "404555%04d" % e.rnd("work-phone", 10000)),
    ("workPhoneExtension", lambda e: "%04d" % e.rnd("ext", 10000) if e.i % 4 == 1 else None),
    ("workPhoneCountry", lambda e: "USA"),
    ("dateInJob", lambda e: day_stamp(e.date_in_job)),
    ("dateLastWorked", lambda e: day_stamp(e.term)),
    ("dateOfBenefitSeniority", lambda e: day_stamp(e.last_hire)),
    ("dateOfSeniority", lambda e: day_stamp(e.hire)),
    ("deductionGroupCode", lambda e: "PT" if e.part_time else "EXEC" if e.pay_group == "SM1"
        else "STD"),
    ("earningGroupCode", lambda e: "SAL" if e.salaried else "HRLY"),
    ("employeeTypeCode", lambda e: e.employee_type),
    ("employeeStatusCode", lambda e: e.status),
    ("employeeNumber", lambda e: e.number),
    ("jobChangeReasonCode", lambda e: "NEWHIRE" if e.date_in_job == e.last_hire
        else e.pick("job-reason", ["MERIT", "PROMO", "XFER"])),
    ("jobTitle", lambda e: e.job.title),
    ("leaveReasonCode", lambda e: e.pick("leave-reason", ["FMLA", "MED", "PERS"])
        if e.status == "L" else None),
    ("supervisorID", lambda e: e.supervisor and e.supervisor.employee_id),
    ("supervisorFirstName", lambda e: e.supervisor and e.supervisor.first[0]),
    ("supervisorLastName", lambda e: e.supervisor and e.supervisor.last[0]),
    ("autoAllocate", lambda e: "N"),
    ("clockCode", lambda e: None if e.salaried else "CLK%d" % (1 + e.rnd("clock", 4))),
    ("dateLastPayDatePaid", lambda e: day_stamp(e.last_paid)),
    ("dateOfEarlyRetirement", lambda e: None),
    ("dateOfLocalUnion", lambda e: None),
    ("dateOfNationalUnion", lambda e: None),
    ("dateOfRetirement", lambda e: day_stamp(e.term) if e.term_reason
        and e.term_reason[0] == "RET" else None),
    ("dateOfSuspension", lambda e: None),
    ("dateOfTermination", lambda e: day_stamp(e.term)),
    ("datePaidThru", lambda e: day_stamp(e.last_paid - 6)),
    ("statusStartDate", lambda e: day_stamp(e.status_start)),
    ("hireSource", lambda e: e.pick("source", ["REF", "WEB", "AGY", "JOBFAIR"])),
    ("isAutoAllocated", lambda e: "N"),
    ("isAutopaid", lambda e: flag(e.salaried)),
    ("isMultipleJob", lambda e: "N"),
    ("jobGroupCode", lambda e: e.job.group),
    ("mailstop", lambda e: None),
    ("okToRehire", lambda e: flag(e.term_reason[0] != "PERF") if e.term_reason else None),
    ("payGroup", lambda e: e.pay_group),
    ("payPeriod", lambda e: PAY_GROUPS[e.pay_group][1]),
    ("plannedLeaveReason", lambda e: None),
    ("positionCode", lambda e: POSITIONS[e.company.id][e.rnd("position", 24)]["positionCode"]),
    ("salaryOrHourly", lambda e: "S" if e.salaried else "H"),
    ("scheduledAnnualHrs", lambda e: fixed(e.weekly_hours_x100 * 52, 2)),
    ("scheduledFTE", lambda e: fixed(e.weekly_hours_x100 * 100 // 40, 4)),
    ("scheduledWorkHrs", lambda e: fixed(e.weekly_hours_x100 * 52 // e.periods, 2)),
    ("shift", lambda e: None if e.salaried else str(1 + e.rnd("shift", 3))),
    ("shiftGroup", lambda e: None),
    ("termReason", lambda e: e.term_reason and e.term_reason[0]),
    ("terminationReasonDescription", lambda e: e.term_reason and e.term_reason[1]),
    ("termType", lambda e: e.term_reason and e.term_reason[2]),
    ("timeclockID", lambda e: None if e.salaried else "%06d" % (e.i + 500000)),
    ("unionLocal", lambda e: "L%03d" % e.rnd("union", 40) if e.job.family == "WHS" else None),
    ("unionNational", lambda e: "TEAMSTERS" if e.job.family == "WHS" else None),
    ("weeklyHours", lambda e: fixed(e.weekly_hours_x100, 2)),
    ("dateTimeCreated", lambda e: e.created_stamp()),
    ("dateTimeChanged", lambda e: e.changed_stamp()),
    ("supervisorEmployeeNumber", lambda e: e.supervisor and e.supervisor.number),
    ("supervisorCOID", lambda e: e.supervisor and e.supervisor.company.id),
    ("supervisorCompanyCode", lambda e: e.supervisor and e.supervisor.company.code),
    ("companyGLSegment", lambda e: e.company.gl),
    ("locationGLSegment", lambda e: "%03d" % (e.location_index + 10)),
]

_employment = dict(EMPLOYMENT_FIELDS)

# The spec's record schema for employee-employment-details is an echo of its
# query parameters; real records resemble employment-details (FACTS 2.1).
# We serve the documented names (companyID, employeeID, supervisorId) plus
# salaryOrHourly, and isHomeCompany as a JSON boolean.
EMPLOYEE_EMPLOYMENT_FIELDS = [
    (key, _employment[key]) for key in (
        "companyID", "employeeID", "primaryJobCode", "jobTitle", "fullTimeOrPartTimeCode",
        "primaryWorkLocationCode", "primaryProjectCode", "deductionGroupCode",
        "earningGroupCode", "employeeTypeCode", "employeeStatusCode", "employeeNumber")
] + [
    ("supervisorId", _employment["supervisorID"]),
] + [
    (key, _employment[key]) for key in (
        "originalHireDate", "lastHireDate", "dateOfTermination", "dateOfRetirement",
        "dateTimeCreated", "dateTimeChanged", "dateLastPayDatePaid", "payGroup")
] + [
    ("isHomeCompany", lambda e: True),
    ("salaryOrHourly", _employment["salaryOrHourly"]),
]


def review_rating(e):
    return None if e.i % 6 == 0 else str(1 + e.rnd("rating", 5))


COMPENSATION_FIELDS = [
    ("employeeID", lambda e: e.employee_id),
    ("companyID", lambda e: e.company.id),
    ("annualSalary", lambda e: money(e.salary_cents)),
    ("hourlyPayRate", lambda e: fixed(e.hourly_x10000, 4)),
    ("weeklyPayRate", lambda e: money(e.salary_cents // 52)),
    ("payPeriodPayRate", lambda e: money(e.salary_cents // e.periods)),
    ("currencyCode", lambda e: "USD"),
    ("otherRate1", lambda e: money(0)),
    ("otherRate2", lambda e: money(0)),
    ("otherRate3", lambda e: money(0)),
    ("otherRate4", lambda e: money(0)),
    ("payGroupDescription", _employment["payGroupDescription"]),
    ("piecePayRate", lambda e: money(0)),
    ("primaryJobCode", lambda e: e.job.code),
    ("jobSalaryGrade", lambda e: e.job.grade),
    ("jobChangeReasonCode", _employment["jobChangeReasonCode"]),
    ("jobGroupCode", lambda e: e.job.group),
    ("jobTitle", lambda e: e.job.title),
    ("dateInJob", lambda e: day_stamp(e.date_in_job)),
    ("dateLastPaid", lambda e: day_stamp(e.last_paid)),
    ("dateLastWorked", lambda e: day_stamp(e.term)),
    ("dateOfLastSalaryReview", lambda e: day_stamp(max(e.last_hire, ordinal(2024, 3, 1)))
        if review_rating(e) else None),
    ("dateOfNextSalayrReview", lambda e: None if e.status == "T"
        else day_stamp(ordinal(2025, 3, 1))),
    ("isAutoAllocated", lambda e: False),
    ("isAutoPaid", lambda e: e.salaried),
    ("isSeasonalWorker", lambda e: e.employee_type == "SUM"),
    ("isHighlyCompensated", lambda e: e.salary_cents >= 15000000),
    ("isMultipleJob", lambda e: False),
    ("payGroupCode", lambda e: e.pay_group),
    ("payPeriod", _employment["payPeriod"]),
    ("payScaleCode", lambda e: None),
    ("salaryOrHourlyCode", _employment["salaryOrHourly"]),
    ("fullTimeOrPartTimeCode", _employment["fullTimeOrPartTimeCode"]),
    ("scheduledFullTimeEquivalency", _employment["scheduledFTE"]),
    ("scheduledPeriodWorkHours", _employment["scheduledWorkHrs"]),
    ("scheduledAnnualWorkHours", _employment["scheduledAnnualHrs"]),
    ("weeklyHours", _employment["weeklyHours"]),
    ("primaryShiftCode", _employment["shift"]),
    ("primaryShiftGroupCode", lambda e: None),
    ("avgPayRateCurPer", lambda e: money(e.salary_cents // e.periods)),
    ("bonusTotalHrs", lambda e: money(0)),
    ("bonusTotalOtHrs", lambda e: money(0)),
    ("datePaidThru", _employment["datePaidThru"]),
    ("emplStatus", lambda e: e.status),
    ("totalAnnSalary", lambda e: money(e.salary_cents)),
    ("distributionCenterCode", lambda e: None),
    ("numberOfPayments", lambda e: e.periods),
    ("performanceReviewRating", review_rating),
    ("performanceReviewType", lambda e: "ANNUAL" if review_rating(e) else None),
]


def history_salary(e):
    """Salary in cents of job-history record e.j: 0 = hire, 1 = current."""
    return e.salary_cents if e.j == 1 else e.salary_cents * 9 // 10


def history_date(e):
    return e.last_hire if e.j == 0 else max(e.date_in_job, e.last_hire + 1)


JOB_HISTORY_FIELDS = [
    ("annualSalary", lambda e: money(history_salary(e))),
    ("companyId", lambda e: e.company.id),
    ("dateTimeCreated", lambda e: time_stamp(history_date(e), e.created[1], e.stamp_style)),
    ("employeeId", lambda e: e.employee_id),
    ("employeeType", lambda e: e.employee_type),
    ("employeeStatus", lambda e: "A" if e.j == 0 else e.status),
    ("flsaCategory", lambda e: "E" if e.salaried else "N"),
    ("fullTimeOrPartTime", _employment["fullTimeOrPartTimeCode"]),
    ("hourlyPayRate", lambda e: fixed(history_salary(e) * 100 // (e.weekly_hours_x100 * 52 // 100), 4)),
    ("isJobChange", lambda e: e.j == 1 and e.i % 4 == 0),
    ("isOrgchange", lambda e: e.j == 1 and e.i % 8 == 0),
    ("isOutsideGuidelines", lambda e: False),
    ("isOutsideRange", lambda e: False),
    ("isPromotion", lambda e: e.j == 1 and e.i % 4 == 0),
    ("isRateChange", lambda e: e.j == 1),
    ("isSystem", lambda e: False),
    ("isTransfer", lambda e: e.j == 1 and e.i % 8 == 0),
    ("jobCode", lambda e: e.job.code),
    ("jobDescription", lambda e: e.job.title),
    ("jobEffectiveDate", lambda e: day_stamp(history_date(e))),
    ("jobGroupCode", lambda e: e.job.group),
    ("locationCode", lambda e: e.location[0]),
    ("orgLevel1Code", lambda e: e.org[0]),
    ("orgLevel2Code", lambda e: e.org[1]),
    ("orgLevel3Code", lambda e: e.org[2]),
    ("orgLevel4Code", lambda e: e.org[3]),
    ("otherRate1", lambda e: money(0)),
    ("otherRate2", lambda e: money(0)),
    ("otherRate3", lambda e: money(0)),
    ("otherRate4", lambda e: money(0)),
    ("payGroupCode", lambda e: e.pay_group),
    ("payPeriodCode", _employment["payPeriod"]),
    ("payScaleCode", lambda e: None),
    ("percentChange", lambda e: fixed(11111 if e.j == 1 else 0, 4)),
    ("periodPayRate", lambda e: money(history_salary(e) // e.periods)),
    ("piecePayRate", lambda e: money(0)),
    ("positionCode", _employment["positionCode"]),
    ("reasonCode", lambda e: ("REHIRE" if e.last_hire != e.hire else "HIRE") if e.j == 0
        else "PROMO" if e.i % 4 == 0 else "MERIT"),
    ("salaryGrade", lambda e: e.job.grade),
    ("salaryOrHourly", _employment["salaryOrHourly"]),
    ("scheduledAnnualHours", _employment["scheduledAnnualHrs"]),
    ("scheduledFullTimeEquivalency", _employment["scheduledFTE"]),
    ("scheduledWorkHours", _employment["scheduledWorkHrs"]),
    ("shiftCode", _employment["shift"]),
    ("shiftGroupCode", lambda e: None),
    ("stepNumber", lambda e: fixed(0, 2)),
    ("supervisorId", lambda e: e.supervisor and e.supervisor.employee_id),
    ("supervisorNameFirst", _employment["supervisorFirstName"]),
    ("supervisorNameLast", _employment["supervisorLastName"]),
    ("supervisorNameSuffix", lambda e: None),
    ("supervisorNotInList", lambda e: False),
    ("systemId", lambda e: "%010d" % (2 * e.i + e.j + 1)),
    ("unionNational", _employment["unionNational"]),
    ("usePayScales", lambda e: False),
    ("weeklyPayRate", lambda e: money(history_salary(e) // 52)),
    ("notes", lambda e: None if e.j == 0 else "Annual review"),
    ("homeCompanyId", lambda e: e.company.id),
    ("integrationEffectiveDate", lambda e: day_stamp(history_date(e))),
    ("projectCode", lambda e: e.project),
    ("numberOfPayments", lambda e: fixed(e.periods * 100, 2)),
    ("weeklyHours", _employment["weeklyHours"]),
    ("isViewableByEmployee", lambda e: True),
    ("createdByUserId", lambda e: 100 + e.rnd("creator", 50)),
    ("jobTitle", lambda e: e.job.title),
]

CHANGES_FIELDS = [
    ("firstName", _person["firstName"]),
    ("lastName", _person["lastName"]),
    ("preferredName", _person["preferredName"]),
    ("emailAddress", _person["emailAddress"]),
    ("countryCode", lambda e: "USA"),
    ("languageCode", _employment["languageCode"]),
    ("employeeNumber", lambda e: e.i + 1),             # typed number here!
    ("employeeId", lambda e: e.employee_id),
    ("personId", lambda e: e.person_id),
    ("userIntegrationKey", lambda e: e.uuid("integration")),
    ("companyName", lambda e: e.company.name),
    ("companyId", lambda e: e.company.id),
    ("supervisorId", lambda e: e.supervisor and e.supervisor.employee_id),
    ("salaryOrHourly", _employment["salaryOrHourly"]),
    ("fullTimeOrPartTime", _employment["fullTimeOrPartTimeCode"]),
    ("isActive", lambda e: e.status != "T"),
    ("workLocation", lambda e: e.location[0]),
    ("jobCode", lambda e: e.job.code),
    ("projectCode", lambda e: e.project),
    ("orgLevel1Code", lambda e: e.org[0]),
    ("orgLevel2Code", lambda e: e.org[1]),
    ("orgLevel3Code", lambda e: e.org[2]),
    ("orgLevel4Code", lambda e: e.org[3]),
    ("middleName", _person["middleName"]),
    ("workPhone", _employment["workPhoneNumber"]),
    ("homePhone", _person["homePhone"]),
    ("employeeAddress1", _person["addressLine1"]),
    ("employeeAddress2", _person["addressLine2"]),
    ("city", _person["addressCity"]),
    ("state", _person["addressState"]),
    ("zipCode", _person["addressZipCode"]),
    ("terminationDate", lambda e: day_stamp(e.term)),
    ("hireDate", lambda e: day_stamp(e.hire)),
    ("supervisorName", lambda e: None if e.supervisor is None
        else "%s, %s" % (e.supervisor.last[0], e.supervisor.first[0])),
    ("prefix", _person["namePrefixCode"]),
    ("suffix", _person["nameSufixCode"]),
    ("alternateEmailAddress", _person["emailAddressAlternate"]),
    ("gender", _person["gender"]),
    ("employeeStatus", lambda e: e.status),
    ("employeeType", lambda e: e.employee_type),
    ("emplStatusStartDate", lambda e: day_stamp(e.status_start)),
    ("dateInJob", lambda e: day_stamp(e.date_in_job)),
    ("dateOfLastHire", lambda e: day_stamp(e.last_hire)),
    ("jobGroupCode", lambda e: e.job.group),
    ("alternateJobTitle", lambda e: None),
]

PTO_PLANS = ["VAC", "SICK"]

PTO_FIELDS = [
    ("employeeId", lambda e: e.employee_id),
    ("companyId", lambda e: e.company.id),
    ("ptoPlan", lambda e: PTO_PLANS[e.j]),
    ("earned", lambda e: fixed((8000 if e.j == 0 else 4000) + 25 * e.rnd("earned%d" % e.j, 200), 2)),
    ("taken", lambda e: fixed(25 * e.rnd("taken%d" % e.j, 240), 2)),
    ("pendingBalance", lambda e: fixed(0, 2)),
    ("earnedThroughDate", lambda e: day_stamp(e.last_paid)),
    ("reset", lambda e: "ANNIVERSARY" if e.j == 0 else "CALENDAR"),
    ("pendingMoveDate", lambda e: None),
]


def pay(e, share):
    """A share (per mille) of e's gross pay per period, in cents."""
    return e.salary_cents // e.periods * share // 1000


PAY_REGISTER_FIELDS = [
    ("annualSalary", lambda e: money(e.salary_cents)),
    ("autoAllocate", lambda e: False),
    ("bonusTotalHours", lambda e: money(0)),
    ("bonusTotalOTHours", lambda e: money(0)),
    ("checkAddMode", lambda e: "R"),
    ("checkAmount", lambda e: money(pay(e, 1000))),
    ("companyId", lambda e: e.company.id),
    ("payPeriodFrequency", _employment["payPeriod"]),
    ("currencyCode", lambda e: "USD"),
    ("directDepositAmount", lambda e: money(pay(e, 720))),
    ("documentNumber", lambda e: "DD%08d" % (e.i + 1)),
    ("earningTaxReportingType", lambda e: "R"),
    ("employeeId", lambda e: e.employee_id),
    ("employeeStatus", lambda e: e.status),
    ("employeeNumber", lambda e: e.number),
    ("checkId", lambda e: "CHK%09d" % (e.i + 1)),
    ("hourlyPayRate", lambda e: fixed(e.hourly_x10000, 4)),
    ("isRegularPayForCumulative", lambda e: "Y"),
    ("isVoided", lambda e: False),
    ("isVoidingRecord", lambda e: False),
    ("jobCode", lambda e: e.job.code),
    ("lastRegularPayDate", lambda e: day_stamp(e.last_paid)),
    ("locationCode", lambda e: e.location[0]),
    ("nameFirst", _person["firstName"]),
    ("nameLast", _person["lastName"]),
    ("nameMiddle", _person["middleName"]),
    ("nameSuffix", _person["nameSufixCode"]),
    ("netAmount", lambda e: money(pay(e, 720))),
    ("organizationLevel1", lambda e: e.org[0]),
    ("organizationLevel2", lambda e: e.org[1]),
    ("organizationLevel3", lambda e: e.org[2]),
    ("organizationLevel4", lambda e: e.org[3]),
    ("originalPayPeriodFrequency", _employment["payPeriod"]),
    ("payDate", lambda e: day_stamp(e.last_paid)),
    ("payGroup", lambda e: e.pay_group),
    ("periodControl", lambda e: iso_day(e.last_paid).replace("-", "") + "1"),
    ("periodEndDate", lambda e: day_stamp(e.last_paid - 6)),
    ("periodStartDate", lambda e: day_stamp(e.last_paid - 6 - 364 // e.periods)),
    ("project", lambda e: e.project),
    ("reconciled", lambda e: "N"),
    ("reconcileDate", lambda e: None),
    ("sequenceNumber", lambda e: 1),
    ("shift", _employment["shift"]),
    ("ssn", _person["ssn"]),
    ("stateSui", lambda e: e.location[3]),
    ("suiGross", lambda e: money(pay(e, 1000))),
    ("taxCalculationGroupID", lambda e: e.company.code + "TX"),
    ("taxCalculationSequence", lambda e: "1"),
    ("totalDeductionAmount", lambda e: money(pay(e, 80))),
    ("totalEarningsAmount", lambda e: money(pay(e, 1000))),
    ("totalHours", lambda e: fixed(e.weekly_hours_x100 * 52 // e.periods, 2)),
    ("totalHoursWorked", lambda e: fixed(e.weekly_hours_x100 * 52 // e.periods, 2)),
    ("totalShiftAmount", lambda e: money(0)),
    ("totalTaxAmount", lambda e: money(pay(e, 200))),
    ("voidDate", lambda e: None),
]


# ---------------------------------------------------------------------------
# Configuration rows (small, fixed, seed-independent)
# ---------------------------------------------------------------------------

def company_rows():
    rows = []
    for n, c in enumerate(COMPANIES):
        rows.append({
            "isMasterCompany": flag(n == 0),
            "masterCompanyId": COMPANIES[0].id,
            "companyID": c.id,
            "companyCode": c.code,
            "companyName": c.name,
            "addressLine1": "%d Commerce Pkwy" % (100 * (n + 1)),
            "addressLine2": "Suite 200" if n % 2 == 0 else None,
            "addressCity": c.city,
            "addressState": c.state,
            "addressZipCode": c.zip,
            "addressCountry": "USA",
            "addressCounty": c.county,
            "phoneNumber": "800555%04d" % (1000 + n),
            "phoneNumberExtension": None,
            "federalTaxId": "58-%07d" % (1234567 + n * 1111),
            "orgLevel1Code": ORG_LEVEL_CODES[1][n % 4],
            "orgLevel2Code": None,
            "orgLevel3Code": None,
            "orgLevel4Code": None,
        })
    return rows


def job_rows():
    return [{"title": j.title, "countryCode": j.country, "code": j.code,
             "jobFamilyCode": j.family, "isActive": j.active} for j in JOBS]


def location_rows():
    rows = []
    for n, (code, desc, city, state, zipcode, kind) in enumerate(LOCATION_ROWS):
        canada = state == "ON"
        country = "CAN" if canada else "USA"
        rows.append({
            "description": desc,
            "id": n + 1,
            "name": desc,
            "city": city,
            "state": {"code": state, "name": "Ontario" if canada else STATE_NAME.get(state)},
            "country": {"id": 2 if canada else 1, "code": country,
                        "name": "Canada" if canada else "United States"},
            "type": kind,
            "countryCode": country,
            "locationCode": code,
            "zipOrPostalCode": zipcode,
            "isActive": n not in (10, 16),               # 2 inactive locations
        })
    return rows


def org_level_rows():
    rows = []
    for level, codes in ORG_LEVEL_CODES.items():
        for n, code in enumerate(codes):
            rows.append({
                "description": "%s %s" % (ORG_LEVEL_NAMES[level], code),
                "budgetGroup": "BG%d" % level,
                "code": code,
                "currentYearBudgetFTE": fixed((n + 1) * 1250, 2),
                "currentYearBudgetSalary": money((n + 1) * 75000000),
                "glSegment": "%d%02d" % (level, n),
                "lastYearBudgetFTE": fixed((n + 1) * 1200, 2),
                "lastYearBudgetSalary": money((n + 1) * 72000000),
                "level": level,
                "levelDescription": ORG_LEVEL_NAMES[level],
                "reportingCategory": "OPS" if level < 3 else "FIN",
                "isActive": n != len(codes) - 1 or level != 4,   # CC999 inactive
            })
    return rows


def position_rows():
    rows = []
    for n in range(120):
        company = COMPANIES[n % 5]
        job = JOBS[n % len(JOBS)]
        location = LOCATION_ROWS[n % (len(LOCATION_ROWS) - 1)]
        changed = ordinal(2020, 1, 1) + n * 11
        rows.append({
            "alternateTitle": None if n % 3 else job.title + " (Alt)",
            "companyId": company.id,
            "dateTimeChanged": time_stamp(changed, 3600 + n * 61, n % 3),
            "dateTimeCreated": time_stamp(changed - 400, 7200 + n * 37, n % 3),
            "employeeType": "REG" if n % 6 else "TMP",
            "effectiveStartDate": day_stamp(changed - 400),
            "effectiveStopDate": day_stamp(changed + 1500) if n % 10 == 0 else None,
            "fundID": None,
            "glSegment": "%03d" % (n + 1),
            "isApproved": n % 9 != 0,
            "isEligibleForBenefits": n % 6 != 0,
            "isProrated": n % 4 == 0,
            "jobcode": job.code,
            "locationCode": location[0],
            "notes": None,
            "organizationLevelCode1": ORG_LEVEL_CODES[1][n % 4],
            "organizationLevelCode2": ORG_LEVEL_CODES[2][n % 6],
            "organizationLevelCode3": ORG_LEVEL_CODES[3][n % 10],
            "organizationLevelCode4": ORG_LEVEL_CODES[4][n % 10],
            "overstaffingAllowed": n % 5 == 0,
            "payGroupCode": "BW1" if job.salaried else "BW2",
            "positionCode": "POS%04d" % (n + 1),
            "projectCode": PROJECTS[n % 6] if n % 3 == 0 else None,
            "shiftGroupCode": None if job.salaried else "SG1",
            "statusCode": "A" if n % 12 else "I",
            "statusAsOfDate": day_stamp(changed),
            "userDefinedField01": None,
            "userDefinedField02": None,
            "userDefinedField03": None,
            "userDefinedField04": {"isNull": n % 2 == 0,
                                   "Value": None if n % 2 == 0 else fixed(n * 150, 2)},
            "integrationRecordId": uuid_text(mix64(n + 7000)),
        })
    return rows


POSITION_ROWS = position_rows()
POSITIONS = {c.id: [p for p in POSITION_ROWS if p["companyId"] == c.id] for c in COMPANIES}


# ---------------------------------------------------------------------------
# Filters: documented query parameters, applied server-side
# ---------------------------------------------------------------------------

class FilterError(Exception):
    """A filter value that does not parse; the server answers 400."""

    def __init__(self, param, value, message=None):
        super().__init__(message or "The value '%s' is not valid." % value)
        self.param = param
        self.value = value


_MDY = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


def parse_mdy(param, text):
    """MM-DD-YYYY -> 'YYYY-MM-DD' (comparable as a string)."""
    match = _MDY.fullmatch(text.strip())
    if not match:
        raise FilterError(param, text)
    month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise FilterError(param, text) from None


def date_test(param, value, inclusive):
    """Predicate on a record's ISO date-time for UKG's date operators:
    '>d' after, '<d' before, '{a,b}' between, 'd' on that day.  Bounds are
    compared at day granularity, inclusive or not per the setting."""
    text = value.strip()
    if text.startswith(">"):
        low = parse_mdy(param, text[1:])
        return (lambda d: d >= low) if inclusive else (lambda d: d > low)
    if text.startswith("<"):
        high = parse_mdy(param, text[1:])
        return (lambda d: d <= high) if inclusive else (lambda d: d < high)
    if text.startswith("{") and text.endswith("}"):
        bounds = text[1:-1].split(",")
        if len(bounds) != 2:
            raise FilterError(param, value)
        low, high = parse_mdy(param, bounds[0]), parse_mdy(param, bounds[1])
        if inclusive:
            return lambda d: low <= d <= high
        return lambda d: low < d < high
    day = parse_mdy(param, text)
    return lambda d: d == day


class FilterSpec:
    """A documented filter parameter of a resource.

    kind: 'eq' exact string, 'list' comma-separated alternatives,
    'date' UKG date operators, 'bool' true/false, 'yn' also Y/N.  key: the record key the
    parameter filters (its spelling may differ, e.g. companyId vs companyID).
    getter: function of the record context giving the filtered value; the
    resource sets it from `key` unless given (hidden attributes).
    """

    def __init__(self, param, kind, key=None, getter=None):
        self.param = param
        self.kind = kind
        self.key = key or param
        self.getter = getter

    def predicate(self, value, inclusive):
        """A test on the filtered field's value; raises FilterError."""
        if self.kind == "eq":
            return lambda v: v is not None and v is not MISSING and digest_text(v) == value
        if self.kind == "list":
            wanted = {part.strip() for part in value.split(",") if part.strip()}
            return lambda v: v is not None and v is not MISSING and digest_text(v) in wanted
        if self.kind in ("bool", "yn"):
            expected = self.bool_value(value)
            return lambda v: v is expected or v == flag(expected)
        test = date_test(self.param, value, inclusive)
        return lambda v: isinstance(v, str) and test(v[:10])


    def bool_value(self, value):
        """true/false, and for kind 'yn' also Y/N (any case): the spec's
        pattern ^[yY]{1}$ on employee-employment-details' isHomeCompany."""
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if self.kind == "yn" and lowered in ("y", "n"):
            return lowered == "y"
        raise FilterError(self.param, value)


def filters(*specs):
    """Filter table keyed by lower-case name (ASP.NET binds case-insensitively).

    Each spec is a FilterSpec or a string "param[=recordKey][:kind]", e.g.
    "companyId=companyID" or "dateTimeChanged:date" (kind defaults to eq).
    """
    table = {}
    for spec in specs:
        if isinstance(spec, str):
            name, _, kind = spec.partition(":")
            key = None
            if "=" in name:
                name, key = name.split("=")
            spec = FilterSpec(name, kind or "eq", key)
        table[spec.param.lower()] = spec
    return table


# ---------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------

class Resource:
    """A served list resource.

    paging: 'per_Page' or 'per_page' (the documented page-size spelling) or
    None for configuration code lists that ignore paging.  window: names of
    the required (start, end) ISO 8601 parameters of employee-changes.
    """

    def __init__(self, name, path, permission, paging, filter_table, window=None):
        self.name = name
        self.path = path
        self.permission = permission
        self.paging = paging
        self.filters = filter_table
        self.window = window

    def candidates(self, seed, n, params):
        """Indices that can match, when a filter pins them; else None."""
        return None


class EmployeeResource(Resource):
    """k records per employee, record index = employee * k + sub-record."""

    def __init__(self, name, path, permission, paging, fields, filter_table,
                 per_employee=1, window=None):
        super().__init__(name, path, permission, paging, filter_table, window)
        self.fields = fields
        self.field_fn = dict(fields)
        self.keys = [key for key, _ in fields]
        self.plan = [(_encode_string(key) + ":", fn) for key, fn in fields]
        self.per_employee = per_employee
        for spec in filter_table.values():
            if spec.getter is None:
                spec.getter = self.field_fn[spec.key]

    def count(self, n):
        return n * self.per_employee

    def context(self, seed, index):
        return Employee(seed, index // self.per_employee, index % self.per_employee)

    def record(self, ctx):
        out = {}
        for key, fn in self.fields:
            value = fn(ctx)
            if value is not MISSING:
                out[key] = value
        return out

    def render(self, ctx):
        """JSON text of the record, without building it as a dict first."""
        parts = []
        for prefix, fn in self.plan:
            value = fn(ctx)
            if value is not MISSING:
                parts.append(prefix + to_json(value))
        return "{" + ",".join(parts) + "}"

    def value(self, ctx, key):
        fn = self.field_fn.get(key)
        return MISSING if fn is None else fn(ctx)

    def candidates(self, seed, n, params):
        """An employeeId equality filter pins one employee: no scan needed."""
        wanted = params.get("employeeid")
        spec = self.filters.get("employeeid")
        if wanted is None or spec is None or spec.kind != "eq":
            return None
        i = employee_index(seed, wanted)
        if i is None or i >= n:
            return range(0)
        k = self.per_employee
        return range(i * k, i * k + k)


class FixedResource(Resource):
    """A small configuration list, the same for every tenant size."""

    def __init__(self, name, path, permission, paging, rows, filter_table):
        super().__init__(name, path, permission, paging, filter_table)
        self.rows = rows
        self.keys = list(rows[0])
        for spec in filter_table.values():
            spec.getter = lambda row, key=spec.key: row.get(key, MISSING)

    def count(self, n):
        return len(self.rows)

    def context(self, seed, index):
        return self.rows[index]

    def render(self, ctx):
        return render_record(ctx)

    def value(self, ctx, key):
        return ctx.get(key, MISSING)


PERSON_FILTERS = filters(
    "companyId", "employeeId", "lastName", "emailAddress", "addressState", "addressCountry",
    "cobraIsActive:bool", "cobraStatus", "dateOfCobraEvent:date",
    "dateTimeCreated=datetimeCreated:date", "dateTimeChanged=datetimeChanged:date",
    "nationalId", "nationalIdCountry")

EMPLOYMENT_FILTER_NAMES = [
    "primaryJobCode", "jobTitle", "fullTimeOrPartTimeCode", "primaryWorkLocationCode",
    "primaryProjectCode", "deductionGroupCode", "earningGroupCode", "employeeTypeCode",
    "employeeStatusCode", "employeeNumber", "originalHireDate:date", "lastHireDate:date",
    "dateOfTermination:date", "dateOfRetirement:date", "dateTimeCreated:date",
    "dateTimeChanged:date", "dateLastPayDatePaid:date", "payGroup"]

# Hidden attribute: every generated employee belongs to its home company.
HOME_COMPANY = FilterSpec("isHomeCompany", "bool", getter=lambda e: True)
# employee-employment-details spells its flag Y (spec pattern ^[yY]{1}$);
# compensation-details' flags are one letter too (^[a-zA-Z]*$, maxLength 1)
HOME_COMPANY_YN = FilterSpec("isHomeCompany", "yn", getter=lambda e: True)

EMPLOYMENT_FILTERS = filters(
    "companyId=companyID", "employeeId=employeeID", "supervisorID", HOME_COMPANY,
    *EMPLOYMENT_FILTER_NAMES)

# employee-employment-details accepts comma lists on these (FACTS section 3).
LIST_FILTERS = {"companyID", "primaryJobCode", "primaryWorkLocationCode", "primaryProjectCode",
                "deductionGroupCode", "earningGroupCode", "employeeTypeCode",
                "employeeStatusCode", "payGroup"}

EMPLOYEE_EMPLOYMENT_FILTERS = filters(
    "companyID:list", "employeeID", "supervisorId", HOME_COMPANY_YN,
    *[name + ":list" if name in LIST_FILTERS else name for name in EMPLOYMENT_FILTER_NAMES])

# employeeId takes a comma list where the spec's pattern allows commas
# (compensation-details, pay-register; doc/catalog-notes.md, issue #12)
COMPENSATION_FILTERS = filters(
    "companyId=companyID", "employeeId=employeeID:list", "primaryJobCode", "jobGroupCode",
    "jobTitle", "payGroupCode", "fullTimeOrPartTimeCode", "salaryOrHourlyCode",
    "primaryShiftCode", "primaryShiftGroupCode", "dateInJob:date", "dateLastPaid:date",
    "datePaidThru:date", "isAutoAllocated:yn", "isAutoPaid:yn", "isSeasonalWorker:yn",
    "isHighlyCompensated:yn", "isMultipleJob:yn", "performanceReviewRating",
    "performanceReviewType")

JOB_HISTORY_FILTERS = filters(
    "companyId", "employeeId", "isOrgChange=isOrgchange:bool", "isJobChange:bool",
    "isRateChange:bool", "isPromotion:bool", "systemId", "jobEffectiveDate:date",
    "dateTimeCreated:date")

DEMOGRAPHIC_FILTERS = filters(
    "employeeId", "companyId", "lastName", "emailAddress", "addressState", "addressCountry")

PAY_REGISTER_FILTERS = filters(
    "employeeId:list", "companyId", "checkId", "employeeNumber", "documentNumber", "payGroup",
    "periodControl", "payDate:date", "periodEndDate:date", "periodStartDate:date")

RESOURCES = [
    EmployeeResource("person-details", "/personnel/v1/person-details",
                     "Employee Person Details", "per_Page", PERSON_FIELDS, PERSON_FILTERS),
    EmployeeResource("employment-details", "/personnel/v1/employment-details",
                     "Personnel Integration", "per_Page", EMPLOYMENT_FIELDS, EMPLOYMENT_FILTERS),
    EmployeeResource("employee-employment-details",
                     "/personnel/v1/employee-employment-details", "Personnel Integration",
                     "per_Page", EMPLOYEE_EMPLOYMENT_FIELDS, EMPLOYEE_EMPLOYMENT_FILTERS),
    EmployeeResource("employee-demographic-details",
                     "/personnel/v1/employee-demographic-details", "Personnel Integration",
                     "per_Page", DEMOGRAPHIC_FIELDS, DEMOGRAPHIC_FILTERS),
    EmployeeResource("compensation-details", "/personnel/v1/compensation-details",
                     "Employee Compensation Details", "per_Page", COMPENSATION_FIELDS,
                     COMPENSATION_FILTERS),
    EmployeeResource("employee-job-history-details",
                     "/personnel/v1/employee-job-history-details",
                     "Employee Job History Details", "per_Page", JOB_HISTORY_FIELDS,
                     JOB_HISTORY_FILTERS, per_employee=2),
    EmployeeResource("employee-changes", "/personnel/v1/employee-changes", "EmployeeExport",
                     "per_page", CHANGES_FIELDS, {}, window=("startDate", "endDate")),
    EmployeeResource("pto-plans", "/personnel/v1/pto-plans", "PTO Plan Integration",
                     "per_page", PTO_FIELDS, {}, per_employee=2),
    EmployeeResource("pay-register", "/payroll/v1/pay-register", "Payroll Integration",
                     "per_Page", PAY_REGISTER_FIELDS, PAY_REGISTER_FILTERS),
    FixedResource("company-details", "/configuration/v1/company-details",
                  "Company Configuration Integration", "per_Page", company_rows(),
                  filters("companyId=companyID", "masterCompanyId", "companyCode",
                          "isMasterCompany")),
    FixedResource("jobs", "/configuration/v1/jobs", "Company Configuration Integration",
                  None, job_rows(), filters("countryCode", "isActive:bool")),
    FixedResource("locations", "/configuration/v1/locations",
                  "Company Configuration Integration", None, location_rows(),
                  filters("countryCode", "isActive:bool")),
    FixedResource("org-levels", "/configuration/v1/org-levels",
                  "Company Configuration Integration", None, org_level_rows(),
                  filters("levelDescription", "code", "budgetGroup", "reportingCategory",
                          "isActive:bool")),
    FixedResource("positions", "/configuration/v1/positions",
                  "Company Configuration Integration", "per_Page", POSITION_ROWS,
                  filters("companyId:list", "employeeType:list", "statusCode:list",
                          "payGroupCode:list", "positionCode:list", "projectCode:list",
                          "shiftGroupCode:list", "isProrated:bool",
                          "isApproved:bool", "isEligibleForBenefits:bool")),
]

# ---------------------------------------------------------------------------
# Code tables (issue #12): GET /configuration/v1/code-tables lists
# {codeTable, url} links; each table is served at
# /configuration/v1/code-tables/<name> (trailing slash tolerated), records
# {"code", "description"}, no paging.
# ---------------------------------------------------------------------------

CODE_TABLE_NAMES = [
    "allergy", "awardType", "careerProvider", "childSupportType", "cobraStatus",
    "companyProperty", "courseCategory", "courseDeliveryMet", "courseSubCategory",
    "disability", "employeeType", "jobFamily", "licenseType", "loanType", "maritalStatus",
    "militaryBranches", "militaryEra", "namePrefix", "otherPhoneTypes", "project", "school",
    "skillProficiencyLevel", "skills", "termType", "waiveReason"]
CODE_TABLE_PREFIX = "/configuration/v1/code-tables"


def code_table_rows(name):
    """3 to 9 deterministic {code, description} rows for one code table."""
    count = 3 + zlib.crc32(name.encode()) % 7
    return [{"code": "%s%02d" % (name[:3].upper(), n + 1),
             "description": "%s %d" % (name, n + 1)} for n in range(count)]


CODE_TABLES = [
    FixedResource(name, "%s/%s" % (CODE_TABLE_PREFIX, name),
                  "Company Configuration Integration", None, code_table_rows(name), {})
    for name in CODE_TABLE_NAMES]
CODE_TABLE_LIST = FixedResource(
    "code-tables", CODE_TABLE_PREFIX, "Company Configuration Integration", None,
    [{"codeTable": name, "url": "%s/%s" % (CODE_TABLE_PREFIX, name)}
     for name in CODE_TABLE_NAMES], {})
RESOURCES.extend(CODE_TABLES + [CODE_TABLE_LIST])
CODE_TABLE_PATHS = {r.path.lower() for r in CODE_TABLES + [CODE_TABLE_LIST]}

RESOURCE_BY_PATH = {r.path.lower(): r for r in RESOURCES}


# ---------------------------------------------------------------------------
# employee-changes: the required ISO 8601 window
# ---------------------------------------------------------------------------

def parse_iso(param, text):
    """ISO 8601 date or date-time -> naive UTC datetime."""
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FilterError(param, text) from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    return stamp


def window_test(resource, params):
    """(getter, predicate): the employee's last change within [start, end]."""
    bounds = []
    for name in resource.window:
        value = params.get(name.lower())
        if not value:
            raise FilterError(name, "", "The %s field is required." % name)
        bounds.append(parse_iso(name, value))
    start, end = bounds
    return (lambda e: e.changed_utc), (lambda stamp: start <= stamp <= end)


# ---------------------------------------------------------------------------
# The dataset: selection, pages, digests
# ---------------------------------------------------------------------------

def json_array(groups):
    """A bare JSON array as a list of byte chunks, from chunks that each
    hold one or more comma-separated records (no huge single buffer)."""
    body = [b"["]
    for n, group in enumerate(groups):
        if n:
            body.append(b",")
        body.append(group)
    body.append(b"]")
    return body


def batches(indices, size=128):
    for start in range(0, len(indices), size):
        yield indices[start:start + size]


class Dataset:
    """All resources of one seed.  Keeps a small LRU of filtered index
    lists, so paging through a filtered result scans the tenant once."""

    CACHE_ENTRIES = 8

    def __init__(self, seed):
        self.seed = seed
        self._cache = {}            # key -> array of indices; order = age
        self._lock = threading.Lock()
        self._fast = None
        self._fast_lock = threading.Lock()

    def select(self, resource, n, params, inclusive=True):
        """Indices of the records of a tenant of n employees that pass the
        documented filters in params ({lower-case name: value}; empty values
        are ignored, as ASP.NET binds them to null).  Raises FilterError."""
        tests = []
        for name, spec in resource.filters.items():
            value = params.get(name)
            if value:
                tests.append((spec.getter, spec.predicate(value, inclusive)))
        if resource.window:
            tests.append(window_test(resource, params))
        if not tests:
            return range(resource.count(n))

        used = set(resource.filters) | {name.lower() for name in resource.window or ()}
        key = (resource.name, n, inclusive, TOUCH) + tuple(
            sorted((name, value) for name, value in params.items() if name in used))
        with self._lock:
            hit = self._cache.pop(key, None)
        if hit is None:
            pinned = resource.candidates(self.seed, n, params)
            hit = array("I")
            for index in range(resource.count(n)) if pinned is None else pinned:
                ctx = resource.context(self.seed, index)
                if all(test(getter(ctx)) for getter, test in tests):
                    hit.append(index)
        with self._lock:
            self._cache[key] = hit
            while len(self._cache) > self.CACHE_ENTRIES:
                del self._cache[next(iter(self._cache))]
        return hit

    def render(self, resource, indices):
        """UTF-8 JSON array of the records at the given indices, as chunks."""
        seed = self.seed
        return json_array(
            ",".join([resource.render(resource.context(seed, i)) for i in group]).encode()
            for group in batches(indices))

    def render_fast(self, indices):
        """person-details records for the /fast benchmark mode, as chunks."""
        with self._fast_lock:
            if self._fast is None:
                self._fast = FastTemplates(self.seed)
        return json_array(self._fast.render(group) for group in batches(indices))

    def digest(self, resource, indices, fields, sort_field):
        """(count, md5 hex) of the records' '|'-joined field texts, one line
        per record, sorted by the sort field's text (then by the line)."""
        rows = []
        for index in indices:
            ctx = resource.context(self.seed, index)
            line = "|".join(digest_text(resource.value(ctx, f)) for f in fields)
            rows.append((digest_text(resource.value(ctx, sort_field)), line))
        rows.sort()
        text = "\n".join(line for _, line in rows)
        return len(rows), hashlib.md5(text.encode("utf-8")).hexdigest()


class FastTemplates:
    """Benchmark rendering of person-details (URL prefix /fast).

    Record i is normal record (i % 385) turned into a bytes %-template whose
    FAST_FIELDS are filled from i.  employeeId, userName, firstName,
    lastName and emailAddress equal the normal record i, and so do the
    fields that only depend on i % 5, i % 7 or i % 11 (companyId, whether
    middleName is null, whether preferredName is present).  personId,
    healthWeight and addressLatitude are cheap arithmetic stand-ins; every
    other field is that of record i % 385.
    """

    SLOTS = 5 * 7 * 11
    FORMATS = {                     # value formats, filled by values()
        "addressLatitude": "%d.%06d",
        "healthWeight": "%d.%d",
        "personId": '"%08x-0000-4000-8000-%012x"',
        "employeeId": '"E%s%s%s%s"',
        "userName": '"%c%s%d"',
        "firstName": "%s",
        "lastName": "%s",
        "emailAddress": '"%s.%s.%06d@example.com"',
    }

    def __init__(self, seed):
        self.seed = seed
        self.id_offset = id_offset(seed)
        person = RESOURCE_BY_PATH["/personnel/v1/person-details"]
        assert [k for k in person.keys if k in FAST_FIELDS] == FAST_FIELDS
        self.templates = []
        for slot in range(self.SLOTS):
            record = person.record(Employee(seed, slot))
            for key in FAST_FIELDS:
                record[key] = "\x00" + key
            text = render_record(record).replace("%", "%%")
            for key in FAST_FIELDS:
                text = text.replace('"\\u0000%s"' % key, self.FORMATS[key])
            self.templates.append(text.encode("utf-8"))
        self.first = [(_encode_string(n).encode(), a.encode()) for n, a, _ in FIRST_NAMES]
        self.last = [(_encode_string(n).encode(), a.encode()) for n, a in LAST_NAMES]
        self.pairs = [p.encode() for p in ALNUM_PAIRS]

    def values(self, i):
        """The flat tuple of values for the FORMATS of record i."""
        first_json, first_ascii = self.first[i % len(self.first)]
        last_json, last_ascii = self.last[i % len(self.last)]
        x = (i * ID_MULT + self.id_offset) % ID_MOD          # as employee_id()
        a, x = divmod(x, 36 ** 6)
        b, x = divmod(x, 36 ** 4)
        c, d = divmod(x, 36 ** 2)
        pairs = self.pairs
        return (25 + i % 24, i * 7919 % 1000000,
                110 + i % 120, i % 10,
                self.seed & 0xFFFFFFFF, i,
                pairs[a], pairs[b], pairs[c], pairs[d],
                first_ascii[0], last_ascii, i + 1,
                first_json,
                last_json,
                first_ascii, last_ascii, i + 1)

    def render(self, indices):
        """The records at the given indices, comma-separated."""
        templates, slots, values = self.templates, self.SLOTS, self.values
        return b",".join([templates[i % slots] % values(i) for i in indices])
