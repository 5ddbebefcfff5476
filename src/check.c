/*-------------------------------------------------------------------------
 *
 * check.c
 *		  ukg_fdw_check(), which walks a DBA through the UKG onboarding
 *		  checklist for one server, and ukg_fdw_version().
 *
 * ukg_fdw_check never raises an error for a failing check: each step runs
 * in a subtransaction, and a failure becomes a row with ok = false, the
 * error's message as detail and its hint.  No secret is ever shown.  What
 * it does raise, before any request: no USAGE on the server, a role given
 * that the caller may not check, and a resource name that is neither a
 * catalog name nor a relative path.  The connection probe, like the scans,
 * is interrupted by cancel and statement_timeout.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/check.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "ukg_fdw.h"

PG_FUNCTION_INFO_V1(ukg_fdw_check);
PG_FUNCTION_INFO_V1(ukg_fdw_version);

typedef struct CheckOut
{
	ReturnSetInfo *rsinfo;
} CheckOut;

static void
emit(CheckOut *out, const char *step, bool ok, const char *detail,
	 const char *hint)
{
	Datum		values[4];
	bool		nulls[4] = {0};

	values[0] = CStringGetTextDatum(step);
	values[1] = BoolGetDatum(ok);
	if (detail)
		values[2] = CStringGetTextDatum(detail);
	else
		nulls[2] = true;
	if (hint)
		values[3] = CStringGetTextDatum(hint);
	else
		nulls[3] = true;
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
}

/* What one step found */
typedef struct StepResult
{
	int			sqlerrcode;		/* of the error, 0 if none */
	bool		ok;
	char	   *detail;
	char	   *hint;
} StepResult;

typedef void (*StepFunc) (void *arg, StepResult *res);

/*
 * run_step
 *		Run fn in a subtransaction; an error becomes a failed result.
 */
static void
run_step(StepFunc fn, void *arg, StepResult *res)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	res->ok = false;
	res->sqlerrcode = 0;
	res->detail = NULL;
	res->hint = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg, res);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;

		/* cancels and terminations are not check results */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			ReThrowError(edata);
		res->ok = false;
		res->sqlerrcode = edata->sqlerrcode;
		res->detail = edata->detail
			? psprintf("%s: %s", edata->message, edata->detail)
			: pstrdup(edata->message);
		res->hint = edata->hint ? pstrdup(edata->hint) : NULL;
	}
	PG_END_TRY();
}

typedef struct RequestArg
{
	UkgOptions *opts;
	UkgCredentials *cred;
	const UkgResourceDef *res;	/* NULL: just authenticate */
	const char *path;
	bool		routing_404;	/* out: no route matched the URL */
} RequestArg;

static void step_request(void *arg, StepResult *res);

/*
 * check_not_found (#12)
 *		A 404 to a check request: UKG's "no records" answer proves the
 *		resource (returns true); any other 404 raises the scan's error, and
 *		a routing 404 is remembered so that the other base_url form is tried.
 */
static bool
check_not_found(RequestArg *ra, UkgHttpRequest *req, UkgRequestContext *ctx,
				StepResult *res)
{
	size_t		len;
	const char *body = ukg_http_body(req, &len);

	if (ukg_not_found_is_empty(ukg_http_content_type(req), body, len))
	{
		res->ok = true;
		res->detail = pstrdup("HTTP status 404 with UKG's \"no records\" answer.");
		ukg_http_cancel(req);
		return true;
	}
	ra->routing_404 = ukg_not_found_is_routing(body, len);
	ukg_raise_not_found(ra->opts, ctx, body, len);
	return false;				/* not reached */
}

/*
 * check_other_base_url (#12)
 *		After a routing 404, request the same resource under the other form
 *		of base_url (with or without "/services") and say which one answers.
 */
static void
check_other_base_url(CheckOut *out, RequestArg *ra, const char *name)
{
	RequestArg	other = *ra;
	UkgOptions	oopts = *ra->opts;
	StepResult	sr;

	oopts.base_url = ukg_base_url_other_form(ra->opts->base_url);
	other.opts = &oopts;
	run_step(step_request, &other, &sr);
	if (sr.ok)
		emit(out, psprintf("base_url form for %s", name), false,
			 psprintf("No route matches under base_url '%s', but the resource answers under '%s' (%s)",
					  ra->opts->base_url, oopts.base_url, sr.detail),
			 psprintf("Set the server's base_url to '%s'.", oopts.base_url));
	else
		emit(out, psprintf("base_url form for %s", name), false,
			 psprintf("No route matches under base_url '%s' nor under '%s'.",
					  ra->opts->base_url, oopts.base_url),
			 pstrdup("Check the table's resource option and the host of base_url (System Configuration > Security > Web Services in UKG Pro shows it)."));
}

/*
 * step_request
 *		One one-row request to a resource; any non-2xx status raises the
 *		usual error (with the permission hint for a 403).
 */
static void
step_request(void *arg, StepResult *res)
{
	RequestArg *ra = (RequestArg *) arg;
	UkgHttpStats stats = {0};
	List	   *headers;
	UkgHttpRequest *req;
	UkgRequestContext ctx = {0};
	char	   *url;

	ra->routing_404 = false;
	headers = ukg_auth_headers(ra->opts, ra->cred, &stats, false);
	if (ra->path == NULL)
	{
		res->ok = true;
		res->detail = pstrdup(ra->opts->auth_method == UKG_AUTH_OAUTH2
							  ? "A bearer token was obtained."
							  : "Credentials are present.");
		return;
	}
	if (ra->res && ra->res->paging == UKG_PAGING_NONE)
		url = psprintf("%s/%s", ra->opts->base_url, ra->path);
	else
		url = psprintf("%s/%s?page=1&%s=1", ra->opts->base_url, ra->path,
					   ra->res && ra->res->paging == UKG_PAGING_PER_PAGE_LOWER ? "per_page" : "per_Page");
	ctx.server_name = ra->opts->server_name;
	ctx.path = ra->path;
	ctx.permission = ra->res ? ra->res->permission : NULL;
	ctx.auth_method = ra->opts->auth_method;
	req = ukg_http_start(ra->opts, url, headers, NULL, CurrentMemoryContext, &stats);
	ukg_http_finish(req, &ctx);
	if (ukg_http_status(req) == 404 && check_not_found(ra, req, &ctx, res))
		return;
	if (ukg_http_status(req) < 200 || ukg_http_status(req) >= 300)
		ukg_http_raise_status(req, &ctx);
	res->ok = true;
	res->detail = psprintf("HTTP status %ld.", ukg_http_status(req));
	ukg_http_cancel(req);
}

/*
 * step_credentials_present
 *		Does the user mapping have every field its auth method needs?
 */
static void
step_credentials_present(void *arg, StepResult *res)
{
	RequestArg *ra = (RequestArg *) arg;

	ukg_check_credentials(ra->opts, ra->cred);
	res->ok = true;
	res->detail = pstrdup("The user mapping has every field its auth method needs.");
}

/*
 * check_permissions
 *		ukg_fdw_check sends requests with a user mapping's credentials, so it
 *		asks what using the server asks: USAGE on it (as CREATE FOREIGN TABLE
 *		and IMPORT FOREIGN SCHEMA do).  Checking another role's mapping also
 *		needs membership in that role (or superuser), as SET ROLE would.
 *		Both are checked before any request.
 */
static void
check_permissions(ForeignServer *server, Oid roleid)
{
	AclResult	aclresult;

#if PG_VERSION_NUM >= 160000
	aclresult = object_aclcheck(ForeignServerRelationId, server->serverid,
								GetUserId(), ACL_USAGE);
#else
	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
#endif
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);

	if (roleid != GetUserId() && !superuser() &&
#if PG_VERSION_NUM >= 160000
		!member_can_set_role(GetUserId(), roleid)
#else
		!is_member_of_role(GetUserId(), roleid)
#endif
		)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to check the user mapping of role \"%s\"",
						GetUserNameFromId(roleid, false)),
				 errdetail("Only superusers and members of role \"%s\" may check its user mapping.",
						   GetUserNameFromId(roleid, false))));
}

Datum
ukg_fdw_check(PG_FUNCTION_ARGS)
{
	CheckOut	out;
	ForeignServer *server;
	UkgOptions *opts;
	UkgCredentials *cred;
	char	   *scheme = NULL;
	char	   *host = NULL;
	char	   *detail = NULL;
	List	   *volatile resources = NIL;
	ListCell   *lc;
	bool		url_ok;
	bool		reachable;
	StepResult sr;
	RequestArg ra;
	Oid			roleid = GetUserId();

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("server name must not be null")));
	ukg_init_srf(fcinfo);
	out.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	server = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)), false);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		roleid = get_role_oid(NameStr(*PG_GETARG_NAME(2)), false);
	check_permissions(server, roleid);

	/* resource names: catalog names or relative paths, checked up front */
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (i = 0; i < n; i++)
			if (!nulls[i])
			{
				char	   *name = TextDatumGetCString(elems[i]);

				ukg_validate_resource(name, false);
				resources = lappend(resources, name);
			}
	}
	if (resources == NIL)
		resources = list_make1("person-details");

	opts = ukg_get_server_options(server);
	opts->max_retries = 0;		/* report, do not insist */

	/* 1. base URL: https and a service host, not the login host */
	url_ok = ukg_url_host(opts->base_url, &scheme, &host);
	if (!url_ok)
		emit(&out, "base_url", false, "The base URL is not an absolute URL.", NULL);
	else if (ukg_is_login_host(host))
	{
		url_ok = false;
		emit(&out, "base_url", false,
			 psprintf("\"%s\" is the UKG Pro login host, not a web service host.", host),
			 "Use the service host shown under System Configuration > Security > Web Services, such as \"https://service4.ultipro.com\".");
	}
	else if (strcmp(scheme, "https") != 0 && !ukg_is_loopback(host))
	{
		url_ok = false;
		emit(&out, "base_url", false, "The base URL does not use https.", "Use an https URL.");
	}
	else
		emit(&out, "base_url", true,
			 psprintf("%s host \"%s\"%s.", scheme, host,
					  strcmp(scheme, "https") == 0 ? "" : " (plain http, loopback only)"),
			 NULL);

	/* 2. allowed_hosts */
	if (url_ok && !ukg_host_allowed(host))
	{
		url_ok = false;
		emit(&out, "allowed_hosts", false,
			 psprintf("Host \"%s\" is not allowed by ukg_fdw.allowed_hosts.", host),
			 "A superuser can add the host to the ukg_fdw.allowed_hosts setting.");
	}

	/* 3. DNS, TCP and TLS */
	reachable = url_ok && ukg_http_probe(opts->base_url, opts, &detail);
	if (url_ok)
		emit(&out, "connection", reachable,
			 reachable ? "DNS, TCP and TLS reach the host." : detail,
			 reachable ? NULL : "Check the host name, the network path to UKG and, for TLS errors, ca_file.");

	/* 4. the user's mapping (the current user's, or the role's given) */
	cred = ukg_get_credentials(opts, roleid, true);
	if (cred == NULL)
	{
		emit(&out, "user mapping", false,
			 psprintf("There is no user mapping for \"%s\" on server \"%s\".",
					  GetUserNameFromId(roleid, false), server->servername),
			 roleid == GetUserId()
			 ? "Create one with CREATE USER MAPPING FOR CURRENT_USER SERVER ... OPTIONS (...)."
			 : psprintf("Create one with CREATE USER MAPPING FOR %s SERVER ... OPTIONS (...).",
						quote_identifier(GetUserNameFromId(roleid, false))));
		return (Datum) 0;
	}
	ra.opts = opts;
	ra.cred = cred;
	ra.res = NULL;
	ra.path = NULL;

	/* only the presence of the fields; never their values */
	run_step(step_credentials_present, &ra, &sr);
	emit(&out, "user mapping", sr.ok, sr.detail, sr.hint);
	if (!sr.ok)
		return (Datum) 0;
	if (!reachable)
		return (Datum) 0;

	/* 5. credentials, 6. each resource */
	if (opts->auth_method == UKG_AUTH_OAUTH2)
	{
		run_step(step_request, &ra, &sr);
		emit(&out, "credentials", sr.ok, sr.detail, sr.hint);
		if (!sr.ok)
			return (Datum) 0;
	}
	else
	{
		/* Basic auth: a one-row request to the first resource proves it */
		const UkgResourceDef *first = ukg_catalog_lookup((char *) linitial(resources));

		ra.res = first;
		ra.path = first ? first->path : (char *) linitial(resources);
		while (*ra.path == '/')
			ra.path++;
		run_step(step_request, &ra, &sr);
		/* a 403 still proves the credentials were accepted */
		if (sr.ok || sr.sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
			emit(&out, "credentials", true, "UKG accepted the credentials.", NULL);
		else
		{
			emit(&out, "credentials", false, sr.detail, sr.hint);
			if (ra.routing_404)
				check_other_base_url(&out, &ra, (char *) linitial(resources));
			return (Datum) 0;
		}
	}

	foreach(lc, resources)
	{
		char	   *name = (char *) lfirst(lc);
		const UkgResourceDef *res = ukg_catalog_lookup(name);

		ra.res = res;
		ra.path = res ? res->path : name;
		while (*ra.path == '/')
			ra.path++;
		run_step(step_request, &ra, &sr);
		emit(&out, psprintf("resource %s", name), sr.ok, sr.detail, sr.hint);
		if (!sr.ok && ra.routing_404)
			check_other_base_url(&out, &ra, name);
	}
	return (Datum) 0;
}

Datum
ukg_fdw_version(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(UKG_FDW_VERSION);
	values[1] = CStringGetTextDatum(ukg_curl_version());
	values[2] = CStringGetTextDatum(ukg_json_c_version());
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
