/*
 * Privileged IDs end to end: a private slapd with the shipped schema and
 * ACLs, authd, and logins through the real libpam and pam_authd.so.
 * Grants are requested and approved with authctl as the people themselves
 * (setpriv to their uids: SASL EXTERNAL maps them to their entries), or
 * written by the directory's root with ldapadd (-e relax to forge
 * creatorsName) to show what authd refuses to honour.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/itest.h"

#define PW        "Correct-Horse-Priv-7"
#define HOST      "web1"
#define SVC       "authd-test"
#define MSG_NO_GRANT "no approved grant covering this host"
#define MSG_DEFAULT  "is a default name"
#define MSG_EMERG    "Emergency use"

/* people: uid numbers double as login uids for setpriv */
#define ADM    22000     /* gadm: authd-admins (enrols TOTP, adds people) */
#define APPR   22002     /* gappr: member of cn=web-approvers,ou=roles */
#define OTHER  22003     /* gother: nobody special */
#define CISO   22004     /* gciso: member of cn=ciso,ou=groups */
#define KON    22005     /* gkon: a contractor in authd-admins */
#define REG    22006     /* greg: a regular person */

struct priv {
	const char *name;
	long uid;
	char secret[128];
	long offset;          /* next TOTP offset: each code is used once */
};

static struct priv pa = { "adm-a", 22010, "", 0 };
static struct priv pb = { "adm-b", 22011, "", 0 };
static struct priv pc = { "adm-c", 22012, "", 0 };
static struct priv pd = { "adm-d", 22013, "", 0 };
static struct priv pe = { "adm-e", 22014, "", 0 };
static struct priv pf = { "adm-f", 22015, "", 0 };
static struct priv pg = { "adm-g", 22016, "", 0 };
static struct priv ph = { "adm-h", 22017, "", 0 };
static struct priv pi = { "adm-i", 22018, "", 0 };
static struct priv pj = { "adm-j", 22019, "", 0 };
static struct priv pk = { "adm-k", 22021, "", 0 };
static struct priv pl = { "adm-l", 22022, "", 0 };

static int
as(long uid, char *out, size_t outsz, const char *args)
{
	return itest_sh_out(out, outsz, "setpriv --reuid=%ld --regid=%ld "
	    "--clear-groups '%s/authctl/authctl' -c %s/authd.conf %s 2>&1",
	    uid, uid, itest.builddir, itest.dir, args);
}

static void
ldif_root(const char *tool, const char *ldif)
{
	ck_assert_msg(itest_sh("%s -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n%sLDIF\n",
	    tool, itest.ldapi_uri, ldif) == 0, "%s failed:\n%s", tool, ldif);
}

static void
member(const char *group, const char *uid, const char *op)
{
	char ldif[1024];

	snprintf(ldif, sizeof(ldif), "dn: %s,%s\nchangetype: modify\n%s: member\n"
	    "member: uid=%s,ou=people,%s\n", group, itest.base_dn, op, uid,
	    itest.base_dn);
	ldif_root("ldapmodify", ldif);
}

/* Enrol p's TOTP token as the administrator (first code: the step before now). */
static void
enroll(struct priv *p)
{
	itest_totp_enroll(ADM, p->name, p->secret, sizeof(p->secret));
}

static void
add_priv(struct priv *p)
{
	itest_add_person(p->name, p->uid, PW);
	itest_set_attr(p->name, "authdAccountType", "privileged");
	enroll(p);
}

/*
 * Password then TOTP code, pam_authenticate then (when it passed)
 * pam_acct_mgmt. Returns the first failure or PAM_SUCCESS.
 */
static int
login(struct priv *p, struct pam_run *run)
{
	char code[16];
	pam_handle_t *pamh;
	int r;

	itest_totp_code(p->secret, p->offset, code, sizeof(code));
	p->offset += 30;
	ck_assert_msg(p->offset <= 270, "too many logins of %s for the TOTP window",
	    p->name);
	pamh = itest_pam_answering(SVC, p->name, run, PW, code, NULL);
	r = pam_authenticate(pamh, 0);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(pamh, 0);
	itest_pam_end(pamh, r);
	return r;
}

/* authctl grant request as p; the new grant's id into id. */
static void
request(struct priv *p, const char *role, const char *opts, char *id, size_t idsz)
{
	char args[512], out[4096];

	snprintf(args, sizeof(args), "grant request %s --reason 'test: %s' %s",
	    role, p->name, opts);
	ck_assert_msg(as(p->uid, out, sizeof(out), args) == 0, "request: %s", out);
	/* the id is the line of 16 hex digits */
	{
		char *l;

		for (l = strtok(out, "\n"); l != NULL; l = strtok(NULL, "\n"))
			if (strlen(l) == 16 && strspn(l, "0123456789abcdef") == 16)
				break;
		ck_assert_ptr_nonnull(l);
		snprintf(id, idsz, "%s", l);
	}
}

static void
approve(long uid, const char *id)
{
	char args[128], out[4096];

	snprintf(args, sizeof(args), "grant approve %s --reason ok", id);
	ck_assert_msg(as(uid, out, sizeof(out), args) == 0, "approve: %s", out);
}

/* Root forges an approval of grant id created by who (uid), and approves it. */
static void
forge_approval(const char *id, const char *who)
{
	char ldif[2048];

	snprintf(ldif, sizeof(ldif),
	    "dn: cn=approval,cn=%s,ou=grants,%s\nchangetype: add\n"
	    "objectClass: authdApproval\ncn: approval\nauthdApprovalDecision: approve\n"
	    "authdApprovalReason: forged\ncreatorsName: uid=%s,ou=people,%s\n\n"
	    "dn: cn=%s,ou=grants,%s\nchangetype: modify\nreplace: authdGrantState\n"
	    "authdGrantState: approved\n\n", id, itest.base_dn, who, itest.base_dn,
	    id, itest.base_dn);
	ck_assert_int_eq(itest_sh("ldapmodify -e relax -Q -Y EXTERNAL -H '%s' "
	    ">/dev/null <<'LDIF'\n%sLDIF\n", itest.ldapi_uri, ldif), 0);
}

/* As uid, ldapadd n grants of web-admin held by holder (cn=PREFIX-N), in
 * the window from-until; ldapadd's exit status. */
static int
add_grants(long uid, const char *prefix, const char *holder, int n,
    const char *from, const char *until)
{
	char path[256];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/grants-%s.ldif", itest.dir, prefix);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (i = 0; i < n; i++)
		fprintf(f, "dn: cn=%s-%d,ou=grants,%s\nobjectClass: authdGrant\n"
		    "cn: %s-%d\nauthdGrantRole: cn=web-admin,ou=roles,%s\n"
		    "authdGrantHolder: uid=%s,ou=people,%s\nauthdGrantFrom: %s\n"
		    "authdGrantUntil: %s\nauthdGrantReason: many\n"
		    "authdGrantState: requested\nauthdGrantEmergency: FALSE\n\n",
		    prefix, i, itest.base_dn, prefix, i, itest.base_dn, holder,
		    itest.base_dn, from, until);
	ck_assert_int_eq(fclose(f), 0);
	/* the file is opened by the shell, as root */
	return itest_sh("setpriv --reuid=%ld --regid=%ld --clear-groups ldapadd -Q "
	    "-Y EXTERNAL -H '%s' <'%s' >/dev/null 2>&1", uid, uid, itest.ldapi_uri,
	    path);
}

/* As p, over ldapi, replace its grant id's state (as authctl would). */
static int
holder_sets_state(const struct priv *p, const char *id, const char *state)
{
	return itest_sh("setpriv --reuid=%ld --regid=%ld --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: cn=%s,ou=grants,%s\nchangetype: modify\nreplace: authdGrantState\n"
	    "authdGrantState: %s\nLDIF\n", p->uid, p->uid, itest.ldapi_uri, id,
	    itest.base_dn, state);
}

static int
audit_has(const char *event, const char *user, const char *phrase)
{
	char u[64], esc[512];
	size_t i, n = 0;

	for (i = 0; phrase[i] != '\0' && n + 5 < sizeof(esc); i++) {
		if (phrase[i] == ' ') {
			memcpy(esc + n, "\\x20", 4);
			n += 4;
		} else
			esc[n++] = phrase[i];
	}
	esc[n] = '\0';
	snprintf(u, sizeof(u), "user=%s ", user);
	return itest_audit_count(event, u, esc, NULL);
}

/* Lines of authd's log holding phrase, once there are any (up to 10 s). */
static int
log_wait(const char *phrase)
{
	int i, n = 0;

	for (i = 0; i < 100 && (n = itest_log_lines(phrase)) == 0; i++)
		usleep(100000);
	return n;
}

static void
setup(void)
{
	char ldif[4096];

	setenv("AUTHD_TOTP_WINDOW", "10", 1);
	setenv("AUTHD_HOST_NAME", HOST, 1);
	setenv("AUTHD_PRIVILEGED_DENIED_NAMES", "oracle sa", 1);
	/* this site names its privileged accounts adm-... */
	setenv("AUTHD_PRIVILEGED_NAMES", "adm-* *.adm", 1);
	itest_up(100);
	itest_add_person("gadm", ADM, PW);
	itest_add_person("gappr", APPR, PW);
	itest_add_person("gother", OTHER, PW);
	itest_add_person("gciso", CISO, PW);
	itest_add_person("gkon", KON, PW);
	itest_set_attr("gkon", "authdAccountType", "contractor");
	itest_add_person("greg", REG, PW);
	member("cn=authd-admins,ou=groups", "gadm", "add");
	member("cn=authd-admins,ou=groups", "gkon", "add");
	member("cn=ciso,ou=groups", "gciso", "add");
	ck_assert_int_eq(itest_sh("chgrp %d %s/totp.key && chmod 0640 %s/totp.key",
	    ADM, itest.dir, itest.dir), 0);
	snprintf(ldif, sizeof(ldif),
	    "dn: cn=web-approvers,ou=roles,%s\nobjectClass: groupOfNames\n"
	    "cn: web-approvers\nmember: uid=gappr,ou=people,%s\n"
	    "member: cn=web-approvers,ou=roles,%s\n\n"
	    "dn: cn=web-admin,ou=roles,%s\nobjectClass: authdRole\ncn: web-admin\n"
	    "authdRoleMaxGrant: 7200\nauthdRoleMaxSession: 600\nauthdRoleHost: " HOST "\n"
	    "authdRoleApprover: cn=web-approvers,ou=roles,%s\n"
	    "authdRoleEmergency: TRUE\nauthdRoleEmergencyDeadline: 900\n\n"
	    "dn: cn=db-admin,ou=roles,%s\nobjectClass: authdRole\ncn: db-admin\n"
	    "authdRoleMaxGrant: 7200\nauthdRoleMaxSession: 600\nauthdRoleHost: db9\n"
	    "authdRoleApprover: cn=web-approvers,ou=roles,%s\n",
	    itest.base_dn, itest.base_dn, itest.base_dn, itest.base_dn,
	    itest.base_dn, itest.base_dn, itest.base_dn);
	ldif_root("ldapadd", ldif);
	add_priv(&pa);
	add_priv(&pb);
	add_priv(&pc);
	add_priv(&pd);
	add_priv(&pe);
	add_priv(&pf);
	add_priv(&pg);
	add_priv(&ph);
	add_priv(&pi);
	add_priv(&pj);
}

static void
teardown(void)
{
	ck_assert_int_eq(itest_down(), 0);
}

START_TEST(no_grant_mfa_forced)
{
	struct pam_run run;

	/* no service policy: the default asks a password only, but not here */
	ck_assert_int_ne(login(&pa, &run), PAM_SUCCESS);
	ck_assert_int_eq(run.prompts, 2);
	ck_assert_msg(strstr(run.shown, MSG_NO_GRANT) != NULL, "%s", run.shown);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-a",
	    "privileged: no grant honoured on " HOST ": no grant"), 1);
	ck_assert_int_ge(itest_audit_count("event=authenticate", "user=adm-a ",
	    "policy=default+privileged factors=password,totp", NULL), 1);
}
END_TEST

START_TEST(self_approval_refused)
{
	struct pam_run run;
	char id[32], args[128], out[4096];

	request(&pa, "web-admin", "--for 1h", id, sizeof(id));
	/* authctl says no ... */
	snprintf(args, sizeof(args), "grant approve %s", id);
	ck_assert_int_ne(as(pa.uid, out, sizeof(out), args), 0);
	ck_assert_msg(strstr(out, "their own request") != NULL, "%s", out);
	/* ... and so does the directory to ldapadd as the requester */
	ck_assert_int_ne(itest_sh("setpriv --reuid=%ld --regid=%ld --clear-groups "
	    "ldapadd -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: cn=approval,cn=%s,ou=grants,%s\nobjectClass: authdApproval\n"
	    "cn: approval\nauthdApprovalDecision: approve\nauthdApprovalReason: me\n"
	    "LDIF\n", pa.uid, pa.uid, itest.ldapi_uri, id, itest.base_dn), 0);
	ck_assert_int_ne(login(&pa, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-a", "not approved"), 1);
	/* an approval that says the requester made it (forged by root): refused */
	forge_approval(id, "adm-a");
	ck_assert_int_ne(login(&pa, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-a", "self-approval"), 1);
}
END_TEST

START_TEST(non_approver_not_honoured)
{
	struct pam_run run;
	char id[32], args[128], out[4096];

	request(&pb, "web-admin", "--for 1h", id, sizeof(id));
	snprintf(args, sizeof(args), "grant approve %s", id);
	ck_assert_int_ne(as(OTHER, out, sizeof(out), args), 0);
	ck_assert_msg(strstr(out, "Insufficient access") != NULL, "%s", out);
	forge_approval(id, "gother");
	ck_assert_int_ne(login(&pb, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-b",
	    "holds no approver role"), 1);
}
END_TEST

START_TEST(approved_login_and_window)
{
	struct pam_run run;
	char id[32], later[32], ldif[1024];

	request(&pc, "web-admin", "--for 1h", id, sizeof(id));
	approve(APPR, id);
	ck_assert_msg(login(&pc, &run) == PAM_SUCCESS, "%s", run.shown);
	ck_assert_int_ge(itest_audit_count("event=authenticate", "user=adm-c ",
	    "result=success", "grant=cn\\x3d", "grant_until=", NULL), 1);
	ck_assert_int_ge(itest_audit_count("event=acct_mgmt", "user=adm-c ",
	    "result=success", "grant=cn\\x3d", NULL), 1);
	ck_assert_int_ge(itest_audit_count("event=acct_mgmt", "user=adm-c ",
	    "result=success", NULL), 1);
	/* the approver leaves the approver group: no longer honoured */
	member("cn=web-approvers,ou=roles", "gappr", "delete");
	ck_assert_int_ne(login(&pc, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-c",
	    "holds no approver role"), 1);
	member("cn=web-approvers,ou=roles", "gappr", "add");
	/* an approver moves the window into the past: outside it, refused */
	snprintf(ldif, sizeof(ldif), "dn: cn=%s,ou=grants,%s\nchangetype: modify\n"
	    "replace: authdGrantFrom\nauthdGrantFrom: 20200101000000Z\n-\n"
	    "replace: authdGrantUntil\nauthdGrantUntil: 20200101010000Z\n",
	    id, itest.base_dn);
	ck_assert_int_eq(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n%sLDIF\n",
	    APPR, APPR, itest.ldapi_uri, ldif), 0);
	ck_assert_int_ne(login(&pc, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, MSG_NO_GRANT) != NULL, "%s", run.shown);
	/* an ended grant is not even read (it never stands again) */
	ck_assert_int_ge(audit_has("event=authenticate", "adm-c",
	    "privileged: no grant honoured on " HOST ": no grant"), 1);
	/* ... and the requester may not move it back */
	ck_assert_int_ne(itest_sh("setpriv --reuid=%ld --regid=%ld --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: cn=%s,ou=grants,%s\nchangetype: modify\nreplace: authdGrantUntil\n"
	    "authdGrantUntil: 20990101000000Z\nLDIF\n", pc.uid, pc.uid,
	    itest.ldapi_uri, id, itest.base_dn), 0);
	/* a grant that starts in an hour: not yet */
	request(&pc, "web-admin", "--for 1h --start +1h", later, sizeof(later));
	approve(APPR, later);
	ck_assert_int_ne(login(&pc, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-c", "outside its window"), 1);
	/* a role that does not cover this host */
	request(&pc, "db-admin", "--for 1h", later, sizeof(later));
	approve(APPR, later);
	ck_assert_int_ne(login(&pc, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-c",
	    "does not cover host " HOST), 1);
}
END_TEST

START_TEST(hand_written_not_honoured)
{
	struct pam_run run;
	char ldif[2048], from[32], until[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(from, sizeof(from), "%Y%m%d%H%M%SZ", gmtime_r(&(time_t){ now - 1800 }, &tm));
	strftime(until, sizeof(until), "%Y%m%d%H%M%SZ", gmtime_r(&(time_t){ now + 1800 }, &tm));
	/* root writes a grant and its approval: nobody else approved it */
	snprintf(ldif, sizeof(ldif),
	    "dn: cn=byhand,ou=grants,%s\nobjectClass: authdGrant\ncn: byhand\n"
	    "authdGrantRole: cn=web-admin,ou=roles,%s\n"
	    "authdGrantHolder: uid=adm-d,ou=people,%s\n"
	    "authdGrantFrom: %s\nauthdGrantUntil: %s\n"
	    "authdGrantReason: by hand\nauthdGrantState: approved\n"
	    "authdGrantEmergency: FALSE\n\n"
	    "dn: cn=approval,cn=byhand,ou=grants,%s\nobjectClass: authdApproval\n"
	    "cn: approval\nauthdApprovalDecision: approve\nauthdApprovalReason: me\n",
	    itest.base_dn, itest.base_dn, itest.base_dn, from, until, itest.base_dn);
	ldif_root("ldapadd", ldif);
	ck_assert_int_ne(login(&pd, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-d",
	    "not requested by a person"), 1);
}
END_TEST

START_TEST(emergency_flagged_and_reported)
{
	struct pam_run run;
	char id[32], out[8192];

	request(&pd, "web-admin", "--for 1h --emergency", id, sizeof(id));
	ck_assert_msg(login(&pd, &run) == PAM_SUCCESS, "%s", run.shown);
	ck_assert_msg(strstr(run.shown, MSG_EMERG) != NULL, "%s", run.shown);
	ck_assert_int_ge(itest_audit_count("event=authenticate", "user=adm-d ",
	    "result=success", "grant_emergency=unapproved", NULL), 1);
	ck_assert_int_eq(as(APPR, out, sizeof(out), "grant report"), 0);
	ck_assert_msg(strstr(out, id) != NULL && strstr(out, "UNAPPROVED") != NULL,
	    "%s", out);
	ck_assert_int_eq(as(APPR, out, sizeof(out), "grant list"), 0);
	ck_assert_msg(strstr(out, id) != NULL && strstr(out, "EMERGENCY") != NULL,
	    "%s", out);
	approve(APPR, id);
	ck_assert_int_eq(as(APPR, out, sizeof(out), "grant report"), 0);
	ck_assert_msg(strstr(out, id) == NULL, "%s", out);
	ck_assert_msg(login(&pd, &run) == PAM_SUCCESS, "%s", run.shown);
	ck_assert_msg(strstr(run.shown, MSG_EMERG) == NULL, "%s", run.shown);
	/* revoked: over */
	{
		char args[128];

		snprintf(args, sizeof(args), "grant revoke %s --reason done", id);
		ck_assert_int_eq(as(pd.uid, out, sizeof(out), args), 0);
	}
	ck_assert_int_ne(login(&pd, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-d", "revoked"), 1);
}
END_TEST

/*
 * An approver may write a grant's state without adding the approval entry
 * (the holder may write only "revoked"); "approved" written by hand takes
 * an unapproved emergency use off the report only if the report trusts
 * the state (it did).
 */
START_TEST(report_not_fooled_by_state)
{
	char id[32], out[8192];

	request(&pe, "web-admin", "--for 1h --emergency", id, sizeof(id));
	ck_assert_int_ne(holder_sets_state(&pe, id, "approved"), 0);
	ck_assert_int_eq(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=%s,ou=grants,%s\nchangetype: modify\n"
	    "replace: authdGrantState\nauthdGrantState: approved\nLDIF\n",
	    APPR, APPR, itest.ldapi_uri, id, itest.base_dn), 0);
	ck_assert_int_eq(as(APPR, out, sizeof(out), "grant list"), 0);
	ck_assert_msg(strstr(out, id) != NULL && strstr(out, "approved") != NULL,
	    "%s", out);
	ck_assert_int_eq(as(APPR, out, sizeof(out), "grant report"), 0);
	ck_assert_msg(strstr(out, id) != NULL && strstr(out, "UNAPPROVED") != NULL,
	    "%s", out);
}
END_TEST

START_TEST(default_names_refused)
{
	struct pam_run run;
	char out[4096];
	pam_handle_t *pamh;
	int r;

	itest_add_person("admin", 22030, PW);
	itest_set_attr("admin", "authdAccountType", "privileged");
	itest_add_person("oracle", 22031, PW);
	ck_assert_int_ne(itest_login(SVC, "admin", PW, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, MSG_DEFAULT) != NULL, "%s", run.shown);
	ck_assert_int_ge(audit_has("event=authenticate", "admin",
	    "default name admin refused"), 1);
	ck_assert_int_ne(itest_login(SVC, "oracle", PW, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "oracle",
	    "default name oracle refused"), 1);
	/* acct_mgmt alone (a login that did not authenticate here) */
	memset(&run, 0, sizeof(run));
	pamh = itest_pam_start(SVC, "oracle", &run);
	r = pam_acct_mgmt(pamh, 0);
	itest_pam_end(pamh, r);
	ck_assert_int_ne(r, PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=acct_mgmt", "oracle", "default name"), 1);
	/* authctl user add refuses them too */
	ck_assert_int_ne(as(ADM, out, sizeof(out),
	    "user add administrator --name 'The Admin' --type privileged"), 0);
	ck_assert_msg(strstr(out, "default name") != NULL, "%s", out);
	ck_assert_int_ne(as(ADM, out, sizeof(out), "user add sa --name 'S A'"), 0);
	ck_assert_msg(strstr(out, "default name") != NULL, "%s", out);
}
END_TEST

START_TEST(contractor_cannot_touch_privileged)
{
	char out[4096];

	/* the contractor is an administrator: a regular person's password is fine */
	ck_assert_int_eq(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldappasswd -Q -Y EXTERNAL -H '%s' -s 'New-Pass-word-99x' "
	    "uid=greg,ou=people,%s >/dev/null 2>&1", KON, KON, itest.ldapi_uri,
	    itest.base_dn), 0);
	/* a privileged account's: refused by the directory */
	ck_assert_int_ne(itest_sh_out(out, sizeof(out), "setpriv --reuid=%d "
	    "--regid=%d --clear-groups ldappasswd -Q -Y EXTERNAL -H '%s' "
	    "-s 'New-Pass-word-99x' uid=adm-e,ou=people,%s 2>&1", KON, KON,
	    itest.ldapi_uri, itest.base_dn), 0);
	ck_assert_msg(strstr(out, "Insufficient access") != NULL, "%s", out);
	ck_assert_int_ne(as(KON, out, sizeof(out), "user passwd adm-e"), 0);
	/* nor any other change, nor making an account privileged */
	ck_assert_int_ne(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: uid=adm-e,ou=people,%s\nchangetype: modify\nreplace: "
	    "authdAccountState\nauthdAccountState: disabled\nLDIF\n", KON, KON,
	    itest.ldapi_uri, itest.base_dn), 0);
	ck_assert_int_ne(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: uid=greg,ou=people,%s\nchangetype: modify\nreplace: "
	    "authdAccountType\nauthdAccountType: privileged\nLDIF\n", KON, KON,
	    itest.ldapi_uri, itest.base_dn), 0);
}
END_TEST

START_TEST(delegation_needs_ciso)
{
	struct pam_run run;
	char id[32], args[128], out[4096];

	request(&pe, "delegate-admin", "--for 2h", id, sizeof(id));
	/* an approver of other roles is not the CISO */
	snprintf(args, sizeof(args), "grant approve %s", id);
	ck_assert_int_ne(as(APPR, out, sizeof(out), args), 0);
	ck_assert_msg(strstr(out, "Insufficient access") != NULL, "%s", out);
	forge_approval(id, "gappr");
	ck_assert_int_ne(login(&pe, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-e",
	    "holds no approver role"), 1);
	/* no administrator makes themselves CISO or changes who approves */
	ck_assert_int_ne(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: cn=ciso,ou=groups,%s\nchangetype: modify\nadd: member\n"
	    "member: uid=gadm,ou=people,%s\nLDIF\n", ADM, ADM, itest.ldapi_uri,
	    itest.base_dn, itest.base_dn), 0);
	ck_assert_int_ne(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: cn=delegate-admin,ou=roles,%s\nchangetype: modify\n"
	    "replace: authdRoleApprover\n"
	    "authdRoleApprover: cn=authd-admins,ou=groups,%s\nLDIF\n", ADM, ADM,
	    itest.ldapi_uri, itest.base_dn, itest.base_dn), 0);
	/* the CISO's own approval, recorded as theirs: honoured */
	request(&pe, "delegate-admin", "--for 2h", id, sizeof(id));
	approve(CISO, id);
	ck_assert_msg(login(&pe, &run) == PAM_SUCCESS, "%s", run.shown);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-e", "accepted"), 1);
}
END_TEST

START_TEST(privileged_lockout_threshold)
{
	char out[4096];
	int i;

	ck_assert_msg(as(ADM, out, sizeof(out), "user add padm --name 'P Adm' "
	    "--type privileged --uid-number 22040") == 0, "%s", out);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "ldapsearch -Q -LLL -Y "
	    "EXTERNAL -H '%s' -b uid=padm,ou=people,%s pwdPolicySubentry",
	    itest.ldapi_uri, itest.base_dn), 0);
	ck_assert_msg(strstr(out, "cn=privileged,ou=policies") != NULL, "%s", out);
	itest_set_attr("padm", "userPassword", PW);
	/* added, with a word on its name, and the other way round */
	ck_assert_int_eq(as(ADM, out, sizeof(out), "user add padm2 --name 'P Adm' "
	    "--type privileged --uid-number 22041"), 0);
	ck_assert_msg(strstr(out, "warning: padm2 is privileged but its name is "
	    "not of privileged_names (adm-* *.adm)") != NULL, "%s", out);
	ck_assert_int_eq(as(ADM, out, sizeof(out), "user add adm-reg --name "
	    "'A Reg' --uid-number 22042"), 0);
	ck_assert_msg(strstr(out, "warning: adm-reg is not privileged but its "
	    "name is of privileged_names") != NULL, "%s", out);
	ck_assert_int_eq(as(ADM, out, sizeof(out), "user add adm-p --name 'A P' "
	    "--type privileged --uid-number 22043"), 0);
	ck_assert_msg(strstr(out, "warning") == NULL, "%s", out);
	/* authd's log names both when they reach its view, not adm-p */
	ck_assert_int_eq(log_wait("view: padm2 is privileged but its name is not "
	    "of privileged_names"), 1);
	ck_assert_int_eq(log_wait("view: adm-reg is not privileged but its name "
	    "is of privileged_names"), 1);
	ck_assert_int_eq(itest_log_lines("view: adm-p "), 0);
	/* once: a change to the entry is not another line (the view takes
	 * changes in order, so adm-reg2's line comes after the change) */
	itest_set_attr("adm-reg", "description", "still regular");
	ck_assert_int_eq(as(ADM, out, sizeof(out), "user add adm-reg2 --name "
	    "'A Reg' --uid-number 22044"), 0);
	ck_assert_int_eq(log_wait("view: adm-reg2 is not privileged"), 1);
	ck_assert_int_eq(itest_log_lines("view: adm-reg is not privileged"), 1);
	for (i = 0; i < 3; i++)
		ck_assert_int_ne(itest_sh("ldapwhoami -x -H '%s' -D uid=padm,ou=people,%s "
		    "-w wrong >/dev/null 2>&1", itest.ldapi_uri, itest.base_dn), 0);
	/* three failures lock it (people: five) */
	ck_assert_int_ne(itest_sh("ldapwhoami -x -H '%s' -D uid=padm,ou=people,%s "
	    "-w '%s' >/dev/null 2>&1", itest.ldapi_uri, itest.base_dn, PW), 0);
	ck_assert_int_eq(itest_sh("ldapwhoami -x -H '%s' -D uid=gother,ou=people,%s "
	    "-w '%s' >/dev/null 2>&1", itest.ldapi_uri, itest.base_dn, PW), 0);
}
END_TEST

/* A login of name refused; run: what it showed. */
static void
refused(const char *name, const char *password, const char *code,
    struct pam_run *run)
{
	pam_handle_t *pamh = itest_pam_answering(SVC, name, run, password, code,
	    NULL);
	int r = pam_authenticate(pamh, 0);

	itest_pam_end(pamh, r);
	ck_assert_msg(r != PAM_SUCCESS, "%s logged in", name);
}

/*
 * A name nobody has that follows this site's pattern for privileged
 * accounts (privileged_names) is played as a privileged account: the
 * prompts of one (a password and a code, where the service asks a
 * password alone) and its lockout (three failures: its password policy's,
 * not a person's five). Another name nobody has is played as a person.
 * Before, a name's prompts told whether it was a privileged account's.
 */
START_TEST(unknown_privileged_name_played_as_one)
{
	struct pam_run real, ghost, other;
	char code[16];
	int i;

	add_priv(&pk);
	/* as authctl user add --type privileged gives it */
	itest_use_pwpolicy(pk.name, "privileged");
	for (i = 0; i < 3; i++) {
		refused(pk.name, "Wrong-Horse-Priv-7", "000000", &real);
		refused("adm-ghost", "Wrong-Horse-Priv-7", "000000", &ghost);
		refused("ghost-k", "Wrong-Horse-Priv-7", "000000", &other);
		ck_assert_int_eq(real.prompts, 2);
		ck_assert_msg(strcmp(ghost.shown, real.shown) == 0,
		    "adm-ghost:\n%s\nadm-k:\n%s", ghost.shown, real.shown);
		ck_assert_msg(other.prompts == 1 && strstr(other.shown,
		    "P:Password: ") != NULL, "%s", other.shown);
		ck_assert_msg(strstr(real.shown, "locked") == NULL, "%s",
		    real.shown);
	}
	/* the fourth attempt: locked, the real one even with its password */
	itest_totp_code(pk.secret, pk.offset, code, sizeof(code));
	pk.offset += 30;
	refused(pk.name, PW, code, &real);
	refused("ADM-Ghost", PW, "000000", &ghost);
	refused("ghost-k", "Wrong-Horse-Priv-7", "000000", &other);
	ck_assert_msg(strstr(real.shown, "locked after too many") != NULL, "%s",
	    real.shown);
	ck_assert_msg(strcmp(ghost.shown, real.shown) == 0,
	    "adm-ghost:\n%s\nadm-k:\n%s", ghost.shown, real.shown);
	ck_assert_msg(strstr(other.shown, "locked") == NULL, "%s", other.shown);
	ck_assert_int_ge(audit_has("event=authenticate", "ADM-Ghost",
	    "decoy locked"), 1);
	ck_assert_int_eq(audit_has("event=authenticate", "ghost-k",
	    "decoy locked"), 0);
	/* the second pattern; a name that only contains one does not match */
	refused("db.adm", "Wrong-Horse-Priv-7", "000000", &ghost);
	ck_assert_int_eq(ghost.prompts, 2);
	refused("xadm-ghost", "Wrong-Horse-Priv-7", "000000", &other);
	ck_assert_int_eq(other.prompts, 1);
}
END_TEST

/*
 * An administrator cannot take an approver's or a CISO member's place: the
 * directory refuses them a new password from authd-admins (who would then
 * log in, or bind, as them and approve), and their uidNumber (whom SASL
 * EXTERNAL maps a local user to). Another person's password they set.
 */
START_TEST(admin_cannot_take_an_approvers_place)
{
	struct pam_run run;
	char out[4096];

	ck_assert_int_ne(as(ADM, out, sizeof(out), "user passwd gappr"), 0);
	ck_assert_msg(strstr(out, "Insufficient access") != NULL, "%s", out);
	ck_assert_int_ne(as(ADM, out, sizeof(out), "user passwd gciso"), 0);
	ck_assert_msg(strstr(out, "Insufficient access") != NULL, "%s", out);
	ck_assert_int_ne(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: uid=gappr,ou=people,%s\nchangetype: modify\nreplace: uidNumber\n"
	    "uidNumber: %d\nLDIF\n", ADM, ADM, itest.ldapi_uri, itest.base_dn,
	    22099), 0);
	/* the approver's own password still works */
	ck_assert_int_eq(itest_login(SVC, "gappr", PW, &run), PAM_SUCCESS);
	itest_add_person("gnew", 22045, PW);
	ck_assert_msg(as(ADM, out, sizeof(out), "user passwd gnew") == 0, "%s",
	    out);
}
END_TEST

/*
 * A role whose approver group is outside ou=roles (where administrators
 * write, and could add themselves or take its members' place): authctl
 * refuses its member's approval and says why; written by hand, the
 * directory takes it, but authd counts nobody of that group, and says why.
 */
START_TEST(approver_group_outside_roles_not_counted)
{
	struct pam_run run;
	char id[32], ldif[1024], args[128], out[4096];

	add_priv(&pl);
	snprintf(ldif, sizeof(ldif),
	    "dn: cn=helpers,ou=groups,%s\nobjectClass: groupOfNames\n"
	    "cn: helpers\nmember: uid=gappr,ou=people,%s\n\n"
	    "dn: cn=helper-admin,ou=roles,%s\nobjectClass: authdRole\n"
	    "cn: helper-admin\nauthdRoleMaxGrant: 7200\n"
	    "authdRoleMaxSession: 600\nauthdRoleHost: " HOST "\n"
	    "authdRoleApprover: cn=helpers,ou=groups,%s\n", itest.base_dn,
	    itest.base_dn, itest.base_dn, itest.base_dn);
	ldif_root("ldapadd", ldif);
	request(&pl, "helper-admin", "--for 1h", id, sizeof(id));
	/* authctl says so before writing anything */
	snprintf(args, sizeof(args), "grant approve %s --reason ok", id);
	ck_assert_int_ne(as(APPR, out, sizeof(out), args), 0);
	ck_assert_msg(strstr(out, "you are in none; its group cn=helpers,"
	    "ou=groups,") != NULL && strstr(out, "outside ou=roles") != NULL,
	    "%s", out);
	/* the approver writes the approval by hand: the directory takes it */
	ck_assert_int_eq(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null <<'LDIF'\n"
	    "dn: cn=approval,cn=%s,ou=grants,%s\nchangetype: add\n"
	    "objectClass: authdApproval\ncn: approval\n"
	    "authdApprovalDecision: approve\nauthdApprovalReason: ok\n\n"
	    "dn: cn=%s,ou=grants,%s\nchangetype: modify\n"
	    "replace: authdGrantState\nauthdGrantState: approved\nLDIF\n", APPR,
	    APPR, itest.ldapi_uri, id, itest.base_dn, id, itest.base_dn), 0);
	ck_assert_int_ne(login(&pl, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, MSG_NO_GRANT) != NULL, "%s", run.shown);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-l",
	    "approver group cn\\x3dhelpers,ou\\x3dgroups"), 1);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-l",
	    "not counted: outside ou\\x3droles"), 1);
}
END_TEST

/*
 * A revocation sticks: the approval entry stays, but neither the holder
 * (who is also the requester here) nor anyone else may set the state
 * back, so the grant is never honoured again.
 */
START_TEST(revocation_sticks)
{
	struct pam_run run;
	char id[32], args[128], out[4096];

	request(&pf, "web-admin", "--for 1h", id, sizeof(id));
	approve(APPR, id);
	ck_assert_msg(login(&pf, &run) == PAM_SUCCESS, "%s", run.shown);
	snprintf(args, sizeof(args), "grant revoke %s --reason gone", id);
	ck_assert_msg(as(APPR, out, sizeof(out), args) == 0, "revoke: %s", out);
	ck_assert_int_ne(login(&pf, &run), PAM_SUCCESS);
	ck_assert_int_ne(holder_sets_state(&pf, id, "approved"), 0);
	ck_assert_int_ne(holder_sets_state(&pf, id, "requested"), 0);
	ck_assert_int_ne(login(&pf, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, MSG_NO_GRANT) != NULL, "%s", run.shown);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-f", ": revoked"), 2);
	/* nor the approver: a revoked grant is over for everyone but root */
	ck_assert_int_ne(itest_sh("setpriv --reuid=%d --regid=%d --clear-groups "
	    "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1 <<'LDIF'\n"
	    "dn: cn=%s,ou=grants,%s\nchangetype: modify\nreplace: authdGrantState\n"
	    "authdGrantState: approved\nLDIF\n", APPR, APPR, itest.ldapi_uri, id,
	    itest.base_dn), 0);
}
END_TEST

/* An emergency grant revoked within its deadline is not "requested" again. */
START_TEST(emergency_revocation_sticks)
{
	struct pam_run run;
	char id[32], args[128], out[4096];

	request(&pg, "web-admin", "--for 1h --emergency", id, sizeof(id));
	ck_assert_msg(login(&pg, &run) == PAM_SUCCESS, "%s", run.shown);
	snprintf(args, sizeof(args), "grant revoke %s --reason gone", id);
	ck_assert_msg(as(APPR, out, sizeof(out), args) == 0, "revoke: %s", out);
	ck_assert_int_ne(login(&pg, &run), PAM_SUCCESS);
	ck_assert_int_ne(holder_sets_state(&pg, id, "requested"), 0);
	ck_assert_int_ne(login(&pg, &run), PAM_SUCCESS);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-g", ": revoked"), 2);
}
END_TEST

/*
 * Nobody adds grants naming someone else (the role lists no requesters):
 * 33 of them hid the holder's real grant (authd read 32).
 */
START_TEST(others_cannot_name_a_holder)
{
	struct pam_run run;
	char id[32], out[4096];

	ck_assert_int_ne(add_grants(OTHER, "junk", "adm-a", 33, "20200101000000Z",
	    "20990101000000Z"), 0);
	ck_assert_int_eq(itest_sh_out(out, sizeof(out), "ldapsearch -Q -LLL -Y "
	    "EXTERNAL -H '%s' -b ou=grants,%s '(cn=junk-*)' dn", itest.ldapi_uri,
	    itest.base_dn), 0);
	ck_assert_msg(strstr(out, "dn:") == NULL, "%s", out);
	request(&pa, "web-admin", "--for 1h", id, sizeof(id));
	approve(APPR, id);
	ck_assert_msg(login(&pa, &run) == PAM_SUCCESS, "%s", run.shown);
}
END_TEST

/* A holder's ended grants, however many, do not hide the one in force. */
START_TEST(ended_grants_do_not_hide)
{
	struct pam_run run;
	char id[32];

	ck_assert_int_eq(add_grants(ph.uid, "old", "adm-h", 40, "20200101000000Z",
	    "20200101010000Z"), 0);
	request(&ph, "web-admin", "--for 1h", id, sizeof(id));
	approve(APPR, id);
	ck_assert_msg(login(&ph, &run) == PAM_SUCCESS, "%s", run.shown);
}
END_TEST

/*
 * More grants not yet ended than authd reads: the one left out may be the
 * one in force, so the login is refused and the audit says why.
 */
START_TEST(too_many_grants_refused_clearly)
{
	struct pam_run run;
	char id[32];

	request(&pi, "web-admin", "--for 1h", id, sizeof(id));
	approve(APPR, id);
	ck_assert_msg(login(&pi, &run) == PAM_SUCCESS, "%s", run.shown);
	ck_assert_int_eq(add_grants(pi.uid, "later", "adm-i", 32, "20980101000000Z",
	    "20980101010000Z"), 0);
	ck_assert_int_ne(login(&pi, &run), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, MSG_NO_GRANT) != NULL, "%s", run.shown);
	ck_assert_int_ge(audit_has("event=authenticate", "adm-i",
	    "more than 32 grants not yet ended"), 1);
}
END_TEST

/*
 * A privileged session opened without its login through authd (another
 * module authenticated: no login id, so no grant to end it) is refused
 * before its last login is written: the next login must not show one
 * that never was, and the audit holds one refusal and no success.
 */
START_TEST(refused_privileged_session_records_no_login)
{
	struct pam_run run;
	pam_handle_t *pamh;
	char id[32], code[16];

	memset(&run, 0, sizeof(run));
	pamh = itest_pam_start(SVC, pj.name, &run);
	pam_set_item(pamh, PAM_RHOST, "ws07.example.com");
	ck_assert_int_eq(pam_open_session(pamh, 0), PAM_PERM_DENIED);
	itest_pam_end(pamh, PAM_PERM_DENIED);
	ck_assert_int_eq(itest_audit_wait("event=open_session", "user=adm-j ",
	    "result=perm_denied"), 1);
	ck_assert_int_eq(audit_has("event=open_session", "adm-j",
	    "must follow its login through authd"), 1);
	ck_assert_int_eq(itest_audit_count("event=open_session", "user=adm-j ",
	    "result=success", NULL), 0);

	/* under a grant, through authd: its session opens, and nothing was
	 * recorded before */
	request(&pj, "web-admin", "--for 1h", id, sizeof(id));
	approve(APPR, id);
	itest_totp_code(pj.secret, pj.offset, code, sizeof(code));
	pj.offset += 30;
	pamh = itest_pam_answering(SVC, pj.name, &run, PW, code, NULL);
	pam_set_item(pamh, PAM_RHOST, "ws08.example.com");
	ck_assert_msg(pam_authenticate(pamh, 0) == PAM_SUCCESS, "%s", run.shown);
	ck_assert_int_eq(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	ck_assert_msg(strstr(run.shown, "first login") != NULL &&
	    strstr(run.shown, "ws07") == NULL, "shown: %s", run.shown);
	ck_assert_int_eq(pam_open_session(pamh, 0), PAM_SUCCESS);
	ck_assert_ptr_nonnull(pam_getenv(pamh, "AUTHD_SESSION_ID"));
	ck_assert_int_eq(pam_close_session(pamh, 0), PAM_SUCCESS);
	itest_pam_end(pamh, PAM_SUCCESS);
	ck_assert_int_eq(itest_audit_count("event=open_session", "user=adm-j ",
	    "result=success", NULL), 1);
}
END_TEST

static Suite *
grant_login_suite(void)
{
	Suite *s = suite_create("grant_login");
	TCase *tc = tcase_create("grant_login");

	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_grant_mfa_forced);
	tcase_add_test(tc, self_approval_refused);
	tcase_add_test(tc, non_approver_not_honoured);
	tcase_add_test(tc, approved_login_and_window);
	tcase_add_test(tc, hand_written_not_honoured);
	tcase_add_test(tc, emergency_flagged_and_reported);
	tcase_add_test(tc, report_not_fooled_by_state);
	tcase_add_test(tc, default_names_refused);
	tcase_add_test(tc, contractor_cannot_touch_privileged);
	tcase_add_test(tc, delegation_needs_ciso);
	tcase_add_test(tc, privileged_lockout_threshold);
	tcase_add_test(tc, unknown_privileged_name_played_as_one);
	tcase_add_test(tc, admin_cannot_take_an_approvers_place);
	tcase_add_test(tc, approver_group_outside_roles_not_counted);
	tcase_add_test(tc, revocation_sticks);
	tcase_add_test(tc, emergency_revocation_sticks);
	tcase_add_test(tc, others_cannot_name_a_holder);
	tcase_add_test(tc, ended_grants_do_not_hide);
	tcase_add_test(tc, too_many_grants_refused_clearly);
	tcase_add_test(tc, refused_privileged_session_records_no_login);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0 || system("command -v oathtool >/dev/null && "
	    "command -v setpriv >/dev/null && test -x /usr/sbin/slapd") != 0) {
		fprintf(stderr, "test_grant_login: needs root, slapd, setpriv and "
		    "oathtool; skipped\n");
		return 77;
	}
	sr = srunner_create(grant_login_suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
