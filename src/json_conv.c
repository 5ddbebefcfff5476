/*-------------------------------------------------------------------------
 *
 * json_conv.c
 *		  Converting the values the scanner found into column Datums.
 *
 * json_scan.c notes, for each record, where the values of the referenced
 * keys are in the page body (JsonSpan); this file decides which key feeds
 * which column and turns each span into a Datum.  Columns nobody
 * references are never looked at.
 *
 * JSON keys are matched case-insensitively, ignoring underscores, because
 * UKG spells the same field employeeId, employeeID and EmployeeId in
 * different resources.  A json_key column option names the key exactly
 * (still case-insensitively); json_key '*' makes the column hold the whole
 * record.  The answer for each distinct key is cached, and the key at the
 * same position of the previous record is tried first.
 *
 * Values are converted from their JSON text, never through a C integer or
 * double: integers and floats go through the column type's input function
 * (so a value out of range is an error), numeric is exact, and json, jsonb
 * and text get the original digits.  Strings are UTF-8 (the scanner checked
 * every byte and every \u escape); a \u0000 is refused in every column, and
 * in a database that is not UTF8 the text is converted to the database
 * encoding, where a character without an equivalent is an error.  Every
 * error names the column, by its message or its context line; the context
 * callback itself only formats bytes it already has, so it cannot fail.
 *
 * Memory: the UkgColumnConv, its key cache and its scratch buffer live in
 * the memory context current at ukg_json_conv_create (the scan's); spans
 * point into the page body, which the caller keeps; Datums are allocated in
 * the memory context current at ukg_json_page_values (the per-tuple one).
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/json_conv.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "json_int.h"

/* How one column is converted */
typedef enum ConvKind
{
	CK_TEXT,					/* text, unconstrained varchar */
	CK_INT,						/* int2, int4, int8 */
	CK_FLOAT,					/* float4, float8 */
	CK_BOOL,
	CK_JSON,					/* json or jsonb: the JSON text */
	CK_TEXT_ARRAY,
	CK_DATE,					/* date: ISO fast path, else date_in */
	CK_TIMESTAMP,				/* timestamp (no typmod): ISO fast path, else
								 * timestamp_in */
	CK_INPUT,					/* anything else: the type's input function */
	CK_PARAM					/* parameter column: the pushed value */
} ConvKind;

typedef struct ColConv
{
	AttrNumber	attnum;			/* 1-based */
	char	   *colname;
	char	   *keydesc;		/* key as shown in messages */
	char	   *norm;			/* normalized key to match */
	bool		exact;			/* json_key given: do not drop underscores */
	bool		whole;			/* json_key '*': the whole record */
	int			keycol;			/* index into the capture's spans, or -1 */
	ConvKind	kind;
	Oid			typid;
	int32		typmod;
	FmgrInfo	infunc;
	Oid			ioparam;
	Datum		param_value;	/* for CK_PARAM */
	bool		param_isnull;
} ColConv;

/* What one distinct key matches: key columns, -1 terminated */
typedef struct KeyEntry
{
	char	   *key;			/* as in the body, NULL: free slot */
	uint32		len;
	uint32		hash;
	int16	   *cols;			/* NULL when no column matches */
} KeyEntry;

#define KEY_CACHE_SLOTS		2048	/* power of two */
#define KEY_CACHE_MAX		1024	/* entries; later keys are not cached */
#define KEY_POSITIONS		256		/* keys remembered by position */

struct UkgColumnConv
{
	const char *relname;
	MemoryContext cxt;
	int			ncols;
	ColConv    *cols;
	ColConv   **bykeycol;		/* key column index -> column */
	JsonCapture cap;
	bool		db_utf8;
	StringInfoData buf;			/* scratch: unescaped text, C strings */
	KeyEntry   *cache;			/* KEY_CACHE_SLOTS slots */
	int			ncached;
	KeyEntry   *bypos[KEY_POSITIONS];
	int16	   *scratch;		/* a match that is not cached */
};

/* What the error context callback reports */
typedef struct ConvErrorState
{
	const char *relname;
	ColConv    *col;
	const JsonSpan *value;
} ConvErrorState;

/*
 * normalize_key
 *		Lowercase; drop underscores unless exact.  palloc'd.
 */
static char *
normalize_key(const char *key, bool exact)
{
	char	   *out = palloc(strlen(key) + 1);
	char	   *o = out;

	for (; *key; key++)
	{
		if (*key == '_' && !exact)
			continue;
		*o++ = pg_ascii_tolower((unsigned char) *key);
	}
	*o = '\0';
	return out;
}

static bool
key_matches(const char *key, size_t len, const ColConv *col)
{
	const char *n = col->norm;
	const char *end = key + len;

	for (; key < end; key++)
	{
		if (*key == '_' && !col->exact)
			continue;
		if (pg_ascii_tolower((unsigned char) *key) != *n)
			return false;
		n++;
	}
	return *n == '\0';
}

/*
 * ukg_json_conv_create
 *		Build the conversion state for the given attribute numbers of rel.
 *		Done once per scan, in the current memory context.
 */
UkgColumnConv *
ukg_json_conv_create(Relation rel, const UkgResourceDef *resdef, List *attnums)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	UkgColumnConv *conv = palloc0(sizeof(UkgColumnConv));
	ListCell   *lc;
	int			n = Max(list_length(attnums), 1);

	conv->relname = pstrdup(RelationGetRelationName(rel));
	conv->cxt = CurrentMemoryContext;
	conv->cols = palloc0(sizeof(ColConv) * n);
	conv->bykeycol = palloc0(sizeof(ColConv *) * n);
	conv->cap.spans = palloc0(sizeof(JsonSpan) * n);
	conv->scratch = palloc(sizeof(int16) * (n + 1));
	conv->db_utf8 = GetDatabaseEncoding() == PG_UTF8;
	initStringInfo(&conv->buf);

	foreach(lc, attnums)
	{
		AttrNumber	attnum = lfirst_int(lc);
		Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);
		ColConv    *col = &conv->cols[conv->ncols++];
		char	   *json_key = ukg_column_json_key(RelationGetRelid(rel), attnum);
		const UkgColumnDef *cdef = NULL;
		Oid			infunc;

		col->attnum = attnum;
		col->colname = pstrdup(NameStr(attr->attname));
		col->typid = attr->atttypid;
		col->typmod = attr->atttypmod;
		col->keycol = -1;

		if (json_key == NULL && resdef)
			cdef = ukg_catalog_column(resdef, col->colname);
		if (cdef && cdef->json_key == NULL)
		{
			col->kind = CK_PARAM;
			col->param_isnull = true;
			col->keydesc = col->colname;
			continue;
		}
		if (json_key && strcmp(json_key, "*") == 0)
		{
			col->whole = true;
			col->keydesc = "*";
		}
		else if (json_key)
		{
			col->exact = true;
			col->keydesc = json_key;
		}
		else if (cdef)
		{
			col->exact = true;
			col->keydesc = pstrdup(cdef->json_key);
		}
		else
			col->keydesc = col->colname;
		col->norm = normalize_key(col->keydesc, col->exact);

		switch (col->typid)
		{
			case TEXTOID:
				col->kind = CK_TEXT;
				break;
			case VARCHAROID:
				col->kind = col->typmod < 0 ? CK_TEXT : CK_INPUT;
				break;
			case INT2OID:
			case INT4OID:
			case INT8OID:
				col->kind = CK_INT;
				break;
			case FLOAT4OID:
			case FLOAT8OID:
				col->kind = CK_FLOAT;
				break;
			case BOOLOID:
				col->kind = CK_BOOL;
				break;
			case JSONOID:
			case JSONBOID:
				col->kind = CK_JSON;
				break;
			case TEXTARRAYOID:
				col->kind = CK_TEXT_ARRAY;
				break;
			case DATEOID:
				col->kind = CK_DATE;
				break;
			case TIMESTAMPOID:
				col->kind = col->typmod < 0 ? CK_TIMESTAMP : CK_INPUT;
				break;
			default:
				col->kind = CK_INPUT;
				break;
		}
		if (col->whole && col->kind != CK_JSON && col->kind != CK_TEXT)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("column \"%s\" of foreign table \"%s\" has json_key '*' but is not of type jsonb, json or text",
							col->colname, conv->relname)));
		getTypeInputInfo(col->typid, &infunc, &col->ioparam);
		fmgr_info(infunc, &col->infunc);
		if (col->whole)
			conv->cap.whole = true;
		else
		{
			col->keycol = conv->cap.nkeycols++;
			conv->bykeycol[col->keycol] = col;
		}
	}
	return conv;
}

JsonCapture *
ukg_conv_capture(UkgColumnConv *conv)
{
	return &conv->cap;
}

const char *
ukg_conv_column_name(UkgColumnConv *conv, int keycol)
{
	return conv->bykeycol[keycol]->colname;
}

/*
 * ukg_conv_match_key
 *		The key columns (-1 terminated) that the key at position keyno of a
 *		record feeds, or NULL for none.  key is the string's bytes between
 *		the quotes, validated by the scanner; escaped says it has escapes.
 */
const int16 *
ukg_conv_match_key(UkgColumnConv *conv, const char *key, size_t len,
				   bool escaped, int keyno)
{
	KeyEntry   *e;
	uint32		h;
	uint32		slot;
	const char *text = key;
	size_t		tlen = len;
	int			n = 0;
	int			i;
	int16	   *cols;

	/* the same key as at this position of the previous record? */
	if (keyno < KEY_POSITIONS && (e = conv->bypos[keyno]) != NULL &&
		e->len == len && memcmp(e->key, key, len) == 0)
		return e->cols;

	if (conv->cache == NULL)
		conv->cache = MemoryContextAllocZero(conv->cxt, sizeof(KeyEntry) * KEY_CACHE_SLOTS);
	h = hash_bytes((const unsigned char *) key, (int) len);
	for (slot = h & (KEY_CACHE_SLOTS - 1);
		 conv->cache[slot].key != NULL;
		 slot = (slot + 1) & (KEY_CACHE_SLOTS - 1))
	{
		e = &conv->cache[slot];
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
		{
			if (keyno < KEY_POSITIONS)
				conv->bypos[keyno] = e;
			return e->cols;
		}
	}

	/* a new key: which columns does it feed? */
	if (escaped)
	{
		resetStringInfo(&conv->buf);
		ukg_json_unescape(&conv->buf, key, len);
		text = conv->buf.data;
		tlen = conv->buf.len;
	}
	for (i = 0; i < conv->cap.nkeycols; i++)
		if (key_matches(text, tlen, conv->bykeycol[i]))
			conv->scratch[n++] = (int16) i;
	conv->scratch[n] = -1;

	if (conv->ncached >= KEY_CACHE_MAX)
		return n > 0 ? conv->scratch : NULL;

	cols = NULL;
	if (n > 0)
	{
		cols = MemoryContextAlloc(conv->cxt, sizeof(int16) * (n + 1));
		memcpy(cols, conv->scratch, sizeof(int16) * (n + 1));
	}
	e = &conv->cache[slot];
	e->key = MemoryContextAlloc(conv->cxt, Max(len, 1));
	memcpy(e->key, key, len);
	e->len = len;
	e->hash = h;
	e->cols = cols;
	conv->ncached++;
	if (keyno < KEY_POSITIONS)
		conv->bypos[keyno] = e;
	return cols;
}

/*
 * ukg_json_conv_set_param
 *		Set the value a parameter column returns (the pushed value).  typid
 *		is the value's type: the planner cast it to the column's type (see
 *		pushable_operand in pushdown.c), and a value of any other type is
 *		refused rather than returned as the column's Datum.
 */
void
ukg_json_conv_set_param(UkgColumnConv *conv, AttrNumber attnum,
						Oid typid, Datum value, bool isnull)
{
	int			i;

	for (i = 0; i < conv->ncols; i++)
		if (conv->cols[i].attnum == attnum && conv->cols[i].kind == CK_PARAM)
		{
			if (!isnull && !IsBinaryCoercible(typid, conv->cols[i].typid))
				elog(ERROR, "pushed value of type %s does not fit parameter column \"%s\" of type %s",
					 format_type_be(typid), conv->cols[i].colname,
					 format_type_be(conv->cols[i].typid));
			conv->cols[i].param_value = value;
			conv->cols[i].param_isnull = isnull;
		}
}

static const char *
json_kind(const JsonSpan *v)
{
	switch ((JsonKind) v->kind)
	{
		case JK_TRUE:
		case JK_FALSE:
			return "a boolean";
		case JK_NUMBER:
			return "a number";
		case JK_STRING:
			return "a string";
		case JK_ARRAY:
			return "an array";
		case JK_OBJECT:
			return "an object";
		default:
			return "null";
	}
}

/* the raw text of a value for messages: a string without its quotes */
static char *
value_excerpt(const JsonSpan *v, size_t max)
{
	if (v->kind == JK_STRING)
		return ukg_json_excerpt(v->p + 1, v->len - 2, max);
	return ukg_json_excerpt(v->p, v->len, max);
}

/*
 * conv_error_callback
 *		Context line for errors raised while converting a value.  It only
 *		formats bytes of the page body (non-ASCII shown as '?'), so it
 *		cannot fail on the value itself.
 */
static void
conv_error_callback(void *arg)
{
	ConvErrorState *st = (ConvErrorState *) arg;

	if (st->col == NULL)
		return;
	if (st->value)
		errcontext("column \"%s\" of foreign table \"%s\", JSON key \"%s\", value \"%s\"",
				   st->col->colname, st->relname, st->col->keydesc,
				   value_excerpt(st->value, 40));
	else
		errcontext("column \"%s\" of foreign table \"%s\", JSON key \"%s\"",
				   st->col->colname, st->relname, st->col->keydesc);
}

static void
mismatch(ConvErrorState *st, const JsonSpan *v, const char *expected, int sqlstate)
{
	ColConv    *col = st->col;

	st->col = NULL;				/* the message says it all: no context */
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid value for column \"%s\" of foreign table \"%s\"",
					col->colname, st->relname),
			 errdetail("JSON key \"%s\" holds %s \"%s\", which is %s.",
					   col->keydesc, json_kind(v), value_excerpt(v, 40), expected)));
}

/*
 * value_text
 *		The text of a value in the database encoding: a string's contents,
 *		else its JSON text as received.  With cstring, the result is
 *		NUL-terminated.  The result may live in conv->buf, so use it before
 *		the next call.
 */
static const char *
value_text(UkgColumnConv *conv, ConvErrorState *st, const JsonSpan *v,
		   bool cstring, int *lenp)
{
	const char *s;
	int			len;
	bool		terminated = false;

	if (v->flags & JSF_NUL)
		mismatch(st, v, "not valid in PostgreSQL (it contains \\u0000)",
				 ERRCODE_UNTRANSLATABLE_CHARACTER);
	if (v->kind == JK_STRING && (v->flags & JSF_ESCAPE))
	{
		resetStringInfo(&conv->buf);
		ukg_json_unescape(&conv->buf, v->p + 1, v->len - 2);
		s = conv->buf.data;
		len = conv->buf.len;
		terminated = true;
	}
	else if (v->kind == JK_STRING)
	{
		s = v->p + 1;
		len = v->len - 2;
	}
	else
	{
		s = v->p;
		len = v->len;
	}

	if (!conv->db_utf8 &&
		(v->flags & (v->kind == JK_STRING ? (JSF_NONASCII | JSF_ESCAPE) : JSF_NONASCII)))
	{
		char	   *c = pg_any_to_server(s, len, PG_UTF8);

		if (c != s)
		{
			s = c;
			len = strlen(c);
			terminated = true;
		}
	}
	if (cstring && !terminated)
	{
		resetStringInfo(&conv->buf);
		appendBinaryStringInfo(&conv->buf, s, len);
		s = conv->buf.data;
	}
	*lenp = len;
	return s;
}

static Datum
input_value(UkgColumnConv *conv, ConvErrorState *st, const JsonSpan *v)
{
	int			len;
	const char *s = value_text(conv, st, v, true, &len);

	return InputFunctionCall(&st->col->infunc, (char *) s, st->col->ioparam,
							 st->col->typmod);
}

/*
 * int_value
 *		An integer column from a JSON number: plain integers go straight to
 *		the type's input function; a fraction or an exponent (1.0e2) is read
 *		as numeric, exactly, and must be integral.
 */
static Datum
int_value(UkgColumnConv *conv, ConvErrorState *st, const JsonSpan *v)
{
	ColConv    *col = st->col;
	int			len;
	const char *s = value_text(conv, st, v, true, &len);
	char	   *digits;
	char	   *dot;

	if (!(v->flags & JSF_FRACEXP))
		return InputFunctionCall(&col->infunc, (char *) s, col->ioparam, col->typmod);

	digits = DatumGetCString(DirectFunctionCall1(numeric_out,
												 DirectFunctionCall3(numeric_in,
																	 CStringGetDatum(s),
																	 ObjectIdGetDatum(InvalidOid),
																	 Int32GetDatum(-1))));
	dot = strchr(digits, '.');
	if (dot)
	{
		const char *f;

		for (f = dot + 1; *f; f++)
			if (*f != '0')
				mismatch(st, v, "not an integer", ERRCODE_INVALID_TEXT_REPRESENTATION);
		*dot = '\0';
	}
	if (strlen(digits) > 20)
		mismatch(st, v, "out of range for its type", ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE);
	return InputFunctionCall(&col->infunc, digits, col->ioparam, col->typmod);
}

static Datum
text_datum(UkgColumnConv *conv, ConvErrorState *st, const JsonSpan *v)
{
	int			len;
	const char *s = value_text(conv, st, v, false, &len);

	return PointerGetDatum(cstring_to_text_with_len(s, len));
}

/*
 * text_array_value
 *		A text[] column from a JSON array: strings give their text, null a
 *		NULL element, anything else its JSON text.  A string is read as an
 *		array literal.
 */
static Datum
text_array_value(UkgColumnConv *conv, ConvErrorState *st, const JsonSpan *v)
{
	const char *p = v->p + 1;
	const char *end = v->p + v->len - 1;
	int			n = 0;
	int			cap = 8;
	Datum	   *elems;
	bool	   *nulls;
	int			dims[1];
	int			lbs[1] = {1};

	if (v->kind == JK_STRING)
		return input_value(conv, st, v);
	if (v->kind != JK_ARRAY)
		mismatch(st, v, "not an array", ERRCODE_INVALID_TEXT_REPRESENTATION);
	if (v->flags & JSF_NUL)
		mismatch(st, v, "not valid in PostgreSQL (it contains \\u0000)",
				 ERRCODE_UNTRANSLATABLE_CHARACTER);

	elems = palloc(sizeof(Datum) * cap);
	nulls = palloc(sizeof(bool) * cap);
	for (;;)
	{
		JsonSpan	e;
		const char *q;

		while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ','))
			p++;
		if (p >= end)
			break;
		q = ukg_json_skip_value(p, end + 1);
		e.p = p;
		e.len = q - p;
		e.kind = *p == '"' ? JK_STRING : *p == 'n' ? JK_NULL :
			*p == '[' ? JK_ARRAY : *p == '{' ? JK_OBJECT : JK_NUMBER;
		/* flags of the whole array are a safe superset for each element */
		e.flags = v->flags;
		if (e.kind == JK_STRING && memchr(p, '\\', e.len) == NULL)
			e.flags &= ~JSF_ESCAPE;
		if (n == cap)
		{
			cap *= 2;
			elems = repalloc(elems, sizeof(Datum) * cap);
			nulls = repalloc(nulls, sizeof(bool) * cap);
		}
		nulls[n] = e.kind == JK_NULL;
		elems[n] = nulls[n] ? (Datum) 0 : text_datum(conv, st, &e);
		n++;
		p = q;
	}
	if (n == 0)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	dims[0] = n;
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  TEXTOID, -1, false, TYPALIGN_INT));
}

/* n decimal digits at s, or -1 */
static int
digits(const char *s, int n)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD" at s (10 bytes), a real day of years 1 to 9999 */
static bool
iso_date(const char *s, struct pg_tm *tm)
{
	tm->tm_year = digits(s, 4);
	tm->tm_mon = digits(s + 5, 2);
	tm->tm_mday = digits(s + 8, 2);
	if (tm->tm_year < 1 || s[4] != '-' || s[7] != '-' ||
		tm->tm_mon < 1 || tm->tm_mon > 12 || tm->tm_mday < 1)
		return false;
	return tm->tm_mday <= day_tab[isleap(tm->tm_year)][tm->tm_mon - 1];
}

/*
 * fast_date, fast_timestamp
 *		The strict ISO 8601 forms UKG sends, "YYYY-MM-DD" and
 *		"YYYY-MM-DDTHH:MM:SS" with up to 6 fraction digits and no offset,
 *		read without date_in's or timestamp_in's general parser.  Anything
 *		else, including valid forms these do not cover (an offset, 24:00:00,
 *		a leap second, 7 fraction digits), returns false: the caller then
 *		uses the input function, which gives the same value or the error.
 */
static bool
fast_date(const char *s, int len, DateADT *result)
{
	struct pg_tm tm;

	if (len != 10 || !iso_date(s, &tm))
		return false;
	*result = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	return true;
}

static bool
fast_timestamp(const char *s, int len, Timestamp *result)
{
	struct pg_tm tm = {0};
	fsec_t		fsec = 0;

	if (len < 19 || len > 26 || len == 20 || !iso_date(s, &tm) || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':')
		return false;
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	if (tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
		tm.tm_sec < 0 || tm.tm_sec > 59)
		return false;
	if (len > 19)
	{
		int			n = len - 20;
		int			f;

		if (s[19] != '.' || (f = digits(s + 20, n)) < 0)
			return false;
		for (; n < 6; n++)
			f *= 10;
		fsec = f;
	}
	if (tm2timestamp(&tm, fsec, NULL, result) != 0 || !IS_VALID_TIMESTAMP(*result))
		return false;
	return true;
}

/*
 * convert
 *		Datum for one column from its JSON value (not null).
 */
static Datum
convert(UkgColumnConv *conv, ConvErrorState *st, const JsonSpan *v)
{
	ColConv    *col = st->col;

	switch (col->kind)
	{
		case CK_TEXT:
			return text_datum(conv, st, v);
		case CK_INT:
			if (v->kind == JK_NUMBER)
				return int_value(conv, st, v);
			if (v->kind == JK_STRING)
				return input_value(conv, st, v);
			mismatch(st, v, "not an integer", ERRCODE_INVALID_TEXT_REPRESENTATION);
			break;
		case CK_FLOAT:
			if (v->kind == JK_NUMBER || v->kind == JK_STRING)
				return input_value(conv, st, v);
			mismatch(st, v, "not a number", ERRCODE_INVALID_TEXT_REPRESENTATION);
			break;
		case CK_BOOL:
			if (v->kind == JK_TRUE || v->kind == JK_FALSE)
				return BoolGetDatum(v->kind == JK_TRUE);
			if (v->kind == JK_STRING)
				return input_value(conv, st, v);
			if (v->kind == JK_NUMBER && v->len == 1 && (v->p[0] == '0' || v->p[0] == '1'))
				return BoolGetDatum(v->p[0] == '1');
			mismatch(st, v, "not a boolean", ERRCODE_INVALID_TEXT_REPRESENTATION);
			break;
		case CK_JSON:
			{
				/* the JSON text itself, strings with their quotes */
				JsonSpan	raw = *v;

				raw.kind = JK_OBJECT;	/* value_text: keep it as it is */
				if (v->flags & JSF_NUL)
					mismatch(st, v, "not valid in PostgreSQL (it contains \\u0000)",
							 ERRCODE_UNTRANSLATABLE_CHARACTER);
				{
					int			len;
					const char *s = value_text(conv, st, &raw, true, &len);

					return InputFunctionCall(&col->infunc, (char *) s, col->ioparam,
											 col->typmod);
				}
			}
		case CK_TEXT_ARRAY:
			return text_array_value(conv, st, v);
		case CK_DATE:
		case CK_TIMESTAMP:
			if (v->kind == JK_STRING && !(v->flags & JSF_ESCAPE))
			{
				DateADT		d;
				Timestamp	ts;

				if (col->kind == CK_DATE && fast_date(v->p + 1, v->len - 2, &d))
					return DateADTGetDatum(d);
				if (col->kind == CK_TIMESTAMP && fast_timestamp(v->p + 1, v->len - 2, &ts))
					return TimestampGetDatum(ts);
			}
			/* FALLTHROUGH */
		case CK_INPUT:
			if (v->kind == JK_OBJECT || v->kind == JK_ARRAY)
				mismatch(st, v, "not a scalar", ERRCODE_INVALID_TEXT_REPRESENTATION);
			return input_value(conv, st, v);
		case CK_PARAM:
			break;
	}
	return (Datum) 0;
}

/*
 * ukg_json_page_values
 *		Convert the page's current record into values/nulls for the columns
 *		of conv.  values and nulls are indexed by attnum - 1; other entries
 *		are left alone.  Datums are allocated in the current memory context.
 */
void
ukg_json_page_values(UkgJsonPage *page, UkgColumnConv *conv,
					 Datum *values, bool *nulls)
{
	ErrorContextCallback errcb;
	ConvErrorState st;
	int			i;

	st.relname = conv->relname;
	st.col = NULL;
	st.value = NULL;
	errcb.callback = conv_error_callback;
	errcb.arg = &st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	for (i = 0; i < conv->ncols; i++)
	{
		ColConv    *col = &conv->cols[i];
		int			idx = col->attnum - 1;
		const JsonSpan *v;

		if (col->kind == CK_PARAM)
		{
			values[idx] = col->param_value;
			nulls[idx] = col->param_isnull;
			continue;
		}
		v = col->whole ? &conv->cap.record : &conv->cap.spans[col->keycol];
		if (v->gen != conv->cap.gen || v->kind == JK_NULL)
		{
			/* missing key or JSON null */
			values[idx] = (Datum) 0;
			nulls[idx] = true;
			continue;
		}
		st.col = col;
		st.value = v;
		values[idx] = convert(conv, &st, v);
		nulls[idx] = false;
	}
	error_context_stack = errcb.previous;
}
