/* Argument parsing shared by the commands that act on one person. */
#ifndef AUTHCTL_OPTS_H
#define AUTHCTL_OPTS_H

/*
 * "authctl user CMD UID [--OPTNAME VALUE]": exactly one valid UID and at most
 * the one option named (optname NULL: none). ACTL_OK, or the exit code of a
 * usage error or --help (printed).
 */
int actl_parse_uid_opt(int argc, char **argv, const char *cmd,
    const char *optname, const char **uid_r, const char **optval_r);

/*
 * "authctl GROUP CMD ARG...": a command with no option but --help, and
 * exactly nargs arguments, at (*args_r)[0..nargs-1]. ACTL_OK, or
 * ACTL_HELP_SHOWN or a usage error (printed).
 */
int actl_parse_args(int argc, char **argv, const char *group, const char *cmd,
    int nargs, char ***args_r);

#endif
