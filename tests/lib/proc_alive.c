#include "config.h"

#include <stdio.h>
#include <string.h>

#include "proc_alive.h"

int
proc_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	/* the state follows the command name's closing parenthesis */
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		r = p[1] == ' ' && p[2] != 'Z';
	fclose(f);
	return r;
}
