/*
 * rpc.c - nng REQ client. The REQ socket's automatic resend is disabled:
 * a compile may legitimately take minutes, and a resent request would run
 * the compile twice. The deadline is the reply's aio timeout.
 *
 * A stopped head (SIGSTOP, a hung node) keeps connections open and never
 * answers: while a compile waits, rpc_call_watched() pings it on a second
 * connection every few seconds and gives up when a ping goes unanswered.
 * The caller's thread waits on a condition variable that the reply's aio
 * callback (an nng thread) signals; nothing else crosses threads.
 *
 * nng's blocking dial has no timeout of its own: to a host that is gone
 * (a port file left by an allocation that ended) it waits for the kernel's
 * SYN retries, about two minutes, on every compile. So a tcp endpoint is
 * first probed with a non-blocking connect bounded by CONNECT_TIMEOUT_MS.
 *
 * A tls+tcp endpoint is dialed with a TLS config that trusts exactly the
 * certificate the port file names (the head's own, self-signed): a server
 * that cannot prove it holds that key fails the handshake, and the client
 * compiles locally.
 */
#define LOG_MODULE "rpc"
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"

#define CONNECT_TIMEOUT_MS 3000

static int
nng_fail(struct cc_err *err, int code, int rv, const char *what,
         const char *url)
{
	cc_err_set(err, code, "%s '%s': %s", what, url, nng_strerror(rv));
	if (err)
		err->sys = rv;
	return code;
}

/* Split "tcp://host:port" ("[v6]:port" too, tls+tcp:// too); false if
 * not tcp. */
static bool
tcp_host_port(const char *url, char *host, size_t hsize, char *port,
              size_t psize)
{
	const char *h, *colon;
	size_t hlen;

	if (strncmp(url, "tls+tcp://", 10) == 0)
		url += 4;
	if (strncmp(url, "tcp://", 6) != 0)
		return false;
	h = url + 6;
	colon = strrchr(h, ':');
	if (!colon)
		return false;
	hlen = (size_t)(colon - h);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= hsize || strlen(colon + 1) >= psize)
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return true;
}

/* One non-blocking connect to ai, waiting at most timeout_ms. */
static bool
connect_within(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	struct pollfd pfd;
	int soerr = 0, ok = 0;
	socklen_t len = sizeof(soerr);

	if (fd < 0)
		return false;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == 0) {
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			ok = 1;
		} else if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			ok = poll(&pfd, 1, timeout_ms) == 1 &&
			     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
			                &len) == 0 &&
			     soerr == 0;
		}
	}
	close(fd);
	return ok;
}

/*
 * Is something listening there, found within timeout_ms? For tcp a
 * connect; for ipc the socket file must exist; others are not probed.
 */
static int
probe(const char *url, int timeout_ms, struct cc_err *err)
{
	char host[256], port[32];
	struct addrinfo hints, *res = NULL;
	bool ok = false;

	if (strncmp(url, "ipc://", 6) == 0 && access(url + 6, F_OK) != 0)
		return cc_err_set(err, CC_ENNG, "cannot connect to '%s': %s",
		                  url, strerror(errno));
	if (!tcp_host_port(url, host, sizeof(host), port, sizeof(port)))
		return CC_OK;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return cc_err_set(err, CC_ENNG, "cannot resolve '%s'", url);
	for (struct addrinfo *ai = res; ai && !ok; ai = ai->ai_next)
		ok = connect_within(ai, timeout_ms);
	freeaddrinfo(res);
	if (!ok)
		return cc_err_set(err, CC_ENNG,
		                  "cannot connect to '%s' within %d ms", url,
		                  timeout_ms);
	return CC_OK;
}

/* Blocking dial; for tls+tcp trusting only pf->tls_ca_file. nng code. */
static int
dial(nng_socket sock, const struct portfile *pf)
{
	nng_tls_config *tls = NULL;
	nng_dialer d;
	int rv;

	if (strncmp(pf->endpoint, "tls+tcp://", 10) != 0)
		return nng_dial(sock, pf->endpoint, NULL, NNG_FLAG_NONBLOCK);
	if (!pf->tls_ca_file[0])
		return NNG_ENOTSUP; /* no certificate to trust: never plain */
	rv = nng_dialer_create(&d, sock, pf->endpoint);
	if (rv == 0)
		rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT);
	if (rv == 0)
		rv = nng_tls_config_auth_mode(tls, NNG_TLS_AUTH_MODE_REQUIRED);
	if (rv == 0)
		rv = nng_tls_config_ca_file(tls, pf->tls_ca_file);
	if (rv == 0)
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls);
	if (rv == 0)
		/*
		 * Blocking, unlike plain tcp: a certificate error must fail
		 * here, with its message. A stopped TLS head costs nng's 10 s
		 * handshake timeout once (then the unreachable marker).
		 */
		rv = nng_dialer_start(d, 0);
	if (tls)
		nng_tls_config_free(tls); /* the dialer holds its own */
	return rv;
}

/*
 * nng 1.5.2 (Debian 12) can deadlock in nng_close() (nanomsg/nng#1543,
 * #1813; seen here about once in 4 runs of a client that had sent hundreds
 * of requests on one socket). A wrapper stuck there would hang the user's
 * build, so the close runs on its own thread and is given CLOSE_WAIT_MS;
 * after that the socket is left to the process's exit.
 */
#define CLOSE_WAIT_MS 2000

struct closer {
	nng_socket sock;
	atomic_bool done;
	atomic_int refs; /* the closing thread and the waiter */
};

static void
closer_put(struct closer *c)
{
	if (atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

static void *
closer_main(void *arg)
{
	struct closer *c = arg;

	nng_close(c->sock);
	atomic_store(&c->done, true);
	closer_put(c);
	return NULL;
}

static void
close_bounded(nng_socket sock)
{
	struct timespec nap = {0, 100000};
	struct closer *c = malloc(sizeof(*c));
	pthread_t tid;
	int64_t deadline;

	if (!c) {
		nng_close(sock);
		return;
	}
	c->sock = sock;
	atomic_init(&c->done, false);
	atomic_init(&c->refs, 2);
	if (pthread_create(&tid, NULL, closer_main, c) != 0) {
		free(c);
		nng_close(sock);
		return;
	}
	pthread_detach(tid);
	deadline = monotime_ms() + CLOSE_WAIT_MS;
	while (!atomic_load(&c->done) && monotime_ms() < deadline)
		nanosleep(&nap, NULL);
	if (!atomic_load(&c->done))
		log_warn("nng_close() has not returned after %d ms (nng bug "
		         "#1543); leaving the socket to process exit",
		         CLOSE_WAIT_MS);
	closer_put(c);
}

static int
open_socket(nng_socket *sock, const struct portfile *pf, int64_t timeout_ms,
            size_t max_bytes, struct cc_err *err)
{
	const char *url = pf->endpoint;
	int rv, rc;

	rc = probe(url,
	           timeout_ms < CONNECT_TIMEOUT_MS ? (int)timeout_ms
	                                           : CONNECT_TIMEOUT_MS,
	           err);
	if (rc != CC_OK)
		return rc;
	rv = nng_req0_open(sock);
	if (rv != 0)
		return nng_fail(err, CC_ENNG, rv, "cannot open socket for",
		                url);
	nng_socket_set_ms(*sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(*sock, NNG_OPT_RECVTIMEO, (nng_duration)timeout_ms);
	nng_socket_set_ms(*sock, NNG_OPT_SENDTIMEO, (nng_duration)timeout_ms);
	nng_socket_set_size(*sock, NNG_OPT_RECVMAXSZ, max_bytes);
	/*
	 * Non-blocking: a blocking dial also waits for the SP handshake, up
	 * to nng's fixed 10 s, from a head that is stopped (SIGSTOP) while
	 * its kernel still accepts connections. send_request() bounds that
	 * wait; probe() has already failed fast if nothing listens.
	 */
	rv = dial(*sock, pf);
	if (rv != 0) {
		close_bounded(*sock);
		return nng_fail(err, CC_ENNG, rv, "cannot connect to", url);
	}
	return CC_OK;
}

/*
 * The send completes when the request is handed to a connected pipe (nng
 * REQ), i.e. after the SP handshake; the dial is non-blocking, so this is
 * where a head that accepts TCP but never answers the handshake (stopped)
 * is noticed: after CONNECT_TIMEOUT_MS, not after nng's own 10 s.
 */
static int
send_request(nng_socket sock, const char *url, uint8_t *buf, size_t len,
             int64_t timeout_ms, struct cc_err *err)
{
	nng_msg *msg = NULL;
	int64_t t = timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms
	                                            : CONNECT_TIMEOUT_MS;
	int rv;

	rv = nng_msg_alloc(&msg, len);
	if (rv != 0)
		return nng_fail(err, CC_ENOMEM, rv,
		                "cannot allocate request for", url);
	memcpy(nng_msg_body(msg), buf, len);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, (nng_duration)t);
	rv = nng_sendmsg(sock, msg, 0);
	if (rv == NNG_ETIMEDOUT) {
		nng_msg_free(msg);
		cc_err_set(
		        err, CC_ENNG,
		        "cannot connect to '%s': no handshake within %lld ms (head stopped or overloaded?)",
		        url, (long long)t);
		if (err)
			err->sys = rv;
		return CC_ENNG;
	}
	if (rv != 0) {
		nng_msg_free(msg);
		return nng_fail(err, CC_ENNG, rv, "cannot send to", url);
	}
	return CC_OK;
}

/* Completion of the reply's receive, signalled to the waiting thread. */
struct reply_wait {
	nng_mtx *mtx;
	nng_cv *cv;
	bool done;
};

static void
reply_arrived(void *arg)
{
	struct reply_wait *w = arg;

	nng_mtx_lock(w->mtx);
	w->done = true;
	nng_cv_wake(w->cv);
	nng_mtx_unlock(w->mtx);
}

/* Wait until the reply came or the next ping is due; true if it came. */
static bool
wait_until(struct reply_wait *w, nng_time until)
{
	bool done;

	nng_mtx_lock(w->mtx);
	while (!w->done && nng_cv_until(w->cv, until) != NNG_ETIMEDOUT)
		;
	done = w->done;
	nng_mtx_unlock(w->mtx);
	return done;
}

static int ping(const struct portfile *pf, struct cc_err *err);

/*
 * Wait for the reply on aio (already started). Every ping_ms (0: never)
 * ask the head on a second connection whether it is alive; if it does not
 * answer, cancel the wait and fail with CC_ENNG and *dead set.
 */
static int
watch_reply(const struct portfile *pf, nng_aio *aio, struct reply_wait *w,
            int64_t ping_ms, bool *dead, struct cc_err *err)
{
	struct cc_err perr;

	if (ping_ms <= 0) {
		nng_aio_wait(aio);
		return CC_OK;
	}
	while (!wait_until(w, nng_clock() + (nng_time)ping_ms)) {
		if (ping(pf, &perr) == CC_OK)
			continue;
		nng_aio_cancel(aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) == 0) /* the reply won the race */
			nng_msg_free(nng_aio_get_msg(aio));
		*dead = true;
		return cc_err_set(
		        err, CC_ENNG,
		        "head '%s' stopped answering while a compile waited: %s",
		        pf->endpoint, perr.msg);
	}
	/* The callback has run; wait for nng to be done with the aio too. */
	nng_aio_wait(aio);
	return CC_OK;
}

static int
exchange(const struct portfile *pf, nng_socket sock, uint8_t *buf, size_t len,
         const struct rpc_wait *wo, size_t max_bytes, Clustcc__Response **resp,
         struct cc_err *err)
{
	struct reply_wait w = {0};
	nng_aio *aio = NULL;
	nng_msg *msg = NULL;
	bool dead = false;
	int rv, rc;

	rc = send_request(sock, pf->endpoint, buf, len, wo->timeout_ms, err);
	if (rc != CC_OK)
		return rc;
	rv = nng_mtx_alloc(&w.mtx);
	if (rv == 0)
		rv = nng_cv_alloc(&w.cv, w.mtx);
	if (rv == 0)
		rv = nng_aio_alloc(&aio, reply_arrived, &w);
	if (rv != 0) {
		rc = nng_fail(err, CC_ENOMEM, rv,
		              "cannot wait for a reply from", pf->endpoint);
		goto out;
	}
	nng_aio_set_timeout(aio, (nng_duration)wo->timeout_ms);
	nng_recv_aio(sock, aio);
	rc = watch_reply(pf, aio, &w, wo->ping_ms, &dead, err);
	if (wo->unresponsive)
		*wo->unresponsive = dead;
	if (rc != CC_OK)
		goto out;
	rv = nng_aio_result(aio);
	if (rv != 0) {
		rc = nng_fail(err, rv == NNG_ETIMEDOUT ? CC_ETIMEDOUT : CC_ENNG,
		              rv, "no response from", pf->endpoint);
		goto out;
	}
	msg = nng_aio_get_msg(aio);
	rc = codec_unpack_response(nng_msg_body(msg), nng_msg_len(msg),
	                           max_bytes, resp, err);
	nng_msg_free(msg);
out:
	nng_aio_free(aio);
	if (w.cv)
		nng_cv_free(w.cv);
	if (w.mtx)
		nng_mtx_free(w.mtx);
	return rc;
}

static int
call(const struct portfile *pf, Clustcc__Request *req,
     const struct rpc_wait *wo, size_t max_bytes, Clustcc__Response **resp,
     struct cc_err *err)
{
	nng_socket sock;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	req->version = CODEC_PROTOCOL_VERSION;
	req->token = (char *)pf->token;
	rc = codec_pack(&req->base, max_bytes, &buf, &len, err);
	if (rc != CC_OK)
		return rc;
	rc = open_socket(&sock, pf, wo->timeout_ms, max_bytes, err);
	if (rc == CC_OK) {
		rc = exchange(pf, sock, buf, len, wo, max_bytes, resp, err);
		close_bounded(sock);
	}
	free(buf);
	return rc;
}

/* One Ping on its own connection; CC_OK if an answer came in time. */
static int
ping(const struct portfile *pf, struct cc_err *err)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__Ping body = CLUSTCC__PING__INIT;
	Clustcc__Response *resp = NULL;
	struct rpc_wait wo = {.timeout_ms = RPC_PING_TIMEOUT_MS};
	int rc;

	req.body_case = CLUSTCC__REQUEST__BODY_PING;
	req.ping = &body;
	/*
	 * Any well-formed answer shows the head is alive, a refusal too: a
	 * head built before Ping existed refuses it as malformed, and its
	 * clients' long compiles must not fall back for that.
	 */
	rc = call(pf, &req, &wo, 1 << 16, &resp, err);
	codec_free(resp);
	return rc;
}

int
rpc_call(const struct portfile *pf, Clustcc__Request *req, int64_t timeout_ms,
         size_t max_bytes, Clustcc__Response **resp, struct cc_err *err)
{
	struct rpc_wait wo = {.timeout_ms = timeout_ms};

	return call(pf, req, &wo, max_bytes, resp, err);
}

int
rpc_call_watched(const struct portfile *pf, Clustcc__Request *req,
                 const struct rpc_wait *wait, size_t max_bytes,
                 Clustcc__Response **resp, struct cc_err *err)
{
	if (wait->unresponsive)
		*wait->unresponsive = false;
	return call(pf, req, wait, max_bytes, resp, err);
}

int64_t
rpc_ping_interval_ms(void)
{
	const char *s = getenv("CLUSTCC_PING_MS");
	char *end = NULL;
	long long v;

	if (!s || !s[0])
		return RPC_PING_INTERVAL_MS;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0) {
		log_warn(
		        "CLUSTCC_PING_MS='%s': expected milliseconds >= 0, using %d",
		        s, RPC_PING_INTERVAL_MS);
		return RPC_PING_INTERVAL_MS;
	}
	return (int64_t)v;
}

int
rpc_find_server(const char *path, struct portfile *pf, struct cc_err *err)
{
	if (!path || !path[0])
		path = getenv("CLUSTCC_PORT_FILE");
	if (!path || !path[0])
		return cc_err_set(
		        err, CC_ENOENT,
		        "no port file: set CLUSTCC_PORT_FILE or give the config");
	return portfile_read(path, pf, err);
}

static void
down_marker(const struct portfile *pf, char *path, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(path, size, "%s/clustcc-%ld-%.16s.down",
	         tmp && tmp[0] ? tmp : "/tmp", (long)getuid(), pf->token);
}

bool
rpc_server_down(const struct portfile *pf)
{
	char path[PATH_MAX];
	struct stat st;

	down_marker(pf, path, sizeof(path));
	if (stat(path, &st) != 0)
		return false;
	if (time(NULL) - st.st_mtime < RPC_DOWN_SECONDS)
		return true;
	unlink(path); /* expired: try the server again, leave no litter */
	return false;
}

void
rpc_mark_down(const struct portfile *pf)
{
	char path[PATH_MAX];
	int fd;

	down_marker(pf, path, sizeof(path));
	/* Re-created, not just opened: its mtime is the time of the failure. */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}
