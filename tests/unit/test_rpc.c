/*
 * test_rpc.c - the client's side of a call: a missing or unreachable
 * server fails fast with CC_ENNG, and an unreachable one is remembered for
 * RPC_DOWN_SECONDS so later wrappers do not wait again.
 */
#include "rpc.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "testutil.h"

static char *tmpdir;

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("rpc");
	setenv("TMPDIR", tmpdir, 1);
}

static void
teardown(void)
{
	unsetenv("TMPDIR");
	tu_tmpdir_free(tmpdir);
}

TestSuite(rpc, .init = setup, .fini = teardown);

static void
fake_server(struct portfile *pf, const char *endpoint, char fill)
{
	memset(pf, 0, sizeof(*pf));
	snprintf(pf->endpoint, sizeof(pf->endpoint), "%s", endpoint);
	memset(pf->token, fill, PORTFILE_TOKEN_HEX);
	pf->pid = 1;
}

Test(rpc, missing_ipc_server_fails_fast)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct portfile pf;
	char url[256];
	struct cc_err err;
	int64_t t0 = monotime_ms();

	snprintf(url, sizeof(url), "ipc://%s/none.ipc", tmpdir);
	fake_server(&pf, url, 'a');
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	cr_assert_eq(rpc_call(&pf, &req, 10000, 1 << 20, &resp, &err), CC_ENNG);
	cr_assert_null(resp);
	cr_assert(strstr(err.msg, "none.ipc"), "message names the endpoint: %s",
	          err.msg);
	cr_assert_lt(monotime_ms() - t0, 2000);
}

Test(rpc, refused_tcp_port_fails_fast)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct portfile pf;
	struct cc_err err;

	/* Port 1 on loopback: nothing listens there, the kernel refuses. */
	fake_server(&pf, "tcp://127.0.0.1:1", 'b');
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	cr_assert_eq(rpc_call(&pf, &req, 10000, 1 << 20, &resp, &err), CC_ENNG);
}

Test(rpc, unreachable_mark_is_per_server)
{
	struct portfile a, b;

	fake_server(&a, "tcp://127.0.0.1:1", 'c');
	fake_server(&b, "tcp://127.0.0.1:1", 'd');
	cr_assert_not(rpc_server_down(&a));
	rpc_mark_down(&a);
	cr_assert(rpc_server_down(&a));
	cr_assert_not(rpc_server_down(&b), "another server is not marked");
}

Test(rpc, find_server_without_a_port_file)
{
	struct portfile pf;
	struct cc_err err;

	unsetenv("CLUSTCC_PORT_FILE");
	cr_assert_eq(rpc_find_server(NULL, &pf, &err), CC_ENOENT);
	cr_assert(strstr(err.msg, "CLUSTCC_PORT_FILE"));
}
