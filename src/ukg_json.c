/*-------------------------------------------------------------------------
 *
 * ukg_json.c
 *		  JSON handling of ukg_fdw: the only file that includes json-c.
 *
 * A UKG list response is a bare JSON array of record objects.  It is parsed
 * one record at a time: we step over the array's '[' and ',' ourselves and
 * let json_tokener_parse_ex build only the current element, so the whole
 * page never exists as a DOM.  Each record is converted straight into the
 * referenced columns' Datums; columns nobody references are never touched.
 *
 * JSON keys are matched case-insensitively, ignoring underscores, because
 * UKG spells the same field employeeId, employeeID and EmployeeId in
 * different resources.  A json_key column option names the key exactly
 * (still case-insensitively); json_key '*' makes the column hold the whole
 * record.
 *
 * json-c allocates with malloc.  Its objects are tied to a memory context
 * with a reset callback, so an error in the middle of a page frees them.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/ukg_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/*
 * PostgreSQL declares a function named json_object (fmgrprotos.h), which
 * clashes with json-c's type of the same name.  Rename json-c's type for
 * this file; nothing here calls the SQL function.
 */
#define json_object ukg_json_c_object
#include <json-c/json.h>

typedef struct ukg_json_c_object JsonC;

#include "ukg_fdw.h"

/* How one column is converted */
typedef enum ConvKind
{
	CK_TEXT,					/* text, unconstrained varchar, name-like */
	CK_INT2,
	CK_INT4,
	CK_INT8,
	CK_FLOAT4,
	CK_FLOAT8,
	CK_BOOL,
	CK_JSON,					/* json or jsonb: serialize, then input */
	CK_TEXT_ARRAY,
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
	ConvKind	kind;
	Oid			typid;
	int32		typmod;
	FmgrInfo	infunc;
	Oid			ioparam;
	char		hit[128];		/* exact key that matched last time */
	Datum		param_value;	/* for CK_PARAM */
	bool		param_isnull;
} ColConv;

struct UkgColumnConv
{
	const char *relname;
	int			ncols;
	ColConv    *cols;
};

struct UkgJsonPage
{
	const char *relname;
	const char *buf;
	size_t		len;
	size_t		off;
	int			pageno;
	int			rows;			/* records returned so far */
	bool		finished;
	bool		count_only;		/* no column is read: validate, do not build */
	json_tokener *tok;
	JsonC	   *cur;			/* current record, or NULL */
	MemoryContextCallback cb;
};

/* What the error context callback reports */
typedef struct ConvErrorState
{
	const char *relname;
	ColConv    *col;
	JsonC	   *value;
} ConvErrorState;

static void
page_free(void *arg)
{
	UkgJsonPage *page = (UkgJsonPage *) arg;

	if (page->cur)
		json_object_put(page->cur);
	page->cur = NULL;
	if (page->tok)
		json_tokener_free(page->tok);
	page->tok = NULL;
}

const char *
ukg_json_c_version(void)
{
	return json_c_version();
}

/*
 * excerpt
 *		A short, printable excerpt of text for messages.  palloc'd.
 */
static char *
excerpt(const char *s, size_t len, size_t max)
{
	StringInfoData buf;
	size_t		i;

	initStringInfo(&buf);
	for (i = 0; i < len && i < max; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '\n' || c == '\r' || c == '\t')
			appendStringInfoChar(&buf, ' ');
		else if (c < 0x20 || c == 0x7f)
			appendStringInfo(&buf, "\\x%02x", c);
		else if (c >= 0x80)
			appendStringInfoChar(&buf, '?');
		else
			appendStringInfoChar(&buf, c);
	}
	if (len > max)
		appendStringInfoString(&buf, "...");
	return buf.data;
}

UkgJsonPage *
ukg_json_page_create(MemoryContext cxt, const char *relname, bool count_only)
{
	UkgJsonPage *page = MemoryContextAllocZero(cxt, sizeof(UkgJsonPage));

	page->relname = MemoryContextStrdup(cxt, relname);
	page->count_only = count_only;
	page->tok = json_tokener_new();
	if (page->tok == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	/* strict JSON, but the tokener stops after one array element */
#ifdef JSON_TOKENER_ALLOW_TRAILING_CHARS
	json_tokener_set_flags(page->tok, JSON_TOKENER_STRICT |
						   JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
#endif
	page->cb.func = page_free;
	page->cb.arg = page;
	MemoryContextRegisterResetCallback(cxt, &page->cb);
	page->finished = true;
	return page;
}

static size_t
skip_ws(const char *buf, size_t len, size_t off)
{
	while (off < len && (buf[off] == ' ' || buf[off] == '\t' ||
						 buf[off] == '\n' || buf[off] == '\r'))
		off++;
	return off;
}

static void
page_error(UkgJsonPage *page, const char *what, size_t at)
{
	size_t		from = at > 20 ? at - 20 : 0;

	ereport(ERROR,
			(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
			 errmsg("invalid JSON in UKG API response for foreign table \"%s\", page %d",
					page->relname, page->pageno),
			 errdetail_internal("%s at byte %zu near \"%s\".", what, at,
								excerpt(page->buf + from, page->len - from, 60))));
}

/*
 * ukg_json_page_begin
 *		Start reading a page body, which must be a JSON array.
 *
 * buf must stay valid until the page is finished or begun again.
 */
void
ukg_json_page_begin(UkgJsonPage *page, const char *buf, size_t len, int pageno)
{
	size_t		off;

	if (page->cur)
		json_object_put(page->cur);
	page->cur = NULL;
	page->buf = buf;
	page->len = len;
	page->pageno = pageno;
	page->rows = 0;
	page->finished = false;

	off = skip_ws(buf, len, 0);
	if (off >= len || buf[off] != '[')
	{
		const char *what;

		if (off >= len)
			what = "an empty body";
		else if (buf[off] == '<')
			what = "an HTML or XML document";
		else if (buf[off] == '{')
			what = "a JSON object";
		else if (buf[off] == '"' || buf[off] == '-' || isdigit((unsigned char) buf[off]) ||
				 buf[off] == 't' || buf[off] == 'f' || buf[off] == 'n')
			what = "a JSON scalar";
		else
			what = "text that is not JSON";
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("UKG API response for foreign table \"%s\", page %d, is not a JSON array",
						page->relname, pageno),
				 errdetail_internal("The body is %s: \"%s\".", what,
									excerpt(buf + off, len - off, 80)),
				 errhint("Check the table's resource option; list resources answer with a JSON array of records.")));
	}
	page->off = off + 1;
}

/*
 * skip_string
 *		Validate the JSON string starting at buf[off] (a '"') and return the
 *		offset after its closing quote, or (size_t) -1 with *what set.
 */
static size_t
skip_string(const char *buf, size_t len, size_t off, const char **what)
{
	off++;
	while (off < len)
	{
		unsigned char c = (unsigned char) buf[off];

		if (c == '"')
			return off + 1;
		if (c == '\\')
		{
			if (off + 1 >= len)
				break;
			c = (unsigned char) buf[off + 1];
			if (c == 'u')
			{
				int			i;

				if (off + 6 > len)
					break;
				for (i = 2; i < 6; i++)
					if (!isxdigit((unsigned char) buf[off + i]))
					{
						*what = "invalid \\u escape";
						return (size_t) -1;
					}
				off += 6;
				continue;
			}
			if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
			{
				*what = "invalid escape in a string";
				return (size_t) -1;
			}
			off += 2;
			continue;
		}
		if (c < 0x20)
		{
			*what = "control character in a string";
			return (size_t) -1;
		}
		if (c >= 0x80)
		{
			/* the structure of a UTF-8 sequence, as json-c checks it */
			int			n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 :
			(c & 0xF8) == 0xF0 ? 3 : -1;
			int			i;

			if (n < 0)
			{
				*what = "invalid UTF-8 in a string";
				return (size_t) -1;
			}
			if (off + n >= len)
				break;
			for (i = 1; i <= n; i++)
				if (((unsigned char) buf[off + i] & 0xC0) != 0x80)
				{
					*what = "invalid UTF-8 in a string";
					return (size_t) -1;
				}
			off += n + 1;
			continue;
		}
		off++;
	}
	*what = NULL;				/* truncated */
	return (size_t) -1;
}

/*
 * skip_number
 *		Validate a JSON number at buf[off]; returns the offset after it.
 */
static size_t
skip_number(const char *buf, size_t len, size_t off, const char **what)
{
	size_t		start;

	if (off < len && buf[off] == '-')
		off++;
	if (off >= len)
		goto truncated;
	if (buf[off] == '0')
		off++;
	else if (buf[off] >= '1' && buf[off] <= '9')
		while (off < len && isdigit((unsigned char) buf[off]))
			off++;
	else
		goto bad;
	if (off < len && buf[off] == '.')
	{
		start = ++off;
		while (off < len && isdigit((unsigned char) buf[off]))
			off++;
		if (off == start)
			goto bad;
	}
	if (off < len && (buf[off] == 'e' || buf[off] == 'E'))
	{
		off++;
		if (off < len && (buf[off] == '+' || buf[off] == '-'))
			off++;
		start = off;
		while (off < len && isdigit((unsigned char) buf[off]))
			off++;
		if (off == start)
			goto bad;
	}
	if (off >= len)
		goto truncated;
	return off;
bad:
	*what = "invalid number";
	return (size_t) -1;
truncated:
	*what = NULL;
	return (size_t) -1;
}

/*
 * skip_record
 *		Validate one JSON value at buf[*offp] without building it (for scans
 *		that read no column, such as count(*)), and move *offp past it.
 *		Returns true on success; otherwise *what says what is wrong, or is
 *		NULL when the body ends first.  Nesting is limited as json-c limits
 *		it.
 */
static bool
skip_record(const char *buf, size_t len, size_t *offp, const char **what)
{
	uint64		is_object = 0;	/* a bit per level: object or array */
	int			depth = 0;
	size_t		off = *offp;
	size_t		start = off;	/* of the string or number being read */

	for (;;)
	{
		/* a value */
		off = skip_ws(buf, len, off);
		if (off >= len)
			goto truncated;
		switch (buf[off])
		{
			case '{':
			case '[':
				if (depth >= JSON_TOKENER_DEFAULT_DEPTH)
				{
					*what = "nesting too deep";
					goto fail;
				}
				if (buf[off] == '{')
					is_object |= UINT64CONST(1) << depth;
				else
					is_object &= ~(UINT64CONST(1) << depth);
				depth++;
				off = skip_ws(buf, len, off + 1);
				if (off >= len)
					goto truncated;
				if (buf[off] == (((is_object >> (depth - 1)) & 1) ? '}' : ']'))
				{
					depth--;
					off++;
					break;
				}
				if ((is_object >> (depth - 1)) & 1)
					goto key;
				continue;
			case '"':
				start = off;
				off = skip_string(buf, len, off, what);
				break;
			case 't':
			case 'f':
			case 'n':
				{
					const char *lit = buf[off] == 't' ? "true" :
					buf[off] == 'f' ? "false" : "null";
					size_t		l = strlen(lit);

					if (len - off < l)
						goto truncated;
					if (memcmp(buf + off, lit, l) != 0)
					{
						*what = "unexpected character";
						goto fail;
					}
					off += l;
				}
				break;
			default:
				if (buf[off] == '-' || isdigit((unsigned char) buf[off]))
				{
					start = off;
					off = skip_number(buf, len, off, what);
					break;
				}
				*what = "unexpected character";
				goto fail;
		}
		if (off == (size_t) -1)
			goto string_or_number_failed;

		/* after a value: close containers, or go on to the next member */
		for (;;)
		{
			bool		obj;

			if (depth == 0)
			{
				*offp = off;
				return true;
			}
			obj = (is_object >> (depth - 1)) & 1;
			off = skip_ws(buf, len, off);
			if (off >= len)
				goto truncated;
			if (buf[off] == (obj ? '}' : ']'))
			{
				depth--;
				off++;
				continue;
			}
			if (buf[off] != ',')
			{
				*what = obj ? "expected \",\" or \"}\"" : "expected \",\" or \"]\"";
				goto fail;
			}
			off++;
			if (obj)
				goto key;
			break;				/* the next array element */
		}
		continue;

key:
		off = skip_ws(buf, len, off);
		if (off >= len)
			goto truncated;
		if (buf[off] != '"')
		{
			*what = "expected a quoted key";
			goto fail;
		}
		start = off;
		off = skip_string(buf, len, off, what);
		if (off == (size_t) -1)
			goto string_or_number_failed;
		off = skip_ws(buf, len, off);
		if (off >= len)
			goto truncated;
		if (buf[off] != ':')
		{
			*what = "expected \":\"";
			goto fail;
		}
		off++;
	}

string_or_number_failed:
	if (*what == NULL)
		goto truncated;
	*offp = start;				/* where the bad string or number starts */
	return false;
truncated:
	*what = NULL;
	*offp = len;
	return false;
fail:
	*offp = off;
	return false;
}

/*
 * ukg_json_page_next
 *		Parse the next record of the page.  Returns false at the end of the
 *		array.  Only the current record's DOM exists at any time; a
 *		count-only page validates records without building them.
 */
bool
ukg_json_page_next(UkgJsonPage *page)
{
	const char *buf = page->buf;
	size_t		len = page->len;
	size_t		off;
	enum json_tokener_error jerr;
	JsonC	   *obj;

	if (page->cur)
		json_object_put(page->cur);
	page->cur = NULL;
	if (page->finished)
		return false;

	off = skip_ws(buf, len, page->off);
	if (off >= len)
		page_error(page, "the body ends inside the array (truncated)", off);
	if (buf[off] == ']')
	{
		off = skip_ws(buf, len, off + 1);
		if (off < len)
			page_error(page, "unexpected data after the array", off);
		page->finished = true;
		return false;
	}
	if (page->rows > 0)
	{
		if (buf[off] != ',')
			page_error(page, "expected \",\" or \"]\"", off);
		off = skip_ws(buf, len, off + 1);
		if (off >= len)
			page_error(page, "the body ends inside the array (truncated)", off);
	}

	if (page->count_only)
	{
		const char *what;
		size_t		end = off;

		if (buf[off] != '{')
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
					 errmsg("UKG API response for foreign table \"%s\", page %d, holds an element that is not a record",
							page->relname, page->pageno),
					 errdetail_internal("Element %d is not a JSON object.", page->rows + 1)));
		if (!skip_record(buf, len, &end, &what))
		{
			if (what == NULL)
				page_error(page, "the body ends inside a record (truncated)", len);
			page_error(page, what, end);
		}
		page->off = end;
		page->rows++;
		return true;
	}

	if (len - off > (size_t) INT_MAX)
		page_error(page, "the body is too large", off);
	json_tokener_reset(page->tok);
	obj = json_tokener_parse_ex(page->tok, buf + off, (int) (len - off));
	jerr = json_tokener_get_error(page->tok);
	if (obj == NULL)
	{
		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			page_error(page, "the body ends inside a record (truncated)", len);
		page_error(page, json_tokener_error_desc(jerr),
				   off + json_tokener_get_parse_end(page->tok));
	}
	page->off = off + json_tokener_get_parse_end(page->tok);
	page->cur = obj;
	if (!json_object_is_type(obj, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("UKG API response for foreign table \"%s\", page %d, holds an element that is not a record",
						page->relname, page->pageno),
				 errdetail_internal("Element %d is a JSON %s.", page->rows + 1,
									json_type_to_name(json_object_get_type(obj)))));
	page->rows++;
	return true;
}

int
ukg_json_page_rows(UkgJsonPage *page)
{
	return page->rows;
}

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
key_matches(const char *key, const ColConv *col)
{
	const char *n = col->norm;

	for (; *key; key++)
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

	conv->relname = pstrdup(RelationGetRelationName(rel));
	conv->cols = palloc0(sizeof(ColConv) * Max(list_length(attnums), 1));

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
			case BPCHAROID:
				col->kind = col->typid == TEXTOID ? CK_TEXT : CK_INPUT;
				break;
			case VARCHAROID:
				col->kind = col->typmod < 0 ? CK_TEXT : CK_INPUT;
				break;
			case INT2OID:
				col->kind = CK_INT2;
				break;
			case INT4OID:
				col->kind = CK_INT4;
				break;
			case INT8OID:
				col->kind = CK_INT8;
				break;
			case FLOAT4OID:
				col->kind = CK_FLOAT4;
				break;
			case FLOAT8OID:
				col->kind = CK_FLOAT8;
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
	}
	return conv;
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

/*
 * find_value
 *		The record's value for a column, or NULL when the key is missing.
 *		The exact key that matched last time is tried first, so the common
 *		case is one hash lookup.
 */
static JsonC *
find_value(JsonC *rec, ColConv *col)
{
	JsonC	   *v = NULL;

	if (col->hit[0] && json_object_object_get_ex(rec, col->hit, &v))
		return v;

	{
		json_object_object_foreach(rec, key, val)
		{
			if (key_matches(key, col))
			{
				strlcpy(col->hit, key, sizeof(col->hit));
				return val;
			}
		}
	}
	return NULL;
}

static const char *
json_kind(JsonC *v)
{
	switch (json_object_get_type(v))
	{
		case json_type_boolean:
			return "a boolean";
		case json_type_double:
		case json_type_int:
			return "a number";
		case json_type_string:
			return "a string";
		case json_type_array:
			return "an array";
		case json_type_object:
			return "an object";
		default:
			return "null";
	}
}

/*
 * json_text
 *		The text of a JSON value: a string's contents, else its JSON form.
 *		UKG sends UTF-8; in a database with another encoding the text is
 *		converted (and an unconvertible character is an error).
 */
static const char *
json_text(JsonC *v, size_t *len)
{
	const char *s;

	if (json_object_is_type(v, json_type_string))
	{
		*len = json_object_get_string_len(v);
		s = json_object_get_string(v);
	}
	else
	{
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		*len = strlen(s);
	}
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *c = pg_any_to_server(s, (int) *len, PG_UTF8);

		if (c != s)
			*len = strlen(c);
		s = c;
	}
	return s;
}

static void
conv_error_callback(void *arg)
{
	ConvErrorState *st = (ConvErrorState *) arg;
	size_t		len;
	const char *s;

	if (st->col == NULL)
		return;
	if (st->value)
	{
		s = json_text(st->value, &len);
		errcontext("column \"%s\" of foreign table \"%s\", JSON key \"%s\", value \"%s\"",
				   st->col->colname, st->relname, st->col->keydesc,
				   excerpt(s, len, 40));
	}
	else
		errcontext("column \"%s\" of foreign table \"%s\", JSON key \"%s\"",
				   st->col->colname, st->relname, st->col->keydesc);
}

static void
mismatch(ConvErrorState *st, JsonC *v, const char *expected, bool range)
{
	ColConv    *col = st->col;
	size_t		len;
	const char *s = json_text(v, &len);

	st->col = NULL;				/* the message says it all: no context */
	ereport(ERROR,
			(errcode(range ? ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE : ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid value for column \"%s\" of foreign table \"%s\"",
					col->colname, st->relname),
			 errdetail("JSON key \"%s\" holds %s \"%s\", which is %s.",
					   col->keydesc, json_kind(v), excerpt(s, len, 40), expected)));
}

static Datum
input_value(ColConv *col, JsonC *v)
{
	size_t		len;
	const char *s = json_text(v, &len);

	return InputFunctionCall(&col->infunc, (char *) s, col->ioparam, col->typmod);
}

static Datum
int_value(ConvErrorState *st, JsonC *v, int64 min, int64 max)
{
	ColConv    *col = st->col;
	int64		i;

	switch (json_object_get_type(v))
	{
		case json_type_int:
			errno = 0;
			i = json_object_get_int64(v);
			if (errno == ERANGE || i < min || i > max)
				mismatch(st, v, "out of range for its type", true);
			break;
		case json_type_double:
			{
				double		d = json_object_get_double(v);

				if (d != floor(d) || isnan(d))
					mismatch(st, v, "not an integer", false);
				if (d < (double) min || d > (double) max)
					mismatch(st, v, "out of range for its type", true);
				i = (int64) d;
			}
			break;
		case json_type_string:
			return input_value(col, v);
		default:
			mismatch(st, v, "not an integer", false);
			return (Datum) 0;	/* keep the compiler quiet */
	}
	switch (col->kind)
	{
		case CK_INT2:
			return Int16GetDatum((int16) i);
		case CK_INT4:
			return Int32GetDatum((int32) i);
		default:
			return Int64GetDatum(i);
	}
}

static Datum
text_array_value(ConvErrorState *st, JsonC *v)
{
	ColConv    *col = st->col;
	int			n;
	int			i;
	Datum	   *elems;
	bool	   *nulls;
	int			dims[1];
	int			lbs[1] = {1};

	if (json_object_is_type(v, json_type_string))
		return input_value(col, v);
	if (!json_object_is_type(v, json_type_array))
		mismatch(st, v, "not an array", false);
	n = (int) json_object_array_length(v);
	elems = palloc(sizeof(Datum) * Max(n, 1));
	nulls = palloc(sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		JsonC	   *e = json_object_array_get_idx(v, i);
		size_t		len;
		const char *s;

		nulls[i] = (e == NULL);
		if (e == NULL)
			continue;
		s = json_text(e, &len);
		elems[i] = PointerGetDatum(cstring_to_text_with_len(s, len));
	}
	dims[0] = n;
	if (n == 0)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * convert
 *		Datum for one column from its JSON value (not NULL).
 */
static Datum
convert(ConvErrorState *st, JsonC *v)
{
	ColConv    *col = st->col;
	size_t		len;
	const char *s;

	/* PostgreSQL strings cannot hold NUL: refuse rather than truncate */
	if (json_object_is_type(v, json_type_string) &&
		memchr(json_object_get_string(v), '\0', json_object_get_string_len(v)) != NULL)
		mismatch(st, v, "not valid in PostgreSQL text (it contains \\u0000)", false);

	switch (col->kind)
	{
		case CK_TEXT:
			s = json_text(v, &len);
			return PointerGetDatum(cstring_to_text_with_len(s, len));
		case CK_INT2:
			return int_value(st, v, PG_INT16_MIN, PG_INT16_MAX);
		case CK_INT4:
			return int_value(st, v, PG_INT32_MIN, PG_INT32_MAX);
		case CK_INT8:
			return int_value(st, v, PG_INT64_MIN, PG_INT64_MAX);
		case CK_FLOAT4:
		case CK_FLOAT8:
			if (json_object_is_type(v, json_type_double) ||
				json_object_is_type(v, json_type_int))
			{
				double		d = json_object_get_double(v);

				if (col->kind == CK_FLOAT4)
				{
					if (!isinf(d) && isinf((float4) d))
						mismatch(st, v, "out of range for type real", true);
					return Float4GetDatum((float4) d);
				}
				return Float8GetDatum(d);
			}
			if (json_object_is_type(v, json_type_string))
				return input_value(col, v);
			mismatch(st, v, "not a number", false);
			break;
		case CK_BOOL:
			if (json_object_is_type(v, json_type_boolean))
				return BoolGetDatum(json_object_get_boolean(v));
			if (json_object_is_type(v, json_type_string))
				return input_value(col, v);
			if (json_object_is_type(v, json_type_int))
			{
				int64		i = json_object_get_int64(v);

				if (i == 0 || i == 1)
					return BoolGetDatum(i == 1);
			}
			mismatch(st, v, "not a boolean", false);
			break;
		case CK_JSON:
			s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
			return InputFunctionCall(&col->infunc, (char *) s, col->ioparam, col->typmod);
		case CK_TEXT_ARRAY:
			return text_array_value(st, v);
		case CK_INPUT:
			if (json_object_is_type(v, json_type_object) ||
				json_object_is_type(v, json_type_array))
				mismatch(st, v, "not a scalar", false);
			return input_value(col, v);
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
	JsonC	   *rec = page->cur;
	ErrorContextCallback errcb;
	ConvErrorState st;
	int			i;

	Assert(rec != NULL);
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
		JsonC	   *v;

		if (col->kind == CK_PARAM)
		{
			values[idx] = col->param_value;
			nulls[idx] = col->param_isnull;
			continue;
		}
		v = col->whole ? rec : find_value(rec, col);
		if (v == NULL)			/* missing key or JSON null */
		{
			values[idx] = (Datum) 0;
			nulls[idx] = true;
			continue;
		}
		st.col = col;
		st.value = v;
		values[idx] = convert(&st, v);
		nulls[idx] = false;
	}
	error_context_stack = errcb.previous;
}

/*
 * ukg_json_error_message
 *		The message of an error body, for errdetail: the "message", "title",
 *		"error_description" or "error" member of a JSON object, else the
 *		start of the text.  Whitespace is collapsed and the result trimmed.
 *		Returns NULL for an empty body.  palloc'd.
 */
char *
ukg_json_error_message(const char *body, size_t len)
{
	static const char *const members[] = {"message", "error_description", "title",
	"detail", "error", NULL};
	JsonC	   *obj = NULL;
	const char *text = body;
	size_t		tlen = len;
	char	   *result;
	StringInfoData buf;
	size_t		i;

	if (len == 0)
		return NULL;
	if (len < 65536)
	{
		json_tokener *tok = json_tokener_new();

		if (tok)
		{
			obj = json_tokener_parse_ex(tok, body, (int) len);
			json_tokener_free(tok);
		}
	}
	if (obj && json_object_is_type(obj, json_type_object))
	{
		const char *const *m;

		for (m = members; *m; m++)
		{
			JsonC	   *v;

			if (json_object_object_get_ex(obj, *m, &v) &&
				json_object_is_type(v, json_type_string) &&
				json_object_get_string_len(v) > 0)
			{
				text = json_object_get_string(v);
				tlen = json_object_get_string_len(v);
				break;
			}
		}
	}

	initStringInfo(&buf);
	for (i = 0; i < tlen && buf.len < 300; i++)
	{
		char		c = text[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c == ' ' && (buf.len == 0 || buf.data[buf.len - 1] == ' '))
			continue;
		appendStringInfoChar(&buf, c);
	}
	while (buf.len > 0 && buf.data[buf.len - 1] == ' ')
		buf.data[--buf.len] = '\0';
	result = excerpt(buf.data, buf.len, 300);
	if (obj)
		json_object_put(obj);
	return result[0] ? result : NULL;
}

/*
 * ukg_json_token_response
 *		Parse an OAuth token response.  Returns false with *error set when the
 *		body is not a JSON object with a string access_token.  *expires_in is
 *		-1 when the response has none.  Strings are palloc'd.
 */
bool
ukg_json_token_response(const char *body, size_t len, char **access_token,
						char **token_type, int *expires_in, char **error)
{
	json_tokener *tok;
	JsonC	   *obj;
	JsonC	   *v;
	bool		ok = false;

	*access_token = NULL;
	*token_type = NULL;
	*expires_in = -1;
	*error = NULL;

	tok = json_tokener_new();
	if (tok == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	obj = json_tokener_parse_ex(tok, body, (int) Min(len, (size_t) INT_MAX));
	json_tokener_free(tok);

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		*error = pstrdup("The response is not a JSON object.");
	else if (!json_object_object_get_ex(obj, "access_token", &v) ||
			 !json_object_is_type(v, json_type_string) ||
			 json_object_get_string_len(v) == 0)
		*error = pstrdup("The response has no \"access_token\".");
	else
	{
		*access_token = pstrdup(json_object_get_string(v));
		if (json_object_object_get_ex(obj, "token_type", &v) &&
			json_object_is_type(v, json_type_string))
			*token_type = pstrdup(json_object_get_string(v));
		if (json_object_object_get_ex(obj, "expires_in", &v) &&
			(json_object_is_type(v, json_type_int) ||
			 json_object_is_type(v, json_type_double) ||
			 json_object_is_type(v, json_type_string)))
		{
			int64		e = json_object_get_int64(v);

			if (e > 0)
				*expires_in = (int) Min(e, (int64) 10 * 365 * 86400);
		}
		ok = true;
	}
	if (obj)
		json_object_put(obj);
	return ok;
}
