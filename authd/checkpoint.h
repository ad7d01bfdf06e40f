/*
 * Checkpoints of the audit log's hash chain in the directory. The chain
 * shows an edited, removed or reordered record inside the file, but not
 * records cut off its end, nor a tail written again with every hash
 * recomputed: for those the head of the chain must be kept where the
 * host's root cannot change it. Every audit_checkpoint_interval seconds,
 * when records were added, authd adds an entry
 *
 *   cn=HOST-CHAIN16-SEQ,ou=audit,BASE   (authdAuditCheckpoint)
 *
 * with the host, the chain's name (the first record's hash), the seq and
 * hash of the last record on disk, and the time; and once more when it
 * stops cleanly. The shipped ACLs let authd's identity add such entries
 * but neither change nor delete them. authctl audit verify --checkpoints
 * compares a file with them (common/audit.h).
 *
 * Records written since the last checkpoint are protected by the chain and
 * by syslog's copy only.
 */
#ifndef AUTHD_CHECKPOINT_H
#define AUTHD_CHECKPOINT_H

struct server;
struct checkpointer;

/* Loop thread: starts the timer (none when the interval is 0). */
int checkpointer_new(struct server *srv, struct checkpointer **cp_r);
/*
 * After the workers have stopped: one last checkpoint, made on this
 * thread (bounded by ldap_timeout), then freed.
 */
void checkpointer_free(struct checkpointer **cpp);

#endif
