/*-------------------------------------------------------------------------
 *
 * ukg_fdw.c
 *		  Foreign-data wrapper for the UKG Pro REST APIs: module set-up,
 *		  settings, and the SQL-callable handler and validator.
 *
 * Everything else lives in src/: option.c (options), catalog.c (the UKG
 * resource catalog), http.c (libcurl), ukg_json.c (json-c), auth.c (Basic
 * auth and OAuth tokens), scan.c (planner and executor), pushdown.c (quals
 * and LIMIT to query parameters), import.c (IMPORT FOREIGN SCHEMA) and
 * check.c (ukg_fdw_check and the other SQL helpers), stats.c (shared
 * memory: ukg_fdw_stats, ukg_fdw_activity and max_requests_per_minute).
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  ukg_fdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "utils/guc.h"

#include "ukg_fdw.h"

#ifdef PG_MODULE_MAGIC_EXT
PG_MODULE_MAGIC_EXT(.name = "ukg_fdw", .version = UKG_FDW_VERSION);
#else
PG_MODULE_MAGIC;
#endif

/* Settings */
char	   *ukg_allowed_hosts = NULL;
char	   *ukg_user_agent_suffix = NULL;
int			ukg_progress_interval = 0;
bool		ukg_debug = false;

PG_FUNCTION_INFO_V1(ukg_fdw_handler);
PG_FUNCTION_INFO_V1(ukg_fdw_validator);

void		_PG_init(void);

/* Longest ukg_fdw.user_agent_suffix accepted */
#define UKG_MAX_UA_SUFFIX	256

/*
 * check_user_agent_suffix
 *		GUC check hook of ukg_fdw.user_agent_suffix: printable ASCII only
 *		(no CR, LF or other control character, which would let the value end
 *		the User-Agent header and start another header or request), and at
 *		most UKG_MAX_UA_SUFFIX bytes.  The value is not repeated in the
 *		message.
 */
static bool
check_user_agent_suffix(char **newval, void **extra, GucSource source)
{
	const unsigned char *p;

	if (*newval == NULL)
		return true;
	for (p = (const unsigned char *) *newval; *p; p++)
	{
		if (*p < 0x20 || *p >= 0x7F)
		{
			GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
			GUC_check_errmsg("invalid value for parameter \"ukg_fdw.user_agent_suffix\"");
			GUC_check_errdetail("The value may contain only printable ASCII characters; control characters such as carriage return and line feed are not allowed.");
			return false;
		}
	}
	if (strlen(*newval) > UKG_MAX_UA_SUFFIX)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("invalid value for parameter \"ukg_fdw.user_agent_suffix\"");
		GUC_check_errdetail("The value is longer than %d bytes.", UKG_MAX_UA_SUFFIX);
		return false;
	}
	return true;
}

void
_PG_init(void)
{
	DefineCustomStringVariable("ukg_fdw.allowed_hosts",
							   "Hosts that ukg_fdw servers may name in base_url and token_url.",
							   "A comma-separated list of host names; \".example.com\" matches "
							   "subdomains and \"*\" allows every host.",
							   &ukg_allowed_hosts,
							   ".ultipro.com,.ultipro.ca,.ukg.net,.ukgpro.com",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("ukg_fdw.user_agent_suffix",
							   "Text appended to ukg_fdw's User-Agent header.",
							   "Lets UKG-side logs tell jobs apart.  Printable ASCII only.",
							   &ukg_user_agent_suffix,
							   "",
							   PGC_USERSET,
							   0,
							   check_user_agent_suffix, NULL, NULL);

	DefineCustomIntVariable("ukg_fdw.progress_interval",
							"Seconds between progress messages of long scans (0 turns them off).",
							"Progress is reported as a NOTICE with pages, rows, bytes, "
							"elapsed time and retries so far.",
							&ukg_progress_interval,
							0, 0, 3600,
							PGC_USERSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("ukg_fdw.debug",
							 "Logs each UKG request (method, path, status, timing) at DEBUG1.",
							 "Secrets are never logged.",
							 &ukg_debug,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	/* shared memory, when preloaded (src/stats.c) */
	ukg_shmem_init();

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("ukg_fdw");
#else
	EmitWarningsOnPlaceholders("ukg_fdw");
#endif

	ukg_auth_init();
}

/*
 * ukg_fdw_handler
 *		The FdwRoutine with ukg_fdw's callbacks.
 */
Datum
ukg_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	ukg_fill_routine(routine);
	PG_RETURN_POINTER(routine);
}

/*
 * ukg_fdw_validator
 *		Validates the options of a ukg_fdw server, user mapping, foreign
 *		table or column.
 */
Datum
ukg_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options_list = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);

	ukg_validate_options(options_list, catalog,
						 fcinfo->flinfo ? fcinfo->flinfo->fn_oid : InvalidOid);
	PG_RETURN_VOID();
}
