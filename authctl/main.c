/*
 * authctl [-c CONF] [-H URI] [-D BINDDN -y PASSWORDFILE] [-b BASE] COMMAND ...
 * Global options, the config, and the table of commands.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "authctl.h"
#include "conn.h"
#include "cmd_card.h"
#include "cmd_fido2.h"
#include "cmd_grant.h"
#include "cmd_totp.h"
#include "log.h"

#define DEFAULT_CONF SYSCONFDIR "/authd/authd.conf"

static const struct actl_cmd commands[] = {
	{ "user", "add", actl_user_add,
	  "UID --name \"FULL NAME\" [--surname S] [--given G] [--uid-number N]\n"
	  "\t[--gid-number N] [--home DIR] [--shell SH] [--employee-number N]\n"
	  "\t[--department D] [--type regular|privileged|shared|development|contractor|service]\n"
	  "\t[--valid-from YYYY-MM-DD] [--valid-until YYYY-MM-DD] [--mail M]",
	  "add a person (state active). Defaults: surname = last word of the name,\n"
	  "given name = the words before it, uid number = highest in the directory + 1\n"
	  "(at least 10000), gid number = that of posixGroup cn=staff if the directory\n"
	  "has one, else 10000, home /home/UID, shell /bin/bash, type regular.\n"
	  "Dates are local: valid from the start of the day, until its end." },
	{ "user", "show", actl_user_show, "UID",
	  "the person's attributes you may read, times in local time, then the\n"
	  "lifecycle state, lockout, must-change, last login/logout and failures." },
	{ "user", "list", actl_user_list,
	  "[--state S] [--type T] [--department D]",
	  "a table of people: uid, name, state, type, department, last login." },
	{ "user", "disable", actl_user_disable, "UID [--reason TEXT]",
	  "set the account's state to disabled: no login." },
	{ "user", "enable", actl_user_enable, "UID [--reason TEXT]",
	  "set the account's state back to active." },
	{ "user", "suspend", actl_user_suspend, "UID [--reason TEXT]",
	  "set the account's state to suspended (temporarily no login)." },
	{ "user", "passwd", actl_user_passwd, "UID [--password-file FILE]",
	  "set a temporary password (Password Modify), which the person must change\n"
	  "at the first login. Without a file, a random 16-character password is\n"
	  "generated and printed once." },
	{ "user", "unlock", actl_user_unlock, "UID",
	  "clear a password lockout (pwdAccountLockedTime) and the failure count." },
	{ "totp", "enroll", actl_totp_enroll,
	  "UID [--algorithm SHA1|SHA256] [--digits 6|7|8] [--period SECONDS]\n"
	  "\t[--issuer NAME] [--code CODE]",
	  "make a TOTP token for the person: a random seed, stored encrypted\n"
	  "with the site key (totp_key_file), shown as an otpauth:// URI and a QR\n"
	  "code. The token becomes active after a first correct code (read from\n"
	  "stdin, or --code). Defaults: SHA1, 6 digits, 30 s, issuer authd." },
	{ "totp", "reset", actl_totp_reset,
	  "UID [--algorithm SHA1|SHA256] [--digits 6|7|8] [--period SECONDS]\n"
	  "\t[--issuer NAME] [--code CODE]",
	  "replace the person's TOTP seed (a lost or new phone), as enroll." },
	{ "totp", "remove", actl_totp_remove, "UID",
	  "remove the person's TOTP token." },
	{ "totp", "show", actl_totp_show, "UID",
	  "the TOTP token's state, algorithm, creation and last use (never the seed)." },
	{ "card", "register", actl_card_register, "UID CERTFILE [--serial S]",
	  "register an IC card for the person, active: its certificate (DER or\n"
	  "PEM, from the card or the CA). Refused when the certificate is already\n"
	  "registered to anyone, or the person already has an active (or\n"
	  "suspended) card.\n"
	  "Default serial: the certificate's serial number (hex)." },
	{ "card", "issue", actl_card_issue, "UID CERTFILE [--serial S]",
	  "register an IC card for the person in state issued (handed out, not\n"
	  "yet usable): `card activate` makes it active. The same checks as register." },
	{ "card", "activate", actl_card_activate, "SERIAL [--reason TEXT]",
	  "issued -> active. Refused when the holder already has an active (or\n"
	  "suspended) card: one active card per person." },
	{ "card", "suspend", actl_card_suspend,
	  "SERIAL --reason TEXT [--until TIME]",
	  "active -> suspended (a card left at home). With --until (YYYY-MM-DD,\n"
	  "\"YYYY-MM-DD HH:MM\" local, YYYYMMDDHHMMSSZ, or +N[mhd]) the card counts\n"
	  "as active again from that time (authdCardSuspendedUntil)." },
	{ "card", "resume", actl_card_resume, "SERIAL [--reason TEXT]",
	  "suspended -> active, before the end of the suspension." },
	{ "card", "lost", actl_card_lost, "SERIAL --reason TEXT",
	  "report the card lost (from issued, active or suspended): it stops\n"
	  "working at once and goes into the CRL. It must still be collected\n"
	  "and destroyed if it turns up." },
	{ "card", "revoke", actl_card_revoke, "SERIAL --reason TEXT",
	  "revoke the card (from issued, active or suspended)." },
	{ "card", "replace", actl_card_replace,
	  "SERIAL NEWCERT [--serial S] [--reason TEXT]",
	  "a new card for the holder of SERIAL: the new card is added, the old one\n"
	  "(active, suspended or lost) becomes replaced, then the new one active.\n"
	  "Refused while the holder has another active card. The old card must\n"
	  "then be collected and destroyed; card report lists it until it is." },
	{ "card", "collected", actl_card_collected,
	  "SERIAL --by UID [--reason TEXT]",
	  "record that the person UID took the card back (from lost, revoked or\n"
	  "replaced)." },
	{ "card", "destroyed", actl_card_destroyed,
	  "SERIAL --date DATE --method TEXT --handler UID --witness UID\n"
	  "\t[--reason TEXT]",
	  "record the destruction of a collected card: when, how, who destroyed\n"
	  "it and who witnessed it: two different people of the directory." },
	{ "card", "list", actl_card_list,
	  "[UID] [--user UID] [--state STATE] [--expired]",
	  "a table of cards (all, the person's, those in a state, or those past\n"
	  "their validity): holder, serial, state, validity, issuer. A suspended\n"
	  "card whose suspension has ended shows as active*." },
	{ "card", "show", actl_card_show, "SERIAL",
	  "the card's entry: holder, state, dates, issuer, fingerprint, subject,\n"
	  "who created and last changed it, and its history: every transition\n"
	  "with its time, the person who made it and why." },
	{ "card", "report", actl_card_report, "",
	  "what is still owed: cards lost, revoked or replaced but not collected,\n"
	  "collected but not destroyed, and cards in use past their validity." },
	{ "card", "crl", actl_card_crl,
	  "--ca-cert FILE --ca-key FILE [--out FILE] [--days N]",
	  "write a CRL signed with the card CA's key listing the certificates of\n"
	  "every card no longer valid (lost, revoked, replaced, collected,\n"
	  "destroyed), for systems outside authd. Default: stdout, 7 days." },
	{ "fido2", "enroll", actl_fido2_enroll,
	  "UID [--device /dev/hidrawN | --device unix:/PATH] [--name LABEL]\n"
	  "\t[--rp-id RPID]",
	  "enrol a FIDO2 security key for the person, on a terminal with the key\n"
	  "attached (default: the first key found; unix:/PATH is the test\n"
	  "transport to a software authenticator). The key makes a credential for\n"
	  "fido2_rp_id (default: the host name); its attestation is verified and\n"
	  "the credential id, public key, AAGUID, UV capability and signature\n"
	  "counter are stored under the person." },
	{ "fido2", "list", actl_fido2_list, "UID",
	  "the person's security keys: name, state, AAGUID, UV, counter, RP id." },
	{ "fido2", "remove", actl_fido2_remove, "UID KEY",
	  "remove one of the person's security keys (KEY as fido2 list shows it)." },
	{ "fido2", "model-add", actl_fido2_model_add,
	  "NAME AAGUID [--description TEXT]",
	  "list an authenticator model whose user verification is biometric (a\n"
	  "fingerprint key) under ou=models: on every host with\n"
	  "fido2_attestation_roots, a key of that AAGUID whose attestation chains\n"
	  "to them then counts as biometric (inherence), read at each login." },
	{ "fido2", "models", actl_fido2_models, "",
	  "the biometric models listed in the directory: name, AAGUID, description." },
	{ "fido2", "model-remove", actl_fido2_model_remove, "NAME",
	  "take a model off the directory's list: from the next login its keys'\n"
	  "user verification counts as a PIN (knowledge)." },
	{ "grant", "request", actl_grant_request,
	  "ROLE --for DURATION --reason TEXT [--start TIME] [--holder UID]\n"
	  "\t[--emergency]",
	  "request a grant of the privileged role ROLE (cn=ROLE,ou=roles) for\n"
	  "DURATION (N[smhd], at most the role's authdRoleMaxGrant), from now or\n"
	  "--start (\"YYYY-MM-DD HH:MM\" local, YYYYMMDDHHMMSSZ, +N[smhd]), for\n"
	  "yourself or the account --holder. --emergency (where the role allows\n"
	  "it): usable before approval, flagged, and reported until approved\n"
	  "within the role's deadline. Prints the grant's id." },
	{ "grant", "approve", actl_grant_approve, "ID [--reason TEXT]",
	  "approve a requested grant: an approval entry that you create (the\n"
	  "directory records who), then the state approved. Only members of the\n"
	  "role's approver groups may; never the requester or the holder." },
	{ "grant", "deny", actl_grant_deny, "ID --reason TEXT",
	  "deny a requested grant (as approve, with the decision deny)." },
	{ "grant", "revoke", actl_grant_revoke, "ID [--reason TEXT]",
	  "end a grant now (state revoked): its requester, holder or an approver.\n"
	  "authd ends the sessions that depended on it." },
	{ "grant", "list", actl_grant_list, "[--all] [--state STATE]",
	  "a table of grants that have not ended (--all: every grant): id, role,\n"
	  "holder, state, window, and EMERGENCY / UNAPPROVED / OVERDUE flags." },
	{ "grant", "report", actl_grant_report, "",
	  "emergency grants not yet approved, with their approval deadline\n"
	  "(OVERDUE once passed), who requested them and why." },
	{ "session", "list", actl_session_list, "[--all]",
	  "the sessions open on this host, as authd keeps them in\n"
	  "STATE_DIR/sessions (root only): id, person, service, terminal,\n"
	  "where from, opened, when it ends and why, the factors of its login.\n"
	  "--all: also those authd ended and whose close is still to come." },
	{ "audit", "verify", actl_audit_verify, "[--checkpoints] FILE",
	  "check the hash chain of an audit log; names the first altered, removed\n"
	  "or reordered record. --checkpoints: also against the heads of the chain\n"
	  "authd keeps in the directory, which show records cut off the end or a\n"
	  "tail written again." },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct actl_cmd *
find_command(const char *group, const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].group, group) == 0 &&
		    (name == NULL || strcmp(commands[i].name, name) == 0))
			return &commands[i];
	return NULL;
}

static void
print_usage(FILE *f, const struct actl_cmd *c)
{
	fprintf(f, "usage: authctl [global options] %s %s%s%s\n", c->group,
	    c->name, c->usage[0] != '\0' ? " " : "", c->usage);
}

int
actl_usage(const char *group, const char *name)
{
	const struct actl_cmd *c;

	if ((c = find_command(group, name)) != NULL)
		print_usage(stderr, c);
	return ACTL_USAGE;
}

int
actl_help(const char *group, const char *name)
{
	const struct actl_cmd *c;

	if ((c = find_command(group, name)) == NULL)
		return ACTL_USAGE;
	print_usage(stdout, c);
	printf("\n%s\n", c->summary);
	return ACTL_HELP_SHOWN;
}

static int
general_help(FILE *f, int ret)
{
	size_t i;

	fprintf(f, "usage: authctl [-c CONF] [-H URI] [-D BINDDN -y PASSWORDFILE] "
	    "[-b BASE] COMMAND ...\n\n"
	    "  -c CONF   config file (default %s)\n"
	    "  -H URI    directory URI(s), tried in order (default: ldap_uri)\n"
	    "  -D BINDDN -y FILE  simple bind with the password in FILE; without them,\n"
	    "            SASL EXTERNAL over ldapi binds as your own entry\n"
	    "  -b BASE   base DN (default: base_dn)\n\ncommands:\n", DEFAULT_CONF);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s %s%s%s\n", commands[i].group, commands[i].name,
		    commands[i].usage[0] != '\0' ? " " : "", commands[i].usage);
	fprintf(f, "  help [GROUP [COMMAND]]\n\n`authctl COMMAND --help` tells more.\n");
	return ret;
}

/* "authctl help GROUP": each of the group's commands as --help tells it. */
static int
group_help(const char *group)
{
	size_t i;
	int first = 1;

	for (i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].group, group) != 0)
			continue;
		if (!first)
			printf("\n");
		first = 0;
		actl_help(group, commands[i].name);
	}
	return ACTL_OK;
}

/* authctl help [GROUP [COMMAND]] */
static int
help_command(int argc, char **argv)
{
	if (argc <= 1)
		return general_help(stdout, ACTL_OK);
	if (argc > 3) {
		fprintf(stderr, "authctl help: too many arguments\n"
		    "usage: authctl help [GROUP [COMMAND]]\n");
		return ACTL_USAGE;
	}
	if (find_command(argv[1], NULL) == NULL) {
		fprintf(stderr, "authctl: no command group \"%s\"\n", argv[1]);
		return general_help(stderr, ACTL_USAGE);
	}
	if (argc == 2)
		return group_help(argv[1]);
	if (find_command(argv[1], argv[2]) == NULL) {
		fprintf(stderr, "authctl: no command \"%s %s\"\n", argv[1], argv[2]);
		return general_help(stderr, ACTL_USAGE);
	}
	actl_help(argv[1], argv[2]);
	return ACTL_OK;
}

/* Read the config; a missing or unreadable one is fine when -H and -b say everything. */
static int
load_config(struct actl *a)
{
	char err[1024];

	if (authd_conf_init(&a->conf) != 0) {
		fprintf(stderr, "authctl: out of memory\n");
		return ACTL_FAIL;
	}
	a->conf_inited = 1;
	if (access(a->conf_path, R_OK) != 0) {
		if (!a->explicit_conf && (errno == ENOENT || errno == EACCES) &&
		    a->uri_override != NULL && a->base_override != NULL)
			return ACTL_OK;
		fprintf(stderr, "authctl: cannot read %s: %s%s\n", a->conf_path,
		    strerror(errno), a->explicit_conf ? "" :
		    " (give -c CONF, or -H URI and -b BASE)");
		return ACTL_FAIL;
	}
	if (authd_conf_load(&a->conf, a->conf_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "authctl: %s\n", err);
		return ACTL_FAIL;
	}
	return ACTL_OK;
}

static int
set_dns(struct actl *a)
{
	const char *base = a->base_override != NULL ? a->base_override : a->conf.base_dn;

	if (base == NULL || *base == '\0') {
		fprintf(stderr, "authctl: no base DN: give -b BASE or set base_dn "
		    "in %s\n", a->conf_path);
		return ACTL_FAIL;
	}
	if ((a->base_dn = strdup(base)) == NULL)
		goto nomem;
	/* a -b of another tree makes the config's people_dn meaningless */
	if (a->base_override == NULL && a->conf.people_dn != NULL)
		a->people_dn = strdup(a->conf.people_dn);
	else if (asprintf(&a->people_dn, "ou=people,%s", base) < 0)
		a->people_dn = NULL;
	if (a->people_dn == NULL)
		goto nomem;
	return ACTL_OK;
 nomem:
	fprintf(stderr, "authctl: out of memory\n");
	return ACTL_FAIL;
}

int
actl_load_config(struct actl *a)
{
	return a->conf_inited ? ACTL_OK : load_config(a);
}

int
actl_open_directory(struct actl *a)
{
	int ret;

	if (a->ld != NULL)
		return ACTL_OK;
	if ((ret = load_config(a)) != ACTL_OK ||
	    (ret = set_dns(a)) != ACTL_OK)
		return ret;
	return actl_connect(a);
}

/*
 * Each command's parser answers --help where it is an option, before the
 * command opens the directory: "--reason -h" is a reason, not a question.
 */
static int
run_command(struct actl *a, const struct actl_cmd *c, int argc, char **argv)
{
	char prog[64];
	int ret;

	/* getopt names argv[0] in its messages: "authctl user add: option ..." */
	snprintf(prog, sizeof(prog), "authctl %s %s", c->group, c->name);
	argv[0] = prog;
	ret = c->run(a, argc, argv);
	return ret == ACTL_HELP_SHOWN ? ACTL_OK : ret;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct actl a;
	const struct actl_cmd *c;
	int ch, ret;

	memset(&a, 0, sizeof(a));
	a.conf_path = DEFAULT_CONF;
	while ((ch = getopt_long(argc, argv, "+c:H:D:y:b:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a.conf_path = optarg;
			a.explicit_conf = 1;
			break;
		case 'H':
			a.uri_override = optarg;
			break;
		case 'D':
			a.bind_dn = optarg;
			break;
		case 'y':
			a.password_file = optarg;
			break;
		case 'b':
			a.base_override = optarg;
			break;
		case 'h':
			return general_help(stdout, ACTL_OK);
		default:
			return general_help(stderr, ACTL_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return general_help(stderr, ACTL_USAGE);
	if (strcmp(argv[0], "help") == 0)
		return help_command(argc, argv);
	if ((a.bind_dn == NULL) != (a.password_file == NULL)) {
		fprintf(stderr, "authctl: -D and -y go together\n");
		return ACTL_USAGE;
	}
	if (find_command(argv[0], NULL) == NULL) {
		fprintf(stderr, "authctl: unknown command \"%s\" "
		    "(authctl help lists them)\n", argv[0]);
		return ACTL_USAGE;
	}
	if (argc < 2 || (c = find_command(argv[0], argv[1])) == NULL) {
		if (argc >= 2)
			fprintf(stderr, "authctl: unknown command \"%s %s\"\n",
			    argv[0], argv[1]);
		for (size_t i = 0; i < N_COMMANDS; i++)
			if (strcmp(commands[i].group, argv[0]) == 0)
				print_usage(stderr, &commands[i]);
		return ACTL_USAGE;
	}
	authd_log_open("authctl", 0, 0);   /* syslog: LOG_AUTHPRIV, never blocking */
	/* libldap reads no ldaprc or LDAP* variable: a file in the current
	 * folder or the caller's home would steer root's TLS checks */
	setenv("LDAPNOINIT", "1", 1);
	ret = run_command(&a, c, argc - 1, argv + 1);
	/* what was printed (a generated password, a CRL) must have gone out */
	if ((fflush(stdout) != 0 || ferror(stdout)) && ret == ACTL_OK) {
		fprintf(stderr, "authctl: cannot write the output: %s\n",
		    strerror(errno));
		ret = ACTL_FAIL;
	}
	ret = actl_record_status(&a, ret);
	actl_record_close(&a);
	actl_disconnect(&a);
	if (a.conf_inited)
		authd_conf_free(&a.conf);
	free(a.base_dn);
	free(a.people_dn);
	free(a.actor);
	closelog();
	return ret;
}
