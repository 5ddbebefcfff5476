/*-------------------------------------------------------------------------
 *
 * option.c
 *		  Options of ukg_fdw: the table of valid options, the validator and
 *		  the getter that merges server, table and user mapping options.
 *
 * Policy: secrets (passwords, API keys, client secrets) are valid only on
 * user mappings.  Given on a server or a table they are rejected with a hint
 * that points to CREATE USER MAPPING, so that they never end up in places
 * readable by every user of the server.  Options that make the backend read
 * local files (ca_file) are superuser-only.  Options whose requirement depends
 * on the auth method are checked at first use, since a user mapping can be
 * created before or after the server is altered.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/option.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "ukg_fdw.h"

typedef enum UkgOptType
{
	OPT_STRING,
	OPT_URL,
	OPT_AUTH,
	OPT_INT,					/* plain integer within [min, max] */
	OPT_MS,						/* duration, default unit seconds */
	OPT_BYTES,					/* size, default unit bytes */
	OPT_BOOL,
	OPT_REAL,
	OPT_RESOURCE,
	OPT_PAGING,
	OPT_PARAMS
} UkgOptType;

typedef struct UkgOption
{
	const char *name;
	Oid			context;		/* catalog in which it is valid */
	UkgOptType	type;
	int			min;
	int			max;
	bool		secret;			/* belongs on the user mapping only */
	bool		superuser_only;
} UkgOption;

static const UkgOption ukg_options[] =
{
	/* server */
	{"base_url", ForeignServerRelationId, OPT_URL},
	{"auth_method", ForeignServerRelationId, OPT_AUTH},
	{"token_url", ForeignServerRelationId, OPT_URL},
	{"audience", ForeignServerRelationId, OPT_STRING},
	{"tenant_id", ForeignServerRelationId, OPT_STRING},
	{"organization", ForeignServerRelationId, OPT_STRING},
	{"ca_file", ForeignServerRelationId, OPT_STRING, 0, 0, false, true},
	{"timeout", ForeignServerRelationId, OPT_MS, 100, 3600 * 1000},
	{"connect_timeout", ForeignServerRelationId, OPT_MS, 100, 600 * 1000},
	{"max_retries", ForeignServerRelationId, OPT_INT, 0, 20},
	{"max_retry_wait", ForeignServerRelationId, OPT_MS, 0, 3600 * 1000},
	{"max_response_size", ForeignServerRelationId, OPT_BYTES, 1024, INT_MAX},
	{"fdw_startup_cost", ForeignServerRelationId, OPT_REAL},
	{"fdw_tuple_cost", ForeignServerRelationId, OPT_REAL},
	{"page_size", ForeignServerRelationId, OPT_INT, 1, UKG_MAX_PAGE_SIZE},
	{"prefetch", ForeignServerRelationId, OPT_INT, 1, UKG_MAX_PREFETCH},
	{"max_pages", ForeignServerRelationId, OPT_INT, 1, INT_MAX},
	{"pushdown", ForeignServerRelationId, OPT_BOOL},
	{"max_requests_per_minute", ForeignServerRelationId, OPT_INT, 0, UKG_MAX_REQUESTS_PER_MINUTE},
	{"analyze_max_pages", ForeignServerRelationId, OPT_INT, 1, INT_MAX},
	{"async_capable", ForeignServerRelationId, OPT_BOOL},

	/* foreign table */
	{"resource", ForeignTableRelationId, OPT_RESOURCE},
	{"paging", ForeignTableRelationId, OPT_PAGING},
	{"params", ForeignTableRelationId, OPT_PARAMS},
	{"estimated_rows", ForeignTableRelationId, OPT_REAL},
	{"page_size", ForeignTableRelationId, OPT_INT, 1, UKG_MAX_PAGE_SIZE},
	{"prefetch", ForeignTableRelationId, OPT_INT, 1, UKG_MAX_PREFETCH},
	{"max_pages", ForeignTableRelationId, OPT_INT, 1, INT_MAX},
	{"pushdown", ForeignTableRelationId, OPT_BOOL},
	{"analyze_max_pages", ForeignTableRelationId, OPT_INT, 1, INT_MAX},
	{"async_capable", ForeignTableRelationId, OPT_BOOL},

	/* column */
	{"json_key", AttributeRelationId, OPT_STRING},

	/* user mapping */
	{"username", UserMappingRelationId, OPT_STRING, 0, 0, true},
	{"password", UserMappingRelationId, OPT_STRING, 0, 0, true},
	{"customer_api_key", UserMappingRelationId, OPT_STRING, 0, 0, true},
	{"user_api_key", UserMappingRelationId, OPT_STRING, 0, 0, true},
	{"client_id", UserMappingRelationId, OPT_STRING, 0, 0, true},
	{"client_secret", UserMappingRelationId, OPT_STRING, 0, 0, true},

	{NULL}
};

static const UkgOption *
find_option(const char *name, Oid context)
{
	const UkgOption *opt;

	for (opt = ukg_options; opt->name; opt++)
		if (opt->context == context && strcmp(opt->name, name) == 0)
			return opt;
	return NULL;
}

static const UkgOption *
find_secret_option(const char *name)
{
	const UkgOption *opt;

	for (opt = ukg_options; opt->name; opt++)
		if (opt->secret && strcmp(opt->name, name) == 0)
			return opt;
	return NULL;
}

static const char *
context_name(Oid context)
{
	switch (context)
	{
		case ForeignServerRelationId:
			return "server";
		case ForeignTableRelationId:
			return "foreign table";
		case AttributeRelationId:
			return "column";
		case UserMappingRelationId:
			return "user mapping";
		case ForeignDataWrapperRelationId:
			return "foreign-data wrapper";
	}
	return "object";
}

/*
 * ukg_has_control_char
 *		Does s contain a control character: CR, LF, any other C0 byte
 *		(0x01-0x1F, including TAB) or DEL (0x7F)?
 *
 * Every value that goes into an HTTP request line, header or form body is
 * checked with this: in the validator, and again when the request is built.
 * A NUL cannot occur inside a C string; callers that know a length check
 * for an embedded NUL themselves.
 */
bool
ukg_has_control_char(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return true;
	return false;
}

/*
 * Is the host a loopback address or name?  Plain http is allowed only there.
 */
bool
ukg_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (pg_strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/*
 * ukg_is_login_host
 *		Is this UKG Pro's login host (login.ultipro.com and the like), which
 *		the onboarding guide says is not the web service host?
 */
bool
ukg_is_login_host(const char *host)
{
	return pg_strncasecmp(host, "login.", 6) == 0 && strstr(host, "ultipro") != NULL;
}

/*
 * ukg_url_host
 *		Split the scheme and the host out of an absolute URL.
 *
 * Returns false if the URL is not of the form scheme://host[:port][/path].
 * The pieces are palloc'd; brackets around an IPv6 literal are removed.
 * Userinfo ("user:pass@") is not accepted, because it would put a secret in
 * a server option.
 */
bool
ukg_url_host(const char *url, char **scheme, char **host)
{
	const char *p = strstr(url, "://");
	const char *h;
	const char *end;

	if (p == NULL || p == url)
		return false;
	*scheme = pnstrdup(url, p - url);
	h = p + 3;
	if (*h == '[')
	{
		end = strchr(h, ']');
		if (end == NULL)
			return false;
		*host = pnstrdup(h + 1, end - h - 1);
		end++;
	}
	else
	{
		end = h + strcspn(h, ":/?#@");
		if (*end == '@')
			return false;
		*host = pnstrdup(h, end - h);
	}
	if (**host == '\0')
		return false;
	if (*end != '\0' && *end != ':' && *end != '/')
		return false;
	if (strchr(end, '@') && strchr(end, '@') < end + strcspn(end, "/"))
		return false;
	return true;
}

/*
 * ukg_host_allowed
 *		Does ukg_fdw.allowed_hosts let servers name this host?
 *
 * The GUC is a comma-separated list of host names; "*" allows all, and an
 * entry starting with "." (or "*.") matches any subdomain.
 */
bool
ukg_host_allowed(const char *host)
{
	char	   *raw;
	List	   *elems;
	ListCell   *lc;
	bool		ok = false;
	size_t		hlen = strlen(host);

	if (ukg_allowed_hosts == NULL || ukg_allowed_hosts[0] == '\0')
		return false;
	raw = pstrdup(ukg_allowed_hosts);
	if (!SplitIdentifierString(raw, ',', &elems))
		return false;
	foreach(lc, elems)
	{
		const char *pat = (const char *) lfirst(lc);

		if (strcmp(pat, "*") == 0)
			ok = true;
		else if (pat[0] == '*' && pat[1] == '.')
			pat++;
		if (ok)
			break;
		if (pat[0] == '.')
		{
			size_t		plen = strlen(pat);

			if (hlen > plen && pg_strcasecmp(host + hlen - plen, pat) == 0)
				ok = true;
		}
		else if (pg_strcasecmp(host, pat) == 0)
			ok = true;
		if (ok)
			break;
	}
	return ok;
}

static void
validate_url(const char *optname, const char *value)
{
	char	   *scheme;
	char	   *host;

	if (!ukg_url_host(value, &scheme, &host))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", optname, value),
				 errdetail("The value must be an absolute URL such as \"https://service4.ultipro.com\", without user name or password.")));
	if (strcmp(scheme, "https") != 0 &&
		!(strcmp(scheme, "http") == 0 && ukg_is_loopback(host)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"%s\" must use https", optname),
				 errdetail("Plain http is accepted only for loopback hosts.")));
	if (strcmp(optname, "base_url") == 0 && ukg_is_login_host(host))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("\"%s\" is the UKG Pro login host, not a web service host", host),
				 errhint("Use the service host shown under System Configuration > Security > Web Services, such as \"https://service4.ultipro.com\".")));
	if (!ukg_host_allowed(host))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("host \"%s\" is not allowed by ukg_fdw.allowed_hosts", host),
				 errhint("A superuser can add the host to the ukg_fdw.allowed_hosts setting.")));
}

/*
 * ukg_validate_resource
 *		Check a resource name: a catalog name such as "person-details", or a
 *		path relative to base_url such as "personnel/v1/person-details".
 *
 * Used for the table option "resource" (what names "option \"resource\"")
 * and for the resource names given to ukg_fdw_check.  Never an absolute
 * URL, a query string or fragment, "..", a percent escape (which a server
 * may decode into one of those), a backslash, a space or a control
 * character.  A value with a control character is not printed.
 */
void
ukg_validate_resource(const char *value, bool is_option)
{
	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(is_option ? ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE : ERRCODE_INVALID_PARAMETER_VALUE),
				 is_option ? errmsg("option \"resource\" must not be empty") :
				 errmsg("UKG resource name must not be empty")));
	if (ukg_has_control_char(value))
		ereport(ERROR,
				(errcode(is_option ? ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE : ERRCODE_INVALID_PARAMETER_VALUE),
				 is_option ? errmsg("invalid value for option \"resource\"") :
				 errmsg("invalid UKG resource name"),
				 errdetail("The value contains a control character.")));
	if (strstr(value, "://") != NULL || value[strcspn(value, "?# %\\")] != '\0' ||
		strstr(value, "..") != NULL)
		ereport(ERROR,
				(errcode(is_option ? ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE : ERRCODE_INVALID_PARAMETER_VALUE),
				 is_option ? errmsg("invalid value for option \"resource\": \"%s\"", value) :
				 errmsg("invalid UKG resource name \"%s\"", value),
				 errdetail("The value must be a catalog resource name such as \"person-details\" or a path relative to base_url such as \"personnel/v1/person-details\"."),
				 is_option ? errhint("Fixed query parameters go in the \"params\" option.") : 0));
	if (ukg_catalog_lookup(value) == NULL && strchr(value, '/') == NULL)
		ereport(ERROR,
				(errcode(is_option ? ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE : ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown UKG resource \"%s\"", value),
				 errhint("Use a catalog resource name such as \"person-details\", or a path relative to base_url such as \"personnel/v1/person-details\".")));
}

/*
 * params_names_paging
 *		Does a params query string name page or per_page?  UKG's ASP.NET
 *		binding ignores case and decodes percent escapes in names, so this
 *		does too: "PER_PAGE=5" and "per%5Fpage=5" count.
 */
static bool
params_names_paging(const char *value)
{
	const char *p = value;

	while (*p)
	{
		size_t		len = strcspn(p, "&");
		size_t		nlen = strcspn(p, "=&");
		char		name[16];
		size_t		n = 0;
		size_t		i;

		for (i = 0; i < nlen && n < sizeof(name) - 1; i++)
		{
			char		c = p[i];

			if (c == '%' && i + 2 < nlen &&
				isxdigit((unsigned char) p[i + 1]) &&
				isxdigit((unsigned char) p[i + 2]))
			{
				char		hex[3] = {p[i + 1], p[i + 2], '\0'};

				c = (char) strtol(hex, NULL, 16);
				i += 2;
			}
			name[n++] = c;
		}
		name[n] = '\0';
		/* a name too long for the buffer is neither of the two */
		if (i >= nlen &&
			(pg_strcasecmp(name, "page") == 0 || pg_strcasecmp(name, "per_page") == 0))
			return true;
		p += len;
		if (*p == '&')
			p++;
	}
	return false;
}

/*
 * ca_file_kept
 *		Is value the ca_file of a ukg_fdw server that the current user owns?
 *
 * The validator sees the whole option list of an ALTER SERVER, not what
 * changed.  A non-superuser owner may therefore keep the ca_file a
 * superuser set (which this recognises), but not name a new file.  A file
 * already set on a server the user owns grants nothing new.
 */
static bool
ca_file_kept(const char *value, Oid validator)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	rel = table_open(ForeignServerRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_foreign_server srv = (Form_pg_foreign_server) GETSTRUCT(tup);
		ForeignServer *server;
		ListCell   *lc;

		if (!has_privs_of_role(GetUserId(), srv->srvowner))
			continue;
		server = GetForeignServerExtended(srv->oid, FSV_MISSING_OK);
		if (server == NULL ||
			GetForeignDataWrapper(server->fdwid)->fdwvalidator != validator)
			continue;
		foreach(lc, server->options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, "ca_file") == 0 &&
				strcmp(defGetString(def), value) == 0)
				found = true;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * parse_option_int
 *		Parse an integer option.  Durations take units ("500ms", "2min");
 *		a bare number of a duration means seconds.  Sizes take "kB", "MB"...
 */
static bool
parse_option_int(UkgOptType type, const char *value, int *result,
				 const char **hintmsg)
{
	if (type == OPT_MS && value[0] != '\0' &&
		strspn(value, "0123456789") == strlen(value))
	{
		if (strlen(value) > 7)
			return false;
		*result = atoi(value) * 1000;
		return true;
	}
	return parse_int(value, result,
					 type == OPT_MS ? GUC_UNIT_MS :
					 type == OPT_BYTES ? GUC_UNIT_BYTE : 0,
					 hintmsg);
}

static void
validate_value(const UkgOption *opt, DefElem *def)
{
	char	   *value = defGetString(def);
	const char *hintmsg = NULL;
	int			ival;
	double		rval;

	/* values end up in request lines, headers and form bodies */
	if (ukg_has_control_char(value))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\"", opt->name),
				 errdetail("The value contains a control character (such as a carriage return or a line feed), which could alter the HTTP request.")));

	switch (opt->type)
	{
		case OPT_STRING:
			if (value[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("option \"%s\" must not be empty", opt->name)));
			break;
		case OPT_URL:
			validate_url(opt->name, value);
			break;
		case OPT_AUTH:
			if (strcmp(value, "basic") == 0 || strcmp(value, "oauth2") == 0)
				break;
			if (pg_strcasecmp(value, "password") == 0 ||
				pg_strcasecmp(value, "wfm") == 0 ||
				pg_strcasecmp(value, "hrsd") == 0 ||
				pg_strcasecmp(value, "hr_service_delivery") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("auth_method \"%s\" is not supported", value),
						 errdetail("ukg_fdw supports the UKG Pro core REST APIs (\"basic\") and UKG Pro Platform client credentials (\"oauth2\"); UKG Pro WFM and UKG HR Service Delivery are not supported.")));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"auth_method\": \"%s\"", value),
					 errhint("Valid values are \"basic\" and \"oauth2\".")));
			break;
		case OPT_INT:
		case OPT_MS:
		case OPT_BYTES:
			if (!parse_option_int(opt->type, value, &ival, &hintmsg))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"",
								opt->name, value),
						 hintmsg ? errhint("%s", _(hintmsg)) : 0));
			if (ival < opt->min || ival > opt->max)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("value for option \"%s\" is out of range", opt->name),
						 opt->type == OPT_MS ?
						 errdetail("Valid values are between %d ms and %d ms.", opt->min, opt->max) :
						 errdetail("Valid values are between %d and %d.", opt->min, opt->max)));
			break;
		case OPT_BOOL:
			(void) defGetBoolean(def);
			break;
		case OPT_REAL:
			if (!parse_real(value, &rval, 0, NULL) || rval < 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"%s\": \"%s\"", opt->name, value),
						 errdetail("The value must be a non-negative number.")));
			break;
		case OPT_RESOURCE:
			ukg_validate_resource(value, true);
			break;
		case OPT_PAGING:
			if (strcmp(value, "per_Page") != 0 && strcmp(value, "per_page") != 0 &&
				strcmp(value, "none") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"paging\": \"%s\"", value),
						 errhint("Valid values are \"per_Page\", \"per_page\" and \"none\".")));
			break;
		case OPT_PARAMS:
			if (value[strcspn(value, "# ")] != '\0' || value[0] == '?' ||
				params_names_paging(value))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"params\": \"%s\"", value),
						 errdetail("The value must be a URL-encoded query string such as \"companyId=C0001&isActive=true\", without paging parameters.")));
			break;
	}
}

/*
 * ukg_validate_options
 *		Check the options of a CREATE or ALTER of any ukg_fdw object.
 *		validator is the OID of the validator function being run, which
 *		tells ukg_fdw's servers from other wrappers' ones.
 */
void
ukg_validate_options(List *options_list, Oid catalog, Oid validator)
{
	ListCell   *cell;

	foreach(cell, options_list)
	{
		DefElem    *def = (DefElem *) lfirst(cell);
		const UkgOption *opt = find_option(def->defname, catalog);

		if (opt == NULL)
		{
			const UkgOption *o;
			StringInfoData buf;

			if (find_secret_option(def->defname) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("option \"%s\" is not allowed on a %s",
								def->defname, context_name(catalog)),
						 errhint("Secrets belong on the user mapping: CREATE USER MAPPING FOR ... SERVER ... OPTIONS (%s '...').",
								 def->defname)));

			initStringInfo(&buf);
			for (o = ukg_options; o->name; o++)
				if (o->context == catalog)
					appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", o->name);
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 buf.len > 0
					 ? errhint("Valid options in this context are: %s.", buf.data)
					 : errhint("There are no valid options in this context.")));
		}

		if (opt->superuser_only && !superuser() &&
			!(strcmp(opt->name, "ca_file") == 0 && catalog == ForeignServerRelationId &&
			  ca_file_kept(defGetString(def), validator)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to set option \"%s\"", opt->name),
					 errdetail("A server owner may keep the ca_file a superuser set on the server, but not name another file."),
					 errhint("Only superusers can set this option, because it reads files on the database server.")));

		validate_value(opt, def);
		if (strcmp(opt->name, "max_requests_per_minute") == 0)
			ukg_shmem_warn_rate_limit(def);
	}
}

/* Parse helpers for values that the validator has already checked */
static int
get_int_option(DefElem *def, UkgOptType type)
{
	int			result;

	if (!parse_option_int(type, defGetString(def), &result, NULL))
		elog(ERROR, "invalid value for ukg_fdw option \"%s\"", def->defname);
	return result;
}

static double
get_real_option(DefElem *def)
{
	double		result;

	if (!parse_real(defGetString(def), &result, 0, NULL))
		elog(ERROR, "invalid value for ukg_fdw option \"%s\"", def->defname);
	return result;
}

/*
 * apply_common
 *		Apply an option valid on both servers and tables.
 */
static bool
apply_common(UkgOptions *opts, DefElem *def)
{
	if (strcmp(def->defname, "page_size") == 0)
		opts->page_size = get_int_option(def, OPT_INT);
	else if (strcmp(def->defname, "prefetch") == 0)
		opts->prefetch = get_int_option(def, OPT_INT);
	else if (strcmp(def->defname, "max_pages") == 0)
		opts->max_pages = get_int_option(def, OPT_INT);
	else if (strcmp(def->defname, "pushdown") == 0)
		opts->pushdown = defGetBoolean(def);
	else if (strcmp(def->defname, "analyze_max_pages") == 0)
		opts->analyze_max_pages = get_int_option(def, OPT_INT);
	else if (strcmp(def->defname, "async_capable") == 0)
		opts->async_capable = defGetBoolean(def);
	else
		return false;
	return true;
}

/*
 * ukg_get_server_options
 *		Server-level options with defaults applied.  palloc'd.
 */
UkgOptions *
ukg_get_server_options(ForeignServer *server)
{
	UkgOptions *opts = palloc0(sizeof(UkgOptions));
	ListCell   *lc;

	opts->serverid = server->serverid;
	opts->server_name = pstrdup(server->servername);
	opts->auth_method = UKG_AUTH_BASIC;
	opts->timeout_ms = UKG_DEFAULT_TIMEOUT_MS;
	opts->connect_timeout_ms = UKG_DEFAULT_CONNECT_MS;
	opts->max_retries = UKG_DEFAULT_MAX_RETRIES;
	opts->max_retry_wait_ms = UKG_DEFAULT_RETRY_WAIT_MS;
	opts->max_response_size = UKG_DEFAULT_MAX_RESPONSE;
	opts->fdw_startup_cost = UKG_DEFAULT_STARTUP_COST;
	opts->fdw_tuple_cost = UKG_DEFAULT_TUPLE_COST;
	opts->page_size = UKG_DEFAULT_PAGE_SIZE;
	opts->prefetch = UKG_DEFAULT_PREFETCH;
	opts->max_pages = UKG_DEFAULT_MAX_PAGES;
	opts->pushdown = true;
	opts->analyze_max_pages = UKG_DEFAULT_ANALYZE_MAX_PAGES;
	opts->async_capable = true;
	opts->estimated_rows = -1;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		char	   *name = def->defname;

		if (apply_common(opts, def))
			continue;
		if (strcmp(name, "base_url") == 0)
		{
			char	   *url = pstrdup(defGetString(def));
			size_t		len = strlen(url);

			while (len > 0 && url[len - 1] == '/')
				url[--len] = '\0';
			opts->base_url = url;
		}
		else if (strcmp(name, "auth_method") == 0)
			opts->auth_method = strcmp(defGetString(def), "oauth2") == 0 ?
				UKG_AUTH_OAUTH2 : UKG_AUTH_BASIC;
		else if (strcmp(name, "token_url") == 0)
			opts->token_url = pstrdup(defGetString(def));
		else if (strcmp(name, "audience") == 0)
			opts->audience = pstrdup(defGetString(def));
		else if (strcmp(name, "tenant_id") == 0)
			opts->tenant_id = pstrdup(defGetString(def));
		else if (strcmp(name, "organization") == 0)
			opts->organization = pstrdup(defGetString(def));
		else if (strcmp(name, "ca_file") == 0)
			opts->ca_file = pstrdup(defGetString(def));
		else if (strcmp(name, "timeout") == 0)
			opts->timeout_ms = get_int_option(def, OPT_MS);
		else if (strcmp(name, "connect_timeout") == 0)
			opts->connect_timeout_ms = get_int_option(def, OPT_MS);
		else if (strcmp(name, "max_retries") == 0)
			opts->max_retries = get_int_option(def, OPT_INT);
		else if (strcmp(name, "max_retry_wait") == 0)
			opts->max_retry_wait_ms = get_int_option(def, OPT_MS);
		else if (strcmp(name, "max_response_size") == 0)
			opts->max_response_size = get_int_option(def, OPT_BYTES);
		else if (strcmp(name, "fdw_startup_cost") == 0)
			opts->fdw_startup_cost = get_real_option(def);
		else if (strcmp(name, "fdw_tuple_cost") == 0)
			opts->fdw_tuple_cost = get_real_option(def);
		else if (strcmp(name, "max_requests_per_minute") == 0)
			opts->max_requests_per_minute = get_int_option(def, OPT_INT);
	}

	if (opts->base_url == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no option \"base_url\"", server->servername),
				 errhint("Set it with ALTER SERVER %s OPTIONS (ADD base_url 'https://service4.ultipro.com').",
						 quote_identifier(server->servername))));
	if (opts->auth_method == UKG_AUTH_OAUTH2)
	{
		const char *missing = opts->token_url == NULL ? "token_url" :
		opts->audience == NULL ? "audience" :
		opts->tenant_id == NULL ? "tenant_id" : NULL;

		if (missing)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("server \"%s\" uses auth_method \"oauth2\" but has no option \"%s\"",
							server->servername, missing),
					 errhint("The oauth2 method needs token_url, audience and tenant_id on the server.")));
	}
	return opts;
}

/*
 * ukg_get_options
 *		Merged options of a foreign table.  palloc'd in the current context.
 */
UkgOptions *
ukg_get_options(Oid foreigntableid)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);
	UkgOptions *opts = ukg_get_server_options(server);
	ListCell   *lc;
	const char *paging = NULL;

	foreach(lc, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		char	   *name = def->defname;

		if (apply_common(opts, def))
			continue;
		if (strcmp(name, "resource") == 0)
			opts->resource = pstrdup(defGetString(def));
		else if (strcmp(name, "paging") == 0)
			paging = defGetString(def);
		else if (strcmp(name, "params") == 0)
			opts->params = pstrdup(defGetString(def));
		else if (strcmp(name, "estimated_rows") == 0)
			opts->estimated_rows = get_real_option(def);
	}

	if (opts->resource == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no option \"resource\"",
						get_rel_name(foreigntableid)),
				 errhint("Name a catalog resource such as \"person-details\" or a path such as \"personnel/v1/person-details\".")));

	opts->resdef = ukg_catalog_lookup(opts->resource);
	if (opts->resdef)
	{
		opts->path = pstrdup(opts->resdef->path);
		opts->paging = opts->resdef->paging;
	}
	else
	{
		const char *p = opts->resource;

		while (*p == '/')
			p++;
		opts->path = pstrdup(p);
		opts->paging = UKG_PAGING_PER_PAGE_UPPER;
	}
	/* ask for no more rows per page than the catalog knows the API gives */
	if (opts->resdef && opts->resdef->page_cap > 0 &&
		opts->page_size > opts->resdef->page_cap)
		opts->page_size = opts->resdef->page_cap;
	if (paging)
		opts->paging = strcmp(paging, "none") == 0 ? UKG_PAGING_NONE :
			strcmp(paging, "per_page") == 0 ? UKG_PAGING_PER_PAGE_LOWER :
			UKG_PAGING_PER_PAGE_UPPER;

	return opts;
}

/*
 * ukg_get_credentials
 *		Secrets from the user mapping for userid on the options' server.
 *
 * With missing_ok, returns NULL when there is no mapping; otherwise the
 * usual "user mapping not found" error is raised.
 */
UkgCredentials *
ukg_get_credentials(UkgOptions *opts, Oid userid, bool missing_ok)
{
	UserMapping *um;
	UkgCredentials *cred;
	ListCell   *lc;

	if (missing_ok)
	{
		/* GetUserMapping has no missing_ok; look the mapping up ourselves */
		Oid			umid;

		umid = GetSysCacheOid2(USERMAPPINGUSERSERVER, Anum_pg_user_mapping_oid,
							   ObjectIdGetDatum(userid),
							   ObjectIdGetDatum(opts->serverid));
		if (!OidIsValid(umid))
			umid = GetSysCacheOid2(USERMAPPINGUSERSERVER, Anum_pg_user_mapping_oid,
								   ObjectIdGetDatum(InvalidOid),
								   ObjectIdGetDatum(opts->serverid));
		if (!OidIsValid(umid))
			return NULL;
	}

	um = GetUserMapping(userid, opts->serverid);
	cred = palloc0(sizeof(UkgCredentials));
	cred->umid = um->umid;
	cred->userid = userid;
	opts->umid = um->umid;
	foreach(lc, um->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		char	   *value = defGetString(def);

		if (strcmp(def->defname, "username") == 0)
			cred->username = pstrdup(value);
		else if (strcmp(def->defname, "password") == 0)
			cred->password = pstrdup(value);
		else if (strcmp(def->defname, "customer_api_key") == 0)
			cred->customer_api_key = pstrdup(value);
		else if (strcmp(def->defname, "user_api_key") == 0)
			cred->user_api_key = pstrdup(value);
		else if (strcmp(def->defname, "client_id") == 0)
			cred->client_id = pstrdup(value);
		else if (strcmp(def->defname, "client_secret") == 0)
			cred->client_secret = pstrdup(value);
	}
	return cred;
}

/*
 * ukg_check_credentials
 *		Raise an error naming the first option the auth method needs but the
 *		user mapping lacks.  Never prints a value.
 */
void
ukg_check_credentials(UkgOptions *opts, UkgCredentials *cred)
{
	const char *missing = NULL;

	if (opts->auth_method == UKG_AUTH_BASIC)
		missing = cred->username == NULL ? "username" :
			cred->password == NULL ? "password" :
			cred->customer_api_key == NULL ? "customer_api_key" : NULL;
	else
		missing = cred->client_id == NULL ? "client_id" :
			cred->client_secret == NULL ? "client_secret" : NULL;

	if (missing)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for user \"%s\" on server \"%s\" has no option \"%s\"",
						OidIsValid(cred->userid) ? GetUserNameFromId(cred->userid, true) : "public",
						opts->server_name, missing),
				 opts->auth_method == UKG_AUTH_BASIC
				 ? errhint("auth_method \"basic\" needs username, password and customer_api_key on the user mapping.")
				 : errhint("auth_method \"oauth2\" needs client_id and client_secret on the user mapping.")));
}

/*
 * ukg_column_json_key
 *		The json_key option of a column, or NULL.  palloc'd.
 */
char *
ukg_column_json_key(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "json_key") == 0)
			return pstrdup(defGetString(def));
	}
	return NULL;
}
