/*-------------------------------------------------------------------------
 *
 * async.c
 *		  Asynchronous foreign scans (PostgreSQL 14 and later).
 *
 * Under an Append with several ukg_fdw scans (a UNION ALL, a partitioned
 * table over several tenants or companies), PostgreSQL asks each scan for a
 * tuple without waiting, and waits on an event set when none has one.  A
 * scan in async mode never blocks on the network: when its next page has
 * not arrived, its Iterate callback returns an empty slot and marks the scan
 * "waiting" (scan.c); the request is then pending, and the scan adds one
 * descriptor to the event set: its own duplicate of http.c's wait
 * descriptor, which becomes readable when any of curl's sockets is ready or
 * curl's next timeout (at most 100 ms away) has passed.  Every scan shares
 * the backend's one curl multi handle, so the transfers of all branches move
 * whichever scan is notified.  A retry's back-off does not block either:
 * http.c lets the request wait for its time while the other scans go on.
 * Each notification checks for interrupts, so a cancel takes effect within
 * about 100 ms.
 *
 * An error in any branch aborts the query; the requests of every branch
 * belong to their scans' memory contexts, whose reset cancels and frees
 * them, and the duplicated descriptors are closed the same way.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/async.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#if PG_VERSION_NUM >= 140000
#include "executor/execAsync.h"
#include "nodes/execnodes.h"
#include "storage/latch.h"
#endif

#include "ukg_fdw.h"

/*
 * ukg_async_supported
 *		Can scans run asynchronously on this platform?
 */
bool
ukg_async_supported(void)
{
#if PG_VERSION_NUM >= 140000 && defined(__linux__)
	return true;
#else
	return false;
#endif
}

static void
close_wait_fd(void *arg)
{
	UkgAsync   *as = (UkgAsync *) arg;

	if (as->fd >= 0)
		close(as->fd);
	as->fd = -1;
}

/*
 * ukg_async_create
 *		Async state of a scan, in the scan's memory context; its descriptor
 *		is closed when that context goes, error or not.
 */
UkgAsync *
ukg_async_create(MemoryContext cxt)
{
	UkgAsync   *as = MemoryContextAllocZero(cxt, sizeof(UkgAsync));

	as->fd = -1;
	as->cb.func = close_wait_fd;
	as->cb.arg = as;
	MemoryContextRegisterResetCallback(cxt, &as->cb);
	return as;
}

#if PG_VERSION_NUM >= 140000

/*
 * True between a ForeignAsyncRequest/Notify and the next: a scan configured
 * in this round of waits can make progress at once, so the wait must not
 * block.
 */
static bool ready_this_round = false;

/*
 * produce
 *		Hand the Append the scan's next tuple, the end of the scan, or make
 *		the request pending while the next page is on the network.
 */
static void
produce(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	UkgAsync   *as = ukg_scan_async(node);
	TupleTableSlot *result;

	ready_this_round = false;
	result = areq->requestee->ExecProcNodeReal(areq->requestee);
	if (!TupIsNull(result))
		ExecAsyncRequestDone(areq, result);
	else if (as != NULL && as->waiting)
		ExecAsyncRequestPending(areq);
	else
		ExecAsyncRequestDone(areq, NULL);
}

static void
ukgForeignAsyncRequest(AsyncRequest *areq)
{
	produce(areq);
}

/*
 * ukgForeignAsyncConfigureWait
 *		Add this scan's descriptor to the Append's event set (one event per
 *		scan: the set has room for no more).
 */
static void
ukgForeignAsyncConfigureWait(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	AppendState *requestor = (AppendState *) areq->requestor;
	UkgAsync   *as = ukg_scan_async(node);
	int			fd;

	if (ukg_scan_async_ready(node))
		ready_this_round = true;
	fd = ukg_http_wait_fd(ready_this_round);
	if (fd < 0)
		elog(ERROR, "ukg_fdw: no descriptor to wait on for an asynchronous scan");
	if (as->fd < 0)
	{
		as->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (as->fd < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not duplicate a descriptor for an asynchronous scan: %m")));
	}
	AddWaitEventToSet(requestor->as_eventset, WL_SOCKET_READABLE, as->fd,
					  NULL, areq);
}

/*
 * ukgForeignAsyncNotify
 *		Something is ready on the network, or curl's timer is due: let the
 *		transfers progress and try again.
 */
static void
ukgForeignAsyncNotify(AsyncRequest *areq)
{
	CHECK_FOR_INTERRUPTS();
	ukg_http_progress();
	produce(areq);
}

#endif							/* PG_VERSION_NUM >= 140000 */

/*
 * ukg_async_fill_routine
 *		The async callbacks, where PostgreSQL has them.
 */
void
ukg_async_fill_routine(FdwRoutine *routine)
{
#if PG_VERSION_NUM >= 140000
	routine->ForeignAsyncRequest = ukgForeignAsyncRequest;
	routine->ForeignAsyncConfigureWait = ukgForeignAsyncConfigureWait;
	routine->ForeignAsyncNotify = ukgForeignAsyncNotify;
#endif
}
