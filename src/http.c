/*-------------------------------------------------------------------------
 *
 * http.c
 *		  HTTP transport of ukg_fdw: the only file that includes libcurl.
 *
 * Transfers go through a pool per user mapping (UkgConnPool, keyed by the
 * mapping's OID as postgres_fdw keys its connections): a curl multi handle,
 * whose connection cache holds the keep-alive connections, a share handle
 * for the DNS and TLS session caches, and idle easy handles.  Connections
 * and TLS sessions are reused across pages and across scans of the same
 * mapping, and a scan can keep several page requests in flight (prefetch);
 * but a connection opened with one mapping's credentials never carries a
 * request of another, so no response can be read under another user's
 * credentials.
 *
 * Rules this file keeps:
 * - Never ereport from inside a curl callback.  Callbacks record what went
 *   wrong in the request and make curl abort; the error is raised after curl
 *   returns.
 * - Every wait (the network or a retry back-off) wakes up at least every
 *   100 ms to CHECK_FOR_INTERRUPTS, so cancel, terminate and
 *   statement_timeout work within about a second, and PostgreSQL reports
 *   its own error for them.
 * - Requests, their header lists (which hold secrets) and their response
 *   buffers live outside palloc.  A reset callback on the owning memory
 *   context detaches and frees them, so an error anywhere frees them too.
 *   Header lists are zeroed before they are freed.
 * - TLS peer and host verification are always on; redirects are never
 *   followed; only http and https are allowed.
 * - No header, URL or form body with a control character is ever handed to
 *   curl (the validator rejects them in options; this is the second line).
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#if PG_VERSION_NUM >= 140000
#include "utils/wait_event.h"
#endif

#include "ukg_fdw.h"

/* Longest a single wait lasts before interrupts are checked again */
#define UKG_POLL_MS		100

/* Idle easy handles kept for reuse, per pool */
#define UKG_HANDLE_POOL	16

/* Pools kept; beyond this the least recently used idle ones are closed */
#define UKG_MAX_IDLE_POOLS	8

/*
 * The connections of one user mapping.  Entries live in a backend-local
 * hash in TopMemoryContext; an entry is never removed while a request uses
 * it (nrequests > 0), so requests may point to it.
 */
typedef struct UkgConnPool
{
	Oid			umid;			/* hash key: user mapping OID */
	CURLM	   *multi;			/* its connection cache: keep-alive, HTTP/2 */
	CURLSH	   *share;			/* DNS and TLS session caches */
	CURL	   *idle[UKG_HANDLE_POOL];
	int			nidle;
	int			nrequests;		/* requests holding an easy handle */
	bool		invalid;		/* mapping changed: close once idle */
	uint32		mapping_hash;	/* syscache hash value, for invalidation */
	uint64		last_used;
} UkgConnPool;

struct UkgHttpRequest
{
	UkgConnPool *pool;			/* the user mapping's pool */
	CURL	   *easy;			/* NULL once released */
	struct curl_slist *headers; /* malloc'd by curl; may hold secrets */
	char	   *post_body;		/* malloc'd; may hold secrets */
	char	   *url;			/* palloc'd */
	UkgHttpStats *stats;		/* where to count, or NULL */
	Oid			serverid;		/* for max_requests_per_minute */
	int			max_per_minute; /* 0: no shared rate limit */

	/* settings copied from the options */
	int			max_retries;
	int			max_retry_wait_ms;
	size_t		max_size;

	/* state of the current attempt */
	bool		in_multi;		/* attached to the multi handle */
	bool		done;			/* the attempt has completed */
	CURLcode	result;
	long		status;
	char	   *body;			/* malloc'd response buffer */
	size_t		len;
	size_t		cap;
	bool		too_large;		/* body exceeded max_size */
	bool		interrupted;	/* aborted because an interrupt is pending */
	int			retry_after_ms; /* from Retry-After, or -1 */
	char		content_type[128];
	char		errbuf[CURL_ERROR_SIZE];
	int			attempts;
	instr_time	started;
	bool		retry_pending;	/* back-off decided by ukg_http_ready */
	int64		retry_at_us;	/* when it ends (INSTR_TIME_GET_MICROSEC) */

	MemoryContextCallback cb;
};

static bool curl_ready = false;
static HTAB *conn_pools = NULL;
static uint64 pool_clock = 0;
static uint32 ukg_wait_event = PG_WAIT_EXTENSION;

static void ukg_http_free(void *arg);
static void pool_close(UkgConnPool *pool);

/*
 * pool_invalidate
 *		Syscache callback: a user mapping changed or was dropped.  Its pool
 *		is closed (at once if idle, else when its last request ends), so a
 *		mapping OID reused by a later mapping never inherits connections.
 */
static void
pool_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	UkgConnPool *pool;

	if (conn_pools == NULL)
		return;
	hash_seq_init(&scan, conn_pools);
	while ((pool = (UkgConnPool *) hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue != 0 && pool->mapping_hash != hashvalue)
			continue;
		pool->invalid = true;
		if (pool->nrequests == 0)
			pool_close(pool);
	}
}

/*
 * ensure_curl
 *		Set up libcurl and the hash of connection pools.  They live as long
 *		as the backend.
 */
static void
ensure_curl(void)
{
	HASHCTL		ctl;

	if (curl_ready)
		return;
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not initialize libcurl")));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(UkgConnPool);
	ctl.hcxt = TopMemoryContext;
	conn_pools = hash_create("ukg_fdw connection pools", 8, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, pool_invalidate, (Datum) 0);
#if PG_VERSION_NUM >= 170000
	/* pg_stat_activity shows "UkgFdwHttp"; before 17 just "Extension" */
	ukg_wait_event = WaitEventExtensionNew("UkgFdwHttp");
#endif
	curl_ready = true;
}

/*
 * pool_close
 *		Close an idle pool's connections and forget it.
 */
static void
pool_close(UkgConnPool *pool)
{
	Oid			umid = pool->umid;

	Assert(pool->nrequests == 0);
	while (pool->nidle > 0)
		curl_easy_cleanup(pool->idle[--pool->nidle]);
	if (pool->multi)
		curl_multi_cleanup(pool->multi);
	if (pool->share)
		curl_share_cleanup(pool->share);
	hash_search(conn_pools, &umid, HASH_REMOVE, NULL);
}

/*
 * pool_trim
 *		Make room for a new pool: close the least recently used idle pools
 *		until fewer than UKG_MAX_IDLE_POOLS remain (pools in use are never
 *		closed, so more may exist while requests of many mappings run).
 */
static void
pool_trim(void)
{
	while (hash_get_num_entries(conn_pools) >= UKG_MAX_IDLE_POOLS)
	{
		HASH_SEQ_STATUS scan;
		UkgConnPool *pool;
		UkgConnPool *oldest = NULL;

		hash_seq_init(&scan, conn_pools);
		while ((pool = (UkgConnPool *) hash_seq_search(&scan)) != NULL)
			if (pool->nrequests == 0 &&
				(oldest == NULL || pool->last_used < oldest->last_used))
				oldest = pool;
		if (oldest == NULL)
			break;
		pool_close(oldest);
	}
}

/*
 * get_pool
 *		The connection pool of a user mapping, created if needed.
 */
static UkgConnPool *
get_pool(Oid umid)
{
	UkgConnPool *pool;
	bool		found;

	ensure_curl();
	pool = hash_search(conn_pools, &umid, HASH_FIND, NULL);
	if (pool && pool->invalid && pool->nrequests == 0)
	{
		pool_close(pool);
		pool = NULL;
	}
	if (pool == NULL)
	{
		CURLM	   *multi;
		CURLSH	   *share;

		pool_trim();
		multi = curl_multi_init();
		if (multi == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		share = curl_share_init();
		if (share)
		{
			curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
			curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
		}
		curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) UKG_MAX_PREFETCH);
		curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long) UKG_MAX_PREFETCH * 2);

		pool = hash_search(conn_pools, &umid, HASH_ENTER, &found);
		Assert(!found);
		pool->multi = multi;
		pool->share = share;
		pool->nidle = 0;
		pool->nrequests = 0;
		pool->invalid = false;
		pool->mapping_hash = GetSysCacheHashValue1(USERMAPPINGOID,
												   ObjectIdGetDatum(umid));
	}
	pool->last_used = ++pool_clock;
	return pool;
}

const char *
ukg_curl_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}

/*
 * ukg_user_agent
 *		"ukg_fdw/<version>", plus ukg_fdw.user_agent_suffix when set.
 *		palloc'd.
 */
char *
ukg_user_agent(void)
{
	if (ukg_user_agent_suffix && ukg_user_agent_suffix[0])
		return psprintf("ukg_fdw/%s %s", UKG_FDW_VERSION, ukg_user_agent_suffix);
	return psprintf("ukg_fdw/%s", UKG_FDW_VERSION);
}

/*
 * ukg_url_encode
 *		Percent-encode a query parameter value.  palloc'd.
 */
char *
ukg_url_encode(const char *s)
{
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			*p == '.' || *p == '~')
			appendStringInfoChar(&buf, *p);
		else
			appendStringInfo(&buf, "%%%02X", *p);
	}
	return buf.data;
}

/* curl callbacks: they must never ereport */

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	UkgHttpRequest *req = (UkgHttpRequest *) userp;
	size_t		n = size * nmemb;

	if (req->len + n > req->max_size)
	{
		req->too_large = true;
		return 0;				/* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (req->len + n + 1 > req->cap)
	{
		size_t		newcap = Max(req->cap * 2, 64 * 1024);
		char	   *nb;

		while (newcap < req->len + n + 1)
			newcap *= 2;
		newcap = Min(newcap, req->max_size + 1);
		nb = realloc(req->body, newcap);
		if (nb == NULL)
			return 0;
		req->body = nb;
		req->cap = newcap;
	}
	memcpy(req->body + req->len, data, n);
	req->len += n;
	req->body[req->len] = '\0';
	return n;
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	UkgHttpRequest *req = (UkgHttpRequest *) userp;
	size_t		n = size * nmemb;

	if (n > 12 && pg_strncasecmp(data, "Retry-After:", 12) == 0)
	{
		char		value[64];
		size_t		vlen = Min(n - 12, sizeof(value) - 1);
		char	   *v = value;
		time_t		when;

		memcpy(value, data + 12, vlen);
		value[vlen] = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\r\n")] = '\0';
		if (*v >= '0' && *v <= '9')
			req->retry_after_ms = (int) Min(strtol(v, NULL, 10), 86400L) * 1000;
		else if ((when = curl_getdate(v, NULL)) > 0)
		{
			time_t		now = time(NULL);

			req->retry_after_ms = when > now ? (int) Min(when - now, 86400) * 1000 : 0;
		}
	}
	return n;
}

static int
xferinfo_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	UkgHttpRequest *req = (UkgHttpRequest *) userp;

	/*
	 * Abort only for the interrupts that end the query; others (sinval
	 * catch-up, barriers, notifications) are served between polls without
	 * disturbing the transfer.
	 */
	if (QueryCancelPending || ProcDiePending)
	{
		req->interrupted = true;
		return 1;				/* abort the transfer */
	}
	return 0;
}

static CURL *
get_handle(UkgConnPool *pool)
{
	CURL	   *easy;

	if (pool->nidle > 0)
	{
		easy = pool->idle[--pool->nidle];
		curl_easy_reset(easy);
		return easy;
	}
	easy = curl_easy_init();
	if (easy == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return easy;
}

/*
 * put_handle
 *		Return a handle to its pool, or clean it up.  A handle whose transfer
 *		did not complete normally is never reused.
 */
static void
put_handle(UkgConnPool *pool, CURL *easy, bool reusable)
{
	if (reusable && !pool->invalid && pool->nidle < UKG_HANDLE_POOL)
		pool->idle[pool->nidle++] = easy;
	else
		curl_easy_cleanup(easy);
}

static void
detach(UkgHttpRequest *req)
{
	if (req->in_multi)
	{
		curl_multi_remove_handle(req->pool->multi, req->easy);
		req->in_multi = false;
	}
}

static void
zero_free_headers(struct curl_slist *list)
{
	struct curl_slist *item;

	for (item = list; item; item = item->next)
		explicit_bzero(item->data, strlen(item->data));
	curl_slist_free_all(list);
}

/*
 * ukg_http_free
 *		Reset callback of the owner context: detach and free everything the
 *		request holds outside palloc.  Also called directly on success.
 */
static void
ukg_http_free(void *arg)
{
	UkgHttpRequest *req = (UkgHttpRequest *) arg;

	if (req->easy)
	{
		bool		reusable = !req->in_multi && req->done &&
			req->result == CURLE_OK;

		detach(req);
		put_handle(req->pool, req->easy, reusable);
		req->easy = NULL;
		req->pool->nrequests--;
		if (req->pool->invalid && req->pool->nrequests == 0)
			pool_close(req->pool);
		req->pool = NULL;
	}
	if (req->headers)
	{
		zero_free_headers(req->headers);
		req->headers = NULL;
	}
	if (req->post_body)
	{
		explicit_bzero(req->post_body, strlen(req->post_body));
		free(req->post_body);
		req->post_body = NULL;
		/* the answer to a POST (a token request) holds a token */
		if (req->body)
			explicit_bzero(req->body, req->len);
	}
	free(req->body);
	req->body = NULL;
	req->len = req->cap = 0;
}

/*
 * attach
 *		(Re)start the current attempt of a request.
 */
static void
attach(UkgHttpRequest *req)
{
	CURLMcode	mc;
	int			running;

	req->done = false;
	req->result = CURLE_OK;
	req->status = 0;
	req->len = 0;
	req->too_large = false;
	req->interrupted = false;
	req->retry_after_ms = -1;
	req->content_type[0] = '\0';
	req->errbuf[0] = '\0';
	req->attempts++;

	/* data requests take their turn under max_requests_per_minute */
	if (req->max_per_minute > 0 && req->post_body == NULL)
		ukg_rate_limit_wait(req->serverid, req->max_per_minute, req->stats);
	INSTR_TIME_SET_CURRENT(req->started);

	mc = curl_multi_add_handle(req->pool->multi, req->easy);
	if (mc != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not start UKG API request"),
				 errdetail_internal("%s", curl_multi_strerror(mc))));
	req->in_multi = true;
	if (req->stats)
		req->stats->requests++;

	/* send it now, not when the scan next waits */
	(void) curl_multi_perform(req->pool->multi, &running);
}

/*
 * check_request
 *		Refuse a request whose URL, headers, User-Agent or form body holds a
 *		control character (CR and LF above all, which would end a header and
 *		start another header or another request).  The validator and the GUC
 *		check hook already refuse such values; this is the second line of
 *		defence, for values from elsewhere (the token endpoint's answer, a
 *		catalog row written directly).  The message names the header, never
 *		its value; on error the headers are zeroed, as they may hold secrets.
 */
static void
check_request(const UkgOptions *opts, const char *url, List *headers,
			  const char *post_body)
{
	ListCell   *lc;
	const char *bad = NULL;
	char		name[64];

	foreach(lc, headers)
	{
		const char *h = (const char *) lfirst(lc);

		if (ukg_has_control_char(h))
		{
			size_t		n = strcspn(h, ":");
			size_t		i;

			/* the name, up to the colon, printable characters only */
			for (i = 0; i < n && i < sizeof(name) - 1; i++)
				name[i] = ((unsigned char) h[i] < 0x20 || (unsigned char) h[i] >= 0x7F)
					? '?' : h[i];
			name[i] = '\0';
			bad = psprintf("header \"%s\"", name);
			break;
		}
	}
	if (bad == NULL && ukg_user_agent_suffix && ukg_has_control_char(ukg_user_agent_suffix))
		bad = "header \"User-Agent\"";
	if (bad == NULL && ukg_has_control_char(url))
		bad = "URL";
	if (bad == NULL && post_body && ukg_has_control_char(post_body))
		bad = "body";
	if (bad == NULL)
		return;

	foreach(lc, headers)
	{
		char	   *h = (char *) lfirst(lc);

		explicit_bzero(h, strlen(h));
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("UKG request %s for server \"%s\" contains a control character",
					bad, opts->server_name),
			 errdetail("No request was sent."),
			 errhint("Check the options of the server, the table and the user mapping, and ukg_fdw.user_agent_suffix.")));
}

/*
 * ukg_headers_copy
 *		ukg_http_start zeroes the header strings it is given, so a caller
 *		that keeps its authentication headers gives each request a copy,
 *		palloc'd in the current memory context.
 */
List *
ukg_headers_copy(List *headers)
{
	List	   *copy = NIL;
	ListCell   *lc;

	foreach(lc, headers)
		copy = lappend(copy, pstrdup((char *) lfirst(lc)));
	return copy;
}

/*
 * ukg_headers_zero
 *		Zero header strings that may hold secrets before their memory is
 *		freed or reset.
 */
void
ukg_headers_zero(List *headers)
{
	ListCell   *lc;

	foreach(lc, headers)
		explicit_bzero(lfirst(lc), strlen((char *) lfirst(lc)));
}

/*
 * ukg_http_start
 *		Start a GET (or, with post_body, a form POST) without waiting.
 *
 * headers is a List of "Name: value" strings; they are copied, and the
 * originals are zeroed because they may hold secrets.  The request belongs
 * to the owner memory context: deleting or resetting it cancels and frees
 * the request.  It runs in the pool of opts->umid, the user mapping whose
 * credentials the headers carry.
 */
UkgHttpRequest *
ukg_http_start(const UkgOptions *opts, const char *url, List *headers,
			   const char *post_body, MemoryContext owner,
			   UkgHttpStats *stats)
{
	UkgHttpRequest *req;
	ListCell   *lc;
	CURL	   *easy;
	char	   *ua;
	UkgConnPool *pool;

	check_request(opts, url, headers, post_body);
	pool = get_pool(opts->umid);

	req = MemoryContextAllocZero(owner, sizeof(UkgHttpRequest));
	req->url = MemoryContextStrdup(owner, url);
	req->stats = stats;
	req->max_retries = opts->max_retries;
	req->max_retry_wait_ms = opts->max_retry_wait_ms;
	req->max_size = (size_t) opts->max_response_size;
	req->serverid = opts->serverid;
	req->max_per_minute = opts->max_requests_per_minute;
	req->cb.func = ukg_http_free;
	req->cb.arg = req;
	MemoryContextRegisterResetCallback(owner, &req->cb);

	req->easy = easy = get_handle(pool);
	req->pool = pool;
	pool->nrequests++;

	foreach(lc, headers)
	{
		char	   *h = (char *) lfirst(lc);
		struct curl_slist *n = curl_slist_append(req->headers, h);

		explicit_bzero(h, strlen(h));
		if (n == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		req->headers = n;
	}
	if (post_body)
	{
		req->post_body = strdup(post_body);
		if (req->post_body == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
	}

	ua = ukg_user_agent();
	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, ua);	/* curl copies it */
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opts->ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) opts->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long) opts->timeout_ms);
	/* abort a transfer that stalls below 1 byte/s for 30 s (or the timeout) */
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
					 (long) Max(1, Min(opts->timeout_ms / 1000, 30)));
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip");
	/* with HTTP/2, prefetched pages share one connection */
	curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(easy, CURLOPT_XFERINFODATA, req);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
	if (pool->share)
		curl_easy_setopt(easy, CURLOPT_SHARE, pool->share);
	if (req->post_body)
	{
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->post_body);
	}
	pfree(ua);

	attach(req);
	return req;
}

/*
 * drain_messages
 *		Mark the requests that curl reports as completed.
 */
static void
drain_messages(UkgConnPool *pool)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(pool->multi, &left)) != NULL)
	{
		UkgHttpRequest *req = NULL;
		char	   *ct = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &req);
		if (req == NULL)
			continue;
		req->done = true;
		req->result = msg->data.result;
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &req->status);
		if (req->status == 429 && req->stats)
			req->stats->throttled++;
		if (curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
			strlcpy(req->content_type, ct, sizeof(req->content_type));
		detach(req);
		if (req->stats)
		{
			instr_time	now;

			INSTR_TIME_SET_CURRENT(now);
			INSTR_TIME_SUBTRACT(now, req->started);
			req->stats->http_ms += INSTR_TIME_GET_MILLISEC(now);
			req->stats->bytes += req->len;
		}
	}
}

/*
 * pump
 *		Let the transfers of a pool make progress, waiting at most
 *		UKG_POLL_MS for sockets.
 */
static void
pump(UkgConnPool *pool, bool wait)
{
	int			running;
	CURLMcode	mc;

	mc = curl_multi_perform(pool->multi, &running);
	if (mc == CURLM_OK && wait && running > 0)
	{
		pgstat_report_wait_start(ukg_wait_event);
		mc = curl_multi_poll(pool->multi, NULL, 0, UKG_POLL_MS, NULL);
		pgstat_report_wait_end();
		if (mc == CURLM_OK)
			mc = curl_multi_perform(pool->multi, &running);
	}
	if (mc != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not perform UKG API request"),
				 errdetail_internal("%s", curl_multi_strerror(mc))));
	drain_messages(pool);
}

/*
 * sleep_ms
 *		Back off for ms milliseconds, interruptibly.
 */
static void
sleep_ms(long ms)
{
	instr_time	start;

	INSTR_TIME_SET_CURRENT(start);
	for (;;)
	{
		instr_time	now;
		long		left;

		CHECK_FOR_INTERRUPTS();
		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, start);
		left = ms - (long) INSTR_TIME_GET_MILLISEC(now);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(left, 1000L), ukg_wait_event);
		ResetLatch(MyLatch);
	}
}

static bool
transport_retryable(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_COULDNT_CONNECT:
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_SSL_CONNECT_ERROR:
			return true;
		default:
			return false;
	}
}

static bool
status_retryable(long status)
{
	return status == 429 || status == 500 || status == 502 ||
		status == 503 || status == 504;
}

/*
 * backoff_ms
 *		How long to wait before the next attempt: Retry-After when the server
 *		sent one, else 1 s doubling per attempt with +-25% jitter; capped by
 *		max_retry_wait.
 */
static long
backoff_ms(UkgHttpRequest *req)
{
	double		ms;

	if (req->retry_after_ms >= 0)
		ms = req->retry_after_ms;
	else
	{
		ms = 1000.0 * (double) (1 << Min(req->attempts - 1, 16));
		ms *= 0.75 + 0.5 * ((double) random() / (double) PG_INT32_MAX);
	}
	return (long) Min(ms, (double) req->max_retry_wait_ms);
}

/*
 * retry_wait
 *		Is the completed attempt to be retried?  The back-off in ms, counted
 *		as a retry, or -1.
 */
static long
retry_wait(UkgHttpRequest *req, const char *path)
{
	if (req->result != CURLE_OK || status_retryable(req->status))
	{
		bool		retry = req->result != CURLE_OK ?
			transport_retryable(req->result) : true;

		if (retry && req->attempts <= req->max_retries)
		{
			long		wait = backoff_ms(req);

			if (ukg_debug)
				elog(DEBUG1, "ukg_fdw: retrying %s after %ld ms (attempt %d, %s)",
					 path ? path : "an asynchronous scan's request", wait, req->attempts,
					 req->result != CURLE_OK ? curl_easy_strerror(req->result) : "HTTP status");
			if (req->stats)
				req->stats->retries++;
			return wait;
		}
	}
	return -1;
}

/*
 * ukg_http_finish
 *		Wait for a request to complete, retrying transient failures.
 *
 * Returns with the request completed; the caller looks at the status.  A
 * transport failure that survives the retries, an oversized body and an
 * interrupt raise an error here.
 */
void
ukg_http_finish(UkgHttpRequest *req, const UkgRequestContext *ctx)
{
	for (;;)
	{
		if (req->retry_pending)
		{
			/* the rest of a back-off that ukg_http_ready began */
			instr_time	now;
			long		left;

			INSTR_TIME_SET_CURRENT(now);
			left = (long) ((req->retry_at_us - (int64) INSTR_TIME_GET_MICROSEC(now)) / 1000);
			ukg_stats_set_wait(req->stats, UKG_WAIT_BACKOFF);
			if (left > 0)
				sleep_ms(left);
			req->retry_pending = false;
			attach(req);
		}
		ukg_stats_set_wait(req->stats, UKG_WAIT_REQUEST);
		while (!req->done)
		{
			CHECK_FOR_INTERRUPTS();
			pump(req->pool, true);
		}
		ukg_stats_set_wait(req->stats, UKG_WAIT_NONE);
		CHECK_FOR_INTERRUPTS();

		/*
		 * Aborted for an interrupt that, once served, did not end the query
		 * (a cancel that arrived while reading the client, say): start the
		 * attempt again.
		 */
		if (req->interrupted && req->result == CURLE_ABORTED_BY_CALLBACK)
		{
			req->attempts--;
			if (req->stats)
				req->stats->requests--;
			attach(req);
			continue;
		}

		if (req->too_large)
		{
			ukg_stats_failure(req->stats, false, "GET %s: response larger than max_response_size",
							  ctx->path);
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 ctx->relname
					 ? errmsg("UKG API response for foreign table \"%s\" is larger than max_response_size", ctx->relname)
					 : errmsg("UKG API response is larger than max_response_size"),
					 errdetail("The response exceeded %zu bytes.", req->max_size),
					 errhint("Lower page_size on the table, or raise max_response_size on server \"%s\".", ctx->server_name),
					 ctx->page > 0 ? errcontext("GET %s, page %d", ctx->path, ctx->page) : 0));
		}

		{
			long		wait = retry_wait(req, ctx->path);

			if (wait >= 0)
			{
				ukg_stats_set_wait(req->stats, UKG_WAIT_BACKOFF);
				sleep_ms(wait);
				attach(req);
				continue;
			}
		}
		break;
	}

	if (req->result != CURLE_OK)
	{
		const char *what = req->errbuf[0] ? req->errbuf : curl_easy_strerror(req->result);

		ukg_stats_failure(req->stats, false, "%s %s: %s (after %d attempts)",
						  ctx->is_token ? "POST" : "GET", ctx->path, what, req->attempts);
		if (req->result == CURLE_PARTIAL_FILE)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_CREATE_REPLY),
					 ctx->relname
					 ? errmsg("UKG API response for foreign table \"%s\" is truncated", ctx->relname)
					 : errmsg("UKG API response is truncated"),
					 errdetail_internal("%s (after %d attempts)", what, req->attempts),
					 ctx->page > 0 ? errcontext("GET %s, page %d", ctx->path, ctx->page) : 0));
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 ctx->is_token
				 ? errmsg("could not reach the UKG token endpoint of server \"%s\"", ctx->server_name)
				 : errmsg("could not reach UKG server \"%s\"", ctx->server_name),
				 req->attempts > 1
				 ? errdetail_internal("%s (after %d attempts)", what, req->attempts)
				 : errdetail_internal("%s", what),
				 errhint("Check base_url, the network path to the UKG host and, for TLS errors, ca_file."),
				 ctx->page > 0 ? errcontext("GET %s, page %d", ctx->path, ctx->page) : 0));
	}
}

long
ukg_http_status(UkgHttpRequest *req)
{
	return req->status;
}

/*
 * ukg_http_body
 *		The response body (NUL-terminated) and its length.  Owned by the
 *		request; valid until ukg_http_cancel or the owner's reset.
 */
const char *
ukg_http_body(UkgHttpRequest *req, size_t *len)
{
	*len = req->len;
	return req->body ? req->body : "";
}

const char *
ukg_http_content_type(UkgHttpRequest *req)
{
	return req->content_type;
}

/*
 * ukg_http_cancel
 *		Abandon a request, in flight or not.  Its connection is closed if the
 *		transfer had not completed.
 */
void
ukg_http_cancel(UkgHttpRequest *req)
{
	ukg_http_free(req);
}

/*
 * ukg_http_progress
 *		Let the transfers in flight make progress without waiting, so that
 *		prefetched pages arrive while the scan converts the current one.
 *		Errors are left for ukg_http_finish to report.
 */
void
ukg_http_progress(void)
{
	int			running;
	HASH_SEQ_STATUS scan;
	UkgConnPool *pool;

	if (conn_pools == NULL)
		return;
	hash_seq_init(&scan, conn_pools);
	while ((pool = (UkgConnPool *) hash_seq_search(&scan)) != NULL)
		if (pool->nrequests > 0 &&
			curl_multi_perform(pool->multi, &running) == CURLM_OK)
			drain_messages(pool);
}

int
ukg_http_attempts(UkgHttpRequest *req)
{
	return req->attempts;
}

/*
 * ukg_http_raise_status
 *		Raise the error that a non-2xx status calls for.
 */
void
ukg_http_raise_status(UkgHttpRequest *req, const UkgRequestContext *ctx)
{
	long		status = req->status;
	char	   *remote = ukg_json_error_message(req->body ? req->body : "", req->len);
	char		attempts[64] = "";
	int			code;
	const char *hint = NULL;

	if (req->attempts > 1)
		snprintf(attempts, sizeof(attempts), " after %d attempts", req->attempts);
	ukg_stats_failure(req->stats, status == 429, "%s %s%s: HTTP status %ld%s",
					  ctx->is_token ? "POST" : "GET", ctx->path,
					  ctx->page > 0 ? psprintf(", page %d", ctx->page) : "",
					  status, attempts);

	switch (status)
	{
		case 400:
			code = ERRCODE_FDW_ERROR;
			hint = ctx->is_token
				? "Check the token request fields: client_id, client_secret, audience and organization."
				: "Check the table's params option and the filters pushed down; EXPLAIN VERBOSE shows the request.";
			break;
		case 401:
			code = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
			if (ctx->is_token)
				hint = "Check client_id and client_secret on the user mapping, and audience and token_url on the server.";
			else if (ctx->auth_method == UKG_AUTH_OAUTH2)
				hint = "Check tenant_id and audience on the server, and client_id and client_secret on the user mapping.";
			else
				hint = "Check username, password, customer_api_key and user_api_key on the user mapping; the account must be a UKG Pro web service account.";
			break;
		case 403:
			code = ERRCODE_INSUFFICIENT_PRIVILEGE;
			break;
		case 404:
			code = ERRCODE_FDW_TABLE_NOT_FOUND;
			hint = ctx->is_token
				? "Check the server's token_url."
				: "Check the table's resource option and the server's base_url (the service host, such as \"https://service4.ultipro.com\").";
			break;
		case 429:
			code = ERRCODE_FDW_ERROR;
			hint = "UKG is rate limiting this account; retry later, filter the query, or raise max_retries and max_retry_wait on the server.";
			break;
		default:
			code = ERRCODE_FDW_ERROR;
			if (status >= 500)
				hint = "The UKG service failed; retry later, or raise max_retries on the server.";
			break;
	}

	if (status == 403 && !ctx->is_token)
		ereport(ERROR,
				(errcode(code),
				 errmsg("permission denied for UKG resource \"%s\"", ctx->path),
				 remote ? errdetail_internal("UKG answered HTTP status 403: %s", remote) :
				 errdetail("UKG answered HTTP status 403."),
				 ctx->auth_method == UKG_AUTH_OAUTH2
				 ? (ctx->permission
					? errhint("Grant the integration View access to the \"%s\" web service in UKG Pro, and check the server's tenant_id.", ctx->permission)
					: errhint("Grant the integration View access to the UKG web service that serves this resource, and check the server's tenant_id."))
				 : ctx->permission
				 ? errhint("Grant the service account View access to the \"%s\" web service in UKG Pro.", ctx->permission)
				 : errhint("Grant the service account View access to the UKG web service that serves this resource."),
				 ctx->relname ? errcontext("foreign table \"%s\"", ctx->relname) : 0));

	if (ctx->is_token)
		ereport(ERROR,
				(errcode(code),
				 errmsg("UKG token request for server \"%s\" failed with HTTP status %ld%s",
						ctx->server_name, status, attempts),
				 remote ? errdetail_internal("UKG answered: %s", remote) : 0,
				 hint ? errhint("%s", hint) : 0));

	ereport(ERROR,
			(errcode(code),
			 ctx->relname
			 ? errmsg("UKG API request for foreign table \"%s\" failed with HTTP status %ld%s",
					  ctx->relname, status, attempts)
			 : errmsg("UKG API request to server \"%s\" failed with HTTP status %ld%s",
					  ctx->server_name, status, attempts),
			 remote ? errdetail_internal("UKG answered: %s", remote) : 0,
			 hint ? errhint("%s", hint) : 0,
			 ctx->page > 0 ? errcontext("GET %s, page %d", ctx->path, ctx->page) : 0,
			 ctx->page > 0 ? 0 : errcontext("GET %s", ctx->path)));
}

/*
 * ukg_http_probe
 *		Connect to the host of url (DNS, TCP and TLS) without sending a
 *		request.  Returns true on success; otherwise *detail says why.
 *
 * The probe runs on a private multi handle (so its connection joins no
 * pool) and waits as the scans do, at most UKG_POLL_MS at a time, so
 * cancel and statement_timeout interrupt it.
 */
bool
ukg_http_probe(const char *url, const UkgOptions *opts, char **detail)
{
	CURLM	   *volatile multi = NULL;
	CURL	   *volatile easy = NULL;
	volatile CURLcode rc = CURLE_OK;
	volatile bool done = false;
	char		errbuf[CURL_ERROR_SIZE] = "";

	ensure_curl();
	if (ukg_has_control_char(url))
	{
		*detail = pstrdup("The URL contains a control character.");
		return false;
	}
	multi = curl_multi_init();
	easy = curl_easy_init();
	if (multi == NULL || easy == NULL)
	{
		if (easy)
			curl_easy_cleanup(easy);
		if (multi)
			curl_multi_cleanup(multi);
		*detail = pstrdup("out of memory");
		return false;
	}
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) opts->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	if (opts->ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, opts->ca_file);

	PG_TRY();
	{
		int			running;
		CURLMcode	mc = curl_multi_add_handle(multi, easy);

		while (mc == CURLM_OK && !done)
		{
			CURLMsg    *msg;
			int			left;

			CHECK_FOR_INTERRUPTS();
			mc = curl_multi_perform(multi, &running);
			while (mc == CURLM_OK && (msg = curl_multi_info_read(multi, &left)) != NULL)
			{
				if (msg->msg == CURLMSG_DONE)
				{
					rc = msg->data.result;
					done = true;
				}
			}
			if (mc == CURLM_OK && !done)
			{
				pgstat_report_wait_start(ukg_wait_event);
				mc = curl_multi_poll(multi, NULL, 0, UKG_POLL_MS, NULL);
				pgstat_report_wait_end();
			}
		}
		if (!done)
		{
			rc = CURLE_FAILED_INIT;
			snprintf(errbuf, sizeof(errbuf), "%s", curl_multi_strerror(mc));
		}
	}
	PG_FINALLY();
	{
		curl_multi_remove_handle(multi, easy);
		curl_easy_cleanup(easy);
		curl_multi_cleanup(multi);
	}
	PG_END_TRY();

	if (rc == CURLE_OK)
		return true;
	*detail = pstrdup(errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return false;
}

/*
 * Asynchronous scans (src/async.c)
 *
 * ukg_http_ready tells, without waiting, whether ukg_http_finish would
 * return at once; it starts a retry's back-off without sleeping, and the
 * retry when the back-off is over, so that other scans go on meanwhile (the
 * wait descriptor's timer wakes the scan at least every UKG_POLL_MS to look
 * at the clock).  ukg_http_wait_fd
 * gives a descriptor that the executor's
 * wait event set can wait on: an epoll descriptor holding the sockets curl
 * currently waits on (from curl_multi_fdset) and a timerfd armed for curl's
 * next timeout, at most UKG_POLL_MS away (at once when "now": a scan
 * can already make progress).  The timer matters: PostgreSQL's
 * Append may wait with no timeout, and without it curl's connect and
 * transfer timeouts would never fire and a cancel would wait for the next
 * byte from the network.  Linux only; elsewhere it returns -1 and scans
 * stay synchronous.
 */
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define UKG_MAX_WAIT_FDS	64

static int	wait_epfd = -1;
static int	wait_timerfd = -1;
static int	wait_fds[UKG_MAX_WAIT_FDS];
static int	wait_nfds = 0;
#endif

bool
ukg_http_ready(UkgHttpRequest *req)
{
	instr_time	now;
	long		wait;

	if (req->easy == NULL)
		return true;
	if (req->retry_pending)
	{
		/* a back-off in progress: the other scans go on meanwhile */
		INSTR_TIME_SET_CURRENT(now);
		if ((int64) INSTR_TIME_GET_MICROSEC(now) < req->retry_at_us)
			return false;
		req->retry_pending = false;
		ukg_stats_set_wait(req->stats, UKG_WAIT_NONE);
		attach(req);
	}
	if (!req->done)
	{
		pump(req->pool, false);
		if (!req->done)
			return false;
	}
	/* ukg_http_finish handles interrupts and oversized bodies */
	if ((req->interrupted && req->result == CURLE_ABORTED_BY_CALLBACK) ||
		req->too_large)
		return true;
	wait = retry_wait(req, NULL);
	if (wait < 0)
		return true;
	INSTR_TIME_SET_CURRENT(now);
	req->retry_at_us = (int64) INSTR_TIME_GET_MICROSEC(now) + (int64) wait * 1000;
	req->retry_pending = true;
	ukg_stats_set_wait(req->stats, UKG_WAIT_BACKOFF);
	return false;
}

int
ukg_http_wait_fd(bool now)
{
#ifdef __linux__
	fd_set		rd,
				wr,
				ex;
	int			maxfd = -1;
	int			fd;
	long		timeout_ms = -1;
	struct itimerspec its = {{0, 0}, {0, 0}};
	uint64		ticks;
	int			i;
	HASH_SEQ_STATUS scan;
	UkgConnPool *pool;

	ensure_curl();
	if (wait_epfd < 0)
	{
		struct epoll_event ev = {0};

		wait_epfd = epoll_create1(EPOLL_CLOEXEC);
		if (wait_epfd < 0)
			return -1;
		wait_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		ev.events = EPOLLIN;
		ev.data.fd = wait_timerfd;
		if (wait_timerfd < 0 ||
			epoll_ctl(wait_epfd, EPOLL_CTL_ADD, wait_timerfd, &ev) != 0)
		{
			if (wait_timerfd >= 0)
				close(wait_timerfd);
			close(wait_epfd);
			wait_epfd = wait_timerfd = -1;
			return -1;
		}
	}

	/* the sockets curl waits on now replace the previous ones */
	for (i = 0; i < wait_nfds; i++)
		(void) epoll_ctl(wait_epfd, EPOLL_CTL_DEL, wait_fds[i], NULL);
	wait_nfds = 0;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	/* every user mapping's pool with transfers: each has its own sockets */
	if (conn_pools != NULL)
		hash_seq_init(&scan, conn_pools);
	while (conn_pools != NULL &&
		   (pool = (UkgConnPool *) hash_seq_search(&scan)) != NULL)
	{
		long		pool_timeout = -1;
		int			pool_maxfd = -1;

		if (pool->nrequests == 0)
			continue;
		/* curl sets (not raises) the highest descriptor of this pool */
		if (curl_multi_fdset(pool->multi, &rd, &wr, &ex, &pool_maxfd) == CURLM_OK &&
			pool_maxfd > maxfd)
			maxfd = pool_maxfd;
		/* curl's next timeout over all pools */
		if (curl_multi_timeout(pool->multi, &pool_timeout) == CURLM_OK &&
			pool_timeout >= 0 && (timeout_ms < 0 || pool_timeout < timeout_ms))
			timeout_ms = pool_timeout;
	}
	for (fd = 0; fd <= maxfd && wait_nfds < UKG_MAX_WAIT_FDS; fd++)
	{
		struct epoll_event ev = {0};

		if (FD_ISSET(fd, &rd))
			ev.events |= EPOLLIN;
		if (FD_ISSET(fd, &wr))
			ev.events |= EPOLLOUT;
		if (FD_ISSET(fd, &ex))
			ev.events |= EPOLLPRI;
		if (ev.events == 0)
			continue;
		ev.data.fd = fd;
		if (epoll_ctl(wait_epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
			wait_fds[wait_nfds++] = fd;
	}

	/* and at least every UKG_POLL_MS for interrupts */
	if (timeout_ms < 0 || timeout_ms > UKG_POLL_MS)
		timeout_ms = UKG_POLL_MS;
	if (timeout_ms == 0 || now)
		its.it_value.tv_nsec = 1;	/* zero would disarm the timer */
	else
	{
		its.it_value.tv_sec = timeout_ms / 1000;
		its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L;
	}
	if (read(wait_timerfd, &ticks, sizeof(ticks)) < 0)
		ticks = 0;				/* not expired: nothing to drain */
	(void) timerfd_settime(wait_timerfd, 0, &its, NULL);
	return wait_epfd;
#else
	return -1;
#endif
}
