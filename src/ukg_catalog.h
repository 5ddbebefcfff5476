/*-------------------------------------------------------------------------
 *
 * ukg_catalog.h
 *		  Types of the UKG Pro resource catalog compiled into ukg_fdw.
 *
 * The data itself lives in src/catalog_data.c, which tools/gen_catalog.py
 * generates from the UKG OpenAPI document and catalog.md.  This header has
 * no PostgreSQL dependencies beyond c.h types, so the generated file stays
 * a plain table of constants.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/ukg_catalog.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef UKG_CATALOG_H
#define UKG_CATALOG_H

/* How a resource pages its results */
typedef enum UkgPaging
{
	UKG_PAGING_NONE,			/* ignores paging: one request returns all */
	UKG_PAGING_PER_PAGE_UPPER,	/* page + per_Page */
	UKG_PAGING_PER_PAGE_LOWER	/* page + per_page */
} UkgPaging;

/* What a filter query parameter can express (bit mask) */
#define UKG_FILTER_EQ		0x01	/* param=value */
#define UKG_FILTER_LIST		0x02	/* param=a,b,c (IN list in one request) */
#define UKG_FILTER_RANGE	0x04	/* UKG date operators: =>d, =<d, {a,b},
									 * only where the operation documents
									 * them; no bit at all: never pushed */
#define UKG_FILTER_BOOL		0x08	/* param=true|false */

/* Kind of value a filter takes */
typedef enum UkgFilterKind
{
	UKG_FILTER_KIND_STRING,
	UKG_FILTER_KIND_DATE,		/* MM-DD-YYYY with UKG's operators */
	UKG_FILTER_KIND_DATETIME,	/* ISO 8601 timestamp (employee-changes) */
	UKG_FILTER_KIND_BOOLEAN,	/* true/false, or Y when the pattern says */
	UKG_FILTER_KIND_INTEGER
} UkgFilterKind;

typedef struct UkgColumnDef
{
	const char *json_key;		/* key in the JSON record, NULL for a
								 * parameter column (see is_param) */
	const char *name;			/* snake_case column name */
	const char *type;			/* PostgreSQL type name, e.g. "timestamp" */
	const char *description;	/* short description, or NULL */
} UkgColumnDef;

typedef struct UkgFilterDef
{
	const char *param;			/* query parameter name, as the API spells it */
	const char *column;			/* snake_case column it filters */
	UkgFilterKind kind;			/* value syntax */
	int			ops;			/* UKG_FILTER_* bits */
	bool		required;		/* the API requires this parameter */
	bool		is_param;		/* the column is not in the record: it
								 * echoes the pushed value */
	const char *format;			/* the spec's format, e.g. "date-time" (a
								 * value is sent in RFC 3339), or NULL */
	const char *pattern;		/* the spec's pattern; a value is sent only
								 * if it matches (see pushdown.c), or NULL */
} UkgFilterDef;

typedef struct UkgResourceDef
{
	const char *name;			/* catalog name, e.g. "person-details" */
	const char *table_name;		/* default table name, e.g. "person_details" */
	const char *schema;			/* "personnel", "configuration", "payroll" */
	const char *path;			/* path relative to base_url, no leading
								 * slash: "personnel/v1/person-details" */
	UkgPaging	paging;
	int			page_cap;		/* largest page size the spec allows, or 0 */
	const char *permission;		/* UKG web service needing View, or NULL */
	const char *summary;		/* one-line description for COMMENT ON */
	const UkgColumnDef *columns;
	int			ncolumns;
	const UkgFilterDef *filters;
	int			nfilters;
	bool		single_object;	/* the spec types the answer as one object:
								 * a bare object body is one record */
} UkgResourceDef;

extern const UkgResourceDef ukg_resources[];
extern const int ukg_nresources;

#endif							/* UKG_CATALOG_H */
