/*
 * Running as a local account of its own once authd is set up (the `user`
 * key of authd.conf). authd starts as root: it makes its root-owned
 * sockets, reads the directory's password and its keys, opens the audit
 * log and reads back its state. Then, before its first thread, it becomes
 * that account (its group and supplementary groups) and keeps one
 * capability, CAP_KILL, to end the sessions of other accounts; every other
 * capability leaves its bounding set, and no_new_privs is set. A flaw in
 * the code that reads the clients' frames or the directory's answers then
 * holds no root: it cannot read the host's keys or other users' files,
 * write the system's files or load code into the kernel.
 *
 * What authd reads or writes while serving must be open to that account:
 * state_dir (its own), the TOTP site key, the card CA and CRL, the FIDO2
 * attestation roots (read at each use, so that a new one counts without a
 * restart), the directory's CA and ldapi socket (at each connection).
 * authd checks them after it has become the account and refuses to start,
 * naming the file, when one is not; the audit log's directory may stay
 * root's (a rotation's new file is then made for the account).
 */
#ifndef AUTHD_PRIVDROP_H
#define AUTHD_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

#define PRIVDROP_GROUPS_MAX 64

struct privdrop {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVDROP_GROUPS_MAX];
	int ngroups;
};

/*
 * The account name and its ids and groups, from the host's account
 * database. AUTHD_OK, AUTHD_ERR_CONFIG with the reason in err (no such
 * account, or root's: nothing to drop to).
 */
int privdrop_resolve(const char *name, struct privdrop *pd, char *err,
    size_t errlen);

/*
 * Become pd's account, keeping CAP_KILL alone, with no_new_privs. Only
 * before any thread is started (capabilities are a thread's own). AUTHD_OK,
 * or an error with err set; on an error the process must not serve.
 */
int privdrop_apply(const struct privdrop *pd, char *err, size_t errlen);

#endif
