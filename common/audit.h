/*
 * The audit log: one line per decision, appended, each carrying the SHA-256
 * of the previous record so that an edited, removed or reordered record is
 * found by authd_audit_verify(). Also sent to syslog (LOG_AUTHPRIV).
 *
 * Line format (fields in this order, values escaped: '\\' '\n' ' ' '=' as \xHH):
 *   seq=N time=YYYY-MM-DDTHH:MM:SS.mmmZ clock=sync|unsync host=H prog=P
 *   event=E user=U service=S tty=T rhost=R peer_uid=N peer_pid=N result=R
 *   reason=TEXT [extra key=value ...] prev=HEX hash=HEX
 * hash = SHA-256(prev_hash_hex || " " || the line up to and excluding " hash=").
 * The first record of a file has prev=0 x 64.
 */
#ifndef AUTHD_AUDIT_H
#define AUTHD_AUDIT_H

#include <stdio.h>
#include <sys/types.h>

struct authd_audit;

struct authd_audit_event {
	const char *event;    /* "authenticate", "acct_mgmt", "open_session", "user_add", ... */
	const char *user;
	const char *service;
	const char *tty;
	const char *rhost;
	uid_t peer_uid;       /* (uid_t)-1 when not known */
	pid_t peer_pid;       /* 0 when not known */
	const char *result;   /* "success", "auth_err", ... */
	const char *reason;   /* why, for auditors: "wrong password", "unknown user" */
	const char *extra;    /* optional preformatted " key=value" pairs, already escaped, or NULL */
};

/*
 * Open (creating 0600) the log at path for appending; reads the last record
 * to continue the chain. prog names the writer ("authd", "authctl").
 * flags: AUTHD_AUDIT_FSYNC, fdatasync after every record (1, as the
 * fsync_each of old); AUTHD_AUDIT_EXISTING, never create the file (a
 * writer that only joins authd's log: a log rotated away meanwhile must
 * not be replaced by one of its own).
 */
#define AUTHD_AUDIT_FSYNC    1
#define AUTHD_AUDIT_EXISTING 2
int authd_audit_open(const char *path, const char *host, const char *prog,
    int flags, struct authd_audit **a_r);
/*
 * AUTHD_OK only when the whole record has been written to the file, and
 * synced to disk when the handle was opened with fsync_each. Thread-safe.
 */
int authd_audit_append(struct authd_audit *a, const struct authd_audit_event *ev);
/*
 * The same in two halves, so that one fdatasync can serve the records of
 * many threads without any of them waiting for it: write the record
 * (*sync_end_r = how far to sync, counted in the bytes this handle has
 * appended, or 0 when the handle does not sync each record), then, from any
 * thread, make the file durable up to there. Until authd_audit_sync()
 * returns AUTHD_OK for it, a record may be lost in a crash: nothing that
 * depends on it may be granted. A record written before a failed sync is
 * never reported synced (a later fdatasync's success does not cover it).
 */
int authd_audit_write(struct authd_audit *a, const struct authd_audit_event *ev,
    off_t *sync_end_r);
/*
 * The records evs[0..n-1] (n at most AUTHD_AUDIT_BATCH_MAX), chained in that
 * order, in one write: all are written or none is (one decision's records,
 * such as an authentication and the acct_mgmt decided with it).
 */
#define AUTHD_AUDIT_BATCH_MAX 2
int authd_audit_write_n(struct authd_audit *a,
    const struct authd_audit_event *evs, size_t n, off_t *sync_end_r);
int authd_audit_sync(struct authd_audit *a, off_t end);
/*
 * After the log was rotated (renamed away; a new file, or none, at the path
 * it was opened at): sync the old file, go on at the path (created 0600
 * unless AUTHD_AUDIT_EXISTING), its next record being event=audit_continue
 * with prev_file_seq and prev_file_hash, the old chain's end as the old
 * file holds it (read under its lock: with what other writers appended).
 * A new file that has records already (another writer went on there first)
 * gets no second audit_continue. *rotated_r 0 and AUTHD_OK when the path
 * is still the file open. On an error the old file stays in use.
 * A writer does this itself when it finds, holding the file's lock, that
 * the path names another file than the one it has open.
 */
int authd_audit_reopen(struct authd_audit *a, int *rotated_r);
void authd_audit_close(struct authd_audit **ap);

/*
 * Check the chain of the file at path. Returns AUTHD_OK when intact; otherwise
 * AUTHD_ERR_AUDIT with *bad_line_r = the 1-based line of the first record
 * that is altered, missing before it, out of order or repeated, and a
 * one-line explanation in why; AUTHD_ERR_IO when the file cannot be read
 * (why says why; not a regular file is refused before reading).
 *
 * What a crash leaves, which the next writer ends with a newline, is
 * stepped over when the record after it continues the chain: a record cut
 * short (a prefix of the record that follows the chain's end, never a
 * complete record) or NUL bytes. Such lines carry no hash, so the file
 * cannot show that a crash left them and not someone: every one is named,
 * in torn (NULL when not wanted) and in why. AUTHD_OK then.
 */
#define AUTHD_AUDIT_TORN_LISTED 10
struct authd_audit_torn {
	size_t n;                               /* lines stepped over */
	size_t line[AUTHD_AUDIT_TORN_LISTED];   /* the first of them */
};
int authd_audit_verify(const char *path, size_t *records_r, size_t *bad_line_r,
    struct authd_audit_torn *torn_r, char *why, size_t whylen);

/*
 * Checkpoints: the chain's head kept outside the file (authd adds one to the
 * directory now and then), so that records cut off the end of the file, or
 * a tail rewritten with every hash computed again, are found. The chain is
 * named by the hash of the file's first record.
 */
#define AUTHD_AUDIT_HASH_LEN 64
struct authd_audit_checkpoint {
	unsigned long long seq;
	char hash[AUTHD_AUDIT_HASH_LEN + 1];
	char chain[AUTHD_AUDIT_HASH_LEN + 1];
	char time[32];                     /* when taken, for messages */
};
/*
 * The head of the chain on disk, for a checkpoint: the file's last complete
 * record as read under its lock (whoever wrote it: authctl appends to the
 * same file), after an fdatasync that succeeded, with the chain's name;
 * time left empty. A record that ends where a failed sync may have lost
 * data (one this handle saw fail) is never the head, whatever a later
 * fdatasync says. AUTHD_OK; AUTHD_ERR_MISSING when nothing is due (no
 * record, or the last one not known to be on disk); AUTHD_ERR_IO when the
 * sync failed; AUTHD_ERR_AUDIT when the file has no first record (seq=1)
 * or its end is not a record.
 */
int authd_audit_head(struct authd_audit *a, struct authd_audit_checkpoint *cp);
/*
 * The chain's name of the file at path: the hash of its first complete
 * record (seq=1), past what a crash left before it.
 */
int authd_audit_chain_of(const char *path, char chain_r[AUTHD_AUDIT_HASH_LEN + 1]);
/*
 * Each checkpoint (of this file's chain; sorted here) must name a record of
 * the file with the same hash. AUTHD_OK with *matched_r = n; else
 * AUTHD_ERR_AUDIT and why: a record that differs (*bad_line_r its line),
 * or checkpoints past the file's end (records removed from the end).
 */
int authd_audit_verify_checkpoints(const char *path,
    struct authd_audit_checkpoint *cps, size_t n, size_t *matched_r,
    size_t *bad_line_r, char *why, size_t whylen);
/* Escape a value for an audit line into out; returns out. */
char *authd_audit_escape(const char *in, char *out, size_t outsz);

#endif
