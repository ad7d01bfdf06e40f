/* The sessions kept across restarts (see session_store.h). */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "pct.h"
#include "proc_kill.h"
#include "session_store.h"

#define STORE_MAGIC    "authd-sessions 1"
#define STORE_LINE_MAX 16384
#define BOOT_ID_MAX    64

struct session_store {
	char *path;
	int fd;                    /* O_APPEND, locked */
	char boot[BOOT_ID_MAX];
	size_t lines;              /* "+" and "-" lines since the last rewrite */
	off_t end;                 /* where the last whole line ends */
	int write_failed;          /* a change is missing from the file: it is
	                              rewritten whole at the next one */
};

/* The fields a line carries; the rest (deadlines, warnings) are worked out
 * again from these when the session is restored. */
enum ftype { F_STR, F_LL, F_ULL, F_PID, F_LONG, F_TIME, F_INT, F_UINT };

static const struct field {
	const char *key;
	enum ftype type;
	size_t off, size;
} fields[] = {
#define S(k, m) { k, F_STR, offsetof(struct session, m), sizeof(((struct session *)0)->m) }
#define N(k, t, m) { k, t, offsetof(struct session, m), 0 }
	S("id", id),
	N("pid", F_PID, pid),
	N("start", F_ULL, leader_start),
	N("audit_session", F_UINT, audit_session),
	S("user", user),
	S("dn", dn),
	S("service", service),
	S("tty", tty),
	S("rhost", rhost),
	N("uid", F_LONG, uid_number),
	N("opened", F_TIME, opened),
	N("opened_ms", F_LL, opened_ms),
	S("factors", factors),
	S("credential", credential),
	S("card_fpr", card_fpr),
	S("card_dn", card_dn),
	S("grant_dn", grant_dn),
	N("grant_until", F_TIME, grant_until),
	N("max_session", F_LONG, role_max_session),
	N("emergency_until", F_TIME, emergency_until),
	N("ended", F_INT, ended),
	N("ended_at", F_TIME, ended_at),
	S("end_reason", end_reason),
#undef S
#undef N
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Append " key=escaped" at *pos; -1 when full. */
static int
put_str(char *line, size_t linesz, size_t *pos, const char *key, const char *v)
{
	int n = snprintf(line + *pos, linesz - *pos, " %s=", key);

	if (n < 0 || (size_t)n >= linesz - *pos)
		return -1;
	*pos += (size_t)n;
	return authd_pct_append(line, linesz, pos, v);
}

int
session_store_encode(const struct session *s, char *line, size_t linesz)
{
	const char *base = (const char *)s;
	char num[32];
	size_t i, pos;

	if (linesz < 2)
		return -1;
	line[0] = '+';
	line[1] = '\0';
	pos = 1;
	for (i = 0; i < NFIELDS; i++) {
		const void *m = base + fields[i].off;

		switch (fields[i].type) {
		case F_STR:
			if (put_str(line, linesz, &pos, fields[i].key, m) != 0)
				return -1;
			continue;
		case F_LL:
			snprintf(num, sizeof(num), "%lld", *(const long long *)m);
			break;
		case F_ULL:
			snprintf(num, sizeof(num), "%llu",
			    *(const unsigned long long *)m);
			break;
		case F_PID:
			snprintf(num, sizeof(num), "%ld", (long)*(const pid_t *)m);
			break;
		case F_LONG:
			snprintf(num, sizeof(num), "%ld", *(const long *)m);
			break;
		case F_TIME:
			snprintf(num, sizeof(num), "%lld",
			    (long long)*(const time_t *)m);
			break;
		case F_INT:
			snprintf(num, sizeof(num), "%d", *(const int *)m);
			break;
		case F_UINT:
			snprintf(num, sizeof(num), "%u", *(const unsigned *)m);
			break;
		}
		if (put_str(line, linesz, &pos, fields[i].key, num) != 0)
			return -1;
	}
	if (pos + 2 > linesz)
		return -1;
	line[pos++] = '\n';
	line[pos] = '\0';
	return 0;
}

static int
set_field(struct session *s, const struct field *f, const char *v)
{
	char *base = (char *)s, *end;
	long long ll;
	unsigned long long ull;

	if (f->type == F_STR) {
		if (strlen(v) >= f->size)
			return -1;
		memcpy(base + f->off, v, strlen(v) + 1);
		return 0;
	}
	errno = 0;
	if (f->type == F_ULL) {
		if (*v == '-')
			return -1;
		ull = strtoull(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0')
			return -1;
		*(unsigned long long *)(base + f->off) = ull;
		return 0;
	}
	ll = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		return -1;
	switch (f->type) {
	case F_LL:
		*(long long *)(base + f->off) = ll;
		break;
	case F_PID:
		if (ll <= 1 || ll > INT_MAX)
			return -1;
		*(pid_t *)(base + f->off) = (pid_t)ll;
		break;
	case F_LONG:
		*(long *)(base + f->off) = (long)ll;
		break;
	case F_TIME:
		*(time_t *)(base + f->off) = (time_t)ll;
		break;
	case F_INT:
		if (ll < 0 || ll > 1)
			return -1;
		*(int *)(base + f->off) = (int)ll;
		break;
	case F_UINT:
		if (ll < 0 || ll > UINT_MAX)
			return -1;
		*(unsigned *)(base + f->off) = (unsigned)ll;
		break;
	default:
		return -1;
	}
	return 0;
}

/* line: "+ k=v ..." or "- id=..." without its newline. */
int
session_store_decode(char *line, struct session *s_r)
{
	char *tok, *save = NULL, *eq;
	size_t i;
	int have_id = 0, have_pid = 0;

	memset(s_r, 0, sizeof(*s_r));
	if ((line[0] != '+' && line[0] != '-') || line[1] != ' ')
		return -1;
	for (tok = strtok_r(line + 2, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			return -1;
		*eq++ = '\0';
		if (authd_pct_decode(eq) != 0)
			return -1;
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(fields[i].key, tok) == 0)
				break;
		if (i == NFIELDS)
			continue;       /* written by a later version */
		if (set_field(s_r, &fields[i], eq) != 0)
			return -1;
		have_id |= i == 0;
		have_pid |= strcmp(tok, "pid") == 0;
	}
	if (!have_id || strlen(s_r->id) != SESSION_ID_LEN)
		return -1;
	return line[0] == '-' || have_pid ? 0 : -1;
}

static void
read_boot_id(char out[BOOT_ID_MAX])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, BOOT_ID_MAX, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * A line that could not be written whole (a full disk, a quota) is cut off
 * again, so that the next one starts a line of its own, and the file is
 * rewritten whole from the registry at the next change (the caller asks
 * session_store_wants_rewrite): a change that did not reach the file is
 * not lost once there is room again.
 */
static void
append(struct session_store *st, const char *line)
{
	size_t n = strlen(line);

	if (write_all(st->fd, line, n) != 0) {
		int e = errno;

		if (ftruncate(st->fd, st->end) != 0 && !st->write_failed)
			authd_log(LOG_ERR, "%s: cannot cut a line short: %s",
			    st->path, strerror(errno));
		if (!st->write_failed)
			authd_log(LOG_ERR, "%s: cannot record a session: %s; "
			    "written whole once there is room", st->path,
			    strerror(e));
		st->write_failed = 1;
		return;
	}
	st->end += (off_t)n;
	st->lines++;
}

void
session_store_put(struct session_store *st, const struct session *s)
{
	char line[STORE_LINE_MAX];

	if (st == NULL)
		return;
	if (session_store_encode(s, line, sizeof(line)) != 0) {
		authd_log(LOG_ERR, "%s: session %s too long to record", st->path,
		    s->id);
		return;
	}
	append(st, line);
}

void
session_store_del(struct session_store *st, const char *id)
{
	char line[SESSION_ID_LEN + 16];

	if (st == NULL)
		return;
	snprintf(line, sizeof(line), "- id=%s\n", id);
	append(st, line);
}

int
session_store_wants_rewrite(const struct session_store *st, size_t live)
{
	return st != NULL && (st->write_failed || st->lines > 4 * live + 256);
}

/* Write a fresh file beside path, then put it in path's place. */
int
session_store_rewrite(struct session_store *st,
    const struct session *(*next)(void *arg), void *arg)
{
	char tmp[PATH_MAX], line[STORE_LINE_MAX];
	const struct session *s;
	size_t n = 0;
	int fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.new", st->path) >= (int)sizeof(tmp))
		return AUTHD_ERR_INVALID;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		goto fail;
	snprintf(line, sizeof(line), "%s boot=%s\n", STORE_MAGIC, st->boot);
	ok = write_all(fd, line, strlen(line)) == 0;
	while (ok && (s = next(arg)) != NULL) {
		if (session_store_encode(s, line, sizeof(line)) != 0)
			continue;
		ok = write_all(fd, line, strlen(line)) == 0;
		n++;
	}
	/* locked before it replaces the old one: no gap for another authd */
	if (!ok || flock(fd, LOCK_EX | LOCK_NB) != 0 || rename(tmp, st->path) != 0) {
		close(fd);
		(void)unlink(tmp);
		goto fail;
	}
	close(st->fd);
	st->fd = fd;
	if ((st->end = lseek(fd, 0, SEEK_END)) == -1 ||
	    fcntl(fd, F_SETFL, O_APPEND) == -1)
		authd_log(LOG_ERR, "%s: %s", st->path, strerror(errno));
	st->lines = 0;
	if (st->write_failed)
		authd_log(LOG_NOTICE, "%s: written whole again, %zu session%s",
		    st->path, n, n == 1 ? "" : "s");
	else
		authd_log(LOG_DEBUG, "%s: rewritten with %zu session%s",
		    st->path, n, n == 1 ? "" : "s");
	st->write_failed = 0;
	return AUTHD_OK;
fail:
	if (!st->write_failed)      /* else said already, not at every change */
		authd_log(LOG_ERR, "%s: cannot rewrite: %s", tmp,
		    strerror(errno));
	return AUTHD_ERR_IO;
}

/* The sessions replayed from the file, by id. */
#define REPLAY_BUCKETS 4096

struct replay {
	struct replay *next;
	struct session s;
};

struct replayed {
	struct replay *bucket[REPLAY_BUCKETS];
	size_t walk;               /* next_replayed: the bucket it is at */
	struct replay *at;
};

static struct replay **
replay_slot(struct replayed *rp, const char *id)
{
	struct replay **pp;
	unsigned h = 2166136261u;
	const char *c;

	for (c = id; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	for (pp = &rp->bucket[h % REPLAY_BUCKETS]; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->s.id, id) == 0)
			break;
	return pp;
}

static void
replay_free(struct replayed *rp)
{
	struct replay *r, *next;
	size_t i;

	for (i = 0; i < REPLAY_BUCKETS; i++)
		for (r = rp->bucket[i]; r != NULL; r = next) {
			next = r->next;
			free(r);
		}
	free(rp);
}

/*
 * Replay f into rp. A file of another boot, or not a session file at all,
 * holds nothing for us (why says which).
 */
static int
replay_file(struct session_store *st, FILE *f, struct replayed *rp, char *why,
    size_t whylen)
{
	struct replay *r, **pp;
	char *line = NULL;
	size_t cap = 0, lineno = 0, bad = 0;
	ssize_t n;
	struct session s;
	const char *boot;

	why[0] = '\0';
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] != '\n') {
			authd_log(LOG_WARNING, "%s: line %zu: cut short (a crash "
			    "while it was written); ignored", st->path, lineno);
			break;
		}
		line[n - 1] = '\0';
		if (lineno == 1) {
			if (strncmp(line, STORE_MAGIC " boot=", strlen(STORE_MAGIC) + 6)
			    != 0) {
				snprintf(why, whylen, "not a session state file");
				break;
			}
			boot = line + strlen(STORE_MAGIC) + 6;
			if (strcmp(boot, st->boot) != 0) {
				snprintf(why, whylen, "of an earlier boot");
				break;
			}
			continue;
		}
		if ((size_t)n > STORE_LINE_MAX || session_store_decode(line, &s) != 0) {
			if (bad++ < 5)
				authd_log(LOG_ERR, "%s: line %zu: not a session "
				    "record; skipped", st->path, lineno);
			continue;
		}
		pp = replay_slot(rp, s.id);
		if (line[0] == '-') {
			if ((r = *pp) != NULL) {
				*pp = r->next;
				free(r);
			}
			continue;
		}
		if ((r = *pp) == NULL) {
			if ((r = calloc(1, sizeof(*r))) == NULL) {
				free(line);
				return AUTHD_ERR_NOMEM;
			}
			*pp = r;
		}
		r->s = s;       /* a later "+" replaces */
	}
	free(line);
	if (lineno == 0 && why[0] == '\0')
		snprintf(why, whylen, "empty");
	return AUTHD_OK;
}

/* The replayed sessions one by one (for a rewrite). */
static const struct session *
next_replayed(void *arg)
{
	struct replayed *rp = arg;

	if (rp->at != NULL)
		rp->at = rp->at->next;
	while (rp->at == NULL && rp->walk < REPLAY_BUCKETS)
		rp->at = rp->bucket[rp->walk++];
	return rp->at != NULL ? &rp->at->s : NULL;
}

/*
 * No room for a fresh file at start (a full disk): go on appending to the
 * one there is, after its last whole line, and rewrite it at the first
 * change that finds room. Sessions are served meanwhile; the ones the file
 * holds of login programs gone are dropped again at the next start. A file
 * of an earlier boot holds nothing: emptied, as an empty one gets its
 * first line. One that is not a session file (put aside) cannot be
 * written to.
 */
static int
keep_appending(struct session_store *st, const char *why)
{
	char tail[4096], header[BOOT_ID_MAX + 32];
	off_t end, at, chunk = 0, n = 0;

	if (why[0] != '\0' && strcmp(why, "of an earlier boot") != 0 &&
	    strcmp(why, "empty") != 0)
		return AUTHD_ERR_IO;
	if (why[0] != '\0')
		end = 0;
	else if ((end = lseek(st->fd, 0, SEEK_END)) == -1)
		return AUTHD_ERR_IO;
	/* a torn last line: cut off, so that it does not take the next one */
	for (at = end; at > 0; at -= chunk) {
		chunk = at < (off_t)sizeof(tail) ? at : (off_t)sizeof(tail);
		if (pread(st->fd, tail, (size_t)chunk, at - chunk) != chunk)
			return AUTHD_ERR_IO;
		for (n = chunk; n > 0 && tail[n - 1] != '\n'; n--)
			;
		if (n > 0)
			break;
	}
	end = at > 0 ? at - chunk + n : 0;
	if (ftruncate(st->fd, end) != 0 || fcntl(st->fd, F_SETFL, O_APPEND) == -1)
		return AUTHD_ERR_IO;
	st->end = end;
	st->write_failed = 1;
	if (end == 0) {
		snprintf(header, sizeof(header), "%s boot=%s\n", STORE_MAGIC,
		    st->boot);
		append(st, header);
	}
	authd_log(LOG_ERR, "%s: appending to the file as it is; written whole "
	    "once there is room", st->path);
	return AUTHD_OK;
}

int
session_store_open(const char *path,
    int (*restore)(void *arg, const struct session *s), void *arg,
    struct session_store **st_r, size_t *dropped_r, char *err, size_t errlen)
{
	struct session_store *st;
	struct replayed *rp = NULL;
	struct replay *r, **pp;
	struct stat sb, now;
	char why[64], aside[PATH_MAX];
	unsigned long long started;
	size_t i;
	FILE *f;
	int fd, rc;

	*st_r = NULL;
	*dropped_r = 0;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL ||
	    (rp = calloc(1, sizeof(*rp))) == NULL) {
		if (st != NULL)
			free(st->path);
		free(st);
		snprintf(err, errlen, "out of memory");
		return AUTHD_ERR_NOMEM;
	}
	st->fd = -1;
	read_boot_id(st->boot);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	st->fd = fd;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s: %s", path, errno == EWOULDBLOCK ?
		    "in use by another authd" : strerror(errno));
		goto fail;
	}
	/*
	 * The authd holding it may have put a rewrite in its place between our
	 * open and our lock, and let go of the old file: that one is not it.
	 */
	if (fstat(fd, &sb) == 0 && stat(path, &now) == 0 &&
	    (sb.st_dev != now.st_dev || sb.st_ino != now.st_ino)) {
		snprintf(err, errlen, "%s: in use by another authd (rewritten "
		    "while opened)", path);
		goto fail;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a regular file of authd's own, "
		    "mode 0600", path);
		goto fail;
	}
	if ((f = fdopen(dup(fd), "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	rc = replay_file(st, f, rp, why, sizeof(why));
	fclose(f);
	if (rc != AUTHD_OK) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (strcmp(why, "not a session state file") == 0) {
		/* kept for whoever wants to look; never read again */
		snprintf(aside, sizeof(aside), "%s.bad", path);
		if (rename(path, aside) == 0)
			authd_log(LOG_ERR, "%s: %s; moved to %s, no session "
			    "restored", path, why, aside);
		else
			authd_log(LOG_ERR, "%s: %s; no session restored", path,
			    why);
	} else if (strcmp(why, "of an earlier boot") == 0)
		authd_log(LOG_INFO, "%s: %s: its sessions ended with it", path,
		    why);
	/* a login program gone (or its pid reused) took its session with it */
	for (i = 0; i < REPLAY_BUCKETS; i++)
		for (pp = &rp->bucket[i]; (r = *pp) != NULL;) {
			started = proc_start_time(r->s.pid);
			if (started != 0 && started == r->s.leader_start &&
			    restore(arg, &r->s) == 0) {
				pp = &r->next;
				continue;
			}
			(*dropped_r)++;
			*pp = r->next;
			free(r);
		}
	if (session_store_rewrite(st, next_replayed, rp) != AUTHD_OK &&
	    keep_appending(st, why) != AUTHD_OK) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	replay_free(rp);
	*st_r = st;
	return AUTHD_OK;
fail:
	replay_free(rp);
	if (st->fd >= 0)
		close(st->fd);
	free(st->path);
	free(st);
	return AUTHD_ERR_IO;
}

int
session_store_read(const char *path,
    int (*fn)(void *arg, const struct session *s), void *arg, char *err,
    size_t errlen)
{
	struct session_store st;
	struct replayed *rp;
	const struct session *s;
	char why[64];
	FILE *f;
	int r;

	memset(&st, 0, sizeof(st));
	st.path = (char *)path;     /* for the messages only */
	read_boot_id(st.boot);
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return AUTHD_ERR_IO;
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return AUTHD_ERR_NOMEM;
	}
	r = replay_file(&st, f, rp, why, sizeof(why));
	fclose(f);
	if (r == AUTHD_OK && strcmp(why, "not a session state file") == 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		r = AUTHD_ERR_BAD_FIELD;
	} else if (r != AUTHD_OK)
		snprintf(err, errlen, "out of memory");
	else if (strcmp(why, "of an earlier boot") != 0)
		while ((s = next_replayed(rp)) != NULL && fn(arg, s) == 0)
			;
	replay_free(rp);
	return r;
}

void
session_store_close(struct session_store **stp)
{
	struct session_store *st;

	if (stp == NULL || (st = *stp) == NULL)
		return;
	close(st->fd);
	free(st->path);
	free(st);
	*stp = NULL;
}
