/* A PAM conversation for the benchmarks that answer two prompts in turn. */
#ifndef AUTHD_BENCH_ANSWERS_H
#define AUTHD_BENCH_ANSWERS_H

#include <security/pam_appl.h>

/* The prompts get a[0], then a[1], then "". */
struct bench_answers {
	const char *a[2];
	int next;
};

/* pam_conv.conv, with a struct bench_answers as appdata_ptr. */
int bench_conv(int n, const struct pam_message **msg,
    struct pam_response **resp_r, void *arg);

#endif
