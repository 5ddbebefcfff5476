/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA for ukg_fdw, from the compiled-in catalog.
 *
 * The remote schemas are UKG's API domains: personnel, configuration and
 * payroll, plus "all".  Each list resource becomes a foreign table with
 * typed columns (json_key options keep UKG's exact spelling) and a
 * catch-all jsonb column holding the whole record, so fields UKG adds later
 * are not lost.
 *
 * Import options:
 *	record_column	name of the catch-all jsonb column ('record'); 'none'
 *					omits it
 *	name_style		'snake' (person_details, the default) or 'resource'
 *					(the catalog name, "person-details")
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

#include "ukg_fdw.h"

static bool
listed(List *tables, const char *name)
{
	ListCell   *lc;

	foreach(lc, tables)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);

		if (strcmp(rv->relname, name) == 0)
			return true;
	}
	return false;
}

List *
ukgImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	const char *record_column = "record";
	bool		resource_names = false;
	bool		all = strcmp(stmt->remote_schema, "all") == 0;
	List	   *commands = NIL;
	ListCell   *lc;
	int			i;
	int			j;

	if (!all && strcmp(stmt->remote_schema, "personnel") != 0 &&
		strcmp(stmt->remote_schema, "configuration") != 0 &&
		strcmp(stmt->remote_schema, "payroll") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("UKG schema \"%s\" does not exist", stmt->remote_schema),
				 errhint("Valid schemas are: %s.", ukg_catalog_schemas())));

	foreach(lc, stmt->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "record_column") == 0)
			record_column = defGetString(def);
		else if (strcmp(def->defname, "name_style") == 0)
		{
			char	   *v = defGetString(def);

			if (strcmp(v, "resource") == 0)
				resource_names = true;
			else if (strcmp(v, "snake") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for import option \"name_style\": \"%s\"", v),
						 errhint("Valid values are \"snake\" and \"resource\".")));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid import option \"%s\"", def->defname),
					 errhint("Valid import options are: record_column, name_style.")));
	}
	if (strcmp(record_column, "none") == 0)
		record_column = NULL;

	for (i = 0; i < ukg_nresources; i++)
	{
		const UkgResourceDef *res = &ukg_resources[i];
		const char *tname = resource_names ? res->name : res->table_name;
		StringInfoData buf;
		int			ncols = 0;

		if (!all && strcmp(res->schema, stmt->remote_schema) != 0)
			continue;
		if (stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO &&
			!listed(stmt->table_list, tname))
			continue;
		if (stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT &&
			listed(stmt->table_list, tname))
			continue;

		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (",
						 quote_identifier(tname));
		for (j = 0; j < res->ncolumns; j++)
		{
			const UkgColumnDef *col = &res->columns[j];

			if (record_column && strcmp(col->name, record_column) == 0)
				continue;
			appendStringInfo(&buf, "%s\n  %s %s", ncols++ > 0 ? "," : "",
							 quote_identifier(col->name), col->type);
			if (col->json_key)
				appendStringInfo(&buf, " OPTIONS (json_key %s)",
								 quote_literal_cstr(col->json_key));
		}
		if (record_column)
			appendStringInfo(&buf, "%s\n  %s jsonb OPTIONS (json_key '*')",
							 ncols > 0 ? "," : "",
							 quote_identifier(record_column));
		appendStringInfo(&buf, "\n) SERVER %s OPTIONS (resource %s)",
						 quote_identifier(server->servername),
						 quote_literal_cstr(res->name));
		commands = lappend(commands, buf.data);
	}
	return commands;
}
