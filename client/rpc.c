/*
 * rpc.c - nng REQ client. The REQ socket's automatic resend is disabled:
 * a compile may legitimately take minutes, and a resent request would run
 * the compile twice. The deadline is the receive timeout.
 */
#define LOG_MODULE "rpc"
#include "rpc.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int
nng_fail(struct cc_err *err, int code, int rv, const char *what,
         const char *url)
{
	cc_err_set(err, code, "%s '%s': %s", what, url, nng_strerror(rv));
	if (err)
		err->sys = rv;
	return code;
}

static int
open_socket(nng_socket *sock, const char *url, int64_t timeout_ms,
            size_t max_bytes, struct cc_err *err)
{
	int rv = nng_req0_open(sock);

	if (rv != 0)
		return nng_fail(err, CC_ENNG, rv, "cannot open socket for",
		                url);
	nng_socket_set_ms(*sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(*sock, NNG_OPT_RECVTIMEO, (nng_duration)timeout_ms);
	nng_socket_set_ms(*sock, NNG_OPT_SENDTIMEO, (nng_duration)timeout_ms);
	nng_socket_set_size(*sock, NNG_OPT_RECVMAXSZ, max_bytes);
	/* Blocking dial: a missing server fails now, not at the deadline. */
	rv = nng_dial(*sock, url, NULL, 0);
	if (rv != 0) {
		nng_close(*sock);
		return nng_fail(err, CC_ENNG, rv, "cannot connect to", url);
	}
	return CC_OK;
}

static int
exchange(nng_socket sock, const char *url, uint8_t *buf, size_t len,
         size_t max_bytes, Clustcc__Response **resp, struct cc_err *err)
{
	nng_msg *msg = NULL;
	int rv, rc;

	rv = nng_msg_alloc(&msg, len);
	if (rv != 0)
		return nng_fail(err, CC_ENOMEM, rv,
		                "cannot allocate request for", url);
	memcpy(nng_msg_body(msg), buf, len);
	rv = nng_sendmsg(sock, msg, 0);
	if (rv != 0) {
		nng_msg_free(msg);
		return nng_fail(err,
		                rv == NNG_ETIMEDOUT ? CC_ETIMEDOUT : CC_ENNG,
		                rv, "cannot send to", url);
	}
	rv = nng_recvmsg(sock, &msg, 0);
	if (rv != 0)
		return nng_fail(err,
		                rv == NNG_ETIMEDOUT ? CC_ETIMEDOUT : CC_ENNG,
		                rv, "no response from", url);
	rc = codec_unpack_response(nng_msg_body(msg), nng_msg_len(msg),
	                           max_bytes, resp, err);
	nng_msg_free(msg);
	return rc;
}

int
rpc_call(const struct portfile *pf, Clustcc__Request *req, int64_t timeout_ms,
         size_t max_bytes, Clustcc__Response **resp, struct cc_err *err)
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
	rc = open_socket(&sock, pf->endpoint, timeout_ms, max_bytes, err);
	if (rc == CC_OK) {
		rc = exchange(sock, pf->endpoint, buf, len, max_bytes, resp,
		              err);
		nng_close(sock);
	}
	free(buf);
	return rc;
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
