/*-------------------------------------------------------------------------
 *
 * pager.c
 *		  The paging policy of a ukg_fdw scan: which page to request next,
 *		  and whether a page received ends the request set.
 *
 * A UKG list resource is read as page=1,2,... with per_Page (or per_page)
 * set to the scan's page size.  The server may quietly return fewer rows
 * than asked for (a cap that is documented for some resources, undocumented
 * for others), so "a page shorter than requested ends the set" is not safe
 * on its own.  The rules, all kept here:
 *
 * - An empty page ends the set.
 * - A page at least as long as the expected size (the observed cap once
 *   known, else the requested size) is full: request the next page, and
 *   from then on keep up to "prefetch" requests in flight.
 * - A shorter, non-empty page while no cap is known is "possibly capped":
 *   request one more page.  If that page has rows, the server's cap is the
 *   size of the short page (the observed cap), and the short-page rule goes
 *   on against it; if it is empty, the set ends.
 * - A page shorter than a known cap ends the set, and so does one shorter
 *   than the longest page seen in the scan (the cap, if any, is larger) or
 *   one after the server has given a full page of the requested size.
 * - A page identical to the one before ends the set: the resource ignores
 *   paging (jobs, locations, org-levels) and answers every page alike.
 * - A resource without paging answers one request.
 * - A page past max_pages that still has rows is an error; a scan of
 *   exactly max_pages pages ends without one (the page after it, needed to
 *   see the end, is empty or identical).
 *
 * The observed cap lives as long as the scan state (all request sets and
 * rescans), since it is a property of the resource on this server.
 *
 * The 404 rule lives here too: only UKG's "no records" answer ends a set as
 * empty (ukg_not_found_is_empty); any other 404 is an error naming the path
 * (ukg_raise_not_found), with a hint at the other form of base_url when no
 * route matched.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  src/pager.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"

#include "ukg_fdw.h"

/*
 * ukg_pager_init
 *		Set up the pager of a scan.  relname names the table in errors.
 */
void
ukg_pager_init(UkgPager *pg, const char *relname, bool paged, int page_size,
			   int max_pages, int prefetch)
{
	memset(pg, 0, sizeof(UkgPager));
	pg->relname = relname;
	pg->paged = paged;
	pg->page_size = page_size;
	pg->max_pages = max_pages;
	pg->prefetch = Max(prefetch, 1);
	ukg_pager_begin_set(pg);
}

/*
 * ukg_pager_begin_set
 *		Start a request set (one per IN-list value) at page 1.
 */
void
ukg_pager_begin_set(UkgPager *pg)
{
	pg->next_page = 1;
	pg->done = false;
	pg->pipelined = false;
	pg->short_rows = 0;
	pg->prev_len = 0;
	pg->prev_hash = 0;
}

/*
 * ukg_pager_next_request
 *		The number of the next page to request, or 0 when no request may be
 *		started now.  inflight is the number of requests of this set already
 *		in flight.  Until a full page has been seen only one request is in
 *		flight, so that small results make no speculative requests; no page
 *		past max_pages + 1 is ever requested.
 */
int
ukg_pager_next_request(UkgPager *pg, int inflight)
{
	int			window = pg->pipelined ? pg->prefetch : 1;

	if (pg->done || inflight >= window)
		return 0;
	if (pg->paged && pg->next_page > pg->max_pages + 1)
		return 0;
	if (!pg->paged && pg->next_page > 1)
		return 0;
	return pg->next_page++;
}

/*
 * ukg_pager_rewind
 *		Request page again (after the scan abandoned the requests from page
 *		on, e.g. to renew an expired token).
 */
void
ukg_pager_rewind(UkgPager *pg, int page)
{
	pg->next_page = page;
	pg->done = false;
}

/*
 * ukg_pager_body
 *		A page's body has arrived: UKG_PAGE_ROWS to read it, or UKG_PAGE_STOP
 *		when it repeats the page before (the resource ignores paging), which
 *		ends the set.
 */
UkgPageVerdict
ukg_pager_body(UkgPager *pg, int page, const char *body, size_t len)
{
	uint64		h;

	if (!pg->paged)
		return UKG_PAGE_ROWS;
	h = hash_bytes_extended((const unsigned char *) body, (int) len, 0);
	if (page > 1 && len == pg->prev_len && h == pg->prev_hash)
	{
		pg->done = true;
		return UKG_PAGE_STOP;
	}
	pg->prev_len = len;
	pg->prev_hash = h;
	return UKG_PAGE_ROWS;
}

/*
 * ukg_pager_rows
 *		The page has been read and had rows rows.  Returns true when the set
 *		goes on (the next page must be read), false when it has ended.
 */
bool
ukg_pager_rows(UkgPager *pg, int page, int rows)
{
	int			expected;

	if (!pg->paged)
	{
		pg->done = true;
		return false;
	}
	if (rows == 0)
	{
		pg->done = true;
		return false;
	}

	/* a page with rows beyond max_pages: never return a partial result */
	if (page > pg->max_pages)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("foreign table \"%s\" has more than %d pages", pg->relname,
						pg->max_pages),
				 errdetail("The scan stopped instead of returning partial data."),
				 errhint("Raise the max_pages option of the table or server, or filter the query.")));

	/* the page after a "possibly capped" one has rows: the cap is real */
	if (pg->short_rows > 0 && pg->observed_cap == 0)
	{
		pg->observed_cap = pg->short_rows;
		ereport(DEBUG1,
				(errmsg_internal("ukg_fdw: foreign table \"%s\": the server returns at most %d rows per page (asked for %d); page_size %d would match it",
								 pg->relname, pg->observed_cap, pg->page_size,
								 pg->observed_cap)));
	}
	pg->short_rows = 0;

	if (rows >= pg->page_size)
		pg->uncapped = true;
	/* rows < max_rows below: a longer page was seen before */
	pg->max_rows = Max(pg->max_rows, rows);
	expected = pg->observed_cap > 0 ? Min(pg->observed_cap, pg->page_size) : pg->page_size;
	if (rows >= expected)
	{
		/* full (or more than asked for: the identical-page rule ends it) */
		pg->pipelined = true;
		return true;
	}
	if (pg->observed_cap > 0 || pg->uncapped || rows < pg->max_rows)
	{
		/*
		 * Shorter than a known cap, than the full pages of the requested
		 * size this server has already returned, or than a page it has
		 * returned in this scan (so its cap, if any, is larger): the last
		 * page.
		 */
		pg->done = true;
		return false;
	}
	/* possibly capped: one more request decides */
	pg->short_rows = rows;
	pg->probes++;
	return true;
}

/*
 * contains_ci
 *		Does text (len bytes, not necessarily NUL-terminated) contain needle,
 *		ignoring ASCII case?
 */
static bool
contains_ci(const char *text, size_t len, const char *needle)
{
	size_t		n = strlen(needle);
	size_t		i;

	for (i = 0; i + n <= len; i++)
		if (pg_strncasecmp(text + i, needle, n) == 0)
			return true;
	return false;
}

/*
 * ukg_not_found_is_empty
 *		Is this 404 UKG's "no records" answer, which ends a request set as
 *		empty?  Everything else that answers 404 is an error.
 *
 * The spec documents 404 ("NotFound") on nearly every list operation and
 * types its body, where it types one at all, as a JSON object of free-form
 * members or a JSON array; FACTS.md (error handling) records that whether an
 * empty result is "200 []" or a 404 is uncertain.  The shape accepted here
 * is therefore narrow: a JSON body (JSON or no content type) that is
 * either an empty array, or an object whose message says there are no
 * records ("No records found.", "No record found").  A routing 404 (ASP.NET's
 * "No HTTP resource was found that matches the request URI"), an HTML
 * page, an empty body or any other text is not it.
 */
bool
ukg_not_found_is_empty(const char *content_type, const char *body, size_t len)
{
	const char *start = body;
	const char *end = body + len;
	char	   *msg;

	if (content_type && content_type[0] && strstr(content_type, "json") == NULL)
		return false;
	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	if (end - start < 2)
		return false;
	if (start[0] == '[')
	{
		/* an empty array, whitespace allowed inside */
		const char *p = start + 1;

		while (p < end && isspace((unsigned char) *p))
			p++;
		return p == end - 1 && *p == ']';
	}
	if (start[0] != '{' || end[-1] != '}')
		return false;
	if (ukg_not_found_is_routing(body, len))
		return false;
	msg = ukg_json_error_message(start, end - start);
	return msg != NULL && contains_ci(msg, strlen(msg), "no record");
}

/*
 * ukg_not_found_is_routing
 *		Is the body ASP.NET's routing 404: no route matches the URL?
 */
bool
ukg_not_found_is_routing(const char *body, size_t len)
{
	return contains_ci(body, len, "No HTTP resource was found");
}

/*
 * ukg_base_url_other_form
 *		base_url with "/services" removed when it ends so, else with it
 *		appended.  UKG documents both forms (see README, "base_url").
 */
char *
ukg_base_url_other_form(const char *base_url)
{
	size_t		len = strlen(base_url);

	if (len >= 9 && pg_strcasecmp(base_url + len - 9, "/services") == 0)
		return pnstrdup(base_url, len - 9);
	return psprintf("%s/services", base_url);
}

/*
 * ukg_raise_not_found
 *		The error for a 404 that is not UKG's "no records" answer: on any
 *		page, with or without pushed filters.  It names the path; a routing
 *		404 hints at the other form of base_url.
 */
void
ukg_raise_not_found(const UkgOptions *opts, const UkgRequestContext *ctx,
					const char *body, size_t len)
{
	char	   *remote = ukg_json_error_message(body, len);
	bool		routing = ukg_not_found_is_routing(body, len);
	size_t		blen = strlen(opts->base_url);
	bool		has_services = blen >= 9 &&
		pg_strcasecmp(opts->base_url + blen - 9, "/services") == 0;

	ereport(ERROR,
			(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
			 ctx->relname
			 ? errmsg("UKG API has no resource \"%s\" for foreign table \"%s\" (HTTP status 404)",
					  ctx->path, ctx->relname)
			 : errmsg("UKG API has no resource \"%s\" on server \"%s\" (HTTP status 404)",
					  ctx->path, ctx->server_name),
			 remote ? errdetail_internal("UKG answered: %s", remote) :
			 errdetail("UKG answered with an empty body."),
			 routing && has_services
			 ? errhint("No route matches under the server's base_url, which ends in \"/services\" (UKG's SOAP prefix); REST paths usually hang off the host root: try base_url '%s'.",
					   ukg_base_url_other_form(opts->base_url))
			 : routing
			 ? errhint("No route matches: check the table's resource option and the server's base_url; if this tenant serves REST under /services, try base_url '%s'.",
					   ukg_base_url_other_form(opts->base_url))
			 : errhint("Check the table's resource option, the server's base_url (the service host, such as \"https://service4.ultipro.com\"), and that the tenant licenses this web service."),
			 ctx->page > 0 ? errcontext("GET %s, page %d", ctx->path, ctx->page) :
			 errcontext("GET %s", ctx->path)));
}
