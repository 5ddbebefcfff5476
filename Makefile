# ukg_fdw/Makefile

MODULE_big = ukg_fdw
OBJS = \
	$(WIN32RES) \
	ukg_fdw.o \
	src/analyze.o \
	src/async.o \
	src/auth.o \
	src/catalog.o \
	src/catalog_data.o \
	src/check.o \
	src/comment.o \
	src/http.o \
	src/import.o \
	src/json_conv.o \
	src/json_scan.o \
	src/option.o \
	src/pager.o \
	src/pushdown.o \
	src/scan.o \
	src/stats.o \
	src/ukg_json.o
PGFILEDESC = "ukg_fdw - foreign data wrapper for the UKG Pro REST APIs"

EXTENSION = ukg_fdw
DATA = ukg_fdw--0.1.0.sql ukg_fdw--0.1.0--0.2.0.sql

CURL_CONFIG ?= curl-config
PKG_CONFIG ?= pkg-config

PG_CPPFLAGS = -I$(srcdir)/src $(shell $(CURL_CONFIG) --cflags) $(shell $(PKG_CONFIG) --cflags json-c)
SHLIB_LINK = $(shell $(CURL_CONFIG) --libs) $(shell $(PKG_CONFIG) --libs json-c)
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare

# ASAN=1 builds the module with AddressSanitizer (see test/run_tests.sh --asan)
ifeq ($(ASAN),1)
PG_CFLAGS += -fsanitize=address -fno-omit-frame-pointer
SHLIB_LINK += -fsanitize=address
endif


REGRESS = setup options types paging pushdown import errors check security soundness analyze explain comment conversion never_short

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
