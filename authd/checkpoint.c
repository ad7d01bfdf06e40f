/* Checkpoints of the audit chain in the directory (checkpoint.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "audit.h"
#include "checkpoint.h"
#include "err.h"
#include "log.h"
#include "schema.h"
#include "server.h"
#include "worker.h"

/* The last checkpoint the directory has: of which chain, up to which seq. */
struct cp_mark {
	char chain[AUTHD_AUDIT_HASH_LEN + 1];
	unsigned long long seq;
};

struct checkpointer {
	struct server *srv;
	struct loop_timer timer;
	struct cp_mark last;
	int busy;                         /* a job is out */
};

struct cp_job {
	struct job_head head;
	struct checkpointer *cp;          /* NULL: the checkpointer is gone */
	struct server *srv;
	struct cp_mark last;              /* in: the last one; out: the one added */
};

static void arm(struct checkpointer *cp);

/*
 * Add the head of the chain, when it moved past *last (or the log was
 * rotated: another chain). *last becomes what was added; unchanged when
 * nothing was due or the add failed (logged).
 */
static void
add_checkpoint(struct server *srv, struct dir_conn *dc, struct cp_mark *last)
{
	const struct authd_conf *conf = srv->conf;
	struct authd_audit_checkpoint head;
	char *dn = NULL, cn[300], seq[24], when[32];
	char *oc[] = { AUTHD_OC_CHECKPOINT, NULL }, *cnv[] = { cn, NULL };
	char *hostv[] = { conf->host_name, NULL }, *chainv[] = { head.chain, NULL };
	char *seqv[] = { seq, NULL }, *hashv[] = { head.hash, NULL };
	char *timev[] = { when, NULL };
	LDAPMod m[7], *mods[8];
	size_t i;
	int r, rc = LDAP_SUCCESS;

	/* the file's synced end, authctl's records included */
	r = authd_audit_head(srv->audit, &head);
	if (r == AUTHD_ERR_MISSING || (r == AUTHD_OK && head.seq <= last->seq &&
	    strcmp(head.chain, last->chain) == 0))
		return;
	if (r == AUTHD_ERR_IO) {
		authd_log(LOG_WARNING, "audit checkpoint: the audit log could not "
		    "be synced to disk; no checkpoint");
		return;
	}
	if (r != AUTHD_OK) {
		authd_log(LOG_WARNING, "audit checkpoint: the audit log has no "
		    "complete first record (seq=1), or its end is not a record; "
		    "no checkpoint");
		return;
	}
	if (dir_format_gentime(time(NULL), when, sizeof(when)) != 0)
		return;
	snprintf(seq, sizeof(seq), "%llu", head.seq);
	snprintf(cn, sizeof(cn), "%s-%.16s-%llu", conf->host_name, head.chain,
	    head.seq);
	/* a name safe in a DN as it is (the host is in its own attribute) */
	for (i = 0; cn[i] != '\0'; i++)
		if (!isalnum((unsigned char)cn[i]) && cn[i] != '.' && cn[i] != '-')
			cn[i] = '_';
	if (asprintf(&dn, "cn=%s,%s,%s", cn, AUTHD_AUDIT_RDN, conf->base_dn) < 0)
		return;
	memset(m, 0, sizeof(m));
	m[0].mod_type = "objectClass";
	m[0].mod_values = oc;
	m[1].mod_type = "cn";
	m[1].mod_values = cnv;
	m[2].mod_type = AUTHD_AT_CP_HOST;
	m[2].mod_values = hostv;
	m[3].mod_type = AUTHD_AT_CP_CHAIN;
	m[3].mod_values = chainv;
	m[4].mod_type = AUTHD_AT_CP_SEQ;
	m[4].mod_values = seqv;
	m[5].mod_type = AUTHD_AT_CP_HASH;
	m[5].mod_values = hashv;
	m[6].mod_type = AUTHD_AT_CP_TIME;
	m[6].mod_values = timev;
	for (i = 0; i < 7; i++) {
		m[i].mod_op = LDAP_MOD_ADD;
		mods[i] = &m[i];
	}
	mods[7] = NULL;
	r = dir_service_add(dc, dn, (struct ldapmod **)mods, &rc);
	free(dn);
	if (r == DIR_OK || rc == LDAP_ALREADY_EXISTS) {
		authd_log(LOG_DEBUG, "audit checkpoint: seq %llu", head.seq);
		memcpy(last->chain, head.chain, sizeof(last->chain));
		last->seq = head.seq;
		return;
	}
	authd_log(LOG_WARNING, "audit checkpoint: seq %llu not added: %s%s",
	    head.seq, dir_conn_error(dc), rc == LDAP_NO_SUCH_OBJECT ?
	    " (create ou=audit under base_dn, ldap_schema/README.md)" : "");
}

static void
cp_run(struct job *job, struct dir_conn *dc)
{
	struct cp_job *j = (struct cp_job *)job;

	if (dc != NULL)
		add_checkpoint(j->srv, dc, &j->last);
}

static void
cp_done(struct job *job, int cancelled)
{
	struct cp_job *j = (struct cp_job *)job;
	struct checkpointer *cp = j->cp;

	if (cp != NULL) {
		cp->busy = 0;
		cp->last = j->last;
		if (!cancelled)
			arm(cp);
	}
	free(j);
}

static const struct job_ops ops_checkpoint = {
	.name = "audit_checkpoint",
	.needs_dir = 1,
	.run = cp_run,
	.done = cp_done,
};

static void
on_timer(struct loop_timer *t)
{
	struct checkpointer *cp = t->arg;
	struct cp_job *j;

	if (cp->busy || (j = calloc(1, sizeof(*j))) == NULL) {
		arm(cp);
		return;
	}
	j->head.ops = &ops_checkpoint;
	j->cp = cp;
	j->srv = cp->srv;
	j->last = cp->last;
	cp->busy = 1;
	worker_pool_submit(cp->srv->workers, &j->head);
}

static void
arm(struct checkpointer *cp)
{
	int s = cp->srv->conf->audit_checkpoint_interval;

	if (s > 0)
		(void)loop_timer_after(cp->srv->loop, &cp->timer,
		    (uint64_t)s * 1000);
}

int
checkpointer_new(struct server *srv, struct checkpointer **cp_r)
{
	struct checkpointer *cp;

	*cp_r = NULL;
	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		return AUTHD_ERR_NOMEM;
	cp->srv = srv;
	loop_timer_init(&cp->timer, on_timer, cp);
	arm(cp);
	*cp_r = cp;
	return AUTHD_OK;
}

void
checkpointer_free(struct checkpointer **cpp)
{
	struct checkpointer *cp = *cpp;
	struct dir_conn *dc;

	if (cp == NULL)
		return;
	loop_timer_cancel(cp->srv->loop, &cp->timer);
	if (cp->srv->conf->audit_checkpoint_interval > 0 && cp->srv->dir != NULL &&
	    (dc = dir_pool_get(cp->srv->dir)) != NULL) {
		add_checkpoint(cp->srv, dc, &cp->last);
		dir_pool_put(cp->srv->dir, dc);
	}
	free(cp);
	*cpp = NULL;
}
