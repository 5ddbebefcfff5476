/*-------------------------------------------------------------------------
 *
 * floor.c
 *		  "The floor" of the ukg_fdw benchmark: the least work any client
 *		  can do to read a UKG Pro collection.
 *
 * It fetches the pages of one resource with libcurl (one easy handle, so
 * one keep-alive connection, pages requested one after another from
 * page=1 until a short page) and parses each page body with json-c
 * (json_tokener_parse, then a walk of the array touching each record).
 * Nothing else: no conversion, no storage.  The request headers are those
 * of ukg_fdw (Basic auth, US-Customer-Api-Key, Accept: application/json);
 * by default it asks for no compression (Accept-Encoding: identity), -z
 * asks for gzip as ukg_fdw's libcurl does.
 *
 *	 floor [-z] [-k] [-u user:password] [-c customer_api_key]
 *		   [-s page_size] [-m max_pages] BASE_URL [RESOURCE_PATH]
 *
 * e.g.  floor -s 10000 http://127.0.0.1:8080/n/100000/fast
 *
 * Prints one line of key=value pairs:
 *	 rows=N requests=N bytes=N connections=N seconds=S rows_per_s=R maxrss_kb=K
 * where bytes is the size of the (decoded) bodies and connections the
 * number of new connections curl opened.
 *
 * Copyright (c) 2026, ukg_fdw developers
 *
 * IDENTIFICATION
 *		  test/bench/floor.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <json-c/json.h>

typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	Buf		   *b = arg;
	size_t		n = size * nmemb;

	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 1 << 20;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL)
		{
			fprintf(stderr, "floor: out of memory\n");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: floor [-z] [-k] [-u user:password] [-c customer_api_key]\n"
			"             [-s page_size] [-m max_pages] BASE_URL [RESOURCE_PATH]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *userpwd = "svc_user:svc_pass";
	const char *api_key = "CUST1";
	const char *path = "personnel/v1/person-details";
	const char *base;
	long		page_size = 10000;
	long		max_pages = 0;
	int			gzip = 0;
	int			insecure = 0;
	int			opt;
	CURL	   *curl;
	CURLcode	rc;
	struct curl_slist *headers = NULL;
	char		hdr[512];
	char	   *url;
	size_t		urlcap;
	Buf			body = {0};
	long		page;
	long long	rows = 0,
				requests = 0,
				bytes = 0,
				connections = 0,
				touched = 0;
	double		t0,
				secs;
	struct rusage ru;

	while ((opt = getopt(argc, argv, "zku:c:s:m:")) != -1)
	{
		switch (opt)
		{
			case 'z':
				gzip = 1;
				break;
			case 'k':
				insecure = 1;
				break;
			case 'u':
				userpwd = optarg;
				break;
			case 'c':
				api_key = optarg;
				break;
			case 's':
				page_size = atol(optarg);
				break;
			case 'm':
				max_pages = atol(optarg);
				break;
			default:
				usage();
		}
	}
	if (optind >= argc || page_size < 1)
		usage();
	base = argv[optind++];
	if (optind < argc)
		path = argv[optind++];
	while (*path == '/')
		path++;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	if (curl == NULL)
	{
		fprintf(stderr, "floor: curl_easy_init failed\n");
		return 1;
	}

	headers = curl_slist_append(headers, "Accept: application/json");
	snprintf(hdr, sizeof(hdr), "US-Customer-Api-Key: %s", api_key);
	headers = curl_slist_append(headers, hdr);
	if (!gzip)
		headers = curl_slist_append(headers, "Accept-Encoding: identity");

	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
	curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "ukg_fdw-bench-floor");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	if (gzip)
		curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
	if (insecure)
	{
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}

	urlcap = strlen(base) + strlen(path) + 64;
	url = malloc(urlcap);

	t0 = now();
	for (page = 1; max_pages == 0 || page <= max_pages; page++)
	{
		long		status = 0;
		long		nconn = 0;
		struct json_object *doc;
		size_t		n,
					i;

		snprintf(url, urlcap, "%s%s%s?page=%ld&per_Page=%ld", base,
				 base[0] && base[strlen(base) - 1] == '/' ? "" : "/",
				 path, page, page_size);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		body.len = 0;
		rc = curl_easy_perform(curl);
		if (rc != CURLE_OK)
		{
			fprintf(stderr, "floor: %s: %s\n", url, curl_easy_strerror(rc));
			return 1;
		}
		requests++;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &nconn);
		connections += nconn;
		bytes += body.len;
		if (status != 200)
		{
			fprintf(stderr, "floor: %s: HTTP %ld: %.200s\n", url, status,
					body.data ? body.data : "");
			return 1;
		}

		doc = json_tokener_parse(body.data ? body.data : "");
		if (doc == NULL || !json_object_is_type(doc, json_type_array))
		{
			fprintf(stderr, "floor: %s: the body is not a JSON array\n", url);
			return 1;
		}
		n = json_object_array_length(doc);
		for (i = 0; i < n; i++)
		{
			struct json_object *rec = json_object_array_get_idx(doc, i);

			/* touch the record: its type and its number of keys */
			if (json_object_is_type(rec, json_type_object))
				touched += json_object_object_length(rec);
		}
		json_object_put(doc);
		rows += n;
		if ((long) n < page_size)
			break;
	}
	secs = now() - t0;

	getrusage(RUSAGE_SELF, &ru);
	printf("rows=%lld requests=%lld bytes=%lld connections=%lld seconds=%.6f "
		   "rows_per_s=%.0f maxrss_kb=%ld fields=%lld\n",
		   rows, requests, bytes, connections, secs,
		   secs > 0 ? rows / secs : 0.0, ru.ru_maxrss, touched);

	free(url);
	free(body.data);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	return 0;
}
