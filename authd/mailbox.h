/*
 * A mailbox: how a thread that is not the loop's (a sync search, a worker)
 * hands items to the event loop. post() may be called from any thread; the
 * loop then calls the owner's deliver() with every item posted so far, in
 * order, and the owner frees them.
 */
#ifndef AUTHD_MAILBOX_H
#define AUTHD_MAILBOX_H

#include <pthread.h>

#include "loop.h"

/* The first member of every item. */
struct mailbox_item {
	struct mailbox_item *next;
};

struct mailbox {
	struct loop_source src;     /* eventfd: "something was posted" */
	pthread_mutex_t mu;
	struct mailbox_item *head, **tail;
	void (*deliver)(struct mailbox *mb, struct mailbox_item *items);
	void *arg;                  /* the owner's */
	const char *name;           /* for logs */
};

int mailbox_init(struct mailbox *mb, struct loop *loop, const char *name,
    void (*deliver)(struct mailbox *, struct mailbox_item *), void *arg);
void mailbox_post(struct mailbox *mb, struct mailbox_item *item);
/* Stop delivering (loop: NULL when it is already gone); returns the items
 * never delivered, which the owner frees. */
struct mailbox_item *mailbox_fini(struct mailbox *mb, struct loop *loop);

#endif
