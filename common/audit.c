#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/timex.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit.h"
#include "err.h"
#include "log.h"
#include "proto.h"

/*
 * What the chain can and cannot show. Each record carries the hash of the one
 * before it, so editing, removing or reordering a record inside the file
 * breaks the chain at that point. Removing the LAST records (cutting the
 * file's tail) leaves a shorter chain that is still intact: nothing in the
 * file itself can tell. Neither can a rewrite of the whole tail by someone who
 * recomputes every hash after the change. Both need an anchor outside the
 * file: the checkpoints authd adds to the directory (authd/checkpoint.h,
 * authd_audit_verify_checkpoints) and syslog, which gets a copy of every
 * record.
 *
 * Rotation: authd_audit_reopen() goes on in a new file at the same path,
 * a new chain whose first record names the old chain's end (a handle that
 * is not reopened keeps writing to the file it opened). Not handled:
 * verification racing a live writer, which may see the record being
 * written as a truncated last line (verify again).
 */

#define HASH_HEX_LEN     64
#define VALUE_ESC_MAX    (4 * AUTHD_STRING_MAX + 1)  /* a protocol string, escaped */
#define EXTRA_MAX        8192
#define AUDIT_LINE_MAX   65536          /* one record with its newline */
#define LINE_BUF         (AUDIT_LINE_MAX + 2)   /* with a torn tail's newline */
#define TAIL_READ_MAX    (2 * AUDIT_LINE_MAX + 2)
#define PREV_KEY         " prev="
#define HASH_KEY         " hash="
#define PREV_KEY_LEN     (sizeof(PREV_KEY) - 1)
#define HASH_KEY_LEN     (sizeof(HASH_KEY) - 1)
/* " prev=" HEX " hash=" HEX ends every record */
#define CHAIN_SUFFIX_LEN (PREV_KEY_LEN + HASH_HEX_LEN + HASH_KEY_LEN + HASH_HEX_LEN)

static const char zero_hash[HASH_HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct authd_audit {
	pthread_mutex_t lock;       /* the chain's end and the writes */
	pthread_mutex_t sync_lock;  /* one fdatasync at a time; taken before lock */
	int fd;
	int fsync_each;
	int flags;                  /* AUTHD_AUDIT_* of the open */
	char *path;                 /* for authd_audit_reopen */
	char host[VALUE_ESC_MAX];
	char prog[VALUE_ESC_MAX];
	/* The chain's end as this handle last saw it. */
	unsigned long long seq;
	char hash[HASH_HEX_LEN + 1];
	off_t known_size;
	int torn_tail;       /* the file ends inside a record (a crash mid-write) */
	/*
	 * What is on disk, counted in the bytes this handle appended (not file
	 * offsets: another process may cut the file). Up to synced_upto: synced.
	 * In (failed_from, failed_upto]: written before a failed fdatasync was
	 * seen, so perhaps lost even if a later one succeeds (Linux reports a
	 * writeback error once, and the pages it failed to write are clean).
	 */
	unsigned long long appended;
	unsigned long long synced_upto;
	unsigned long long failed_from, failed_upto;
	/* the record that ends what is synced (sync_lock): the chain's head on disk */
	unsigned long long synced_seq;
	char synced_hash[HASH_HEX_LEN + 1];
	char chain[HASH_HEX_LEN + 1];   /* the first record's hash; "" until read (lock) */
	char *line;          /* AUTHD_AUDIT_BATCH_MAX * LINE_BUF: records being written (lock) */
};

/* A parsed record: a line without its newline. */
struct audit_rec {
	unsigned long long seq;
	const char *prev;     /* HASH_HEX_LEN chars */
	const char *hash;     /* HASH_HEX_LEN chars */
	size_t hashed_len;    /* bytes of the line covered by the hash */
};

char *
authd_audit_escape(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outsz == 0)
		return out;
	if (in == NULL) {
		snprintf(out, outsz, "-");
		return out;
	}
	/* A lone "-" would read as "no value"; spell it out. */
	if (strcmp(in, "-") == 0) {
		snprintf(out, outsz, "\\x2d");
		return out;
	}
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c <= 0x20 || c == 0x7f || c == '=' || c == '\\') {
			/* Cut before an escape that does not fit, never inside it. */
			if (o + 4 >= outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

static int
is_hex64(const char *p)
{
	size_t i;

	for (i = 0; i < HASH_HEX_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* Parse "seq=N ... prev=HEX hash=HEX"; AUTHD_OK or AUTHD_ERR_INVALID. */
static int
parse_record(const char *line, size_t len, struct audit_rec *rec)
{
	unsigned long long seq = 0;
	const char *tail;
	size_t i;

	if (len < 4 + 2 + CHAIN_SUFFIX_LEN || memcmp(line, "seq=", 4) != 0)
		return AUTHD_ERR_INVALID;
	for (i = 4; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		if (seq > (~0ULL - 9) / 10)
			return AUTHD_ERR_INVALID;
		seq = seq * 10 + (unsigned)(line[i] - '0');
	}
	if (i == 4 || i >= len || line[i] != ' ')
		return AUTHD_ERR_INVALID;
	if (len - i < CHAIN_SUFFIX_LEN)
		return AUTHD_ERR_INVALID;
	tail = line + len - CHAIN_SUFFIX_LEN;
	if (memcmp(tail, PREV_KEY, PREV_KEY_LEN) != 0 ||
	    !is_hex64(tail + PREV_KEY_LEN) ||
	    memcmp(tail + PREV_KEY_LEN + HASH_HEX_LEN, HASH_KEY, HASH_KEY_LEN) != 0 ||
	    !is_hex64(tail + PREV_KEY_LEN + HASH_HEX_LEN + HASH_KEY_LEN))
		return AUTHD_ERR_INVALID;
	rec->seq = seq;
	rec->prev = tail + PREV_KEY_LEN;
	rec->hash = tail + PREV_KEY_LEN + HASH_HEX_LEN + HASH_KEY_LEN;
	rec->hashed_len = len - HASH_KEY_LEN - HASH_HEX_LEN;
	return AUTHD_OK;
}

/*
 * SHA-256 fetched once: EVP_sha256() in a digest's init looks the
 * implementation up again every time (OpenSSL 3), for every record.
 */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* hash = SHA-256(prev || " " || line[0..hashed_len)), as lowercase hex. */
static int
record_hash(const char *prev, const char *line, size_t hashed_len,
    char out[HASH_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	int r = AUTHD_ERR_CRYPTO;

	(void)pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md == NULL)
		return AUTHD_ERR_CRYPTO;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return AUTHD_ERR_NOMEM;
	if (EVP_DigestInit_ex(ctx, sha256_md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, prev, HASH_HEX_LEN) != 1 ||
	    EVP_DigestUpdate(ctx, " ", 1) != 1 ||
	    EVP_DigestUpdate(ctx, line, hashed_len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen * 2 != HASH_HEX_LEN)
		goto out;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[HASH_HEX_LEN] = '\0';
	r = AUTHD_OK;
 out:
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
pread_full(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n;
	size_t got = 0;

	while (got < len) {
		n = pread(fd, buf + got, len - got, off + (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return AUTHD_ERR_IO;
		got += (size_t)n;
	}
	return AUTHD_OK;
}

/* Whether line (no newline) is a record whose hash holds, after seq/prev. */
static int
whole_record(const char *line, size_t len, unsigned long long seq,
    const char *prev, struct audit_rec *rec)
{
	char hash[HASH_HEX_LEN + 1];

	return parse_record(line, len, rec) == AUTHD_OK && rec->seq == seq + 1 &&
	    memcmp(rec->prev, prev, HASH_HEX_LEN) == 0 &&
	    record_hash(rec->prev, line, rec->hashed_len, hash) == AUTHD_OK &&
	    memcmp(hash, rec->hash, HASH_HEX_LEN) == 0;
}

/*
 * Find the chain's end in the last size bytes of the file: the seq and hash
 * of the last complete record. A last line without its newline is what a
 * crash in the middle of write() leaves; the chain continues from the record
 * before it and verification reports the torn line.
 */
/*
 * Where the file's content ends when it ends in NUL bytes: blocks whose size
 * reached the disk before their data did (a crash, with audit_fsync = no or
 * on a file system without ordered data). Any number of them; *end_r is
 * size when there are none. AUTHD_OK or AUTHD_ERR_IO.
 */
static int
end_before_zeros(int fd, off_t size, off_t *end_r)
{
	char buf[4096];
	off_t end = size;
	size_t n, i;

	while (end > 0) {
		n = end > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)end;
		if (pread_full(fd, buf, n, end - (off_t)n) != AUTHD_OK)
			return AUTHD_ERR_IO;
		for (i = n; i > 0 && buf[i - 1] == '\0'; i--)
			;
		end -= (off_t)(n - i);
		if (i > 0)
			break;
	}
	*end_r = end;
	return AUTHD_OK;
}

static int
load_tail(struct authd_audit *a, off_t size)
{
	struct audit_rec rec;
	size_t n, end, start;
	char *buf = NULL;
	off_t real_size = size;
	int r = AUTHD_ERR_AUDIT, zeros;

	a->seq = 0;
	memcpy(a->hash, zero_hash, sizeof(a->hash));
	a->torn_tail = 0;
	/* Until the tail is understood, make the next append read it again. */
	a->known_size = -1;
	/* Zeros at the end are a line lost in a crash: the chain goes on from
	 * what is before them, and the next writer ends their line. */
	if (end_before_zeros(a->fd, size, &size) != AUTHD_OK)
		return AUTHD_ERR_AUDIT;
	zeros = size != real_size;
	if (size == 0) {
		a->torn_tail = zeros;
		a->known_size = real_size;
		return AUTHD_OK;
	}
	n = size > TAIL_READ_MAX ? TAIL_READ_MAX : (size_t)size;
	if ((buf = malloc(n)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (pread_full(a->fd, buf, n, size - (off_t)n) != AUTHD_OK)
		goto out;
	a->torn_tail = buf[n - 1] != '\n';
	/* end: index of the newline closing the last complete record */
	for (end = n; end > 0 && buf[end - 1] != '\n'; end--)
		;
	if (end == 0) {
		/* Only a torn first record: the chain starts afresh (or from it,
		 * when all but its newline was written). */
		if ((off_t)n == size) {
			if (whole_record(buf, n, 0, zero_hash, &rec)) {
				a->seq = rec.seq;
				memcpy(a->hash, rec.hash, HASH_HEX_LEN);
			}
			a->known_size = real_size;
			r = AUTHD_OK;
		}
		goto out;
	}
	end--;
	for (start = end; start > 0 && buf[start - 1] != '\n'; start--)
		;
	if (start == 0 && (off_t)n != size)
		goto out;               /* longer than any record we write */
	if (parse_record(buf + start, end - start, &rec) != AUTHD_OK)
		goto out;
	a->seq = rec.seq;
	memcpy(a->hash, rec.hash, HASH_HEX_LEN);
	a->hash[HASH_HEX_LEN] = '\0';
	/*
	 * Torn after its last byte but the newline: the record is whole, and
	 * the chain goes on from it (the next append ends the line first).
	 */
	if (a->torn_tail && whole_record(buf + end + 1, n - end - 1, a->seq,
	    a->hash, &rec)) {
		a->seq = rec.seq;
		memcpy(a->hash, rec.hash, HASH_HEX_LEN);
	}
	a->torn_tail |= zeros;
	a->known_size = real_size;
	r = AUTHD_OK;
 out:
	if (r == AUTHD_OK && zeros)
		authd_syslog(LOG_AUTHPRIV | LOG_WARNING, "audit: %lld zero bytes at "
		    "the end of the log (lost in a crash); the chain goes on from "
		    "the record before them", (long long)(real_size - size));
	free(buf);
	return r;
}

/* Open the log at path as authd_audit_open() does; AUTHD_OK with *fd_r. */
static int
open_file(const char *path, int flags, int *fd_r)
{
	struct stat st;
	int fd, e;

	/* O_RDWR: the tail is read back with pread(); O_APPEND keeps writes at the end. */
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
	    ((flags & AUTHD_AUDIT_EXISTING) != 0 ? 0 : O_CREAT), 0600);
	if (fd == -1)
		return errno == EACCES ? AUTHD_ERR_PERM : AUTHD_ERR_IO;
	if (fstat(fd, &st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return AUTHD_ERR_IO;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_IWOTH) != 0) {
		close(fd);
		errno = EPERM;
		return AUTHD_ERR_PERM;
	}
	*fd_r = fd;
	return AUTHD_OK;
}

int
authd_audit_open(const char *path, const char *host, const char *prog,
    int flags, struct authd_audit **a_r)
{
	struct authd_audit *a = NULL;
	struct stat st;
	int r, saved;

	*a_r = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return AUTHD_ERR_NOMEM;
	a->fd = -1;
	if (pthread_mutex_init(&a->lock, NULL) != 0) {
		free(a);
		return AUTHD_ERR_NOMEM;
	}
	if (pthread_mutex_init(&a->sync_lock, NULL) != 0) {
		pthread_mutex_destroy(&a->lock);
		free(a);
		return AUTHD_ERR_NOMEM;
	}
	a->fsync_each = (flags & AUTHD_AUDIT_FSYNC) != 0;
	a->flags = flags;
	if ((a->line = malloc(AUTHD_AUDIT_BATCH_MAX * LINE_BUF)) == NULL ||
	    (a->path = strdup(path)) == NULL) {
		r = AUTHD_ERR_NOMEM;
		goto out;
	}
	authd_audit_escape(host, a->host, sizeof(a->host));
	authd_audit_escape(prog, a->prog, sizeof(a->prog));
	if ((r = open_file(path, flags, &a->fd)) != AUTHD_OK)
		goto out;
	while ((r = flock(a->fd, LOCK_EX)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		r = AUTHD_ERR_IO;
		goto out;
	}
	if (fstat(a->fd, &st) == -1)
		r = AUTHD_ERR_IO;
	else if ((r = load_tail(a, st.st_size)) != AUTHD_OK)
		errno = EBADMSG;        /* the file's end is not a record */
	flock(a->fd, LOCK_UN);
	if (r != AUTHD_OK)
		goto out;
	*a_r = a;
	a = NULL;
 out:
	if (a != NULL) {
		saved = errno;          /* tells the caller why */
		authd_audit_close(&a);
		errno = saved;
	}
	return r;
}

void
authd_audit_close(struct authd_audit **ap)
{
	struct authd_audit *a;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	if (a->fd != -1)
		close(a->fd);
	pthread_mutex_destroy(&a->sync_lock);
	pthread_mutex_destroy(&a->lock);
	free(a->line);
	free(a->path);
	free(a);
	*ap = NULL;
}

/*
 * Is the clock disciplined (NTP or PTP)? Auditors must know if times can be
 * trusted. Asked of the kernel at most once a second: a busy authd writes
 * thousands of records a second and the answer changes rarely.
 */
static const char *
clock_state(void)
{
	static _Atomic long asked = -1;
	static _Atomic int synced;
	struct timespec now;
	struct timex tx;
	int state;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (asked == -1 || now.tv_sec != asked) {
		memset(&tx, 0, sizeof(tx));
		state = adjtimex(&tx);
		synced = !(state == -1 || state == TIME_ERROR ||
		    (tx.status & STA_UNSYNC) != 0);
		asked = now.tv_sec;
	}
	return synced ? "sync" : "unsync";
}

static int
valid_extra(const char *extra)
{
	const char *p;

	if (extra == NULL || *extra == '\0')
		return 1;
	if (extra[0] != ' ' || strlen(extra) > EXTRA_MAX)
		return 0;
	for (p = extra; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * Write the record for ev into line (LINE_BUF bytes), preceded by a
 * newline if the file ends in a torn record; *len_r is the bytes to write,
 * *body_r where the record itself starts (for syslog), hash its hash.
 */
static int
format_record(struct authd_audit *a, const struct authd_audit_event *ev,
    char *line, size_t *len_r, size_t *body_r, char hash[HASH_HEX_LEN + 1])
{
	char user[VALUE_ESC_MAX], service[VALUE_ESC_MAX], tty[VALUE_ESC_MAX];
	char rhost[VALUE_ESC_MAX], event[VALUE_ESC_MAX], result[VALUE_ESC_MAX];
	char reason[VALUE_ESC_MAX], uid[32], pid[32], stamp[32];
	size_t cap = LINE_BUF, lead, n;
	struct timespec ts;
	struct tm tm;
	int w, r;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return AUTHD_ERR_IO;
	if (ev->peer_uid == (uid_t)-1)
		snprintf(uid, sizeof(uid), "-");
	else
		snprintf(uid, sizeof(uid), "%lu", (unsigned long)ev->peer_uid);
	if (ev->peer_pid == 0)
		snprintf(pid, sizeof(pid), "-");
	else
		snprintf(pid, sizeof(pid), "%ld", (long)ev->peer_pid);
	lead = a->torn_tail ? 1 : 0;
	line[0] = '\n';
	w = snprintf(line + lead, cap - lead,
	    "seq=%llu time=%s.%03ldZ clock=%s host=%s prog=%s event=%s user=%s "
	    "service=%s tty=%s rhost=%s peer_uid=%s peer_pid=%s result=%s "
	    "reason=%s%s" PREV_KEY "%s",
	    a->seq + 1, stamp, ts.tv_nsec / 1000000, clock_state(), a->host,
	    a->prog, authd_audit_escape(ev->event, event, sizeof(event)),
	    authd_audit_escape(ev->user, user, sizeof(user)),
	    authd_audit_escape(ev->service, service, sizeof(service)),
	    authd_audit_escape(ev->tty, tty, sizeof(tty)),
	    authd_audit_escape(ev->rhost, rhost, sizeof(rhost)), uid, pid,
	    authd_audit_escape(ev->result, result, sizeof(result)),
	    authd_audit_escape(ev->reason, reason, sizeof(reason)),
	    ev->extra != NULL ? ev->extra : "", a->hash);
	if (w < 0 || (size_t)w + HASH_KEY_LEN + HASH_HEX_LEN + 1 > AUDIT_LINE_MAX)
		return AUTHD_ERR_TOO_LONG;
	n = lead + (size_t)w;
	if ((r = record_hash(a->hash, line + lead, (size_t)w, hash)) != AUTHD_OK)
		return r;
	memcpy(line + n, HASH_KEY, HASH_KEY_LEN);
	n += HASH_KEY_LEN;
	memcpy(line + n, hash, HASH_HEX_LEN);
	n += HASH_HEX_LEN;
	line[n++] = '\n';
	line[n] = '\0';
	*len_r = n;
	*body_r = lead;
	return AUTHD_OK;
}

/*
 * Called with the mutex and the file lock held: the n records, chained, in
 * one write (all or none). Record i is at a->line + off[i], len[i] bytes,
 * the record itself from body[i] (after a torn tail's newline).
 */
static int
append_locked(struct authd_audit *a, const struct authd_audit_event *evs,
    size_t n, size_t *off, size_t *body, size_t *len)
{
	struct stat st;
	unsigned long long seq;
	char hash[HASH_HEX_LEN + 1], next[HASH_HEX_LEN + 1];
	size_t i, total = 0;
	ssize_t w;
	int torn, r = AUTHD_ERR_AUDIT;

	if (fstat(a->fd, &st) == -1)
		return AUTHD_ERR_AUDIT;
	/* Another process (or handle) wrote since: take up the chain from its end. */
	if (st.st_size != a->known_size && load_tail(a, st.st_size) != AUTHD_OK)
		return AUTHD_ERR_AUDIT;
	/* Each record chains on the one before it, not yet written. */
	seq = a->seq;
	memcpy(hash, a->hash, sizeof(hash));
	torn = a->torn_tail;
	for (i = 0; i < n; i++) {
		off[i] = total;
		if (format_record(a, &evs[i], a->line + total, &len[i],
		    &body[i], next) != AUTHD_OK)
			goto undo;
		a->seq++;
		memcpy(a->hash, next, HASH_HEX_LEN);
		a->torn_tail = 0;
		total += len[i];
	}
	do
		w = write(a->fd, a->line, total);
	while (w == -1 && errno == EINTR);
	if (w < 0 || (size_t)w != total) {
		/* Take back a partial write so the next record starts on a clean line. */
		if (w > 0 && ftruncate(a->fd, st.st_size) == -1)
			a->known_size = -1;   /* unknown: re-read the tail next time */
		goto undo;
	}
	/* The records are in the file whatever fdatasync says: the chain follows them. */
	a->known_size = st.st_size + (off_t)total;
	a->appended += total;
	return AUTHD_OK;
 undo:
	a->seq = seq;
	memcpy(a->hash, hash, sizeof(hash));
	a->torn_tail = torn;
	return r;
}

/*
 * Make the file durable at least up to end. Threads that wrote while another
 * thread's fdatasync was running find their record covered by the next one:
 * one sync serves many records (group commit), so fsync_each does not cap
 * the login rate at the disk's sync rate.
 */
int
authd_audit_sync(struct authd_audit *a, off_t end_off)
{
	unsigned long long written, seq, end = (unsigned long long)end_off;
	char hash[HASH_HEX_LEN + 1];
	int r = AUTHD_OK, err = 0;

	if (end_off <= 0)
		return AUTHD_OK;
	pthread_mutex_lock(&a->sync_lock);
	if (end > a->failed_from && end <= a->failed_upto) {
		/* a failed sync may have dropped it, whatever comes after */
		err = EIO;
		r = AUTHD_ERR_AUDIT;
	} else if (a->synced_upto < end) {
		/* Everything written before this fdatasync starts is covered by it. */
		pthread_mutex_lock(&a->lock);
		written = a->appended;
		seq = a->seq;
		memcpy(hash, a->hash, sizeof(hash));
		pthread_mutex_unlock(&a->lock);
		if (fdatasync(a->fd) == -1) {
			err = errno;
			r = AUTHD_ERR_AUDIT;
			/* what was written until now may be in the pages it failed on */
			pthread_mutex_lock(&a->lock);
			if (a->failed_upto == 0)
				a->failed_from = a->synced_upto;
			a->failed_upto = a->appended;
			pthread_mutex_unlock(&a->lock);
		} else if (written > a->synced_upto) {
			a->synced_upto = written;
			a->synced_seq = seq;
			memcpy(a->synced_hash, hash, sizeof(hash));
		}
	}
	pthread_mutex_unlock(&a->sync_lock);
	if (r != AUTHD_OK)
		authd_syslog(LOG_AUTHPRIV | LOG_ERR, "audit: records not synced to "
		    "disk: %s", strerror(err));
	return r;
}

int
authd_audit_write_n(struct authd_audit *a, const struct authd_audit_event *evs,
    size_t n, off_t *sync_end_r)
{
	char event[VALUE_ESC_MAX], user[VALUE_ESC_MAX];
	size_t off[AUTHD_AUDIT_BATCH_MAX], body[AUTHD_AUDIT_BATCH_MAX];
	size_t len[AUTHD_AUDIT_BATCH_MAX], i;
	int r, locked = 0;

	if (sync_end_r != NULL)
		*sync_end_r = 0;
	if (a == NULL || evs == NULL || n == 0 || n > AUTHD_AUDIT_BATCH_MAX)
		return AUTHD_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (!valid_extra(evs[i].extra))
			return AUTHD_ERR_INVALID;
	pthread_mutex_lock(&a->lock);
	while ((r = flock(a->fd, LOCK_EX)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		r = AUTHD_ERR_AUDIT;
		goto out;
	}
	locked = 1;
	r = append_locked(a, evs, n, off, body, len);
	if (r == AUTHD_OK && a->fsync_each && sync_end_r != NULL)
		*sync_end_r = (off_t)a->appended;
 out:
	if (locked)
		flock(a->fd, LOCK_UN);
	/* Still under the lock: syslog sees the records in the chain's order. */
	for (i = 0; i < n; i++)
		if (r == AUTHD_OK)
			/* syslog gets the record without its chain fields. */
			authd_syslog(LOG_AUTHPRIV | LOG_INFO, "audit %.*s",
			    (int)(len[i] - body[i] - 1 - CHAIN_SUFFIX_LEN),
			    a->line + off[i] + body[i]);
		else
			authd_syslog(LOG_AUTHPRIV | LOG_ERR, "audit: a record "
			    "for event=%s user=%s could not be written",
			    authd_audit_escape(evs[i].event, event, sizeof(event)),
			    authd_audit_escape(evs[i].user, user, sizeof(user)));
	pthread_mutex_unlock(&a->lock);
	return r;
}

int
authd_audit_write(struct authd_audit *a, const struct authd_audit_event *ev,
    off_t *sync_end_r)
{
	return authd_audit_write_n(a, ev, 1, sync_end_r);
}

int
authd_audit_append(struct authd_audit *a, const struct authd_audit_event *ev)
{
	off_t end;
	int r;

	if ((r = authd_audit_write(a, ev, &end)) != AUTHD_OK)
		return r;
	return authd_audit_sync(a, end);
}

int
authd_audit_reopen(struct authd_audit *a, int *rotated_r)
{
	struct authd_audit_event ev;
	struct stat now, open_st;
	char extra[160], prev_hash[HASH_HEX_LEN + 1], old_hash[HASH_HEX_LEN + 1];
	size_t off[1], body[1], len[1];
	unsigned long long prev_seq, old_seq;
	off_t old_known;
	int fd = -1, old_fd, old_torn, r;

	*rotated_r = 0;
	pthread_mutex_lock(&a->sync_lock);
	pthread_mutex_lock(&a->lock);
	/* still the file at path: nothing to do */
	if (stat(a->path, &now) == 0 && fstat(a->fd, &open_st) == 0 &&
	    now.st_dev == open_st.st_dev && now.st_ino == open_st.st_ino) {
		r = AUTHD_OK;
		goto out;
	}
	/* what was written to the old file is on disk before it is left */
	if (fdatasync(a->fd) == -1) {
		r = AUTHD_ERR_AUDIT;
		goto out;
	}
	if ((r = open_file(a->path, a->flags, &fd)) != AUTHD_OK)
		goto out;
	while ((r = flock(fd, LOCK_EX)) == -1 && errno == EINTR)
		;
	if (r == -1 || fstat(fd, &now) == -1) {
		r = AUTHD_ERR_IO;
		goto out;
	}
	prev_seq = old_seq = a->seq;
	memcpy(prev_hash, a->hash, sizeof(prev_hash));
	memcpy(old_hash, a->hash, sizeof(old_hash));
	old_fd = a->fd;
	old_known = a->known_size;
	old_torn = a->torn_tail;
	a->fd = fd;
	if ((r = load_tail(a, now.st_size)) != AUTHD_OK) {
		a->fd = old_fd;
		a->seq = old_seq;
		memcpy(a->hash, old_hash, sizeof(a->hash));
		a->known_size = old_known;
		a->torn_tail = old_torn;
		goto out;           /* closes fd */
	}
	fd = old_fd;            /* closed below */
	a->synced_upto = a->appended;
	a->synced_seq = 0;
	a->chain[0] = '\0';
	/* The new file's first record ties it to the old chain's end. */
	snprintf(extra, sizeof(extra), " prev_file_seq=%llu prev_file_hash=%s",
	    prev_seq, prev_hash);
	memset(&ev, 0, sizeof(ev));
	ev.event = "audit_continue";
	ev.peer_uid = (uid_t)-1;
	ev.result = "success";
	ev.reason = "the log was rotated: the previous file ends at prev_file_seq";
	ev.extra = extra;
	r = append_locked(a, &ev, 1, off, body, len);
	flock(a->fd, LOCK_UN);
	if (r == AUTHD_OK && a->fsync_each) {
		if (fdatasync(a->fd) == -1)
			r = AUTHD_ERR_AUDIT;
		else {
			a->synced_upto = a->appended;
			a->synced_seq = a->seq;
			memcpy(a->synced_hash, a->hash, sizeof(a->hash));
		}
	}
	*rotated_r = 1;
 out:
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_unlock(&a->sync_lock);
	if (fd != -1)
		close(fd);
	return r;
}

/*
 * The hash of the first line of fd when it is the record seq=1: the name of
 * the file's chain. AUTHD_OK, or AUTHD_ERR_AUDIT when the file does not start
 * with one (empty, or damaged).
 */
static int
first_record_hash(int fd, char out[HASH_HEX_LEN + 1])
{
	struct audit_rec rec;
	char *buf;
	ssize_t n;
	size_t len;
	int r = AUTHD_ERR_AUDIT;

	if ((buf = malloc(AUDIT_LINE_MAX)) == NULL)
		return AUTHD_ERR_NOMEM;
	do
		n = pread(fd, buf, AUDIT_LINE_MAX, 0);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		for (len = 0; len < (size_t)n && buf[len] != '\n'; len++)
			;
		if (len < (size_t)n && parse_record(buf, len, &rec) == AUTHD_OK &&
		    rec.seq == 1) {
			memcpy(out, rec.hash, HASH_HEX_LEN);
			out[HASH_HEX_LEN] = '\0';
			r = AUTHD_OK;
		}
	}
	free(buf);
	return r;
}

int
authd_audit_head(struct authd_audit *a, struct authd_audit_checkpoint *cp)
{
	int r = AUTHD_OK;

	memset(cp, 0, sizeof(*cp));
	if (a->fsync_each) {
		pthread_mutex_lock(&a->sync_lock);
		cp->seq = a->synced_seq;
		memcpy(cp->hash, a->synced_hash, sizeof(cp->hash));
		pthread_mutex_unlock(&a->sync_lock);
	}
	pthread_mutex_lock(&a->lock);
	if (!a->fsync_each) {
		cp->seq = a->seq;
		memcpy(cp->hash, a->hash, sizeof(cp->hash));
	}
	if (cp->seq == 0)
		r = AUTHD_ERR_MISSING;
	else if (a->chain[0] == '\0')
		r = first_record_hash(a->fd, a->chain);
	memcpy(cp->chain, a->chain, sizeof(cp->chain));
	pthread_mutex_unlock(&a->lock);
	return r;
}

int
authd_audit_chain_of(const char *path, char chain_r[AUTHD_AUDIT_HASH_LEN + 1])
{
	int fd, r;

	chain_r[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return AUTHD_ERR_IO;
	r = first_record_hash(fd, chain_r);
	close(fd);
	return r;
}

/* Verification */

struct verifier {
	FILE *f;
	char *line;
	size_t len;
	unsigned long lineno;
	int has_newline;
	int zeros;          /* the line is NUL bytes only (a crash's, load_tail) */
};

/*
 * 1 with a line, 0 at the end, AUTHD_ERR_TOO_LONG when over AUDIT_LINE_MAX.
 * A line of NUL bytes only may be of any length (its first AUDIT_LINE_MAX
 * are kept).
 */
static int
next_line(struct verifier *v)
{
	int c, zeros = 1;

	v->len = 0;
	v->has_newline = 0;
	while ((c = getc_unlocked(v->f)) != EOF) {
		if (c == '\n') {
			v->has_newline = 1;
			break;
		}
		if (c != '\0')
			zeros = 0;
		if (v->len == AUDIT_LINE_MAX) {
			if (!zeros)
				return AUTHD_ERR_TOO_LONG;
			continue;
		}
		v->line[v->len++] = (char)c;
	}
	if (c == EOF && v->len == 0)
		return ferror(v->f) ? AUTHD_ERR_IO : 0;
	v->zeros = zeros && v->len > 0;
	v->lineno++;
	return 1;
}

static void __attribute__((format(printf, 3, 4)))
setwhy(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Open path to be read line by line. AUTHD_OK, or an error (with why). */
static int
verifier_open(struct verifier *v, const char *path, char *why, size_t whylen)
{
	int fd;

	memset(v, 0, sizeof(*v));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		setwhy(why, whylen, "%s: %s", path, strerror(errno));
		return AUTHD_ERR_IO;
	}
	if ((v->f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return AUTHD_ERR_NOMEM;
	}
	if ((v->line = malloc(AUDIT_LINE_MAX)) == NULL) {
		fclose(v->f);
		return AUTHD_ERR_NOMEM;
	}
	return AUTHD_OK;
}

static void
verifier_close(struct verifier *v)
{
	free(v->line);
	fclose(v->f);
}

/*
 * A record arrived with a seq beyond the next one. Read on: if one of the
 * skipped seqs turns up later, records were reordered; otherwise removed.
 */
static void
explain_gap(struct verifier *v, unsigned long long last, unsigned long long seq,
    unsigned long bad_line, char *why, size_t whylen)
{
	struct audit_rec rec;

	while (next_line(v) == 1) {
		if (parse_record(v->line, v->len, &rec) != AUTHD_OK)
			continue;
		if (rec.seq > last && rec.seq < seq) {
			setwhy(why, whylen, "line %lu: records out of order "
			    "(seq %llu after %llu; seq %llu is at line %lu)",
			    bad_line, seq, last, rec.seq, v->lineno);
			return;
		}
	}
	if (seq == last + 2)
		setwhy(why, whylen, "line %lu: record missing before this one "
		    "(seq %llu after %llu)", bad_line, seq, last);
	else
		setwhy(why, whylen, "line %lu: %llu records missing before this "
		    "one (seq %llu after %llu)", bad_line, seq - last - 1, seq, last);
}

/* Check one line against the chain so far; AUTHD_OK or AUTHD_ERR_AUDIT with why. */
static int
check_line(struct verifier *v, unsigned long long *last_seq, char *last_hash,
    char *why, size_t whylen, int *malformed_r)
{
	char hash[HASH_HEX_LEN + 1];
	struct audit_rec rec;
	unsigned long n = v->lineno;

	if (!v->has_newline) {
		setwhy(why, whylen, "line %lu: truncated last record "
		    "(incomplete write)", n);
		return AUTHD_ERR_AUDIT;
	}
	if (parse_record(v->line, v->len, &rec) != AUTHD_OK) {
		setwhy(why, whylen, "line %lu: malformed record (not a complete "
		    "audit record)", n);
		*malformed_r = 1;
		return AUTHD_ERR_AUDIT;
	}
	if (record_hash(rec.prev, v->line, rec.hashed_len, hash) != AUTHD_OK) {
		setwhy(why, whylen, "line %lu: cannot compute SHA-256", n);
		return AUTHD_ERR_AUDIT;
	}
	if (memcmp(hash, rec.hash, HASH_HEX_LEN) != 0) {
		setwhy(why, whylen, "line %lu: record altered (hash mismatch)", n);
		return AUTHD_ERR_AUDIT;
	}
	if (*last_seq == 0 && rec.seq != 1) {
		setwhy(why, whylen, "line %lu: records missing before this one "
		    "(the file starts at seq %llu)", n, rec.seq);
		return AUTHD_ERR_AUDIT;
	}
	if (rec.seq <= *last_seq) {
		setwhy(why, whylen, "line %lu: records out of order (seq %llu "
		    "after %llu)", n, rec.seq, *last_seq);
		return AUTHD_ERR_AUDIT;
	}
	if (rec.seq > *last_seq + 1) {
		explain_gap(v, *last_seq, rec.seq, n, why, whylen);
		return AUTHD_ERR_AUDIT;
	}
	if (memcmp(rec.prev, last_hash, HASH_HEX_LEN) != 0) {
		if (n == 1)
			setwhy(why, whylen, "line 1: chain broken (the first "
			    "record's prev is not zero)");
		else
			setwhy(why, whylen, "line %lu: chain broken (prev does "
			    "not match line %lu)", n, n - 1);
		return AUTHD_ERR_AUDIT;
	}
	*last_seq = rec.seq;
	memcpy(last_hash, rec.hash, HASH_HEX_LEN);
	return AUTHD_OK;
}

/*
 * Whether the line is what a crash leaves, which the next writer ends with a
 * newline before its own record (load_tail): the start of the record that
 * would follow last_seq, cut short in the middle of a write; or NUL bytes
 * only, where the file's size reached the disk and its data did not.
 */
static int
torn_fragment(const struct verifier *v, unsigned long long last_seq)
{
	char lead[32];
	size_t n;

	n = (size_t)snprintf(lead, sizeof(lead), "seq=%llu ", last_seq + 1);
	if (!v->has_newline || v->len == 0)
		return 0;
	return v->zeros || memcmp(v->line, lead, v->len < n ? v->len : n) == 0;
}

int
authd_audit_verify(const char *path, size_t *records_r, size_t *bad_line_r,
    size_t *torn_line_r, char *why, size_t whylen)
{
	struct verifier v = { 0 };
	char last_hash[HASH_HEX_LEN + 1], torn_why[160] = "";
	unsigned long long last_seq = 0;
	unsigned long torn = 0;     /* a torn line waiting for its successor */
	unsigned long line;
	size_t records = 0;
	int r, malformed, torn_zeros = 0;

	if (records_r != NULL)
		*records_r = 0;
	if (bad_line_r != NULL)
		*bad_line_r = 0;
	if (torn_line_r != NULL)
		*torn_line_r = 0;
	setwhy(why, whylen, "intact");
	memcpy(last_hash, zero_hash, sizeof(last_hash));
	if ((r = verifier_open(&v, path, why, whylen)) != AUTHD_OK)
		return r;
	for (;;) {
		if ((r = next_line(&v)) == 0)
			break;
		if (r == AUTHD_ERR_TOO_LONG) {
			setwhy(why, whylen, "line %lu: record too long "
			    "(over %d bytes)", v.lineno + 1, AUDIT_LINE_MAX);
			if (bad_line_r != NULL)
				*bad_line_r = v.lineno + 1;
			r = AUTHD_ERR_AUDIT;
			goto out;
		}
		if (r < 0) {
			setwhy(why, whylen, "%s: read error", path);
			goto out;
		}
		malformed = 0;
		line = v.lineno;    /* check_line may read on to explain a gap */
		if ((r = check_line(&v, &last_seq, last_hash, why, whylen,
		    &malformed)) != AUTHD_OK) {
			/* one torn line, if the record after it continues the chain */
			if (malformed && torn == 0 && torn_fragment(&v, last_seq)) {
				torn = line;
				torn_zeros = v.zeros;
				continue;
			}
			if (torn != 0)
				setwhy(why, whylen, "line %lu: malformed record (not "
				    "a complete audit record, and the next does not "
				    "continue the chain over it)", torn);
			if (bad_line_r != NULL)
				*bad_line_r = torn != 0 ? torn : line;
			goto out;
		}
		if (torn != 0) {
			if (torn_line_r != NULL && *torn_line_r == 0) {
				*torn_line_r = torn;
				snprintf(torn_why, sizeof(torn_why), "line %lu: %s, "
				    "stepped over (the chain continues across it)",
				    torn, torn_zeros ? "zeros where a crash lost "
				    "records before they reached the disk" :
				    "a record cut short by a crash");
			}
			torn = 0;
		}
		records++;
	}
	if (torn != 0) {
		/* nothing after it: not known to be a crash's doing */
		setwhy(why, whylen, "line %lu: malformed record (not a complete "
		    "audit record)", torn);
		if (bad_line_r != NULL)
			*bad_line_r = torn;
		r = AUTHD_ERR_AUDIT;
		goto out;
	}
	if (torn_why[0] != '\0')
		setwhy(why, whylen, "%s", torn_why);
	r = AUTHD_OK;
 out:
	if (records_r != NULL)
		*records_r = records;
	verifier_close(&v);
	return r;
}

static int
cp_by_seq(const void *x, const void *y)
{
	const struct authd_audit_checkpoint *a = x, *b = y;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int
authd_audit_verify_checkpoints(const char *path,
    struct authd_audit_checkpoint *cps, size_t n, size_t *matched_r,
    size_t *bad_line_r, char *why, size_t whylen)
{
	struct verifier v = { 0 };
	struct authd_audit_checkpoint key, *cp;
	struct audit_rec rec;
	unsigned long long last = 0;
	size_t matched = 0, i;
	int r;

	*matched_r = 0;
	*bad_line_r = 0;
	setwhy(why, whylen, "intact");
	if (n == 0)
		return AUTHD_OK;
	qsort(cps, n, sizeof(*cps), cp_by_seq);
	if ((r = verifier_open(&v, path, why, whylen)) != AUTHD_OK)
		return r;
	while ((r = next_line(&v)) == 1) {
		if (parse_record(v.line, v.len, &rec) != AUTHD_OK)
			continue;      /* a torn line: authd_audit_verify judges it */
		if (rec.seq > last)
			last = rec.seq;
		key.seq = rec.seq;
		if ((cp = bsearch(&key, cps, n, sizeof(*cps), cp_by_seq)) == NULL)
			continue;
		if (memcmp(cp->hash, rec.hash, HASH_HEX_LEN) != 0) {
			setwhy(why, whylen, "line %lu: record seq %llu is not the "
			    "one checkpointed at %s (rewritten since)", v.lineno,
			    rec.seq, cp->time);
			*bad_line_r = v.lineno;
			r = AUTHD_ERR_AUDIT;
			goto out;
		}
		matched++;
	}
	if (r < 0) {
		setwhy(why, whylen, "%s: read error", path);
		goto out;
	}
	r = AUTHD_OK;
	for (i = 0; i < n; i++)
		if (cps[i].seq > last) {
			setwhy(why, whylen, "records removed from the end: the file "
			    "ends at seq %llu, a checkpoint taken at %s names seq %llu",
			    last, cps[i].time, cps[i].seq);
			r = AUTHD_ERR_AUDIT;
			break;
		}
	if (r == AUTHD_OK && matched < n) {
		/* a checkpoint of a seq the file has, but not as a record */
		setwhy(why, whylen, "%zu checkpoint(s) name records the file does "
		    "not hold", n - matched);
		r = AUTHD_ERR_AUDIT;
	}
out:
	*matched_r = matched;
	verifier_close(&v);
	return r;
}
