/*
 * dir_probe: drive authd/dir.c against a real directory by hand.
 * Not installed; passwords come from the command line, so use it only
 * with test directories.
 *
 *   dir_probe CONF lookup USER
 *   dir_probe CONF bind USER PASSWORD
 *   dir_probe CONF change USER OLD NEW
 *   dir_probe CONF login USER [HOST [SERVICE]]
 *   dir_probe CONF logout USER
 *   dir_probe CONF repeat N USER PASSWORD   (a bind every second, one pool)
 *   dir_probe CONF threads T N USER PASSWORD (T threads, N lookups+binds each)
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dir.h"
#include "err.h"
#include "log.h"

static const char *
status_name(int st)
{
	switch (st) {
	case DIR_OK: return "DIR_OK";
	case DIR_NOT_FOUND: return "DIR_NOT_FOUND";
	case DIR_INVALID: return "DIR_INVALID";
	case DIR_LOCKED: return "DIR_LOCKED";
	case DIR_EXPIRED: return "DIR_EXPIRED";
	case DIR_QUALITY: return "DIR_QUALITY";
	case DIR_WRONG_OLD: return "DIR_WRONG_OLD";
	case DIR_REFUSED: return "DIR_REFUSED";
	case DIR_UNAVAILABLE: return "DIR_UNAVAILABLE";
	case DIR_ERROR: return "DIR_ERROR";
	default: return "?";
	}
}

static void
print_time(const char *name, time_t t)
{
	char buf[64];
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, sizeof(buf), "-");
	else
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("  %-18s %s\n", name, buf);
}

static void
print_account(const struct dir_account *a)
{
	printf("  %-18s %s\n", "dn", a->dn);
	printf("  %-18s %s\n", "uid", a->uid);
	printf("  %-18s %ld\n", "uidNumber", a->uid_number);
	printf("  %-18s %s\n", "state", a->state);
	printf("  %-18s %s\n", "type", a->type);
	print_time("valid_from", a->valid_from);
	print_time("valid_until", a->valid_until);
	print_time("last_login_time", a->last_login_time);
	printf("  %-18s %s\n", "last_login_host", a->last_login_host);
	printf("  %-18s %s\n", "last_login_service", a->last_login_service);
	print_time("last_logout_time", a->last_logout_time);
	printf("  %-18s %u\n", "failures", a->failures);
	printf("  %-18s %d\n", "locked", a->locked);
	printf("  %-18s %d\n", "pwd_reset", a->pwd_reset);
	printf("  %-18s %u\n", "grace_used", a->grace_used);
	print_time("pwd_changed", a->pwd_changed);
}

/* Look the user up; NULL dn (unknown user) is passed on to the bind. */
static int
find_dn(struct dir_conn *c, const char *user, struct dir_account *a,
    const char **dn_r)
{
	int st;

	*dn_r = NULL;
	st = dir_account_lookup(c, user, a);
	if (st == DIR_OK)
		*dn_r = a->dn;
	else if (st != DIR_NOT_FOUND) {
		printf("lookup: %s (%s)\n", status_name(st), dir_conn_error(c));
		return st;
	}
	return DIR_OK;
}

static int
do_bind(struct dir_conn *c, const char *user, const char *pw)
{
	struct dir_account a;
	struct dir_bind_result br;
	const char *dn;
	int st;

	if ((st = find_dn(c, user, &a, &dn)) != DIR_OK)
		return st;
	st = dir_password_bind(c, dn, pw, &br);
	printf("bind %s: %s must_change=%d grace_left=%d expire_in=%ld"
	    " message=\"%s\"%s%s\n", dn != NULL ? dn : "(timing dn)",
	    status_name(st), br.must_change, br.grace_left, br.expire_in,
	    br.message, st != DIR_OK ? " error=" : "",
	    st != DIR_OK ? dir_conn_error(c) : "");
	return st;
}

struct worker {
	pthread_t tid;
	struct dir_pool *pool;
	const char *user, *password;
	int n, ok, bad;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct dir_conn *c;
	struct dir_account a;
	struct dir_bind_result br;
	int i;

	for (i = 0; i < w->n; i++) {
		c = dir_pool_get(w->pool);
		if (dir_account_lookup(c, w->user, &a) == DIR_OK &&
		    dir_password_bind(c, a.dn, w->password, &br) == DIR_OK)
			w->ok++;
		else
			w->bad++;
		dir_pool_put(w->pool, c);
	}
	return NULL;
}

static int
run_threads(struct dir_pool *pool, int nthreads, int n, const char *user,
    const char *password)
{
	struct worker w[64];
	int i, ok = 0, bad = 0;

	if (nthreads < 1 || nthreads > 64)
		return DIR_ERROR;
	for (i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .pool = pool, .user = user,
		    .password = password, .n = n };
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
			return DIR_ERROR;
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		ok += w[i].ok;
		bad += w[i].bad;
	}
	printf("threads: %d ok, %d failed\n", ok, bad);
	return bad == 0 ? DIR_OK : DIR_ERROR;
}

static int
run(struct dir_pool *pool, int argc, char **argv)
{
	struct dir_conn *c;
	struct dir_account a;
	struct dir_bind_result br;
	char msg[256];
	const char *dn, *cmd = argv[0];
	int i, n, st = DIR_ERROR;

	if (strcmp(cmd, "threads") == 0 && argc == 5)
		return run_threads(pool, atoi(argv[1]), atoi(argv[2]), argv[3],
		    argv[4]);
	c = dir_pool_get(pool);
	if (strcmp(cmd, "lookup") == 0 && argc == 2) {
		st = dir_account_lookup(c, argv[1], &a);
		printf("lookup %s: %s %s\n", argv[1], status_name(st),
		    dir_conn_error(c));
		if (st == DIR_OK)
			print_account(&a);
	} else if (strcmp(cmd, "bind") == 0 && argc == 3) {
		st = do_bind(c, argv[1], argv[2]);
	} else if (strcmp(cmd, "change") == 0 && argc == 4) {
		if ((st = find_dn(c, argv[1], &a, &dn)) != DIR_OK)
			goto out;
		if (dn == NULL) {
			printf("change: no such user\n");
			st = DIR_NOT_FOUND;
			goto out;
		}
		st = dir_password_change(c, dn, argv[2], argv[3], msg,
		    sizeof(msg));
		printf("change %s: %s message=\"%s\" error=%s\n", dn,
		    status_name(st), msg, dir_conn_error(c));
	} else if ((strcmp(cmd, "login") == 0 && argc >= 2 && argc <= 4) ||
	    (strcmp(cmd, "logout") == 0 && argc == 2)) {
		if ((st = dir_account_lookup(c, argv[1], &a)) != DIR_OK) {
			printf("lookup: %s %s\n", status_name(st),
			    dir_conn_error(c));
			goto out;
		}
		if (cmd[5] == '\0')
			st = dir_record_login(c, a.dn, time(NULL),
			    argc > 2 ? argv[2] : "probe-host",
			    argc > 3 ? argv[3] : "dir_probe");
		else
			st = dir_record_logout(c, a.dn, time(NULL));
		printf("%s %s: %s %s\n", cmd, a.dn, status_name(st),
		    dir_conn_error(c));
	} else if (strcmp(cmd, "repeat") == 0 && argc == 4) {
		/* look up once, then bind: exercises the bind handle alone */
		if ((st = find_dn(c, argv[2], &a, &dn)) != DIR_OK)
			goto out;
		n = atoi(argv[1]);
		for (i = 0; i < n; i++) {
			if (i > 0) {
				dir_pool_put(pool, c);
				sleep(1);
				c = dir_pool_get(pool);
			}
			st = dir_password_bind(c, dn, argv[3], &br);
			printf("[%d] bind: %s %s\n", i, status_name(st),
			    st != DIR_OK ? dir_conn_error(c) : "");
			fflush(stdout);
		}
	} else {
		fprintf(stderr, "dir_probe: bad command\n");
		st = DIR_ERROR;
	}
 out:
	dir_pool_put(pool, c);
	return st;
}

int
main(int argc, char **argv)
{
	struct authd_conf conf;
	struct dir_pool *pool = NULL;
	char err[512];
	int r, st = DIR_ERROR;

	if (argc < 3) {
		fprintf(stderr, "usage: dir_probe CONF lookup USER | bind USER "
		    "PASSWORD | change USER OLD NEW | login USER [HOST [SERVICE]]"
		    " | logout USER | repeat N USER PASSWORD\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	authd_log_open("dir_probe", 1, 1);
	if ((r = authd_conf_init(&conf)) != AUTHD_OK) {
		fprintf(stderr, "conf: %s\n", authd_strerror(r));
		return 1;
	}
	if (authd_conf_load(&conf, argv[1], err, sizeof(err)) != AUTHD_OK ||
	    authd_conf_validate(&conf, err, sizeof(err)) != AUTHD_OK) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if ((r = dir_pool_new(&conf, &pool)) != AUTHD_OK) {
		fprintf(stderr, "dir_pool_new: %s\n", authd_strerror(r));
		goto out;
	}
	st = run(pool, argc - 2, argv + 2);
 out:
	dir_pool_free(&pool);
	authd_conf_free(&conf);
	return st == DIR_OK ? 0 : 1;
}
