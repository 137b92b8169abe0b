/*
 * ctl_run.c - `clustcc-ctl run [-n WORKERS] [--config FILE] -- COMMAND...`:
 * start a local server under mpirun, run COMMAND with the wrapper as its
 * compiler, then print a summary, drain the server and exit with
 * COMMAND's status.
 *
 * Everything it creates lives in one private directory (mkdtemp, 0700):
 * the embedded config, the port file, the ipc socket, mpirun's output and
 * the gcc/cc/g++/c++ links to clustcc-gcc. It is removed on every way out.
 *
 * Never a failed build because of clustcc: if mpirun is missing or the
 * server does not publish its port file in time, a warning says why and
 * COMMAND runs anyway, every compile then falling back to a local one.
 *
 * Process groups: mpirun gets a group of its own, so a terminal's Ctrl-C
 * (sent to the whole foreground group) does not make mpirun kill the ranks
 * under a running drain; we stop it ourselves. COMMAND also gets a group
 * of its own, so a signal forwarded to it reaches make and every compiler
 * it started, and nothing of it is left behind; when we own the terminal
 * that group is made the terminal's foreground group, so COMMAND can read
 * the terminal and a Ctrl-C goes straight to it, as it would from a shell.
 *
 * Single-threaded (nng's threads only run inside ctl_call()). The signal
 * handlers only record the signal.
 */
#define _GNU_SOURCE /* nftw()'s FTW_DEPTH/FTW_PHYS need _XOPEN_SOURCE 500 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "child.h"
#include "codec.h"
#include "ctl.h"
#include "envset.h"
#include "exitcode.h"
#include "monotime.h"

/* How long each stage may take before we move on or escalate. */
#define RUN_START_TIMEOUT_MS 60000 /* mpirun start on a loaded machine */
#define RUN_DRAIN_WAIT_MS    30000 /* server exit after a drain */
#define RUN_GRACE_MS         3000  /* after a forwarded signal or SIGTERM */
#define RUN_POLL_MS          20    /* wait loops: 50 wake-ups a second */
#define RUN_STATUS_TIMEOUT   10000 /* status and drain requests */
#define RUN_TAIL_BYTES       2048  /* of mpirun's output, on failure */
#define RUN_EXIT_NOT_FOUND   127   /* COMMAND cannot be started (as sh) */
#define RUN_CMD_SHOWN        60    /* bytes of COMMAND in the summary */
#define RUN_NAME_ROOM        64    /* for "/clustcc-server", "/mpirun.err" */

struct run {
	int workers;        /* -n; -1 = not given */
	const char *config; /* --config; NULL = embedded */
	char **command;     /* COMMAND, NULL-terminated */
	char dir[PATH_MAX]; /* private directory; "" until made */
	char bindir[PATH_MAX];
	char self_dir[PATH_MAX]; /* where clustcc-ctl and friends live */
	char cfg_path[PATH_MAX];
	char port_file[PATH_MAX];               /* absolute */
	char out_path[PATH_MAX];                /* mpirun's stdout+stderr */
	char old_token[PORTFILE_TOKEN_HEX + 1]; /* a port file found before */
	struct portfile pf;                     /* once the server is up */
	int ranks;
	pid_t mpirun; /* -1: not running */
	pid_t cmd;    /* COMMAND's pid and group; -1: not running */
	bool have_server;
	bool tty; /* we hand the terminal to COMMAND */
	int64_t start_ms;
};

static volatile sig_atomic_t run_signal; /* last signal received */
static volatile sig_atomic_t run_nsignals;

static void
on_signal(int sig)
{
	run_signal = sig;
	run_nsignals++;
}

static void
nap_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
	                      .tv_nsec = (long)(ms % 1000) * 1000000L};

	(void)nanosleep(&ts, NULL);
}

/*
 * snprintf for paths built from r->dir and r->self_dir, which are checked
 * to leave RUN_NAME_ROOM bytes: nothing built here can be truncated. (The
 * wrapper also keeps gcc's -Wformat-truncation from guessing otherwise.)
 */
static void spr(char *out, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
spr(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

static int
bad_run_usage(const char *what, const char *arg)
{
	fprintf(stderr, "clustcc-ctl: run: %s '%s'\ntry 'clustcc-ctl --help'\n",
	        what, arg);
	return EXIT_USAGE;
}

static int
parse_run_args(int argc, char **argv, struct run *r)
{
	static const struct option opts[] = {
	        {"workers", required_argument, NULL, 'n'},
	        {"config", required_argument, NULL, 'c'},
	        {NULL, 0, NULL, 0},
	};
	char *end;
	long v;
	int c;

	optind = 0; /* glibc: start over (main parsed argv already) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 4096)
				return bad_run_usage(
				        "-n: expected a number of workers from 0 to 4096, got",
				        optarg);
			r->workers = (int)v;
			break;
		case 'c':
			r->config = optarg;
			break;
		default:
			/* getopt's own message would say "run:", not ours. */
			return bad_run_usage(
			        "unknown option or missing argument",
			        argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
		        "clustcc-ctl: run: missing COMMAND (clustcc-ctl run -- make -j8)\ntry 'clustcc-ctl --help'\n");
		return EXIT_USAGE;
	}
	r->command = argv + optind;
	return EXIT_OK;
}

static long
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* The directory of this program: clustcc-server and clustcc-gcc are there. */
static int
find_self_dir(struct run *r)
{
	char *slash;

	if (!realpath("/proc/self/exe", r->self_dir)) {
		fprintf(stderr,
		        "clustcc-ctl: run: cannot resolve '/proc/self/exe': %s\n",
		        strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	if (strlen(r->self_dir) + RUN_NAME_ROOM >= sizeof(r->self_dir)) {
		fprintf(stderr,
		        "clustcc-ctl: run: path of this program too long: '%s'\n",
		        r->self_dir);
		return EXIT_FAILURE_GENERIC;
	}
	slash = strrchr(r->self_dir, '/');
	*slash = '\0';
	return EXIT_OK;
}

static int
make_private_dir(struct run *r)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !tmp[0])
		tmp = "/tmp";
	if (strlen(tmp) + RUN_NAME_ROOM >= sizeof(r->dir))
		tmp = "/tmp"; /* the fallback, as for scratch_dir */
	spr(r->dir, sizeof(r->dir), "%s/clustcc-run.XXXXXX", tmp);
	if (!mkdtemp(r->dir)) {
		fprintf(stderr,
		        "clustcc-ctl: run: cannot create a private directory in '%s': %s\n",
		        tmp, strerror(errno));
		r->dir[0] = '\0';
		return EXIT_FAILURE_GENERIC;
	}
	spr(r->bindir, sizeof(r->bindir), "%s/bin", r->dir);
	spr(r->out_path, sizeof(r->out_path), "%s/mpirun.err", r->dir);
	return EXIT_OK;
}

/*
 * The embedded config: an ipc socket in the private directory (tcp on
 * loopback if that path would not fit in sun_path), one compile per
 * worker rank; -n 0 means the head compiles alone on every core.
 */
static int
write_embedded_config(struct run *r)
{
	char endpoint[PATH_MAX + 64];
	char text[4 * PATH_MAX];
	struct cfg *cfg = NULL;
	struct cc_err err;
	int head_tasks = r->workers == 0 ? (int)online_cpus() : 0;
	FILE *f;

	/* sun_path holds 108 bytes with the NUL. */
	if (strlen(r->dir) + strlen("/sock") <= 107)
		spr(endpoint, sizeof(endpoint),
		    "\"endpoint\": \"ipc://%s/sock\"", r->dir);
	else
		spr(endpoint, sizeof(endpoint), "%s",
		    "\"endpoint\": \"tcp://127.0.0.1:0\", \"advertise_host\": \"127.0.0.1\"");
	spr(r->cfg_path, sizeof(r->cfg_path), "%s/cfg.json", r->dir);
	spr(r->port_file, sizeof(r->port_file), "%s/port", r->dir);
	spr(text, sizeof(text),
	    "// written by clustcc-ctl run\n{\n"
	    "  \"port_file\": \"%s\",\n  %s,\n"
	    "  \"num_workers\": %d,\n  \"worker_rank_cpus\": 1,\n"
	    "  \"head_rank_tasks\": %d,\n  \"logging_level\": \"warning\"\n}\n",
	    r->port_file, endpoint, r->workers, head_tasks);
	/* Our own text must load; checking it here names the cause early. */
	if (cfg_load_string(r->cfg_path, text, &cfg, &err) != CC_OK) {
		fprintf(stderr, "clustcc-ctl: run: embedded %s\n", err.msg);
		return EXIT_FAILURE_GENERIC;
	}
	cfg_free(cfg);
	f = fopen(r->cfg_path, "wx");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "clustcc-ctl: run: cannot write '%s': %s\n",
		        r->cfg_path, strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	return EXIT_OK;
}

/* --config FILE: its port_file, endpoint, ranks etc. apply. */
static int
use_user_config(struct run *r)
{
	struct cfg *cfg = NULL;
	struct cc_err err;
	struct portfile old;
	char cwd[PATH_MAX];

	if (cfg_load_file(r->config, &cfg, &err) != CC_OK) {
		fprintf(stderr, "clustcc-ctl: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	if (r->workers < 0)
		r->workers = cfg->num_workers;
	if (r->workers == 0 && cfg->head_rank_tasks == 0) {
		fprintf(stderr,
		        "clustcc-ctl: run: -n 0 with config '%s': key 'head_rank_tasks' is 0, so nothing could compile\n",
		        r->config);
		cfg_free(cfg);
		return EXIT_USAGE;
	}
	if (cfg->port_file[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    strlen(cwd) + strlen(cfg->port_file) + 2 > sizeof(r->port_file)) {
		fprintf(stderr,
		        "clustcc-ctl: config '%s': key 'port_file': path too long in '%s'\n",
		        r->config, cwd);
		cfg_free(cfg);
		return EXIT_CONFIG;
	}
	if (cfg->port_file[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(r->port_file, sizeof(r->port_file), "%s",
		         cfg->port_file);
	else
		spr(r->port_file, sizeof(r->port_file), "%s/%s", cwd,
		    cfg->port_file);
	snprintf(r->cfg_path, sizeof(r->cfg_path), "%s", r->config);
	cfg_free(cfg);
	/* A port file already there is someone else's (or stale): ours will
	 * have another token. */
	if (portfile_read(r->port_file, &old, NULL) == CC_OK)
		snprintf(r->old_token, sizeof(r->old_token), "%s", old.token);
	return EXIT_OK;
}

/* First `name` in PATH that is executable; false if none. */
static bool
which(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t len = strcspn(path, ":");
		int n = snprintf(out, size, "%.*s/%s", (int)len, path, name);

		if (len && n > 0 && (size_t)n < size && access(out, X_OK) == 0)
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

/* environ with changes (envset.h); NULL after saying so. */
static const char **
env_with(const char *const *changes, size_t n)
{
	extern char **environ;
	const char **env = NULL;

	if (envset_apply((const char *const *)environ, changes, n, &env) !=
	    CC_OK) {
		fprintf(stderr, "clustcc-ctl: run: out of memory\n");
		return NULL;
	}
	return env;
}

static void
print_tail(const char *path)
{
	char buf[RUN_TAIL_BYTES + 1];
	ssize_t n;
	off_t size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > RUN_TAIL_BYTES)
		(void)lseek(fd, size - RUN_TAIL_BYTES, SEEK_SET);
	else
		(void)lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, RUN_TAIL_BYTES);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	fprintf(stderr, "clustcc-ctl: run: last output of mpirun:\n%s%s", buf,
	        buf[n - 1] == '\n' ? "" : "\n");
}

static int
spawn_mpirun(struct run *r)
{
	char mpirun[PATH_MAX], server[PATH_MAX], out[PATH_MAX], np[16];
	char allow1[] = "OMPI_ALLOW_RUN_AS_ROOT=1";
	char allow2[] = "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1";
	char *set[] = {allow1, allow2};
	const char *argv[] = {mpirun, "--oversubscribe", "-n",        np,
	                      server, "--config",        r->cfg_path, NULL};
	struct child_opts co = {.argv = argv, .stdin_path = "/dev/null"};
	struct cc_err err;
	const char **env = NULL;
	int rc;

	if (!which("mpirun", mpirun, sizeof(mpirun))) {
		fprintf(stderr,
		        "clustcc-ctl: run: warning: 'mpirun' not found on PATH; running the command without a server (every compile is local)\n");
		return EXIT_FAILURE_GENERIC;
	}
	spr(server, sizeof(server), "%s/clustcc-server", r->self_dir);
	snprintf(np, sizeof(np), "%d", r->ranks);
	/* Two files: child.c opens each with its own offset, one file would
	 * have each stream overwrite the other. Errors go to stderr. */
	spr(out, sizeof(out), "%s/mpirun.stdout", r->dir);
	co.stdout_path = out;
	co.stderr_path = r->out_path;
	/* mpirun refuses root unless told; only its environment is told. */
	if (geteuid() == 0) {
		env = env_with((const char *const *)set, 2);
		if (!env)
			return EXIT_FAILURE_GENERIC;
		co.envp = env;
	}
	rc = child_start(&co, &r->mpirun, &err);
	free((void *)env);
	if (rc != CC_OK) {
		r->mpirun = -1;
		fprintf(stderr,
		        "clustcc-ctl: run: warning: %s; running the command without a server (every compile is local)\n",
		        err.msg);
		return EXIT_FAILURE_GENERIC;
	}
	return EXIT_OK;
}

/* Reap mpirun if it has exited; true if it is gone. */
static bool
mpirun_gone(struct run *r, int *code)
{
	bool done = false;

	if (r->mpirun < 0)
		return true;
	if (child_poll(r->mpirun, &done, code, NULL) != CC_OK || done) {
		r->mpirun = -1;
		return true;
	}
	return false;
}

/* Wait for a port file with a new token, while mpirun lives. */
static int
wait_port_file(struct run *r)
{
	int64_t deadline = monotime_ms() + RUN_START_TIMEOUT_MS;
	int code = 0;

	while (!run_signal) {
		if (portfile_read(r->port_file, &r->pf, NULL) == CC_OK &&
		    strcmp(r->pf.token, r->old_token) != 0)
			return EXIT_OK;
		if (mpirun_gone(r, &code)) {
			fprintf(stderr,
			        "clustcc-ctl: run: warning: the server did not start (mpirun exited with status %d); running the command without a server (every compile is local)\n",
			        code);
			print_tail(r->out_path);
			return EXIT_FAILURE_GENERIC;
		}
		if (monotime_ms() > deadline) {
			fprintf(stderr,
			        "clustcc-ctl: run: warning: the server did not publish '%s' within %d s; running the command without a server (every compile is local)\n",
			        r->port_file, RUN_START_TIMEOUT_MS / 1000);
			print_tail(r->out_path);
			return EXIT_FAILURE_GENERIC;
		}
		nap_ms(50);
	}
	return EXIT_FAILURE_GENERIC;
}

/* Wait for mpirun to exit, at most ms (cut short by a second signal). */
static bool
wait_mpirun(struct run *r, int64_t ms, int *code, int nsignals)
{
	int64_t deadline = monotime_ms() + ms;

	while (!mpirun_gone(r, code)) {
		if (monotime_ms() > deadline || run_nsignals > nsignals)
			return false;
		nap_ms(RUN_POLL_MS);
	}
	return true;
}

static void
send_drain(struct run *r)
{
	/* After a signal the user waits: a hung head gets less time. */
	struct ctl_opts o = {.port_file = r->port_file,
	                     .timeout_ms = run_signal ? RUN_GRACE_MS
	                                              : RUN_STATUS_TIMEOUT};
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__DrainRequest dr = CLUSTCC__DRAIN_REQUEST__INIT;
	struct ctl_call call;

	req.body_case = CLUSTCC__REQUEST__BODY_DRAIN;
	req.drain = &dr;
	if (ctl_call(&o, &req, CLUSTCC__RESPONSE__BODY_DRAIN, "drain", &call) ==
	    EXIT_OK)
		codec_free(call.resp);
}

/*
 * Drain, wait; then SIGTERM mpirun (it ends its ranks), wait; then
 * SIGKILL its group and the head. Shorter waits after a signal.
 */
static void
stop_server(struct run *r)
{
	int64_t wait_ms = run_signal ? RUN_GRACE_MS : RUN_DRAIN_WAIT_MS;
	int nsig = run_nsignals;
	int code = 0;

	if (r->mpirun < 0)
		return;
	/* A server that never published its port file gets no drain. */
	if (r->have_server) {
		send_drain(r);
		if (wait_mpirun(r, wait_ms, &code, nsig))
			goto out;
		fprintf(stderr,
		        "clustcc-ctl: run: server still running %lld s after the drain; stopping mpirun\n",
		        (long long)(wait_ms / 1000));
	}
	(void)kill(r->mpirun, SIGTERM);
	if (wait_mpirun(r, RUN_GRACE_MS, &code, nsig + 1))
		goto out;
	child_kill(r->mpirun);
	if (r->have_server && r->pf.pid > 1)
		(void)kill((pid_t)r->pf.pid, SIGKILL);
	(void)wait_mpirun(r, RUN_GRACE_MS, &code, 1 << 30);
out:
	if (code != 0 && r->have_server && !run_signal) {
		fprintf(stderr,
		        "clustcc-ctl: run: warning: the server exited with status %d\n",
		        code);
		print_tail(r->out_path);
	}
	if (r->have_server)
		(void)portfile_remove(r->port_file, r->pf.token, NULL);
}

static int
make_links(struct run *r)
{
	static const char *const names[] = {"gcc", "cc", "g++", "c++"};
	char target[PATH_MAX], link[PATH_MAX];

	spr(target, sizeof(target), "%s/clustcc-gcc", r->self_dir);
	if (mkdir(r->bindir, 0700) != 0)
		return EXIT_FAILURE_GENERIC;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		spr(link, sizeof(link), "%s/%s", r->bindir, names[i]);
		if (symlink(target, link) != 0) {
			fprintf(stderr,
			        "clustcc-ctl: run: cannot create link '%s': %s\n",
			        link, strerror(errno));
			return EXIT_FAILURE_GENERIC;
		}
	}
	return EXIT_OK;
}

/*
 * CC/CXX name clustcc-gcc by its absolute path, which stays valid after
 * the run (CMake caches it; without a port file it compiles locally).
 * PATH starts with the private links, so builds that call gcc or cc by
 * name go through the wrapper too.
 */
static int
start_command(struct run *r)
{
	char cc[PATH_MAX + 8], cxx[PATH_MAX + 8], path[2 * PATH_MAX];
	char port[PATH_MAX + 32];
	char *set[4] = {cc, cxx, path, port};
	struct child_opts co = {.argv = (const char *const *)r->command};
	struct cc_err err;
	const char **env;
	int rc;

	spr(cc, sizeof(cc), "CC=%s/clustcc-gcc gcc", r->self_dir);
	spr(cxx, sizeof(cxx), "CXX=%s/clustcc-gcc g++", r->self_dir);
	/* No links (setup failed): an empty entry would mean the cwd. */
	if (r->bindir[0] && getenv("PATH"))
		spr(path, sizeof(path), "PATH=%s:%s", r->bindir,
		    getenv("PATH"));
	else if (r->bindir[0])
		spr(path, sizeof(path), "PATH=%s", r->bindir);
	else
		spr(path, sizeof(path), "PATH=%s",
		    getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	/* Without a server: unset, so no other server is used either. */
	if (r->have_server)
		snprintf(port, sizeof(port), "CLUSTCC_PORT_FILE=%s",
		         r->port_file);
	else
		snprintf(port, sizeof(port), "CLUSTCC_PORT_FILE");
	env = env_with((const char *const *)set, 4);
	if (!env)
		return EXIT_FAILURE_GENERIC;
	co.envp = env;
	rc = child_start(&co, &r->cmd, &err);
	free((void *)env);
	if (rc != CC_OK) {
		r->cmd = -1;
		fprintf(stderr, "clustcc-ctl: run: %s\n", err.msg);
		return RUN_EXIT_NOT_FOUND;
	}
	return EXIT_OK;
}

/*
 * When our process group is the terminal's foreground group, COMMAND's
 * group becomes it: COMMAND may read the terminal and gets Ctrl-C and
 * Ctrl-Z directly, as if a shell had started it. The SIGCONT covers a
 * read it tried before the hand-over (it would have been stopped).
 */
static void
give_terminal(struct run *r)
{
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp())
		return;
	if (tcsetpgrp(STDIN_FILENO, r->cmd) == 0) {
		r->tty = true;
		(void)kill(-r->cmd, SIGCONT);
	}
}

/* Back to our group; we are then in the background, so hush SIGTTOU. */
static void
take_terminal(struct run *r)
{
	sigset_t ttou, old;

	if (!r->tty)
		return;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	sigprocmask(SIG_SETMASK, &old, NULL);
	r->tty = false;
}

/* COMMAND was stopped (Ctrl-Z): stop with it, go on with it. */
static void
follow_stop(struct run *r)
{
	bool had_tty = r->tty;

	take_terminal(r);
	(void)raise(SIGTSTP);
	/* Continued (fg): hand back the terminal and continue COMMAND. */
	if (had_tty)
		give_terminal(r);
	(void)kill(-r->cmd, SIGCONT);
}

static int
status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * Wait for COMMAND. A signal to us is forwarded to its whole group; if it
 * has not ended RUN_GRACE_MS later (or at a second signal), the group is
 * killed. Returns its exit code (128+signal if killed).
 */
static int
wait_command(struct run *r)
{
	int forwarded = 0;
	int64_t kill_at = 0;
	int status;
	pid_t w;

	for (;;) {
		w = waitpid(r->cmd, &status, WNOHANG | WUNTRACED);
		/* Stopped without a terminal (a debugger's SIGSTOP): wait. */
		if (w == r->cmd && WIFSTOPPED(status)) {
			if (r->tty)
				follow_stop(r);
			continue;
		}
		if (w == r->cmd || (w < 0 && errno != EINTR))
			break;
		if (run_nsignals > forwarded) {
			(void)kill(-r->cmd, run_signal);
			(void)kill(-r->cmd, SIGCONT);
			if (!kill_at)
				kill_at = monotime_ms() + RUN_GRACE_MS;
			else
				kill_at = monotime_ms();
			forwarded = run_nsignals;
		}
		/* The pid too: COMMAND may have left its group (setsid). */
		if (kill_at && monotime_ms() >= kill_at) {
			child_kill(r->cmd);
			(void)kill(r->cmd, SIGKILL);
		}
		nap_ms(RUN_POLL_MS);
	}
	take_terminal(r);
	/* After a signal nothing of COMMAND may stay behind. */
	if (forwarded)
		child_kill(r->cmd);
	r->cmd = -1;
	if (w < 0) {
		fprintf(stderr,
		        "clustcc-ctl: run: cannot wait for the command: %s\n",
		        strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	return status_code(status);
}

static void
print_reasons(const char *label, Clustcc__ReasonCount **rc, size_t n)
{
	unsigned long long total = 0;

	for (size_t i = 0; i < n; i++)
		total += rc[i]->count;
	fprintf(stderr, "  %-8s %6llu", label, total);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s %llu", i ? ", " : "  (", rc[i]->reason,
		        (unsigned long long)rc[i]->count);
	fprintf(stderr, "%s\n", n ? ")" : "");
}

static void
print_status(const Clustcc__StatusReply *st)
{
	unsigned long long done = 0, failed = 0;

	for (size_t i = 0; i < st->n_ranks; i++) {
		done += st->ranks[i]->done;
		failed += st->ranks[i]->failed;
	}
	fprintf(stderr, "  %-8s %6llu", "remote", done);
	for (size_t i = 0; i < st->n_ranks; i++)
		fprintf(stderr, "%srank %u: %llu", i ? ", " : "  (",
		        st->ranks[i]->rank,
		        (unsigned long long)st->ranks[i]->done);
	fprintf(stderr, ")\n");
	if (failed)
		fprintf(stderr,
		        "  %-8s %6llu  (compiler crashed or timed out on a rank; compiled locally)\n",
		        "failed", failed);
	print_reasons("local", st->local_reasons, st->n_local_reasons);
	if (st->n_refusals)
		print_reasons("refused", st->refusals, st->n_refusals);
}

/* COMMAND's words, cut after RUN_CMD_SHOWN bytes: one line. */
static void
print_command(char *const *argv)
{
	size_t left = RUN_CMD_SHOWN;

	for (size_t i = 0; argv[i]; i++) {
		size_t len = strlen(argv[i]) + (i ? 1 : 0);

		if (len > left) {
			fprintf(stderr, "%s%.*s...", i ? " " : "",
			        (int)(left > 1 ? left - 1 : 0), argv[i]);
			return;
		}
		fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
		left -= len;
	}
}

/* The one-screen summary, to stderr: the command's output stays clean. */
static void
summary(struct run *r, int code)
{
	struct ctl_opts o = {.port_file = r->port_file,
	                     .timeout_ms = RUN_STATUS_TIMEOUT};
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest sr = CLUSTCC__STATUS_REQUEST__INIT;
	struct ctl_call call;

	fprintf(stderr, "clustcc-ctl run: '");
	print_command(r->command);
	fprintf(stderr, "' exited %d after %.1f s\n", code,
	        (double)(monotime_ms() - r->start_ms) / 1000.0);
	if (!r->have_server) {
		fprintf(stderr, "  no server: every compile ran locally\n");
		return;
	}
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &sr;
	if (ctl_call(&o, &req, CLUSTCC__RESPONSE__BODY_STATUS, "status",
	             &call) != EXIT_OK)
		return;
	fprintf(stderr, "  server: 1 head + %d worker%s; compiles:\n",
	        r->ranks - 1, r->ranks == 2 ? "" : "s");
	print_status(call.resp->status);
	codec_free(call.resp);
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0 &&
	    errno != ENOENT)
		fprintf(stderr, "clustcc-ctl: run: cannot remove '%s': %s\n",
		        path, strerror(errno));
	return 0;
}

static void
remove_private_dir(struct run *r)
{
	if (r->dir[0])
		(void)nftw(r->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	r->dir[0] = '\0';
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stderr (run ... 2>&1 | head) must not skip the cleanup. */
	signal(SIGPIPE, SIG_IGN);
}

/* Private directory, config, mpirun, port file; false: no server. */
static int
setup(struct run *r)
{
	int rc;

	if ((rc = find_self_dir(r)) != EXIT_OK ||
	    (rc = make_private_dir(r)) != EXIT_OK)
		return rc;
	if ((rc = make_links(r)) != EXIT_OK) {
		r->bindir[0] = '\0';
		return rc;
	}
	rc = r->config ? use_user_config(r) : write_embedded_config(r);
	if (rc != EXIT_OK)
		return rc;
	r->ranks = 1 + r->workers;
	if (spawn_mpirun(r) == EXIT_OK && wait_port_file(r) == EXIT_OK)
		r->have_server = true;
	else
		stop_server(r);
	return EXIT_OK;
}

int
ctl_run(int argc, char **argv, const struct ctl_opts *o)
{
	struct run r = {.workers = -1, .mpirun = -1, .cmd = -1};
	int rc;

	rc = parse_run_args(argc, argv, &r);
	if (rc != EXIT_OK)
		return rc;
	if (!r.config)
		r.config = o->config;
	if (r.workers < 0 && !r.config)
		r.workers = (int)online_cpus();
	r.start_ms = monotime_ms();
	catch_signals();
	rc = setup(&r);
	/* A bad command line or config is the user's to fix; anything else
	 * must not stop the build. */
	if (rc == EXIT_USAGE || rc == EXIT_CONFIG)
		goto out;
	if (rc != EXIT_OK)
		fprintf(stderr,
		        "clustcc-ctl: run: warning: running the command without a server (every compile is local)\n");
	if (!run_signal) {
		rc = start_command(&r);
		if (rc == EXIT_OK) {
			give_terminal(&r);
			rc = wait_command(&r);
		}
		if (!run_signal)
			summary(&r, rc);
	}
out:
	stop_server(&r);
	remove_private_dir(&r);
	if (run_signal) {
		fprintf(stderr,
		        "clustcc-ctl run: stopped by signal %d (%s): the command and the server are stopped, the private directory is removed\n",
		        (int)run_signal, strsignal(run_signal));
		return 128 + run_signal;
	}
	return rc;
}
