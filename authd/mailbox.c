#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "mailbox.h"

static struct mailbox_item *
take_all(struct mailbox *mb)
{
	struct mailbox_item *items;

	pthread_mutex_lock(&mb->mu);
	items = mb->head;
	mb->head = NULL;
	mb->tail = &mb->head;
	pthread_mutex_unlock(&mb->mu);
	return items;
}

static void
on_posted(struct loop_source *src, uint32_t events)
{
	struct mailbox *mb = src->arg;
	struct mailbox_item *items;
	uint64_t count;

	(void)events;
	while (read(src->fd, &count, sizeof(count)) == sizeof(count))
		;
	if ((items = take_all(mb)) != NULL)
		mb->deliver(mb, items);
}

int
mailbox_init(struct mailbox *mb, struct loop *loop, const char *name,
    void (*deliver)(struct mailbox *, struct mailbox_item *), void *arg)
{
	memset(mb, 0, sizeof(*mb));
	mb->name = name;
	mb->deliver = deliver;
	mb->arg = arg;
	mb->tail = &mb->head;
	if ((mb->src.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return AUTHD_ERR_IO;
	pthread_mutex_init(&mb->mu, NULL);
	mb->src.on_event = on_posted;
	mb->src.arg = mb;
	if (loop_add(loop, &mb->src, EPOLLIN) != AUTHD_OK) {
		close(mb->src.fd);
		mb->src.fd = -1;
		pthread_mutex_destroy(&mb->mu);
		return AUTHD_ERR_IO;
	}
	return AUTHD_OK;
}

void
mailbox_post(struct mailbox *mb, struct mailbox_item *item)
{
	uint64_t one = 1;

	item->next = NULL;
	pthread_mutex_lock(&mb->mu);
	*mb->tail = item;
	mb->tail = &item->next;
	pthread_mutex_unlock(&mb->mu);
	/* A full counter only means a wakeup is already pending. */
	if (write(mb->src.fd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
		authd_log(LOG_ERR, "%s: eventfd: %s", mb->name, strerror(errno));
}

struct mailbox_item *
mailbox_fini(struct mailbox *mb, struct loop *loop)
{
	struct mailbox_item *items;

	if (mb->src.fd == -1)
		return NULL;
	if (loop != NULL)
		loop_del(loop, &mb->src);
	close(mb->src.fd);
	mb->src.fd = -1;
	items = take_all(mb);
	pthread_mutex_destroy(&mb->mu);
	return items;
}
