/*
 * authd: decides every login on this host. See authd(8).
 *
 *   authd [-c CONFIG] [-f] [-d] [-t] [-p PIDFILE] [-V]
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "audit.h"
#include "bind_async.h"
#include "card_view.h"
#include "checkpoint.h"
#include "conf.h"
#include "conn.h"
#include "deadline.h"
#include "decoy.h"
#include "decoy_lock.h"
#include "dir.h"
#include "err.h"
#include "grant_view.h"
#include "key_file.h"
#include "log.h"
#include "grace_hold.h"
#include "login_ids.h"
#include "loop.h"
#include "pct.h"
#include "privdrop.h"
#include "revoke.h"
#include "secret.h"
#include "server.h"
#include "session.h"
#include "totp.h"
#include "verifier.h"
#include "view.h"
#include "worker.h"

#define DEFAULT_CONFIG SYSCONFDIR "/authd/authd.conf"

/* The account authd becomes once set up (user = ...); run.uid 0: root. */
static struct privdrop run;

struct options {
	const char *config;
	const char *pidfile;
	int foreground;
	int debug;
	int check_only;
};

static void
usage(void)
{
	fprintf(stderr, "usage: authd [-c config] [-f] [-d] [-t] [-p pidfile] [-V]\n");
	exit(1);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = DEFAULT_CONFIG;
	while ((ch = getopt(argc, argv, "c:fdtp:Vh")) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'd':
			o->debug = o->foreground = 1;
			break;
		case 't':
			o->check_only = 1;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'V':
			printf("authd %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/* Load, validate, and make sure the bind password can be read. */
static int
load_config(const char *path, struct authd_conf *conf)
{
	char err[1024];
	char *pw = NULL;

	if (authd_conf_init(conf) != AUTHD_OK) {
		fprintf(stderr, "authd: out of memory\n");
		return -1;
	}
	err[0] = '\0';
	if (authd_conf_load(conf, path, err, sizeof(err)) != AUTHD_OK ||
	    authd_conf_validate(conf, err, sizeof(err)) != AUTHD_OK ||
	    authd_read_secret_file(conf->bind_password_file, &pw, err,
	    sizeof(err)) != AUTHD_OK ||
	    (conf->run_user != NULL &&
	    privdrop_resolve(conf->run_user, &run, err, sizeof(err)) != AUTHD_OK)) {
		fprintf(stderr, "%s\n", err[0] != '\0' ? err : "authd: bad configuration");
		return -1;
	}
	authd_secret_free(&pw);
	return 0;
}

/*
 * Fork into the background. The first process stays until the daemon says
 * it is ready (or why not) through a pipe, so that its exit status means
 * something to scripts.
 */
static int
daemonize(int *ready_fd_r)
{
	char msg[512];
	ssize_t n;
	pid_t pid;
	int p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], msg, sizeof(msg) - 1);
		(void)waitpid(pid, NULL, 0);
		if (n >= 1 && msg[0] == '\0')
			_exit(0);
		msg[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "%s\n", n > 1 ? msg + 1 : "authd: failed to start");
		_exit(1);
	}
	close(p[0]);
	if (setsid() == -1)
		_exit(1);
	if ((pid = fork()) == -1)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		_exit(1);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	*ready_fd_r = p[1];
	return 0;
}

static int log_to_stderr;   /* authd_log() already prints there */

/* Tell the waiting parent (if any): ok, or the reason for failing. */
static void
report_start(int *ready_fd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	msg[0] = '\0';
	if (fmt != NULL) {
		msg[0] = 1;
		va_start(ap, fmt);
		vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
		va_end(ap);
		authd_log(LOG_ERR, "%s", msg + 1);
		if (*ready_fd == -1 && !log_to_stderr)
			fprintf(stderr, "%s\n", msg + 1);
	}
	if (*ready_fd != -1) {
		(void)write(*ready_fd, msg, fmt != NULL ? strlen(msg + 1) + 1 : 1);
		close(*ready_fd);
		*ready_fd = -1;
	}
}

static int
write_pidfile(const char *path)
{
	char buf[32];
	int fd, len, r = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644)) == -1)
		return -1;
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len)
		r = -1;
	close(fd);
	return r;
}

struct signals {
	struct loop_source src;
	struct loop *loop;
	struct server *srv;
};

/* SIGUSR1: the audit log was rotated; go on in the new file. */
static void
reopen_audit(struct server *srv)
{
	int rotated, r;

	if (srv == NULL || srv->audit == NULL)
		return;
	if ((r = authd_audit_reopen(srv->audit, &rotated)) != AUTHD_OK)
		authd_log(LOG_ERR, "SIGUSR1: the audit log %s could not be "
		    "reopened (%s); records go on in the file open",
		    srv->conf->audit_log, authd_strerror(r));
	else if (rotated)
		authd_log(LOG_NOTICE, "SIGUSR1: the audit log %s was rotated; "
		    "a new file and chain begin", srv->conf->audit_log);
	else
		authd_log(LOG_INFO, "SIGUSR1: the audit log %s was not rotated",
		    srv->conf->audit_log);
}

static void
on_signal(struct loop_source *src, uint32_t events)
{
	struct signals *s = src->arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			authd_log(LOG_INFO, "signal %u: stopping", si.ssi_signo);
			loop_stop(s->loop);
			break;
		case SIGHUP:
			authd_log(LOG_NOTICE, "SIGHUP: reload not supported yet; "
			    "restart authd to apply a new configuration");
			break;
		case SIGUSR1:
			reopen_audit(s->srv);
			break;
		}
	}
}

/* Signals arrive as events of the loop; the worker threads never see them. */
static int
setup_signals(struct loop *loop, struct signals *s)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return AUTHD_ERR_IO;
	if ((s->src.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return AUTHD_ERR_IO;
	s->src.on_event = on_signal;
	s->src.arg = s;
	s->loop = loop;
	return loop_add(loop, &s->src, EPOLLIN);
}

static int
open_audit(struct server *srv, char *err, size_t errlen)
{
	const struct authd_conf *conf = srv->conf;
	int r;

	if ((r = loop_mkdir_parents(conf->audit_log, 0750, err, errlen)) != AUTHD_OK)
		return r;
	if ((r = authd_audit_open(conf->audit_log, conf->host_name, "authd",
	    conf->audit_fsync ? AUTHD_AUDIT_FSYNC : 0, &srv->audit)) != AUTHD_OK)
		snprintf(err, errlen, "%s: cannot open the audit log: %s",
		    conf->audit_log, authd_strerror(r));
	return r;
}

/* state_dir/name into out; -1 when too long. */
static int
state_path(const struct authd_conf *conf, const char *name, char *out,
    size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", conf->state_dir, name);

	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/*
 * Whether state_dir, when there, is not a directory of authd's own (of the
 * account of user, when set) that no one else can write to; err says so.
 */
static int
state_dir_wrong(const struct authd_conf *conf, char *err, size_t errlen)
{
	struct stat st;

	if (stat(conf->state_dir, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode) && st.st_uid == (run.uid != 0 ? run.uid :
	    geteuid()) && (st.st_mode & 022) == 0)
		return 0;
	if (run.uid != 0)
		snprintf(err, errlen, "state_dir %s: must be a directory of "
		    "authd's own that no one else can write to: owned by %s "
		    "(uid %ld), the account of user (chown %s %s)",
		    conf->state_dir, run.name, (long)run.uid, run.name,
		    conf->state_dir);
	else
		snprintf(err, errlen, "state_dir %s: must be a directory of "
		    "authd's own (uid %ld) that no one else can write to",
		    conf->state_dir, (long)geteuid());
	return 1;
}

/* The sessions open before a restart (session_store.h). */
static int
restore_sessions(struct server *srv, char *err, size_t errlen)
{
	struct stat st;
	char path[PATH_MAX];
	size_t restored, dropped;
	int r, existed;

	if (state_path(srv->conf, "sessions", path, sizeof(path)) != 0) {
		snprintf(err, errlen, "state_dir: path too long");
		return AUTHD_ERR_CONFIG;
	}
	existed = stat(srv->conf->state_dir, &st) == 0;
	if ((r = loop_mkdir_parents(path, 0700, err, errlen)) != AUTHD_OK)
		return r;
	/* made now: the account's, which writes in it */
	if (!existed && run.uid != 0 &&
	    chown(srv->conf->state_dir, run.uid, run.gid) == -1) {
		snprintf(err, errlen, "state_dir %s: cannot give it to %s: %s",
		    srv->conf->state_dir, run.name, strerror(errno));
		return AUTHD_ERR_CONFIG;
	}
	/* files in it are replaced by name: no one else may write there */
	if (stat(srv->conf->state_dir, &st) != 0) {
		snprintf(err, errlen, "state_dir %s: %s", srv->conf->state_dir,
		    strerror(errno));
		return AUTHD_ERR_CONFIG;
	}
	if (state_dir_wrong(srv->conf, err, errlen))
		return AUTHD_ERR_CONFIG;
	if ((r = session_registry_persist(srv->sessions, path, &restored,
	    &dropped, err, errlen)) != AUTHD_OK)
		return r;
	if (restored > 0 || dropped > 0)
		authd_log(LOG_NOTICE, "%s: %zu session%s read back, %zu whose "
		    "login program has ended forgotten", path, restored,
		    restored == 1 ? "" : "s", dropped);
	return AUTHD_OK;
}

/*
 * What the decoys' key (decoy.h) is drawn from, so that a name keeps its
 * decoy and its lock across restarts: the TOTP site key when there is one
 * (every host with it then gives a name the same decoy), else the host's
 * own, state_dir/decoy.key, made at the first start without a site key
 * (key_file.h; copy it to other hosts to have theirs alike). 0 with the
 * key, or -1: none (logged), a random key for this run.
 */
static int
decoy_root_key(const struct authd_conf *conf, uint8_t key[KEY_FILE_LEN])
{
	char err[512], path[PATH_MAX];
	const char *fix = "";
	struct stat st;

	if (conf->totp_key_file != NULL && conf->totp_key_file[0] != '\0') {
		if (totp_key_load(conf->totp_key_file, key, err, sizeof(err)) ==
		    AUTHD_OK)
			return 0;
		authd_log(LOG_WARNING, "decoy plans: %s; the host's decoy key "
		    "instead", err);
	}
	if (state_path(conf, "decoy.key", path, sizeof(path)) != 0) {
		snprintf(err, sizeof(err), "state_dir: path too long");
	} else if (lstat(path, &st) == -1 && errno == ENOENT) {
		if (key_file_create(path, "decoy key", key, err, sizeof(err)) ==
		    AUTHD_OK) {
			authd_log(LOG_NOTICE, "%s: a decoy key made for this host "
			    "(unknown names keep their decoys and locks across "
			    "restarts)", path);
			return 0;
		}
	} else if (key_file_load(path, "decoy key", "", key, err,
	    sizeof(err)) == AUTHD_OK) {
		return 0;
	} else {
		fix = "; remove the file to have a new key made";
	}
	authd_log(LOG_WARNING, "decoy plans: %s; a random key for this run (an "
	    "unknown name's prompts may change and its lock be forgotten at a "
	    "restart%s)", err, fix);
	return -1;
}

/* The decoys, their counts and their locks of the last run (decoy.h). */
static int
start_decoys(const struct authd_conf *conf, struct server *srv)
{
	static const char label[] = "authd decoy plans v1";
	uint8_t root[KEY_FILE_LEN];
	unsigned char key[EVP_MAX_MD_SIZE];
	unsigned int keylen = 0;
	char err[256], path[PATH_MAX];
	int have = 0, r;
	size_t i;

	/* HMAC(root key, label): the site key itself never leaves its uses */
	if (decoy_root_key(conf, root) == 0)
		have = HMAC(EVP_sha256(), root, sizeof(root),
		    (const unsigned char *)label, sizeof(label) - 1, key,
		    &keylen) != NULL && keylen == 32;
	explicit_bzero(root, sizeof(root));
	r = decoy_stats_new(have ? key : NULL, have ? keylen : 0, &srv->decoys);
	explicit_bzero(key, sizeof(key));
	if (r != AUTHD_OK)
		return r;
	/* the counts of the last run: without them a name's decoy would be
	 * every method again, then change, after each restart */
	for (i = 0; verifiers_all[i] != NULL; i++)
		snprintf(srv->decoy_methods + strlen(srv->decoy_methods),
		    sizeof(srv->decoy_methods) - strlen(srv->decoy_methods),
		    "%s%s", i > 0 ? "," : "", verifiers_all[i]->name);
	if (state_path(conf, "decoys", path, sizeof(path)) != 0 ||
	    (srv->decoy_state = strdup(path)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (decoy_stats_load(srv->decoys, path, srv->decoy_methods, err,
	    sizeof(err)) != AUTHD_OK)
		authd_log(LOG_WARNING, "%s: %s; the decoys start afresh", path, err);
	/* their locks: a name locked before the restart stays locked */
	if ((r = decoy_locks_new(DECOY_LOCK_CAPACITY, &srv->decoy_locks)) !=
	    AUTHD_OK)
		return r;
	decoy_key_id(srv->decoys, srv->decoy_key_id);
	if (state_path(conf, "decoy-locks", path, sizeof(path)) != 0 ||
	    (srv->decoy_locks_state = strdup(path)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (decoy_locks_load(srv->decoy_locks, path, srv->decoy_key_id, err,
	    sizeof(err)) != AUTHD_OK)
		authd_log(LOG_WARNING, "%s: %s; the decoys' locks start afresh",
		    path, err);
	return AUTHD_OK;
}

/* A file authd reads while serving, when set: readable by its account. */
static int
readable_as_user(const char *key, const char *path, char *err, size_t errlen)
{
	if (path == NULL || path[0] == '\0' || access(path, R_OK) == 0)
		return 0;
	snprintf(err, errlen, "%s %s: not readable by %s, the account of user "
	    "(%s): authd reads it while serving", key, path, run.name,
	    strerror(errno));
	return -1;
}

/*
 * The ldapi sockets of ldap_uri, when set: reachable by authd's account.
 * One that is not there (slapd down) is the directory's matter, not this.
 */
static int
ldapi_reachable(const struct authd_conf *conf, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t i, n;

	for (i = 0; i < conf->n_ldap_uris; i++) {
		if (strncasecmp(conf->ldap_uris[i], "ldapi://", 8) != 0)
			continue;
		n = strcspn(conf->ldap_uris[i] + 8, "/?");
		if (n == 0 || n >= sizeof(path))
			continue;     /* libldap's own default path */
		memcpy(path, conf->ldap_uris[i] + 8, n);
		path[n] = '\0';
		if (authd_pct_decode(path) != 0 || access(path, W_OK) == 0 ||
		    errno == ENOENT)
			continue;
		snprintf(err, errlen, "ldap_uri %.200s: the socket %.200s cannot be "
		    "reached by %s, the account of user (%s): it must be open "
		    "to it (slapd's own mode, 0777) in folders it may enter",
		    conf->ldap_uris[i], path, run.name, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * What authd reads and writes while serving, checked as the account of
 * user (after privdrop_apply). AUTHD_OK, or an error with the file and the
 * reason in err.
 */
static int
checks_as_user(const struct authd_conf *conf, char *err, size_t errlen)
{
	uint8_t key[TOTP_KEY_LEN];
	char why[512];
	int r;

	if (conf->totp_key_file != NULL && conf->totp_key_file[0] != '\0') {
		r = totp_key_load(conf->totp_key_file, key, why, sizeof(why));
		explicit_bzero(key, sizeof(key));
		if (r != AUTHD_OK) {
			snprintf(err, errlen, "totp_key_file: as %s, the account "
			    "of user: %s", run.name, why);
			return r;
		}
	}
	if (readable_as_user("ldap_ca_file", conf->ldap_ca_file, err, errlen) ||
	    readable_as_user("card_ca_file", conf->card_ca_file, err, errlen) ||
	    readable_as_user("card_crl_file", conf->card_crl_file, err,
	    errlen) || readable_as_user("fido2_attestation_roots",
	    conf->fido2_attestation_roots, err, errlen) ||
	    ldapi_reachable(conf, err, errlen))
		return AUTHD_ERR_PERM;
	/* (not there yet under authd -t: made for the account at start) */
	if (access(conf->state_dir, W_OK | X_OK) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "state_dir %s: not writable by %s, the "
		    "account of user: %s", conf->state_dir, run.name,
		    strerror(errno));
		return AUTHD_ERR_PERM;
	}
	return AUTHD_OK;
}

/*
 * Become the account of user (privdrop.h), before the first thread, then
 * check what authd will read and write as that account. AUTHD_OK, or an
 * error with the reason in err: authd must not serve.
 */
static int
become_user(const struct authd_conf *conf, char *err, size_t errlen)
{
	char dir[PATH_MAX], *slash;
	int r;

	if (run.uid == 0) {
		authd_log(LOG_INFO, "running as root (user is not set: "
		    "authd.conf(5))");
		return AUTHD_OK;
	}
	if ((r = privdrop_apply(&run, err, errlen)) != AUTHD_OK ||
	    (r = checks_as_user(conf, err, errlen)) != AUTHD_OK)
		return r;
	/* a rotation's new log: made by authd, or there already */
	snprintf(dir, sizeof(dir), "%s", conf->audit_log);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (access(dir, W_OK | X_OK) != 0)
		authd_log(LOG_NOTICE, "audit_log: %s is not writable by %s: "
		    "the new log of a rotation must be made for it, owned by "
		    "it (logrotate: create 0600 %s root)", dir, run.name,
		    run.name);
	authd_log(LOG_INFO, "running as %s (uid %ld, gid %ld), keeping "
	    "CAP_KILL alone", run.name, (long)run.uid, (long)run.gid);
	return AUTHD_OK;
}

/*
 * authd -t with user set: what the start would refuse, checked by a child
 * that becomes the account (this process stays root). 0 or -1, said on
 * stderr.
 */
static int
check_user(const struct authd_conf *conf)
{
	char err[1024];
	pid_t pid;
	int status;

	if (run.uid == 0)
		return 0;
	if (geteuid() != 0) {
		fprintf(stderr, "authd: user = %s: the files it needs are checked "
		    "only when authd -t runs as root\n", run.name);
		return 0;
	}
	if (state_dir_wrong(conf, err, sizeof(err))) {
		fprintf(stderr, "authd: %s\n", err);
		return -1;
	}
	fflush(stderr);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "authd: cannot fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (privdrop_apply(&run, err, sizeof(err)) != AUTHD_OK ||
		    checks_as_user(conf, err, sizeof(err)) != AUTHD_OK) {
			fprintf(stderr, "authd: %s\n", err);
			_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
server_teardown(struct server *srv)
{
	server_close_listeners(srv);
	/* Conversations in progress are abandoned; their jobs finish unheard. */
	conn_close_all(srv);
	/* binds in flight go to the workers: one a worker takes before it
	 * stops is made there (bounded by ldap_timeout), the rest cancelled */
	bind_async_free(&srv->binds);
	worker_pool_free(&srv->workers);
	/* after the jobs, which may hold a place in it */
	grace_hold_free(&srv->grace_hold);
	/* refusals of the rate limit counted since the last minute: recorded
	 * now (on this thread), not lost with the process */
	conn_report_rate_limits(srv);
	/* the last records' checkpoint, on this thread */
	checkpointer_free(&srv->checkpoints);
	/* the searches post to revoke: stop them first */
	card_view_free(&srv->card_view);
	view_free(&srv->view);
	grant_view_free(&srv->grant_view);
	server_save_decoys(srv);
	decoy_stats_free(&srv->decoys);
	free(srv->decoy_state);
	decoy_locks_free(&srv->decoy_locks);
	free(srv->decoy_locks_state);
	deadline_free(&srv->deadline);
	revoke_free(&srv->revoke);
	dir_pool_free(&srv->dir);
	authd_audit_close(&srv->audit);
	login_ids_free(&srv->login_ids);
	session_registry_free(&srv->sessions);
	free(srv->banner);
	srv->banner = NULL;
	loop_free(&srv->loop);
}

int
main(int argc, char **argv)
{
	struct options opt;
	struct authd_conf conf;
	struct server srv;
	struct signals sigs;
	char err[1024];
	int ready_fd = -1, status = 1, debug, r;

	parse_options(argc, argv, &opt);
	tzset();
	/* libnss_authd must never ask this process (nss_server.c), not even
	 * for the account of user */
	setenv("AUTHD_NSS_SELF", "1", 1);
	/*
	 * Every request allocates and frees some tens of KB (job, plan,
	 * buffers): keep freed memory instead of giving it back to the kernel
	 * and asking for it again a moment later (a brk() per few requests).
	 */
	mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
	mallopt(M_TOP_PAD, 1024 * 1024);
	if (load_config(opt.config, &conf) != 0) {
		authd_conf_free(&conf);
		return 1;
	}
	if (opt.check_only) {
		if (check_user(&conf) != 0) {
			authd_conf_free(&conf);
			return 1;
		}
		fprintf(stderr, "%s: configuration OK\n", opt.config);
		authd_conf_free(&conf);
		return 0;
	}
	debug = opt.debug || conf.debug;
	authd_log_open("authd", opt.foreground, debug);
	log_to_stderr = opt.foreground;

	server_init(&srv, &conf);
	memset(&sigs, 0, sizeof(sigs));
	sigs.src.fd = -1;
	sigs.srv = &srv;
	err[0] = '\0';
	if (loop_new(&srv.loop) != AUTHD_OK ||
	    login_ids_new(&srv.login_ids) != 0 ||
	    grace_hold_new(&srv.grace_hold) != 0 ||
	    session_registry_new(&srv.sessions) != 0) {
		report_start(&ready_fd, "authd: cannot set up: %s", strerror(errno));
		goto out;
	}
	if (server_load_banner(&srv, err, sizeof(err)) != AUTHD_OK ||
	    open_audit(&srv, err, sizeof(err)) != AUTHD_OK ||
	    restore_sessions(&srv, err, sizeof(err)) != AUTHD_OK ||
	    server_listen(&srv, err, sizeof(err)) != AUTHD_OK) {
		report_start(&ready_fd, "authd: %s", err);
		goto out;
	}
	/* Threads do not survive fork(): start them in the final process. */
	if (!opt.foreground && daemonize(&ready_fd) == -1) {
		report_start(&ready_fd, "authd: cannot daemonize: %s", strerror(errno));
		goto out;
	}
	/* After fork(): a signalfd wakes the epoll of the process that added it. */
	if (setup_signals(srv.loop, &sigs) != AUTHD_OK) {
		report_start(&ready_fd, "authd: signals: %s", strerror(errno));
		goto out;
	}
	if (opt.pidfile != NULL && write_pidfile(opt.pidfile) == -1) {
		report_start(&ready_fd, "authd: %s: %s", opt.pidfile, strerror(errno));
		goto out;
	}
	/* their keys are read as root */
	if ((r = start_decoys(&conf, &srv)) != AUTHD_OK) {
		report_start(&ready_fd, "authd: decoy plans: %s", authd_strerror(r));
		goto out;
	}
	/* the pool reads the directory's password: then no more root */
	if (dir_pool_new(&conf, &srv.dir) != AUTHD_OK) {
		report_start(&ready_fd, "authd: cannot start the directory pool");
		goto out;
	}
	if (become_user(&conf, err, sizeof(err)) != AUTHD_OK) {
		report_start(&ready_fd, "authd: %s", err);
		goto out;
	}
	if (worker_pool_new(srv.loop, srv.dir, srv.audit, conf.ldap_pool_size,
	    &srv.workers) != AUTHD_OK ||
	    bind_async_new(srv.loop, srv.workers, srv.dir, conf.ldap_bind_pool_size,
	    conf.ldap_timeout, &srv.binds) != AUTHD_OK ||
	    server_start_sweep(&srv) != AUTHD_OK) {
		report_start(&ready_fd, "authd: cannot start the directory pool "
		    "or the workers");
		goto out;
	}
	/* The views after the pool: their searches connect through it. What
	 * they see revoked ends sessions through revoke.c. */
	if (revoke_new(&srv, &srv.revoke) != AUTHD_OK ||
	    deadline_new(&srv, &srv.deadline) != AUTHD_OK) {
		report_start(&ready_fd, "authd: cannot set up session ending");
		goto out;
	}
	if (checkpointer_new(&srv, &srv.checkpoints) != AUTHD_OK) {
		report_start(&ready_fd, "authd: out of memory");
		goto out;
	}
	if (conf.view_staleness > 0) {
		if (view_new(&conf, srv.dir, &srv.view) != AUTHD_OK) {
			report_start(&ready_fd, "authd: cannot start the directory view");
			goto out;
		}
		view_set_notify(srv.view, revoke_account_changed, srv.revoke);
		if (view_start(srv.view) != AUTHD_OK) {
			report_start(&ready_fd, "authd: cannot start the directory view");
			goto out;
		}
	}
	/* Cards are followed where cards are judged. */
	if (conf.view_staleness > 0 && conf.card_ca_file != NULL &&
	    conf.card_ca_file[0] != '\0' &&
	    (card_view_new(&conf, srv.dir, revoke_card_changed, srv.revoke,
	    &srv.card_view) != AUTHD_OK ||
	    card_view_start(srv.card_view) != AUTHD_OK)) {
		report_start(&ready_fd, "authd: cannot start the card view");
		goto out;
	}
	/* A grant revoked, denied or shortened ends or shortens its sessions. */
	if (conf.view_staleness > 0 &&
	    (grant_view_new(&conf, srv.dir, deadline_grant_changed, srv.deadline,
	    &srv.grant_view) != AUTHD_OK ||
	    grant_view_start(srv.grant_view) != AUTHD_OK)) {
		report_start(&ready_fd, "authd: cannot start the grant view");
		goto out;
	}
	/* Sessions read back at start: their deadlines, then what the views
	 * say became of their cards, accounts and grants meanwhile. */
	revoke_restored_start(srv.revoke);
	authd_log(LOG_INFO, "authd %s ready: %s%s%s, %d directory connection%s",
	    PACKAGE_VERSION, conf.socket_path,
	    srv.n_listeners > 1 ? " and " : "",
	    srv.n_listeners > 1 ? conf.user_socket_path : "",
	    conf.ldap_pool_size, conf.ldap_pool_size == 1 ? "" : "s");
	report_start(&ready_fd, NULL);
	if (loop_run(srv.loop) != AUTHD_OK)
		authd_log(LOG_ERR, "event loop: %s", strerror(errno));
	else
		status = 0;
	authd_log(LOG_INFO, "stopped");
out:
	server_teardown(&srv);
	if (sigs.src.fd != -1)
		close(sigs.src.fd);
	if (opt.pidfile != NULL && status == 0)
		unlink(opt.pidfile);
	authd_conf_free(&conf);
	return status;
}
