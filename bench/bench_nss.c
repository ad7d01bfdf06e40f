/*
 * getpwnam() lookups per second, in one run:
 *   - through libnss_authd.so.2 (dlopen, _nss_authd_getpwnam_r) and authd,
 *   - through libc's `files` module for a name in /etc/passwd,
 *   - as a raw LDAP search for the same entry on the same slapd (one
 *     connection per thread, bound as authd: the directory's floor),
 * each at 1 and 16 threads for a fixed time.
 *
 *   bench_nss -m MODULE.so -s NSS_SOCKET -n NAME -H LDAP_URI -D BIND_DN
 *             -w BIND_PW_FILE -b PEOPLE_DN [-f FILES_NAME] [-t SECONDS]
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

typedef enum nss_status (*getpwnam_fn)(const char *, struct passwd *, char *,
    size_t, int *);

static getpwnam_fn mod_getpwnam, files_getpwnam;
static const char *name = "sato", *files_name = "root";
static const char *uri, *bind_dn, *people_dn;
static char bind_pw[256];
static double seconds = 3;

enum kind { K_MODULE, K_FILES, K_LDAP };

struct worker {
	pthread_t th;
	enum kind kind;
	volatile int *stop;
	unsigned long ok, failed;
};

static void *
run(void *arg)
{
	struct worker *w = arg;
	struct passwd pw;
	char buf[4096], filter[300];
	LDAP *ld = NULL;
	int err;

	if (w->kind == K_LDAP) {
		struct berval cred = { strlen(bind_pw), bind_pw };
		int v = LDAP_VERSION3;

		if (ldap_initialize(&ld, uri) != LDAP_SUCCESS ||
		    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v) != LDAP_SUCCESS ||
		    ldap_sasl_bind_s(ld, bind_dn, LDAP_SASL_SIMPLE, &cred, NULL,
		    NULL, NULL) != LDAP_SUCCESS) {
			fprintf(stderr, "bench_nss: cannot bind to %s\n", uri);
			w->failed++;
			return NULL;
		}
		snprintf(filter, sizeof(filter),
		    "(&(objectClass=posixAccount)(uid=%s))", name);
	}
	while (!*w->stop) {
		int ok;

		if (w->kind == K_MODULE)
			ok = mod_getpwnam(name, &pw, buf, sizeof(buf), &err) ==
			    NSS_STATUS_SUCCESS;
		else if (w->kind == K_FILES)
			ok = files_getpwnam(files_name, &pw, buf, sizeof(buf),
			    &err) == NSS_STATUS_SUCCESS;
		else {
			static char *attrs[] = { "uid", "uidNumber", "gidNumber",
			    "gecos", "cn", "homeDirectory", "loginShell", NULL };
			LDAPMessage *res = NULL;

			ok = ldap_search_ext_s(ld, people_dn, LDAP_SCOPE_SUBTREE,
			    filter, attrs, 0, NULL, NULL, NULL, 2, &res) ==
			    LDAP_SUCCESS && ldap_count_entries(ld, res) == 1;
			ldap_msgfree(res);
		}
		if (ok)
			w->ok++;
		else
			w->failed++;
	}
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
measure(const char *label, enum kind kind, int nthreads)
{
	struct worker w[16];
	volatile int stop = 0;
	unsigned long ok = 0, failed = 0;
	double t0, t1;
	int i;

	t0 = now_s();
	for (i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].kind = kind;
		w[i].stop = &stop;
		pthread_create(&w[i].th, NULL, run, &w[i]);
	}
	usleep((useconds_t)(seconds * 1e6));
	stop = 1;
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].th, NULL);
		ok += w[i].ok;
		failed += w[i].failed;
	}
	t1 = now_s();
	printf("%-28s %2d thread%s %10.0f lookups/s  (%lu ok, %lu failed)\n",
	    label, nthreads, nthreads == 1 ? " " : "s", ok / (t1 - t0), ok, failed);
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_nss -m module.so -s nss_socket -n name "
	    "-H ldap_uri -D bind_dn -w bind_pw_file -b people_dn [-f files_name] "
	    "[-t seconds]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *module = NULL, *sock = NULL, *pwfile = NULL;
	static const int threads[] = { 1, 16 };
	void *hm, *hf;
	FILE *f;
	size_t i;
	int ch;

	while ((ch = getopt(argc, argv, "m:s:n:H:D:w:b:f:t:")) != -1) {
		switch (ch) {
		case 'm': module = optarg; break;
		case 's': sock = optarg; break;
		case 'n': name = optarg; break;
		case 'H': uri = optarg; break;
		case 'D': bind_dn = optarg; break;
		case 'w': pwfile = optarg; break;
		case 'b': people_dn = optarg; break;
		case 'f': files_name = optarg; break;
		case 't': seconds = atof(optarg); break;
		default: usage();
		}
	}
	if (module == NULL || sock == NULL || uri == NULL || bind_dn == NULL ||
	    pwfile == NULL || people_dn == NULL || seconds <= 0)
		usage();
	if ((f = fopen(pwfile, "r")) == NULL || fgets(bind_pw, sizeof(bind_pw),
	    f) == NULL) {
		perror(pwfile);
		return 1;
	}
	fclose(f);
	bind_pw[strcspn(bind_pw, "\n")] = '\0';
	setenv("AUTHD_NSS_SOCKET", sock, 1);
	if ((hm = dlopen(module, RTLD_NOW)) == NULL ||
	    (mod_getpwnam = (getpwnam_fn)dlsym(hm, "_nss_authd_getpwnam_r")) == NULL ||
	    (hf = dlopen("libnss_files.so.2", RTLD_NOW)) == NULL ||
	    (files_getpwnam = (getpwnam_fn)dlsym(hf, "_nss_files_getpwnam_r")) == NULL) {
		fprintf(stderr, "bench_nss: %s\n", dlerror());
		return 1;
	}
	printf("getpwnam(\"%s\") through authd, getpwnam(\"%s\") in /etc/passwd, "
	    "%.0f s each\n", name, files_name, seconds);
	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		measure("libnss_authd -> authd", K_MODULE, threads[i]);
		measure("files (/etc/passwd)", K_FILES, threads[i]);
		measure("raw LDAP search (slapd)", K_LDAP, threads[i]);
	}
	return 0;
}
