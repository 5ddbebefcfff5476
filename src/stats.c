/*-------------------------------------------------------------------------
 *
 * stats.c
 *		  Shared memory of ukg_fdw: statistics per server and user mapping,
 *		  live scans, and the shared rate limit (max_requests_per_minute).
 *
 * All of it needs shared_preload_libraries = 'ukg_fdw'.  Without it the
 * SQL functions raise an error that says so, a server with
 * max_requests_per_minute refuses to make requests, and everything else
 * works as before: every hook below returns at once.
 *
 * The shared area is one fixed-size block, sized at server start:
 * - ukg_fdw.max_servers rate-limit buckets, one per server that has
 *   max_requests_per_minute (key: database, server);
 * - UKG_ENTRIES_PER_SERVER * ukg_fdw.max_servers statistics entries, one
 *   per (database, server, user mapping), plus one overflow entry that
 *   collects the counts of pairs that found the table full;
 * - ukg_fdw.max_live_scans activity slots, one per foreign scan running in
 *   any backend.
 * The tables are arrays searched linearly: they are small, and they are
 * touched once per page, not per row.
 *
 * Locking: one LWLock guards the statistics entries and the buckets.  Each
 * activity slot has a spinlock; only the backend that owns a slot writes it.
 *
 * A scan reports through a tracker (UkgScanTracker) hung on its
 * UkgHttpStats: the scan and http.c keep counting in UkgHttpStats as
 * before, and the tracker publishes the difference since its last
 * publication, at each page and at the end of the scan.  A reset callback
 * on the scan's memory context publishes and frees the slot when the scan
 * ends by an error.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#if PG_VERSION_NUM >= 140000
#include "utils/wait_event.h"
#endif

#include "ukg_fdw.h"

/* Statistics entries per tracked server */
#define UKG_ENTRIES_PER_SERVER	4

/* Longest last_error kept, in bytes */
#define UKG_LAST_ERROR_LEN		256

/* Longest single wait before interrupts are checked again */
#define UKG_RATE_POLL_MS		1000

/* Settings (PGC_POSTMASTER) */
static int	ukg_max_servers = 64;
static int	ukg_max_live_scans = 128;

/* Counters of one (database, server, user mapping) */
typedef struct UkgStatsEntry
{
	bool		used;
	Oid			dbid;
	Oid			serverid;
	Oid			umid;
	NameData	server_name;
	NameData	user_name;		/* role of the user mapping, or "public" */
	TimestampTz since;			/* created or reset */
	int64		requests;
	int64		pages;
	int64		rows;
	int64		bytes;
	int64		throttled;
	int64		http_errors;
	int64		retries;
	int64		token_requests;
	double		http_ms;
	double		rate_wait_ms;
	TimestampTz last_error_time;	/* 0 if none */
	char		last_error[UKG_LAST_ERROR_LEN];
} UkgStatsEntry;

/* The token bucket of one server with max_requests_per_minute */
typedef struct UkgRateBucket
{
	bool		used;
	Oid			dbid;
	Oid			serverid;
	int			per_minute;		/* as last seen */
	TimestampTz next_turn;		/* when the next request may start */
} UkgRateBucket;

/* One live foreign scan */
typedef struct UkgScanSlot
{
	slock_t		mutex;
	int			pid;			/* 0: free */
	Oid			dbid;
	Oid			serverid;
	Oid			relid;
	Oid			userid;
	NameData	server_name;
	NameData	relname;
	TimestampTz started;
	TimestampTz wait_started;
	int			wait;			/* UkgWaitKind */
	int64		requests;
	int64		pages;
	int64		rows;
	int64		bytes;
	int64		retries;
	int64		throttled;
} UkgScanSlot;

typedef struct UkgShared
{
	LWLock	   *lock;
	int			nbuckets;
	int			nentries;
	int			nslots;
	TimestampTz stats_reset;
	UkgStatsEntry overflow;		/* pairs that found the table full */
	/* then: buckets, entries, slots */
} UkgShared;

/* What a scan publishes through */
typedef struct UkgScanTracker
{
	UkgHttpStats *stats;
	UkgHttpStats published;		/* the part of *stats already published */
	Oid			serverid;
	Oid			umid;
	NameData	server_name;
	NameData	user_name;
	int			entry;			/* index of the entry last used, or -1 */
	int			slot;			/* index of the activity slot, or -1 */
	bool		done;
	MemoryContextCallback cb;
} UkgScanTracker;

static UkgShared *ukg_shared = NULL;
static UkgRateBucket *ukg_buckets = NULL;
static UkgStatsEntry *ukg_entries = NULL;
static UkgScanSlot *ukg_slots = NULL;

static bool exit_callback_registered = false;
static uint32 ukg_rate_wait_event = PG_WAIT_EXTENSION;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

PG_FUNCTION_INFO_V1(ukg_fdw_stats);
PG_FUNCTION_INFO_V1(ukg_fdw_stats_reset);
PG_FUNCTION_INFO_V1(ukg_fdw_activity);

/*
 * ukg_shmem_size
 *		Bytes of shared memory ukg_fdw asks for.
 */
static Size
ukg_shmem_size(void)
{
	Size		size = MAXALIGN(sizeof(UkgShared));

	size = add_size(size, MAXALIGN(mul_size(ukg_max_servers, sizeof(UkgRateBucket))));
	size = add_size(size, MAXALIGN(mul_size(mul_size(ukg_max_servers, UKG_ENTRIES_PER_SERVER),
											sizeof(UkgStatsEntry))));
	size = add_size(size, mul_size(ukg_max_live_scans, sizeof(UkgScanSlot)));
	return size;
}

static void
ukg_shmem_request(void)
{
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(ukg_shmem_size());
	RequestNamedLWLockTranche("ukg_fdw", 1);
}

/*
 * ukg_shmem_startup
 *		Create (in the postmaster) or attach to the shared area.
 */
static void
ukg_shmem_startup(void)
{
	bool		found;
	char	   *base;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	ukg_shared = ShmemInitStruct("ukg_fdw", ukg_shmem_size(), &found);
	base = (char *) ukg_shared + MAXALIGN(sizeof(UkgShared));
	if (!found)
	{
		memset(ukg_shared, 0, ukg_shmem_size());
		ukg_shared->lock = &(GetNamedLWLockTranche("ukg_fdw"))->lock;
		ukg_shared->nbuckets = ukg_max_servers;
		ukg_shared->nentries = ukg_max_servers * UKG_ENTRIES_PER_SERVER;
		ukg_shared->nslots = ukg_max_live_scans;
		ukg_shared->stats_reset = GetCurrentTimestamp();
	}
	ukg_buckets = (UkgRateBucket *) base;
	base += MAXALIGN(sizeof(UkgRateBucket) * ukg_shared->nbuckets);
	ukg_entries = (UkgStatsEntry *) base;
	base += MAXALIGN(sizeof(UkgStatsEntry) * ukg_shared->nentries);
	ukg_slots = (UkgScanSlot *) base;
	if (!found)
		for (i = 0; i < ukg_shared->nslots; i++)
			SpinLockInit(&ukg_slots[i].mutex);
	LWLockRelease(AddinShmemInitLock);
}

/*
 * ukg_shmem_init
 *		Called from _PG_init: define the settings and, when the library is
 *		being preloaded, ask for shared memory.
 */
void
ukg_shmem_init(void)
{
	/* PGC_POSTMASTER settings can only be defined while preloading */
	if (!process_shared_preload_libraries_in_progress)
		return;

	DefineCustomIntVariable("ukg_fdw.max_servers",
							"Servers that ukg_fdw tracks in shared memory.",
							"Sizes the rate-limit buckets (one per server with max_requests_per_minute) "
							"and the statistics entries (four per server, one per server and user mapping).",
							&ukg_max_servers,
							64, 1, 100000,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ukg_fdw.max_live_scans",
							"Foreign scans that ukg_fdw_activity can show at once.",
							NULL,
							&ukg_max_live_scans,
							128, 1, 100000,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ukg_shmem_request;
#else
	ukg_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ukg_shmem_startup;
}

/*
 * require_shmem
 *		Error out of a SQL function when the library was not preloaded.
 */
static void
require_shmem(const char *what)
{
	if (ukg_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s needs ukg_fdw to be loaded via shared_preload_libraries", what),
				 errhint("Add ukg_fdw to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/*
 * ukg_shmem_warn_rate_limit
 *		The validator calls this for max_requests_per_minute: the option can
 *		be set without preloading (a dump restores anywhere), but scans of
 *		the server will refuse to run until the library is preloaded.
 */
void
ukg_shmem_warn_rate_limit(DefElem *def)
{
	if (ukg_shared == NULL && strcmp(defGetString(def), "0") != 0)
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("option \"max_requests_per_minute\" needs ukg_fdw to be loaded via shared_preload_libraries"),
				 errdetail("Until it is, scans of this server fail instead of exceeding the limit."),
				 errhint("Add ukg_fdw to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/* Statistics entries */

static void
entry_init(UkgStatsEntry *e, const UkgScanTracker *t)
{
	memset(e, 0, sizeof(UkgStatsEntry));
	e->used = true;
	e->dbid = MyDatabaseId;
	e->serverid = t->serverid;
	e->umid = t->umid;
	e->server_name = t->server_name;
	e->user_name = t->user_name;
	e->since = GetCurrentTimestamp();
}

/*
 * find_entry
 *		The entry of the tracker's server and user mapping, created if
 *		needed; the overflow entry if the table is full.  Caller holds the
 *		lock exclusively.
 */
static UkgStatsEntry *
find_entry(UkgScanTracker *t)
{
	int			i;
	int			free_slot = -1;
	UkgStatsEntry *e;

	if (t->entry >= 0)
	{
		e = &ukg_entries[t->entry];
		if (e->used && e->dbid == MyDatabaseId && e->serverid == t->serverid &&
			e->umid == t->umid)
			return e;
	}
	for (i = 0; i < ukg_shared->nentries; i++)
	{
		e = &ukg_entries[i];
		if (!e->used)
		{
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (e->dbid == MyDatabaseId && e->serverid == t->serverid && e->umid == t->umid)
		{
			t->entry = i;
			return e;
		}
	}
	if (free_slot < 0)
	{
		if (!ukg_shared->overflow.used)
		{
			memset(&ukg_shared->overflow, 0, sizeof(UkgStatsEntry));
			ukg_shared->overflow.used = true;
			ukg_shared->overflow.since = GetCurrentTimestamp();
		}
		return &ukg_shared->overflow;
	}
	t->entry = free_slot;
	entry_init(&ukg_entries[free_slot], t);
	return &ukg_entries[free_slot];
}

/*
 * publish
 *		Add what the scan counted since the last publication to its entry,
 *		and record error as the last error when given.
 */
static void
publish(UkgScanTracker *t, const char *error)
{
	UkgHttpStats *s = t->stats;
	UkgHttpStats *p = &t->published;
	UkgStatsEntry *e;

	LWLockAcquire(ukg_shared->lock, LW_EXCLUSIVE);
	e = find_entry(t);
	e->requests += s->requests - p->requests;
	e->pages += s->pages - p->pages;
	e->rows += s->rows - p->rows;
	e->bytes += s->bytes - p->bytes;
	e->throttled += s->throttled - p->throttled;
	e->http_errors += s->http_errors - p->http_errors;
	e->retries += s->retries - p->retries;
	e->token_requests += s->token_requests - p->token_requests;
	e->http_ms += s->http_ms - p->http_ms;
	e->rate_wait_ms += s->rate_wait_ms - p->rate_wait_ms;
	if (error)
	{
		strlcpy(e->last_error, error, sizeof(e->last_error));
		e->last_error_time = GetCurrentTimestamp();
	}
	LWLockRelease(ukg_shared->lock);
	*p = *s;
	p->tracker = NULL;
}

/* Activity slots */

/*
 * release_own_slots
 *		on_shmem_exit callback: free the slots of a backend that exits in
 *		the middle of a scan.
 */
static void
release_own_slots(int code, Datum arg)
{
	int			i;

	if (ukg_shared == NULL)
		return;
	for (i = 0; i < ukg_shared->nslots; i++)
	{
		UkgScanSlot *slot = &ukg_slots[i];

		SpinLockAcquire(&slot->mutex);
		if (slot->pid == MyProcPid)
			slot->pid = 0;
		SpinLockRelease(&slot->mutex);
	}
}

static int
claim_slot(Oid serverid, Oid relid, Oid userid, const char *server_name,
		   const char *relname)
{
	int			i;
	TimestampTz now = GetCurrentTimestamp();

	if (!exit_callback_registered)
	{
		on_shmem_exit(release_own_slots, (Datum) 0);
		exit_callback_registered = true;
	}
	for (i = 0; i < ukg_shared->nslots; i++)
	{
		UkgScanSlot *slot = &ukg_slots[i];

		SpinLockAcquire(&slot->mutex);
		if (slot->pid == 0)
		{
			slot->pid = MyProcPid;
			slot->dbid = MyDatabaseId;
			slot->serverid = serverid;
			slot->relid = relid;
			slot->userid = userid;
			namestrcpy(&slot->server_name, server_name);
			namestrcpy(&slot->relname, relname);
			slot->started = now;
			slot->wait_started = 0;
			slot->wait = UKG_WAIT_NONE;
			slot->requests = slot->pages = slot->rows = slot->bytes = 0;
			slot->retries = slot->throttled = 0;
			SpinLockRelease(&slot->mutex);
			return i;
		}
		SpinLockRelease(&slot->mutex);
	}
	return -1;					/* full: the scan is not shown */
}

static void
update_slot(UkgScanTracker *t)
{
	UkgScanSlot *slot = &ukg_slots[t->slot];
	UkgHttpStats *s = t->stats;

	SpinLockAcquire(&slot->mutex);
	slot->requests = s->requests;
	slot->pages = s->pages;
	slot->rows = s->rows;
	slot->bytes = s->bytes;
	slot->retries = s->retries;
	slot->throttled = s->throttled;
	SpinLockRelease(&slot->mutex);
}

/*
 * tracker_finish
 *		Publish what is left and free the slot.  Runs at the end of the scan
 *		and from the reset callback (also during abort), so it must not
 *		raise errors; it runs once.
 */
static void
tracker_finish(UkgScanTracker *t)
{
	if (t->done)
		return;
	t->done = true;
	publish(t, NULL);
	if (t->slot >= 0)
	{
		UkgScanSlot *slot = &ukg_slots[t->slot];

		SpinLockAcquire(&slot->mutex);
		if (slot->pid == MyProcPid)
			slot->pid = 0;
		SpinLockRelease(&slot->mutex);
		t->slot = -1;
	}
}

static void
tracker_reset_callback(void *arg)
{
	UkgScanTracker *t = (UkgScanTracker *) arg;

	tracker_finish(t);
	t->stats->tracker = NULL;
}

/*
 * ukg_stats_scan_begin
 *		Start reporting a foreign scan: its counters go to the entry of its
 *		server and user mapping, and it gets an activity slot.  The tracker
 *		lives in cxt, the scan's memory context.
 */
void
ukg_stats_scan_begin(UkgHttpStats *stats, const UkgOptions *opts,
					 const UkgCredentials *cred, Oid relid,
					 const char *relname, MemoryContext cxt)
{
	UkgScanTracker *t;
	Oid			umuser = InvalidOid;
	char	   *user_name = NULL;

	stats->tracker = NULL;
	if (ukg_shared == NULL)
		return;

	if (OidIsValid(cred->umid))
	{
		HeapTuple	tp = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(cred->umid));

		if (HeapTupleIsValid(tp))
		{
			umuser = ((Form_pg_user_mapping) GETSTRUCT(tp))->umuser;
			ReleaseSysCache(tp);
		}
		user_name = OidIsValid(umuser) ? GetUserNameFromId(umuser, true) : "public";
	}

	t = MemoryContextAllocZero(cxt, sizeof(UkgScanTracker));
	t->stats = stats;
	t->published = *stats;
	t->serverid = opts->serverid;
	t->umid = cred->umid;
	namestrcpy(&t->server_name, opts->server_name);
	namestrcpy(&t->user_name, user_name ? user_name : "");
	t->entry = -1;
	t->slot = claim_slot(opts->serverid, relid, cred->userid,
						 opts->server_name, relname);
	t->cb.func = tracker_reset_callback;
	t->cb.arg = t;
	MemoryContextRegisterResetCallback(cxt, &t->cb);
	stats->tracker = t;
}

/*
 * ukg_stats_scan_update
 *		Show the scan's progress in its activity slot; with publish, also
 *		add its new counts to ukg_fdw_stats.  Cheap without publish.
 */
void
ukg_stats_scan_update(UkgHttpStats *stats, bool publish_now)
{
	UkgScanTracker *t = stats->tracker;

	if (t == NULL || t->done)
		return;
	if (t->slot >= 0)
		update_slot(t);
	if (publish_now)
		publish(t, NULL);
}

/*
 * ukg_stats_scan_end
 *		The scan ended normally.
 */
void
ukg_stats_scan_end(UkgHttpStats *stats)
{
	if (stats->tracker)
		tracker_finish(stats->tracker);
}

/*
 * ukg_stats_set_wait
 *		What the scan waits for now, for ukg_fdw_activity.
 */
void
ukg_stats_set_wait(UkgHttpStats *stats, UkgWaitKind wait)
{
	UkgScanTracker *t = stats ? stats->tracker : NULL;
	UkgScanSlot *slot;
	TimestampTz since;

	if (t == NULL || t->done || t->slot < 0)
		return;
	slot = &ukg_slots[t->slot];
	if (slot->wait == (int) wait)	/* only this backend writes it */
		return;
	since = wait == UKG_WAIT_NONE ? 0 : GetCurrentTimestamp();
	SpinLockAcquire(&slot->mutex);
	slot->wait = wait;
	slot->wait_started = since;
	SpinLockRelease(&slot->mutex);
	update_slot(t);
}

/*
 * ukg_stats_failure
 *		A request failed for good (http.c is about to raise the error):
 *		count it unless it was a 429 (counted per answer already), and keep
 *		the message as the last error.  The message must be free of secrets;
 *		callers build it from the same redacted parts as their errors.
 */
void
ukg_stats_failure(UkgHttpStats *stats, bool throttled, const char *fmt,...)
{
	UkgScanTracker *t;
	char		buf[UKG_LAST_ERROR_LEN];
	va_list		ap;

	if (stats == NULL)
		return;
	if (!throttled)
		stats->http_errors++;
	t = stats->tracker;
	if (t == NULL || t->done)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* never cut a multibyte character in two */
	buf[pg_mbcliplen(buf, strlen(buf), sizeof(buf) - 1)] = '\0';
	publish(t, buf);
}

/* The shared rate limit */

/*
 * find_bucket
 *		The bucket of a server, taken if needed; NULL if all are busy.
 *		Caller holds the lock exclusively.
 */
static UkgRateBucket *
find_bucket(Oid serverid, TimestampTz now)
{
	UkgRateBucket *b = NULL;
	int			i;

	for (i = 0; i < ukg_shared->nbuckets; i++)
	{
		UkgRateBucket *c = &ukg_buckets[i];

		if (c->used && c->dbid == MyDatabaseId && c->serverid == serverid)
			return c;
		/* an unused bucket, or one idle for a minute, can be taken */
		if (b == NULL && (!c->used || c->next_turn < now - USECS_PER_SEC * 60))
			b = c;
	}
	if (b != NULL)
	{
		b->used = true;
		b->dbid = MyDatabaseId;
		b->serverid = serverid;
		b->next_turn = 0;
	}
	return b;
}

/*
 * give_back_turn
 *		A cancelled wait returns its turn if nobody reserved one after it.
 */
static void
give_back_turn(Oid serverid, TimestampTz turn, int64 interval)
{
	int			i;

	LWLockAcquire(ukg_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < ukg_shared->nbuckets; i++)
	{
		UkgRateBucket *c = &ukg_buckets[i];

		if (c->used && c->dbid == MyDatabaseId && c->serverid == serverid &&
			c->next_turn == turn + interval)
			c->next_turn = turn;
	}
	LWLockRelease(ukg_shared->lock);
}

/*
 * wait_until
 *		Sleep until turn, interruptibly, under the rate-limit wait event.
 */
static void
wait_until(TimestampTz turn)
{
	for (;;)
	{
		TimestampTz now;
		long		left_ms;

		CHECK_FOR_INTERRUPTS();
		now = GetCurrentTimestamp();
		if (now >= turn)
			break;
		left_ms = (long) ((turn - now + 999) / 1000);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(left_ms, UKG_RATE_POLL_MS), ukg_rate_wait_event);
		ResetLatch(MyLatch);
	}
}

/*
 * ukg_rate_limit_wait
 *		Wait for this request's turn under the server's
 *		max_requests_per_minute.
 *
 * The bucket holds at most one token: requests of all backends are spaced
 * 60/per_minute seconds apart, in the order in which they asked.  Each
 * request reserves the next free turn under the lock and then sleeps until
 * then, interruptibly and under a wait event; a cancelled wait gives up
 * its turn.  Without shared memory the limit cannot be kept, so the request
 * is refused rather than sent.
 */
void
ukg_rate_limit_wait(Oid serverid, int per_minute, UkgHttpStats *stats)
{
	TimestampTz now;
	TimestampTz turn;
	int64		interval;
	UkgRateBucket *b;

	if (per_minute <= 0)
		return;
	if (ukg_shared == NULL)
	{
		ForeignServer *server = GetForeignServer(serverid);

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("option \"max_requests_per_minute\" of server \"%s\" needs ukg_fdw to be loaded via shared_preload_libraries",
						server->servername),
				 errdetail("The limit is shared by all sessions through shared memory; without it no request is sent."),
				 errhint("Add ukg_fdw to shared_preload_libraries in postgresql.conf and restart the server, or drop the option.")));
	}

	interval = (int64) 60 * USECS_PER_SEC / per_minute;

	LWLockAcquire(ukg_shared->lock, LW_EXCLUSIVE);
	now = GetCurrentTimestamp();
	b = find_bucket(serverid, now);
	if (b == NULL)
	{
		LWLockRelease(ukg_shared->lock);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("too many servers with max_requests_per_minute are in use"),
				 errdetail("ukg_fdw tracks at most %d of them at once.", ukg_shared->nbuckets),
				 errhint("Raise ukg_fdw.max_servers and restart the server.")));
	}
	b->per_minute = per_minute;
	turn = Max(b->next_turn, now);
	b->next_turn = turn + interval;
	LWLockRelease(ukg_shared->lock);

	if (turn <= now)
		return;

#if PG_VERSION_NUM >= 170000
	if (ukg_rate_wait_event == PG_WAIT_EXTENSION)
		ukg_rate_wait_event = WaitEventExtensionNew("UkgFdwRateLimit");
#endif
	ukg_stats_set_wait(stats, UKG_WAIT_RATE_LIMIT);
	PG_TRY();
	{
		wait_until(turn);
	}
	PG_CATCH();
	{
		give_back_turn(serverid, turn, interval);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (stats)
		stats->rate_wait_ms += (double) (GetCurrentTimestamp() - now) / 1000.0;
	ukg_stats_set_wait(stats, UKG_WAIT_NONE);
}

/* SQL functions */

static const char *
wait_name(int wait)
{
	switch (wait)
	{
		case UKG_WAIT_REQUEST:
			return "request";
		case UKG_WAIT_BACKOFF:
			return "backoff";
		case UKG_WAIT_RATE_LIMIT:
			return "rate limit";
	}
	return NULL;
}

static void
put_entry(ReturnSetInfo *rsinfo, const UkgStatsEntry *e)
{
	Datum		values[18];
	bool		nulls[18] = {0};
	int			i = 0;

	values[i++] = ObjectIdGetDatum(e->dbid);
	nulls[i] = !OidIsValid(e->serverid);
	values[i++] = ObjectIdGetDatum(e->serverid);
	nulls[i] = !OidIsValid(e->serverid);
	values[i++] = CStringGetTextDatum(NameStr(e->server_name));
	nulls[i] = !OidIsValid(e->umid);
	values[i++] = ObjectIdGetDatum(e->umid);
	nulls[i] = !OidIsValid(e->umid);
	values[i++] = CStringGetTextDatum(NameStr(e->user_name));
	values[i++] = Int64GetDatum(e->requests);
	values[i++] = Int64GetDatum(e->pages);
	values[i++] = Int64GetDatum(e->rows);
	values[i++] = Int64GetDatum(e->bytes);
	values[i++] = Int64GetDatum(e->throttled);
	values[i++] = Int64GetDatum(e->http_errors);
	values[i++] = Int64GetDatum(e->retries);
	values[i++] = Int64GetDatum(e->token_requests);
	values[i++] = Float8GetDatum(e->http_ms);
	values[i++] = Float8GetDatum(e->rate_wait_ms);
	nulls[i] = e->last_error_time == 0;
	values[i++] = CStringGetTextDatum(e->last_error);
	nulls[i] = e->last_error_time == 0;
	values[i++] = TimestampTzGetDatum(e->last_error_time);
	values[i++] = TimestampTzGetDatum(e->since);
	Assert(i == lengthof(values));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * ukg_fdw_stats
 *		One row per (database, server, user mapping), plus an overflow row
 *		(server NULL) when the table was full.
 */
Datum
ukg_fdw_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	UkgStatsEntry *copy;
	int			n = 0;
	int			i;

	require_shmem("ukg_fdw_stats");
	ukg_init_srf(fcinfo);

	/* copy under the lock, build tuples after */
	copy = palloc(sizeof(UkgStatsEntry) * (ukg_shared->nentries + 1));
	LWLockAcquire(ukg_shared->lock, LW_SHARED);
	for (i = 0; i < ukg_shared->nentries; i++)
		if (ukg_entries[i].used)
			copy[n++] = ukg_entries[i];
	if (ukg_shared->overflow.used)
		copy[n++] = ukg_shared->overflow;
	LWLockRelease(ukg_shared->lock);

	for (i = 0; i < n; i++)
		put_entry(rsinfo, &copy[i]);
	return (Datum) 0;
}

/*
 * ukg_fdw_stats_reset
 *		Forget all statistics entries.  Rate-limit buckets are kept.
 */
Datum
ukg_fdw_stats_reset(PG_FUNCTION_ARGS)
{
	int			i;

	require_shmem("ukg_fdw_stats_reset");
	LWLockAcquire(ukg_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < ukg_shared->nentries; i++)
		ukg_entries[i].used = false;
	ukg_shared->overflow.used = false;
	ukg_shared->stats_reset = GetCurrentTimestamp();
	LWLockRelease(ukg_shared->lock);
	PG_RETURN_VOID();
}

/*
 * ukg_fdw_activity
 *		One row per live foreign scan in any backend.
 */
Datum
ukg_fdw_activity(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	require_shmem("ukg_fdw_activity");
	ukg_init_srf(fcinfo);

	for (i = 0; i < ukg_shared->nslots; i++)
	{
		UkgScanSlot copy;
		Datum		values[15];
		bool		nulls[15] = {0};
		int			j = 0;
		const char *wait;

		SpinLockAcquire(&ukg_slots[i].mutex);
		copy = ukg_slots[i];
		SpinLockRelease(&ukg_slots[i].mutex);
		if (copy.pid == 0)
			continue;

		values[j++] = Int32GetDatum(copy.pid);
		values[j++] = ObjectIdGetDatum(copy.dbid);
		values[j++] = ObjectIdGetDatum(copy.serverid);
		values[j++] = CStringGetTextDatum(NameStr(copy.server_name));
		values[j++] = ObjectIdGetDatum(copy.relid);
		values[j++] = CStringGetTextDatum(NameStr(copy.relname));
		values[j++] = ObjectIdGetDatum(copy.userid);
		values[j++] = TimestampTzGetDatum(copy.started);
		values[j++] = Int64GetDatum(copy.requests);
		values[j++] = Int64GetDatum(copy.pages);
		values[j++] = Int64GetDatum(copy.rows);
		values[j++] = Int64GetDatum(copy.bytes);
		values[j++] = Int64GetDatum(copy.retries);
		wait = wait_name(copy.wait);
		nulls[j] = wait == NULL;
		values[j++] = wait ? CStringGetTextDatum(wait) : (Datum) 0;
		nulls[j] = copy.wait_started == 0;
		values[j++] = TimestampTzGetDatum(copy.wait_started);
		Assert(j == lengthof(values));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
