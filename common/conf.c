#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "secret.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define CONF_LINE_MAX    4096   /* characters of one line, without its newline */
#define SECRET_MAX       512
#define SUN_PATH_MAX     107    /* sizeof(sockaddr_un.sun_path) - 1 */

enum conf_kind {
	K_STRING,   /* any text */
	K_PATH,     /* an absolute path */
	K_SOCKET,   /* an absolute path short enough for sockaddr_un */
	K_BANNER,   /* text where \n is a newline */
	K_BOOL,
	K_INT,
	K_URIS,
	K_CLASS,    /* a confidentiality class: 3A, 3B, 3C, 2 or 1 */
	K_OIDS,     /* object identifiers (1.2.3), separated by spaces or commas */
	K_PATTERNS, /* shell patterns of names, separated by spaces or commas */
	K_ACCOUNT   /* a local account other than root's */
};

struct conf_key {
	const char *name;
	enum conf_kind kind;
	size_t off;
	long min, max;
};

#define STR(n, k, m)    { n, k, offsetof(struct authd_conf, m), 0, 0 }
#define INT(n, m, lo, hi) { n, K_INT, offsetof(struct authd_conf, m), lo, hi }

static const struct conf_key conf_keys[] = {
	STR("socket", K_SOCKET, socket_path),
	STR("user_socket", K_SOCKET, user_socket_path),
	STR("nss_socket", K_SOCKET, nss_socket_path),
	STR("nss_enumerate", K_BOOL, nss_enumerate),
	INT("nss_min_id", nss_min_id, 1, 2147483647),
	STR("ldap_uri", K_URIS, ldap_uris),
	STR("ldap_starttls", K_BOOL, ldap_starttls),
	STR("ldap_ca_file", K_PATH, ldap_ca_file),
	INT("ldap_timeout", ldap_timeout, 1, 300),
	INT("ldap_pool_size", ldap_pool_size, 1, 64),
	INT("ldap_bind_pool_size", ldap_bind_pool_size, 1, 64),
	STR("base_dn", K_STRING, base_dn),
	STR("people_dn", K_STRING, people_dn),
	STR("bind_dn", K_STRING, bind_dn),
	STR("bind_password_file", K_PATH, bind_password_file),
	STR("timing_dn", K_STRING, timing_dn),
	STR("audit_log", K_PATH, audit_log),
	STR("audit_fsync", K_BOOL, audit_fsync),
	INT("audit_checkpoint_interval", audit_checkpoint_interval, 0, 86400),
	STR("banner", K_BANNER, banner),
	STR("banner_file", K_PATH, banner_file),
	INT("client_timeout", client_timeout, 1, 3600),
	INT("max_clients", max_clients, 1, 65536),
	INT("fail_delay_ms", fail_delay_ms, 0, 10000),
	INT("acct_ahead_ms", acct_ahead_ms, 0, 5000),
	INT("view_staleness", view_staleness, 0, 86400),
	STR("system_class", K_CLASS, system_class),
	STR("policy_dn", K_STRING, policy_dn),
	STR("totp_key_file", K_PATH, totp_key_file),
	INT("totp_window", totp_window, 0, 10),
	STR("fido2_rp_id", K_STRING, fido2_rp_id),
	STR("fido2_biometric_aaguids", K_STRING, fido2_biometric_aaguids),
	STR("fido2_attestation_roots", K_PATH, fido2_attestation_roots),
	STR("card_ca_file", K_PATH, card_ca_file),
	STR("card_crl_file", K_PATH, card_crl_file),
	STR("card_pin_policies", K_OIDS, card_pin_policies),
	STR("host_name", K_STRING, host_name),
	STR("privileged_denied_names", K_STRING, privileged_denied_names),
	STR("privileged_names", K_PATTERNS, privileged_names),
	STR("debug", K_BOOL, debug),
	INT("session_max", session_max, 0, 31536000),
	INT("session_idle", session_idle, 0, 31536000),
	INT("session_warn", session_warn, 0, 86400),
	STR("state_dir", K_PATH, state_dir),
	STR("user", K_ACCOUNT, run_user),
};
#define N_CONF_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A copy of s fit to be quoted in a message: printable, at most 64 bytes. */
static void
printable(const char *s, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < outsz && i < 64; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	out[i] = '\0';
}

static void
free_str(char **sp)
{
	authd_secret_free(sp);   /* wiped too: values may name secrets' places */
}

static int
set_str(char **dst, const char *v)
{
	char *s;

	if ((s = strdup(v)) == NULL)
		return AUTHD_ERR_NOMEM;
	free_str(dst);
	*dst = s;
	return AUTHD_OK;
}

int
authd_conf_init(struct authd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ldap_starttls = 1;
	c->ldap_timeout = 5;
	c->ldap_pool_size = 4;
	c->ldap_bind_pool_size = 16;
	c->nss_min_id = 1000;
	c->audit_fsync = 1;
	c->audit_checkpoint_interval = 300;
	c->client_timeout = 120;
	c->max_clients = 1024;
	c->fail_delay_ms = 1000;
	c->acct_ahead_ms = 1000;
	c->view_staleness = 30;
	c->totp_window = 1;
	c->session_warn = 300;
	if (set_str(&c->socket_path, RUNSTATEDIR "/authd/authd.sock") != AUTHD_OK ||
	    set_str(&c->user_socket_path, RUNSTATEDIR "/authd/user.sock") != AUTHD_OK ||
	    set_str(&c->nss_socket_path, RUNSTATEDIR "/authd/nss.sock") != AUTHD_OK ||
	    set_str(&c->audit_log, LOCALSTATEDIR "/log/authd/audit.log") != AUTHD_OK ||
	    set_str(&c->state_dir, LOCALSTATEDIR "/lib/authd") != AUTHD_OK) {
		authd_conf_free(c);
		return AUTHD_ERR_NOMEM;
	}
	return AUTHD_OK;
}

void
authd_conf_free(struct authd_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free_str(&c->path);
	free_str(&c->socket_path);
	free_str(&c->user_socket_path);
	free_str(&c->nss_socket_path);
	for (i = 0; i < AUTHD_CONF_MAX_URIS; i++)
		free_str(&c->ldap_uris[i]);
	free_str(&c->ldap_ca_file);
	free_str(&c->base_dn);
	free_str(&c->people_dn);
	free_str(&c->bind_dn);
	free_str(&c->bind_password_file);
	free_str(&c->timing_dn);
	free_str(&c->audit_log);
	free_str(&c->state_dir);
	free_str(&c->run_user);
	free_str(&c->banner);
	free_str(&c->banner_file);
	free_str(&c->system_class);
	free_str(&c->policy_dn);
	free_str(&c->totp_key_file);
	free_str(&c->fido2_rp_id);
	free_str(&c->fido2_biometric_aaguids);
	free_str(&c->fido2_attestation_roots);
	free_str(&c->card_ca_file);
	free_str(&c->card_crl_file);
	free_str(&c->card_pin_policies);
	free_str(&c->host_name);
	free_str(&c->privileged_denied_names);
	free_str(&c->privileged_names);
	explicit_bzero(c, sizeof(*c));
}

/*
 * The checks shared by authd_check_file_safe() and the readers below, on an
 * fstat() of the file actually opened so that nothing can be swapped in
 * between the check and the read.
 */
static int
check_stat_safe(const struct stat *st, const char *path, int secret,
    char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		return AUTHD_ERR_PERM;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		seterr(err, errlen, "%s: unsafe ownership: owned by uid %lu, "
		    "not by root or uid %lu", path, (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
		return AUTHD_ERR_PERM;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		seterr(err, errlen, "%s: unsafe permissions: writable by group "
		    "or others (mode %04o)", path, (unsigned)(st->st_mode & 07777));
		return AUTHD_ERR_PERM;
	}
	if (secret && (st->st_mode & (S_IRGRP | S_IROTH)) != 0) {
		seterr(err, errlen, "%s: unsafe permissions: readable by group "
		    "or others (mode %04o; use 0600 or 0400)", path,
		    (unsigned)(st->st_mode & 07777));
		return AUTHD_ERR_PERM;
	}
	return AUTHD_OK;
}

int
authd_check_file_safe(const char *path, int secret, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		int e = errno;

		seterr(err, errlen, "%s: %s", path, strerror(e));
		return e == EACCES ? AUTHD_ERR_PERM : AUTHD_ERR_IO;
	}
	return check_stat_safe(&st, path, secret, err, errlen);
}

/* Open path for reading and check the opened file; *fd_r = -1 on error. */
static int
open_safe(const char *path, int secret, int *fd_r, char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	*fd_r = -1;
	/* a secret is read from the file named, never through a link */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	    (secret ? O_NOFOLLOW : 0))) == -1) {
		int e = errno;

		if (e == ELOOP && secret) {
			seterr(err, errlen, "%s: a symbolic link; give the file "
			    "itself", path);
			return AUTHD_ERR_PERM;
		}
		seterr(err, errlen, "%s: cannot open: %s", path, strerror(e));
		return e == EACCES ? AUTHD_ERR_PERM : AUTHD_ERR_IO;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return AUTHD_ERR_IO;
	}
	if ((r = check_stat_safe(&st, path, secret, err, errlen)) != AUTHD_OK) {
		close(fd);
		return r;
	}
	*fd_r = fd;
	return AUTHD_OK;
}

/*
 * Read one line into line (CONF_LINE_MAX + 1 bytes). Returns 1 with a line,
 * 0 at the end of the file, AUTHD_ERR_TOO_LONG or AUTHD_ERR_INVALID (a NUL
 * byte) otherwise; a long line is refused rather than cut, because its tail
 * would otherwise be read as the next line.
 */
static int
read_line(FILE *f, char *line)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return AUTHD_ERR_INVALID;
		if (n == CONF_LINE_MAX)
			return AUTHD_ERR_TOO_LONG;
		line[n++] = (char)c;
	}
	line[n] = '\0';
	if (c == EOF && n == 0)
		return ferror(f) ? AUTHD_ERR_IO : 0;
	return 1;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Turn \n into a newline and \\ into a backslash, in place. */
static void
unescape_banner(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*d++ = '\n';
			s++;
		} else if (s[0] == '\\' && s[1] == '\\') {
			*d++ = '\\';
			s++;
		} else
			*d++ = *s;
	}
	*d = '\0';
}

static int
parse_bool(const char *v, int *b_r)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0)
		*b_r = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0)
		*b_r = 0;
	else
		return AUTHD_ERR_INVALID;
	return AUTHD_OK;
}

/*
 * The port of an ldap:// or ldaps:// URI, when it has one, is 1..65535:
 * libldap refuses "host:389x" only when a connection is made (and takes
 * "host:99999"), so that a typo would leave authd running with a server
 * it can never reach. 1 when fine.
 */
static int
uri_port_ok(const char *uri)
{
	const char *host = strstr(uri, "://") + 3, *port;
	size_t len = strcspn(host, "/?"), n;
	long v = 0;

	if ((port = memchr(host, ']', len)) == NULL)
		port = host;
	while (port < host + len && *port != ':')
		port++;
	if (port == host + len)
		return 1;
	port++;
	n = (size_t)(host + len - port);
	if (n == 0 || n > 5 || strspn(port, "0123456789") < n)
		return 0;
	while (port < host + len)
		v = v * 10 + (*port++ - '0');
	return v >= 1 && v <= 65535;
}

static int
parse_uris(struct authd_conf *c, char *v, const char *where, char *err,
    size_t errlen)
{
	char shown[72], *tok, *save = NULL;
	int r;

	for (tok = strtok_r(v, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strncmp(tok, "ldapi://", 8) != 0 &&
		    strncmp(tok, "ldap://", 7) != 0 &&
		    strncmp(tok, "ldaps://", 8) != 0) {
			printable(tok, shown, sizeof(shown));
			seterr(err, errlen, "%s: ldap_uri: '%s' does not start "
			    "with ldapi://, ldap:// or ldaps://", where, shown);
			return AUTHD_ERR_CONFIG;
		}
		if (strncmp(tok, "ldapi://", 8) != 0 && !uri_port_ok(tok)) {
			printable(tok, shown, sizeof(shown));
			seterr(err, errlen, "%s: ldap_uri: '%s': the port is not "
			    "a number from 1 to 65535", where, shown);
			return AUTHD_ERR_CONFIG;
		}
		if (c->n_ldap_uris == AUTHD_CONF_MAX_URIS) {
			seterr(err, errlen, "%s: ldap_uri: more than %d URIs",
			    where, AUTHD_CONF_MAX_URIS);
			return AUTHD_ERR_CONFIG;
		}
		if ((r = set_str(&c->ldap_uris[c->n_ldap_uris], tok)) != AUTHD_OK)
			return r;
		c->n_ldap_uris++;
	}
	if (c->n_ldap_uris == 0) {
		seterr(err, errlen, "%s: ldap_uri: no URI given", where);
		return AUTHD_ERR_CONFIG;
	}
	return AUTHD_OK;
}

const char *
authd_list_next(const char **cur, size_t *len_r)
{
	const char *w;

	if (*cur == NULL)
		return NULL;
	w = *cur + strspn(*cur, " \t,");
	if (*w == '\0') {
		*cur = w;
		return NULL;
	}
	*len_r = strcspn(w, " \t,");
	*cur = w + *len_r;
	return w;
}

/* One or more dotted object identifiers (two arcs at least), separated by
 * spaces, tabs or commas. */
static int
valid_oids(const char *v)
{
	const char *w, *p;
	size_t len, n, words = 0;
	int arcs;

	while ((w = authd_list_next(&v, &len)) != NULL) {
		for (p = w, arcs = 0;; p++) {
			if ((n = strspn(p, "0123456789")) == 0 || n > 10)
				return 0;
			arcs++;
			p += n;
			if (p >= w + len || *p != '.')
				break;
		}
		if (arcs < 2 || p != w + len)
			return 0;
		words++;
	}
	return words > 0;
}

/*
 * A list of name patterns: each at most AUTHD_CONF_PATTERN_MAX bytes,
 * none that every name matches. NULL, or what is wrong.
 */
static const char *
patterns_wrong(const char *v)
{
	const char *w;
	size_t len, words = 0;

	while ((w = authd_list_next(&v, &len)) != NULL) {
		if (len > AUTHD_CONF_PATTERN_MAX)
			return "a pattern is longer than 255 bytes";
		if (strspn(w, "*") == len)
			return "'*' matches every name: name the pattern of the "
			    "privileged accounts' names (adm-*)";
		words++;
	}
	return words > 0 ? NULL : "no pattern";
}

static int
set_value(struct authd_conf *c, const struct conf_key *k, char *v,
    const char *where, char *err, size_t errlen)
{
	char shown[72], *end;
	const char *why;
	int *ip = (int *)(void *)((char *)c + k->off);
	char **sp = (char **)(void *)((char *)c + k->off);
	long n;

	printable(v, shown, sizeof(shown));
	switch (k->kind) {
	case K_BOOL:
		if (parse_bool(v, ip) != AUTHD_OK) {
			seterr(err, errlen, "%s: %s: '%s' is not a boolean "
			    "(yes, no, true, false, 1 or 0)", where, k->name, shown);
			return AUTHD_ERR_CONFIG;
		}
		return AUTHD_OK;
	case K_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end != '\0') {
			seterr(err, errlen, "%s: %s: '%s' is not a number",
			    where, k->name, shown);
			return AUTHD_ERR_CONFIG;
		}
		if (errno == ERANGE || n < k->min || n > k->max) {
			seterr(err, errlen, "%s: %s: %s is out of range %ld..%ld",
			    where, k->name, shown, k->min, k->max);
			return AUTHD_ERR_CONFIG;
		}
		*ip = (int)n;
		return AUTHD_OK;
	case K_URIS:
		return parse_uris(c, v, where, err, errlen);
	case K_SOCKET:
		if (strlen(v) > SUN_PATH_MAX) {
			seterr(err, errlen, "%s: %s: path longer than %d bytes "
			    "(a UNIX socket's limit)", where, k->name, SUN_PATH_MAX);
			return AUTHD_ERR_CONFIG;
		}
		/* FALLTHROUGH */
	case K_PATH:
		if (v[0] != '/') {
			seterr(err, errlen, "%s: %s: '%s' is not an absolute path",
			    where, k->name, shown);
			return AUTHD_ERR_CONFIG;
		}
		return set_str(sp, v);
	case K_BANNER:
		unescape_banner(v);
		return set_str(sp, v);
	case K_CLASS:
		if (strcmp(v, "3A") != 0 && strcmp(v, "3B") != 0 &&
		    strcmp(v, "3C") != 0 && strcmp(v, "2") != 0 &&
		    strcmp(v, "1") != 0) {
			seterr(err, errlen, "%s: %s: '%s' is not a confidentiality "
			    "class (3A, 3B, 3C, 2 or 1)", where, k->name, shown);
			return AUTHD_ERR_CONFIG;
		}
		return set_str(sp, v);
	case K_STRING:
		if (*v == '\0') {
			seterr(err, errlen, "%s: %s: empty value", where, k->name);
			return AUTHD_ERR_CONFIG;
		}
		return set_str(sp, v);
	case K_OIDS:
		if (!valid_oids(v)) {
			seterr(err, errlen, "%s: %s: '%s' is not a list of object "
			    "identifiers (1.2.392.200149.8.5.5.1, separated by "
			    "spaces or commas)", where, k->name, shown);
			return AUTHD_ERR_CONFIG;
		}
		return set_str(sp, v);
	case K_ACCOUNT: {
		struct passwd pw, *found = NULL;
		char buf[4096];

		if (getpwnam_r(v, &pw, buf, sizeof(buf), &found) != 0 ||
		    found == NULL) {
			seterr(err, errlen, "%s: %s: no local account '%s' (make "
			    "one: useradd --system --no-create-home --shell "
			    "/usr/sbin/nologin NAME)", where, k->name, shown);
			return AUTHD_ERR_CONFIG;
		}
		if (pw.pw_uid == 0) {
			seterr(err, errlen, "%s: %s: '%s' is root's account; name "
			    "an account of authd's own, or leave the key out to "
			    "run as root", where, k->name, shown);
			return AUTHD_ERR_CONFIG;
		}
		return set_str(sp, v);
	}
	case K_PATTERNS:
		if ((why = patterns_wrong(v)) != NULL) {
			seterr(err, errlen, "%s: %s: %s", where, k->name, why);
			return AUTHD_ERR_CONFIG;
		}
		return set_str(sp, v);
	}
	return AUTHD_ERR_INVALID;
}


/*
 * Split "key = value" and unquote the value. A value in double quotes keeps
 * its leading and trailing spaces; '#' starts a comment only at the start of
 * a line, so that a banner or a path may contain one.
 */
static int
parse_line(struct authd_conf *c, char *line, const char *where,
    unsigned char *seen, char *err, size_t errlen)
{
	char shown[72], *key, *eq, *v;
	const struct conf_key *k = NULL;
	size_t i, vlen;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return AUTHD_OK;
	if ((eq = strchr(key, '=')) == NULL) {
		printable(key, shown, sizeof(shown));
		seterr(err, errlen, "%s: expected 'key = value', got '%s'",
		    where, shown);
		return AUTHD_ERR_CONFIG;
	}
	*eq = '\0';
	key = trim(key);
	v = trim(eq + 1);
	for (i = 0; i < N_CONF_KEYS; i++)
		if (strcmp(conf_keys[i].name, key) == 0) {
			k = &conf_keys[i];
			break;
		}
	if (k == NULL) {
		printable(key, shown, sizeof(shown));
		seterr(err, errlen, "%s: unknown key '%s'", where, shown);
		return AUTHD_ERR_CONFIG;
	}
	if (seen[i]) {
		seterr(err, errlen, "%s: duplicate key '%s'", where, k->name);
		return AUTHD_ERR_CONFIG;
	}
	seen[i] = 1;
	vlen = strlen(v);
	if (vlen > 0 && v[0] == '"') {
		if (vlen < 2 || v[vlen - 1] != '"') {
			seterr(err, errlen, "%s: %s: unterminated quoted value",
			    where, k->name);
			return AUTHD_ERR_CONFIG;
		}
		v[vlen - 1] = '\0';
		v++;
	} else if (vlen == 0) {
		seterr(err, errlen, "%s: %s: missing value", where, k->name);
		return AUTHD_ERR_CONFIG;
	}
	return set_value(c, k, v, where, err, errlen);
}

int
authd_conf_load(struct authd_conf *c, const char *path, char *err, size_t errlen)
{
	unsigned char seen[N_CONF_KEYS] = { 0 };
	char *line = NULL, where[PATH_MAX + 32];
	FILE *f = NULL;
	unsigned long lineno = 0;
	int fd = -1, r;

	if ((r = set_str(&c->path, path)) != AUTHD_OK)
		goto out;
	if ((r = open_safe(path, 0, &fd, err, errlen)) != AUTHD_OK)
		goto out;
	if ((f = fdopen(fd, "r")) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		r = AUTHD_ERR_NOMEM;
		goto out;
	}
	fd = -1;
	if ((line = malloc(CONF_LINE_MAX + 1)) == NULL) {
		r = AUTHD_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%lu", path, lineno);
		if ((r = read_line(f, line)) == 0)
			break;
		if (r == AUTHD_ERR_TOO_LONG) {
			seterr(err, errlen, "%s: line longer than %d characters",
			    where, CONF_LINE_MAX);
			r = AUTHD_ERR_CONFIG;
			goto out;
		}
		if (r == AUTHD_ERR_INVALID) {
			seterr(err, errlen, "%s: NUL byte in line", where);
			r = AUTHD_ERR_CONFIG;
			goto out;
		}
		if (r < 0) {
			seterr(err, errlen, "%s: read error", where);
			goto out;
		}
		if ((r = parse_line(c, line, where, seen, err, errlen)) != AUTHD_OK)
			goto out;
	}
	r = AUTHD_OK;
 out:
	if (line != NULL) {
		explicit_bzero(line, CONF_LINE_MAX + 1);
		free(line);
	}
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	return r;
}

static int
derive(char **dst, const char *prefix, const char *base)
{
	size_t n = strlen(prefix) + strlen(base) + 1;
	char *s;

	if (*dst != NULL)
		return AUTHD_OK;
	if ((s = malloc(n)) == NULL)
		return AUTHD_ERR_NOMEM;
	snprintf(s, n, "%s%s", prefix, base);
	*dst = s;
	return AUTHD_OK;
}

int
authd_conf_validate(struct authd_conf *c, char *err, size_t errlen)
{
	const char *file = c->path != NULL ? c->path : "(config)";
	const char *list;
	size_t len;
	char host[256];
	int r;

	if (c->base_dn == NULL) {
		seterr(err, errlen, "%s: missing required key 'base_dn'", file);
		return AUTHD_ERR_CONFIG;
	}
	if (c->bind_dn == NULL) {
		seterr(err, errlen, "%s: missing required key 'bind_dn'", file);
		return AUTHD_ERR_CONFIG;
	}
	if (c->bind_password_file == NULL) {
		seterr(err, errlen, "%s: missing required key 'bind_password_file'",
		    file);
		return AUTHD_ERR_CONFIG;
	}
	if (c->n_ldap_uris == 0) {
		seterr(err, errlen, "%s: missing required key 'ldap_uri'", file);
		return AUTHD_ERR_CONFIG;
	}
	if (c->banner != NULL && c->banner_file != NULL) {
		seterr(err, errlen, "%s: set banner or banner_file, not both", file);
		return AUTHD_ERR_CONFIG;
	}
	if (c->banner_file != NULL &&
	    (r = authd_check_file_safe(c->banner_file, 0, err, errlen)) != AUTHD_OK)
		return r;
	/*
	 * libldap reads it only when a TLS connection is made: missing, every
	 * connection would fail as "Can't contact LDAP server"; writable by
	 * someone else, they could make authd trust their own server.
	 */
	if (c->ldap_ca_file != NULL &&
	    (r = authd_check_file_safe(c->ldap_ca_file, 0, err, errlen)) != AUTHD_OK)
		return r;
	/* A listed AAGUID is believed only from an attestation that chains to a root. */
	list = c->fido2_biometric_aaguids;
	if (authd_list_next(&list, &len) != NULL &&
	    c->fido2_attestation_roots == NULL) {
		seterr(err, errlen, "%s: fido2_biometric_aaguids needs "
		    "fido2_attestation_roots: a key's AAGUID is only believed when "
		    "its attestation chains to one of those certificates", file);
		return AUTHD_ERR_CONFIG;
	}
	if (c->fido2_attestation_roots != NULL &&
	    (r = authd_check_file_safe(c->fido2_attestation_roots, 0, err,
	    errlen)) != AUTHD_OK)
		return r;
	if ((r = derive(&c->people_dn, "ou=people,", c->base_dn)) != AUTHD_OK ||
	    (r = derive(&c->timing_dn, "cn=authd-timing,ou=system,", c->base_dn))
	    != AUTHD_OK ||
	    (r = derive(&c->policy_dn, "ou=policies,", c->base_dn)) != AUTHD_OK)
		return r;
	if (c->host_name == NULL) {
		if (gethostname(host, sizeof(host)) == -1) {
			seterr(err, errlen, "%s: gethostname: %s; set host_name",
			    file, strerror(errno));
			return AUTHD_ERR_CONFIG;
		}
		host[sizeof(host) - 1] = '\0';
		if ((r = set_str(&c->host_name, host)) != AUTHD_OK)
			return r;
	}
	return AUTHD_OK;
}

int
authd_read_secret_file(const char *path, char **secret_r, char *err, size_t errlen)
{
	char buf[SECRET_MAX + 2], *nl, *s = NULL;
	size_t n = 0, len;
	ssize_t got;
	int fd = -1, r;

	*secret_r = NULL;
	if ((r = open_safe(path, 1, &fd, err, errlen)) != AUTHD_OK)
		goto out;
	/* Enough to see whether the first line is longer than allowed. */
	while (n < sizeof(buf) - 1) {
		got = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			seterr(err, errlen, "%s: read: %s", path, strerror(errno));
			r = AUTHD_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	if ((nl = memchr(buf, '\n', n)) != NULL)
		*nl = '\0';
	len = nl != NULL ? (size_t)(nl - buf) : n;
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len > SECRET_MAX) {
		seterr(err, errlen, "%s: secret longer than %d bytes", path, SECRET_MAX);
		r = AUTHD_ERR_TOO_LONG;
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		seterr(err, errlen, "%s: NUL byte in secret", path);
		r = AUTHD_ERR_INVALID;
		goto out;
	}
	/* An empty password would make an LDAP bind anonymous: refuse it. */
	if (len == 0) {
		seterr(err, errlen, "%s: empty secret", path);
		r = AUTHD_ERR_INVALID;
		goto out;
	}
	if ((s = strdup(buf)) == NULL) {
		r = AUTHD_ERR_NOMEM;
		goto out;
	}
	*secret_r = s;
	r = AUTHD_OK;
 out:
	explicit_bzero(buf, sizeof(buf));
	if (fd != -1)
		close(fd);
	return r;
}
