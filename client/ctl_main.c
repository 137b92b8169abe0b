/*
 * ctl_main.c - clustcc-ctl: watch and stop a clustcc-server, and write
 * configs. Data goes to stdout (status --json is pipeable), chatter and
 * errors to stderr.
 */
#include <getopt.h>
#include <nng/nng.h>
#include <protobuf-c/protobuf-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "exitcode.h"
#include "rpc.h"

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: clustcc-ctl [OPTIONS] status [--json] [--watch [SECONDS]]\n"
	        "       clustcc-ctl [OPTIONS] drain [--no-wait] [--timeout SECONDS]\n"
	        "       clustcc-ctl config new PATH\n"
	        "       clustcc-ctl config keys\n"
	        "       clustcc-ctl config scripts CONFIG [--out DIR]\n"
	        "       clustcc-ctl run [-n WORKERS] [--config FILE] -- COMMAND...\n"
	        "\n"
	        "  status        per-rank slots, busy, done, failed; queue; jobs/s;\n"
	        "                bytes in/out; running jobs (docs/status.md)\n"
	        "  drain         stop accepting compiles (clients compile locally),\n"
	        "                finish in-flight jobs, stop all ranks; waits until done\n"
	        "                (at most --timeout seconds if given, else 600)\n"
	        "  config new    write a complete skeleton config (never overwrites)\n"
	        "  config keys   describe every config key\n"
	        "  config scripts  write the Slurm, Flux and mpirun launch scripts\n"
	        "                for CONFIG next to it or in DIR (docs/launch.md)\n"
	        "  run           start a local server (mpirun: 1 head + WORKERS workers,\n"
	        "                default one per core; -n 0: the head compiles alone),\n"
	        "                run COMMAND with CC/CXX set to clustcc-gcc, print a\n"
	        "                summary, drain; exit with COMMAND's status. With\n"
	        "                --config the file's server settings apply and -n\n"
	        "                overrides num_workers. No mpirun or no server: a\n"
	        "                warning, and COMMAND still runs (compiles locally)\n"
	        "\n"
	        "options:\n"
	        "  -c, --config FILE     find the server through this config's port_file\n"
	        "  -p, --port-file FILE  find the server through this port file\n"
	        "                        (default: $CLUSTCC_PORT_FILE)\n"
	        "  -t, --timeout SECONDS how long to wait for answers (default 30)\n"
	        "  -j, --json            machine-readable output (status)\n"
	        "  -w, --watch [SECONDS] status: refresh every SECONDS (default 2)\n"
	        "                        until Ctrl-C\n"
	        "  -h, --help            show this help\n"
	        "  -V, --version         show versions\n"
	        "\n"
	        "examples:\n"
	        "  clustcc-ctl config new clustcc.json\n"
	        "  clustcc-ctl config scripts clustcc.json && sbatch clustcc.sbatch\n"
	        "  clustcc-ctl --config clustcc.json status\n"
	        "  CLUSTCC_PORT_FILE=$PWD/clustcc.port clustcc-ctl status --json\n"
	        "  clustcc-ctl --config clustcc.json drain --timeout 60\n"
	        "  clustcc-ctl run -- make -j8\n"
	        "  clustcc-ctl run -n 4 -- sh -c 'cmake -S . -B b && cmake --build b -j8'\n"
	        "  clustcc-ctl --config clustcc.json status --watch 5\n");
}

static int bad_usage(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

static int
bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "clustcc-ctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'clustcc-ctl --help'\n");
	return EXIT_USAGE;
}

/* A bad option value; the caller adds the "try --help" line. */
static int bad_option(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

static int
bad_option(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "clustcc-ctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

/*
 * --watch takes an optional SECONDS: as "--watch=5", "-w5" or, when the
 * next word is a number, "--watch 5" (getopt only knows the first two).
 */
static int
parse_watch(int argc, char **argv, struct ctl_opts *o)
{
	const char *arg = optarg;
	char *end;
	double s;

	if (!arg && optind < argc && argv[optind][0] >= '0' &&
	    argv[optind][0] <= '9')
		arg = argv[optind++];
	if (!arg) {
		o->watch_ms = 2000;
		return EXIT_OK;
	}
	s = strtod(arg, &end);
	if (*end || !(s >= 0.1 && s <= 86400))
		return bad_option(
		        "--watch: expected a number of seconds from 0.1 to 86400, got '%s'",
		        arg);
	o->watch_ms = (int64_t)(s * 1000.0);
	return EXIT_OK;
}

static int
parse_options(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option opts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"port-file", required_argument, NULL, 'p'},
	        {"timeout", required_argument, NULL, 't'},
	        {"json", no_argument, NULL, 'j'},
	        {"watch", optional_argument, NULL, 'w'},
	        {"no-wait", no_argument, NULL, 'n'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "+c:p:t:jw::nhV", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->port_file = optarg;
			break;
		case 't':
			o->timeout_ms = strtol(optarg, &end, 10) * 1000;
			if (*end || o->timeout_ms <= 0)
				return bad_option(
				        "--timeout: expected a positive number of seconds, got '%s'",
				        optarg);
			o->timeout_given = true;
			break;
		case 'w':
			if (parse_watch(argc, argv, o) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'j':
			o->json = true;
			break;
		case 'n':
			o->wait = false;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("clustcc-ctl %s (nng %s, protobuf-c %s)\n",
			       CLUSTCC_VERSION, nng_version(),
			       protobuf_c_version());
			exit(EXIT_OK);
		default:
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = {.wait = true, .timeout_ms = 30000};
	const char *cmd;
	int rc;

	rc = parse_options(argc, argv, &o);
	if (rc != EXIT_OK) {
		fprintf(stderr, "try 'clustcc-ctl --help'\n");
		return rc;
	}
	if (optind >= argc)
		return bad_usage(
		        "%s", "missing command (status, drain, config or run)");
	cmd = argv[optind++];
	if (strcmp(cmd, "config") == 0)
		return ctl_config(argc - optind, argv + optind);
	/* run's own options end at COMMAND, which keeps all of its own. */
	if (strcmp(cmd, "run") == 0 && optind < argc &&
	    (strcmp(argv[optind], "-h") == 0 ||
	     strcmp(argv[optind], "--help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "run") == 0)
		return ctl_run(argc - optind + 1, argv + optind - 1, &o);
	/* Options may also follow the command: clustcc-ctl status --json. */
	rc = parse_options(argc, argv, &o);
	if (rc != EXIT_OK) {
		fprintf(stderr, "try 'clustcc-ctl --help'\n");
		return rc;
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (strcmp(cmd, "status") == 0)
		return ctl_status(&o);
	if (strcmp(cmd, "drain") == 0)
		return ctl_drain(&o);
	return bad_usage(
	        "unknown command '%s' (expected status, drain, config or run)",
	        cmd);
}

int
ctl_find_server(const struct ctl_opts *o, struct portfile *pf, char *path,
                size_t size)
{
	struct cfg *cfg = NULL;
	struct cc_err err;
	int rc;

	if (o->port_file) {
		snprintf(path, size, "%s", o->port_file);
	} else if (o->config) {
		if (cfg_load_file(o->config, &cfg, &err) != CC_OK) {
			fprintf(stderr, "clustcc-ctl: %s\n", err.msg);
			return EXIT_CONFIG;
		}
		snprintf(path, size, "%s", cfg->port_file);
		cfg_free(cfg);
	} else if (getenv("CLUSTCC_PORT_FILE")) {
		snprintf(path, size, "%s", getenv("CLUSTCC_PORT_FILE"));
	} else {
		fprintf(stderr,
		        "clustcc-ctl: no server given: use --config FILE, --port-file FILE or set CLUSTCC_PORT_FILE\n");
		return EXIT_USAGE;
	}
	rc = portfile_read(path, pf, &err);
	if (rc != CC_OK) {
		fprintf(stderr, "clustcc-ctl: no server: %s\n", err.msg);
		return EXIT_NO_SERVER;
	}
	return EXIT_OK;
}

int
ctl_call(const struct ctl_opts *o, Clustcc__Request *req,
         Clustcc__Response__BodyCase want, const char *what,
         struct ctl_call *call)
{
	struct cc_err err;
	int rc = ctl_find_server(o, &call->pf, call->path, sizeof(call->path));

	call->resp = NULL;
	if (rc != EXIT_OK)
		return rc;
	if (rpc_call(&call->pf, req, o->timeout_ms, 64u << 20, &call->resp,
	             &err) != CC_OK) {
		fprintf(stderr, "clustcc-ctl: server in '%s': %s\n", call->path,
		        err.msg);
		return EXIT_NO_SERVER;
	}
	if (call->resp->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE ||
	    call->resp->body_case != want) {
		fprintf(stderr, "clustcc-ctl: %s refused (%s): %s\n", what,
		        codec_refusal_name(call->resp->refusal),
		        call->resp->message);
		codec_free(call->resp);
		call->resp = NULL;
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}
