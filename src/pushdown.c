/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *		  Turn WHERE clauses into UKG query parameters.
 *
 * Policy: a clause is pushed only when the resource catalog lists a filter
 * for its column, the operator is the type's default btree operator, and the
 * value side is a Const, a Param or an immutable expression without Vars of
 * the scanned relation.  Pushing is advisory: every clause is still checked
 * locally, so results never depend on how loosely or strictly UKG filters
 * (case, time zones, inclusive bounds).  Date comparisons are sent with
 * UKG's operators, widened by a day on each side, so that no row can be lost
 * whatever the API's bound semantics.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/pushdown.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/formatting.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "ukg_fdw.h"

/* Most requests one scan fans out to for IN lists */
#define UKG_MAX_FANOUT	100

/*
 * btree_strategy
 *		The btree strategy of opno for values of typid, or 0 when opno is not
 *		an operator of the type's default btree operator family.
 */
static int
btree_strategy(Oid opno, Oid typid)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);

	if (!OidIsValid(opclass))
		return 0;
	return get_op_opfamily_strategy(opno, get_opclass_family(opclass));
}

/*
 * is_value_expr
 *		Can expr be evaluated before the scan starts: no Vars of this
 *		relation, no mutable functions?  Params are fine.
 */
static bool
is_value_expr(RelOptInfo *baserel, Expr *expr)
{
#if PG_VERSION_NUM >= 140000
	Relids		relids = pull_varnos(NULL, (Node *) expr);
#else
	Relids		relids = pull_varnos((Node *) expr);
#endif

	if (bms_is_member(baserel->relid, relids))
		return false;
	if (contain_mutable_functions((Node *) expr))
		return false;
	if (contain_volatile_functions((Node *) expr))
		return false;
	return true;
}

static bool
is_our_var(RelOptInfo *baserel, Node *node, Var **var)
{
	if (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node && IsA(node, Var) &&
		((Var *) node)->varno == baserel->relid &&
		((Var *) node)->varlevelsup == 0 &&
		((Var *) node)->varattno > 0)
	{
		*var = (Var *) node;
		return true;
	}
	return false;
}

static bool
is_date_type(Oid typid)
{
	return typid == DATEOID || typid == TIMESTAMPOID || typid == TIMESTAMPTZOID;
}

/*
 * classify
 *		If clause can be pushed, fill *q and return true.
 */
static bool
classify(PlannerInfo *root, RelOptInfo *baserel, const UkgOptions *opts,
		 Expr *clause, UkgPushedQual *q)
{
	const UkgResourceDef *res = opts->resdef;
	Var		   *var = NULL;
	Expr	   *value = NULL;
	Oid			opno = InvalidOid;
	bool		is_array = false;
	char	   *colname;
	const UkgFilterDef *f;
	int			strategy;

	if (res == NULL || !opts->pushdown)
		return false;

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;

		if (list_length(op->args) != 2)
			return false;
		if (is_our_var(baserel, linitial(op->args), &var))
		{
			value = lsecond(op->args);
			opno = op->opno;
		}
		else if (is_our_var(baserel, lsecond(op->args), &var))
		{
			value = linitial(op->args);
			opno = get_commutator(op->opno);
		}
		else
			return false;
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		if (!saop->useOr || !is_our_var(baserel, linitial(saop->args), &var))
			return false;
		value = lsecond(saop->args);
		opno = saop->opno;
		is_array = true;
	}
	else if (IsA(clause, Var) || (IsA(clause, BoolExpr) &&
								  ((BoolExpr *) clause)->boolop == NOT_EXPR))
	{
		/* WHERE flag, WHERE NOT flag */
		Node	   *arg = IsA(clause, Var) ? (Node *) clause :
		linitial(((BoolExpr *) clause)->args);

		if (!is_our_var(baserel, arg, &var) || var->vartype != BOOLOID)
			return false;
		value = (Expr *) makeBoolConst(IsA(clause, Var), false);
		opno = BooleanEqualOperator;
	}
	else
		return false;

	if (!OidIsValid(opno) || !is_value_expr(baserel, value))
		return false;

	colname = get_attname(planner_rt_fetch(baserel->relid, root)->relid, var->varattno, false);
	f = ukg_catalog_filter(res, colname);
	if (f == NULL)
		return false;

	strategy = btree_strategy(opno, var->vartype);
	if (strategy == 0)
		return false;

	q->filter = f;
	q->attnum = var->varattno;
	q->expr = value;
	q->is_array = is_array;
	q->exact = true;

	switch (strategy)
	{
		case BTEqualStrategyNumber:
			q->op = UKG_QUAL_EQ;
			break;
		case BTLessStrategyNumber:
			q->op = UKG_QUAL_LT;
			break;
		case BTLessEqualStrategyNumber:
			q->op = UKG_QUAL_LE;
			break;
		case BTGreaterStrategyNumber:
			q->op = UKG_QUAL_GT;
			break;
		case BTGreaterEqualStrategyNumber:
			q->op = UKG_QUAL_GE;
			break;
		default:
			return false;
	}

	switch (f->kind)
	{
		case UKG_FILTER_KIND_DATE:
			if (!is_date_type(var->vartype) || !is_date_type(exprType((Node *) value)))
				return false;
			if (is_array)
				return false;
			if (q->op != UKG_QUAL_EQ && !(f->ops & UKG_FILTER_RANGE))
				return false;
			q->exact = false;	/* widened to whole days */
			break;
		case UKG_FILTER_KIND_DATETIME:
			if (!is_date_type(var->vartype) || q->op != UKG_QUAL_EQ || is_array)
				return false;
			break;
		case UKG_FILTER_KIND_BOOLEAN:
			if (var->vartype != BOOLOID || q->op != UKG_QUAL_EQ || is_array)
				return false;
			break;
		case UKG_FILTER_KIND_STRING:
		case UKG_FILTER_KIND_INTEGER:
			if (q->op != UKG_QUAL_EQ)
				return false;
			/* only types whose text form is what UKG compares */
			if (var->vartype != TEXTOID && var->vartype != VARCHAROID &&
				var->vartype != INT2OID && var->vartype != INT4OID &&
				var->vartype != INT8OID)
				return false;
			break;
	}
	/* parameter columns take equality only: they echo the pushed value */
	if (f->is_param && (q->op != UKG_QUAL_EQ || is_array))
		return false;
	return true;
}

/*
 * ukg_classify_quals
 *		Split RestrictInfos into pushable ones (returned as UkgPushedQual)
 *		and the rest (*unpushed, as RestrictInfos).
 */
List *
ukg_classify_quals(PlannerInfo *root, RelOptInfo *baserel,
				   const UkgOptions *opts, List *quals, List **unpushed)
{
	List	   *pushed = NIL;
	ListCell   *lc;

	*unpushed = NIL;
	foreach(lc, quals)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		UkgPushedQual *q = palloc0(sizeof(UkgPushedQual));

		if (classify(root, baserel, opts, ri->clause, q))
			pushed = lappend(pushed, q);
		else
		{
			pfree(q);
			*unpushed = lappend(*unpushed, ri);
		}
	}
	return pushed;
}

bool
ukg_qual_pushable(PlannerInfo *root, RelOptInfo *baserel,
				  const UkgOptions *opts, Expr *clause)
{
	UkgPushedQual q;

	return classify(root, baserel, opts, clause, &q);
}

/* Rendering of values at execution time */

static void
datum_to_tm(Datum value, Oid typid, struct pg_tm *tm, fsec_t *fsec, bool utc)
{
	memset(tm, 0, sizeof(*tm));
	*fsec = 0;
	if (typid == DATEOID)
	{
		DateADT		d = DatumGetDateADT(value);

		if (DATE_NOT_FINITE(d))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("cannot send an infinite date to UKG")));
		j2date(d + POSTGRES_EPOCH_JDATE, &tm->tm_year, &tm->tm_mon, &tm->tm_mday);
	}
	else
	{
		Timestamp	ts = DatumGetTimestamp(value);
		int			tz;

		if (TIMESTAMP_NOT_FINITE(ts) ||
			timestamp2tm(ts, typid == TIMESTAMPTZOID && !utc ? &tz : NULL,
						 tm, fsec, NULL, NULL) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("cannot send an infinite or out-of-range timestamp to UKG")));
	}
}

/*
 * day_of
 *		Julian day of a date, timestamp or timestamptz value, shifted by
 *		delta days.
 */
static int
day_of(Datum value, Oid typid, int delta)
{
	struct pg_tm tm;
	fsec_t		fsec;

	datum_to_tm(value, typid, &tm, &fsec, false);
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) + delta;
}

static char *
ukg_date(int julian)
{
	int			y,
				m,
				d;

	j2date(julian, &y, &m, &d);
	return psprintf("%02d-%02d-%04d", m, d, y);
}

static char *
value_text(Datum value, Oid typid)
{
	Oid			outfunc;
	bool		isvarlena;

	getTypeOutputInfo(typid, &outfunc, &isvarlena);
	return OidOutputFunctionCall(outfunc, value);
}

static char *
iso_timestamp(Datum value, Oid typid)
{
	struct pg_tm tm;
	fsec_t		fsec;

	datum_to_tm(value, typid, &tm, &fsec, true);
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d%s",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec,
					typid == TIMESTAMPTZOID ? "Z" : "");
}

/* One query parameter of one request */
typedef struct ParamValue
{
	const char *param;
	char	   *value;			/* not yet URL-encoded */
} ParamValue;

static List *
add_param(List *list, const char *param, char *value)
{
	ParamValue *pv = palloc(sizeof(ParamValue));

	pv->param = param;
	pv->value = value;
	return lappend(list, pv);
}

/*
 * fanout_seen (#12)
 *		Has value s been seen already among the ParamValues of alts?  An
 *		exact repeat is skipped (returns true).  Distinct values that UKG
 *		could match alike (they differ only in case or surrounding blanks,
 *		which SQL Server collations ignore) set *overlap: one request per
 *		value could then return a row twice, so such a list is not fanned
 *		out.  *keys accumulates the folded forms.
 */
static bool
fanout_seen(List *alts, const char *s, List **keys, bool *overlap)
{
	ListCell   *lc;
	const char *start = s;
	size_t		len = strlen(s);
	char	   *key;

	foreach(lc, alts)
		if (strcmp(((ParamValue *) lfirst(lc))->value, s) == 0)
			return true;
	while (len > 0 && isspace((unsigned char) *start))
		start++, len--;
	while (len > 0 && isspace((unsigned char) start[len - 1]))
		len--;
	key = str_tolower(start, len, DEFAULT_COLLATION_OID);
	foreach(lc, *keys)
		if (strcmp((char *) lfirst(lc), key) == 0)
			*overlap = true;
	*keys = lappend(*keys, key);
	return false;
}

/*
 * ukg_build_query_params
 *		Render the pushed quals with their current values into query strings.
 *
 * Returns a List of query strings (without '?'; URL-encoded if encode),
 * one per request set: IN lists on filters without comma lists fan out to one set
 * per value.  *empty is set when the values prove the result empty (a NULL
 * compared with "=", an empty IN list, contradicting bounds).  A fan-out
 * larger than UKG_MAX_FANOUT is not pushed; the local recheck still applies.
 */
List *
ukg_build_query_params(List *pushed, List *values, List *isnulls,
					   bool encode, bool *empty)
{
	List	   *fixed = NIL;	/* ParamValue, same in every set */
	List	   *fanouts = NIL;	/* per fan-out qual: List of ParamValue */
	List	   *sets;
	List	   *result = NIL;
	ListCell   *lq,
			   *lv,
			   *ln;
	int			i;
	/* per date filter: widest lower bound and narrowest upper bound */
	const char *range_param[16];
	int			range_lo[16];
	int			range_hi[16];
	int			nranges = 0;

	*empty = false;
	forthree(lq, pushed, lv, values, ln, isnulls)
	{
		UkgPushedQual *q = (UkgPushedQual *) lfirst(lq);
		Datum		value = (Datum) lfirst(lv);
		bool		isnull = (bool) lfirst_int(ln);
		Oid			typid = exprType((Node *) q->expr);
		const UkgFilterDef *f = q->filter;

		if (isnull)
		{
			*empty = true;		/* "=" or "<" with NULL matches nothing */
			return NIL;
		}

		if (q->is_array)
		{
			ArrayType  *arr = DatumGetArrayTypeP(value);
			Oid			elemtype = ARR_ELEMTYPE(arr);
			int16		typlen;
			bool		typbyval;
			char		typalign;
			Datum	   *elems;
			bool	   *enulls;
			int			nelems;
			List	   *alts = NIL;
			List	   *keys = NIL;
			bool		overlap = false;
			StringInfoData list;
			bool		commas_ok = (f->ops & UKG_FILTER_LIST) != 0;

			get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
							  &elems, &enulls, &nelems);
			initStringInfo(&list);
			for (i = 0; i < nelems; i++)
			{
				char	   *s;

				if (enulls[i])
					continue;
				s = value_text(elems[i], elemtype);
				/* each distinct value once (#12) */
				if (fanout_seen(alts, s, &keys, &overlap))
					continue;
				if (strchr(s, ',') != NULL)
					commas_ok = false;
				appendStringInfo(&list, "%s%s", list.len > 0 ? "," : "", s);
				alts = add_param(alts, f->param, s);
			}
			if (alts == NIL)
			{
				*empty = true;
				return NIL;
			}
			if (commas_ok || list_length(alts) == 1)
				fixed = add_param(fixed, f->param, list.data);
			else if (!overlap)
				fanouts = lappend(fanouts, alts);
			/* else: requests could return the same row; checked locally */
			continue;
		}

		switch (f->kind)
		{
			case UKG_FILTER_KIND_DATE:
				if (f->is_param)
				{
					/* a parameter, not a filter: the date itself */
					fixed = add_param(fixed, f->param, ukg_date(day_of(value, typid, 0)));
					break;
				}
				{
					int			lo = INT_MIN,
								hi = INT_MAX;
					int			r;

					/* widen by a day on each side: see the file header */
					if (q->op == UKG_QUAL_EQ || q->op == UKG_QUAL_GT || q->op == UKG_QUAL_GE)
						lo = day_of(value, typid, -1);
					if (q->op == UKG_QUAL_EQ || q->op == UKG_QUAL_LT || q->op == UKG_QUAL_LE)
						hi = day_of(value, typid, +1);
					for (r = 0; r < nranges; r++)
						if (strcmp(range_param[r], f->param) == 0)
							break;
					if (r == nranges)
					{
						if (nranges == lengthof(range_param))
							break;
						range_param[r] = f->param;
						range_lo[r] = INT_MIN;
						range_hi[r] = INT_MAX;
						nranges++;
					}
					range_lo[r] = Max(range_lo[r], lo);
					range_hi[r] = Min(range_hi[r], hi);
				}
				break;
			case UKG_FILTER_KIND_DATETIME:
				fixed = add_param(fixed, f->param, iso_timestamp(value, typid));
				break;
			case UKG_FILTER_KIND_BOOLEAN:
				fixed = add_param(fixed, f->param, pstrdup(DatumGetBool(value) ? "true" : "false"));
				break;
			case UKG_FILTER_KIND_STRING:
			case UKG_FILTER_KIND_INTEGER:
				fixed = add_param(fixed, f->param, value_text(value, typid));
				break;
		}
	}

	for (i = 0; i < nranges; i++)
	{
		char	   *v;

		if (range_lo[i] != INT_MIN && range_hi[i] != INT_MAX)
		{
			if (range_lo[i] + 1 > range_hi[i] - 1)
			{
				*empty = true;	/* contradicting bounds */
				return NIL;
			}
			v = psprintf("{%s,%s}", ukg_date(range_lo[i]), ukg_date(range_hi[i]));
		}
		else if (range_lo[i] != INT_MIN)
			v = psprintf(">%s", ukg_date(range_lo[i]));
		else
			v = psprintf("<%s", ukg_date(range_hi[i]));
		fixed = add_param(fixed, range_param[i], v);
	}

	/* cross product of the fan-outs, unless it grows too large */
	sets = list_make1(NIL);
	foreach(lq, fanouts)
	{
		List	   *alts = (List *) lfirst(lq);
		List	   *next = NIL;
		ListCell   *ls,
				   *la;

		if (list_length(sets) * list_length(alts) > UKG_MAX_FANOUT)
			continue;			/* not pushed; checked locally */
		foreach(ls, sets)
			foreach(la, alts)
				next = lappend(next, lappend(list_copy((List *) lfirst(ls)), lfirst(la)));
		sets = next;
	}

	foreach(lq, sets)
	{
		List	   *set = list_concat(list_copy(fixed), (List *) lfirst(lq));
		StringInfoData qs;
		ListCell   *lp;

		initStringInfo(&qs);
		foreach(lp, set)
		{
			ParamValue *pv = (ParamValue *) lfirst(lp);

			appendStringInfo(&qs, "%s%s=%s", qs.len > 0 ? "&" : "",
							 pv->param, encode ? ukg_url_encode(pv->value) : pv->value);
		}
		result = lappend(result, qs.data);
	}
	return result;
}

/*
 * ukg_describe_pushed
 *		Human-readable pushed parameters for EXPLAIN: "employeeId=$1"-style,
 *		with the value expressions deparsed.
 */
char *
ukg_describe_pushed(List *pushed)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, pushed)
	{
		UkgPushedQual *q = (UkgPushedQual *) lfirst(lc);
		const char *op;

		switch (q->op)
		{
			case UKG_QUAL_LT:
				op = "<";
				break;
			case UKG_QUAL_LE:
				op = "<=";
				break;
			case UKG_QUAL_GT:
				op = ">";
				break;
			case UKG_QUAL_GE:
				op = ">=";
				break;
			default:
				op = q->is_array ? " IN " : "=";
				break;
		}
		appendStringInfo(&buf, "%s%s%s", buf.len > 0 ? ", " : "",
						 q->filter->param, op);
		if (IsA(q->expr, Const))
		{
			Const	   *c = (Const *) q->expr;

			if (c->constisnull)
				appendStringInfoString(&buf, "NULL");
			else
				appendStringInfoString(&buf, value_text(c->constvalue, c->consttype));
		}
		else if (IsA(q->expr, Param))
			appendStringInfo(&buf, "$%d", ((Param *) q->expr)->paramid);
		else if (IsA(q->expr, Var))
			appendStringInfoString(&buf, "(outer row)");
		else
			appendStringInfoString(&buf, "(expression)");
	}
	return buf.data;
}
