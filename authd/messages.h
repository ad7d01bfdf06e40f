/*
 * Every sentence authd shows to a person, in one place. Authentication
 * failures show nothing: the login program says "Login incorrect" for a
 * wrong password and an unknown user alike.
 */
#ifndef AUTHD_MESSAGES_H
#define AUTHD_MESSAGES_H

#include <stddef.h>
#include <time.h>

#define MSG_PROMPT_PASSWORD   "Password: "
#define MSG_PROMPT_OLD        "Current password: "
#define MSG_PROMPT_NEW        "New password: "
#define MSG_PROMPT_RETYPE     "Retype new password: "

#define MSG_LOCKED \
	"Your account is locked after too many failed attempts. Contact your administrator."
#define MSG_NO_LOCKOUT \
	"Your account has no password in the directory yet, so failed attempts cannot be counted. Contact your administrator."
#define MSG_PW_EXPIRED \
	"Your password has expired. Contact your administrator."
#define MSG_UNAVAILABLE \
	"The directory is unreachable; try again later."
#define MSG_FACTOR_UNAVAILABLE \
	"This system cannot check your second factor now; contact your administrator."
#define MSG_SUSPENDED \
	"Your account is suspended. Contact your administrator."
#define MSG_DISABLED          "Your account is disabled."
#define MSG_SERVICE_ACCOUNT   "Service accounts cannot log in interactively."
/* privileged accounts (privileged.h, grant.h) */
#define MSG_DEFAULT_NAME      "This account name is a default name and cannot log in."
#define MSG_PRIV_NO_GRANT     "This privileged account has no approved grant covering this host now."
#define MSG_PRIV_EMERGENCY    "Emergency use: this grant is not yet approved and is being reported."
#define MSG_MUST_CHANGE \
	"You must change your password now (an administrator reset it)."
#define MSG_MUST_CHANGE_GRACE \
	"Your password has expired; you must change it now."
#define MSG_MISMATCH          "The passwords do not match."
#define MSG_CHANGED           "Password changed."
#define MSG_NOT_CHANGED       "The password was not changed."
#define MSG_ASK_ADMIN_NEW     "Ask an administrator to set a new one."
#define MSG_NO_GRACE_TO_CHANGE \
	"Your password has expired and no grace login is left to change it. " \
	MSG_ASK_ADMIN_NEW
#define MSG_FIRST_LOGIN       "This is your first login."
#define MSG_NO_USABLE_FACTOR \
	"No usable second factor on this terminal. Log in where your device is attached."
#define MSG_POLICY_INVALID \
	"The login policy for this service cannot be read. Contact your administrator."

/* "Thu Nov 26 14:00:01 2026" in local time. */
void msg_time(char *out, size_t outsz, time_t t);
void msg_last_login(char *out, size_t outsz, time_t t, const char *host,
    const char *service);
void msg_last_logout(char *out, size_t outsz, time_t t);
void msg_failures(char *out, size_t outsz, unsigned failures);
void msg_expires_in(char *out, size_t outsz, long seconds);
void msg_grace(char *out, size_t outsz, int grace_left, int can_change);
void msg_not_yet_valid(char *out, size_t outsz, time_t from);
void msg_no_longer_valid(char *out, size_t outsz, time_t until);
/* What the policy needs that the person has not enrolled (FACTOR_* bits):
 * "This service needs a second factor (possession or biometric); none is
 * enrolled for you. Contact your administrator." */
void msg_policy_unmet(char *out, size_t outsz, unsigned missing);

#endif
