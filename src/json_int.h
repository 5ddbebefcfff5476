/*-------------------------------------------------------------------------
 *
 * json_int.h
 *		  What the JSON scanner (json_scan.c) and the conversion to Datums
 *		  (json_conv.c) share.  Nothing else includes this file.
 *
 * The scanner reads a page body once, validating it strictly, and for each
 * record notes where the values of the referenced keys are: a JsonSpan is a
 * pointer into the page body plus a length, never a copy.  The converter
 * turns spans into Datums.  Spans are valid only while the page body is,
 * that is until the next page is begun (scan.c keeps the body of the
 * current request alive until then).
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/json_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef UKG_JSON_INT_H
#define UKG_JSON_INT_H

#include "ukg_fdw.h"

/* nesting limit of a record, as json-c's default (JSON_TOKENER_DEFAULT_DEPTH) */
#define UKG_JSON_MAX_DEPTH	32

/* Kind of a JSON value (from its first byte) */
typedef enum JsonKind
{
	JK_NULL,
	JK_FALSE,
	JK_TRUE,
	JK_NUMBER,
	JK_STRING,
	JK_ARRAY,
	JK_OBJECT
} JsonKind;

/* JsonSpan.flags: what the scanner saw inside the value */
#define JSF_ESCAPE		0x01	/* a string with a backslash escape */
#define JSF_NUL			0x02	/* a \u0000 escape (in any string inside) */
#define JSF_NONASCII	0x04	/* bytes >= 0x80 */
#define JSF_FRACEXP		0x08	/* a number with a fraction or exponent */

/* One value of a record: its JSON text in the page body */
typedef struct JsonSpan
{
	const char *p;				/* first byte (a string's opening quote) */
	uint32		len;			/* bytes, up to the closing quote etc. */
	uint8		kind;			/* JsonKind */
	uint8		flags;			/* JSF_* */
	uint32		gen;			/* record number it belongs to */
} JsonSpan;

/*
 * The scanner's view of the conversion state (json_conv.c owns it): the
 * spans it fills for the current record, which it finds with
 * ukg_conv_match_key.
 */
typedef struct JsonCapture
{
	int			nkeycols;		/* columns read from a key (spans[0..n-1]) */
	bool		whole;			/* some column holds the whole record */
	uint32		gen;			/* current record number */
	JsonSpan   *spans;			/* one per key column */
	JsonSpan	record;			/* the whole record */
} JsonCapture;

/* in json_conv.c */
extern JsonCapture *ukg_conv_capture(UkgColumnConv *conv);
extern const int16 *ukg_conv_match_key(UkgColumnConv *conv, const char *key,
									   size_t len, bool escaped, int keyno);
extern const char *ukg_conv_column_name(UkgColumnConv *conv, int keycol);

/* in json_scan.c, for json_conv.c: the text of a validated string */
extern void ukg_json_unescape(StringInfo out, const char *p, size_t len);
extern const char *ukg_json_skip_value(const char *p, const char *end);

/* in ukg_json.c */
extern char *ukg_json_excerpt(const char *s, size_t len, size_t max);

#endif							/* UKG_JSON_INT_H */
