/* authd.conf: what a good file gives, and the message each mistake gets. */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"

static char dir[PATH_MAX];
static char errbuf[1024];

static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/authd-conf.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	errbuf[0] = '\0';
}

static void
teardown(void)
{
	char p[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Write a file in the test folder with the given mode; returns its path. */
static const char *
write_file(const char *name, mode_t mode, const char *text)
{
	static char paths[8][PATH_MAX + 64];
	static int next;
	char *p = paths[next++ % 8];
	FILE *f;

	snprintf(p, PATH_MAX + 64, "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

#define REQUIRED \
	"ldap_uri = ldapi://%2Frun%2Fslapd.sock\n" \
	"base_dn = dc=example,dc=com\n" \
	"bind_dn = cn=authd,ou=services,dc=example,dc=com\n" \
	"bind_password_file = /etc/authd/bind.pw\n"

/* Load text as a config; returns the result, the message is in errbuf. */
static int
load_text(const char *text, struct authd_conf *c, const char **path_r)
{
	const char *p = write_file("authd.conf", 0600, text);

	if (path_r != NULL)
		*path_r = p;
	ck_assert_int_eq(authd_conf_init(c), AUTHD_OK);
	errbuf[0] = '\0';
	return authd_conf_load(c, p, errbuf, sizeof(errbuf));
}

/* The config must fail with exactly "PATH:LINE: tail". */
static void
expect_error(const char *text, unsigned line, const char *tail)
{
	struct authd_conf c;
	const char *p;
	char want[PATH_MAX + 512];

	ck_assert_int_lt(load_text(text, &c, &p), 0);
	snprintf(want, sizeof(want), "%s:%u: %s", p, line, tail);
	ck_assert_str_eq(errbuf, want);
	authd_conf_free(&c);
}

START_TEST(defaults)
{
	struct authd_conf c;

	ck_assert_int_eq(authd_conf_init(&c), AUTHD_OK);
	ck_assert_int_eq(c.ldap_timeout, 5);
	ck_assert_int_eq(c.ldap_pool_size, 4);
	ck_assert_int_eq(c.ldap_bind_pool_size, 16);
	ck_assert_int_eq(c.ldap_starttls, 1);
	ck_assert_int_eq(c.audit_fsync, 1);
	ck_assert_int_eq(c.audit_checkpoint_interval, 300);
	ck_assert_int_eq(c.client_timeout, 120);
	ck_assert_int_eq(c.max_clients, 1024);
	ck_assert_int_eq(c.nss_min_id, 1000);
	ck_assert_int_eq(c.fail_delay_ms, 1000);
	ck_assert_int_eq(c.debug, 0);
	ck_assert_ptr_nonnull(strstr(c.socket_path, "/authd/authd.sock"));
	ck_assert_ptr_nonnull(strstr(c.user_socket_path, "/authd/user.sock"));
	ck_assert_ptr_nonnull(strstr(c.audit_log, "/log/authd/audit.log"));
	ck_assert_ptr_nonnull(strstr(c.state_dir, "/lib/authd"));
	ck_assert_ptr_null(c.base_dn);
	ck_assert_uint_eq(c.n_ldap_uris, 0);
	authd_conf_free(&c);
	ck_assert_ptr_null(c.socket_path);
	authd_conf_free(&c);   /* twice is harmless */
}
END_TEST

START_TEST(good_file)
{
	struct authd_conf c;
	char text[PATH_MAX + 2048];
	/* validate() checks it as it checks banner_file */
	const char *ca = write_file("ca.pem", 0644, "-----BEGIN CERTIFICATE-----\n");

	snprintf(text, sizeof(text),
	    "# authd test configuration\n"
	    "\n"
	    "socket = /tmp/a/authd.sock\n"
	    "user_socket=/tmp/a/user.sock\n"
	    "\tnss_socket   =   /tmp/a/nss.sock   \n"
	    "ldap_uri = ldapi://%%2Ftmp%%2Fsl.sock  ldap://ldap1.example.com ldaps://ldap2 "
	    "ldap://[::1]:3389/ ldaps://h:65535?x\n"
	    "ldap_starttls = no\n"
	    "ldap_ca_file = %s\n"
	    "card_pin_policies = 1.2.392.200149.8.5.5.1, 1.3.6.1.4.1.55555.1.7\n"
	    "ldap_timeout = 300\n"
	    "ldap_pool_size = 1\n"
	    "ldap_bind_pool_size = 64\n"
	    "base_dn = dc=example,dc=com\n"
	    "bind_dn = cn=authd,ou=services,dc=example,dc=com\n"
	    "bind_password_file = /etc/authd/bind.pw\n"
	    "audit_log = /var/log/authd/test.log\n"
	    "audit_fsync = FALSE\n"
	    "banner = \"  Authorised use only.\\nAll access is logged.  \"\n"
	    "client_timeout = 3600\n"
	    "max_clients = 65536\n"
	    "fail_delay_ms = 0\n"
	    "host_name = ws-042\n"
	    "privileged_names = adm-*  *.adm\n"
	    "user = daemon\n"
	    "debug = yes\n", ca);

	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_str_eq(c.socket_path, "/tmp/a/authd.sock");
	ck_assert_str_eq(c.user_socket_path, "/tmp/a/user.sock");
	ck_assert_str_eq(c.nss_socket_path, "/tmp/a/nss.sock");
	ck_assert_uint_eq(c.n_ldap_uris, 5);
	ck_assert_str_eq(c.ldap_uris[0], "ldapi://%2Ftmp%2Fsl.sock");
	ck_assert_str_eq(c.ldap_uris[1], "ldap://ldap1.example.com");
	ck_assert_str_eq(c.ldap_uris[2], "ldaps://ldap2");
	ck_assert_str_eq(c.ldap_uris[3], "ldap://[::1]:3389/");
	ck_assert_str_eq(c.ldap_uris[4], "ldaps://h:65535?x");
	ck_assert_int_eq(c.ldap_starttls, 0);
	ck_assert_str_eq(c.ldap_ca_file, ca);
	ck_assert_str_eq(c.card_pin_policies,
	    "1.2.392.200149.8.5.5.1, 1.3.6.1.4.1.55555.1.7");
	ck_assert_str_eq(c.privileged_names, "adm-*  *.adm");
	ck_assert_str_eq(c.run_user, "daemon");
	ck_assert_int_eq(c.ldap_timeout, 300);
	ck_assert_int_eq(c.ldap_pool_size, 1);
	ck_assert_int_eq(c.ldap_bind_pool_size, 64);
	ck_assert_str_eq(c.base_dn, "dc=example,dc=com");
	ck_assert_str_eq(c.bind_dn, "cn=authd,ou=services,dc=example,dc=com");
	ck_assert_str_eq(c.bind_password_file, "/etc/authd/bind.pw");
	ck_assert_str_eq(c.audit_log, "/var/log/authd/test.log");
	ck_assert_int_eq(c.audit_fsync, 0);
	ck_assert_str_eq(c.banner, "  Authorised use only.\nAll access is logged.  ");
	ck_assert_int_eq(c.client_timeout, 3600);
	ck_assert_int_eq(c.max_clients, 65536);
	ck_assert_int_eq(c.fail_delay_ms, 0);
	ck_assert_str_eq(c.host_name, "ws-042");
	ck_assert_int_eq(c.debug, 1);

	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_str_eq(c.people_dn, "ou=people,dc=example,dc=com");
	ck_assert_str_eq(c.timing_dn, "cn=authd-timing,ou=system,dc=example,dc=com");
	ck_assert_str_eq(c.host_name, "ws-042");
	authd_conf_free(&c);
}
END_TEST

START_TEST(validate_derives_defaults)
{
	struct authd_conf c;

	ck_assert_int_eq(load_text(REQUIRED "people_dn = ou=staff,o=x\n", &c, NULL),
	    AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_str_eq(c.people_dn, "ou=staff,o=x");   /* kept when given */
	ck_assert_str_eq(c.timing_dn, "cn=authd-timing,ou=system,dc=example,dc=com");
	ck_assert_ptr_nonnull(c.host_name);
	ck_assert_uint_gt(strlen(c.host_name), 0);
	authd_conf_free(&c);
}
END_TEST

START_TEST(unknown_key)
{
	expect_error(REQUIRED "foo = 1\n", 5, "unknown key 'foo'");
	expect_error("Base_DN = dc=x\n", 1, "unknown key 'Base_DN'");
	expect_error("# comment\n\nbanner_text = hi\n", 3, "unknown key 'banner_text'");
}
END_TEST

#define OIDS_HINT "(1.2.392.200149.8.5.5.1, separated by spaces or commas)"

START_TEST(bad_value)
{
	char longname[257], text[400];

	expect_error("ldap_timeout = abc\n", 1, "ldap_timeout: 'abc' is not a number");
	expect_error("ldap_timeout = 5s\n", 1, "ldap_timeout: '5s' is not a number");
	expect_error("max_clients = \"\"\n", 1, "max_clients: '' is not a number");
	expect_error("debug = maybe\n", 1,
	    "debug: 'maybe' is not a boolean (yes, no, true, false, 1 or 0)");
	expect_error("ldap_uri = http://example.com\n", 1,
	    "ldap_uri: 'http://example.com' does not start with ldapi://, "
	    "ldap:// or ldaps://");
	expect_error("ldap_uri = ldapi:///x ldap://a bogus\n", 1,
	    "ldap_uri: 'bogus' does not start with ldapi://, ldap:// or ldaps://");
	/* libldap itself finds a bad port only when it connects, or never */
	expect_error("ldap_uri = ldap://a ldap://b:389x/\n", 1,
	    "ldap_uri: 'ldap://b:389x/': the port is not a number from 1 to 65535");
	expect_error("ldap_uri = ldaps://b:99999\n", 1,
	    "ldap_uri: 'ldaps://b:99999': the port is not a number from 1 to 65535");
	expect_error("ldap_uri = ldap://[::1]:\n", 1,
	    "ldap_uri: 'ldap://[::1]:': the port is not a number from 1 to 65535");
	expect_error("ldap_uri = ldap://b:0\n", 1,
	    "ldap_uri: 'ldap://b:0': the port is not a number from 1 to 65535");
	expect_error("ldap_uri = ldap://1 ldap://2 ldap://3 ldap://4 ldap://5 "
	    "ldap://6 ldap://7 ldap://8 ldap://9\n", 1, "ldap_uri: more than 8 URIs");
	expect_error("socket = run/authd.sock\n", 1,
	    "socket: 'run/authd.sock' is not an absolute path");
	expect_error("audit_fsync =\n", 1, "audit_fsync: missing value");
	expect_error("card_pin_policies = 1.2.392 pin\n", 1, "card_pin_policies: "
	    "'1.2.392 pin' is not a list of object identifiers " OIDS_HINT);
	expect_error("card_pin_policies = 1.2..3\n", 1, "card_pin_policies: "
	    "'1.2..3' is not a list of object identifiers " OIDS_HINT);
	expect_error("card_pin_policies = 12\n", 1, "card_pin_policies: "
	    "'12' is not a list of object identifiers " OIDS_HINT);
	expect_error("card_pin_policies = 1.2.\n", 1, "card_pin_policies: "
	    "'1.2.' is not a list of object identifiers " OIDS_HINT);
	expect_error("privileged_names = adm-* *\n", 1, "privileged_names: '*' "
	    "matches every name: name the pattern of the privileged accounts' "
	    "names (adm-*)");
	expect_error("privileged_names = **, adm-*\n", 1, "privileged_names: '*' "
	    "matches every name: name the pattern of the privileged accounts' "
	    "names (adm-*)");
	memset(longname, 'a', 256);
	longname[256] = '\0';
	snprintf(text, sizeof(text), "privileged_names = adm-* %s\n", longname);
	expect_error(text, 1, "privileged_names: a pattern is longer than 255 "
	    "bytes");
	expect_error("privileged_names = ,\n", 1, "privileged_names: no pattern");
	expect_error("user = nosuch-account\n", 1, "user: no local account "
	    "'nosuch-account' (make one: useradd --system --no-create-home "
	    "--shell /usr/sbin/nologin NAME)");
	expect_error("user = root\n", 1, "user: 'root' is root's account; name "
	    "an account of authd's own, or leave the key out to run as root");
	expect_error("base_dn\n", 1, "expected 'key = value', got 'base_dn'");
	expect_error("banner = \"unterminated\n", 1, "banner: unterminated quoted value");
	expect_error("socket = /tmp/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "/authd.sock\n", 1,
	    "socket: path longer than 107 bytes (a UNIX socket's limit)");
}
END_TEST

START_TEST(out_of_range)
{
	expect_error("ldap_timeout = 0\n", 1, "ldap_timeout: 0 is out of range 1..300");
	expect_error("ldap_timeout = 301\n", 1, "ldap_timeout: 301 is out of range 1..300");
	expect_error("ldap_pool_size = 65\n", 1, "ldap_pool_size: 65 is out of range 1..64");
	expect_error("ldap_bind_pool_size = 0\n", 1, "ldap_bind_pool_size: 0 is out of range 1..64");
	expect_error("max_clients = 65537\n", 1,
	    "max_clients: 65537 is out of range 1..65536");
	expect_error("nss_min_id = 0\n", 1,
	    "nss_min_id: 0 is out of range 1..2147483647");
	expect_error("fail_delay_ms = -1\n", 1, "fail_delay_ms: -1 is out of range 0..10000");
	expect_error("audit_checkpoint_interval = 86401\n", 1,
	    "audit_checkpoint_interval: 86401 is out of range 0..86400");
	expect_error("client_timeout = 99999999999999999999999\n", 1,
	    "client_timeout: 99999999999999999999999 is out of range 1..3600");
	expect_error("client_timeout = -99999999999999999999999\n", 1,
	    "client_timeout: -99999999999999999999999 is out of range 1..3600");
}
END_TEST

START_TEST(duplicate_key)
{
	expect_error(REQUIRED "# again\nbase_dn = dc=other\n", 6,
	    "duplicate key 'base_dn'");
	/* A key given twice with the same value is still a mistake. */
	expect_error("debug = no\ndebug = no\n", 2, "duplicate key 'debug'");
	expect_error("ldap_uri = ldap://a\nldap_uri = ldap://b\n", 2,
	    "duplicate key 'ldap_uri'");
}
END_TEST

START_TEST(missing_required)
{
	static const struct { const char *text, *key; } cases[] = {
		{ "base_dn = dc=x\nbind_dn = cn=a\nbind_password_file = /p\n", "ldap_uri" },
		{ "ldap_uri = ldap://a\nbind_dn = cn=a\nbind_password_file = /p\n", "base_dn" },
		{ "ldap_uri = ldap://a\nbase_dn = dc=x\nbind_password_file = /p\n", "bind_dn" },
		{ "ldap_uri = ldap://a\nbase_dn = dc=x\nbind_dn = cn=a\n", "bind_password_file" },
	};
	struct authd_conf c;
	const char *p;
	char want[PATH_MAX + 128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(load_text(cases[i].text, &c, &p), AUTHD_OK);
		ck_assert_int_lt(authd_conf_validate(&c, errbuf, sizeof(errbuf)), 0);
		snprintf(want, sizeof(want), "%s: missing required key '%s'", p,
		    cases[i].key);
		ck_assert_str_eq(errbuf, want);
		authd_conf_free(&c);
	}
}
END_TEST

START_TEST(unsafe_permissions)
{
	struct authd_conf c;
	const char *p;
	char want[PATH_MAX + 128];

	p = write_file("gw.conf", 0664, REQUIRED);
	ck_assert_int_eq(authd_conf_init(&c), AUTHD_OK);
	ck_assert_int_eq(authd_conf_load(&c, p, errbuf, sizeof(errbuf)), AUTHD_ERR_PERM);
	snprintf(want, sizeof(want), "%s: unsafe permissions: writable by group "
	    "or others (mode 0664)", p);
	ck_assert_str_eq(errbuf, want);
	authd_conf_free(&c);

	p = write_file("ow.conf", 0602, REQUIRED);
	ck_assert_int_eq(authd_conf_init(&c), AUTHD_OK);
	ck_assert_int_eq(authd_conf_load(&c, p, errbuf, sizeof(errbuf)), AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(errbuf, "writable by group or others"));
	authd_conf_free(&c);

	/* Readable by all is fine for the config, not for a secret. */
	p = write_file("ok.conf", 0644, REQUIRED);
	ck_assert_int_eq(authd_check_file_safe(p, 0, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_int_eq(authd_check_file_safe(p, 1, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(errbuf, "readable by group or others"));

	/* Not a regular file. */
	ck_assert_int_eq(authd_check_file_safe(dir, 0, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_PERM);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	ck_assert_str_eq(errbuf, want);

	/* Missing. */
	ck_assert_int_eq(authd_conf_init(&c), AUTHD_OK);
	snprintf(want, sizeof(want), "%s/none.conf", dir);
	ck_assert_int_eq(authd_conf_load(&c, want, errbuf, sizeof(errbuf)), AUTHD_ERR_IO);
	ck_assert_ptr_nonnull(strstr(errbuf, "No such file"));
	authd_conf_free(&c);
}
END_TEST

START_TEST(unsafe_owner)
{
	const char *p = write_file("owned.conf", 0600, REQUIRED);

	/* Only root can give a file away; as another user the case cannot be made. */
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(chown(p, 4321, 4321), 0);
	ck_assert_int_eq(authd_check_file_safe(p, 0, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(errbuf, "owned by uid 4321, not by root"));
}
END_TEST

START_TEST(line_numbers)
{
	expect_error("# 1\n"
	    "\n"
	    "   # 3 indented comment\n"
	    "ldap_uri = ldap://a\n"
	    "\t\n"
	    "base_dn = dc=x\n"
	    "ldap_pool_size = 0\n", 7, "ldap_pool_size: 0 is out of range 1..64");
	/* CRLF line ends count lines the same way. */
	expect_error("debug = no\r\n\r\nfoo = 1\r\n", 3, "unknown key 'foo'");
	/* The last line may lack its newline. */
	expect_error("debug = no\nfoo = 1", 2, "unknown key 'foo'");
}
END_TEST

START_TEST(quoted_values)
{
	struct authd_conf c;

	ck_assert_int_eq(load_text(REQUIRED
	    "host_name = \" spaced name \"\n"
	    "banner = \"# not a comment = still the value \\\\n\"\n", &c, NULL),
	    AUTHD_OK);
	ck_assert_str_eq(c.host_name, " spaced name ");
	ck_assert_str_eq(c.banner, "# not a comment = still the value \\n");
	authd_conf_free(&c);

	ck_assert_int_eq(load_text("banner = line1\\nline2\n", &c, NULL), AUTHD_OK);
	ck_assert_str_eq(c.banner, "line1\nline2");
	authd_conf_free(&c);

	ck_assert_int_eq(load_text("banner = \"\"\nldap_timeout = \"7\"\n"
	    "debug = \"true\"\n", &c, NULL), AUTHD_OK);
	ck_assert_str_eq(c.banner, "");
	ck_assert_int_eq(c.ldap_timeout, 7);
	ck_assert_int_eq(c.debug, 1);
	authd_conf_free(&c);
}
END_TEST

START_TEST(long_lines)
{
	struct authd_conf c;
	char *text = malloc(8192);
	size_t n;

	/* Exactly 4096 characters: accepted. */
	n = 0;
	text[n++] = '#';
	while (n < 4096)
		text[n++] = 'x';
	strcpy(text + n, "\ndebug = yes\n");
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(c.debug, 1);
	authd_conf_free(&c);

	/* 4097: refused, not cut (the rest would be read as another line). */
	n = 0;
	text[n++] = '#';
	while (n < 4097)
		text[n++] = 'x';
	strcpy(text + n, "\ndebug = yes\n");
	ck_assert_int_lt(load_text(text, &c, NULL), 0);
	ck_assert_ptr_nonnull(strstr(errbuf, ":1: line longer than 4096 characters"));
	authd_conf_free(&c);
	free(text);
}
END_TEST

START_TEST(nul_byte)
{
	static const char text[] = "debug = no\nbase_dn = dc=x\0foo = bar\n";
	struct authd_conf c;
	char p[PATH_MAX + 64];
	FILE *f;

	/* A NUL would hide the rest of its line from a C string parser. */
	snprintf(p, sizeof(p), "%s/nul.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(authd_conf_init(&c), AUTHD_OK);
	ck_assert_int_lt(authd_conf_load(&c, p, errbuf, sizeof(errbuf)), 0);
	ck_assert_ptr_nonnull(strstr(errbuf, "nul.conf:2: NUL byte in line"));
	authd_conf_free(&c);
}
END_TEST

START_TEST(secret_file)
{
	char *s = (char *)"untouched", big[600];
	const char *p;

	p = write_file("pw", 0600, "s3cr3t pass\nsecond line\n");
	ck_assert_int_eq(authd_read_secret_file(p, &s, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_str_eq(s, "s3cr3t pass");
	free(s);

	p = write_file("pw-nonl", 0400, "nonewline");
	ck_assert_int_eq(authd_read_secret_file(p, &s, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_str_eq(s, "nonewline");
	free(s);

	p = write_file("pw-group", 0640, "x\n");
	ck_assert_int_eq(authd_read_secret_file(p, &s, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_PERM);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(errbuf, "readable by group or others"));

	memset(big, 'a', 512);
	strcpy(big + 512, "\n");
	p = write_file("pw-512", 0600, big);
	ck_assert_int_eq(authd_read_secret_file(p, &s, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_uint_eq(strlen(s), 512);
	free(s);
	memset(big, 'a', 513);
	strcpy(big + 513, "\n");
	p = write_file("pw-513", 0600, big);
	ck_assert_int_lt(authd_read_secret_file(p, &s, errbuf, sizeof(errbuf)), 0);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(errbuf, "longer than 512 bytes"));

	p = write_file("pw-empty", 0600, "\nsecond\n");
	ck_assert_int_lt(authd_read_secret_file(p, &s, errbuf, sizeof(errbuf)), 0);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(errbuf, "empty secret"));
}
END_TEST

START_TEST(banner_file_checked)
{
	struct authd_conf c;
	char text[PATH_MAX + 512];
	const char *b;

	b = write_file("banner.txt", 0666, "Welcome\n");
	snprintf(text, sizeof(text), "%sbanner_file = %s\n", REQUIRED, b);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)), AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(errbuf, "writable by group or others"));
	authd_conf_free(&c);

	ck_assert_int_eq(chmod(b, 0644), 0);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)), AUTHD_OK);
	authd_conf_free(&c);

	snprintf(text, sizeof(text), "%sbanner = hi\nbanner_file = %s\n", REQUIRED, b);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_lt(authd_conf_validate(&c, errbuf, sizeof(errbuf)), 0);
	ck_assert_ptr_nonnull(strstr(errbuf, "banner or banner_file, not both"));
	authd_conf_free(&c);
}
END_TEST

/*
 * The directory's CA file is checked when authd starts: missing, `authd -t`
 * said the configuration was OK and every TLS connection then failed;
 * writable by others, anyone could make authd trust their server.
 */
START_TEST(ldap_ca_file_checked)
{
	struct authd_conf c;
	char text[PATH_MAX + 512];
	const char *ca;

	snprintf(text, sizeof(text), "%sldap_ca_file = %s/none.pem\n", REQUIRED,
	    dir);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_IO);
	ck_assert_ptr_nonnull(strstr(errbuf, "none.pem: No such file"));
	authd_conf_free(&c);

	ca = write_file("ca.pem", 0666, "-----BEGIN CERTIFICATE-----\n");
	snprintf(text, sizeof(text), "%sldap_ca_file = %s\n", REQUIRED, ca);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(errbuf, "writable by group or others"));
	authd_conf_free(&c);

	ck_assert_int_eq(chmod(ca, 0644), 0);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_str_eq(c.ldap_ca_file, ca);
	authd_conf_free(&c);
}
END_TEST

/* A listed biometric model is believed only with roots to check it against. */
START_TEST(biometric_list_needs_roots)
{
	struct authd_conf c;
	char text[PATH_MAX + 512];
	const char *r;

	snprintf(text, sizeof(text), "%sfido2_biometric_aaguids = "
	    "5ca1ab1e-0001-4000-8000-00000000b10e\n", REQUIRED);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(errbuf, "fido2_biometric_aaguids needs "
	    "fido2_attestation_roots"));
	authd_conf_free(&c);
	/* an empty list needs none */
	snprintf(text, sizeof(text), "%sfido2_biometric_aaguids = \" , \"\n",
	    REQUIRED);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)), AUTHD_OK);
	authd_conf_free(&c);
	/* the roots: a file no one else may write */
	r = write_file("roots.pem", 0666, "-----BEGIN CERTIFICATE-----\n");
	snprintf(text, sizeof(text), "%sfido2_biometric_aaguids = "
	    "5ca1ab1e-0001-4000-8000-00000000b10e\nfido2_attestation_roots = %s\n",
	    REQUIRED, r);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)),
	    AUTHD_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(errbuf, "writable by group or others"));
	authd_conf_free(&c);
	ck_assert_int_eq(chmod(r, 0644), 0);
	ck_assert_int_eq(load_text(text, &c, NULL), AUTHD_OK);
	ck_assert_int_eq(authd_conf_validate(&c, errbuf, sizeof(errbuf)), AUTHD_OK);
	ck_assert_str_eq(c.fido2_attestation_roots, r);
	authd_conf_free(&c);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, good_file);
	tcase_add_test(tc, validate_derives_defaults);
	tcase_add_test(tc, unknown_key);
	tcase_add_test(tc, bad_value);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, duplicate_key);
	tcase_add_test(tc, missing_required);
	tcase_add_test(tc, unsafe_permissions);
	tcase_add_test(tc, unsafe_owner);
	tcase_add_test(tc, line_numbers);
	tcase_add_test(tc, quoted_values);
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, secret_file);
	tcase_add_test(tc, banner_file_checked);
	tcase_add_test(tc, ldap_ca_file_checked);
	tcase_add_test(tc, biometric_list_needs_roots);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	umask(022);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
