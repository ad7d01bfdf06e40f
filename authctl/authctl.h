/*
 * authctl: the administrators' command line tool. It works on the directory
 * bound as the person who acts, so that slapd's ACLs decide what each
 * administrator may do and its accesslog records who did it.
 */
#ifndef AUTHCTL_H
#define AUTHCTL_H

#include <ldap.h>

#include "audit.h"
#include "conf.h"

/* Exit codes. */
enum actl_exit {
	ACTL_OK = 0,
	ACTL_FAIL = 1,    /* refused by the directory, or failed */
	ACTL_USAGE = 2,
	ACTL_UNRECORDED = 3,   /* done; a record missed the log the caller may write */
	/*
	 * Not an exit code: --help was answered. A parser returns it so that
	 * its command stops there, as on a usage error; main exits 0.
	 */
	ACTL_HELP_SHOWN = -1
};

/* What a run of authctl knows: options, config, the bound connection. */
struct actl {
	struct authd_conf conf;
	int conf_inited;
	const char *conf_path;
	int explicit_conf;             /* -c given */
	const char *uri_override;      /* -H */
	const char *base_override;     /* -b */
	const char *bind_dn;           /* -D */
	const char *password_file;     /* -y */
	char *base_dn;                 /* effective */
	char *people_dn;               /* effective */
	LDAP *ld;                      /* NULL until actl_connect() */
	char *uri;                     /* the URI we are connected to */
	char *actor;                   /* who acts, for the audit log: a DN or "root" */
	struct authd_audit *audit;     /* NULL: not opened yet, or not writable */
	int audit_tried;
	int audit_failed;              /* a record meant for the log went to syslog only */
};

/* A command: "user add", "audit verify", ... */
struct actl_cmd {
	const char *group;
	const char *name;
	int (*run)(struct actl *a, int argc, char **argv);
	const char *usage;             /* arguments after "authctl GROUP NAME" */
	const char *summary;
};

int actl_user_add(struct actl *a, int argc, char **argv);
int actl_user_show(struct actl *a, int argc, char **argv);
int actl_user_list(struct actl *a, int argc, char **argv);
int actl_user_disable(struct actl *a, int argc, char **argv);
int actl_user_enable(struct actl *a, int argc, char **argv);
int actl_user_suspend(struct actl *a, int argc, char **argv);
int actl_user_passwd(struct actl *a, int argc, char **argv);
int actl_user_unlock(struct actl *a, int argc, char **argv);
int actl_audit_verify(struct actl *a, int argc, char **argv);
int actl_session_list(struct actl *a, int argc, char **argv);

/*
 * Read the config, bind to the directory as the person who acts. Commands
 * call it once their arguments are checked. ACTL_OK or ACTL_FAIL (printed).
 */
int actl_open_directory(struct actl *a);

/* Read the config only (commands of this host that need no directory). */
int actl_load_config(struct actl *a);

/* The command's usage on stderr; returns ACTL_USAGE. */
int actl_usage(const char *group, const char *name);
/* The command's usage and summary on stdout (--help); returns ACTL_HELP_SHOWN. */
int actl_help(const char *group, const char *name);

/*
 * Record a directory action in the audit log (when the caller may write it)
 * or else in syslog. result: "success", "refused", "failed". When the log
 * the caller may write does not take it, the record goes to syslog, the
 * reason to stderr, and a->audit_failed is set.
 */
void actl_record(struct actl *a, const char *event, const char *user,
    const char *result, const char *reason);
/*
 * The exit code of a command that returned ret: ACTL_UNRECORDED (and a
 * line on stderr) when it did its work but a record missed the audit log.
 */
int actl_record_status(const struct actl *a, int ret);
void actl_record_close(struct actl *a);

#endif
