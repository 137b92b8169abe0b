/*
 * gen_codec_seeds.c - write the codec fuzz seeds: one real packed message
 * of every kind the head, workers and clients exchange, built the way the
 * programs build them. Run once after a protocol change and commit the
 * output:   build-fuzz/bin/gen_codec_seeds tests/fuzz/corpus/codec
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char s_gcc[] = "/usr/bin/gcc";
static char s_c[] = "c";
static char s_cxx[] = "c++";
static char s_cwd[] = "/home/u/zlib-1.3.1";
static char s_src[] = "adler32.c";
static char s_token[] = TOKEN;
static char s_o2[] = "-O2";
static char s_fpic[] = "-fPIC";
static char s_march[] = "-march=znver3";
static char s_e[] = "-E";
static char s_dd[] = "-fdirectives-only";
static char s_c_flag[] = "-c";
static char s_lang[] = "LANG=C";
static char s_sde[] = "SOURCE_DATE_EPOCH=1700000000";
static char s_out[] = "out.o";
static char s_reason[] = "native_arch";
static char s_msg[] = "server is draining";
static char s_version[] = "0.1.0";
static char s_busy[] = "busy";
static uint8_t s_source[] =
        "# 1 \"adler32.c\"\nint adler(int a)\n{\n\treturn a + 1;\n}\n";
static uint8_t s_obj[] = "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\1\0>\0";
static uint8_t s_stderr[] = "adler32.c:3:5: warning: unused variable 'x'\n";

static int
write_seed(const char *dir, const char *name, const ProtobufCMessage *msg)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ok;

	if (codec_pack(msg, 0, &buf, &len, NULL) != CC_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ok = f && fwrite(buf, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	free(buf);
	if (!ok)
		fprintf(stderr, "gen_codec_seeds: cannot write '%s'\n", path);
	return ok ? 0 : -1;
}

static void
compile_init(Clustcc__CompileRequest *c, Clustcc__CompilerId *id, bool cxx)
{
	static char *args[] = {s_march, s_o2, s_fpic};
	static char *check[] = {s_march, s_o2, s_fpic, s_e, s_dd};
	static char *exact[] = {s_march, s_o2, s_fpic, s_c_flag, s_src};
	static char *env[] = {s_lang, s_sde};

	clustcc__compiler_id__init(id);
	id->path = s_gcc;
	id->size = 1234567;
	id->mtime_ns = 1700000000123456789;
	clustcc__compile_request__init(c);
	c->compiler = id;
	c->n_args = 3;
	c->args = args;
	c->language = cxx ? s_cxx : s_c;
	c->source.data = s_source;
	c->source.len = sizeof(s_source) - 1;
	c->cwd = s_cwd;
	c->source_name = s_src;
	c->n_env = 2;
	c->env = env;
	c->n_check_args = 5;
	c->check_args = check;
	c->n_exact_args = 5;
	c->exact_args = exact;
}

static int
requests(const char *dir)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__CompileRequest c;
	Clustcc__CompilerId id;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__DrainRequest dr = CLUSTCC__DRAIN_REQUEST__INIT;
	Clustcc__LocalNotice ln = CLUSTCC__LOCAL_NOTICE__INIT;
	int rc = 0;

	req.version = CODEC_PROTOCOL_VERSION;
	req.token = s_token;
	compile_init(&c, &id, false);
	req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req.compile = &c;
	rc |= write_seed(dir, "req-compile-c", &req.base);
	compile_init(&c, &id, true);
	c.assemble = true;
	rc |= write_seed(dir, "req-compile-cxx-S", &req.base);
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	rc |= write_seed(dir, "req-status", &req.base);
	req.body_case = CLUSTCC__REQUEST__BODY_DRAIN;
	req.drain = &dr;
	rc |= write_seed(dir, "req-drain", &req.base);
	ln.reason = s_reason;
	req.body_case = CLUSTCC__REQUEST__BODY_LOCAL;
	req.local = &ln;
	rc |= write_seed(dir, "req-local", &req.base);
	return rc;
}

static int
responses(const char *dir)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile of = CLUSTCC__OUTPUT_FILE__INIT;
	Clustcc__OutputFile *files[] = {&of};
	Clustcc__StatusReply st = CLUSTCC__STATUS_REPLY__INIT;
	Clustcc__RankStatus r0 = CLUSTCC__RANK_STATUS__INIT;
	Clustcc__RankStatus r1 = CLUSTCC__RANK_STATUS__INIT;
	Clustcc__RankStatus *ranks[] = {&r0, &r1};
	Clustcc__ReasonCount rc0 = CLUSTCC__REASON_COUNT__INIT;
	Clustcc__ReasonCount lc0 = CLUSTCC__REASON_COUNT__INIT;
	Clustcc__ReasonCount *refusals[] = {&rc0};
	Clustcc__ReasonCount *locals[] = {&lc0};
	Clustcc__DrainReply dr = CLUSTCC__DRAIN_REPLY__INIT;
	int rc = 0;

	resp.version = CODEC_PROTOCOL_VERSION;
	of.name = s_out;
	of.data.data = s_obj;
	of.data.len = sizeof(s_obj) - 1;
	res.stderr_data.data = s_stderr;
	res.stderr_data.len = sizeof(s_stderr) - 1;
	res.n_outputs = 1;
	res.outputs = files;
	res.rank = 1;
	res.job_id = 812;
	res.run_ms = 40;
	res.exact = true;
	resp.body_case = CLUSTCC__RESPONSE__BODY_COMPILE;
	resp.compile = &res;
	rc |= write_seed(dir, "resp-compile", &resp.base);

	r0.rank = 0;
	r0.slots = 1;
	r0.done = 5;
	r1.rank = 1;
	r1.slots = 2;
	r1.running = 1;
	r1.done = 30;
	r1.failed = 1;
	r1.exact = 28;
	rc0.reason = s_busy;
	rc0.count = 3;
	lc0.reason = s_reason;
	lc0.count = 7;
	st.n_ranks = 2;
	st.ranks = ranks;
	st.queue_depth = 4;
	st.uptime_ms = 60000;
	st.received = 35;
	st.completed = 35;
	st.refused = 3;
	st.n_refusals = 1;
	st.refusals = refusals;
	st.n_local_reasons = 1;
	st.local_reasons = locals;
	st.pid = 4711;
	st.version = s_version;
	resp.body_case = CLUSTCC__RESPONSE__BODY_STATUS;
	resp.status = &st;
	rc |= write_seed(dir, "resp-status", &resp.base);

	dr.in_flight = 2;
	resp.body_case = CLUSTCC__RESPONSE__BODY_DRAIN;
	resp.drain = &dr;
	rc |= write_seed(dir, "resp-drain", &resp.base);

	resp.body_case = CLUSTCC__RESPONSE__BODY__NOT_SET;
	resp.refusal = CLUSTCC__REFUSAL__REFUSAL_DRAINING;
	resp.message = s_msg;
	rc |= write_seed(dir, "resp-refusal", &resp.base);
	return rc;
}

static int
worker(const char *dir)
{
	Clustcc__WorkerJob job = CLUSTCC__WORKER_JOB__INIT;
	Clustcc__WorkerResult wr = CLUSTCC__WORKER_RESULT__INIT;
	Clustcc__CompileRequest c;
	Clustcc__CompilerId id;
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile of = CLUSTCC__OUTPUT_FILE__INIT;
	Clustcc__OutputFile *files[] = {&of};
	int rc = 0;

	compile_init(&c, &id, false);
	job.job_id = 812;
	job.compile = &c;
	job.timeout_ms = 600000;
	rc |= write_seed(dir, "worker-job", &job.base);
	of.name = s_out;
	of.data.data = s_obj;
	of.data.len = sizeof(s_obj) - 1;
	res.n_outputs = 1;
	res.outputs = files;
	res.rank = 2;
	res.job_id = 812;
	wr.job_id = 812;
	wr.result = &res;
	rc |= write_seed(dir, "worker-result", &wr.base);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_codec_seeds DIR\n");
		return 2;
	}
	if (requests(argv[1]) || responses(argv[1]) || worker(argv[1]))
		return 1;
	return 0;
}
