/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *		  Turn WHERE clauses into UKG query parameters.
 *
 * Policy: a clause is pushed only when the resource catalog lists a filter
 * for its column, the value side is a Const, a Param or an immutable
 * expression without Vars of the scanned relation, and pushable_operand
 * accepts the column's type, the operator, the collation and the value's
 * type; the value is then cast to the column's type at plan time.  Pushing
 * is advisory: every clause is still checked locally, so results never
 * depend on how loosely or strictly UKG filters (case, time zones, inclusive
 * bounds).  Date comparisons are sent with UKG's operators, widened by a day
 * on each side, and for timestamptz columns by the widest time-zone offset
 * too (widened_day), so that no row can be lost whatever the API's bound
 * semantics; bounds UKG cannot take (infinite, years outside 1-9999) are
 * left out.
 *
 * Values take the form UKG's OpenAPI spec gives the parameter, which the
 * catalog records per filter (format, pattern): date-time parameters in
 * RFC 3339 with an explicit offset, booleans as Y/N where the pattern asks
 * for a letter, and nothing the pattern refuses (test/conform checks every
 * request against the spec).  UKG's date operators are used only where the
 * catalog says the operation documents them.
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
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
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

/* The OpenAPI format whose values are sent in RFC 3339 */
#define UKG_FORMAT_DATE_TIME	"date-time"

static bool filter_takes_value(const UkgFilterDef *f, Expr *value, UkgPushedQual *q);
static char *scalar_value(const UkgFilterDef *f, Datum value, Oid typid);
static bool value_sendable(const UkgFilterDef *f, const char *text);

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
 * column_fits_kind
 *		Does a column of type coltype hold what a filter of this kind
 *		compares?  Text filters take text and varchar columns only: an
 *		integer column would send 1 where UKG holds "000001", and bpchar
 *		ignores trailing blanks that UKG compares.  Date filters take date,
 *		timestamp and timestamptz, booleans boolean, integer filters int2,
 *		int4 and int8.  Domains are never pushed (their checks would not run
 *		on an echoed parameter value).
 */
static bool
column_fits_kind(Oid coltype, UkgFilterKind kind)
{
	switch (kind)
	{
		case UKG_FILTER_KIND_STRING:
			return coltype == TEXTOID || coltype == VARCHAROID;
		case UKG_FILTER_KIND_DATE:
		case UKG_FILTER_KIND_DATETIME:
			return is_date_type(coltype);
		case UKG_FILTER_KIND_BOOLEAN:
			return coltype == BOOLOID;
		case UKG_FILTER_KIND_INTEGER:
			return coltype == INT2OID || coltype == INT4OID || coltype == INT8OID;
	}
	return false;
}

/* Width rank of an integer type, 0 for other types */
static int
int_rank(Oid typid)
{
	switch (typid)
	{
		case INT2OID:
			return 1;
		case INT4OID:
			return 2;
		case INT8OID:
			return 3;
	}
	return 0;
}

/*
 * int_const_fits
 *		Does the integer Const c fit into type target?
 */
static bool
int_const_fits(Const *c, Oid target)
{
	int64		v;

	switch (c->consttype)
	{
		case INT2OID:
			v = DatumGetInt16(c->constvalue);
			break;
		case INT4OID:
			v = DatumGetInt32(c->constvalue);
			break;
		case INT8OID:
			v = DatumGetInt64(c->constvalue);
			break;
		default:
			return false;
	}
	if (target == INT2OID)
		return v >= PG_INT16_MIN && v <= PG_INT16_MAX;
	if (target == INT4OID)
		return v >= PG_INT32_MIN && v <= PG_INT32_MAX;
	return target == INT8OID;
}

/*
 * date_const_sendable
 *		Is a date, timestamp or timestamptz Const one UKG can be sent: finite,
 *		in years 1 to 9999 (MM-DD-YYYY)?  Anything else is not pushed, and the
 *		clause is simply checked locally.  A NULL is fine (it proves the
 *		result empty).
 */
static bool
date_const_sendable(Const *c)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (c->constisnull)
		return true;
	if (c->consttype == DATEOID)
	{
		DateADT		d = DatumGetDateADT(c->constvalue);

		if (DATE_NOT_FINITE(d))
			return false;
		j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	}
	else if (c->consttype == TIMESTAMPOID || c->consttype == TIMESTAMPTZOID)
	{
		Timestamp	ts = DatumGetTimestamp(c->constvalue);

		if (TIMESTAMP_NOT_FINITE(ts) ||
			timestamp2tm(ts, c->consttype == TIMESTAMPTZOID ? &tz : NULL,
						 &tm, &fsec, NULL, NULL) != 0)
			return false;
	}
	else
		return true;
	return tm.tm_year >= 1 && tm.tm_year <= 9999;
}

/*
 * cast_is_exact
 *		May a value of type valtype be pushed for a column compared as
 *		cmptype, once cast to cmptype?  Only where the cast gives exactly the
 *		value the cross-type operator compares the column with:
 *		binary-compatible types, name to text, a wider integer type (a
 *		narrower one only for a Const that fits), and date, timestamp and
 *		timestamptz among each other (equality then holds for the cast value
 *		exactly when it held for the original; ranges are widened anyway).
 */
static bool
cast_is_exact(Oid valtype, Oid cmptype, Expr *value)
{
	if (valtype == cmptype || IsBinaryCoercible(valtype, cmptype))
		return true;
	if (valtype == NAMEOID && cmptype == TEXTOID)
		return true;
	if (int_rank(valtype) > 0 && int_rank(cmptype) > 0)
		return int_rank(valtype) <= int_rank(cmptype) ||
			(IsA(value, Const) && !((Const *) value)->constisnull &&
			 int_const_fits((Const *) value, cmptype));
	if (is_date_type(valtype) && is_date_type(cmptype))
		return true;
	return false;
}

/*
 * date_bound_const
 *		A Const of date type typid: julian day as midnight (UTC for
 *		timestamptz), or an infinity when infinite is -1 or +1.
 */
static Const *
date_bound_const(Oid typid, int julian, int infinite)
{
	Datum		d;

	if (typid == DATEOID)
		d = DateADTGetDatum(infinite < 0 ? DATEVAL_NOBEGIN :
							infinite > 0 ? DATEVAL_NOEND :
							julian - POSTGRES_EPOCH_JDATE);
	else
		d = TimestampGetDatum(infinite < 0 ? DT_NOBEGIN :
							  infinite > 0 ? DT_NOEND :
							  (julian - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY);
	return makeConst(typid, -1, InvalidOid, typid == DATEOID ? 4 : 8, d,
					 false, FLOAT8PASSBYVAL || typid == DATEOID);
}

/*
 * clamp_date_value
 *		For a date, timestamp or timestamptz value known only when the scan
 *		starts (a parameter, an outer row), whose cast to another of these
 *		types could overflow: the value as an infinity when it lies past the
 *		years UKG can take (after 10000-01-01, before 0000-12-31), so that
 *		the cast cannot fail.  Such a value is not sent anyway: a range
 *		bound is left out, a parameter column's value is refused.  Constants
 *		are checked at plan time instead (date_const_sendable).
 */
static Expr *
clamp_date_value(Expr *value, Oid valtype, Oid opfamily)
{
	Oid			ge = get_opfamily_member(opfamily, valtype, valtype,
											 BTGreaterEqualStrategyNumber);
	Oid			lt = get_opfamily_member(opfamily, valtype, valtype,
											 BTLessStrategyNumber);
	CaseExpr   *c;
	CaseWhen   *after;
	CaseWhen   *before;

	if (!OidIsValid(ge) || !OidIsValid(lt))
		return NULL;
	after = makeNode(CaseWhen);
	after->expr = make_opclause(ge, BOOLOID, false, copyObject(value),
								(Expr *) date_bound_const(valtype, date2j(10000, 1, 1), 0),
								InvalidOid, InvalidOid);
	after->result = (Expr *) date_bound_const(valtype, 0, 1);
	after->location = -1;
	before = makeNode(CaseWhen);
	before->expr = make_opclause(lt, BOOLOID, false, copyObject(value),
								 (Expr *) date_bound_const(valtype, date2j(0, 12, 31), 0),
								 InvalidOid, InvalidOid);
	before->result = (Expr *) date_bound_const(valtype, 0, -1);
	before->location = -1;
	c = makeNode(CaseExpr);
	c->casetype = valtype;
	c->casecollid = InvalidOid;
	c->arg = NULL;
	c->args = list_make2(after, before);
	c->defresult = value;
	c->location = -1;
	fix_opfuncids((Node *) c);
	return (Expr *) c;
}

/*
 * coerce_value
 *		value (of type valtype, or an array of it when is_array) cast to
 *		cmptype (or its array type), with constants folded so that EXPLAIN
 *		shows the value sent.  NULL if there is no such cast.
 */
static Expr *
coerce_value(PlannerInfo *root, Expr *value, Oid valtype, Oid cmptype,
			 bool is_array)
{
	Oid			source = exprType((Node *) value);
	Oid			target = is_array ? get_array_type(cmptype) : cmptype;
	Node	   *cast;

	if (valtype == cmptype)
		return value;
	if (!OidIsValid(target))
		return NULL;
	cast = coerce_to_target_type(NULL, (Node *) value, source, target, -1,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (cast == NULL)
		return NULL;
	return (Expr *) eval_const_expressions(root, cast);
}

/*
 * pushable_operand
 *		The one place that decides whether "column op value" may be pushed
 *		for filter f, whatever the clause's shape.  It requires:
 *		- the column's type fits the filter's kind (column_fits_kind);
 *		- opno belongs to the default btree operator family of the column's
 *		  type, with the column's type on its left;
 *		- a collation, if any, is deterministic (equality is then byte
 *		  equality, as UKG's), and for an ordering operator the column's own;
 *		- the value converts exactly to the column's type (cast_is_exact),
 *		  and a constant date is one UKG can be sent.
 *		*value is replaced by the value cast to the column's (comparison)
 *		type, so that the Datum sent, or echoed by a parameter column, always
 *		has the column's type.  Returns the operator's btree strategy, or 0
 *		when the clause stays local.
 */
static int
pushable_operand(PlannerInfo *root, const UkgFilterDef *f, Var *var,
				 Oid opno, Oid inputcollid, bool is_array, Expr **value)
{
	Oid			coltype = var->vartype;
	Oid			opclass;
	Oid			opfamily;
	Oid			cmptype;
	Oid			lefttype;
	Oid			righttype;
	Oid			valtype;
	int			strategy;
	Expr	   *cast;

	if (!column_fits_kind(coltype, f->kind))
		return 0;
	opclass = GetDefaultOpClass(coltype, BTREE_AM_OID);
	if (!OidIsValid(opclass))
		return 0;
	opfamily = get_opclass_family(opclass);
	cmptype = get_opclass_input_type(opclass);
	if (!op_in_opfamily(opno, opfamily))
		return 0;
	get_op_opfamily_properties(opno, opfamily, false,
							   &strategy, &lefttype, &righttype);
	if (lefttype != cmptype)
		return 0;

	if (OidIsValid(inputcollid))
	{
		if (!get_collation_isdeterministic(inputcollid))
			return 0;
		if (strategy != BTEqualStrategyNumber && inputcollid != var->varcollid)
			return 0;
	}

	valtype = exprType((Node *) *value);
	if (is_array)
		valtype = get_element_type(valtype);
	if (!OidIsValid(valtype) || !IsBinaryCoercible(valtype, righttype))
		return 0;
	if (!cast_is_exact(valtype, cmptype, *value))
		return 0;
	if (IsA(*value, Const) && is_date_type(valtype) &&
		!date_const_sendable((Const *) *value))
		return 0;
	cast = *value;
	if (!IsA(cast, Const) && !is_array && valtype != cmptype &&
		is_date_type(valtype))
	{
		cast = clamp_date_value(cast, valtype, opfamily);
		if (cast == NULL)
			return 0;
	}
	cast = coerce_value(root, cast, valtype, cmptype, is_array);
	if (cast == NULL)
		return 0;
	*value = cast;
	return strategy;
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
	Oid			inputcollid = InvalidOid;
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
		inputcollid = op->inputcollid;
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
		inputcollid = saop->inputcollid;
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

	strategy = pushable_operand(root, f, var, opno, inputcollid, is_array, &value);
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
			if (is_array)
				return false;
			if (q->op != UKG_QUAL_EQ && !(f->ops & UKG_FILTER_RANGE))
				return false;
			q->exact = false;	/* widened to whole days */
			break;
		case UKG_FILTER_KIND_DATETIME:
			if (q->op != UKG_QUAL_EQ || is_array)
				return false;
			break;
		case UKG_FILTER_KIND_BOOLEAN:
			if (q->op != UKG_QUAL_EQ || is_array)
				return false;
			break;
		case UKG_FILTER_KIND_STRING:
		case UKG_FILTER_KIND_INTEGER:
			if (q->op != UKG_QUAL_EQ)
				return false;
			break;
	}
	/* parameter columns take equality only: they echo the pushed value */
	if (f->is_param && (q->op != UKG_QUAL_EQ || is_array))
		return false;
	return filter_takes_value(f, value, q);
}

/*
 * filter_takes_value
 *		Can the spec's format and pattern of filter f accept the value?
 *
 * A filter the catalog lists with no operator at all (a date filter whose
 * operation documents no value form) is never pushed.  A constant is
 * rendered as it would be sent and checked against the filter's pattern
 * now, so that one that can never be sent stays local and EXPLAIN says so;
 * a required parameter or a parameter column is left to fail with a precise
 * error at execution (ukg_build_query_params), as no local test can stand in
 * for them.  A value known only at execution may turn out not to match: the
 * qual then stays local, so it is not exact.
 */
static bool
filter_takes_value(const UkgFilterDef *f, Expr *value, UkgPushedQual *q)
{
	if ((f->ops & (UKG_FILTER_EQ | UKG_FILTER_LIST | UKG_FILTER_RANGE | UKG_FILTER_BOOL)) == 0)
		return false;
	if (f->pattern == NULL && f->format == NULL)
		return true;
	if (IsA(value, Const) && !q->is_array)
	{
		Const	   *c = (Const *) value;

		if (c->constisnull || f->required || f->is_param)
			return true;
		if (f->kind == UKG_FILTER_KIND_DATE)
			return true;		/* operator forms: checked at execution */
		if (f->pattern == NULL && is_date_type(c->consttype))
			return true;		/* always a valid RFC 3339 date-time */
		return value_sendable(f, scalar_value(f, c->constvalue, c->consttype));
	}
	q->exact = false;
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

/*
 * Largest distance, in microseconds, between an instant and the wall clock
 * of any time zone: real zones reach UTC-12 and UTC+14, and PostgreSQL
 * accepts offsets up to 15:59:59 (a POSIX-style TimeZone), so 16 hours.
 */
#define UKG_MAX_ZONE_USECS	(INT64CONST(16) * USECS_PER_HOUR)

/* Julian days of 0001-01-01 and 9999-12-31: what MM-DD-YYYY can say */
#define UKG_FIRST_JULIAN	1721426
#define UKG_LAST_JULIAN		5373484

/*
 * widened_day
 *		A UKG day bound for a date range: with direction -1, a Julian day lo
 *		such that every row with a column value above (or at) value has a
 *		UKG date after lo; with +1, a day hi such that every row below (or
 *		at) value has a UKG date before hi.  The margin of one day makes the
 *		bound right whether UKG's operators include the day or not.
 *
 *		value has the column's type (pushable_operand cast it).  A date or
 *		timestamp column holds UKG's own wall-clock day, so its day is
 *		exact.  A timestamptz column holds instants whose UKG day is the wall
 *		day in some zone (the one in the data, or the session's when the data
 *		has no offset), so the bound moves by the widest zone offset first,
 *		then takes the UTC day.
 *
 *		Returns false when no bound can be sent: an infinite value, or a day
 *		outside years 1 to 9999.  The bound is then left out (the clause is
 *		still checked locally), never an error.
 */
static bool
widened_day(Datum value, Oid typid, int direction, int *day)
{
	int			julian;

	if (typid == DATEOID)
	{
		DateADT		d = DatumGetDateADT(value);

		if (DATE_NOT_FINITE(d))
			return false;
		julian = d + POSTGRES_EPOCH_JDATE;
	}
	else
	{
		Timestamp	ts = DatumGetTimestamp(value);
		struct pg_tm tm;
		fsec_t		fsec;

		if (TIMESTAMP_NOT_FINITE(ts))
			return false;
		if (typid == TIMESTAMPTZOID)
		{
			ts += direction * UKG_MAX_ZONE_USECS;
			if (!IS_VALID_TIMESTAMP(ts))
				return false;
		}
		/* no zone: the wall day of a timestamp, the UTC day of an instant */
		if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
			return false;
		julian = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday);
	}
	julian += direction;
	if (julian < UKG_FIRST_JULIAN || julian > UKG_LAST_JULIAN)
		return false;
	*day = julian;
	return true;
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

/*
 * iso_timestamp
 *		A date, timestamp or timestamptz as an RFC 3339 date-time with an
 *		explicit offset, the form the spec's "date-time" format asks for:
 *		timestamptz in UTC; date and timestamp, which have no zone, taken
 *		as UTC.  Fractional seconds only when there are any.
 */
static char *
iso_timestamp(Datum value, Oid typid)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		frac[16] = "";

	datum_to_tm(value, typid, &tm, &fsec, true);
	if (tm.tm_year < 1 || tm.tm_year > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot send a date outside the years 1 to 9999 to UKG"),
				 errdetail("RFC 3339 dates have four-digit years.")));
	if (fsec != 0)
	{
		int			len;

		snprintf(frac, sizeof(frac), ".%06d", (int) fsec);
		/* no trailing zeros */
		for (len = strlen(frac); frac[len - 1] == '0'; len--)
			frac[len - 1] = '\0';
	}
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d%sZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/*
 * yes_no_form
 *		Does the filter's pattern ask for Y (as ^[yY]{1}$ does) rather than
 *		true?  Then a boolean is sent as Y or N (where the pattern refuses N,
 *		false is not sent: see unsendable).
 */
static bool
yes_no_form(const UkgFilterDef *f)
{
	return f->pattern != NULL && !value_sendable(f, "true") && value_sendable(f, "Y");
}

/*
 * scalar_value
 *		The text one value of filter f is sent as (not yet URL-encoded), for
 *		equality: booleans as true/false or Y/N, date-time parameters in
 *		RFC 3339, dates of parameter columns without a format as UKG's
 *		MM-DD-YYYY, anything else in its type's text form.
 */
static char *
scalar_value(const UkgFilterDef *f, Datum value, Oid typid)
{
	bool		date_time = f->format != NULL &&
		strcmp(f->format, UKG_FORMAT_DATE_TIME) == 0;

	switch (f->kind)
	{
		case UKG_FILTER_KIND_BOOLEAN:
			if (yes_no_form(f))
				return pstrdup(DatumGetBool(value) ? "Y" : "N");
			return pstrdup(DatumGetBool(value) ? "true" : "false");
		case UKG_FILTER_KIND_DATETIME:
			return iso_timestamp(value, typid);
		case UKG_FILTER_KIND_DATE:
			if (date_time)
				return iso_timestamp(value, typid);
			return ukg_date(day_of(value, typid, 0));
		case UKG_FILTER_KIND_STRING:
		case UKG_FILTER_KIND_INTEGER:
			break;
	}
	if (date_time && is_date_type(typid))
		return iso_timestamp(value, typid);
	return value_text(value, typid);
}

/*
 * regex_match
 *		Does text match the regular expression re?  PostgreSQL's regular
 *		expressions, in the C collation: on the pattern shapes the catalog
 *		admits (tools/gen_catalog.py, PATTERN_SHAPE_RE) they mean what the
 *		spec's ECMA-262 patterns mean.
 */
static bool
regex_match(const char *text, const char *re)
{
	return DatumGetBool(DirectFunctionCall2Coll(textregexeq, C_COLLATION_OID,
												CStringGetTextDatum(text),
												CStringGetTextDatum(re)));
}

/*
 * rfc3339_valid
 *		Is text an RFC 3339 date-time with an explicit offset, and a real
 *		calendar date and time?
 */
static bool
rfc3339_valid(const char *text)
{
	int			y,
				mo,
				d,
				h,
				mi,
				s;
	const char *off;

	if (!regex_match(text, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
					 "(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"))
		return false;
	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
		return false;
	if (mo < 1 || mo > MONTHS_PER_YEAR || d < 1 ||
		d > day_tab[isleap(y)][mo - 1] || h > 23 || mi > 59 || s > 59)
		return false;
	/* the offset: Z, or +hh:mm / -hh:mm after any fraction */
	off = text + 19;
	if (*off == '.')
		off += 1 + strspn(off + 1, "0123456789");
	if (*off != 'Z' && (atoi(off + 1) > 23 || atoi(off + 4) > 59))
		return false;
	return true;
}

/*
 * value_sendable
 *		May text be sent as the value of filter f: does it match the spec's
 *		pattern, and, for a date-time parameter, is it RFC 3339?
 */
static bool
value_sendable(const UkgFilterDef *f, const char *text)
{
	if (f->format != NULL && strcmp(f->format, UKG_FORMAT_DATE_TIME) == 0 &&
		!rfc3339_valid(text))
		return false;
	if (f->pattern != NULL && !regex_match(text, f->pattern))
		return false;
	return true;
}

/*
 * unsendable
 *		A value of filter f that the spec does not allow: an error for a
 *		required parameter or a parameter column (no local test can replace
 *		them), else false: the qual stays local.
 */
static bool
unsendable(const UkgFilterDef *f, const char *text)
{
	if (f->required || f->is_param)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_STRING_FORMAT),
				 errmsg("value \"%s\" is not valid for UKG query parameter \"%s\"",
						text, f->param),
				 f->pattern ?
				 errdetail("The UKG API specification requires values of \"%s\" to match the pattern %s.",
						   f->param, f->pattern) :
				 errdetail("The UKG API specification requires values of \"%s\" in RFC 3339 date-time form.",
						   f->param)));
	return false;
}

/*
 * value_utf8
 *		A value in the database encoding as UTF-8, which UKG reads in URLs
 *		(a LATIN1 'García' must go out as Garc%C3%ADa).  Every server
 *		encoding converts to UTF-8; SQL_ASCII bytes go out as they are.
 */
static char *
value_utf8(char *s)
{
	return pg_server_to_any(s, strlen(s), PG_UTF8);
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
 * add_scalar
 *		Add filter f's parameter with one exact value in the form the spec
 *		asks for, unless the spec refuses it (then the qual stays local, or
 *		it is an error: see unsendable).
 */
static List *
add_scalar(List *list, const UkgFilterDef *f, Datum value, Oid typid)
{
	char	   *s = scalar_value(f, value, typid);

	if (value_sendable(f, s) || unsendable(f, s))
		list = add_param(list, f->param, s);
	return list;
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
			bool		sendable = true;

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
				if (sendable && !value_sendable(f, s))
					sendable = unsendable(f, s);
				appendStringInfo(&list, "%s%s", list.len > 0 ? "," : "", s);
				alts = add_param(alts, f->param, s);
			}
			if (alts == NIL)
			{
				*empty = true;
				return NIL;
			}
			if (!sendable)
				continue;		/* a value the spec refuses: checked locally */
			if (commas_ok && !value_sendable(f, list.data))
				commas_ok = false;	/* the pattern refuses the comma list */
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
					/* a parameter, not a filter: the value itself */
					fixed = add_scalar(fixed, f, value, typid);
					break;
				}
				{
					int			lo = INT_MIN,
								hi = INT_MAX;
					int			r;

					/* widened: see widened_day; unsendable bounds stay out */
					if ((q->op == UKG_QUAL_EQ || q->op == UKG_QUAL_GT || q->op == UKG_QUAL_GE) &&
						!widened_day(value, typid, -1, &lo))
						lo = INT_MIN;
					if ((q->op == UKG_QUAL_EQ || q->op == UKG_QUAL_LT || q->op == UKG_QUAL_LE) &&
						!widened_day(value, typid, +1, &hi))
						hi = INT_MAX;
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
			case UKG_FILTER_KIND_BOOLEAN:
			case UKG_FILTER_KIND_STRING:
			case UKG_FILTER_KIND_INTEGER:
				fixed = add_scalar(fixed, f, value, typid);
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
		else if (range_hi[i] != INT_MAX)
			v = psprintf("<%s", ukg_date(range_hi[i]));
		else
			continue;			/* no bound could be sent */
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
							 pv->param, encode ? ukg_url_encode(value_utf8(pv->value)) : pv->value);
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
