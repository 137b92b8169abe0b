/*
 * main.c - clustcc-server: argv, config, MPI start-up, and the role split.
 * Rank 0 is the head (frontend + dispatcher + its own compile slots),
 * every other rank a worker. Launched as
 *   mpirun -n 1+N clustcc-server --config FILE
 * or in MPMD form (mpirun -n 1 clustcc-server ... : -n N clustcc-server ...).
 */
#define LOG_MODULE "main"
#include <errno.h>
#include <getopt.h>
#include <nng/nng.h>
#include <protobuf-c/protobuf-c.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "dispatch.h"
#include "exitcode.h"
#include "frontend.h"
#include "jobq.h"
#include "log.h"
#include "portfile.h"
#include "transport.h"
#include "worker.h"

/* SIGTERM/SIGINT received so far: 1 = drain, 2 = stop now (dispatch.h). */
static volatile sig_atomic_t stop_requested;
static struct jobq *signal_q;

static void
on_stop_signal(int sig)
{
	(void)sig;
	if (stop_requested < 2)
		stop_requested++;
	if (signal_q)
		jobq_wake(signal_q);
}

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: clustcc-server --config FILE\n"
	        "\n"
	        "The clustcc compile server, an MPI program: rank 0 (the head) accepts\n"
	        "compile requests from clustcc-gcc and runs them on the worker ranks.\n"
	        "\n"
	        "  -c, --config FILE   run configuration (JSON; see docs/config.md)\n"
	        "  -h, --help          show this help\n"
	        "  -V, --version       show versions of clustcc and its libraries\n"
	        "\n"
	        "examples:\n"
	        "  clustcc-ctl config new clustcc.json\n"
	        "  mpirun -n 3 clustcc-server --config clustcc.json        # head + 2 workers\n"
	        "  mpirun -n 1 clustcc-server -c c.json : -n 8 clustcc-server -c c.json\n"
	        "  srun --mpi=pmix -n 9 clustcc-server --config clustcc.json\n"
	        "\n"
	        "The head writes the port file named in the config; stop it with\n"
	        "'clustcc-ctl drain' or SIGTERM/SIGINT to the head (in-flight compiles\n"
	        "finish); a second SIGTERM/SIGINT stops at once (clients compile locally).\n");
}

static void
version(void)
{
	char mpi[256];

	/* MPI_Get_library_version may be called before MPI_Init. */
	transport_library_version(mpi, sizeof(mpi));
	printf("clustcc-server %s (nng %s, protobuf-c %s, %s)\n",
	       CLUSTCC_VERSION, nng_version(), protobuf_c_version(), mpi);
}

/* Returns the config path, or exits for --help, --version and errors. */
static const char *
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			version();
			exit(EXIT_OK);
		default:
			fprintf(stderr, "try 'clustcc-server --help'\n");
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr,
		        "clustcc-server: unexpected argument '%s'\ntry 'clustcc-server --help'\n",
		        argv[optind]);
		exit(EXIT_USAGE);
	}
	if (!config) {
		fprintf(stderr,
		        "clustcc-server: --config FILE is required\ntry 'clustcc-server --help'\n");
		exit(EXIT_USAGE);
	}
	return config;
}

static void
setup_logging(const struct cfg *cfg, int rank)
{
	char role[16];
	struct cc_err err;

	snprintf(role, sizeof(role), "%c%d", rank == 0 ? 'H' : 'W', rank);
	log_init("clustcc-server", role, cfg->logging_level);
	if (!cfg->logging_prefix || !cfg->logging_prefix[0])
		return;
	/* A log problem must not stop compiles: say so and use stderr. */
	if (log_open_rank_file(cfg->logging_prefix, rank, &err) != CC_OK)
		fprintf(stderr,
		        "clustcc-server: rank %d: key 'logging_prefix': %s; logging to stderr\n",
		        rank, err.msg);
}

static void
install_signals(struct jobq *q)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	signal_q = q;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
run_head(struct transport *t, const struct cfg *cfg)
{
	struct portfile pf = {0};
	struct frontend *fe = NULL;
	struct jobq *q = NULL;
	struct dispatch_ctx ctx = {0};
	char url[PORTFILE_ENDPOINT_MAX];
	struct cc_err err;
	int rc = EXIT_LISTEN;

	q = jobq_new(&err);
	if (!q)
		goto out_log;
	install_signals(q);
	/* The token must exist before the first request can arrive. */
	if (portfile_new_token(pf.token, &err) != CC_OK)
		goto out_log;
	if (frontend_start(cfg, q, pf.token, cfg->max_queued_jobs, &fe, url,
	                   sizeof(url), &err) != CC_OK)
		goto out_log;
	snprintf(pf.endpoint, sizeof(pf.endpoint), "%s", url);
	/* With TLS, clients trust this certificate and no other. */
	snprintf(pf.tls_ca_file, sizeof(pf.tls_ca_file), "%s",
	         cfg->tls_cert_file);
	pf.pid = (int64_t)getpid();
	if (portfile_publish(cfg->port_file, &pf, &err) != CC_OK)
		goto out_log;
	log_warn("listening on %s (port file '%s'), %d worker ranks", url,
	         cfg->port_file, transport_size(t) - 1);
	ctx = (struct dispatch_ctx){cfg, t, q, fe, &stop_requested};
	rc = dispatch_run(&ctx);
	if (portfile_remove(cfg->port_file, pf.token, &err) != CC_OK)
		log_error("%s", err.msg);
	frontend_flush(fe, 2000);
	goto out;
out_log:
	log_error("%s", err.msg);
	fprintf(stderr, "clustcc-server: %s\n", err.msg);
out:
	frontend_free(fe);
	signal_q = NULL;
	jobq_free(q);
	return rc;
}

static void
ignore_stop_signals(void)
{
	/* Workers stop when the head says so, after its drain. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char **argv)
{
	const char *config = parse_args(argc, argv);
	struct transport *t = NULL;
	struct cfg *cfg = NULL;
	struct cc_err err;
	int rc;

	if (cfg_load_file(config, &cfg, &err) != CC_OK) {
		fprintf(stderr, "clustcc-server: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	if (transport_init(&argc, &argv, &t, &err) != CC_OK) {
		fprintf(stderr, "clustcc-server: %s\n", err.msg);
		cfg_free(cfg);
		return EXIT_MPI;
	}
	setup_logging(cfg, transport_rank(t));
	if (transport_rank(t) == 0) {
		rc = run_head(t, cfg);
		if (rc != EXIT_OK && transport_size(t) > 1) {
			cfg_free(cfg);
			transport_abort(t, rc);
		}
	} else {
		ignore_stop_signals();
		rc = worker_run(t, cfg);
	}
	transport_finalize(t, 5000);
	cfg_free(cfg);
	return rc;
}
