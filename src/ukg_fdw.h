/*-------------------------------------------------------------------------
 *
 * ukg_fdw.h
 *		  Private declarations shared by the ukg_fdw source files.
 *
 * Library boundaries: only src/http.c includes <curl/curl.h> and only
 * src/ukg_json.c includes json-c (record pages are read by json_scan.c and
 * converted by json_conv.c, which need no JSON library).  Everything else sees their objects as
 * opaque pointers declared here.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/ukg_fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef UKG_FDW_H
#define UKG_FDW_H

#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

#include "ukg_catalog.h"

#define UKG_FDW_VERSION "0.2.0"

/* Bounds and defaults of the tuning options */
#define UKG_MAX_PAGE_SIZE			10000
#define UKG_DEFAULT_PAGE_SIZE		10000
#define UKG_DEFAULT_PREFETCH		2
#define UKG_MAX_PREFETCH			16
#define UKG_DEFAULT_TIMEOUT_MS		60000
#define UKG_DEFAULT_CONNECT_MS		10000
/*
 * 7 retries waiting 1, 2, 4, 8, 16, 30, 30 s (+-25% jitter, each capped at
 * max_retry_wait): at least 77 s in all, so a request outlasts UKG's
 * one-minute quota lockout without Retry-After; at most 99 s.
 */
#define UKG_DEFAULT_MAX_RETRIES		7
#define UKG_DEFAULT_RETRY_WAIT_MS	30000
#define UKG_DEFAULT_MAX_PAGES		100000
#define UKG_DEFAULT_MAX_RESPONSE	(128 * 1024 * 1024)
#define UKG_DEFAULT_STARTUP_COST	500.0
#define UKG_DEFAULT_TUPLE_COST		0.05
#define UKG_DEFAULT_ROWS			1000.0
#define UKG_MAX_REQUESTS_PER_MINUTE	1000000
#define UKG_DEFAULT_ANALYZE_MAX_PAGES	10

typedef enum UkgAuthMethod
{
	UKG_AUTH_BASIC,
	UKG_AUTH_OAUTH2
} UkgAuthMethod;

/*
 * Options of one foreign table, merged from the server, the table and the
 * user mapping.  Strings are palloc'd in the context current at the time of
 * ukg_get_options().  Secrets live only in the UkgCredentials part, which is
 * never printed.
 */
typedef struct UkgCredentials
{
	Oid			umid;			/* user mapping OID (InvalidOid if none) */
	Oid			userid;			/* user the mapping was looked up for */
	char	   *username;
	char	   *password;
	char	   *customer_api_key;
	char	   *user_api_key;
	char	   *client_id;
	char	   *client_secret;
} UkgCredentials;

typedef struct UkgOptions
{
	/* server */
	Oid			serverid;
	Oid			umid;			/* user mapping whose credentials requests
								 * carry (set by ukg_get_credentials); keys
								 * http.c's connection pools */
	char	   *server_name;
	char	   *base_url;		/* without trailing slash */
	UkgAuthMethod auth_method;
	char	   *token_url;
	char	   *audience;
	char	   *tenant_id;
	char	   *organization;
	char	   *ca_file;
	int			timeout_ms;
	int			connect_timeout_ms;
	int			max_retries;
	int			max_retry_wait_ms;
	int			max_response_size;
	double		fdw_startup_cost;
	double		fdw_tuple_cost;
	int			max_requests_per_minute;	/* 0: no shared rate limit */

	/* server, overridable per table */
	int			page_size;
	int			prefetch;
	int			max_pages;
	bool		pushdown;
	int			analyze_max_pages;	/* pages ANALYZE samples */
	bool		async_capable;	/* may run in an async Append */

	/* table */
	char	   *resource;		/* the option as given */
	const UkgResourceDef *resdef;	/* catalog entry, or NULL for a raw path */
	char	   *path;			/* resolved path, no leading slash */
	UkgPaging	paging;
	char	   *params;			/* fixed query string, or NULL */
	double		estimated_rows;
} UkgOptions;

/* in ukg_fdw.c */
extern char *ukg_allowed_hosts;
extern char *ukg_user_agent_suffix;
extern int	ukg_progress_interval;
extern bool ukg_debug;

/* in src/option.c */
extern void ukg_validate_options(List *options_list, Oid catalog,
								 Oid validator);
extern bool ukg_has_control_char(const char *s);
extern void ukg_validate_resource(const char *value, bool is_option);
extern UkgOptions *ukg_get_options(Oid foreigntableid);
extern UkgOptions *ukg_get_server_options(ForeignServer *server);
extern UkgCredentials *ukg_get_credentials(UkgOptions *opts, Oid userid,
										   bool missing_ok);
extern void ukg_check_credentials(UkgOptions *opts, UkgCredentials *cred);
extern char *ukg_column_json_key(Oid relid, AttrNumber attnum);
extern bool ukg_host_allowed(const char *host);
extern bool ukg_url_host(const char *url, char **scheme, char **host);
extern bool ukg_is_loopback(const char *host);
extern bool ukg_is_login_host(const char *host);

/* in src/catalog.c */
extern const UkgResourceDef *ukg_catalog_lookup(const char *name_or_path);
extern const UkgFilterDef *ukg_catalog_filter(const UkgResourceDef *res,
											  const char *column);
extern const UkgColumnDef *ukg_catalog_column(const UkgResourceDef *res,
											  const char *column);
extern const char *ukg_catalog_schemas(void);
extern void ukg_init_srf(FunctionCallInfo fcinfo);

/* in src/http.c */
typedef struct UkgHttpRequest UkgHttpRequest;	/* opaque */

/* What a request is for, so errors can say it */
typedef struct UkgRequestContext
{
	const char *relname;		/* foreign table, or NULL */
	const char *server_name;
	const char *path;			/* redacted request path for messages */
	const char *permission;		/* UKG web service, or NULL */
	int			page;			/* page number, 0 if not paged */
	bool		is_token;		/* token endpoint request */
	UkgAuthMethod auth_method;
} UkgRequestContext;

/* Transfer statistics, for EXPLAIN ANALYZE and progress reports */
typedef struct UkgHttpStats
{
	int64		requests;
	int64		bytes;
	int64		retries;
	int64		throttled;		/* 429 answers */
	int64		speculative;	/* prefetched pages past the end */
	int64		token_requests; /* OAuth token requests */
	int64		pages;			/* pages consumed */
	int64		rows;			/* records returned */
	double		http_ms;		/* time spent waiting on the network */
	int64		http_errors;	/* requests that failed, other than 429 */
	double		rate_wait_ms;	/* time waited for max_requests_per_minute */
	struct UkgScanTracker *tracker; /* shared-memory reporting (stats.c) */
} UkgHttpStats;

extern UkgHttpRequest *ukg_http_start(const UkgOptions *opts,
									  const char *url,
									  List *headers,
									  const char *post_body,
									  MemoryContext owner,
									  UkgHttpStats *stats);
extern List *ukg_headers_copy(List *headers);
extern void ukg_headers_zero(List *headers);
extern void ukg_http_finish(UkgHttpRequest *req,
							const UkgRequestContext *ctx);
extern long ukg_http_status(UkgHttpRequest *req);
extern const char *ukg_http_body(UkgHttpRequest *req, size_t *len);
extern void ukg_http_cancel(UkgHttpRequest *req);
extern void ukg_http_progress(void);
extern int	ukg_http_attempts(UkgHttpRequest *req);
extern const char *ukg_http_content_type(UkgHttpRequest *req);
extern void ukg_http_raise_status(UkgHttpRequest *req,
								  const UkgRequestContext *ctx);
extern char *ukg_url_encode(const char *s);
extern const char *ukg_curl_version(void);
extern char *ukg_user_agent(void);
extern bool ukg_http_probe(const char *url, const UkgOptions *opts,
						   char **detail);
extern bool ukg_http_ready(UkgHttpRequest *req);
extern int	ukg_http_wait_fd(bool now);

/* in src/json_scan.c */
typedef struct UkgJsonPage UkgJsonPage; /* opaque */
typedef struct UkgColumnConv UkgColumnConv; /* opaque */

extern UkgJsonPage *ukg_json_page_create(MemoryContext cxt,
										 const char *relname,
										 UkgColumnConv *conv,
										 bool single_object);
extern void ukg_json_page_begin(UkgJsonPage *page, const char *buf,
								size_t len, int pageno);
extern bool ukg_json_page_next(UkgJsonPage *page);
extern int	ukg_json_page_rows(UkgJsonPage *page);
extern bool ukg_json_page_bare(UkgJsonPage *page);

/* in src/json_conv.c */
extern UkgColumnConv *ukg_json_conv_create(Relation rel,
											const UkgResourceDef *resdef,
											List *attnums);
extern void ukg_json_conv_set_param(UkgColumnConv *conv, AttrNumber attnum,
									Oid typid, Datum value, bool isnull);
extern void ukg_json_page_values(UkgJsonPage *page, UkgColumnConv *conv,
								 Datum *values, bool *nulls);

/* in src/ukg_json.c */
extern char *ukg_json_error_message(const char *body, size_t len);
extern bool ukg_json_token_response(const char *body, size_t len,
									char **access_token, char **token_type,
									int *expires_in, char **error);
extern const char *ukg_json_c_version(void);

/* in src/auth.c */
extern void ukg_auth_init(void);
extern List *ukg_auth_headers(UkgOptions *opts, UkgCredentials *cred,
							  UkgHttpStats *stats, bool force_new_token);
extern void ukg_auth_count_request(UkgCredentials *cred);

/* in src/pushdown.c */
typedef struct UkgPushedQual
{
	const UkgFilterDef *filter;
	AttrNumber	attnum;
	int			op;				/* UKG_QUAL_* */
	Expr	   *expr;			/* value expression (Const, Param, ...) */
	bool		is_array;		/* expr yields an array (IN list) */
	bool		exact;			/* the API filter is exactly the qual */
} UkgPushedQual;

#define UKG_QUAL_EQ		1
#define UKG_QUAL_LT		2
#define UKG_QUAL_LE		3
#define UKG_QUAL_GT		4
#define UKG_QUAL_GE		5

extern List *ukg_classify_quals(PlannerInfo *root, RelOptInfo *baserel,
								const UkgOptions *opts, List *quals,
								List **unpushed);
extern bool ukg_qual_pushable(PlannerInfo *root, RelOptInfo *baserel,
							  const UkgOptions *opts, Expr *clause);
extern List *ukg_build_query_params(List *pushed, List *values, List *isnulls,
									bool encode, bool *empty);
extern char *ukg_describe_pushed(List *pushed);

/* in src/stats.c */
typedef enum UkgWaitKind
{
	UKG_WAIT_NONE,
	UKG_WAIT_REQUEST,			/* a request to UKG is in flight */
	UKG_WAIT_BACKOFF,			/* sleeping before a retry */
	UKG_WAIT_RATE_LIMIT			/* waiting for max_requests_per_minute */
} UkgWaitKind;

extern void ukg_shmem_init(void);
extern void ukg_shmem_warn_rate_limit(DefElem *def);
extern void ukg_stats_scan_begin(UkgHttpStats *stats, const UkgOptions *opts,
								 const UkgCredentials *cred, Oid relid,
								 const char *relname, MemoryContext cxt);
extern void ukg_stats_scan_update(UkgHttpStats *stats, bool publish);
extern void ukg_stats_scan_end(UkgHttpStats *stats);
extern void ukg_stats_set_wait(UkgHttpStats *stats, UkgWaitKind wait);
extern void ukg_stats_failure(UkgHttpStats *stats, bool throttled,
							  const char *fmt,...) pg_attribute_printf(3, 4);
extern void ukg_rate_limit_wait(Oid serverid, int per_minute,
								UkgHttpStats *stats);

/* in src/pager.c: the paging policy of a scan (see the file header) */
typedef struct UkgPager
{
	const char *relname;		/* for errors */
	bool		paged;			/* the resource pages; else one request */
	int			page_size;		/* rows asked for per page */
	int			max_pages;
	int			prefetch;		/* requests in flight once pages are full */
	/* per request set */
	int			next_page;		/* next page number to request */
	bool		done;			/* no more pages in this set */
	bool		pipelined;		/* a full page was seen in this set */
	int			short_rows;		/* rows of a "possibly capped" page, or 0 */
	size_t		prev_len;		/* the page before, for the identical-page */
	uint64		prev_hash;		/* rule */
	/* per scan */
	int			observed_cap;	/* rows per page the server gives, or 0 */
	bool		uncapped;		/* a page of page_size rows was seen */
	int			max_rows;		/* longest page seen */
	int64		probes;			/* requests made after a possibly capped page */
} UkgPager;

typedef enum UkgPageVerdict
{
	UKG_PAGE_ROWS,				/* read the page's rows */
	UKG_PAGE_STOP				/* the page ends the set unread */
} UkgPageVerdict;

extern void ukg_pager_init(UkgPager *pg, const char *relname, bool paged,
						   int page_size, int max_pages, int prefetch);
extern void ukg_pager_begin_set(UkgPager *pg);
extern int	ukg_pager_next_request(UkgPager *pg, int inflight);
extern void ukg_pager_rewind(UkgPager *pg, int page);
extern UkgPageVerdict ukg_pager_body(UkgPager *pg, int page, const char *body,
									 size_t len);
extern bool ukg_pager_rows(UkgPager *pg, int page, int rows);
extern bool ukg_not_found_is_empty(const char *content_type, const char *body,
								   size_t len);
extern bool ukg_not_found_is_routing(const char *body, size_t len);
extern char *ukg_base_url_other_form(const char *base_url);
extern void ukg_raise_not_found(const UkgOptions *opts,
								const UkgRequestContext *ctx,
								const char *body, size_t len);

/* in src/scan.c */
extern void ukg_fill_routine(FdwRoutine *routine);
extern struct UkgAsync *ukg_scan_async(ForeignScanState *node);
extern bool ukg_scan_async_ready(ForeignScanState *node);

/* in src/analyze.c */
extern bool ukgAnalyzeForeignTable(Relation relation,
								   AcquireSampleRowsFunc *func,
								   BlockNumber *totalpages);
extern double ukg_table_rows(RelOptInfo *baserel, const UkgOptions *opts);

/* in src/async.c */
typedef struct UkgAsync
{
	bool		waiting;		/* the last empty slot means "waiting for the
								 * network", not the end of the scan */
	int			fd;				/* this scan's copy of the wait descriptor */
	MemoryContextCallback cb;	/* closes fd */
} UkgAsync;

extern bool ukg_async_supported(void);
extern UkgAsync *ukg_async_create(MemoryContext cxt);
extern void ukg_async_fill_routine(FdwRoutine *routine);

/* in src/import.c */
extern List *ukgImportForeignSchema(ImportForeignSchemaStmt *stmt,
									Oid serverOid);

#endif							/* UKG_FDW_H */
