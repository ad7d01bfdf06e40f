/*
 * authd.conf(5): "key = value" lines, '#' comments, blank lines ignored.
 * The file must be a regular file owned by root (or by the reading process's
 * uid) and not writable by group or others. Any problem (unknown key, bad
 * value, duplicate key, unsafe permissions) is reported as
 * "FILE:LINE: message" in err and the load fails.
 */
#ifndef AUTHD_CONF_H
#define AUTHD_CONF_H

#include <stddef.h>

#define AUTHD_CONF_MAX_URIS 8
#define AUTHD_CONF_PATTERN_MAX 255   /* a pattern of privileged_names, bytes */

struct authd_conf {
	char *path;                 /* the file read */
	char *socket_path;          /* socket: privileged, mode 0600 root; default RUNSTATEDIR/authd/authd.sock */
	char *user_socket_path;     /* user_socket: mode 0666 for non-root callers (screen lockers),
	                               who may only act for their own uid; default RUNSTATEDIR/authd/user.sock */
	char *nss_socket_path;      /* nss_socket; default RUNSTATEDIR/authd/nss.sock */
	int nss_enumerate;          /* nss_enumerate = yes|no (default no): getent passwd/group with no key */
	int nss_min_id;             /* nss_min_id (default 1000): lower uid/gid numbers are the system's */
	char *ldap_uris[AUTHD_CONF_MAX_URIS]; /* ldap_uri: one or more, space separated, tried in order */
	size_t n_ldap_uris;
	int ldap_starttls;          /* ldap_starttls = yes|no (default yes for ldap://) */
	char *ldap_ca_file;         /* ldap_ca_file */
	int ldap_timeout;           /* ldap_timeout, seconds, 1..300, default 5 */
	int ldap_pool_size;         /* ldap_pool_size, 1..64, default 4 */
	int ldap_bind_pool_size;    /* ldap_bind_pool_size, 1..64, default 16: the loop's bind handles */
	char *base_dn;              /* base_dn, required */
	char *people_dn;            /* people_dn; default ou=people,BASE */
	char *bind_dn;              /* bind_dn: authd's service identity, required */
	char *bind_password_file;   /* bind_password_file: root-owned, 0600/0400; required */
	char *timing_dn;            /* timing_dn: entry bound for unknown users (equal cost) */
	char *audit_log;            /* audit_log; default LOCALSTATEDIR/log/authd/audit.log */
	int audit_fsync;            /* audit_fsync = yes|no, default yes */
	int audit_checkpoint_interval; /* audit_checkpoint_interval: seconds between checkpoints
	                               of the audit chain in the directory, 0..86400 (0: none),
	                               default 300 */
	char *banner;               /* banner: text shown before login ("\n" allowed) */
	char *banner_file;          /* banner_file: file whose text is shown before login */
	int client_timeout;         /* client_timeout, seconds a client may take to answer, 1..3600, default 120 */
	int max_clients;            /* max_clients, 1..65536, default 1024 */
	int fail_delay_ms;          /* fail_delay_ms: delay before a refusal, 0..10000, default 1000 */
	int acct_ahead_ms;          /* acct_ahead_ms: acct_mgmt decided with a successful authentication
	                               serves the module's acct_mgmt this long, 0..5000, default 1000;
	                               0: every acct_mgmt asks authd */
	int view_staleness;         /* view_staleness, seconds the in-memory view answers after its
	                               persistent search broke, 0..86400, default 30; 0: no view */
	/* multi-factor login (each key's owner validates its value further) */
	char *system_class;         /* system_class: this host's confidentiality class, 3A|3B|3C|2|1;
	                               unset: policies that name a class do not apply */
	char *policy_dn;            /* policy_dn: where login policies live; default ou=policies,BASE */
	char *totp_key_file;        /* totp_key_file: the site key (32 bytes, hex) that encrypts TOTP seeds */
	int totp_window;            /* totp_window: steps accepted either side of now, 0..10, default 1 */
	char *fido2_rp_id;          /* fido2_rp_id: FIDO2 relying party id; default host_name */
	char *fido2_biometric_aaguids; /* fido2_biometric_aaguids: space-separated AAGUIDs whose user
	                               verification is biometric (the allow-list) */
	char *fido2_attestation_roots; /* fido2_attestation_roots: PEM certificates a listed model's
	                               attestation must chain to */
	char *card_ca_file;         /* card_ca_file: PEM CA certificate(s) that issue IC cards */
	char *card_crl_file;        /* card_crl_file: PEM CRL of that CA, checked when set */
	char *card_pin_policies;    /* card_pin_policies: certificate policy OIDs of PIN-activated cards */
	char *host_name;            /* host_name; default gethostname() */
	char *privileged_denied_names; /* privileged_denied_names: space-separated account names
	                               refused at login and by authctl user add, beside root, admin
	                               and administrator (authd/privileged.h) */
	char *privileged_names;     /* privileged_names: shell patterns of the names this site gives
	                               privileged accounts (decoys of such names look privileged) */
	int debug;                  /* debug = yes|no */
	/* sessions that end on time (authd/deadline.c) */
	int session_max;            /* session_max: seconds any session may last, 0..31536000; 0 none (default) */
	int session_idle;           /* session_idle: seconds without input on its tty, 0..31536000; 0 none (default) */
	int session_warn;           /* session_warn: seconds before the end the tty is warned, 0..86400, default 300 */
	char *state_dir;            /* state_dir: what outlives a restart (sessions, decoys, their locks); default LOCALSTATEDIR/lib/authd */
	char *run_user;             /* user: the local account authd runs as once set up (authd/privdrop.h);
	                               NULL: root */
};

/* Defaults for every key; base_dn etc. unset. */
int authd_conf_init(struct authd_conf *c);
/* Read path into c (after authd_conf_init). On error: negative, err holds "FILE:LINE: message". */
int authd_conf_load(struct authd_conf *c, const char *path, char *err, size_t errlen);
/* Check the combination (required keys present, files safe); fills defaults derived from base_dn. */
int authd_conf_validate(struct authd_conf *c, char *err, size_t errlen);
void authd_conf_free(struct authd_conf *c);

/*
 * Refuse a file that is not a regular file, not owned by root or the caller's
 * uid, or is writable by group/others (and, for secret files, readable by
 * them). AUTHD_OK or AUTHD_ERR_PERM with a message in err.
 */
/*
 * The next word of a list whose words are separated by spaces, tabs or
 * commas (fido2_biometric_aaguids, privileged_denied_names, ...): its start,
 * or NULL at the end, with *len_r its length; *cur moves past it.
 */
const char *authd_list_next(const char **cur, size_t *len_r);
int authd_check_file_safe(const char *path, int secret, char *err, size_t errlen);

/* Read the first line of a secret file (checked with authd_check_file_safe). */
int authd_read_secret_file(const char *path, char **secret_r, char *err, size_t errlen);

#endif
