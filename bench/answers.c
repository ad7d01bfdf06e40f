#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "answers.h"

int
bench_conv(int n, const struct pam_message **msg, struct pam_response **resp_r,
    void *arg)
{
	struct bench_answers *ans = arg;
	struct pam_response *resp;
	int i;

	if ((resp = calloc((size_t)n, sizeof(*resp))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			resp[i].resp = strdup(ans->next < 2 ?
			    ans->a[ans->next++] : "");
	*resp_r = resp;
	return PAM_SUCCESS;
}
