/*
 * loadgen.c - load test client for a running clustcc-server (issue 5,
 * part 6). bench/load.sh and tests/integration/load.sh drive it.
 *
 * C client threads each send K compile requests through rpc_call(), the
 * call clustcc-gcc makes: every call opens its own nng REQ socket and
 * connection, so the server sees C independent clients exactly as it sees
 * `make -jC` running clustcc-gcc, minus the fork/exec of C wrapper
 * processes, which on a 2-core machine would compete with the compilers
 * the load is meant to measure. The sources are a few distinct tiny C
 * files written here, preprocessed once with the wrapper's own code
 * (argv_classify + preprocess_run: `gcc -E -fdirectives-only`) and sent
 * in shipped form; the server's exact_mode decides how it compiles them
 * (the result says which, and the figures count it).
 *
 * Every reply is checked: a CompileResult with exit code 0 and one object
 * byte-identical to the object gcc produced here from the same source, or
 * a typed refusal. Outcomes are counted; latency is measured per request.
 * Exit 0 only if nothing was wrong or lost (see usage()).
 *
 * Threads: main (setup, progress, report) and the client threads, which
 * share only the immutable sources and atomic counters.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <errno.h>
#include <limits.h>
#include <nng/nng.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "child.h"
#include "codec.h"
#include "compiler.h"
#include "fileio.h"
#include "monotime.h"
#include "portfile.h"
#include "preprocess.h"
#include "rpc.h"

#define MAX_SOURCES   64
#define MAX_PIDS      16
#define MAX_BYTES     ((size_t)16 << 20)
#define REFUSAL_KINDS 16

/* One distinct source, prepared once; read-only while clients run. */
struct source {
	char path[PATH_MAX];
	char obj[PATH_MAX];
	char *args[6]; /* -O2 -c PATH -o OBJ NULL */
	struct compile_plan plan;
	struct preprocessed pp;
	char *ref; /* the object gcc made here */
	size_t ref_len;
};

struct opts {
	const char *port_file;
	const char *dir; /* absolute: the requests' cwd */
	char dir_buf[PATH_MAX];
	const char *compiler;
	int clients;
	int per_client;
	int n_sources;
	int64_t timeout_ms;
	bool drain; /* a drain is expected during the run */
	int n_pids;
	long pids[MAX_PIDS];
	long max_head_growth_kib; /* 0: not checked */
};

/*
 * Outcome counters. A "gone" transport error is a connection that could
 * not be made (the server has exited: the wrapper compiles locally); a
 * "dropped" one is a request that was sent and whose connection closed
 * before any answer: an accepted job may have been lost. A port file
 * that is gone counts as "gone" too: the wrapper reads it per compile.
 */
struct counts {
	_Atomic uint64_t sent, ok, exact, wrong, bad_reply, gone, dropped, lost,
	        other_err;
	_Atomic uint64_t refused[REFUSAL_KINDS];
};

struct client {
	pthread_t tid;
	int index;
	const struct opts *o;
	const struct compiler *cc;
	struct source *src;
	struct counts *n;
	int64_t *lat_us; /* latency of each answered request */
	size_t n_lat;
	char first_error[256];
};

static void
usage(void)
{
	fprintf(stderr,
	        "usage: loadgen --port-file FILE --dir DIR [--clients C] [--per-client K]\n"
	        "               [--sources N] [--timeout-ms MS] [--compiler gcc] [--drain]\n"
	        "               [--pid PID]... [--max-head-growth-kib KIB]\n"
	        "Runs C client threads x K compiles of N tiny sources (written into DIR)\n"
	        "against the server of FILE and checks every reply against a local\n"
	        "compile. --pid: server ranks whose RSS to report (head first).\n"
	        "--drain: a drain happens during the run; draining refusals and\n"
	        "connections refused once the server is gone are expected.\n"
	        "--max-head-growth-kib: fail if the first --pid's RSS grew more.\n"
	        "Exits 1 if any reply was wrong or any request lost, 2 on bad usage.\n");
	exit(2);
}

static long
int_arg(const char *name, const char *v, long lo, long hi)
{
	char *end = NULL;
	long x;

	errno = 0;
	x = v ? strtol(v, &end, 10) : 0;
	if (!v || errno || *end || x < lo || x > hi) {
		fprintf(stderr,
		        "loadgen: argument '%s': expected an integer from %ld to %ld, got '%s'\n",
		        name, lo, hi, v ? v : "");
		exit(2);
	}
	return x;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.clients = 64,
	                   .per_client = 1000,
	                   .n_sources = 8,
	                   .timeout_ms = 120000,
	                   .compiler = "gcc"};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--drain") == 0) {
			o->drain = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--port-file") == 0)
			o->port_file = v;
		else if (strcmp(a, "--dir") == 0)
			o->dir = v;
		else if (strcmp(a, "--compiler") == 0)
			o->compiler = v;
		else if (strcmp(a, "--clients") == 0)
			o->clients = (int)int_arg(a, v, 1, 4096);
		else if (strcmp(a, "--per-client") == 0)
			o->per_client = (int)int_arg(a, v, 1, 10000000);
		else if (strcmp(a, "--sources") == 0)
			o->n_sources = (int)int_arg(a, v, 1, MAX_SOURCES);
		else if (strcmp(a, "--timeout-ms") == 0)
			o->timeout_ms = int_arg(a, v, 1, 86400000);
		else if (strcmp(a, "--max-head-growth-kib") == 0)
			o->max_head_growth_kib = int_arg(a, v, 1, LONG_MAX);
		else if (strcmp(a, "--pid") == 0 && o->n_pids < MAX_PIDS)
			o->pids[o->n_pids++] = int_arg(a, v, 1, INT_MAX);
		else
			usage();
	}
	if (!o->port_file || !o->dir)
		usage();
	if (!realpath(o->dir, o->dir_buf)) {
		fprintf(stderr, "loadgen: argument '--dir': '%s': %s\n", o->dir,
		        strerror(errno));
		exit(2);
	}
	o->dir = o->dir_buf;
}

/* ---- sources and references --------------------------------------------- */

static int
write_source(struct source *s, const char *dir, int i)
{
	FILE *f;

	snprintf(s->path, sizeof(s->path), "%s/src%d.c", dir, i);
	snprintf(s->obj, sizeof(s->obj), "%s/src%d.o", dir, i);
	f = fopen(s->path, "w");
	if (!f) {
		fprintf(stderr, "loadgen: cannot write '%s': %s\n", s->path,
		        strerror(errno));
		return -1;
	}
	/* Distinct code per source, so a mixed-up reply cannot match. */
	fprintf(f,
	        "#define K %d\n"
	        "static int t[] = {K, K + 1, K * 3};\n"
	        "int load_f%d(int x)\n{\n\treturn x * K + t[x %% 3];\n}\n",
	        i + 1, i);
	return fclose(f) == 0 ? 0 : -1;
}

/* Compile s here, as gcc would for the client, and keep the object. */
static int
make_reference(struct source *s, const struct compiler *cc)
{
	const char *av[] = {cc->path, "-O2", "-c", s->path, "-o", s->obj, NULL};
	struct child_opts co = {.argv = av, .stdin_path = "/dev/null"};
	struct cc_err err;
	int code = -1;

	if (child_run(&co, 60000, &code, &err) != CC_OK || code != 0) {
		fprintf(stderr, "loadgen: reference compile of '%s' failed\n",
		        s->path);
		return -1;
	}
	if (fileio_read_all(s->obj, MAX_BYTES, &s->ref, &s->ref_len, &err) !=
	    CC_OK) {
		fprintf(stderr, "loadgen: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* The wrapper's own path: classify the command, preprocess locally. */
static int
prepare(struct source *s, const struct compiler *cc)
{
	enum fallback_reason why = FALLBACK_NONE;
	struct cc_err err;
	int code = -1;

	s->args[0] = (char *)"-O2";
	s->args[1] = (char *)"-c";
	s->args[2] = s->path;
	s->args[3] = (char *)"-o";
	s->args[4] = s->obj;
	s->args[5] = NULL;
	if (argv_classify(5, s->args, cc->cxx, &s->plan, &why) != CC_OK ||
	    why != FALLBACK_NONE) {
		fprintf(stderr, "loadgen: '%s' would not compile remotely\n",
		        s->path);
		return -1;
	}
	if (preprocess_run(cc->path, &s->plan, MAX_BYTES, &s->pp, &code,
	                   &err) != CC_OK ||
	    code != 0) {
		fprintf(stderr, "loadgen: preprocessing '%s' failed\n",
		        s->path);
		return -1;
	}
	return 0;
}

static void
release_sources(struct source *src, int n)
{
	for (int i = 0; i < n; i++) {
		argv_plan_release(&src[i].plan);
		preprocess_release(&src[i].pp);
		free(src[i].ref);
	}
}

/* ---- one client --------------------------------------------------------- */

static size_t
count_args(char **v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

static void
note_error(struct client *c, const char *what, const char *detail)
{
	/* Precisions bound the text: no truncation to warn about. */
	if (!c->first_error[0])
		snprintf(c->first_error, sizeof(c->first_error), "%.60s%.180s",
		         what, detail);
}

/* Is res the reference object of s? */
static bool
result_is_right(const Clustcc__CompileResult *res, const struct source *s)
{
	const ProtobufCBinaryData *d;

	if (res->exit_code != 0 || res->n_outputs != 1)
		return false;
	d = &res->outputs[0]->data;
	return d->len == s->ref_len && memcmp(d->data, s->ref, s->ref_len) == 0;
}

static void
judge_response(struct client *c, const struct source *s,
               const Clustcc__Response *r)
{
	struct counts *n = c->n;

	if (r->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE) {
		atomic_fetch_add(
		        &n->refused[(unsigned)r->refusal % REFUSAL_KINDS], 1);
		return;
	}
	if (r->body_case != CLUSTCC__RESPONSE__BODY_COMPILE) {
		atomic_fetch_add(&n->bad_reply, 1);
		note_error(c, "reply is not a compile result", "");
		return;
	}
	if (!result_is_right(r->compile, s)) {
		atomic_fetch_add(&n->wrong, 1);
		note_error(c, "wrong object for ", s->path);
		return;
	}
	atomic_fetch_add(&n->ok, 1);
	if (r->compile->exact)
		atomic_fetch_add(&n->exact, 1);
}

static void
judge_error(struct client *c, int rc, const struct cc_err *err)
{
	struct counts *n = c->n;

	if (rc == CC_ETIMEDOUT) {
		atomic_fetch_add(&n->lost, 1);
		note_error(c, "", err->msg);
	} else if (rc == CC_ENNG && err->sys == NNG_ECONNRESET) {
		/* nng REQ without resend: the pipe closed under the request */
		atomic_fetch_add(&n->dropped, 1);
		note_error(c, "", err->msg);
	} else if (rc == CC_ENNG) {
		atomic_fetch_add(&n->gone, 1);
	} else {
		atomic_fetch_add(&n->other_err, 1);
		note_error(c, "", err->msg);
	}
}

/*
 * The request clustcc-gcc sends for s (send_compile() in gcc_main.c),
 * built in caller-provided parts that borrow s's strings.
 */
static void
fill_request(struct client *c, struct source *s, Clustcc__Request *req,
             Clustcc__CompileRequest *cr, Clustcc__CompilerId *id)
{
	id->path = (char *)c->cc->real;
	id->size = c->cc->size;
	id->mtime_ns = c->cc->mtime_ns;
	cr->compiler = id;
	cr->n_args = count_args(s->plan.cc_args);
	cr->args = s->plan.cc_args;
	cr->n_check_args = count_args(s->plan.check_args);
	cr->check_args = s->plan.check_args;
	cr->n_exact_args = count_args(s->plan.exact_args);
	cr->exact_args = s->plan.exact_args;
	cr->language = (char *)"c";
	cr->source.data = (uint8_t *)s->pp.text;
	cr->source.len = s->pp.len;
	cr->cwd = (char *)c->o->dir;
	cr->source_name = s->path;
	req->body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req->compile = cr;
}

static void
one_compile(struct client *c, struct source *s)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__CompileRequest cr = CLUSTCC__COMPILE_REQUEST__INIT;
	Clustcc__CompilerId id = CLUSTCC__COMPILER_ID__INIT;
	Clustcc__Response *resp = NULL;
	struct portfile pf;
	struct cc_err err = {0};
	int64_t t0;
	int rc;

	fill_request(c, s, &req, &cr, &id);
	atomic_fetch_add(&c->n->sent, 1);
	t0 = monotime_us();
	/* As each clustcc-gcc does: a drained server has removed it. */
	if (portfile_read(c->o->port_file, &pf, &err) != CC_OK) {
		atomic_fetch_add(&c->n->gone, 1);
		return;
	}
	rc = rpc_call(&pf, &req, c->o->timeout_ms, MAX_BYTES, &resp, &err);
	if (rc != CC_OK) {
		judge_error(c, rc, &err);
		return;
	}
	c->lat_us[c->n_lat++] = monotime_us() - t0;
	judge_response(c, s, resp);
	codec_free(resp);
}

static void *
client_run(void *arg)
{
	struct client *c = arg;

	/* Each client starts at another source, so all are in flight. */
	for (int j = 0; j < c->o->per_client; j++)
		one_compile(c, &c->src[(c->index + j) % c->o->n_sources]);
	return NULL;
}

/* ---- figures ------------------------------------------------------------ */

struct rss {
	long kib, hwm_kib;
};

/* VmRSS and VmHWM of pid in KiB; false if the process is gone. */
static bool
read_rss(long pid, struct rss *out)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	*out = (struct rss){-1, -1};
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			out->kib = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			out->hwm_kib = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return out->kib >= 0; /* a zombie has no VmRSS */
}

static void
read_all_rss(const struct opts *o, struct rss *r, bool *alive)
{
	for (int i = 0; i < o->n_pids; i++)
		alive[i] = read_rss(o->pids[i], &r[i]);
}

static void
print_rss(const struct opts *o, const struct rss *before,
          const bool *alive_before, const struct rss *after,
          const bool *alive_after)
{
	for (int i = 0; i < o->n_pids; i++) {
		printf("rss %-7s pid %ld: ", i == 0 ? "head" : "worker",
		       o->pids[i]);
		if (alive_before[i])
			printf("before %ld KiB", before[i].kib);
		else
			printf("before gone");
		if (alive_after[i])
			printf(", after %ld KiB (peak %ld KiB)\n", after[i].kib,
			       after[i].hwm_kib);
		else
			printf(", after: exited\n");
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Latency percentiles over every answered request (ms). */
static void
print_latency(struct client *cl, int n_clients)
{
	size_t total = 0, k = 0;
	int64_t *all;

	for (int i = 0; i < n_clients; i++)
		total += cl[i].n_lat;
	if (total == 0) {
		printf("latency: no answers\n");
		return;
	}
	all = malloc(total * sizeof(*all));
	if (!all)
		return;
	for (int i = 0; i < n_clients; i++) {
		memcpy(all + k, cl[i].lat_us, cl[i].n_lat * sizeof(*all));
		k += cl[i].n_lat;
	}
	qsort(all, total, sizeof(*all), cmp_i64);
	printf("latency ms (%zu answers): p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n",
	       total, (double)all[total / 2] / 1000.0,
	       (double)all[total * 95 / 100] / 1000.0,
	       (double)all[total * 99 / 100] / 1000.0,
	       (double)all[total - 1] / 1000.0);
	free(all);
}

static uint64_t
refusals_except(struct counts *n, Clustcc__Refusal a, Clustcc__Refusal b)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < REFUSAL_KINDS; i++) {
		if (i != (unsigned)a && i != (unsigned)b)
			sum += atomic_load(&n->refused[i]);
	}
	return sum;
}

static void
print_counts(struct counts *n)
{
	printf("sent %llu  ok %llu (exact mode %llu)  wrong %llu  bad reply %llu  lost %llu\n",
	       (unsigned long long)n->sent, (unsigned long long)n->ok,
	       (unsigned long long)n->exact, (unsigned long long)n->wrong,
	       (unsigned long long)n->bad_reply, (unsigned long long)n->lost);
	printf("transport: server gone %llu  dropped after send %llu  other %llu\n",
	       (unsigned long long)n->gone, (unsigned long long)n->dropped,
	       (unsigned long long)n->other_err);
	printf("refused:");
	for (unsigned i = 1; i < REFUSAL_KINDS; i++) {
		if (atomic_load(&n->refused[i]) > 0)
			printf(" %s %llu",
			       codec_refusal_name((Clustcc__Refusal)i),
			       (unsigned long long)n->refused[i]);
	}
	printf(" (total %llu)\n", (unsigned long long)refusals_except(
	                                  n, CLUSTCC__REFUSAL__REFUSAL_NONE,
	                                  CLUSTCC__REFUSAL__REFUSAL_NONE));
}

/*
 * Pass or fail. Always fatal: a wrong object, an undecodable or
 * unexpected reply, a lost or dropped request, another client error, a
 * refusal other than busy (or draining, in a drain run). Outside a drain
 * run the server must also stay reachable.
 */
static bool
verdict(const struct opts *o, struct counts *n)
{
	Clustcc__Refusal okay = o->drain ? CLUSTCC__REFUSAL__REFUSAL_DRAINING
	                                 : CLUSTCC__REFUSAL__REFUSAL_BUSY;

	if (n->wrong || n->bad_reply || n->lost || n->dropped || n->other_err)
		return false;
	if (refusals_except(n, CLUSTCC__REFUSAL__REFUSAL_BUSY, okay) > 0)
		return false;
	if (!o->drain && n->gone > 0)
		return false;
	return n->ok + n->gone + refusals_except(n, 0, 0) == n->sent;
}

/*
 * A head whose memory grows with the number of jobs served fails a long
 * build eventually (it kept every sent job once: see wait_for_work() in
 * server/dispatch.c). Not checked if the head exited during the run.
 */
static bool
head_bounded(const struct opts *o, const struct rss *before,
             const bool *alive_before, const struct rss *after,
             const bool *alive_after)
{
	long grew;

	if (o->max_head_growth_kib == 0 || o->n_pids == 0 || !alive_before[0] ||
	    !alive_after[0])
		return true;
	grew = after[0].kib - before[0].kib;
	if (grew <= o->max_head_growth_kib)
		return true;
	printf("head RSS grew by %ld KiB, more than the %ld KiB allowed\n",
	       grew, o->max_head_growth_kib);
	return false;
}

/* ---- main --------------------------------------------------------------- */

static void
progress(struct counts *n, uint64_t total, int64_t t0_us)
{
	double s = (double)(monotime_us() - t0_us) / 1e6;
	uint64_t done = atomic_load(&n->ok);

	fprintf(stderr, "loadgen: %.0f s: %llu/%llu ok, %.1f jobs/s\n", s,
	        (unsigned long long)done, (unsigned long long)total,
	        s > 0 ? (double)done / s : 0.0);
}

/* Start the clients, report progress every 10 s, join them. */
static int
run_clients(struct client *cl, const struct opts *o, struct counts *n,
            int64_t *t0_us)
{
	uint64_t total = (uint64_t)o->clients * (uint64_t)o->per_client;
	int started = 0, rc = 0;
	int64_t next = 0;

	*t0_us = monotime_us();
	for (; started < o->clients; started++) {
		if (pthread_create(&cl[started].tid, NULL, client_run,
		                   &cl[started]) != 0) {
			fprintf(stderr, "loadgen: cannot start client %d\n",
			        started);
			rc = -1;
			break;
		}
	}
	next = *t0_us + 10000000;
	while (rc == 0 && atomic_load(&n->sent) < total) {
		struct timespec nap = {0, 200 * 1000000L};

		nanosleep(&nap, NULL);
		if (monotime_us() >= next) {
			progress(n, total, *t0_us);
			next += 10000000;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(cl[i].tid, NULL);
	return rc;
}

static int
setup(const struct opts *o, struct compiler *cc, struct source *src,
      struct portfile *pf)
{
	struct cc_err err;

	if (!compiler_find(o->compiler, cc)) {
		fprintf(stderr, "loadgen: cannot find compiler '%s'\n",
		        o->compiler);
		return -1;
	}
	if (portfile_read(o->port_file, pf, &err) != CC_OK) {
		fprintf(stderr, "loadgen: %s\n", err.msg);
		return -1;
	}
	for (int i = 0; i < o->n_sources; i++) {
		if (write_source(&src[i], o->dir, i) != 0 ||
		    make_reference(&src[i], cc) != 0 ||
		    prepare(&src[i], cc) != 0)
			return -1;
	}
	return 0;
}

static void
report(const struct opts *o, struct client *cl, struct counts *n, double secs)
{
	printf("clients %d x %d compiles of %d sources in %.1f s: %.1f answers/s, %.1f ok/s\n",
	       o->clients, o->per_client, o->n_sources, secs,
	       (double)(n->ok + refusals_except(n, 0, 0)) / secs,
	       (double)n->ok / secs);
	print_counts(n);
	print_latency(cl, o->clients);
	for (int i = 0; i < o->clients; i++) {
		if (cl[i].first_error[0]) {
			printf("first error (client %d): %s\n", i,
			       cl[i].first_error);
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	static struct source src[MAX_SOURCES];
	static struct counts n;
	struct rss before[MAX_PIDS], after[MAX_PIDS];
	bool alive_before[MAX_PIDS], alive_after[MAX_PIDS];
	struct compiler cc;
	struct portfile pf;
	struct client *cl = NULL;
	struct opts o;
	int64_t t0_us = 0;
	int rc = 1;

	parse_opts(argc, argv, &o);
	if (setup(&o, &cc, src, &pf) != 0)
		goto out;
	cl = calloc((size_t)o.clients, sizeof(*cl));
	for (int i = 0; cl && i < o.clients; i++) {
		cl[i] = (struct client){
		        .index = i, .o = &o, .cc = &cc, .src = src, .n = &n};
		cl[i].lat_us = calloc((size_t)o.per_client, sizeof(int64_t));
		if (!cl[i].lat_us)
			goto out;
	}
	if (!cl)
		goto out;
	read_all_rss(&o, before, alive_before);
	if (run_clients(cl, &o, &n, &t0_us) != 0)
		goto out;
	read_all_rss(&o, after, alive_after);
	report(&o, cl, &n, (double)(monotime_us() - t0_us) / 1e6);
	print_rss(&o, before, alive_before, after, alive_after);
	rc = verdict(&o, &n) && head_bounded(&o, before, alive_before, after,
	                                     alive_after)
	             ? 0
	             : 1;
	printf("loadgen: %s\n", rc == 0 ? "PASS" : "FAIL");
out:
	for (int i = 0; cl && i < o.clients; i++)
		free(cl[i].lat_us);
	free(cl);
	release_sources(src, o.n_sources);
	return rc;
}
