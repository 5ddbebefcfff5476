/*-------------------------------------------------------------------------
 *
 * json_scan.c
 *		  Reading UKG list responses: one strict pass over a page body.
 *
 * A UKG list response is a bare JSON array of record objects (some
 * resources, marked in the catalog, answer one bare object: it reads as one
 * row).  The scanner walks the body once.  It validates everything as
 * strictly as JSON allows -- structure, numbers, escapes, surrogate pairs
 * and UTF-8 (no overlong forms, no encoded surrogates, nothing above
 * U+10FFFF) -- in every record, whether its values are used or not.  For
 * the keys that the scan's columns reference it notes where the value is
 * (a JsonSpan); json_conv.c converts the spans into Datums.  Nothing is
 * built: count(*) and SELECT * run the same scanner, the first with no
 * columns to note.
 *
 * Memory: the page body belongs to the caller (scan.c keeps the current
 * request, and so its body, alive until the next page is begun); the
 * UkgJsonPage lives in the memory context given to ukg_json_page_create;
 * spans point into the body; the scanner allocates nothing per record.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/json_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "json_int.h"

struct UkgJsonPage
{
	const char *relname;
	UkgColumnConv *conv;		/* NULL: count only */
	JsonCapture *cap;			/* conv's spans, or NULL */
	bool		single_object;	/* a bare object is one record */
	const char *buf;
	size_t		len;
	size_t		off;
	int			pageno;
	int			rows;			/* records returned so far */
	bool		finished;
	bool		bare;			/* this page is a bare object */
};

/* Scanner state for one record; the error is reported by the caller */
typedef struct Scanner
{
	const char *end;
	const char *errpos;
	const char *what;			/* NULL: the body ends first */
	int			errcol;			/* key column whose value failed, or -1 */
	bool		utf8;			/* the error is invalid UTF-8 */
} Scanner;

/*
 * Byte classes inside a string: 0 plain, 1 quote, 2 backslash, 3 control
 * character, 4 start of a multibyte UTF-8 sequence (or an invalid byte).
 */
static const uint8 str_class[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4
};

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static const char *
fail(Scanner *sc, const char *at, const char *what)
{
	sc->errpos = at;
	sc->what = what;
	return NULL;
}

/*
 * scan_literal
 *		The literal word (true, false or null) of length len at p: the
 *		position after it, or NULL (a body that ends inside it is truncated).
 */
static inline const char *
scan_literal(Scanner *sc, const char *p, const char *end, const char *word, int len)
{
	if (end - p < len)
		return fail(sc, end, NULL);
	if (memcmp(p, word, len) != 0)
		return fail(sc, p, "unexpected character");
	return p + len;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* four hex digits at p (p + 4 <= end), or -1 */
static int
hex4(const char *p)
{
	int			a = hexval(p[0]),
				b = hexval(p[1]),
				c = hexval(p[2]),
				d = hexval(p[3]);

	if ((a | b | c | d) < 0)
		return -1;
	return (a << 12) | (b << 8) | (c << 4) | d;
}

/*
 * utf8_len
 *		Length of the well-formed UTF-8 sequence at p (first byte >= 0x80),
 *		0 if it is not well formed, -1 if the body ends inside it.  The rules
 *		of Unicode's table 3-7: no overlong forms, no surrogates, nothing
 *		above U+10FFFF.
 */
static int
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80,
				hi = 0xBF;
	int			n,
				i;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;
	if (end - p < n)
	{
		/* check what there is, so a bad byte is not called truncation */
		for (i = 1; p + i < end; i++)
			if ((p[i] & 0xC0) != 0x80 || (i == 1 && (p[1] < lo || p[1] > hi)))
				return 0;
		return -1;
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/*
 * scan_string
 *		Validate the string at p (a '"'); returns the byte after its closing
 *		quote, or NULL with the error in sc.  Adds JSF_* bits to *flags.
 */
static const char *
scan_string(Scanner *sc, const char *p, uint8 *flags)
{
	const char *end = sc->end;

	p++;
	for (;;)
	{
		unsigned char c;

		while (p < end && str_class[(unsigned char) *p] == 0)
			p++;
		if (p >= end)
			return fail(sc, end, NULL);
		c = (unsigned char) *p;
		switch (str_class[c])
		{
			case 1:
				return p + 1;
			case 2:
				*flags |= JSF_ESCAPE;
				if (end - p < 2)
					return fail(sc, end, NULL);
				switch (p[1])
				{
					case '"':
					case '\\':
					case '/':
					case 'b':
					case 'f':
					case 'n':
					case 'r':
					case 't':
						p += 2;
						continue;
					case 'u':
						{
							int			u;

							if (end - p < 6)
								return fail(sc, end, NULL);
							u = hex4(p + 2);
							if (u < 0)
								return fail(sc, p, "invalid \\u escape");
							if (u == 0)
								*flags |= JSF_NUL;
							if (u >= 0xDC00 && u <= 0xDFFF)
							{
								sc->utf8 = true;
								return fail(sc, p, "a Unicode low surrogate escape without a high surrogate");
							}
							if (u >= 0xD800 && u <= 0xDBFF)
							{
								int			lo;

								if (end - p < 8 ||
									(p[6] == '\\' && p[7] == 'u' && end - p < 12))
									return fail(sc, end, NULL);
								lo = (p[6] == '\\' && p[7] == 'u') ? hex4(p + 8) : -1;
								if (lo < 0xDC00 || lo > 0xDFFF)
								{
									sc->utf8 = true;
									return fail(sc, p, "a Unicode high surrogate escape not followed by a low surrogate");
								}
								p += 12;
								continue;
							}
							p += 6;
							continue;
						}
					default:
						return fail(sc, p, "invalid escape in a string");
				}
			case 3:
				return fail(sc, p, "control character in a string");
			default:
				{
					int			n = utf8_len((const unsigned char *) p,
											 (const unsigned char *) end);

					if (n < 0)
						return fail(sc, end, NULL);
					if (n == 0)
					{
						sc->utf8 = true;
						return fail(sc, p, "invalid UTF-8 in a string");
					}
					*flags |= JSF_NONASCII;
					p += n;
				}
		}
	}
}

/*
 * scan_number
 *		Validate the number at p; returns the byte after it.
 */
static const char *
scan_number(Scanner *sc, const char *p, uint8 *flags)
{
	const char *end = sc->end;
	const char *start = p;
	const char *d;

	if (*p == '-')
		p++;
	if (p >= end)
		return fail(sc, end, NULL);
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return fail(sc, start, "invalid number");
	if (p < end && *p == '.')
	{
		*flags |= JSF_FRACEXP;
		d = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return fail(sc, p < end ? start : end, p < end ? "invalid number" : NULL);
	}
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		*flags |= JSF_FRACEXP;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return fail(sc, p < end ? start : end, p < end ? "invalid number" : NULL);
	}
	/* a number cannot end the body: the record is not closed */
	if (p >= end)
		return fail(sc, end, NULL);
	return p;
}

/*
 * scan_value
 *		Validate the value at p (not whitespace); returns the byte after it.
 */
static const char *
scan_value(Scanner *sc, const char *p, int depth, uint8 *flags)
{
	const char *end = sc->end;

	switch (*p)
	{
		case '"':
			return scan_string(sc, p, flags);
		case '{':
		case '[':
			{
				char		close = *p == '{' ? '}' : ']';
				bool		obj = *p == '{';

				if (depth >= UKG_JSON_MAX_DEPTH)
					return fail(sc, p, "nesting too deep");
				p = skip_ws(p + 1, end);
				if (p >= end)
					return fail(sc, end, NULL);
				if (*p == close)
					return p + 1;
				for (;;)
				{
					if (obj)
					{
						if (*p != '"')
							return fail(sc, p, "expected a quoted key");
						p = scan_string(sc, p, flags);
						if (p == NULL)
							return NULL;
						p = skip_ws(p, end);
						if (p >= end)
							return fail(sc, end, NULL);
						if (*p != ':')
							return fail(sc, p, "expected \":\"");
						p = skip_ws(p + 1, end);
						if (p >= end)
							return fail(sc, end, NULL);
					}
					p = scan_value(sc, p, depth + 1, flags);
					if (p == NULL)
						return NULL;
					p = skip_ws(p, end);
					if (p >= end)
						return fail(sc, end, NULL);
					if (*p == close)
						return p + 1;
					if (*p != ',')
						return fail(sc, p, obj ? "expected \",\" or \"}\"" : "expected \",\" or \"]\"");
					p = skip_ws(p + 1, end);
					if (p >= end)
						return fail(sc, end, NULL);
				}
			}
		case 't':
			return scan_literal(sc, p, end, "true", 4);
		case 'f':
			return scan_literal(sc, p, end, "false", 5);
		case 'n':
			return scan_literal(sc, p, end, "null", 4);
		default:
			if (*p == '-' || (*p >= '0' && *p <= '9'))
				return scan_number(sc, p, flags);
			return fail(sc, p, "unexpected character");
	}
}

static inline JsonKind
kind_of(char c)
{
	switch (c)
	{
		case '"':
			return JK_STRING;
		case '{':
			return JK_OBJECT;
		case '[':
			return JK_ARRAY;
		case 't':
			return JK_TRUE;
		case 'f':
			return JK_FALSE;
		case 'n':
			return JK_NULL;
		default:
			return JK_NUMBER;
	}
}

/*
 * scan_record
 *		Validate the record at p (a '{') and note the spans of the keys that
 *		cap's columns reference.  Returns the byte after the record.
 */
static const char *
scan_record(Scanner *sc, UkgJsonPage *page, const char *p)
{
	const char *end = sc->end;
	const char *start = p;
	JsonCapture *cap = page->cap;
	uint8		rflags = 0;
	int			keyno = 0;

	if (cap)
		cap->gen++;
	p = skip_ws(p + 1, end);
	if (p >= end)
		return fail(sc, end, NULL);
	if (*p != '}')
	{
		for (;;)
		{
			const char *key = p;
			const int16 *cols = NULL;
			uint8		kflags = 0;
			uint8		vflags = 0;
			const char *v;

			if (*p != '"')
				return fail(sc, p, "expected a quoted key");
			p = scan_string(sc, p, &kflags);
			if (p == NULL)
				return NULL;
			if (cap && cap->nkeycols > 0)
				cols = ukg_conv_match_key(page->conv, key + 1, p - key - 2,
										  (kflags & JSF_ESCAPE) != 0, keyno);
			keyno++;
			p = skip_ws(p, end);
			if (p >= end)
				return fail(sc, end, NULL);
			if (*p != ':')
				return fail(sc, p, "expected \":\"");
			p = skip_ws(p + 1, end);
			if (p >= end)
				return fail(sc, end, NULL);
			v = p;
			sc->errcol = cols ? cols[0] : -1;
			p = scan_value(sc, p, 1, &vflags);
			if (p == NULL)
				return NULL;
			sc->errcol = -1;
			if (cols)
			{
				for (; *cols >= 0; cols++)
				{
					JsonSpan   *s = &cap->spans[*cols];

					s->p = v;
					s->len = p - v;
					s->kind = kind_of(*v);
					s->flags = vflags;
					s->gen = cap->gen;
				}
			}
			rflags |= kflags | vflags;
			p = skip_ws(p, end);
			if (p >= end)
				return fail(sc, end, NULL);
			if (*p == '}')
				break;
			if (*p != ',')
				return fail(sc, p, "expected \",\" or \"}\"");
			p = skip_ws(p + 1, end);
			if (p >= end)
				return fail(sc, end, NULL);
		}
	}
	p++;
	if (cap && cap->whole)
	{
		cap->record.p = start;
		cap->record.len = p - start;
		cap->record.kind = JK_OBJECT;
		cap->record.flags = rflags;
		cap->record.gen = cap->gen;
	}
	return p;
}

/*
 * ukg_json_skip_value
 *		The end of the value at p, which the scanner has validated (used to
 *		walk the elements of a captured array).
 */
const char *
ukg_json_skip_value(const char *p, const char *end)
{
	Scanner		sc = {0};
	uint8		flags = 0;
	const char *r;

	sc.end = end;
	r = scan_value(&sc, p, 1, &flags);
	if (r == NULL)
		elog(ERROR, "ukg_fdw: a validated JSON value does not scan");
	return r;
}

static void
put_utf8(StringInfo out, pg_wchar c)
{
	unsigned char b[4];

	unicode_to_utf8(c, b);
	appendBinaryStringInfo(out, (char *) b, pg_utf_mblen(b));
}

/*
 * ukg_json_unescape
 *		Append the text of a validated JSON string (its bytes between the
 *		quotes) to out, in UTF-8.  The caller has refused \u0000.
 */
void
ukg_json_unescape(StringInfo out, const char *p, size_t len)
{
	const char *end = p + len;

	while (p < end)
	{
		const char *bs = memchr(p, '\\', end - p);

		if (bs == NULL)
		{
			appendBinaryStringInfo(out, p, end - p);
			break;
		}
		appendBinaryStringInfo(out, p, bs - p);
		switch (bs[1])
		{
			case 'b':
				appendStringInfoChar(out, '\b');
				break;
			case 'f':
				appendStringInfoChar(out, '\f');
				break;
			case 'n':
				appendStringInfoChar(out, '\n');
				break;
			case 'r':
				appendStringInfoChar(out, '\r');
				break;
			case 't':
				appendStringInfoChar(out, '\t');
				break;
			case 'u':
				{
					pg_wchar	u = hex4(bs + 2);

					if (u >= 0xD800 && u <= 0xDBFF)
					{
						u = 0x10000 + ((u - 0xD800) << 10) + (hex4(bs + 8) - 0xDC00);
						bs += 6;
					}
					put_utf8(out, u);
					p = bs + 6;
					continue;
				}
			default:			/* " \ / */
				appendStringInfoChar(out, bs[1]);
				break;
		}
		p = bs + 2;
	}
}

UkgJsonPage *
ukg_json_page_create(MemoryContext cxt, const char *relname,
					 UkgColumnConv *conv, bool single_object)
{
	UkgJsonPage *page = MemoryContextAllocZero(cxt, sizeof(UkgJsonPage));

	page->relname = MemoryContextStrdup(cxt, relname);
	page->conv = conv;
	page->cap = conv ? ukg_conv_capture(conv) : NULL;
	if (page->cap && page->cap->nkeycols == 0 && !page->cap->whole)
		page->cap = NULL;		/* nothing to note: validate only */
	page->single_object = single_object;
	page->finished = true;
	return page;
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
								ukg_json_excerpt(page->buf + from, page->len - from, 60))));
}

/*
 * scan_error
 *		Report a record that failed to scan.  Invalid UTF-8 and unpaired
 *		surrogates name the column when they are in a referenced value.
 */
static void
scan_error(UkgJsonPage *page, Scanner *sc)
{
	size_t		at = sc->errpos - page->buf;

	if (sc->what == NULL)
		page_error(page, "the body ends inside a record (truncated)", page->len);
	if (sc->utf8)
	{
		size_t		from = at > 20 ? at - 20 : 0;

		if (sc->errcol >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid value for column \"%s\" of foreign table \"%s\"",
							ukg_conv_column_name(page->conv, sc->errcol), page->relname),
					 errdetail_internal("The value has %s at byte %zu of page %d, near \"%s\".",
										sc->what, at, page->pageno,
										ukg_json_excerpt(page->buf + from, page->len - from, 60))));
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid JSON in UKG API response for foreign table \"%s\", page %d",
						page->relname, page->pageno),
				 errdetail_internal("%s at byte %zu near \"%s\".", sc->what, at,
									ukg_json_excerpt(page->buf + from, page->len - from, 60))));
	}
	page_error(page, sc->what, at);
}

static void
not_an_array(UkgJsonPage *page, const char *buf, size_t len, size_t off)
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
					page->relname, page->pageno),
			 errdetail_internal("The body is %s: \"%s\".", what,
								ukg_json_excerpt(buf + off, len - off, 80)),
			 errhint("Check the table's resource option; list resources answer with a JSON array of records.")));
}

/*
 * ukg_json_page_begin
 *		Start reading a page body: a JSON array of records, or for a
 *		resource that the catalog marks as answering one object, a bare
 *		object, which is one record.
 *
 * buf must stay valid until the page is finished or begun again.
 */
void
ukg_json_page_begin(UkgJsonPage *page, const char *buf, size_t len, int pageno)
{
	size_t		off = 0;

	page->buf = buf;
	page->len = len;
	page->pageno = pageno;
	page->rows = 0;
	page->finished = false;
	page->bare = false;

	while (off < len && (buf[off] == ' ' || buf[off] == '\t' ||
						 buf[off] == '\n' || buf[off] == '\r'))
		off++;
	if (off < len && buf[off] == '{' && page->single_object)
	{
		page->bare = true;
		page->off = off;
		return;
	}
	if (off >= len || buf[off] != '[')
		not_an_array(page, buf, len, off);
	page->off = off + 1;
}

/*
 * ukg_json_page_next
 *		Scan the next record of the page, noting the referenced values.
 *		Returns false at the end of the page.
 */
bool
ukg_json_page_next(UkgJsonPage *page)
{
	const char *buf = page->buf;
	const char *end = buf + page->len;
	const char *p;
	Scanner		sc;

	if (page->finished)
		return false;

	p = skip_ws(buf + page->off, end);
	if (page->bare)
	{
		if (page->rows > 0)
		{
			if (p < end)
				page_error(page, "unexpected data after the object", p - buf);
			page->finished = true;
			return false;
		}
	}
	else
	{
		if (p >= end)
			page_error(page, "the body ends inside the array (truncated)", p - buf);
		if (*p == ']')
		{
			p = skip_ws(p + 1, end);
			if (p < end)
				page_error(page, "unexpected data after the array", p - buf);
			page->finished = true;
			return false;
		}
		if (page->rows > 0)
		{
			if (*p != ',')
				page_error(page, "expected \",\" or \"]\"", p - buf);
			p = skip_ws(p + 1, end);
			if (p >= end)
				page_error(page, "the body ends inside the array (truncated)", p - buf);
		}
	}

	if (*p != '{')
	{
		const char *what;

		switch (kind_of(*p))
		{
			case JK_STRING:
				what = "a JSON string";
				break;
			case JK_ARRAY:
				what = "a JSON array";
				break;
			case JK_NULL:
				what = "JSON null";
				break;
			case JK_TRUE:
			case JK_FALSE:
				what = "a JSON boolean";
				break;
			default:
				what = "a JSON number";
				break;
		}
		/* a malformed element is invalid JSON, not a non-record */
		{
			uint8		flags = 0;

			sc.end = end;
			sc.errcol = -1;
			sc.utf8 = false;
			if (scan_value(&sc, p, 1, &flags) == NULL)
				scan_error(page, &sc);
		}
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("UKG API response for foreign table \"%s\", page %d, holds an element that is not a record",
						page->relname, page->pageno),
				 errdetail_internal("Element %d is %s.", page->rows + 1, what)));
	}

	sc.end = end;
	sc.errcol = -1;
	sc.utf8 = false;
	p = scan_record(&sc, page, p);
	if (p == NULL)
		scan_error(page, &sc);
	page->off = p - buf;
	page->rows++;
	return true;
}

int
ukg_json_page_rows(UkgJsonPage *page)
{
	return page->rows;
}

/*
 * ukg_json_page_bare
 *		Was the page one bare object (the whole answer of a resource that
 *		the catalog marks as answering one object)?
 */
bool
ukg_json_page_bare(UkgJsonPage *page)
{
	return page->bare;
}
