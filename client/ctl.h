/*
 * ctl.h - the subcommands of clustcc-ctl, one file each (ctl_*.c);
 * ctl_main.c parses the command line and calls them. Each returns an exit
 * code from exitcode.h.
 */
#ifndef CLUSTCC_CLIENT_CTL_H
#define CLUSTCC_CLIENT_CTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "portfile.h"

struct ctl_opts {
	const char *config;    /* --config FILE */
	const char *port_file; /* --port-file FILE */
	bool json;             /* --json */
	bool wait;             /* drain: wait until the server is gone */
	int64_t timeout_ms;    /* --timeout SECONDS */
	bool timeout_given;    /* --timeout was on the command line */
	int64_t watch_ms;      /* status --watch [SECONDS]; 0 = once */
};

/* Find the head from --port-file, --config or $CLUSTCC_PORT_FILE. */
int ctl_find_server(const struct ctl_opts *o, struct portfile *pf, char *path,
                    size_t size);

/* A server found by ctl_find_server() and its answer to one request. */
struct ctl_call {
	struct portfile pf;
	char path[PATH_MAX];     /* the port file */
	Clustcc__Response *resp; /* free with codec_free() */
};

/*
 * Send req to the server, expecting a reply body of kind want; what names
 * the request in messages ("status"). Returns EXIT_OK with call->resp
 * set, or an exit code after printing why.
 */
int ctl_call(const struct ctl_opts *o, Clustcc__Request *req,
             Clustcc__Response__BodyCase want, const char *what,
             struct ctl_call *call);

/* Ask for the server's status; as ctl_call(). */
int ctl_fetch_status(const struct ctl_opts *o, struct ctl_call *call);

int ctl_status(const struct ctl_opts *o);
int ctl_drain(const struct ctl_opts *o);
int ctl_config(int argc, char **argv);
/* `config scripts CONFIG [--out DIR]` (ctl_scripts.c); argv after "scripts". */
int ctl_config_scripts(int argc, char **argv);

/*
 * clustcc-ctl run: argv[0] is "run", then run's options and COMMAND. o
 * gives a --config that came before "run". Returns COMMAND's exit code.
 */
int ctl_run(int argc, char **argv, const struct ctl_opts *o);

#endif
