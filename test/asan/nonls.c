/*
 * nonls.c - a test-only shim for the AddressSanitizer run of the suite.
 *
 * With GCC's or clang's ASan runtime preloaded, the Debian 12 postgres binary
 * deadlocks in glibc's bindtextdomain() before main() gets anywhere (the
 * lock's reader count underflows).  Preloading these no-op message-catalog
 * functions after the runtime sidesteps it; server messages stay in English.
 * Built and preloaded only by test/run_tests.sh --asan.
 */
char	   *bindtextdomain(const char *domain, const char *dir);
char	   *bind_textdomain_codeset(const char *domain, const char *codeset);
char	   *textdomain(const char *domain);

char *
bindtextdomain(const char *domain, const char *dir)
{
	(void) domain;
	return (char *) dir;
}

char *
bind_textdomain_codeset(const char *domain, const char *codeset)
{
	(void) domain;
	return (char *) codeset;
}

char *
textdomain(const char *domain)
{
	return (char *) domain;
}
