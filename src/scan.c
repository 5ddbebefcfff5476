/*-------------------------------------------------------------------------
 *
 * scan.c
 *		  Planner and executor callbacks of ukg_fdw, and EXPLAIN.
 *
 * A scan pages through a UKG list resource: page=1,2,... with the
 * resource's spelling of per_Page.  src/pager.c decides which page to ask
 * for next and when a request set ends (an empty page, a page shorter than
 * the server's observed cap, a page identical to the one before; a short
 * page may be a silent cap, so it is followed by one more request), and
 * raises an error past max_pages; a scan never truncates silently.  Up to
 * "prefetch" page requests are kept in flight, so network
 * latency overlaps conversion; pages are still consumed in order.  Records
 * are parsed one at a time and converted for the referenced columns only.
 *
 * Pushed quals are sent to UKG and also rechecked on every row, so that
 * an answer never depends on how UKG filters.  They go into the plan's
 * fdw_recheck_quals rather than its qual list, and the scan evaluates them
 * itself: EXPLAIN then shows them as "UKG Filters" beside the request, and
 * "Filter" lists only the conditions UKG never sees, as postgres_fdw
 * separates "Remote SQL" from "Filter".
 *
 * LIMIT lowers the page size only when nothing above the scan needs more
 * rows than LIMIT + OFFSET and every qual is pushed exactly; even then the
 * scan keeps paging if PostgreSQL asks for more rows, so a LIMIT can make
 * requests smaller but never make the scan stop early.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "portability/instr_time.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "ukg_fdw.h"

/* Positions in ForeignScan.fdw_private */
enum UkgScanPrivateIndex
{
	UkgPrivRequest,				/* String: the request, for EXPLAIN */
	UkgPrivPushed,				/* List of per-qual Integer lists */
	UkgPrivPageSize,			/* Integer: page size to request */
	UkgPrivLimited,				/* Integer: page size lowered for LIMIT */
	UkgPrivAttnums				/* List of Integer: columns to convert */
};

/* Positions in each pushed-qual list of UkgPrivPushed */
enum UkgPushedIndex
{
	UkgPushedFilter,			/* index into the resource's filters */
	UkgPushedOp,
	UkgPushedAttnum,
	UkgPushedIsArray,
	UkgPushedExact
};

/* Planner state, in baserel->fdw_private */
typedef struct UkgRelInfo
{
	UkgOptions *opts;
	List	   *pushed;			/* UkgPushedQual for baserestrictinfo */
	List	   *unpushed;		/* RestrictInfos checked locally only */
	Bitmapset  *attrs;			/* referenced columns, FirstLowInvalid.. */
} UkgRelInfo;

/* Executor state */
typedef struct UkgScanState
{
	char	   *relname;
	UkgOptions *opts;
	UkgCredentials *cred;
	Oid			userid;
	MemoryContext req_cxt;		/* owns the requests; reset on rescan */

	List	   *pushed;			/* UkgPushedQual, expr unused */
	List	   *value_states;	/* ExprState per pushed qual */
	UkgColumnConv *conv;
	int			page_size;
	int			prefetch;		/* effective prefetch */
	bool		limited;

	/* request sets (IN fan-out) */
	List	   *sets;			/* query strings */
	int			set_idx;
	bool		set_done;
	bool		eof;
	bool		started;

	List	   *headers;		/* auth headers; copied per request */
	bool		retried_401;

	/* the paging policy (src/pager.c) */
	UkgPager	pager;

	/* pages in flight, oldest first */
	UkgHttpRequest *inflight[UKG_MAX_PREFETCH];
	int			inflight_page[UKG_MAX_PREFETCH];
	int			ninflight;

	/* the page being read */
	UkgJsonPage *jpage;
	UkgHttpRequest *cur_req;
	int			cur_page;
	bool		in_page;

	UkgHttpStats stats;
	int64		recheck_removed;	/* rows the recheck of pushed quals
									 * rejected */
	instr_time	started_at;
	instr_time	last_progress;

	UkgAsync   *async;			/* NULL unless run by an async Append */
} UkgScanState;

/*
 * referenced_attrs
 *		Columns the scan must produce: those in the target list and quals.
 */
static Bitmapset *
referenced_attrs(RelOptInfo *baserel)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &attrs);
	}
	return attrs;
}

static void
ukgGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	UkgRelInfo *info = palloc0(sizeof(UkgRelInfo));
	UkgOptions *opts = ukg_get_options(foreigntableid);
	double		rows;
	int			i;

	info->opts = opts;
	info->pushed = ukg_classify_quals(root, baserel, opts, baserel->baserestrictinfo,
									  &info->unpushed);
	info->attrs = referenced_attrs(baserel);
	baserel->fdw_private = info;

	/* a resource that needs a parameter gets it from the WHERE clause */
	if (opts->resdef)
	{
		for (i = 0; i < opts->resdef->nfilters; i++)
		{
			const UkgFilterDef *f = &opts->resdef->filters[i];
			ListCell   *lc;
			bool		found = false;

			if (!f->required)
				continue;
			foreach(lc, info->pushed)
			{
				UkgPushedQual *q = (UkgPushedQual *) lfirst(lc);

				if (q->filter == f && q->op == UKG_QUAL_EQ)
					found = true;
			}
			if (!found)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_DYNAMIC_PARAMETER_VALUE_NEEDED),
						 errmsg("foreign table \"%s\" needs a condition \"%s = ...\"",
								get_rel_name(foreigntableid), f->column),
						 errdetail("UKG resource \"%s\" requires the query parameter \"%s\".",
								   opts->resdef->name, f->param),
						 !opts->pushdown ? errhint("Pushdown is turned off for this table or its server; required parameters need it.") : 0));
		}
	}

	baserel->tuples = ukg_table_rows(baserel, opts);
	rows = baserel->tuples *
		clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(rows);
}

/*
 * estimate_cost
 *		Each page costs a round trip (fdw_startup_cost); each row
 *		fdw_tuple_cost plus the usual CPU cost.
 */
static void
estimate_cost(UkgOptions *opts, double rows, Cost *startup, Cost *total)
{
	double		pages = ceil(Max(rows, 1.0) / opts->page_size);

	*startup = opts->fdw_startup_cost;
	*total = opts->fdw_startup_cost * pages +
		rows * (opts->fdw_tuple_cost + cpu_tuple_cost);
}

static Path *
make_path(PlannerInfo *root, RelOptInfo *baserel, double rows,
		  Cost startup, Cost total, Relids required_outer)
{
#if PG_VERSION_NUM >= 180000
	return (Path *) create_foreignscan_path(root, baserel, NULL, rows, 0,
											startup, total, NIL,
											required_outer, NULL, NIL, NIL);
#elif PG_VERSION_NUM >= 170000
	return (Path *) create_foreignscan_path(root, baserel, NULL, rows,
											startup, total, NIL,
											required_outer, NULL, NIL, NIL);
#else
	return (Path *) create_foreignscan_path(root, baserel, NULL, rows,
											startup, total, NIL,
											required_outer, NULL, NIL);
#endif
}

/* Callback for generate_implied_equalities_for_column */
static bool
ec_matches_attnum(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
				  EquivalenceMember *em, void *arg)
{
	Expr	   *expr = em->em_expr;
	AttrNumber	attnum = *(AttrNumber *) arg;

	if (IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	return IsA(expr, Var) && ((Var *) expr)->varno == rel->relid &&
		((Var *) expr)->varattno == attnum && ((Var *) expr)->varlevelsup == 0;
}

/*
 * ukgGetForeignPaths
 *		One unparameterized path, plus a parameterized path for each join
 *		clause on a filterable column, so that a nested loop can send one
 *		filtered request per outer row.
 */
static void
ukgGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	UkgRelInfo *info = (UkgRelInfo *) baserel->fdw_private;
	UkgOptions *opts = info->opts;
	Cost		startup;
	Cost		total;
	int			i;

	estimate_cost(opts, baserel->rows, &startup, &total);
	add_path(baserel, make_path(root, baserel, baserel->rows, startup, total, NULL));

	if (opts->resdef == NULL || !opts->pushdown)
		return;

	for (i = 0; i < opts->resdef->nfilters; i++)
	{
		const UkgFilterDef *f = &opts->resdef->filters[i];
		AttrNumber	attnum;
		List	   *clauses;
		ListCell   *lc;

		if (f->kind != UKG_FILTER_KIND_STRING || f->is_param)
			continue;
		attnum = get_attnum(foreigntableid, f->column);
		if (attnum == InvalidAttrNumber)
			continue;
		clauses = generate_implied_equalities_for_column(root, baserel,
														 ec_matches_attnum,
														 &attnum,
														 baserel->lateral_referencers);
		foreach(lc, clauses)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
			Relids		required_outer;
			ParamPathInfo *ppi;
			double		rows;

			if (!ukg_qual_pushable(root, baserel, opts, ri->clause))
				continue;
			required_outer = bms_difference(ri->clause_relids, baserel->relids);
			if (bms_is_empty(required_outer))
				continue;
			ppi = get_baserel_parampathinfo(root, baserel, required_outer);
			rows = ppi->ppi_rows;
			/* one request per outer row */
			startup = opts->fdw_startup_cost;
			total = startup + rows * (opts->fdw_tuple_cost + cpu_tuple_cost);
			add_path(baserel, make_path(root, baserel, rows, startup, total,
										required_outer));
		}
	}
}

/*
 * limit_applies
 *		May the page size be lowered to LIMIT + OFFSET?  Only when the scan
 *		is the only relation, nothing above it needs more rows (no ORDER BY,
 *		grouping, aggregates, DISTINCT, window functions: the planner leaves
 *		limit_tuples at -1 for those), and every qual is pushed exactly.
 */
static bool
limit_applies(PlannerInfo *root, RelOptInfo *baserel, List *pushed,
			  List *unpushed, Path *best_path)
{
	ListCell   *lc;

	if (root->limit_tuples <= 0 || root->parse->sortClause != NIL ||
		root->parse->distinctClause != NIL || root->parse->hasAggs ||
		root->parse->hasWindowFuncs || root->parse->groupClause != NIL ||
		root->parse->rowMarks != NIL)
		return false;
	if (bms_membership(root->all_baserels) != BMS_SINGLETON)
		return false;
	if (best_path->param_info != NULL || unpushed != NIL)
		return false;
	foreach(lc, pushed)
		if (!((UkgPushedQual *) lfirst(lc))->exact)
			return false;
	return true;
}

static const char *
paging_param(UkgPaging paging)
{
	return paging == UKG_PAGING_PER_PAGE_LOWER ? "per_page" : "per_Page";
}

/*
 * describe_pushed
 *		The pushed query parameters for EXPLAIN: when every value is a
 *		constant, exactly what will be sent; otherwise a symbolic form with
 *		$n for the values known only at execution.
 */
static char *
describe_pushed(List *pushed)
{
	List	   *values = NIL;
	List	   *isnulls = NIL;
	ListCell   *lc;
	List	   *sets;
	bool		empty;
	StringInfoData buf;

	foreach(lc, pushed)
	{
		UkgPushedQual *q = (UkgPushedQual *) lfirst(lc);

		if (!IsA(q->expr, Const))
			return ukg_describe_pushed(pushed);
		values = lappend(values, (void *) ((Const *) q->expr)->constvalue);
		isnulls = lappend_int(isnulls, ((Const *) q->expr)->constisnull);
	}
	sets = ukg_build_query_params(pushed, values, isnulls, false, &empty);
	if (empty)
		return pstrdup("(none: the condition is never true, no request is made)");
	initStringInfo(&buf);
	foreach(lc, sets)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? " | " : "", (char *) lfirst(lc));
	return buf.data;
}

static ForeignScan *
ukgGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				  ForeignPath *best_path, List *tlist, List *scan_clauses,
				  Plan *outer_plan)
{
	UkgRelInfo *info = (UkgRelInfo *) baserel->fdw_private;
	UkgOptions *opts = info->opts;
	List	   *pushed;
	List	   *unpushed;
	List	   *fdw_exprs = NIL;
	List	   *pushed_info = NIL;
	List	   *attnums = NIL;
	ListCell   *lc;
	int			page_size = opts->page_size;
	bool		limited = false;
	StringInfoData desc;
	int			attnum;
	bool		whole_row;

	/* scan_clauses has baserestrictinfo plus any parameterized join clauses */
	pushed = ukg_classify_quals(root, baserel, opts, scan_clauses, &unpushed);
	foreach(lc, pushed)
	{
		UkgPushedQual *q = (UkgPushedQual *) lfirst(lc);

		fdw_exprs = lappend(fdw_exprs, q->expr);
		pushed_info = lappend(pushed_info,
							  lappend(list_make4(makeInteger((int) (q->filter - opts->resdef->filters)),
												 makeInteger(q->op),
												 makeInteger(q->attnum),
												 makeInteger(q->is_array)),
									  makeInteger(q->exact)));
	}

	if (opts->paging != UKG_PAGING_NONE &&
		limit_applies(root, baserel, pushed, unpushed, &best_path->path) &&
		root->limit_tuples < page_size)
	{
		page_size = Max(1, (int) root->limit_tuples);
		limited = true;
	}

	/* columns to convert; a whole-row reference needs them all */
	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs);
	{
		Relation	rel = table_open(foreigntableid, NoLock);
		TupleDesc	tupdesc = RelationGetDescr(rel);

		for (attnum = 1; attnum <= tupdesc->natts; attnum++)
		{
			if (TupleDescAttr(tupdesc, attnum - 1)->attisdropped)
				continue;
			if (whole_row ||
				bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, info->attrs))
				attnums = lappend(attnums, makeInteger(attnum));
		}
		table_close(rel, NoLock);
	}

	initStringInfo(&desc);
	appendStringInfo(&desc, "GET %s", opts->path);
	if (opts->params || pushed || opts->paging != UKG_PAGING_NONE)
		appendStringInfoChar(&desc, '?');
	if (opts->params)
		appendStringInfoString(&desc, opts->params);
	if (pushed)
		appendStringInfo(&desc, "%s%s", opts->params ? "&" : "", describe_pushed(pushed));
	if (opts->paging != UKG_PAGING_NONE)
		appendStringInfo(&desc, "%spage=N&%s=%d", (opts->params || pushed) ? "&" : "",
						 paging_param(opts->paging), page_size);

	/*
	 * Conditions UKG never sees are the plan's Filter; pushed ones are
	 * rechecked by the scan itself (see ukgIterateForeignScan).  Each pushed
	 * qual comes from one RestrictInfo, so the pushed RestrictInfos are
	 * those not in unpushed.
	 */
	return make_foreignscan(tlist,
							extract_actual_clauses(unpushed, false),
							baserel->relid,
							fdw_exprs,
							lappend(list_make4(makeString(desc.data), pushed_info,
											   makeInteger(page_size), makeInteger(limited)),
									attnums),
							NIL,
							extract_actual_clauses(list_difference_ptr(scan_clauses, unpushed),
												   false),
							outer_plan);
}

static void
ukgBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	UkgScanState *st;
	List	   *attnums = NIL;
	ListCell   *lc;
	ListCell   *le;
	MemoryContext scan_cxt;

	/* plain EXPLAIN: no credentials, no requests */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	scan_cxt = AllocSetContextCreate(estate->es_query_cxt, "ukg_fdw scan",
									 ALLOCSET_DEFAULT_SIZES);
	st = MemoryContextAllocZero(scan_cxt, sizeof(UkgScanState));
	node->fdw_state = st;

	st->relname = pstrdup(RelationGetRelationName(rel));
	st->opts = ukg_get_options(RelationGetRelid(rel));
	st->page_size = intVal(list_nth(fsplan->fdw_private, UkgPrivPageSize));
	st->limited = intVal(list_nth(fsplan->fdw_private, UkgPrivLimited)) != 0;
	st->prefetch = (st->limited || st->opts->paging == UKG_PAGING_NONE) ? 1 : st->opts->prefetch;

	/* the user whose mapping applies: the view owner, else the caller */
#if PG_VERSION_NUM >= 160000
	st->userid = OidIsValid(fsplan->checkAsUser) ? fsplan->checkAsUser : GetUserId();
#else
	{
		RangeTblEntry *rte = exec_rt_fetch(fsplan->scan.scanrelid, estate);

		st->userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	}
#endif
	st->cred = ukg_get_credentials(st->opts, st->userid, false);
	ukg_check_credentials(st->opts, st->cred);

	{
		char	   *scheme;
		char	   *host;

		if (!ukg_url_host(st->opts->base_url, &scheme, &host) || !ukg_host_allowed(host))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("host of server \"%s\" is not allowed by ukg_fdw.allowed_hosts",
							st->opts->server_name),
					 errhint("A superuser can add the host to the ukg_fdw.allowed_hosts setting.")));
	}

	foreach(lc, (List *) list_nth(fsplan->fdw_private, UkgPrivPushed))
	{
		List	   *qi = (List *) lfirst(lc);
		UkgPushedQual *q = palloc0(sizeof(UkgPushedQual));

		q->filter = &st->opts->resdef->filters[intVal(list_nth(qi, UkgPushedFilter))];
		q->op = intVal(list_nth(qi, UkgPushedOp));
		q->attnum = intVal(list_nth(qi, UkgPushedAttnum));
		q->is_array = intVal(list_nth(qi, UkgPushedIsArray)) != 0;
		q->exact = intVal(list_nth(qi, UkgPushedExact)) != 0;
		st->pushed = lappend(st->pushed, q);
	}
	forboth(lc, st->pushed, le, fsplan->fdw_exprs)
	{
		UkgPushedQual *q = (UkgPushedQual *) lfirst(lc);

		q->expr = (Expr *) lfirst(le);
		st->value_states = lappend(st->value_states,
								   ExecInitExpr(q->expr, (PlanState *) node));
	}

	foreach(lc, (List *) list_nth(fsplan->fdw_private, UkgPrivAttnums))
		attnums = lappend_int(attnums, intVal(lfirst(lc)));
	st->conv = ukg_json_conv_create(rel, st->opts->resdef, attnums);

	st->req_cxt = AllocSetContextCreate(scan_cxt, "ukg_fdw requests",
										ALLOCSET_SMALL_SIZES);
	st->jpage = ukg_json_page_create(scan_cxt, st->relname,
									 attnums == NIL ? NULL : st->conv,
									 st->opts->resdef && st->opts->resdef->single_object);
	ukg_pager_init(&st->pager, st->relname, st->opts->paging != UKG_PAGING_NONE,
				   st->page_size, st->opts->max_pages, st->prefetch);
#if PG_VERSION_NUM >= 140000
	if (node->ss.ps.async_capable)
		st->async = ukg_async_create(scan_cxt);
#endif
	INSTR_TIME_SET_CURRENT(st->started_at);
	st->last_progress = st->started_at;
	ukg_stats_scan_begin(&st->stats, st->opts, st->cred, RelationGetRelid(rel),
						 st->relname, scan_cxt);
}

/*
 * cancel_inflight
 *		Abandon the requests in flight; count them as speculative when they
 *		were past the end of the data.
 */
static void
cancel_inflight(UkgScanState *st, bool speculative)
{
	int			i;

	for (i = 0; i < st->ninflight; i++)
	{
		ukg_http_cancel(st->inflight[i]);
		if (speculative)
			st->stats.speculative++;
	}
	st->ninflight = 0;
}

static void
end_set(UkgScanState *st)
{
	cancel_inflight(st, true);
	st->set_done = true;
	st->pager.done = true;
}

static void
begin_set(UkgScanState *st)
{
	st->set_done = false;
	ukg_pager_begin_set(&st->pager);
	st->retried_401 = false;
}

/*
 * forget_headers
 *		Zero the scan's copy of the authentication headers before its memory
 *		is reset.
 */
static void
forget_headers(UkgScanState *st)
{
	ukg_headers_zero(st->headers);
	st->headers = NIL;
}

static void
issue_requests(UkgScanState *st)
{
	MemoryContext old = MemoryContextSwitchTo(st->req_cxt);
	const char *qs = (const char *) list_nth(st->sets, st->set_idx);
	int			page;

	/* the pager says which pages to request, and how many in flight */
	while ((page = ukg_pager_next_request(&st->pager, st->ninflight)) > 0)
	{
		StringInfoData url;
		bool		amp = false;

		initStringInfo(&url);
		appendStringInfo(&url, "%s/%s", st->opts->base_url, st->opts->path);
		if (st->opts->params)
		{
			appendStringInfo(&url, "?%s", st->opts->params);
			amp = true;
		}
		if (qs[0])
		{
			appendStringInfo(&url, "%s%s", amp ? "&" : "?", qs);
			amp = true;
		}
		if (st->opts->paging != UKG_PAGING_NONE)
			appendStringInfo(&url, "%spage=%d&%s=%d", amp ? "&" : "?",
							 page, paging_param(st->opts->paging),
							 st->page_size);

		if (ukg_debug)
			elog(DEBUG1, "ukg_fdw: GET %s/%s page %d", st->opts->server_name,
				 st->opts->path, page);
		st->inflight[st->ninflight] = ukg_http_start(st->opts, url.data,
													 ukg_headers_copy(st->headers),
													 NULL, st->req_cxt, &st->stats);
		st->inflight_page[st->ninflight] = page;
		st->ninflight++;
		ukg_auth_count_request(st->cred);
	}
	MemoryContextSwitchTo(old);
}

/*
 * start_scan
 *		Evaluate the pushed values, build the request sets and get the
 *		authentication headers.  Runs at the first fetch and after a rescan.
 */
static void
start_scan(ForeignScanState *node, UkgScanState *st)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	MemoryContext old;
	List	   *values = NIL;
	List	   *isnulls = NIL;
	ListCell   *lc;
	ListCell   *lq;
	bool		empty;

	forget_headers(st);
	MemoryContextReset(st->req_cxt);
	st->ninflight = 0;
	st->in_page = false;
	st->eof = false;
	st->set_idx = 0;

	old = MemoryContextSwitchTo(st->req_cxt);
	forboth(lc, st->value_states, lq, st->pushed)
	{
		ExprState  *es = (ExprState *) lfirst(lc);
		UkgPushedQual *q = (UkgPushedQual *) lfirst(lq);
		bool		isnull;
		Datum		value = ExecEvalExpr(es, econtext, &isnull);

		/* keep by-reference values past the per-tuple context */
		if (!isnull)
		{
			int16		typlen;
			bool		typbyval;

			get_typlenbyval(exprType((Node *) q->expr), &typlen, &typbyval);
			value = datumCopy(value, typbyval, typlen);
		}
		values = lappend(values, (void *) value);
		isnulls = lappend_int(isnulls, isnull);
		if (q->filter->is_param && q->op == UKG_QUAL_EQ)
			ukg_json_conv_set_param(st->conv, q->attnum, exprType((Node *) q->expr),
									value, isnull);
	}
	/* no pushed qual gives one request set with an empty query string */
	st->sets = ukg_build_query_params(st->pushed, values, isnulls, true, &empty);
	if (empty)
		st->eof = true;
	st->headers = ukg_auth_headers(st->opts, st->cred, &st->stats, false);
	MemoryContextSwitchTo(old);

	begin_set(st);
	st->started = true;
}

static void
report_progress(UkgScanState *st)
{
	instr_time	now;
	double		since;

	if (ukg_progress_interval <= 0)
		return;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, st->last_progress);
	since = INSTR_TIME_GET_DOUBLE(now);
	if (since < ukg_progress_interval)
		return;
	INSTR_TIME_SET_CURRENT(st->last_progress);
	now = st->last_progress;
	INSTR_TIME_SUBTRACT(now, st->started_at);
	ereport(NOTICE,
			(errmsg("ukg_fdw: foreign table \"%s\": %lld pages, %lld rows, %lld bytes, %.1f s, %lld retries",
					st->relname, (long long) st->stats.pages, (long long) st->stats.rows,
					(long long) st->stats.bytes, INSTR_TIME_GET_DOUBLE(now),
					(long long) st->stats.retries)));
}

static bool
json_content_type(const char *ct)
{
	return ct[0] == '\0' || strstr(ct, "json") != NULL;
}

/*
 * next_page
 *		Wait for the next page of the current set and start reading it, or
 *		end the set.
 */
static void
next_page(UkgScanState *st)
{
	UkgHttpRequest *req;
	int			page;
	long		status;
	const char *body;
	size_t		len;
	const char *ct;
	UkgRequestContext ctx = {0};

	issue_requests(st);
	if (st->ninflight == 0)
	{
		/* the pager has nothing more to ask for in this set */
		end_set(st);
		return;
	}
	req = st->inflight[0];
	page = st->inflight_page[0];
	st->ninflight--;
	memmove(&st->inflight[0], &st->inflight[1], sizeof(UkgHttpRequest *) * st->ninflight);
	memmove(&st->inflight_page[0], &st->inflight_page[1], sizeof(int) * st->ninflight);

	ctx.relname = st->relname;
	ctx.server_name = st->opts->server_name;
	ctx.path = st->opts->path;
	ctx.permission = st->opts->resdef ? st->opts->resdef->permission : NULL;
	ctx.page = st->opts->paging != UKG_PAGING_NONE ? page : 0;
	ctx.auth_method = st->opts->auth_method;

	ukg_http_finish(req, &ctx);
	status = ukg_http_status(req);
	if (ukg_debug)
	{
		size_t		n;

		(void) ukg_http_body(req, &n);
		elog(DEBUG1, "ukg_fdw: GET %s page %d: HTTP status %ld, %zu bytes, %d attempts",
			 st->opts->path, page, status, n, ukg_http_attempts(req));
	}

	if (status == 401 && st->opts->auth_method == UKG_AUTH_OAUTH2 && !st->retried_401)
	{
		MemoryContext old;

		/* the token was revoked or expired early: get a new one, once */
		st->retried_401 = true;
		ukg_http_cancel(req);
		cancel_inflight(st, false);
		old = MemoryContextSwitchTo(st->req_cxt);
		forget_headers(st);
		st->headers = ukg_auth_headers(st->opts, st->cred, &st->stats, true);
		MemoryContextSwitchTo(old);
		ukg_pager_rewind(&st->pager, page);
		return;
	}
	if (status == 404)
	{
		size_t		n;
		const char *b = ukg_http_body(req, &n);

		/* UKG's "no records" answer ends the set; any other is an error */
		if (!ukg_not_found_is_empty(ukg_http_content_type(req), b, n))
			ukg_raise_not_found(st->opts, &ctx, b, n);
		ukg_http_cancel(req);
		end_set(st);
		return;
	}
	if (status < 200 || status >= 300)
		ukg_http_raise_status(req, &ctx);

	st->stats.pages++;
	ukg_stats_scan_update(&st->stats, true);
	body = ukg_http_body(req, &len);
	ct = ukg_http_content_type(req);
	if (!json_content_type(ct))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("UKG API response for foreign table \"%s\", page %d, is not JSON",
						st->relname, page),
				 errdetail_internal("The response has content type \"%s\".", ct),
				 errhint("Check the server's base_url: it must be the UKG web service host, not a login or portal page.")));

	/* a page identical to the one before: the resource ignores paging */
	if (ukg_pager_body(&st->pager, page, body, len) == UKG_PAGE_STOP)
	{
		ukg_http_cancel(req);
		end_set(st);
		return;
	}

	/*
	 * Once pipelined, refill now, before this page is read: while it is
	 * converted, "prefetch" transfers run (as curl --parallel-max keeps that
	 * many), not one fewer.  Prefetch 1 stays strictly serial.
	 */
	if (st->pager.pipelined && st->prefetch > 1)
		issue_requests(st);

	ukg_json_page_begin(st->jpage, body, len, page);
	st->cur_req = req;
	st->cur_page = page;
	st->in_page = true;
	st->retried_401 = false;
	report_progress(st);
}

static bool page_arrived(UkgScanState *st);
/*
 * recheck_pushed
 *		Do the conditions sent to UKG hold for this row?  UKG's filters are
 *		trusted to narrow the download only: every pushed qual is checked
 *		again here, so that how UKG matches (case, widened date ranges, a
 *		filter it ignores) never changes an answer.
 */
static bool
recheck_pushed(ForeignScanState *node, TupleTableSlot *slot)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	if (node->fdw_recheck_quals == NULL)
		return true;
	econtext->ecxt_scantuple = slot;
	return ExecQual(node->fdw_recheck_quals, econtext);
}

static TupleTableSlot *
ukgIterateForeignScan(ForeignScanState *node)
{
	UkgScanState *st = (UkgScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (st->async)
		st->async->waiting = false;
	if (!st->started)
		start_scan(node, st);

	while (!st->eof)
	{
		CHECK_FOR_INTERRUPTS();
		if (st->in_page)
		{
			if (ukg_json_page_next(st->jpage))
			{
				MemoryContext old;

				/* keep the prefetched transfers moving while converting */
				if (st->ninflight > 0 && (st->stats.rows & 63) == 0)
					ukg_http_progress();

				old = MemoryContextSwitchTo(node->ss.ps.ps_ExprContext->ecxt_per_tuple_memory);

				memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
				ukg_json_page_values(st->jpage, st->conv, slot->tts_values, slot->tts_isnull);
				MemoryContextSwitchTo(old);
				st->stats.rows++;
				if ((st->stats.rows & 255) == 0)
					ukg_stats_scan_update(&st->stats, false);
				ExecStoreVirtualTuple(slot);
				if (!recheck_pushed(node, slot))
				{
					st->recheck_removed++;
					ExecClearTuple(slot);
					ResetExprContext(node->ss.ps.ps_ExprContext);
					continue;
				}
				return slot;
			}
			else
			{
				int			rows = ukg_json_page_rows(st->jpage);

				st->in_page = false;
				ukg_http_cancel(st->cur_req);
				st->cur_req = NULL;
				/*
				 * the pager decides whether the set goes on; a bare object
				 * is the whole answer, so no page follows it
				 */
				if (ukg_json_page_bare(st->jpage) ||
					!ukg_pager_rows(&st->pager, st->cur_page, rows))
					end_set(st);
			}
		}
		if (st->set_done)
		{
			if (++st->set_idx >= list_length(st->sets))
			{
				st->eof = true;
				break;
			}
			begin_set(st);
			continue;
		}
		/* async: never wait for the network here (see async.c) */
		if (st->async && !page_arrived(st))
		{
			st->async->waiting = true;
			return slot;
		}
		next_page(st);
	}
	return slot;
}

/*
 * page_arrived
 *		Has the next page of the current set arrived (or failed)?  Issues
 *		the requests it needs.
 */
static bool
page_arrived(UkgScanState *st)
{
	/* the pager bounds the requests; a page past max_pages raises there */
	issue_requests(st);
	return st->ninflight == 0 || ukg_http_ready(st->inflight[0]);
}

/*
 * ukg_scan_async
 *		The async state of a scan, for async.c.
 */
UkgAsync *
ukg_scan_async(ForeignScanState *node)
{
	UkgScanState *st = (UkgScanState *) node->fdw_state;

	return st ? st->async : NULL;
}

/*
 * ukg_scan_async_ready
 *		Can a waiting scan make progress without waiting?
 */
bool
ukg_scan_async_ready(ForeignScanState *node)
{
	UkgScanState *st = (UkgScanState *) node->fdw_state;

	return st && st->started && st->ninflight > 0 &&
		ukg_http_ready(st->inflight[0]);
}

static void
ukgReScanForeignScan(ForeignScanState *node)
{
	UkgScanState *st = (UkgScanState *) node->fdw_state;

	if (st == NULL)
		return;
	forget_headers(st);
	/* values of Params may have changed: start over at the next fetch */
	MemoryContextReset(st->req_cxt);
	st->ninflight = 0;
	st->cur_req = NULL;
	st->in_page = false;
	st->started = false;
	st->eof = false;
	if (st->async)
		st->async->waiting = false;
}

static void
ukgEndForeignScan(ForeignScanState *node)
{
	UkgScanState *st = (UkgScanState *) node->fdw_state;

	if (st == NULL)
		return;
	cancel_inflight(st, true);
	ukg_stats_scan_end(&st->stats);
	if (ukg_debug)
		elog(DEBUG1, "ukg_fdw: foreign table \"%s\": %lld requests, %lld pages, %lld rows, %lld bytes, %lld retries",
			 st->relname, (long long) st->stats.requests, (long long) st->stats.pages,
			 (long long) st->stats.rows, (long long) st->stats.bytes,
			 (long long) st->stats.retries);
	/* requests and their buffers go with the scan's context */
	forget_headers(st);
	MemoryContextReset(st->req_cxt);
}

/*
 * deparse_pushed
 *		The pushed quals as SQL, as EXPLAIN shows a Filter.  The ancestors of
 *		the plan node are not known here, so a value from an outer row shows
 *		as its parameter ($n).
 */
static char *
deparse_pushed(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	List	   *context;

	context = set_deparse_context_plan(es->deparse_cxt, (Plan *) fsplan, NIL);
	return deparse_expression((Node *) make_ands_explicit(fsplan->fdw_recheck_quals),
							  context, true, false);
}

static void
ukgExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	UkgScanState *st = (UkgScanState *) node->fdw_state;

	if (es->verbose)
	{
		ExplainPropertyText("UKG Request",
							strVal(list_nth(fsplan->fdw_private, UkgPrivRequest)), es);
		if (fsplan->fdw_recheck_quals != NIL)
			ExplainPropertyText("UKG Filters (rechecked locally)",
								deparse_pushed(node, es), es);
		if (intVal(list_nth(fsplan->fdw_private, UkgPrivLimited)))
			ExplainPropertyInteger("UKG Page Size (LIMIT)", NULL,
								   intVal(list_nth(fsplan->fdw_private, UkgPrivPageSize)), es);
	}
	if (es->analyze && st)
	{
		ExplainPropertyInteger("UKG Requests", NULL, st->stats.requests, es);
		ExplainPropertyInteger("UKG Pages", NULL, st->stats.pages, es);
		ExplainPropertyInteger("UKG Rows Received", NULL, st->stats.rows, es);
		if (fsplan->fdw_recheck_quals != NIL)
			ExplainPropertyInteger("UKG Rows Removed by Recheck", NULL,
								   st->recheck_removed, es);
		ExplainPropertyInteger("UKG Retries", NULL, st->stats.retries, es);
		ExplainPropertyInteger("UKG Token Requests", NULL, st->stats.token_requests, es);
		if (st->pager.observed_cap > 0)
			ExplainPropertyInteger("UKG Observed Page Cap", NULL, st->pager.observed_cap, es);
		if (st->pager.probes > 0)
			ExplainPropertyInteger("UKG Cap Probes", NULL, st->pager.probes, es);
		if (st->stats.speculative > 0 || es->verbose)
			ExplainPropertyInteger("UKG Speculative Requests", NULL, st->stats.speculative, es);
		if (es->costs)
			ExplainPropertyInteger("UKG Bytes Received", NULL, st->stats.bytes, es);
		if (es->costs && es->timing)
			ExplainPropertyFloat("UKG HTTP Time", "ms", st->stats.http_ms, 3, es);
		if (es->costs && es->timing && st->opts->max_requests_per_minute > 0)
			ExplainPropertyFloat("UKG Rate Limit Wait", "ms", st->stats.rate_wait_ms, 3, es);
	}
}

/*
 * ukgIsForeignPathAsyncCapable
 *		A scan may run under an async Append unless async_capable is off.
 */
static bool
ukgIsForeignPathAsyncCapable(ForeignPath *path)
{
	UkgRelInfo *info = (UkgRelInfo *) path->path.parent->fdw_private;

	return info->opts->async_capable && ukg_async_supported();
}

static int
ukgIsForeignRelUpdatable(Relation rel)
{
	return 0;					/* UKG data is read-only through ukg_fdw */
}

void
ukg_fill_routine(FdwRoutine *routine)
{
	routine->GetForeignRelSize = ukgGetForeignRelSize;
	routine->GetForeignPaths = ukgGetForeignPaths;
	routine->GetForeignPlan = ukgGetForeignPlan;
	routine->BeginForeignScan = ukgBeginForeignScan;
	routine->IterateForeignScan = ukgIterateForeignScan;
	routine->ReScanForeignScan = ukgReScanForeignScan;
	routine->EndForeignScan = ukgEndForeignScan;
	routine->ExplainForeignScan = ukgExplainForeignScan;
	routine->IsForeignRelUpdatable = ukgIsForeignRelUpdatable;
	routine->ImportForeignSchema = ukgImportForeignSchema;
	routine->AnalyzeForeignTable = ukgAnalyzeForeignTable;
#if PG_VERSION_NUM >= 140000
	routine->IsForeignPathAsyncCapable = ukgIsForeignPathAsyncCapable;
#endif
	ukg_async_fill_routine(routine);
}
