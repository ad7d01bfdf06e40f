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
 * with prev_file_seq and prev_file_hash, the old chain's end. *rotated_r 0
 * and AUTHD_OK when the path is still the file open. On an error the old
 * file stays in use.
 */
int authd_audit_reopen(struct authd_audit *a, int *rotated_r);
void authd_audit_close(struct authd_audit **ap);

/*
 * Check the chain of the file at path. Returns AUTHD_OK when intact; otherwise
 * AUTHD_ERR_AUDIT with *bad_line_r = the 1-based line of the first record
 * that is altered, missing before it, or out of order, and a one-line
 * explanation in why. A record cut short by a crash (the start of the
 * record that follows, ended by the next writer's newline) is stepped over
 * when the record after it continues the chain: AUTHD_OK with *torn_line_r
 * = its line (the first such; 0 when none) and why saying so.
 */
int authd_audit_verify(const char *path, size_t *records_r, size_t *bad_line_r,
    size_t *torn_line_r, char *why, size_t whylen);

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
 * The head of what this handle wrote that is on disk (synced, when it syncs
 * each record; written otherwise), with the chain's name; time left empty.
 * AUTHD_OK; AUTHD_ERR_MISSING when nothing yet; AUTHD_ERR_AUDIT when the
 * file does not start with the record seq=1.
 */
int authd_audit_head(struct authd_audit *a, struct authd_audit_checkpoint *cp);
/* The chain's name of the file at path: the hash of its first record. */
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
