/*
 * authd's view of the directory: a pool of LDAP connections and the
 * operations of the login path. Every call blocks (it runs on a worker
 * thread, never on the event loop) and is bounded by the config's
 * ldap_timeout, except the dir_bind_* calls made for the event loop. A
 * connection that fails is reconnected on next use, trying
 * the configured URIs in order (failover).
 */
#ifndef AUTHD_DIR_H
#define AUTHD_DIR_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"

enum dir_status {
	DIR_OK = 0,
	DIR_NOT_FOUND = 1,      /* no such person */
	DIR_INVALID = 2,        /* wrong password */
	DIR_LOCKED = 3,         /* ppolicy: accountLocked */
	DIR_EXPIRED = 4,        /* ppolicy: passwordExpired (no grace left) */
	DIR_QUALITY = 5,        /* new password refused by policy; see message */
	DIR_WRONG_OLD = 6,      /* chauthtok: current password wrong */
	DIR_REFUSED = 7,        /* the directory refused (insufficient access, ...) */
	DIR_UNAVAILABLE = -1,   /* no server answered */
	DIR_ERROR = -2,         /* anything else; see message */
	/* Asked without a connection (dc NULL, on the event loop) for what
	 * only the directory can answer now: ask again on a worker. */
	DIR_NO_CONN = -3
};

struct dir_pool;
struct dir_conn;

#define DIR_POLICY_DN_MAX 1023   /* a pwdPolicySubentry kept, in bytes */
#define DIR_POLICY_DNS    256    /* distinct ones kept (a site has a few) */

/* What the login path needs from a person's entry (read as authd's identity). */
struct dir_account {
	char dn[512];
	char uid[256];
	long uid_number;          /* uidNumber, -1 when absent */
	char state[32];          /* authdAccountState; "" when absent (= active) */
	char type[32];           /* authdAccountType; "" when absent (= regular) */
	time_t valid_from;       /* 0 when absent */
	time_t valid_until;      /* 0 when absent */
	time_t last_login_time;  /* 0 when never */
	char last_login_host[256];
	char last_login_service[64];
	time_t last_logout_time; /* 0 when never */
	unsigned failures;       /* pwdFailureTime values + authdFailedLogins */
	int locked;              /* pwdAccountLockedTime present (and not expired) */
	int pwd_reset;           /* pwdReset: TRUE (must change) */
	time_t pwd_changed;      /* pwdChangedTime, 0 when absent */
	unsigned grace_used;     /* pwdGraceUseTime values: expired, in grace */
	/* pwdPolicySubentry, kept once for all who name it (dir.c; never
	 * freed), NULL or "" when absent (the default policy applies);
	 * policy_unknown: a value over DIR_POLICY_DN_MAX bytes, or more
	 * distinct ones than DIR_POLICY_DNS, so no policy is assumed */
	const char *policy_dn;
	int policy_unknown;
};

/*
 * The validity dates. authdValidUntil is "no login after this time" at the
 * attribute's precision, whole seconds: its own second is still within
 * (authctl's --valid-until day ends at 23:59:59, and that second is the
 * day's too). dir_account_ended: whether the validity is over at now;
 * dir_account_ms_left: the milliseconds left of it at now_ms (milliseconds
 * since the epoch), LLONG_MAX without an end, 0 or less once over.
 */
static inline int
dir_account_ended(const struct dir_account *a, time_t now)
{
	return a->valid_until != 0 && now > a->valid_until;
}

static inline long long
dir_account_ms_left(const struct dir_account *a, long long now_ms)
{
	if (a->valid_until == 0)
		return LLONG_MAX;
	return ((long long)a->valid_until + 1) * 1000 - now_ms;
}

/* What a password bind said. */
struct dir_bind_result {
	int must_change;         /* changeAfterReset */
	int grace_left;          /* -1 when not in grace */
	long expire_in;          /* seconds until expiry when warned, else -1 */
	char message[256];       /* the server's diagnostic, for logs only */
};

int dir_pool_new(const struct authd_conf *conf, struct dir_pool **pool_r);
void dir_pool_free(struct dir_pool **poolp);

/* Take a connection for the calling thread; blocks until one is free. */
struct dir_conn *dir_pool_get(struct dir_pool *pool);
void dir_pool_put(struct dir_pool *pool, struct dir_conn *conn);

int dir_account_lookup(struct dir_conn *c, const char *user, struct dir_account *acct_r);

/* Simple bind as dn with the ppolicy request control, on the connection's
 * bind handle (never the service handle). dn NULL: bind the configured
 * timing_dn instead so that an unknown user costs the same (result ignored
 * by the caller, always DIR_INVALID or DIR_UNAVAILABLE). */
int dir_password_bind(struct dir_conn *c, const char *dn, const char *password,
    struct dir_bind_result *res_r);

/* Password Modify extended operation (RFC 3062) bound as dn with old, under
 * ppolicy; on DIR_QUALITY message holds a sentence for the person
 * ("The new password is too short." ...). */
int dir_password_change(struct dir_conn *c, const char *dn, const char *old_pw,
    const char *new_pw, char *message, size_t msglen);
struct ldap;
/*
 * The same on ld, a handle already bound as dn (a login's own bind that
 * used the last grace login, grace_hold.h): no bind, which ppolicy would
 * refuse; slapd checks old against the entry. Statuses as above, but never
 * DIR_EXPIRED or DIR_LOCKED. ld stays the caller's.
 */
int dir_password_change_bound(struct dir_conn *c, struct ldap *ld,
    const char *dn, const char *old_pw, const char *new_pw, char *message,
    size_t msglen);

/*
 * The connection's bind handle, bound as the person by the last
 * dir_password_bind, taken from it (grace_hold.h); the connection opens
 * another at its next bind. NULL when it has none.
 */
struct ldap *dir_conn_take_bind(struct dir_conn *c);

/* Login metadata, written with authd's identity. */
int dir_record_login(struct dir_conn *c, const char *dn, time_t when,
    const char *host, const char *service);
int dir_record_logout(struct dir_conn *c, const char *dn, time_t when);

/*
 * A subtree search on the connection's service handle (bound as authd), for
 * the NSS lookups of dir_nss.c. When the directory is down the handle is
 * reconnected and the search retried once on the next server. DIR_OK with
 * *res_r (free it with ldap_msgfree(); read its entries through *ld_r before
 * the connection goes back to the pool); a size limit reached is DIR_OK with
 * the entries that came and *truncated_r set. DIR_NOT_FOUND when base does
 * not exist; else DIR_UNAVAILABLE, DIR_REFUSED or DIR_ERROR.
 */
struct ldap;
struct ldapmsg;
int dir_service_search(struct dir_conn *c, const char *base, const char *filter,
    const char *const *attrs, int sizelimit, struct ldap **ld_r,
    struct ldapmsg **res_r, int *truncated_r);

/*
 * For the in-memory view (view.c), which reads the same attributes through
 * its own persistent search: the attribute names of struct dir_account
 * (NULL-terminated), and the parsing of one such entry (DIR_OK, or
 * DIR_ERROR with a message in err). ld and e are an LDAP * and an
 * LDAPMessage * of libldap.
 */
struct ldap;
struct ldapmsg;
const char *const *dir_account_attr_list(void);
/*
 * The first value of attr in entry e as a C string: 1 when found, 0 when
 * absent, -1 when it holds a NUL or does not fit in outsz; out is "" unless
 * found.
 */
int dir_entry_value(struct ldap *ld, struct ldapmsg *e, const char *attr,
    char *out, size_t outsz);
int dir_account_from_entry(struct ldap *ld, struct ldapmsg *e,
    struct dir_account *acct_r, char *err, size_t errlen);
/*
 * Users' binds made without waiting, for the event loop (bind_async.c).
 * dir_bind_handle_open, on a worker thread (it connects, with the pool's
 * failover), gives a handle whose reads never block, and its descriptor.
 * dir_bind_send sends the bind dir_password_bind would make (dn NULL: the
 * timing entry), ppolicy control included: DIR_OK, DIR_INVALID when no bind
 * is to be made (empty password), DIR_UNAVAILABLE when it could not be sent.
 * dir_bind_receive takes its reply if it has come: 0 not yet; 1 with
 * *status_r and *res_r as dir_password_bind gives them (timing: the bind
 * was the timing entry's); -1 the handle is lost (close it).
 */
int dir_bind_handle_open(struct dir_pool *pool, struct ldap **ld_r, int *fd_r,
    char *err, size_t errlen);
void dir_bind_handle_close(struct ldap *ld);
int dir_bind_send(struct dir_pool *pool, struct ldap *ld, const char *dn,
    const char *password, int *msgid_r);
int dir_bind_receive(struct ldap *ld, int msgid, int timing,
    struct dir_bind_result *res_r, int *status_r);
/* A new handle of its own, bound as authd, on the server the pool uses
 * (failover as for the pool's handles); the caller unbinds it. */
int dir_service_open(struct dir_pool *pool, struct ldap **ld_r, char *err,
    size_t errlen);

/*
 * A modify on the service handle (bound as authd), retried once on the next
 * server when the directory is down. DIR_OK or the failure's status;
 * *ldap_rc_r (may be NULL) gets the LDAP result code, e.g.
 * LDAP_NO_SUCH_ATTRIBUTE when a value to delete was not there (the TOTP
 * replay guard, dir_totp.c). mods is an LDAPMod ** of libldap.
 */
struct ldapmod;
int dir_service_modify(struct dir_conn *c, const char *dn, struct ldapmod **mods,
    int *ldap_rc_r);
/* The same for an add (sent again after a lost connection: it may then
 * find LDAP_ALREADY_EXISTS, its own first attempt). */
int dir_service_add(struct dir_conn *c, const char *dn, struct ldapmod **mods,
    int *ldap_rc_r);

/* GeneralizedTime (RFC 4517, with fraction and offset) to UTC seconds, and
 * back as YYYYmmddHHMMSSZ: 0, or -1 when malformed / out of range. */
int dir_parse_gentime(const char *s, size_t len, time_t *t_r);
int dir_format_gentime(time_t when, char *out, size_t outsz);

/* Last error text of this connection, for logs. */
const char *dir_conn_error(const struct dir_conn *c);

#endif
