/*-------------------------------------------------------------------------
 *
 * analyze.c
 *		  ANALYZE for ukg_fdw foreign tables.
 *
 * ANALYZE reads at most analyze_max_pages pages of the resource (pages of
 * page_size records, one request each) and keeps a reservoir sample of the
 * records it reads; PostgreSQL computes the column statistics from the
 * sample.  When the data ends within those pages, the row count is exact.
 * Otherwise ANALYZE counts the rows without converting them (the count(*)
 * parser): it probes pages further on, doubling the page number until a page
 * is short or empty and then bisecting, so that the last page and thus the
 * row count are found with about 2 * log2(pages) more requests instead of a
 * request for every page.
 *
 * Autovacuum never analyzes foreign tables; the DBA runs ANALYZE.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/analyze.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "ukg_fdw.h"

/* State of one ANALYZE */
typedef struct UkgAnalyzeState
{
	Relation	rel;
	char	   *relname;
	UkgOptions *opts;
	UkgCredentials *cred;
	List	   *headers;		/* authentication headers */
	bool		retried_401;
	MemoryContext page_cxt;		/* one page's request and parse state */
	UkgJsonPage *jpage;			/* for the sample */
	UkgJsonPage *cpage;			/* count-only, for the probes */
	UkgHttpStats stats;
} UkgAnalyzeState;

/*
 * fetch_page
 *		GET one page of per_page records (page 0: the resource is not
 *		paged) into page_cxt.  Returns the body, or NULL for a page past the
 *		end (UKG answers 404 for it on some resources).  Errors are raised
 *		as a scan raises them.
 */
static const char *
fetch_page(UkgAnalyzeState *as, int page, int per_page, size_t *len)
{
	UkgOptions *opts = as->opts;
	UkgRequestContext ctx = {0};
	UkgHttpRequest *req;
	StringInfoData url;
	long		status;
	const char *ct;

	for (;;)
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(as->page_cxt);
		old = MemoryContextSwitchTo(as->page_cxt);
		initStringInfo(&url);
		appendStringInfo(&url, "%s/%s", opts->base_url, opts->path);
		if (opts->params)
			appendStringInfo(&url, "?%s", opts->params);
		if (page > 0)
			appendStringInfo(&url, "%spage=%d&%s=%d", opts->params ? "&" : "?",
							 page,
							 opts->paging == UKG_PAGING_PER_PAGE_LOWER ? "per_page" : "per_Page",
							 per_page);
		if (ukg_debug)
			elog(DEBUG1, "ukg_fdw: ANALYZE GET %s/%s page %d (%d per page)",
				 opts->server_name, opts->path, page, per_page);
		req = ukg_http_start(opts, url.data, ukg_headers_copy(as->headers), NULL,
							 as->page_cxt, &as->stats);
		ukg_auth_count_request(as->cred);
		MemoryContextSwitchTo(old);

		ctx.relname = as->relname;
		ctx.server_name = opts->server_name;
		ctx.path = opts->path;
		ctx.permission = opts->resdef ? opts->resdef->permission : NULL;
		ctx.page = Max(page, 0);
		ctx.auth_method = opts->auth_method;
		ukg_http_finish(req, &ctx);
		status = ukg_http_status(req);

		if (status == 401 && opts->auth_method == UKG_AUTH_OAUTH2 && !as->retried_401)
		{
			/* the token was revoked or expired early: get a new one, once */
			as->retried_401 = true;
			ukg_http_cancel(req);
			ukg_headers_zero(as->headers);
			as->headers = ukg_auth_headers(opts, as->cred, &as->stats, true);
			continue;
		}
		break;
	}
	as->retried_401 = false;

	if (status == 404 && page > 1)
		return NULL;
	if (status < 200 || status >= 300)
		ukg_http_raise_status(req, &ctx);
	as->stats.pages++;
	ukg_stats_scan_update(&as->stats, true);
	ct = ukg_http_content_type(req);
	if (ct[0] != '\0' && strstr(ct, "json") == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("UKG API response for foreign table \"%s\", page %d, is not JSON",
						as->relname, Max(page, 1)),
				 errdetail_internal("The response has content type \"%s\".", ct),
				 errhint("Check the server's base_url: it must be the UKG web service host, not a login or portal page.")));
	return ukg_http_body(req, len);
}

/*
 * count_page
 *		Rows on page "page" of per_page records, counted without building
 *		them.
 */
static int
count_page(UkgAnalyzeState *as, int page, int per_page)
{
	size_t		len;
	const char *body = fetch_page(as, page, per_page, &len);

	if (body == NULL)
		return 0;
	ukg_json_page_begin(as->cpage, body, len, page);
	while (ukg_json_page_next(as->cpage))
		;
	return ukg_json_page_rows(as->cpage);
}

/*
 * count_rows
 *		The number of rows of a paged resource whose first "full" pages are
 *		known to hold full_rows rows each (per_page asked for, or fewer where
 *		the server caps its pages): find the last page by doubling then
 *		bisecting the page number.  A page with more rows than a full one
 *		means the resource ignores paging and holds exactly that many.
 */
static double
count_rows(UkgAnalyzeState *as, int full, int per_page, int full_rows)
{
	int			lo = full;		/* pages known to be full */
	int			hi;				/* a page known not to be full */
	int			hi_rows;
	int			cap = as->opts->max_pages;
	int			n;

	/* double until a page is not full */
	for (;;)
	{
		hi = (lo > cap / 2) ? cap : lo * 2;
		if (hi <= lo)
			return (double) lo * full_rows; /* at max_pages: a scan fails */
		n = count_page(as, hi, per_page);
		if (n > full_rows)
			return n;
		if (n < full_rows)
			break;
		lo = hi;
	}
	hi_rows = n;

	/* bisect: lo is full, hi is not */
	while (hi - lo > 1)
	{
		int			mid = lo + (hi - lo) / 2;

		n = count_page(as, mid, per_page);
		if (n > full_rows)
			return n;
		if (n == full_rows)
			lo = mid;
		else
		{
			hi = mid;
			hi_rows = n;
		}
	}
	return (double) lo * full_rows + hi_rows;
}

/*
 * ukg_acquire_sample_rows
 *		AcquireSampleRowsFunc: a reservoir sample of the rows on the pages
 *		read, and the table's row count.
 */
static int
ukg_acquire_sample_rows(Relation rel, int elevel, HeapTuple *rows,
						int targrows, double *totalrows, double *totaldeadrows)
{
	UkgAnalyzeState *as;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	MemoryContext anl_cxt = CurrentMemoryContext;
	MemoryContext work_cxt;
	MemoryContext row_cxt;
	bool		single_object;
	int			full_rows;		/* rows of a full page: page_size, or the
								 * server's cap */
	MemoryContext old;
	UkgColumnConv *conv;
	List	   *attnums = NIL;
	Datum	   *values;
	bool	   *nulls;
	ReservoirStateData rstate;
	double		rowstoskip = -1;
	double		seen = 0;
	int			numrows = 0;
	int			pages_read = 0;
	int			page_limit;
	int			page_size;
	bool		ended = false;
	size_t		prev_len = 0;
	uint64		prev_hash = 0;
	int			attnum;

	work_cxt = AllocSetContextCreate(anl_cxt, "ukg_fdw analyze",
									 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work_cxt);

	as = palloc0(sizeof(UkgAnalyzeState));
	as->rel = rel;
	as->relname = pstrdup(RelationGetRelationName(rel));
	as->opts = ukg_get_options(RelationGetRelid(rel));
	/* the table owner's user mapping, as for a scan by the owner */
	as->cred = ukg_get_credentials(as->opts, rel->rd_rel->relowner, false);
	ukg_check_credentials(as->opts, as->cred);
	{
		char	   *scheme;
		char	   *host;

		if (!ukg_url_host(as->opts->base_url, &scheme, &host) || !ukg_host_allowed(host))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("host of server \"%s\" is not allowed by ukg_fdw.allowed_hosts",
							as->opts->server_name),
					 errhint("A superuser can add the host to the ukg_fdw.allowed_hosts setting.")));
	}
	/* ANALYZE's requests count in ukg_fdw_stats like a scan's */
	ukg_stats_scan_begin(&as->stats, as->opts, as->cred, RelationGetRelid(rel),
						 as->relname, work_cxt);
	as->page_cxt = AllocSetContextCreate(work_cxt, "ukg_fdw analyze page",
										 ALLOCSET_SMALL_SIZES);
	row_cxt = AllocSetContextCreate(work_cxt, "ukg_fdw analyze row",
									ALLOCSET_SMALL_SIZES);
	as->headers = ukg_auth_headers(as->opts, as->cred, &as->stats, false);

	for (attnum = 1; attnum <= tupdesc->natts; attnum++)
		if (!TupleDescAttr(tupdesc, attnum - 1)->attisdropped)
			attnums = lappend_int(attnums, attnum);
	conv = ukg_json_conv_create(rel, as->opts->resdef, attnums);
	single_object = as->opts->resdef && as->opts->resdef->single_object;
	as->jpage = ukg_json_page_create(work_cxt, as->relname,
									 attnums == NIL ? NULL : conv, single_object);
	as->cpage = ukg_json_page_create(work_cxt, as->relname, NULL, single_object);
	values = palloc(sizeof(Datum) * tupdesc->natts);
	nulls = palloc(sizeof(bool) * tupdesc->natts);

	reservoir_init_selection_state(&rstate, targrows);

	page_size = as->opts->page_size;
	full_rows = page_size;
	page_limit = Min(as->opts->analyze_max_pages, as->opts->max_pages);
	if (as->opts->paging == UKG_PAGING_NONE)
		page_limit = 1;

	while (!ended && pages_read < page_limit)
	{
		int			page = as->opts->paging == UKG_PAGING_NONE ? 0 : pages_read + 1;
		size_t		len;
		const char *body = fetch_page(as, page, page_size, &len);
		int			n;

		if (body == NULL)
		{
			ended = true;
			break;
		}
		if (page > 0)
		{
			/* a page identical to the one before: the resource ignores paging */
			uint64		h = hash_bytes_extended((const unsigned char *) body, (int) len, 0);

			if (page > 1 && len == prev_len && h == prev_hash)
			{
				ended = true;
				break;
			}
			prev_len = len;
			prev_hash = h;
		}
		pages_read++;

		ukg_json_page_begin(as->jpage, body, len, Max(page, 1));
		while (ukg_json_page_next(as->jpage))
		{
			bool		keep;
			int			slot = numrows;

			if (numrows < targrows)
				keep = true;
			else
			{
				/* Vitter's algorithm: how many rows to skip before the next */
				if (rowstoskip < 0)
					rowstoskip = reservoir_get_next_S(&rstate, seen, targrows);
				keep = rowstoskip <= 0;
				if (keep)
					slot = (int) (targrows * sampler_random_fract(&rstate.randstate));
				rowstoskip -= 1;
			}
			seen += 1;
			if (!keep)
				continue;

			MemoryContextReset(row_cxt);
			MemoryContextSwitchTo(row_cxt);
			memset(nulls, true, sizeof(bool) * tupdesc->natts);
			if (attnums != NIL)
				ukg_json_page_values(as->jpage, conv, values, nulls);
			MemoryContextSwitchTo(anl_cxt);
			if (slot < numrows)
				heap_freetuple(rows[slot]);
			rows[slot] = heap_form_tuple(tupdesc, values, nulls);
			MemoryContextSwitchTo(work_cxt);
			if (slot == numrows)
				numrows++;
		}
		n = ukg_json_page_rows(as->jpage);
		if (page == 0)
			ended = true;
		else if (n < full_rows)
		{
			/*
			 * A short first page may be the server's silent cap, as scans
			 * assume (pager.c): read page 2, and if it has rows, a full page
			 * holds what page 1 held.
			 */
			if (page == 1 && n > 0)
				full_rows = n;
			else
				ended = true;
		}
	}

	if (ended || pages_read == 0)
		*totalrows = seen;
	else
		*totalrows = count_rows(as, pages_read, page_size, full_rows);
	*totaldeadrows = 0;

	ereport(elevel,
			(errmsg("\"%s\": %d UKG requests, %d pages sampled, %d rows in sample, %.0f estimated total rows",
					as->relname, (int) as->stats.requests, pages_read, numrows,
					*totalrows)));

	as->stats.rows = (int64) seen;
	ukg_stats_scan_end(&as->stats);
	ukg_headers_zero(as->headers);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work_cxt);
	return numrows;
}

/*
 * ukgAnalyzeForeignTable
 *		ANALYZE support: every resource with a list endpoint can be sampled,
 *		except one that needs a query parameter the params option does not
 *		supply.
 */
bool
ukgAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
					   BlockNumber *totalpages)
{
	UkgOptions *opts = ukg_get_options(RelationGetRelid(relation));
	int			i;

	if (opts->resdef)
	{
		for (i = 0; i < opts->resdef->nfilters; i++)
		{
			const UkgFilterDef *f = &opts->resdef->filters[i];

			if (!f->required)
				continue;
			if (opts->params == NULL || strstr(opts->params, f->param) == NULL)
			{
				ereport(WARNING,
						(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
						 errmsg("cannot analyze foreign table \"%s\": UKG resource \"%s\" requires the query parameter \"%s\"",
								RelationGetRelationName(relation), opts->resdef->name,
								f->param),
						 errhint("Give the parameter in the table's params option to analyze it.")));
				return false;
			}
		}
	}

	*func = ukg_acquire_sample_rows;
	/* relpages: UKG pages are not disk blocks; 1 marks "analyzed" on PG 13 */
	*totalpages = 1;
	return true;
}

/*
 * ukg_table_rows
 *		The rows the planner assumes a foreign table holds: reltuples once
 *		ANALYZE has run, else the estimated_rows option, else
 *		UKG_DEFAULT_ROWS.  baserel->pages and ->tuples come from pg_class.
 */
double
ukg_table_rows(RelOptInfo *baserel, const UkgOptions *opts)
{
#if PG_VERSION_NUM >= 140000
	/* reltuples is -1 until the table is analyzed */
	if (baserel->tuples >= 0)
		return baserel->tuples;
#else
	/* before 14, 0 and 0 mean never analyzed; ANALYZE sets relpages to 1 */
	if (baserel->pages > 0 || baserel->tuples > 0)
		return baserel->tuples;
#endif
	if (opts->estimated_rows >= 0)
		return opts->estimated_rows;
	return UKG_DEFAULT_ROWS;
}
