/* Logging for long-running programs: to syslog, and to stderr when asked. */
#ifndef AUTHD_LOG_H
#define AUTHD_LOG_H

#include <syslog.h>

/* ident: program name; to_stderr: also print (foreground/debug); debug: keep LOG_DEBUG. */
void authd_log_open(const char *ident, int to_stderr, int debug);
/*
 * Whether a syslog daemon listens (checked at most once a second). Without
 * one, each syslog() call opens, connects and closes a socket in vain.
 */
int authd_syslog_listening(void);
/*
 * One line to syslog (facility LOG_AUTHPRIV unless priority names one),
 * never blocking: when the daemon does not read, the line is dropped and
 * the next one that goes out says how many were. Thread-safe.
 */
void authd_syslog(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Tests: send to this socket instead of /dev/log. */
void authd_syslog_set_path(const char *path);
void authd_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
