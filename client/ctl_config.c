/*
 * ctl_config.c - `clustcc-ctl config new PATH`, `config keys`, and the
 * dispatch of `config scripts` (ctl_scripts.c).
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "exitcode.h"

int
ctl_config(int argc, char **argv)
{
	struct cc_err err;

	if (argc == 1 && strcmp(argv[0], "keys") == 0) {
		cfg_print_keys(stdout);
		return EXIT_OK;
	}
	if (argc >= 1 && strcmp(argv[0], "scripts") == 0)
		return ctl_config_scripts(argc - 1, argv + 1);
	if (argc != 2 || strcmp(argv[0], "new") != 0) {
		fprintf(stderr,
		        "clustcc-ctl: usage: clustcc-ctl config new PATH | config keys | config scripts CONFIG [--out DIR]\ntry 'clustcc-ctl --help'\n");
		return EXIT_USAGE;
	}
	if (cfg_write_skeleton(argv[1], &err) != CC_OK) {
		fprintf(stderr, "clustcc-ctl: %s\n", err.msg);
		return err.code == CC_EEXIST ? EXIT_USAGE
		                             : EXIT_FAILURE_GENERIC;
	}
	fprintf(stderr,
	        "clustcc-ctl: wrote '%s'; set port_file and num_workers, then start: mpirun -n <1+num_workers> clustcc-server --config %s\nclustcc-ctl: or write launch scripts for Slurm, Flux and mpirun: clustcc-ctl config scripts %s\n",
	        argv[1], argv[1], argv[1]);
	return EXIT_OK;
}
