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
/* Lines a crash left at the end of the file that load_tail steps over, at most. */
#define TAIL_FRAGMENTS_MAX 64
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
	off_t rec_end;       /* where the last complete record ends in the file */
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
	/*
	 * The same for every writer's records, as a file offset (lock): the
	 * file's size when an fdatasync on it failed. A record ending there or
	 * before is never a checkpoint's head (authctl's records too: the
	 * kernel reports a write-back error to each open file).
	 */
	off_t failed_size;
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
 * The fields every record starts with, in format_record's order. What a
 * crash leaves of a record is a prefix of them (then of the extra pairs,
 * prev= and hash=).
 */
static const char *const lead_keys[] = {
	"seq", "time", "clock", "host", "prog", "event", "user", "service",
	"tty", "rhost", "peer_uid", "peer_pid", "result", "reason",
};
#define LEAD_KEYS (sizeof(lead_keys) / sizeof(lead_keys[0]))

/*
 * Whether tok (len bytes) is "key=value" with value what want starts with
 * (want NULL: any value without '='); when last, the token may be cut
 * anywhere, value or key.
 */
static int
prefix_token(const char *tok, size_t len, const char *key, const char *want,
    size_t wantlen, int last)
{
	size_t klen = strlen(key), vlen;
	const char *v;

	if (len <= klen)        /* cut inside the key or before its '=' */
		return last && memcmp(tok, key, len) == 0;
	if (memcmp(tok, key, klen) != 0 || tok[klen] != '=')
		return 0;
	v = tok + klen + 1;
	vlen = len - klen - 1;
	if (memchr(v, '=', vlen) != NULL)
		return 0;           /* values are escaped */
	if (want == NULL)
		return 1;
	if (vlen > wantlen || memcmp(v, want, vlen) != 0)
		return 0;
	return last || vlen == wantlen;
}

/*
 * Whether line (len bytes without its newline, NUL bytes after it in the
 * file when zeros) is what a crash leaves, which the next writer ends with
 * a newline before its own record (load_tail): NUL bytes only, where the
 * file's size reached the disk and its data did not; or the start of the
 * record that follows the chain's end (seq, prev hash), cut short in the
 * middle of a write, perhaps with zeros after it. A complete record is
 * never one, nor a line that no record starts with.
 */
static int
crash_fragment(const char *line, size_t len, int zeros,
    unsigned long long seq, const char *prev)
{
	char seqs[24];
	struct audit_rec rec;
	size_t i, ts, te, k = 0;
	int last, in_prev = 0, in_hash = 0;

	while (len > 0 && line[len - 1] == '\0') {
		len--;
		zeros = 1;
	}
	if (len == 0)
		return zeros;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return 0;   /* no record holds one (escaped), nor NUL */
	if (parse_record(line, len, &rec) == AUTHD_OK)
		return 0;
	snprintf(seqs, sizeof(seqs), "%llu", seq);
	for (ts = 0; ts < len; ts = te + 1) {
		te = ts;
		while (te < len && line[te] != ' ')
			te++;
		last = te == len;
		if (in_hash)
			return 0;   /* nothing follows the hash */
		if (k == 0) {
			if (!prefix_token(line, te, "seq", seqs, strlen(seqs), last))
				return 0;
		} else if (k < LEAD_KEYS) {
			if (!prefix_token(line + ts, te - ts, lead_keys[k], NULL, 0,
			    last))
				return 0;
		} else if (in_prev) {
			/* the chain's end as the crashed writer saw it */
			if (!prefix_token(line + ts, te - ts, "hash", NULL, 0, last))
				return 0;
			for (i = ts + 5; i < te; i++)
				if (!((line[i] >= '0' && line[i] <= '9') ||
				    (line[i] >= 'a' && line[i] <= 'f')))
					return 0;
			in_hash = 1;
		} else if (te - ts >= 5 && memcmp(line + ts, "prev=", 5) == 0) {
			if (!prefix_token(line + ts, te - ts, "prev", prev,
			    HASH_HEX_LEN, last))
				return 0;
			in_prev = 1;
		} else if (te - ts >= 5 && memcmp(line + ts, "hash=", 5) == 0)
			return 0;   /* a hash before its prev */
		else if (!last && (te == ts || memchr(line + ts, '=', te - ts) ==
		    NULL || line[ts] == '='))
			return 0;   /* an extra pair is key=value */
		k++;
	}
	return 1;
}

/*
 * Where the file's content ends, before from, when it ends in NUL bytes:
 * blocks whose size reached the disk before their data did (a crash, with
 * audit_fsync = no or on a file system without ordered data). Any number
 * of them; *end_r is size when there are none, from when there is nothing
 * else after from. AUTHD_OK or AUTHD_ERR_IO.
 */
static int
end_before_zeros(int fd, off_t from, off_t size, off_t *end_r)
{
	char buf[4096];
	off_t end = size;
	size_t n, i;

	while (end > from) {
		n = end - from > (off_t)sizeof(buf) ? sizeof(buf) :
		    (size_t)(end - from);
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

/* Where the line that ends at end (its newline's offset, or size) starts. */
static int
line_start(int fd, off_t end, off_t *start_r)
{
	char buf[4096];
	off_t pos = end;
	size_t n, i;

	while (pos > 0) {
		n = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		if (pread_full(fd, buf, n, pos - (off_t)n) != AUTHD_OK)
			return AUTHD_ERR_IO;
		for (i = n; i > 0 && buf[i - 1] != '\n'; i--)
			;
		if (i > 0) {
			*start_r = pos - (off_t)n + (off_t)i;
			return AUTHD_OK;
		}
		pos -= (off_t)n;
	}
	*start_r = 0;
	return AUTHD_OK;
}

/* A line of the file: from start to its newline at end, content up to cend. */
struct file_line {
	off_t start, cend, end;
};

/*
 * Read the line ending at end (a newline's offset, or the content's end)
 * into buf (AUDIT_LINE_MAX): AUTHD_OK with l, AUTHD_ERR_TOO_LONG when its
 * content (before any NUL bytes ending it) is longer than a record.
 */
static int
read_line_before(int fd, off_t end, char *buf, struct file_line *l)
{
	l->end = end;
	if (line_start(fd, end, &l->start) != AUTHD_OK ||
	    end_before_zeros(fd, l->start, end, &l->cend) != AUTHD_OK)
		return AUTHD_ERR_IO;
	if (l->cend - l->start > AUDIT_LINE_MAX)
		return AUTHD_ERR_TOO_LONG;
	return pread_full(fd, buf, (size_t)(l->cend - l->start), l->start);
}

/*
 * Find the chain's end: the seq and hash of the last complete record, and
 * where it ends. What crashes left after it is stepped over, as
 * authd_audit_verify does: lines that are the start of the record that
 * follows it, or zeros (two crashes in a row leave two such lines; the
 * next writer ends each with a newline); and a last line without its
 * newline, which the next record's newline ends (torn_tail). A last line
 * that is the whole next record but its newline continues the chain.
 * Anything else there fails: a writer does not go on from a tail it does
 * not understand.
 */
static int
load_tail(struct authd_audit *a, off_t size)
{
	struct file_line frag[TAIL_FRAGMENTS_MAX], l;
	struct audit_rec rec;
	size_t nfrag = 0, i, len;
	char *buf = NULL;
	off_t content_end, tail_start, pos;
	int r = AUTHD_ERR_AUDIT, zeros;

	a->seq = 0;
	memcpy(a->hash, zero_hash, sizeof(a->hash));
	a->torn_tail = 0;
	a->rec_end = 0;
	/* Until the tail is understood, make the next append read it again. */
	a->known_size = -1;
	/* Zeros at the end are a line lost in a crash: the chain goes on from
	 * what is before them, and the next writer ends their line. */
	if (end_before_zeros(a->fd, 0, size, &content_end) != AUTHD_OK)
		return AUTHD_ERR_AUDIT;
	zeros = content_end != size;
	if ((buf = malloc(AUDIT_LINE_MAX)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (line_start(a->fd, content_end, &tail_start) != AUTHD_OK ||
	    content_end - tail_start > AUDIT_LINE_MAX)
		goto out;               /* longer than any record we write */
	for (pos = tail_start; pos > 0; pos = l.start) {
		if (read_line_before(a->fd, pos - 1, buf, &l) != AUTHD_OK)
			goto out;
		len = (size_t)(l.cend - l.start);
		if (l.cend == l.end && parse_record(buf, len, &rec) == AUTHD_OK) {
			a->seq = rec.seq;
			memcpy(a->hash, rec.hash, HASH_HEX_LEN);
			a->rec_end = l.end + 1;
			break;
		}
		if (nfrag == TAIL_FRAGMENTS_MAX)
			goto out;
		frag[nfrag++] = l;
	}
	/* each line stepped over is what a crash leaves after that record */
	for (i = 0; i < nfrag; i++) {
		len = (size_t)(frag[i].cend - frag[i].start);
		if (pread_full(a->fd, buf, len, frag[i].start) != AUTHD_OK ||
		    !crash_fragment(buf, len, frag[i].cend != frag[i].end,
		    a->seq + 1, a->hash))
			goto out;
	}
	if (nfrag > 0)
		authd_syslog(LOG_AUTHPRIV | LOG_WARNING, "audit: %zu line(s) "
		    "left by crashes after seq %llu; the chain goes on from it",
		    nfrag, a->seq);
	len = (size_t)(content_end - tail_start);
	a->torn_tail = len > 0 || zeros;
	/*
	 * Torn after its last byte but the newline: the record is whole, and
	 * the chain goes on from it (the next append ends the line first).
	 */
	if (len > 0 && pread_full(a->fd, buf, len, tail_start) == AUTHD_OK &&
	    whole_record(buf, len, a->seq, a->hash, &rec)) {
		a->seq = rec.seq;
		memcpy(a->hash, rec.hash, HASH_HEX_LEN);
		a->rec_end = content_end;
	}
	a->known_size = size;
	r = AUTHD_OK;
 out:
	if (r == AUTHD_OK && zeros)
		authd_syslog(LOG_AUTHPRIV | LOG_WARNING, "audit: %lld zero bytes at "
		    "the end of the log (lost in a crash); the chain goes on from "
		    "the record before them", (long long)(size - content_end));
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
	a->rec_end = a->known_size;
	a->appended += total;
	return AUTHD_OK;
 undo:
	a->seq = seq;
	memcpy(a->hash, hash, sizeof(hash));
	a->torn_tail = torn;
	return r;
}

/*
 * An fdatasync on the file open failed (a->lock held): what was written
 * until now may be in the pages it failed on, which are clean after it, so
 * no later fdatasync's success covers them.
 */
static void
note_sync_failure(struct authd_audit *a)
{
	struct stat st;
	off_t size = a->known_size;

	if (a->failed_upto == 0)
		a->failed_from = a->synced_upto;
	a->failed_upto = a->appended;
	if (fstat(a->fd, &st) == 0 && st.st_size > size)
		size = st.st_size;
	if (size > a->failed_size)
		a->failed_size = size;
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
	unsigned long long written, end = (unsigned long long)end_off;
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
		pthread_mutex_unlock(&a->lock);
		if (fdatasync(a->fd) == -1) {
			err = errno;
			r = AUTHD_ERR_AUDIT;
			pthread_mutex_lock(&a->lock);
			note_sync_failure(a);
			pthread_mutex_unlock(&a->lock);
		} else if (written > a->synced_upto)
			a->synced_upto = written;
	}
	pthread_mutex_unlock(&a->sync_lock);
	if (r != AUTHD_OK)
		authd_syslog(LOG_AUTHPRIV | LOG_ERR, "audit: records not synced to "
		    "disk: %s", strerror(err));
	return r;
}

/* Whether the path names another file than the one open. */
static int
moved_away(struct authd_audit *a)
{
	struct stat at_path, open_st;

	return stat(a->path, &at_path) == 0 && fstat(a->fd, &open_st) == 0 &&
	    (at_path.st_dev != open_st.st_dev || at_path.st_ino != open_st.st_ino);
}

int
authd_audit_write_n(struct authd_audit *a, const struct authd_audit_event *evs,
    size_t n, off_t *sync_end_r)
{
	char event[VALUE_ESC_MAX], user[VALUE_ESC_MAX];
	size_t off[AUTHD_AUDIT_BATCH_MAX], body[AUTHD_AUDIT_BATCH_MAX];
	size_t len[AUTHD_AUDIT_BATCH_MAX], i;
	int r, locked = 0, moved = 0, rotated;

	if (sync_end_r != NULL)
		*sync_end_r = 0;
	if (a == NULL || evs == NULL || n == 0 || n > AUTHD_AUDIT_BATCH_MAX)
		return AUTHD_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (!valid_extra(evs[i].extra))
			return AUTHD_ERR_INVALID;
	pthread_mutex_lock(&a->lock);
	for (;;) {
		while ((r = flock(a->fd, LOCK_EX)) == -1 && errno == EINTR)
			;
		if (r == -1) {
			r = AUTHD_ERR_AUDIT;
			goto out;
		}
		/*
		 * Rotated while this handle had the file open (authctl, or authd
		 * before its SIGUSR1): the records go to the file at the path,
		 * after the link to the old one's end. Looked at under the old
		 * file's lock, which authd_audit_reopen() holds while it reads
		 * that end, so that no record lands in the old file after it.
		 * A path with no file yet: the old file until there is one.
		 */
		if (moved || !moved_away(a))
			break;
		moved = 1;
		flock(a->fd, LOCK_UN);
		pthread_mutex_unlock(&a->lock);
		if ((r = authd_audit_reopen(a, &rotated)) != AUTHD_OK)
			authd_syslog(LOG_AUTHPRIV | LOG_ERR, "audit: %s was "
			    "rotated, and going on in the new file failed (%s); "
			    "writing to the old one", a->path, authd_strerror(r));
		pthread_mutex_lock(&a->lock);
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
	unsigned long long prev_seq;
	off_t old_known, old_rec_end, old_failed;
	int fd = -1, old_fd, old_torn, old_locked = 0, r;

	*rotated_r = 0;
	pthread_mutex_lock(&a->sync_lock);
	pthread_mutex_lock(&a->lock);
	/* still the file at path: nothing to do */
	if (stat(a->path, &now) == 0 && fstat(a->fd, &open_st) == 0 &&
	    now.st_dev == open_st.st_dev && now.st_ino == open_st.st_ino) {
		r = AUTHD_OK;
		goto out;
	}
	/*
	 * The old chain's end as the old file holds it: other writers (authctl)
	 * appended since this handle last wrote. Its lock is held until the
	 * link is written; a writer that takes it afterwards finds the file
	 * renamed and goes on in the new one.
	 */
	while ((r = flock(a->fd, LOCK_EX)) == -1 && errno == EINTR)
		;
	if (r == -1 || fstat(a->fd, &open_st) == -1) {
		r = AUTHD_ERR_IO;
		goto out;
	}
	old_locked = 1;
	if (open_st.st_size != a->known_size &&
	    (r = load_tail(a, open_st.st_size)) != AUTHD_OK)
		goto out;
	/* what was written to the old file is on disk before it is left */
	if (fdatasync(a->fd) == -1) {
		note_sync_failure(a);
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
	prev_seq = a->seq;
	memcpy(prev_hash, a->hash, sizeof(prev_hash));
	memcpy(old_hash, a->hash, sizeof(old_hash));
	old_fd = a->fd;
	old_known = a->known_size;
	old_rec_end = a->rec_end;
	old_torn = a->torn_tail;
	old_failed = a->failed_size;
	a->fd = fd;
	a->failed_size = 0;     /* offsets of the old file */
	if ((r = load_tail(a, now.st_size)) != AUTHD_OK) {
		a->fd = old_fd;
		a->seq = prev_seq;
		memcpy(a->hash, old_hash, sizeof(a->hash));
		a->known_size = old_known;
		a->rec_end = old_rec_end;
		a->torn_tail = old_torn;
		a->failed_size = old_failed;
		goto out;           /* closes fd */
	}
	fd = old_fd;            /* unlocked and closed below */
	a->synced_upto = a->appended;
	*rotated_r = 1;
	/*
	 * The new file's first record ties it to the old chain's end; one
	 * with records already was tied by the writer that went on there
	 * first (authctl, between the rename and authd's SIGUSR1).
	 */
	if (a->seq == 0) {
		snprintf(extra, sizeof(extra), " prev_file_seq=%llu "
		    "prev_file_hash=%s", prev_seq, prev_hash);
		memset(&ev, 0, sizeof(ev));
		ev.event = "audit_continue";
		ev.peer_uid = (uid_t)-1;
		ev.result = "success";
		ev.reason = "the log was rotated: the previous file ends at "
		    "prev_file_seq";
		ev.extra = extra;
		r = append_locked(a, &ev, 1, off, body, len);
	}
	flock(a->fd, LOCK_UN);
	if (r == AUTHD_OK && a->fsync_each) {
		if (fdatasync(a->fd) == -1) {
			note_sync_failure(a);
			r = AUTHD_ERR_AUDIT;
		} else
			a->synced_upto = a->appended;
	}
 out:
	if (old_locked)
		flock(*rotated_r ? fd : a->fd, LOCK_UN);
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_unlock(&a->sync_lock);
	if (fd != -1)
		close(fd);
	return r;
}

/* Verification */

/*
 * The file read line by line with pread() (so that the fd of a live
 * handle, O_APPEND and shared by writing threads, can be read too).
 */
#define VERIFY_READ_BUF 65536
struct verifier {
	int fd;
	int own_fd;         /* closed by verifier_close */
	int err;            /* errno of a failed read */
	off_t off;          /* of the next read */
	char *rbuf;
	size_t rpos, rlen;
	char *line;
	size_t len;
	unsigned long lineno;
	int has_newline;
	int zeros;          /* the line is NUL bytes only (a crash's, load_tail) */
};

static int
next_char(struct verifier *v)
{
	ssize_t n;

	if (v->rpos == v->rlen) {
		do
			n = pread(v->fd, v->rbuf, VERIFY_READ_BUF, v->off);
		while (n == -1 && errno == EINTR);
		if (n <= 0) {
			if (n < 0)
				v->err = errno;
			return EOF;
		}
		v->off += n;
		v->rlen = (size_t)n;
		v->rpos = 0;
	}
	return (unsigned char)v->rbuf[v->rpos++];
}

/* Read again from the start. */
static void
verifier_rewind(struct verifier *v)
{
	v->off = 0;
	v->rpos = v->rlen = 0;
	v->lineno = 0;
	v->err = 0;
}

/*
 * 1 with a line, 0 at the end, AUTHD_ERR_TOO_LONG when over AUDIT_LINE_MAX,
 * AUTHD_ERR_IO when the file cannot be read (errno in v->err).
 * A line of NUL bytes only may be of any length (its first AUDIT_LINE_MAX
 * are kept).
 */
static int
next_line(struct verifier *v)
{
	int c, zeros = 1;

	v->len = 0;
	v->has_newline = 0;
	while ((c = next_char(v)) != EOF) {
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
	if (v->err != 0)
		return AUTHD_ERR_IO;
	if (c == EOF && v->len == 0)
		return 0;
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

/*
 * Read fd line by line from its start; own: closed by verifier_close (or
 * here on an error). AUTHD_OK, or AUTHD_ERR_NOMEM.
 */
static int
verifier_fdopen(struct verifier *v, int fd, int own)
{
	memset(v, 0, sizeof(*v));
	v->fd = fd;
	v->own_fd = own;
	if ((v->line = malloc(AUDIT_LINE_MAX)) == NULL ||
	    (v->rbuf = malloc(VERIFY_READ_BUF)) == NULL) {
		free(v->line);
		if (own)
			close(fd);
		v->fd = -1;
		return AUTHD_ERR_NOMEM;
	}
	return AUTHD_OK;
}

/*
 * Open path to be read line by line. AUTHD_OK, or an error (with why).
 * Only a regular file: a directory cannot be read, and a FIFO or a device
 * such as /dev/zero may never end (O_NONBLOCK: opening a FIFO waits for a
 * writer otherwise).
 */
static int
verifier_open(struct verifier *v, const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd;

	memset(v, 0, sizeof(*v));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		setwhy(why, whylen, "%s: %s", path, strerror(errno));
		return AUTHD_ERR_IO;
	}
	if (fstat(fd, &st) == -1) {
		setwhy(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return AUTHD_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		setwhy(why, whylen, "%s: not a regular file (%s)", path,
		    S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ?
		    "a FIFO" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
		    "a device" : S_ISSOCK(st.st_mode) ? "a socket" : "not a file");
		close(fd);
		return AUTHD_ERR_IO;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		setwhy(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return AUTHD_ERR_IO;
	}
	return verifier_fdopen(v, fd, 1);
}

static void
verifier_close(struct verifier *v)
{
	free(v->line);
	free(v->rbuf);
	if (v->own_fd && v->fd != -1)
		close(v->fd);
	v->fd = -1;
}

/*
 * The hash of the first complete record of the file, past what crashes
 * left before it (authd_audit_verify steps over the same lines): the name
 * of the file's chain. It must be the record seq=1. AUTHD_OK, or
 * AUTHD_ERR_AUDIT when the file has no such record (empty, or damaged).
 */
static int
first_record_hash(struct verifier *v, char out[HASH_HEX_LEN + 1])
{
	struct audit_rec rec;
	int r;

	while ((r = next_line(v)) == 1) {
		if (v->has_newline && crash_fragment(v->line, v->len, v->zeros, 1,
		    zero_hash))
			continue;
		if (!v->has_newline || parse_record(v->line, v->len, &rec) !=
		    AUTHD_OK || rec.seq != 1 ||
		    memcmp(rec.prev, zero_hash, HASH_HEX_LEN) != 0)
			break;
		memcpy(out, rec.hash, HASH_HEX_LEN);
		out[HASH_HEX_LEN] = '\0';
		return AUTHD_OK;
	}
	return r == AUTHD_ERR_NOMEM ? r : AUTHD_ERR_AUDIT;
}

int
authd_audit_head(struct authd_audit *a, struct authd_audit_checkpoint *cp)
{
	struct verifier v;
	struct stat st;
	unsigned long long written;
	off_t rec_end;
	int r = AUTHD_OK, locked;

	memset(cp, 0, sizeof(*cp));
	pthread_mutex_lock(&a->sync_lock);
	pthread_mutex_lock(&a->lock);
	/* the file's end, whoever wrote it (authctl appends to it too) */
	while ((r = flock(a->fd, LOCK_EX)) == -1 && errno == EINTR)
		;
	locked = r == 0;
	if (r == -1 || fstat(a->fd, &st) == -1)
		r = AUTHD_ERR_IO;
	else if (st.st_size != a->known_size)
		r = load_tail(a, st.st_size);
	else
		r = AUTHD_OK;
	if (locked)
		flock(a->fd, LOCK_UN);
	cp->seq = a->seq;
	memcpy(cp->hash, a->hash, sizeof(cp->hash));
	rec_end = a->rec_end;
	written = a->appended;
	pthread_mutex_unlock(&a->lock);
	if (r != AUTHD_OK)
		goto out;
	if (cp->seq == 0) {
		r = AUTHD_ERR_MISSING;
		goto out;
	}
	/*
	 * Everything written before it starts is covered by this fdatasync's
	 * success, but for what a failed one may have lost (failed_size): a
	 * write-back error is reported once to each open file, and its pages
	 * are clean after it.
	 */
	if (fdatasync(a->fd) == -1) {
		pthread_mutex_lock(&a->lock);
		note_sync_failure(a);
		pthread_mutex_unlock(&a->lock);
		r = AUTHD_ERR_IO;
		goto out;
	}
	if (written > a->synced_upto)
		a->synced_upto = written;
	pthread_mutex_lock(&a->lock);
	if (rec_end <= a->failed_size)
		r = AUTHD_ERR_MISSING;
	pthread_mutex_unlock(&a->lock);
	if (r != AUTHD_OK)
		goto out;
	/* the chain's name, read each time: the file may have been cut since */
	if ((r = verifier_fdopen(&v, a->fd, 0)) != AUTHD_OK)
		goto out;
	r = first_record_hash(&v, cp->chain);
	verifier_close(&v);
 out:
	pthread_mutex_unlock(&a->sync_lock);
	if (r != AUTHD_OK)
		memset(cp, 0, sizeof(*cp));
	return r;
}

int
authd_audit_chain_of(const char *path, char chain_r[AUTHD_AUDIT_HASH_LEN + 1])
{
	struct verifier v;
	int r;

	chain_r[0] = '\0';
	if ((r = verifier_open(&v, path, NULL, 0)) != AUTHD_OK)
		return r;
	r = first_record_hash(&v, chain_r);
	verifier_close(&v);
	return r;
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

/*
 * A record arrived with a seq the chain has had: an exact repeat of an
 * earlier line (the same hash over the same content), or another record
 * with that seq. Reads the file again from its start.
 */
static void
explain_repeat(struct verifier *v, const struct audit_rec *dup,
    unsigned long bad_line, unsigned long long last, char *why, size_t whylen)
{
	char hash[HASH_HEX_LEN];
	struct audit_rec rec;
	unsigned long long seq = dup->seq;

	memcpy(hash, dup->hash, HASH_HEX_LEN);
	verifier_rewind(v);
	while (v->lineno + 1 < bad_line && next_line(v) == 1)
		if (parse_record(v->line, v->len, &rec) == AUTHD_OK &&
		    rec.seq == seq && memcmp(rec.hash, hash, HASH_HEX_LEN) == 0) {
			setwhy(why, whylen, "line %lu: record %llu appears twice "
			    "(a copy of line %lu)", bad_line, seq, v->lineno);
			return;
		}
	setwhy(why, whylen, "line %lu: records out of order (seq %llu after "
	    "%llu)", bad_line, seq, last);
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
		explain_repeat(v, &rec, n, *last_seq, why, whylen);
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

/* Say which lines were stepped over (torn), in why. */
static void
explain_torn(const struct authd_audit_torn *torn, const unsigned char *zeros,
    char *why, size_t whylen)
{
	char buf[512];
	size_t i, len, listed;

	if (torn->n == 1) {
		setwhy(why, whylen, "line %zu: %s, stepped over (the chain "
		    "continues across it)", torn->line[0], zeros[0] ? "zeros "
		    "where a crash lost records before they reached the disk" :
		    "a record cut short by a crash");
		return;
	}
	listed = torn->n < AUTHD_AUDIT_TORN_LISTED ? torn->n :
	    AUTHD_AUDIT_TORN_LISTED;
	len = (size_t)snprintf(buf, sizeof(buf), "lines");
	for (i = 0; i < listed && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %zu (%s)",
		    i == 0 ? "" : ",", torn->line[i], zeros[i] ? "zeros" :
		    "a record cut short");
	if (torn->n > listed && len < sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, " and %zu more",
		    torn->n - listed);
	setwhy(why, whylen, "%s: %zu lines left by crashes, stepped over "
	    "(the chain continues across them)", buf, torn->n);
}

int
authd_audit_verify(const char *path, size_t *records_r, size_t *bad_line_r,
    struct authd_audit_torn *torn_r, char *why, size_t whylen)
{
	struct verifier v = { .fd = -1 };
	struct authd_audit_torn torn = { 0 };
	unsigned char zeros[AUTHD_AUDIT_TORN_LISTED];
	char last_hash[HASH_HEX_LEN + 1];
	unsigned long long last_seq = 0;
	unsigned long line, pending = 0;  /* the first of torn lines waiting */
	size_t records = 0, npending = 0;
	int r, malformed;

	if (records_r != NULL)
		*records_r = 0;
	if (bad_line_r != NULL)
		*bad_line_r = 0;
	if (torn_r != NULL)
		memset(torn_r, 0, sizeof(*torn_r));
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
			setwhy(why, whylen, "%s: read error: %s", path,
			    strerror(v.err != 0 ? v.err : EIO));
			goto out;
		}
		malformed = 0;
		line = v.lineno;    /* check_line may read on to explain a gap */
		if ((r = check_line(&v, &last_seq, last_hash, why, whylen,
		    &malformed)) != AUTHD_OK) {
			/* what crashes left, if the record after continues the chain */
			if (malformed && v.has_newline && crash_fragment(v.line,
			    v.len, v.zeros, last_seq + 1, last_hash)) {
				if (npending++ == 0)
					pending = line;
				if (torn.n < AUTHD_AUDIT_TORN_LISTED) {
					torn.line[torn.n] = line;
					zeros[torn.n] = v.zeros || v.len == 0 ||
					    v.line[0] == '\0';
				}
				torn.n++;
				continue;
			}
			if (npending != 0)
				setwhy(why, whylen, "line %lu: malformed record (not "
				    "a complete audit record, and the next does not "
				    "continue the chain over it)", pending);
			if (bad_line_r != NULL)
				*bad_line_r = npending != 0 ? pending : line;
			goto out;
		}
		npending = 0;
		records++;
	}
	if (npending != 0) {
		/* nothing after it: not known to be a crash's doing */
		setwhy(why, whylen, "line %lu: malformed record (not a complete "
		    "audit record)", pending);
		if (bad_line_r != NULL)
			*bad_line_r = pending;
		r = AUTHD_ERR_AUDIT;
		goto out;
	}
	if (torn.n > 0)
		explain_torn(&torn, zeros, why, whylen);
	if (torn_r != NULL)
		*torn_r = torn;
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
	struct verifier v = { .fd = -1 };
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
		setwhy(why, whylen, "%s: read error: %s", path,
		    r == AUTHD_ERR_TOO_LONG ? "a line too long for a record" :
		    strerror(v.err != 0 ? v.err : EIO));
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
