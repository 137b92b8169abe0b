/*
 * argv.c - classify a gcc command line: one C/C++ source compiled with -c
 * into one object (remote), or a reason to run the real gcc locally.
 *
 * Two passes over the arguments share one tokenizer (read_opt): the first
 * collects facts (inputs, -c, -o, -x, dependency options, local-only
 * options) into struct scan; the second, only for a remote verdict, copies
 * the arguments into the two vectors of the plan. Option knowledge lives in
 * compopt.c; this file adds what a flag bit cannot say: which rows play a
 * role (-c, -o, -x, -MD, -MF, -MT/-MQ, -Wa, ...), source suffixes, and the
 * file names gcc derives itself (object and .d names).
 *
 * Local reasons are ranked (precedence[] below) so a command with several
 * reasons always reports the same, most basic one. Pure functions: no I/O,
 * no globals, thread-safe. The spec is docs/classification.md.
 */
#include "argv.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccerr.h"
#include "compopt.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* What a table row means to the classifier beyond its flags. */
enum role {
	ROLE_NONE,
	ROLE_COMPILE,     /* -c */
	ROLE_ASSEMBLE,    /* -S: compile to assembly (wins over -c) */
	ROLE_OUTPUT,      /* -o */
	ROLE_LANG,        /* -x */
	ROLE_DEPS_ON,     /* -MD, -MMD */
	ROLE_DEPS_FILE,   /* -MF */
	ROLE_DEPS_TARGET, /* -MT, -MQ */
	ROLE_ASM_LIST,    /* -Wa,a,b,c */
	ROLE_ASM_ARG,     /* -Xassembler a */
	ROLE_OPT_INFO,    /* -fopt-info[-...][=file] */
};

struct role_row {
	const char *name; /* a compopt row name */
	enum role role;
};

static const struct role_row roles[] = {
        {"--assemble", ROLE_ASSEMBLE},
        {"--compile", ROLE_COMPILE},
        {"--language", ROLE_LANG},
        {"--language=", ROLE_LANG},
        {"--output", ROLE_OUTPUT},
        {"--output=", ROLE_OUTPUT},
        {"--write-dependencies", ROLE_DEPS_ON},
        {"--write-user-dependencies", ROLE_DEPS_ON},
        {"-MD", ROLE_DEPS_ON},
        {"-MF", ROLE_DEPS_FILE},
        {"-MMD", ROLE_DEPS_ON},
        {"-MQ", ROLE_DEPS_TARGET},
        {"-MT", ROLE_DEPS_TARGET},
        {"-S", ROLE_ASSEMBLE},
        {"-Wa,", ROLE_ASM_LIST},
        {"-Xassembler", ROLE_ASM_ARG},
        {"-c", ROLE_COMPILE},
        {"-fopt-info", ROLE_OPT_INFO},
        {"-o", ROLE_OUTPUT},
        {"-x", ROLE_LANG},
};

enum input_kind {
	INPUT_C,
	INPUT_CXX,
	INPUT_HEADER, /* compiling it builds a precompiled header */
	INPUT_OTHER,  /* a language gcc knows that is not C/C++ */
	INPUT_LINKER, /* unknown suffix: gcc passes it to the linker */
	INPUT_STDIN,
};

struct suffix_row {
	const char *suffix;
	enum input_kind kind;
};

/* gcc 12's default_compilers[] and cp/lang-specs.h; case matters. */
static const struct suffix_row suffixes[] = {
        {".c", INPUT_C},        {".cc", INPUT_CXX},     {".cp", INPUT_CXX},
        {".cxx", INPUT_CXX},    {".cpp", INPUT_CXX},    {".CPP", INPUT_CXX},
        {".c++", INPUT_CXX},    {".C", INPUT_CXX},      {".h", INPUT_HEADER},
        {".hh", INPUT_HEADER},  {".H", INPUT_HEADER},   {".hp", INPUT_HEADER},
        {".hxx", INPUT_HEADER}, {".hpp", INPUT_HEADER}, {".HPP", INPUT_HEADER},
        {".h++", INPUT_HEADER}, {".tcc", INPUT_HEADER}, {".i", INPUT_OTHER},
        {".ii", INPUT_OTHER},   {".s", INPUT_OTHER},    {".S", INPUT_OTHER},
        {".sx", INPUT_OTHER},   {".m", INPUT_OTHER},    {".mi", INPUT_OTHER},
        {".mm", INPUT_OTHER},   {".M", INPUT_OTHER},    {".mii", INPUT_OTHER},
        {".f", INPUT_OTHER},    {".for", INPUT_OTHER},  {".ftn", INPUT_OTHER},
        {".fpp", INPUT_OTHER},  {".F", INPUT_OTHER},    {".FOR", INPUT_OTHER},
        {".FTN", INPUT_OTHER},  {".FPP", INPUT_OTHER},  {".f90", INPUT_OTHER},
        {".f95", INPUT_OTHER},  {".f03", INPUT_OTHER},  {".f08", INPUT_OTHER},
        {".F90", INPUT_OTHER},  {".F95", INPUT_OTHER},  {".F03", INPUT_OTHER},
        {".F08", INPUT_OTHER},  {".ads", INPUT_OTHER},  {".adb", INPUT_OTHER},
        {".d", INPUT_OTHER},    {".di", INPUT_OTHER},   {".dd", INPUT_OTHER},
        {".go", INPUT_OTHER},   {".mod", INPUT_OTHER},  {".def", INPUT_OTHER},
};

/*
 * Which local reason wins when a command has several: the most basic one
 * first (the command is not a compile at all), then inputs and outputs,
 * then options. Every classifier reason appears exactly once.
 */
static const enum fallback_reason precedence[] = {
        FALLBACK_RESPONSE_FILE,
        FALLBACK_INFO_QUERY,
        FALLBACK_PREPROCESS_ONLY,
        FALLBACK_DEPS_ONLY,
        FALLBACK_SYNTAX_ONLY,
        FALLBACK_NOT_COMPILE,
        FALLBACK_NO_SOURCE,
        FALLBACK_MULTIPLE_SOURCES,
        FALLBACK_STDIN_SOURCE,
        FALLBACK_LANGUAGE,
        FALLBACK_PCH,
        FALLBACK_CONFTEST,
        FALLBACK_STDOUT_OUTPUT,
        FALLBACK_DEV_NULL_OUTPUT,
        FALLBACK_NATIVE_ARCH,
        FALLBACK_COVERAGE,
        FALLBACK_PROFILE,
        FALLBACK_SIDE_OUTPUT,
        FALLBACK_SPLIT_DWARF,
        FALLBACK_HOST_FILES,
        FALLBACK_MODULES,
        FALLBACK_PREPROCESSOR_PASSTHROUGH,
        FALLBACK_ASSEMBLER_FILES,
};
static_assert(ARRAY_LEN(precedence) == FALLBACK_DISABLED - 1,
              "every classifier reason has a rank");

/* One option or input as read from the command line. */
struct opt {
	const char *arg;           /* the argument itself */
	const struct compopt *row; /* NULL: ordinary option or input */
	enum role role;
	const char *value;     /* the option's argument, if any */
	int span;              /* argv slots used: 1 or 2 */
	bool is_input;         /* a file operand ("-" included) */
	bool is_response_file; /* @file */
	bool missing_arg;      /* option at the end lacks its argument */
};

/* Facts collected by the first pass. */
struct scan {
	bool cxx_driver;
	const char *x_lang; /* active -x value, NULL after -x none */
	bool x_seen;        /* an -x since the last input (g++spec.cc) */
	int n_inputs;
	int source_index;     /* argv index of the first input */
	enum input_kind kind; /* of the first input */
	int n_outputs;
	const char *output; /* last -o value */
	bool has_compile;
	bool has_assemble;
	bool writes_deps;
	bool has_deps_file;
	bool has_deps_target;
	enum fallback_reason reason;
};

static size_t
reason_rank(enum fallback_reason reason)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(precedence); i++) {
		if (precedence[i] == reason)
			return i;
	}
	return ARRAY_LEN(precedence);
}

static void
note(struct scan *s, enum fallback_reason reason)
{
	if (reason_rank(reason) < reason_rank(s->reason))
		s->reason = reason;
}

static enum role
role_of(const struct compopt *row)
{
	size_t i;

	if (!row)
		return ROLE_NONE;
	for (i = 0; i < ARRAY_LEN(roles); i++) {
		if (strcmp(roles[i].name, row->name) == 0)
			return roles[i].role;
	}
	return ROLE_NONE;
}

/* Fill o->value and o->span from the row's TAKES_* flags. */
static void
read_value(int argc, char *const args[], int i, struct opt *o)
{
	size_t len = strlen(o->row->name);
	unsigned flags = o->row->flags;

	if (o->arg[len] != '\0' || !(flags & COMPOPT_TAKES_ARG)) {
		if (flags & COMPOPT_TAKES_CONCAT)
			o->value = o->arg + len;
		return;
	}
	if (i + 1 >= argc) {
		o->missing_arg = true;
		return;
	}
	o->value = args[i + 1];
	o->span = 2;
}

/* Read the option or input at args[i]. */
/*
 * gcc reads a long option it does not know, --X, as -fX (checked with gcc
 * 12: --plugin=p.so loads p.so, --stack-usage writes a .su file). Only a
 * local row is taken from the -f spelling: "--" and "-f" have the same
 * length, so the row's value offsets hold for both.
 */
static const struct compopt *
long_as_f_option(const char *arg)
{
	char f[256];
	const struct compopt *row;

	if (snprintf(f, sizeof(f), "-f%s", arg + 2) >= (int)sizeof(f))
		return NULL;
	row = compopt_find(f);
	return row && (row->flags & COMPOPT_LOCAL) ? row : NULL;
}

static void
read_opt(int argc, char *const args[], int i, struct opt *o)
{
	const char *a = args[i];

	memset(o, 0, sizeof(*o));
	o->arg = a;
	o->span = 1;
	if (a[0] == '@') {
		o->is_response_file = true;
		return;
	}
	if (a[0] != '-' || a[1] == '\0') {
		o->is_input = true;
		return;
	}
	o->row = compopt_find(a);
	if (!o->row && a[1] == '-')
		o->row = long_as_f_option(a);
	if (!o->row)
		return;
	o->role = role_of(o->row);
	read_value(argc, args, i, o);
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* gcc's suffix: from the last '.' of the base name, unless it leads it. */
static const char *
suffix_of(const char *path)
{
	const char *base = base_name(path);
	const char *dot = strrchr(base, '.');

	return (dot && dot != base) ? dot : NULL;
}

static enum input_kind
kind_of_suffix(const char *path)
{
	const char *suffix = suffix_of(path);
	size_t i;

	if (!suffix)
		return INPUT_LINKER;
	for (i = 0; i < ARRAY_LEN(suffixes); i++) {
		if (strcmp(suffixes[i].suffix, suffix) == 0)
			return suffixes[i].kind;
	}
	return INPUT_LINKER;
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s);
	size_t m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

static enum input_kind
kind_of_lang(const char *lang)
{
	if (strcmp(lang, "c") == 0)
		return INPUT_C;
	if (strcmp(lang, "c++") == 0)
		return INPUT_CXX;
	if (ends_with(lang, "-header"))
		return INPUT_HEADER;
	return INPUT_OTHER;
}

/*
 * g++ compiles a .c file as C++ unless an -x came before it, even
 * "-x none" (g++spec.cc: saw_speclang; measured with gcc 12).
 */
static enum input_kind
kind_of_input(const struct scan *s, const char *path)
{
	enum input_kind kind;

	if (strcmp(path, "-") == 0)
		return INPUT_STDIN;
	if (s->x_lang)
		return kind_of_lang(s->x_lang);
	kind = kind_of_suffix(path);
	if (kind == INPUT_C && s->cxx_driver && !s->x_seen)
		return INPUT_CXX;
	return kind;
}

static void
note_input(struct scan *s, const char *path, int index)
{
	s->n_inputs++;
	if (s->n_inputs == 1) {
		s->source_index = index;
		s->kind = kind_of_input(s, path);
	}
	s->x_seen = false;
}

/* One item of -Wa,a,b or -Xassembler a: does it read or write files? */
static bool
asm_item_uses_files(const char *item, size_t len)
{
	if (len == 0 || item[0] != '-')
		return true; /* an operand: a file name, or "" */
	if (len >= 2 && strncmp(item, "-a", 2) == 0)
		return true; /* -a[cdghlmns][=file]: listing */
	if (len >= 4 && strncmp(item, "--MD", 4) == 0)
		return true;
	if (len == 2 && strncmp(item, "-o", 2) == 0)
		return true;
	return memchr(item, '@', len) != NULL;
}

static bool
asm_list_uses_files(const char *list)
{
	for (;;) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);

		if (asm_item_uses_files(list, len))
			return true;
		if (!comma)
			return false;
		list = comma + 1;
	}
}

/* -MF names a stream rather than a file: the wrapper could not keep it. */
static bool
is_stream_path(const char *path)
{
	if (strcmp(path, "-") == 0)
		return true;
	return strncmp(path, "/dev/", 5) == 0 && strcmp(path, "/dev/null") != 0;
}

static void
apply_role(struct scan *s, const struct opt *o)
{
	switch (o->role) {
	case ROLE_COMPILE:
		s->has_compile = true;
		break;
	case ROLE_ASSEMBLE:
		s->has_assemble = true;
		break;
	case ROLE_OUTPUT:
		s->n_outputs++;
		s->output = o->value;
		break;
	case ROLE_LANG:
		s->x_seen = true;
		s->x_lang = strcmp(o->value, "none") == 0 ? NULL : o->value;
		break;
	case ROLE_DEPS_ON:
		s->writes_deps = true;
		break;
	case ROLE_DEPS_FILE:
		s->has_deps_file = true;
		if (is_stream_path(o->value))
			note(s, FALLBACK_STDOUT_OUTPUT);
		break;
	case ROLE_DEPS_TARGET:
		s->has_deps_target = true;
		break;
	case ROLE_ASM_LIST:
		if (asm_list_uses_files(o->value))
			note(s, FALLBACK_ASSEMBLER_FILES);
		break;
	case ROLE_ASM_ARG:
		if (asm_item_uses_files(o->value, strlen(o->value)))
			note(s, FALLBACK_ASSEMBLER_FILES);
		break;
	case ROLE_OPT_INFO:
		if (strchr(o->arg, '='))
			note(s, FALLBACK_SIDE_OUTPUT);
		break;
	case ROLE_NONE:
		break;
	}
}

static bool
role_needs_value(enum role role)
{
	return role == ROLE_OUTPUT || role == ROLE_LANG ||
	       role == ROLE_DEPS_FILE || role == ROLE_ASM_LIST ||
	       role == ROLE_ASM_ARG;
}

static void
scan_opt(struct scan *s, const struct opt *o, int index)
{
	if (o->is_response_file) {
		note(s, FALLBACK_RESPONSE_FILE);
		return;
	}
	if (o->is_input) {
		note_input(s, o->arg, index);
		return;
	}
	if (o->missing_arg || (role_needs_value(o->role) && !o->value)) {
		/* gcc rejects the command; let it say so. */
		note(s, FALLBACK_NOT_COMPILE);
		return;
	}
	if (o->row && (o->row->flags & COMPOPT_LOCAL))
		note(s, o->row->reason);
	apply_role(s, o);
}

/* autoconf and CMake probes: tiny, latency-bound, often fail on purpose. */
static bool
is_probe(const char *source, const char *output)
{
	const char *base = base_name(source);

	if (strncmp(base, "conftest.", 9) == 0 ||
	    strncmp(base, "tmp.conftest.", 13) == 0)
		return true;
	if (strncmp(base, "CMakeCCompiler", 14) == 0 ||
	    strncmp(base, "CMakeCXXCompiler", 16) == 0)
		return true;
	if (strstr(source, "CMakeScratch/") || strstr(source, "CMakeTmp/"))
		return true;
	return output && strstr(output, "cmTC_") != NULL;
}

static void
check_inputs(struct scan *s, char *const args[])
{
	static const enum fallback_reason by_kind[] = {
	        [INPUT_C] = FALLBACK_NONE,
	        [INPUT_CXX] = FALLBACK_NONE,
	        [INPUT_HEADER] = FALLBACK_PCH,
	        [INPUT_OTHER] = FALLBACK_LANGUAGE,
	        [INPUT_LINKER] = FALLBACK_NO_SOURCE,
	        [INPUT_STDIN] = FALLBACK_STDIN_SOURCE,
	};

	if (s->n_inputs == 0) {
		note(s, FALLBACK_NO_SOURCE);
		return;
	}
	if (s->n_inputs > 1) {
		note(s, FALLBACK_MULTIPLE_SOURCES);
		return;
	}
	note(s, by_kind[s->kind]);
	if (is_probe(args[s->source_index], s->output))
		note(s, FALLBACK_CONFTEST);
}

static void
check_output(struct scan *s, char *const args[])
{
	const char *out = s->output;

	if (s->n_outputs == 0)
		return;
	if (s->n_outputs > 1) {
		note(s, FALLBACK_DEV_NULL_OUTPUT); /* which one wins is gcc's
		                                      business */
		return;
	}
	if (strcmp(out, "-") == 0) {
		note(s, FALLBACK_STDOUT_OUTPUT);
		return;
	}
	if (out[0] == '\0' || strncmp(out, "/dev/", 5) == 0 ||
	    ends_with(out, "/"))
		note(s, FALLBACK_DEV_NULL_OUTPUT);
	else if (s->n_inputs == 1 && strcmp(out, args[s->source_index]) == 0)
		note(s, FALLBACK_DEV_NULL_OUTPUT); /* gcc refuses to overwrite
		                                      it */
}

static void
scan_args(int argc, char *const args[], struct scan *s)
{
	struct opt o;
	int i;

	for (i = 0; i < argc; i += o.span) {
		read_opt(argc, args, i, &o);
		scan_opt(s, &o, i);
	}
	if (!s->has_compile && !s->has_assemble)
		note(s, FALLBACK_NOT_COMPILE);
	check_inputs(s, args);
	check_output(s, args);
}

/*
 * Names gcc derives. Without -o: the source's base name minus its suffix
 * (%b), plus ".o" or ".d", in the cwd. With -o and -MD: the -o value with
 * the suffix of its last component replaced by ".d" (%.d%*: here a leading
 * dot counts, "obj/.o" gives "obj/.d"); measured with gcc 12 -###.
 */
static char *
derived_name(const struct scan *s, const char *source, const char *ext)
{
	const char *from;
	const char *dot;
	size_t stem;
	char *name;

	if (s->output && strcmp(ext, ".d") == 0) {
		from = s->output;
		dot = strrchr(base_name(from), '.');
	} else {
		from = base_name(source);
		dot = suffix_of(from);
	}
	stem = dot ? (size_t)(dot - from) : strlen(from);
	name = malloc(stem + strlen(ext) + 1);
	if (!name)
		return NULL;
	memcpy(name, from, stem);
	strcpy(name + stem, ext);
	return name;
}

enum dest {
	DEST_NONE,
	DEST_CPP,
	DEST_BOTH,
};

static enum dest
dest_of(const struct opt *o)
{
	if (o->is_input)
		return DEST_CPP;
	if (o->role == ROLE_OUTPUT)
		return DEST_NONE;
	if (o->role == ROLE_LANG)
		return DEST_CPP;
	if (o->row && (o->row->flags & (COMPOPT_CPP_ONLY | COMPOPT_DEPS)))
		return DEST_CPP;
	return DEST_BOTH;
}

/* The argument vectors of a plan (see argv.h). */
enum step {
	STEP_CPP,   /* cpp_args */
	STEP_CC,    /* cc_args */
	STEP_CHECK, /* check_args: cpp_args without dependency options */
	STEP_EXACT, /* exact_args: the original without -o and dependency
	               options */
};

static bool
is_deps(const struct opt *o)
{
	return o->row && (o->row->flags & COMPOPT_DEPS);
}

static bool
wanted(const struct opt *o, enum step step)
{
	enum dest d = dest_of(o);

	switch (step) {
	case STEP_CPP:
		return d != DEST_NONE;
	case STEP_CC:
		return d == DEST_BOTH;
	case STEP_CHECK:
		return d != DEST_NONE && !is_deps(o);
	case STEP_EXACT:
		return o->role != ROLE_OUTPUT && !is_deps(o);
	}
	return false;
}

/* Copy the arguments for one step into v; returns how many. */
static size_t
fill_args(int argc, char *const args[], enum step step, char **v)
{
	struct opt o;
	size_t n = 0;
	int i;

	for (i = 0; i < argc; i += o.span) {
		int k;

		read_opt(argc, args, i, &o);
		if ((o.role == ROLE_COMPILE || o.role == ROLE_ASSEMBLE) &&
		    step != STEP_EXACT) {
			if (step == STEP_CPP || step == STEP_CHECK)
				v[n++] = (char *)"-E";
			continue;
		}
		if (!wanted(&o, step))
			continue;
		for (k = 0; k < o.span; k++)
			v[n++] = args[i + k];
	}
	return n;
}

/* Append opt and a copy of value (stored at *strs) to v. */
static size_t
append_pair(char **v, size_t n, const char *opt, const char *value, char **strs)
{
	size_t len = strlen(value) + 1;

	v[n++] = (char *)opt;
	v[n++] = memcpy(*strs, value, len);
	*strs += len;
	return n;
}

/*
 * The preprocessing step runs with "-o TMP.i", so gcc would name the .d
 * and its target after TMP.i: name both as the original command would
 * (its driver adds "-MQ <-o value>" when -o is given and no -MT/-MQ; see
 * gcc.cc cpp_unique_options). One allocation holds the vector and the two
 * strings, so free(v) releases all.
 */
static int
build_cpp_args(int argc, char *const args[], const struct scan *s,
               const char *source, char ***out)
{
	char *deps = NULL;
	const char *target = NULL;
	size_t slots = (size_t)argc + 5;
	size_t bytes = 0;
	char **v;
	char *strs;
	size_t n;

	if (s->writes_deps && !s->has_deps_file) {
		deps = derived_name(s, source, ".d");
		if (!deps)
			return CC_ENOMEM;
		bytes += strlen(deps) + 1;
	}
	if (s->writes_deps && !s->has_deps_target && s->output) {
		target = s->output;
		bytes += strlen(target) + 1;
	}
	v = malloc(slots * sizeof(*v) + bytes);
	if (!v) {
		free(deps);
		return CC_ENOMEM;
	}
	strs = (char *)(v + slots);
	n = fill_args(argc, args, STEP_CPP, v);
	if (deps)
		n = append_pair(v, n, "-MF", deps, &strs);
	if (target)
		n = append_pair(v, n, "-MQ", target, &strs);
	v[n] = NULL;
	free(deps);
	*out = v;
	return CC_OK;
}

/* A vector for step; check_args also get -fdirectives-only (see argv.h). */
static int
build_step_args(int argc, char *const args[], enum step step, char ***out)
{
	char **v = malloc(((size_t)argc + 2) * sizeof(*v));
	size_t n;

	if (!v)
		return CC_ENOMEM;
	n = fill_args(argc, args, step, v);
	if (step == STEP_CHECK)
		v[n++] = (char *)"-fdirectives-only";
	v[n] = NULL;
	*out = v;
	return CC_OK;
}

static int
build_plan(int argc, char *const args[], const struct scan *s,
           struct compile_plan *plan)
{
	struct compile_plan p = {0};
	const char *source = args[s->source_index];
	int rc = CC_ENOMEM;

	p.lang = s->kind == INPUT_CXX ? PLAN_LANG_CXX : PLAN_LANG_C;
	p.source = source;
	p.writes_deps = s->writes_deps;
	p.assemble = s->has_assemble;
	p.output = s->output
	                   ? strdup(s->output)
	                   : derived_name(s, source, p.assemble ? ".s" : ".o");
	if (!p.output)
		goto out;
	rc = build_cpp_args(argc, args, s, source, &p.cpp_args);
	if (rc != CC_OK)
		goto out;
	rc = build_step_args(argc, args, STEP_CC, &p.cc_args);
	if (rc == CC_OK)
		rc = build_step_args(argc, args, STEP_CHECK, &p.check_args);
	if (rc == CC_OK)
		rc = build_step_args(argc, args, STEP_EXACT, &p.exact_args);
	if (rc != CC_OK)
		goto out;
	*plan = p;
	return CC_OK;
out:
	argv_plan_release(&p);
	return rc;
}

int
argv_classify(int argc, char *const args[], bool cxx_driver,
              struct compile_plan *plan, enum fallback_reason *reason)
{
	struct scan s = {0};

	if (argc < 0 || (argc > 0 && !args) || !plan || !reason)
		return CC_EINVAL;
	if ((size_t)argc > SIZE_MAX / sizeof(char *) - 8)
		return CC_ENOMEM;
	s.cxx_driver = cxx_driver;
	s.reason = FALLBACK_NONE;
	scan_args(argc, args, &s);
	if (s.reason == FALLBACK_NONE &&
	    build_plan(argc, args, &s, plan) != CC_OK) {
		*reason = FALLBACK_INTERNAL;
		return CC_ENOMEM;
	}
	*reason = s.reason;
	return CC_OK;
}

void
argv_plan_release(struct compile_plan *plan)
{
	if (!plan)
		return;
	free(plan->output);
	free(plan->cpp_args);
	free(plan->cc_args);
	free(plan->check_args);
	free(plan->exact_args);
	plan->output = NULL;
	plan->cpp_args = NULL;
	plan->cc_args = NULL;
	plan->check_args = NULL;
	plan->exact_args = NULL;
	plan->source = NULL;
}
