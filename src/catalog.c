/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		  Look-ups in the UKG Pro resource catalog compiled into ukg_fdw, and
 *		  the ukg_fdw_resources() function that shows it.
 *
 * The catalog data is generated into src/catalog_data.c by
 * tools/gen_catalog.py; see doc/catalog-notes.md.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "ukg_fdw.h"

PG_FUNCTION_INFO_V1(ukg_fdw_resources);

/*
 * ukg_catalog_lookup
 *		The resource with this catalog name, table name or path (with or
 *		without leading and trailing slashes), or NULL.
 */
const UkgResourceDef *
ukg_catalog_lookup(const char *name_or_path)
{
	int			i;
	size_t		len;

	while (*name_or_path == '/')
		name_or_path++;
	/* a path may end in slashes ("code-tables/careerProvider/") */
	len = strlen(name_or_path);
	while (len > 0 && name_or_path[len - 1] == '/')
		len--;
	for (i = 0; i < ukg_nresources; i++)
	{
		const UkgResourceDef *res = &ukg_resources[i];

		if (strcmp(res->name, name_or_path) == 0 ||
			strcmp(res->table_name, name_or_path) == 0 ||
			strcmp(res->path, name_or_path) == 0 ||
			(len > 0 && strlen(res->path) == len &&
			 strncmp(res->path, name_or_path, len) == 0))
			return res;
	}
	return NULL;
}

/*
 * ukg_catalog_column
 *		The catalog column of a resource with this (snake_case) name, or NULL.
 */
const UkgColumnDef *
ukg_catalog_column(const UkgResourceDef *res, const char *column)
{
	int			i;

	for (i = 0; i < res->ncolumns; i++)
		if (strcmp(res->columns[i].name, column) == 0)
			return &res->columns[i];
	return NULL;
}

/*
 * ukg_catalog_filter
 *		The filter of a resource that applies to this column, or NULL.
 */
const UkgFilterDef *
ukg_catalog_filter(const UkgResourceDef *res, const char *column)
{
	int			i;

	for (i = 0; i < res->nfilters; i++)
		if (strcmp(res->filters[i].column, column) == 0)
			return &res->filters[i];
	return NULL;
}

/*
 * ukg_catalog_schemas
 *		The remote schema names, for messages.
 */
const char *
ukg_catalog_schemas(void)
{
	return "personnel, configuration, payroll, all";
}

static const char *
paging_name(UkgPaging paging)
{
	switch (paging)
	{
		case UKG_PAGING_PER_PAGE_UPPER:
			return "per_Page";
		case UKG_PAGING_PER_PAGE_LOWER:
			return "per_page";
		case UKG_PAGING_NONE:
			break;
	}
	return "none";
}

/*
 * describe_filters
 *		"param -> column (ops)" for each filter of a resource ("local" for
 *		one that is never pushed).  palloc'd.
 */
static char *
describe_filters(const UkgResourceDef *res)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < res->nfilters; i++)
	{
		const UkgFilterDef *f = &res->filters[i];

		appendStringInfo(&buf, "%s%s (%s%s%s%s%s%s)",
						 i > 0 ? ", " : "", f->column,
						 f->ops == 0 ? "local" : "",
						 (f->ops & UKG_FILTER_EQ) ? "=" : "",
						 (f->ops & UKG_FILTER_LIST) ? " IN" : "",
						 (f->ops & UKG_FILTER_RANGE) ? " < <= > >=" : "",
						 (f->ops & UKG_FILTER_BOOL) && !(f->ops & UKG_FILTER_EQ) ? "=" : "",
						 f->required ? ", required" : "");
	}
	return buf.data;
}

/*
 * ukg_fdw_resources
 *		SQL function listing the catalog.
 */
Datum
ukg_fdw_resources(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	ukg_init_srf(fcinfo);
	for (i = 0; i < ukg_nresources; i++)
	{
		const UkgResourceDef *res = &ukg_resources[i];
		Datum		values[9];
		bool		nulls[9] = {0};

		values[0] = CStringGetTextDatum(res->schema);
		values[1] = CStringGetTextDatum(res->name);
		values[2] = CStringGetTextDatum(res->table_name);
		values[3] = CStringGetTextDatum(res->path);
		values[4] = CStringGetTextDatum(paging_name(res->paging));
		if (res->permission)
			values[5] = CStringGetTextDatum(res->permission);
		else
			nulls[5] = true;
		values[6] = Int32GetDatum(res->ncolumns);
		values[7] = CStringGetTextDatum(describe_filters(res));
		/* the spec's summary of the resource (since 0.2.0) */
		if (res->summary && res->summary[0])
			values[8] = CStringGetTextDatum(res->summary);
		else
			nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * ukg_init_srf
 *		Set up a materialized set-returning function's tuplestore.
 */
void
ukg_init_srf(FunctionCallInfo fcinfo)
{
#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, 0);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(old);
#endif
}
