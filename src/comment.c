/*-------------------------------------------------------------------------
 *
 * comment.c
 *		  ukg_fdw_comment(): the catalog's descriptions as COMMENT ON the
 *		  foreign tables of a schema.
 *
 * IMPORT FOREIGN SCHEMA may only create tables, so the descriptions that
 * the catalog compiled from UKG's OpenAPI document (a summary per resource
 * and a description for many columns) are put on the tables by this
 * separate function, after the import.  It runs COMMENT ON through SPI, so
 * the usual rule applies: only the owner of a table may comment on it.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/comment.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "ukg_fdw.h"

PG_FUNCTION_INFO_V1(ukg_fdw_comment);

/*
 * same_key
 *		Do two JSON keys or column names match as the scan matches them:
 *		case-insensitively, ignoring underscores?
 */
static bool
same_key(const char *a, const char *b)
{
	for (;;)
	{
		while (*a == '_')
			a++;
		while (*b == '_')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (tolower((unsigned char) *a) != tolower((unsigned char) *b))
			return false;
		a++;
		b++;
	}
}

/*
 * catalog_column_for
 *		The catalog column a table column reads: by its json_key option if
 *		it has one, else by its name (the imported name, or the JSON key as
 *		the scan matches it).  NULL if none.
 */
static const UkgColumnDef *
catalog_column_for(const UkgResourceDef *res, const char *attname,
				   const char *json_key)
{
	const UkgColumnDef *col;
	int			i;

	if (json_key == NULL && (col = ukg_catalog_column(res, attname)) != NULL)
		return col;
	for (i = 0; i < res->ncolumns; i++)
	{
		col = &res->columns[i];
		if (col->json_key == NULL)
			continue;
		if (json_key ? strcmp(col->json_key, json_key) == 0
			: same_key(col->json_key, attname))
			return col;
	}
	return NULL;
}

/*
 * uses_ukg_fdw
 *		Is this foreign table served by ukg_fdw (through any wrapper whose
 *		handler is ukg_fdw_handler)?
 */
static bool
uses_ukg_fdw(Oid relid)
{
	ForeignTable *ft = GetForeignTable(relid);
	ForeignServer *server = GetForeignServer(ft->serverid);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	char	   *handler;

	if (!OidIsValid(fdw->fdwhandler))
		return false;
	handler = get_func_name(fdw->fdwhandler);
	return handler != NULL && strcmp(handler, "ukg_fdw_handler") == 0;
}

/*
 * table_resource
 *		The value of a foreign table's "resource" option, or NULL.
 */
static char *
table_resource(Oid relid)
{
	ListCell   *lc;

	foreach(lc, GetForeignTable(relid)->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "resource") == 0)
			return defGetString(def);
	}
	return NULL;
}

/*
 * table_comment
 *		The comment for a table of a catalog resource: the spec's summary,
 *		the request and the UKG permission it needs.
 */
static char *
table_comment(const UkgResourceDef *res)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (res->summary && res->summary[0])
	{
		appendStringInfoString(&buf, res->summary);
		if (buf.data[buf.len - 1] != '.')
			appendStringInfoChar(&buf, '.');
		appendStringInfoChar(&buf, ' ');
	}
	appendStringInfo(&buf, "UKG resource %s (GET %s).", res->name, res->path);
	if (res->permission)
		appendStringInfo(&buf, " Needs View on the UKG web service \"%s\".",
						 res->permission);
	return buf.data;
}

static void
run_comment(const char *sql)
{
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute failed: %s", sql);
}

/*
 * ukg_fdw_comment
 *		SQL function: COMMENT ON FOREIGN TABLE and COMMENT ON COLUMN, from
 *		the catalog, for every ukg_fdw foreign table of a schema whose
 *		resource is in the catalog.  Existing comments on those objects are
 *		replaced; columns the catalog does not describe are left alone.
 *		Returns the number of comments set.
 */
Datum
ukg_fdw_comment(PG_FUNCTION_ARGS)
{
	char	   *schema = NameStr(*PG_GETARG_NAME(0));
	Oid			nspid = get_namespace_oid(schema, false);
	List	   *relids = NIL;
	ListCell   *lc;
	int64		ncomments = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* the foreign tables of the schema, in OID order for stable output */
	{
		Oid			argtypes[1] = {OIDOID};
		Datum		args[1] = {ObjectIdGetDatum(nspid)};
		uint64		r;

		if (SPI_execute_with_args("SELECT oid FROM pg_catalog.pg_class"
								  " WHERE relnamespace = $1 AND relkind = 'f'"
								  " ORDER BY oid",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute_with_args failed");
		for (r = 0; r < SPI_processed; r++)
		{
			bool		isnull;

			relids = lappend_oid(relids,
								 DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[r],
																SPI_tuptable->tupdesc,
																1, &isnull)));
		}
	}

	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		const UkgResourceDef *res;
		char	   *resource;
		char	   *qualname;
		Relation	rel;
		TupleDesc	tupdesc;
		int			i;

		if (!uses_ukg_fdw(relid) || (resource = table_resource(relid)) == NULL ||
			(res = ukg_catalog_lookup(resource)) == NULL)
			continue;

		qualname = quote_qualified_identifier(schema, get_rel_name(relid));
		run_comment(psprintf("COMMENT ON FOREIGN TABLE %s IS %s", qualname,
							 quote_literal_cstr(table_comment(res))));
		ncomments++;

		rel = table_open(relid, AccessShareLock);
		tupdesc = RelationGetDescr(rel);
		for (i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, i);
			char	   *json_key;
			const UkgColumnDef *col;
			const char *text;

			if (att->attisdropped)
				continue;
			json_key = ukg_column_json_key(relid, att->attnum);
			if (json_key && strcmp(json_key, "*") == 0)
				text = "The whole UKG record, as returned by the API.";
			else if ((col = catalog_column_for(res, NameStr(att->attname), json_key)) != NULL &&
					 col->description != NULL)
				text = col->description;
			else
				continue;
			run_comment(psprintf("COMMENT ON COLUMN %s.%s IS %s", qualname,
								 quote_identifier(NameStr(att->attname)),
								 quote_literal_cstr(text)));
			ncomments++;
		}
		table_close(rel, AccessShareLock);
	}
	SPI_finish();

	PG_RETURN_INT64(ncomments);
}
