#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "authctl.h"
#include "opts.h"
#include "value.h"

int
actl_parse_uid_opt(int argc, char **argv, const char *cmd,
    const char *optname, const char **uid_r, const char **optval_r)
{
	struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ optname, required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	if (optname == NULL)
		longopts[1].name = NULL;    /* ends the table there */
	*uid_r = NULL;
	if (optval_r != NULL)
		*optval_r = NULL;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'o' && optval_r != NULL)
			*optval_r = optarg;
		else if (c == 'h')
			return actl_help("user", cmd);
		else
			return actl_usage("user", cmd);
	}
	if (argc - optind != 1)
		return actl_usage("user", cmd);
	if (!actl_valid_uid(argv[optind])) {
		fprintf(stderr, "authctl: \"%s\" is not a valid user name "
		    "(^[a-z_][a-z0-9_.-]{0,31}$)\n", argv[optind]);
		return ACTL_USAGE;
	}
	*uid_r = argv[optind];
	return ACTL_OK;
}

int
actl_parse_args(int argc, char **argv, const char *group, const char *cmd,
    int nargs, char ***args_r)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*args_r = NULL;
	optind = 0;
	if ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		return c == 'h' ? actl_help(group, cmd) : actl_usage(group, cmd);
	if (argc - optind != nargs)
		return actl_usage(group, cmd);
	*args_r = argv + optind;
	return ACTL_OK;
}
