/*-------------------------------------------------------------------------
 *
 * auth.c
 *		  Authentication of ukg_fdw requests: Basic auth with UKG's API key
 *		  headers, and OAuth 2.0 client credentials with a token cache.
 *
 * The token cache follows postgres_fdw's connection cache: a backend-local
 * hash keyed by user mapping OID (so a PUBLIC mapping is one entry, and two
 * mappings never share a token), in CacheMemoryContext.  Syscache callbacks
 * on FOREIGNSERVEROID and USERMAPPINGOID drop the affected entries, so an
 * ALTER SERVER or ALTER USER MAPPING (a rotated secret) takes effect on the
 * next query in the same session.  Tokens are refreshed shortly before they
 * expire, and zeroed when they are dropped.  Tokens are never printed.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/auth.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_user_mapping.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "ukg_fdw.h"

/* Token lifetime assumed when the token endpoint sends no expires_in */
#define UKG_DEFAULT_EXPIRES_IN	3600

typedef struct TokenEntry
{
	Oid			umid;			/* hash key: user mapping OID */
	Oid			serverid;
	Oid			userid;			/* mapping's user, InvalidOid for PUBLIC */
	char	   *token;			/* in CacheMemoryContext; NULL if none */
	TimestampTz expires_at;
	TimestampTz refresh_at;		/* fetch a new token after this */
	int64		token_requests;
	int64		requests;
	uint32		server_hash;	/* syscache hash values, for invalidation */
	uint32		mapping_hash;
} TokenEntry;

static HTAB *token_cache = NULL;

PG_FUNCTION_INFO_V1(ukg_fdw_tokens);
PG_FUNCTION_INFO_V1(ukg_fdw_clear_tokens);

static void
drop_entry(TokenEntry *entry)
{
	if (entry->token)
	{
		explicit_bzero(entry->token, strlen(entry->token));
		pfree(entry->token);
		entry->token = NULL;
	}
	hash_search(token_cache, &entry->umid, HASH_REMOVE, NULL);
}

/*
 * invalidate_callback
 *		Drop the tokens of a changed server or user mapping.
 */
static void
invalidate_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	TokenEntry *entry;

	if (token_cache == NULL)
		return;
	hash_seq_init(&scan, token_cache);
	while ((entry = (TokenEntry *) hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hash == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hash == hashvalue))
			drop_entry(entry);
	}
}

void
ukg_auth_init(void)
{
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidate_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate_callback, (Datum) 0);
}

static void
ensure_cache(void)
{
	HASHCTL		ctl;

	if (token_cache)
		return;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(TokenEntry);
	ctl.hcxt = CacheMemoryContext;
	token_cache = hash_create("ukg_fdw tokens", 8, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * base64
 *		Standard base64 of len bytes.  palloc'd.
 */
static char *
base64(const char *src, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char	   *out = palloc(((len + 2) / 3) * 4 + 1);
	char	   *o = out;
	size_t		i;

	for (i = 0; i + 2 < len; i += 3)
	{
		uint32		v = ((unsigned char) src[i] << 16) |
			((unsigned char) src[i + 1] << 8) | (unsigned char) src[i + 2];

		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < len)
	{
		uint32		v = (unsigned char) src[i] << 16;

		if (i + 1 < len)
			v |= (unsigned char) src[i + 1] << 8;
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static void
append_form(StringInfo buf, const char *name, const char *value)
{
	char	   *enc = ukg_url_encode(value);

	appendStringInfo(buf, "%s%s=%s", buf->len > 0 ? "&" : "", name, enc);
	explicit_bzero(enc, strlen(enc));
	pfree(enc);
}

/*
 * check_token_url
 *		Check token_url again when it is used, as scans check base_url: its
 *		host must still be allowed by ukg_fdw.allowed_hosts (which may have
 *		changed since the server was created), and it must use https unless
 *		the host is a loopback address.  Raised before any request, so the
 *		client secret never goes to a host that is no longer allowed.
 */
static void
check_token_url(UkgOptions *opts)
{
	char	   *scheme;
	char	   *host;

	if (!ukg_url_host(opts->token_url, &scheme, &host) || !ukg_host_allowed(host))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("token_url host of server \"%s\" is not allowed by ukg_fdw.allowed_hosts",
						opts->server_name),
				 errhint("A superuser can add the host to the ukg_fdw.allowed_hosts setting.")));
	if (strcmp(scheme, "https") != 0 &&
		!(strcmp(scheme, "http") == 0 && ukg_is_loopback(host)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("token_url of server \"%s\" must use https", opts->server_name)));
}

/*
 * fetch_token
 *		POST the client credentials grant to token_url and store the token
 *		in entry.
 */
static void
fetch_token(UkgOptions *opts, UkgCredentials *cred, TokenEntry *entry,
			UkgHttpStats *stats)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "ukg_fdw token request",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	StringInfoData form;
	List	   *headers;
	UkgHttpRequest *req;
	UkgRequestContext ctx = {0};
	const char *body;
	size_t		len;
	char	   *token;
	char	   *token_type;
	int			expires_in;
	char	   *error;
	TimestampTz now;

	check_token_url(opts);

	initStringInfo(&form);
	append_form(&form, "grant_type", "client_credentials");
	append_form(&form, "client_id", cred->client_id);
	append_form(&form, "client_secret", cred->client_secret);
	append_form(&form, "audience", opts->audience);
	if (opts->organization)
		append_form(&form, "organization", opts->organization);

	headers = list_make2(pstrdup("Content-Type: application/x-www-form-urlencoded"),
						 pstrdup("Accept: application/json"));

	ctx.server_name = opts->server_name;
	ctx.path = "token_url";
	ctx.is_token = true;
	ctx.auth_method = UKG_AUTH_OAUTH2;

	req = ukg_http_start(opts, opts->token_url, headers, form.data, tmp, stats);
	explicit_bzero(form.data, form.len);
	ukg_http_finish(req, &ctx);
	entry->token_requests++;

	if (ukg_http_status(req) < 200 || ukg_http_status(req) >= 300)
		ukg_http_raise_status(req, &ctx);

	body = ukg_http_body(req, &len);
	if (!ukg_json_token_response(body, len, &token, &token_type, &expires_in, &error))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("invalid response from the UKG token endpoint of server \"%s\"",
						opts->server_name),
				 errdetail("%s", error),
				 errhint("Check token_url on the server: it must be the Generate Token URL of the UKG Developer Console followed by \"/oauth/token\".")));
	/* the token goes into a header: no CR, LF or other control character */
	if (token[0] == '\0' || ukg_has_control_char(token))
	{
		explicit_bzero(token, strlen(token));
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("invalid response from the UKG token endpoint of server \"%s\"",
						opts->server_name),
				 errdetail("The access_token is empty or contains a control character.")));
	}
	if (token_type && pg_strcasecmp(token_type, "bearer") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
				 errmsg("UKG token endpoint of server \"%s\" returned an unsupported token type \"%s\"",
						opts->server_name, token_type)));

	if (expires_in < 0)
		expires_in = UKG_DEFAULT_EXPIRES_IN;
	now = GetCurrentTimestamp();
	if (entry->token)
	{
		explicit_bzero(entry->token, strlen(entry->token));
		pfree(entry->token);
	}
	entry->token = MemoryContextStrdup(CacheMemoryContext, token);
	explicit_bzero(token, strlen(token));
	entry->expires_at = now + (TimestampTz) expires_in * USECS_PER_SEC;
	/* refresh a minute early, or a quarter of the lifetime for short ones */
	entry->refresh_at = entry->expires_at -
		(TimestampTz) Min(60, expires_in / 4.0) * USECS_PER_SEC;
	if (stats)
		stats->token_requests++;

	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

/*
 * get_entry
 *		The cache entry of a user mapping, created if needed.
 */
static TokenEntry *
get_entry(UkgOptions *opts, UkgCredentials *cred)
{
	TokenEntry *entry;
	bool		found;

	ensure_cache();
	entry = hash_search(token_cache, &cred->umid, HASH_ENTER, &found);
	if (!found)
	{
		HeapTuple	tup;

		entry->serverid = opts->serverid;
		entry->userid = InvalidOid;
		entry->token = NULL;
		entry->expires_at = entry->refresh_at = 0;
		entry->token_requests = entry->requests = 0;
		entry->server_hash = GetSysCacheHashValue1(FOREIGNSERVEROID,
												   ObjectIdGetDatum(opts->serverid));
		entry->mapping_hash = GetSysCacheHashValue1(USERMAPPINGOID,
													ObjectIdGetDatum(cred->umid));
		tup = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(cred->umid));
		if (HeapTupleIsValid(tup))
		{
			entry->userid = ((Form_pg_user_mapping) GETSTRUCT(tup))->umuser;
			ReleaseSysCache(tup);
		}
	}
	return entry;
}

/*
 * ukg_auth_headers
 *		The authentication headers for a data request, as a List of palloc'd
 *		"Name: value" strings (http.c zeroes them once copied).
 *
 * For oauth2 this gets a token from the cache, or a new one when there is
 * none, it is about to expire, or force_new_token is set (after a 401).
 */
List *
ukg_auth_headers(UkgOptions *opts, UkgCredentials *cred, UkgHttpStats *stats,
				 bool force_new_token)
{
	List	   *headers = NIL;

	ukg_check_credentials(opts, cred);
	/* the requests that carry these headers use this mapping's connections */
	opts->umid = cred->umid;
	headers = lappend(headers, pstrdup("Accept: application/json"));
	/* UKG's onboarding guide lists it among the headers every request needs */
	headers = lappend(headers, pstrdup("Content-Type: application/json"));

	if (opts->auth_method == UKG_AUTH_BASIC)
	{
		size_t		ulen = strlen(cred->username);
		size_t		plen = strlen(cred->password);
		char	   *pair = palloc(ulen + plen + 2);
		char	   *enc;

		memcpy(pair, cred->username, ulen);
		pair[ulen] = ':';
		memcpy(pair + ulen + 1, cred->password, plen + 1);
		enc = base64(pair, ulen + plen + 1);
		headers = lappend(headers, psprintf("Authorization: Basic %s", enc));
		explicit_bzero(pair, ulen + plen + 1);
		explicit_bzero(enc, strlen(enc));
		pfree(pair);
		pfree(enc);
		headers = lappend(headers, psprintf("US-Customer-Api-Key: %s", cred->customer_api_key));
		if (cred->user_api_key)
			headers = lappend(headers, psprintf("US-User-Api-Key: %s", cred->user_api_key));
	}
	else
	{
		TokenEntry *entry = get_entry(opts, cred);

		if (entry->token == NULL || force_new_token ||
			GetCurrentTimestamp() >= entry->refresh_at)
		{
			PG_TRY();
			{
				fetch_token(opts, cred, entry, stats);
			}
			PG_CATCH();
			{
				/* a failed fetch leaves no token behind */
				entry = hash_search(token_cache, &cred->umid, HASH_FIND, NULL);
				if (entry)
					drop_entry(entry);
				PG_RE_THROW();
			}
			PG_END_TRY();
		}
		headers = lappend(headers, psprintf("Authorization: Bearer %s", entry->token));
		headers = lappend(headers, psprintf("global-tenant-id: %s", opts->tenant_id));
	}
	return headers;
}

/*
 * ukg_auth_count_request
 *		Count a data request made with a mapping's cached token.
 */
void
ukg_auth_count_request(UkgCredentials *cred)
{
	TokenEntry *entry;

	if (token_cache == NULL)
		return;
	entry = hash_search(token_cache, &cred->umid, HASH_FIND, NULL);
	if (entry)
		entry->requests++;
}

/*
 * ukg_fdw_tokens
 *		List the cached tokens: server, user, expiry and counts; never the
 *		token itself.
 */
Datum
ukg_fdw_tokens(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS scan;
	TokenEntry *entry;

	ukg_init_srf(fcinfo);
	if (token_cache == NULL)
		return (Datum) 0;
	hash_seq_init(&scan, token_cache);
	while ((entry = (TokenEntry *) hash_seq_search(&scan)) != NULL)
	{
		Datum		values[5];
		bool		nulls[5] = {0};
		ForeignServer *server = GetForeignServerExtended(entry->serverid, FSV_MISSING_OK);
		NameData	sname;
		NameData	uname;

		if (server == NULL || entry->token == NULL)
			continue;
		namestrcpy(&sname, server->servername);
		namestrcpy(&uname, OidIsValid(entry->userid) ?
				   GetUserNameFromId(entry->userid, false) : "public");
		values[0] = NameGetDatum(&sname);
		values[1] = NameGetDatum(&uname);
		values[2] = TimestampTzGetDatum(entry->expires_at);
		values[3] = Int64GetDatum(entry->token_requests);
		values[4] = Int64GetDatum(entry->requests);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * ukg_fdw_clear_tokens
 *		Forget the cached tokens of one server (or all, given NULL).
 */
Datum
ukg_fdw_clear_tokens(PG_FUNCTION_ARGS)
{
	Oid			serverid = InvalidOid;
	HASH_SEQ_STATUS scan;
	TokenEntry *entry;
	int			n = 0;

	if (!PG_ARGISNULL(0))
		serverid = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)), false)->serverid;
	if (token_cache == NULL)
		PG_RETURN_INT32(0);
	hash_seq_init(&scan, token_cache);
	while ((entry = (TokenEntry *) hash_seq_search(&scan)) != NULL)
	{
		if (OidIsValid(serverid) && entry->serverid != serverid)
			continue;
		drop_entry(entry);
		n++;
	}
	PG_RETURN_INT32(n);
}
