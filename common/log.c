#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * One process-wide logger. The settings are written once at start-up but may
 * be read from several threads, so they sit behind a mutex; the mutex also
 * keeps lines written to stderr by different threads from interleaving.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_ident[64] = "authd";
static int log_to_stderr;
static int log_debug;

#define LOG_LINE_MAX 2048
#define SYSLOG_RECHECK_S 1

/*
 * Whether a syslog daemon listens on /dev/log, checked at most once a second
 * by whichever thread comes first (a stale answer for up to a second is
 * harmless). Without one, glibc's syslog() opens, connects and closes a
 * socket on every call, which cost a busy authd a fifth of its event loop;
 * the lines still go to stderr when asked for.
 */
int
authd_syslog_listening(void)
{
	static _Atomic long checked = -1;
	static _Atomic int present;
	struct timespec now;
	struct stat st;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (checked == -1 || now.tv_sec - checked >= SYSLOG_RECHECK_S) {
		present = stat(_PATH_LOG, &st) == 0 && S_ISSOCK(st.st_mode);
		checked = now.tv_sec;
	}
	return present;
}

void
authd_log_open(const char *ident, int to_stderr, int debug)
{
	pthread_mutex_lock(&log_lock);
	if (ident != NULL)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_to_stderr = to_stderr;
	log_debug = debug;
	/*
	 * Everything authd and authctl say concerns authentication and may
	 * name people: LOG_AUTHPRIV keeps it out of world-readable logs.
	 */
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	pthread_mutex_unlock(&log_lock);
}

static const char *
level_name(int pri)
{
	switch (LOG_PRI(pri)) {
	case LOG_EMERG: return "emerg";
	case LOG_ALERT: return "alert";
	case LOG_CRIT: return "crit";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/*
 * Messages carry names and hosts that come from clients; a control character
 * (a newline above all) could forge a second log line, so each becomes '?'.
 */
static void
neutralise_controls(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void
write_stderr(int pri, const char *msg)
{
	char stamp[32], line[LOG_LINE_MAX + 128];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld]: %s: %s\n", stamp,
	    ts.tv_nsec / 1000000, log_ident, (long)getpid(), level_name(pri), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write() per line so that lines of concurrent processes stay whole. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
authd_log(int priority, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	int saved_errno = errno;  /* callers often log and then test errno */
	va_list ap;

	pthread_mutex_lock(&log_lock);
	if (LOG_PRI(priority) == LOG_DEBUG && !log_debug)
		goto out;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	neutralise_controls(msg);
	if (authd_syslog_listening())
		syslog(priority, "%s", msg);
	if (log_to_stderr)
		write_stderr(priority, msg);
 out:
	pthread_mutex_unlock(&log_lock);
	errno = saved_errno;
}
