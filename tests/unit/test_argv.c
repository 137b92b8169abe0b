/*
 * test_argv.c - the classifier as a table (distcc's ScanArgs_Case): one row
 * per command line, remote or the local reason, source and output; exact
 * cpp_args/cc_args for a few plans; and the plan against the real gcc:
 * the .d file from preprocessing with plan.cpp_args must be byte-identical
 * to the one the original command writes, under the same name, and the
 * object from cpp_args + cc_args identical to the original object.
 */
#include <criterion/alloc.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv.h"
#include "child.h"
#include "fallback.h"
#include "testutil.h"

#define MAX_ARGS 128

/* A command line split on blanks; '...' quotes (no escapes). */
struct cmd {
	int argc;
	char *argv[MAX_ARGS + 1];
	char buf[4096];
};

static void
cmd_split(struct cmd *c, const char *line)
{
	char *w = c->buf;
	const char *p = line;

	c->argc = 0;
	cr_assert_lt(strlen(line), sizeof(c->buf) / 2, "line too long");
	while (*p) {
		bool quoted = false;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		cr_assert_lt(c->argc, MAX_ARGS);
		c->argv[c->argc++] = w;
		while (*p && (quoted || *p != ' ')) {
			if (*p == '\'')
				quoted = !quoted;
			else
				*w++ = *p;
			p++;
		}
		*w++ = '\0';
	}
	c->argv[c->argc] = NULL;
}

/* Join a NULL-terminated vector with single blanks. */
static void
join(char *const *v, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (; v && *v; v++) {
		int rc = snprintf(out + n, size - n, "%s%s", n ? " " : "", *v);

		cr_assert(rc >= 0 && (size_t)rc < size - n, "join overflow");
		n += (size_t)rc;
	}
}

/*
 * Criterion runs each parameter in a fresh process (a new PIE base), so
 * pointers into this binary's tables cannot travel in the parameters:
 * pass row indices in cr_malloc'd memory instead.
 */
static void
free_params(struct criterion_test_params *params)
{
	cr_free(params->params);
}

static struct criterion_test_params
index_params(size_t n)
{
	size_t *idx = cr_malloc(n * sizeof(*idx));
	size_t i;

	for (i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n, free_params);
}

/* ---- classification table ---------------------------------------- */

#define REMOTE FALLBACK_NONE
#define C      PLAN_LANG_C
#define CXX    PLAN_LANG_CXX

struct argv_case {
	const char *cmdline;
	bool cxx_driver;
	enum fallback_reason reason;
	const char *source; /* remote rows only */
	const char *output; /* remote rows only */
	enum plan_lang lang;
};

/* clang-format off */
static const struct argv_case cases[] = {
	/* Plain compiles and the odd spellings of -o, -c, -x. */
	{"-c a.c", false, REMOTE, "a.c", "a.o", C},
	{"-c src/foo.cpp", false, REMOTE, "src/foo.cpp", "foo.o", CXX},
	{"-c a.c -o b.o", false, REMOTE, "a.c", "b.o", C},
	{"-c a.c -ofoo.o", false, REMOTE, "a.c", "foo.o", C},
	{"a.c -c", false, REMOTE, "a.c", "a.o", C},
	{"-O2 -o out/x.o a.c -c", false, REMOTE, "a.c", "out/x.o", C},
	{"-c a.c -o obj/a", false, REMOTE, "a.c", "obj/a", C},
	{"-c .hidden.c", false, REMOTE, ".hidden.c", ".hidden.o", C},
	{"-c dir.x/a.b.c", false, REMOTE, "dir.x/a.b.c", "a.b.o", C},
	{"-x c -c foo", false, REMOTE, "foo", "foo.o", C},
	{"-xc++ -c foo.c", false, REMOTE, "foo.c", "foo.o", CXX},
	{"-x c++ -c x.cc", false, REMOTE, "x.cc", "x.o", CXX},
	{"-c -x c src/h.h -o h.o", false, REMOTE, "src/h.h", "h.o", C},
	{"-c a.c -x assembler", false, REMOTE, "a.c", "a.o", C},
	{"--language c -c foo", false, REMOTE, "foo", "foo.o", C},
	{"--language=c++ -c foo", false, REMOTE, "foo", "foo.o", CXX},
	{"--compile a.c --output=b.o", false, REMOTE, "a.c", "b.o", C},
	{"--output b.o -c a.c", false, REMOTE, "a.c", "b.o", C},
	{"-c a.C", false, REMOTE, "a.C", "a.o", CXX},
	{"-c a.cxx", false, REMOTE, "a.cxx", "a.o", CXX},
	{"-c a.c++", false, REMOTE, "a.c++", "a.o", CXX},
	{"-c a.CPP", false, REMOTE, "a.CPP", "a.o", CXX},
	{"-c a.cp", false, REMOTE, "a.cp", "a.o", CXX},
	/* g++ turns .c into C++ unless an -x (even none) came first. */
	{"-c y.c", true, REMOTE, "y.c", "y.o", CXX},
	{"-x none -c y.c", true, REMOTE, "y.c", "y.o", C},
	{"-x c -c y.c", true, REMOTE, "y.c", "y.o", C},
	{"-c y.c -x c", true, REMOTE, "y.c", "y.o", CXX},
	/* Options with arguments must not be taken for sources. */
	{"-I inc -Iinc2 -D X=1 -DY -U Z -include cfg.h -isystem sys -c a.c", false, REMOTE, "a.c", "a.o", C},
	{"-iquote q -idirafter d -imacros m.h -iprefix p -iwithprefix w -iwithprefixbefore b -c a.c", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c -Xlinker -rpath -Xlinker /x -L /lib -l m -T ld.x -u sym -e main -z now", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c --param max-inline-insns-single=10 -undef", false, REMOTE, "a.c", "a.o", C},
	{"-MD -MF x.d -c a.c -o a.o", false, REMOTE, "a.c", "a.o", C},
	{"-MFx.d -MMD -c a.c", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c -MD -MP -MT t -MQ q", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c --sysroot /sr -isysroot /sr2 --sysroot=/sr3", false, REMOTE, "a.c", "a.o", C},
	/* Remote-safe look-alikes of local options. */
	{"-c a.c -Wa,--noexecstack", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c -Xassembler --noexecstack", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c -dA -ftime-report", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c -fopt-info-vec", false, REMOTE, "a.c", "a.o", C},
	{"-c a.c -march=znver3 -mtune=znver3 -g -Wpedantic", false, REMOTE, "a.c", "a.o", C},
	/* Real Spack lines (spack-argv-samples/, $STAGE expanded). */
	{"-march=znver3 -mtune=znver3 -O2 -c -o /stage/spack-src/simple.o /stage/spack-src/simple.c", false, REMOTE, "/stage/spack-src/simple.c", "/stage/spack-src/simple.o", C},
	{"-march=znver3 -mtune=znver3 -c -fPIC -O2 -D_LARGEFILE64_SOURCE=1 ztest3208.c", false, REMOTE, "ztest3208.c", "ztest3208.o", C},
	{"-march=znver3 -mtune=znver3 -fPIC -O2 -D_LARGEFILE64_SOURCE=1 -DHAVE_HIDDEN -c -o adler32.o adler32.c", false, REMOTE, "adler32.c", "adler32.o", C},
	{"-march=znver3 -mtune=znver3 -I. -fPIC -O2 -D_LARGEFILE64_SOURCE=1 -DHAVE_HIDDEN -D_FILE_OFFSET_BITS=64 -c -o minigzip64.o test/minigzip.c", false, REMOTE, "test/minigzip.c", "minigzip64.o", C},
	{"-march=znver3 -mtune=znver3 -I/stage/spack-src -Dgreet_EXPORTS -O3 -DNDEBUG -fPIC -MD -MT CMakeFiles/greet.dir/greet.c.o -MF CMakeFiles/greet.dir/greet.c.o.d -o CMakeFiles/greet.dir/greet.c.o -c /stage/spack-src/greet.c", false, REMOTE, "/stage/spack-src/greet.c", "CMakeFiles/greet.dir/greet.c.o", C},
	{"-march=znver3 -mtune=znver3 -O3 -DNDEBUG -MD -MT CMakeFiles/hellocxx.dir/main.cc.o -MF CMakeFiles/hellocxx.dir/main.cc.o.d -o CMakeFiles/hellocxx.dir/main.cc.o -c /stage/spack-src/main.cc", true, REMOTE, "/stage/spack-src/main.cc", "CMakeFiles/hellocxx.dir/main.cc.o", CXX},
	{"-march=znver3 -mtune=znver3 -I. '-DPACKAGE_NAME=\"hello-autotools\"' '-DPACKAGE_STRING=\"hello-autotools 1.0\"' '-DPACKAGE_BUGREPORT=\"\"' -DHAVE_STDIO_H=1 -g -O2 -MT greet.o -MD -MP -MF .deps/greet.Tpo -c -o greet.o greet.c", false, REMOTE, "greet.c", "greet.o", C},
	{"-march=znver3 -mtune=znver3 -L/prefix/gcc-runtime/lib -Wl,--disable-new-dtags -Wl,-rpath,/prefix/zlib/lib -shared -Wl,-soname -Wl,libz.so.1 -Wl,--version-script -Wl,zlib.map -fPIC -O2 -o libz.so.1.3.1 adler32.lo crc32.lo -lc", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	{"-march=znver3 -mtune=znver3 -L/prefix/gcc-runtime/lib -Wl,--disable-new-dtags -print-sysroot", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"-march=znver3 -mtune=znver3 -L/prefix/gcc-runtime/lib -Wl,--disable-new-dtags CMakeCCompilerId.c", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	{"-v -o CMakeFiles/cmTC_67243.dir/CMakeCCompilerABI.c.o -c /usr/share/cmake-3.25/Modules/CMakeCCompilerABI.c", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"-march=znver3 -mtune=znver3 -MT sub/conftest.o -MD -MP -MF sub/conftest.TPo -c -o sub/conftest.o sub/conftest.c", false, FALLBACK_CONFTEST, NULL, NULL, C},
	{"-march=znver3 -mtune=znver3 -c -g -O2 conftest.c", false, FALLBACK_CONFTEST, NULL, NULL, C},
	{"-march=znver3 -mtune=znver3 -o conftest -g -O2 conftest.c", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	{"-o CMakeFiles/cmTC_6a478.dir/src.c.o -c /b/CMakeFiles/CMakeScratch/TryCompile-2bq/src.c", false, FALLBACK_CONFTEST, NULL, NULL, C},
	{"-c tmp.conftest.c", false, FALLBACK_CONFTEST, NULL, NULL, C},
	/* Not a compile, or the compiler asked about itself. */
	{"a.c", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	{"-o prog a.o b.o", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	{"", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	{"-v", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"--version", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"-dumpmachine", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"-dumpfullversion -dumpversion", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"-### -c a.c", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"--help=warnings", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"-print-prog-name=cc1", false, FALLBACK_INFO_QUERY, NULL, NULL, C},
	{"-E a.c", false, FALLBACK_PREPROCESS_ONLY, NULL, NULL, C},
	{"-c -E a.c -o a.i", false, FALLBACK_PREPROCESS_ONLY, NULL, NULL, C},
	{"-march=native -E a.c", false, FALLBACK_PREPROCESS_ONLY, NULL, NULL, C},
	{"-M a.c", false, FALLBACK_DEPS_ONLY, NULL, NULL, C},
	{"-MM -c a.c", false, FALLBACK_DEPS_ONLY, NULL, NULL, C},
	{"-M -MD -c a.c", false, FALLBACK_DEPS_ONLY, NULL, NULL, C},
	{"-fsyntax-only -c a.c", false, FALLBACK_SYNTAX_ONLY, NULL, NULL, C},
	{"-S a.c", false, FALLBACK_NONE, "a.c", "a.s", C},
	{"-c -S a.c", false, FALLBACK_NONE, "a.c", "a.s", C},
	{"-S src/a.c -o obj/a.s", false, FALLBACK_NONE, "src/a.c", "obj/a.s", C},
	{"-c a.c -o", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	{"-c a.c -I", false, FALLBACK_NOT_COMPILE, NULL, NULL, C},
	/* Inputs. */
	{"-c", false, FALLBACK_NO_SOURCE, NULL, NULL, C},
	{"-x c -c -o x.o", false, FALLBACK_NO_SOURCE, NULL, NULL, C},
	{"-c foo.o", false, FALLBACK_NO_SOURCE, NULL, NULL, C},
	{"-c .c", false, FALLBACK_NO_SOURCE, NULL, NULL, C},
	{"-c a.CC", false, FALLBACK_NO_SOURCE, NULL, NULL, C},
	{"-c a.c b.c", false, FALLBACK_MULTIPLE_SOURCES, NULL, NULL, C},
	{"-c a.c foo.o", false, FALLBACK_MULTIPLE_SOURCES, NULL, NULL, C},
	{"-c a.c -Tdata 0x1000", false, REMOTE, "a.c", "a.o", C},
	{"-x c -c -", false, FALLBACK_STDIN_SOURCE, NULL, NULL, C},
	{"-c - -o x.o", false, FALLBACK_STDIN_SOURCE, NULL, NULL, C},
	{"-c a.s", false, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-c a.S", false, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-c a.f90", false, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-c a.m", false, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-c a.i", false, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-c a.ii", true, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-x assembler -c a.c", false, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-x cpp-output -c a.c", false, FALLBACK_LANGUAGE, NULL, NULL, C},
	{"-c a.h", false, FALLBACK_PCH, NULL, NULL, C},
	{"-c a.hpp", true, FALLBACK_PCH, NULL, NULL, C},
	{"-x c-header -c a.c", false, FALLBACK_PCH, NULL, NULL, C},
	{"-xc++-header -c a.cc", false, FALLBACK_PCH, NULL, NULL, C},
	{"-include-pch x.pch -c a.c", false, FALLBACK_PCH, NULL, NULL, C},
	{"-fpch-preprocess -c a.c", false, FALLBACK_PCH, NULL, NULL, C},
	/* Outputs. */
	{"-c a.c -o -", false, FALLBACK_STDOUT_OUTPUT, NULL, NULL, C},
	{"-MD -MF - -c a.c", false, FALLBACK_STDOUT_OUTPUT, NULL, NULL, C},
	{"-MD -MF/dev/stdout -c a.c", false, FALLBACK_STDOUT_OUTPUT, NULL, NULL, C},
	{"-c a.c -o /dev/null", false, FALLBACK_DEV_NULL_OUTPUT, NULL, NULL, C},
	{"-c a.c -o/dev/zero", false, FALLBACK_DEV_NULL_OUTPUT, NULL, NULL, C},
	{"-c a.c -o a.c", false, FALLBACK_DEV_NULL_OUTPUT, NULL, NULL, C},
	{"-c a.c -o x.o -o y.o", false, FALLBACK_DEV_NULL_OUTPUT, NULL, NULL, C},
	{"-c a.c -o out/", false, FALLBACK_DEV_NULL_OUTPUT, NULL, NULL, C},
	{"-MD -MF /dev/null -c a.c", false, REMOTE, "a.c", "a.o", C},
	/* Options that force a local compile. */
	{"@args.rsp", false, FALLBACK_RESPONSE_FILE, NULL, NULL, C},
	{"-c a.c @flags -v", false, FALLBACK_RESPONSE_FILE, NULL, NULL, C},
	{"-march=native -c a.c", false, FALLBACK_NATIVE_ARCH, NULL, NULL, C},
	{"-c a.c -mtune=native", false, FALLBACK_NATIVE_ARCH, NULL, NULL, C},
	{"-mcpu=native -c a.c", false, FALLBACK_NATIVE_ARCH, NULL, NULL, C},
	{"-c conftest.c -march=native", false, FALLBACK_CONFTEST, NULL, NULL, C},
	{"--coverage -c a.c", false, FALLBACK_COVERAGE, NULL, NULL, C},
	{"-fprofile-arcs -c a.c", false, FALLBACK_COVERAGE, NULL, NULL, C},
	{"-ftest-coverage -c a.c", false, FALLBACK_COVERAGE, NULL, NULL, C},
	{"-fprofile-generate -c a.c", false, FALLBACK_PROFILE, NULL, NULL, C},
	{"-fprofile-use=prof -c a.c", false, FALLBACK_PROFILE, NULL, NULL, C},
	{"-fauto-profile=a.afdo -c a.c", false, FALLBACK_PROFILE, NULL, NULL, C},
	{"-fbranch-probabilities -c a.c", false, FALLBACK_PROFILE, NULL, NULL, C},
	{"-fprofile-dir=p -c a.c", false, FALLBACK_PROFILE, NULL, NULL, C},
	{"-save-temps -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-save-temps=obj -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-fdump-tree-all -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-fstack-usage -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-fcallgraph-info=su -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-aux-info protos.txt -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-dM -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-c a.c -fopt-info-vec-missed=v.txt", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-MD -dumpdir zz/ -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-gsplit-dwarf -c a.c -o a.o", false, FALLBACK_SPLIT_DWARF, NULL, NULL, C},
	{"-B /opt/bin -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"-B/opt/bin -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"-specs=x.specs -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"-wrapper gdb,--args -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"-fplugin=./x.so -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"-fplugin-arg-x-y=z -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"--plugin=./x.so -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"--stack-usage -c a.c", false, FALLBACK_SIDE_OUTPUT, NULL, NULL, C},
	{"-iplugindir=/p -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"-fexec-charset=latin1 -c a.c", false, FALLBACK_HOST_FILES, NULL, NULL, C},
	{"-fmodules-ts -c a.cc", false, FALLBACK_MODULES, NULL, NULL, C},
	{"-fmodule-mapper=m -c a.cc", false, FALLBACK_MODULES, NULL, NULL, C},
	{"-Wp,-MD,a.d -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-Xpreprocessor -P -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-P -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	/* Their effect does not survive -E then -x cpp-output (DW_AT_producer, charsets). */
	{"-C -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-c a.c -CC", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-H -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-A p=a -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-remap -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-finput-charset=latin1 -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-fdirectives-only -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-fno-working-directory -g -c a.c", false, FALLBACK_PREPROCESSOR_PASSTHROUGH, NULL, NULL, C},
	{"-Wa,-adhln=a.lst -c a.c", false, FALLBACK_ASSEMBLER_FILES, NULL, NULL, C},
	{"-Wa,--noexecstack,--MD,a.d -c a.c", false, FALLBACK_ASSEMBLER_FILES, NULL, NULL, C},
	{"-Wa,@opts -c a.c", false, FALLBACK_ASSEMBLER_FILES, NULL, NULL, C},
	{"-Wa,-I,dir -c a.c", false, FALLBACK_ASSEMBLER_FILES, NULL, NULL, C},
	{"-Xassembler -a -c a.c", false, FALLBACK_ASSEMBLER_FILES, NULL, NULL, C},
};
/* clang-format on */

#define N_CASES (sizeof(cases) / sizeof(cases[0]))
_Static_assert(N_CASES >= 60, "at least 60 classification rows");

ParameterizedTestParameters(argv, classify)
{
	return index_params(N_CASES);
}

static void
expect_remote(const struct argv_case *c, const struct compile_plan *plan)
{
	cr_expect_str_eq(plan->source, c->source, "'%s': source", c->cmdline);
	cr_expect_str_eq(plan->output, c->output, "'%s': output", c->cmdline);
	cr_expect_eq(plan->lang, c->lang, "'%s': lang", c->cmdline);
	cr_expect_not_null(plan->cpp_args);
	cr_expect_not_null(plan->cc_args);
}

ParameterizedTest(const size_t *row, argv, classify)
{
	const struct argv_case *c = &cases[*row];
	struct cmd cmd;
	struct compile_plan plan = {0};
	enum fallback_reason reason = FALLBACK_INTERNAL;
	int rc;

	cmd_split(&cmd, c->cmdline);
	rc = argv_classify(cmd.argc, cmd.argv, c->cxx_driver, &plan, &reason);
	cr_assert_eq(rc, 0);
	cr_assert_eq(reason, c->reason, "'%s': expected %s, got %s", c->cmdline,
	             fallback_reason_name(c->reason),
	             fallback_reason_name(reason));
	if (reason == FALLBACK_NONE)
		expect_remote(c, &plan);
	else
		cr_expect_null(plan.output, "'%s': plan touched", c->cmdline);
	argv_plan_release(&plan);
}

/* ---- exact argument vectors -------------------------------------- */

struct args_case {
	const char *cmdline;
	bool cxx_driver;
	const char *cpp; /* plan.cpp_args joined by blanks */
	const char *cc;  /* plan.cc_args joined by blanks */
	bool writes_deps;
};

/* clang-format off */
static const struct args_case arg_cases[] = {
	{"-O2 -Iinc -DX=1 -c src/a.c -o obj/a.o", false,
	 "-O2 -Iinc -DX=1 -E src/a.c", "-O2", false},
	{"-MD -MT t -MF d/x.d -I inc -include cfg.h -x c -c foo -ofoo.o -g", false,
	 "-MD -MT t -MF d/x.d -I inc -include cfg.h -x c -E foo -g", "-g", true},
	{"-MMD -c src/a.c -o obj/a.o -Wall", false,
	 "-MMD -E src/a.c -Wall -MF obj/a.d -MQ obj/a.o", "-Wall", true},
	{"-MD -c src/a.c", false, "-MD -E src/a.c -MF a.d", "", true},
	{"-MD -MQ q -c a.c -o b.o", false, "-MD -MQ q -E a.c -MF b.d", "", true},
	{"-MF x.d -MD -c a.c -o b.o", false, "-MF x.d -MD -E a.c -MQ b.o", "", true},
	{"--write-dependencies -c a.c --output=o/b.o", false,
	 "--write-dependencies -E a.c -MF o/b.d -MQ o/b.o", "", true},
	{"-c a.c --output=b.o -Wa,--noexecstack -Xlinker -z -fPIC --param x=1 -L /l -lm", false,
	 "-E a.c -Wa,--noexecstack -Xlinker -z -fPIC --param x=1 -L /l -lm",
	 "-Wa,--noexecstack -Xlinker -z -fPIC --param x=1 -L /l -lm", false},
	{"-std=c++17 -isystem /sys -nostdinc++ -traditional-cpp -c x.cpp", true,
	 "-std=c++17 -isystem /sys -nostdinc++ -traditional-cpp -E x.cpp", "-std=c++17", false},
	{"--language c++ -c foo -U X -undef -iquote q -MP -MG -MMD -fpch-deps", false,
	 "--language c++ -E foo -U X -undef -iquote q -MP -MG -MMD -fpch-deps -MF foo.d",
	 "-undef -fpch-deps", true},
};
/* clang-format on */

ParameterizedTestParameters(argv, exact_args)
{
	return index_params(sizeof(arg_cases) / sizeof(arg_cases[0]));
}

ParameterizedTest(const size_t *row, argv, exact_args)
{
	const struct args_case *c = &arg_cases[*row];
	struct cmd cmd;
	struct compile_plan plan = {0};
	enum fallback_reason reason = FALLBACK_INTERNAL;
	char got[2048];

	cmd_split(&cmd, c->cmdline);
	cr_assert_eq(argv_classify(cmd.argc, cmd.argv, c->cxx_driver, &plan,
	                           &reason),
	             0);
	cr_assert_eq(reason, FALLBACK_NONE, "'%s': %s", c->cmdline,
	             fallback_reason_name(reason));
	join(plan.cpp_args, got, sizeof(got));
	cr_expect_str_eq(got, c->cpp, "'%s': cpp_args", c->cmdline);
	join(plan.cc_args, got, sizeof(got));
	cr_expect_str_eq(got, c->cc, "'%s': cc_args", c->cmdline);
	cr_expect_eq(plan.writes_deps, c->writes_deps, "'%s'", c->cmdline);
	argv_plan_release(&plan);
}

Test(argv, plan_strings_point_into_argv)
{
	struct cmd cmd;
	struct compile_plan plan = {0};
	enum fallback_reason reason;

	cmd_split(&cmd, "-DX -c a.c -o b.o");
	cr_assert_eq(argv_classify(cmd.argc, cmd.argv, false, &plan, &reason),
	             0);
	cr_assert_eq(reason, FALLBACK_NONE);
	cr_expect_eq(plan.source, cmd.argv[2], "source is borrowed");
	cr_expect_eq(plan.cpp_args[0], cmd.argv[0]);
	cr_expect_neq(plan.output, cmd.argv[4], "output is owned");
	argv_plan_release(&plan);
	cr_expect_null(plan.cpp_args);
	argv_plan_release(&plan); /* twice is harmless */
	argv_plan_release(NULL);
}

/* ---- the plan against the real gcc -------------------------------- */

struct gcc_case {
	const char *cmdline;
	bool cxx_driver;
	const char *depfile; /* where the original writes its .d; NULL: none */
};

/* clang-format off */
static const struct gcc_case gcc_cases[] = {
	{"-MD -c src/a.c -o obj/a.o", false, "obj/a.d"},
	{"-MMD -c src/a.c -o obj/a.o", false, "obj/a.d"},
	{"-MD -MF x.d -c src/a.c -o obj/a.o", false, "x.d"},
	{"-MD -MT tgt -c src/a.c -o obj/a.o", false, "obj/a.d"},
	{"-MD -MP -c src/a.c -o obj/a.o", false, "obj/a.d"},
	{"-MMD -MF deps/x.d -MT 'a b' -c src/a.c -o obj/a.o", false, "deps/x.d"},
	{"-MD -c src/a.c -o 'obj/a$b c.o'", false, "obj/a$b c.d"},
	{"-MD -c src/a.c", false, "a.d"},
	{"-MD -c src/a.c -o obj/a", false, "obj/a.d"},
	{"-MD -MQ '$q' -c src/a.c -o obj/a.o", false, "obj/a.d"},
	{"-Isrc -MD -MFobj/j.d -c src/a.c -oobj/j.o", false, "obj/j.d"},
	{"-MD -c 'src/sp ace.c'", false, "sp ace.d"},
	{"-MD -x c -c src/noext", false, "noext.d"},
	{"-MMD -MP -c src/a.c -o obj/a.b.o", false, "obj/a.b.d"},
	{"-MD -c src/k.cc -o obj/k.o", true, "obj/k.d"},
	{"-MD -c src/a.c -o obj/a.o", true, "obj/a.d"},
	{"-MD -c src/a.c -o obj/.o", false, "obj/.d"},
	{"--write-dependencies -c src/a.c --output=obj/w.o", false, "obj/w.d"},
	{"-MD -MP -O2 -DX=2 -include src/h.h -c src/a.c -o 'obj/x#1.o'", false, "obj/x#1.d"},
	{"-MMD -MT t1 -MQ t2 -c src/a.c -o obj/a.o", false, "obj/a.d"},
	{"-c src/a.c -MD -o obj/m.o -MP -MF obj/m.Tpo", false, "obj/m.Tpo"},
	{"-O3 -DNDEBUG -MD -MT obj/a.c.o -MF obj/a.c.o.d -o obj/a.c.o -c src/a.c", false, "obj/a.c.o.d"},
	/* No dependency file: the object alone. */
	{"-O2 -Isrc -DX=3 -c src/a.c -o obj/a.o", false, NULL},
	{"-U X -DX=5 -O1 -c src/a.c", false, NULL},
	{"-undef -fpch-deps -O2 -c src/a.c -o obj/u.o", false, NULL},
	{"-traditional-cpp -c src/a.c", false, NULL},
	{"-include src/h.h -imacros src/h.h -iquote src -c src/a.c -o obj/i.o", false, NULL},
	{"-x c -c src/noext -o obj/n.o", false, NULL},
	{"-ansi -pedantic -Wall -c src/a.c -oobj/p.o", false, NULL},
	{"-fPIC -O3 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -c src/a.c -o obj/f.o", false, NULL},
	{"-c src/a.c -Wa,--noexecstack -dA -o obj/w.o", false, NULL},
	{"--sysroot=/ -c src/a.c -o obj/s.o", false, NULL},
	{"-c src/a.c -o obj/a.o", true, NULL},
	{"-std=c++17 -O2 -c src/k.cc -o obj/k.o", true, NULL},
};
/* clang-format on */

ParameterizedTestParameters(argv, plan_matches_gcc)
{
	return index_params(sizeof(gcc_cases) / sizeof(gcc_cases[0]));
}

static const char source_text[] = "#include <stddef.h>\n"
                                  "#include \"h.h\"\n"
                                  "#define SQ(v) ((v) * (v))\n"
                                  "size_t f(size_t y) { return SQ(y) + X; }\n";

/* The test's scratch tree; removed by remove_tree() even after a failure. */
static char *tree;

static void
make_tree(void)
{
	tree = tu_tmpdir_new("argv");
	cr_assert_eq(chdir(tree), 0);
	cr_assert_eq(mkdir("src", 0700), 0);
	cr_assert_eq(mkdir("obj", 0700), 0);
	cr_assert_eq(mkdir("deps", 0700), 0);
	cr_assert_eq(mkdir("pp", 0700), 0);
	tu_write_text("src/h.h", "#ifndef X\n#define X 1\n#endif\n");
	tu_write_text("src/a.c", source_text);
	tu_write_text("src/sp ace.c", source_text);
	tu_write_text("src/noext", source_text);
	tu_write_text("src/k.cc", source_text);
}

/* Run compiler with args then tail (both NULL-terminated); exit code. */
static int
run(const char *compiler, char *const *args, const char *const *tail)
{
	const char *argv[2 * MAX_ARGS];
	struct child_opts opts = {.argv = argv};
	struct cc_err err;
	size_t n = 0;
	int code = -1;

	argv[n++] = compiler;
	for (; *args; args++)
		argv[n++] = *args;
	for (; tail && *tail; tail++)
		argv[n++] = *tail;
	argv[n] = NULL;
	cr_assert_eq(child_run(&opts, 60000, &code, &err), 0, "%s", err.msg);
	return code;
}

/* Compare two files byte for byte; show them when they are text. */
static void
expect_same_file(const char *a, const char *b, const char *what, bool text)
{
	size_t alen;
	size_t blen;
	char *abuf = tu_read_file(a, &alen);
	char *bbuf = tu_read_file(b, &blen);
	int ashow = text ? (int)alen : 0;
	int bshow = text ? (int)blen : 0;

	cr_expect(
	        alen == blen && memcmp(abuf, bbuf, alen) == 0,
	        "%s: '%s' (%zu bytes) and '%s' (%zu bytes) differ:\n%.*s--\n%.*s",
	        what, a, alen, b, blen, ashow, abuf, bshow, bbuf);
	free(abuf);
	free(bbuf);
}

/*
 * The original command writes c->depfile; cpp_args + "-o pp/x.i" must
 * write the same .d, under the same name, with the same bytes, and
 * nothing named after pp/x.i. Call after the original ran.
 */
static void
preprocess_like_gcc(const struct gcc_case *c, const struct compile_plan *p,
                    const char *gcc)
{
	const char *pp[] = {"-o", "pp/x.i", NULL};

	if (c->depfile)
		cr_assert_eq(rename(c->depfile, "orig.d"), 0, "no '%s'",
		             c->depfile);
	cr_assert_eq(run(gcc, p->cpp_args, pp), 0, "preprocessing failed");
	if (c->depfile)
		expect_same_file("orig.d", c->depfile, c->cmdline, true);
	cr_expect_neq(access("pp/x.d", F_OK), 0, "stray pp/x.d");
}

/*
 * 1. The original command writes plan.output (and the .d, see above).
 * 2. cpp_args + "-o pp/x.i" reproduces the .d.
 * 3. cc_args + "-x <lang>-cpp-output -c pp/x.i -o pp/y.o" gives the same
 *    object (no -g in these rows: see docs/classification.md).
 */
static void
check_against_gcc(const struct gcc_case *c, const struct compile_plan *p)
{
	const char *gcc = c->cxx_driver ? "g++" : "gcc";
	const char *lang =
	        p->lang == PLAN_LANG_CXX ? "c++-cpp-output" : "cpp-output";
	const char *cc[] = {"-x", lang, "-c", "pp/x.i", "-o", "pp/y.o", NULL};
	struct cmd cmd;

	cmd_split(&cmd, c->cmdline);
	cr_assert_eq(run(gcc, cmd.argv, NULL), 0, "'%s' failed", c->cmdline);
	cr_assert_eq(access(p->output, F_OK), 0, "gcc wrote no '%s'",
	             p->output);
	cr_assert_eq(rename(p->output, "orig.o"), 0);
	preprocess_like_gcc(c, p, gcc);
	cr_assert_eq(run(gcc, p->cc_args, cc), 0, "compile of .i failed");
	expect_same_file("orig.o", "pp/y.o", c->cmdline, false);
}

static void
remove_tree(void)
{
	if (tree && chdir("/") == 0)
		tu_rm_rf(tree);
	free(tree);
	tree = NULL;
}

ParameterizedTest(const size_t *row, argv, plan_matches_gcc, .timeout = 60,
                  .fini = remove_tree)
{
	const struct gcc_case *c = &gcc_cases[*row];
	struct cmd cmd;
	struct compile_plan plan = {0};
	enum fallback_reason reason;

	make_tree();
	cmd_split(&cmd, c->cmdline);
	cr_assert_eq(argv_classify(cmd.argc, cmd.argv, c->cxx_driver, &plan,
	                           &reason),
	             0);
	cr_assert_eq(reason, FALLBACK_NONE, "'%s': %s", c->cmdline,
	             fallback_reason_name(reason));
	cr_assert_eq(plan.writes_deps, c->depfile != NULL, "'%s'", c->cmdline);
	check_against_gcc(c, &plan);
	argv_plan_release(&plan);
}
