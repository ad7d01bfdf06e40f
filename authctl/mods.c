#include "config.h"

#include <string.h>

#include "mods.h"

void
actl_mods_init(struct actl_mods *m)
{
	memset(m, 0, sizeof(*m));
}

int
actl_mods_add(struct actl_mods *m, int op, const char *attr,
    const char *const *values, size_t nvalues)
{
	size_t i;

	if (m->n >= ACTL_MODS_MAX || nvalues > ACTL_MODS_VALUES)
		return -1;
	for (i = 0; i < nvalues; i++)
		m->values[m->n][i] = (char *)values[i];
	m->values[m->n][nvalues] = NULL;
	m->mod[m->n].mod_op = op;
	m->mod[m->n].mod_type = (char *)attr;
	m->mod[m->n].mod_values = m->values[m->n];
	m->list[m->n] = &m->mod[m->n];
	m->n++;
	m->list[m->n] = NULL;
	return 0;
}

int
actl_mods_add1(struct actl_mods *m, int op, const char *attr, const char *value)
{
	if (value == NULL)
		return 0;
	return actl_mods_add(m, op, attr, &value, 1);
}
