/*-------------------------------------------------------------------------
 *
 * ukg_json.c
 *		  json-c in ukg_fdw: token answers and error bodies.
 *
 * json-c parses the small documents that are not record pages: OAuth token
 * responses and the message of an error body.  Record pages go through
 * json_scan.c (reading) and json_conv.c (conversion to Datums), which need
 * no DOM.  This is the only file that includes json-c; json-c allocates
 * with malloc, and every object is released before the function returns.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/ukg_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

/*
 * PostgreSQL declares a function named json_object (fmgrprotos.h), which
 * clashes with json-c's type of the same name.  Rename json-c's type for
 * this file; nothing here calls the SQL function.
 */
#define json_object ukg_json_c_object
#include <json-c/json.h>

typedef struct ukg_json_c_object JsonC;

#include "json_int.h"

const char *
ukg_json_c_version(void)
{
	return json_c_version();
}

/*
 * ukg_json_excerpt
 *		A short, printable excerpt of text for messages.  palloc'd.
 */
char *
ukg_json_excerpt(const char *s, size_t len, size_t max)
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
	result = ukg_json_excerpt(buf.data, buf.len, 300);
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
