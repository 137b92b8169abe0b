/*
 * compopt.c - the table of gcc options the classifier must understand.
 *
 * One row per option spelling: whether it takes a separate argument
 * ("-I dir") or a joined one ("-Idir"), whether it matches a whole family
 * by prefix ("-fdump-"), whether it only matters to the preprocessor, to
 * the dependency output, or forces a local compile (and why). Rows are in
 * strcmp() order so lookups can bsearch; test_compopt proves the order and
 * the consistency of flags (ccache's compopt.cpp does the same).
 *
 * Options absent from the table are ordinary: they are passed to both the
 * local preprocessing and the remote compile unchanged. Long aliases gcc 12
 * accepts ("--output", "--include-directory=", ...) have their own rows so
 * an argument they take is never mistaken for a source file.
 *
 * The table is immutable; every function here is pure and thread-safe.
 */
#include "compopt.h"

#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Keep in strcmp() order (LC_ALL=C sort); test_compopt checks it. */
static const struct compopt table[] = {
        {"-###", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--assemble", 0, FALLBACK_NONE},
        {"--assert", COMPOPT_TAKES_ARG | COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"--assert=", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"--comments", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"--comments-in-macros", COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"--compile", 0, FALLBACK_NONE},
        {"--coverage", COMPOPT_LOCAL, FALLBACK_COVERAGE},
        {"--define-macro", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--define-macro=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--dependencies", COMPOPT_LOCAL, FALLBACK_DEPS_ONLY},
        {"--dump", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"--dump=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"--dumpbase", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"--dumpdir", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"--entry", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"--for-assembler", COMPOPT_TAKES_ARG | COMPOPT_LOCAL,
         FALLBACK_ASSEMBLER_FILES},
        {"--for-assembler=", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_ASSEMBLER_FILES},
        {"--for-linker", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"--force-link", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"--help", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--help=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--imacros", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--imacros=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--include", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--include-barrier", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--include-directory", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-directory-after", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-directory-after=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-directory=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-prefix", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-prefix=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-with-prefix", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-with-prefix-after", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-with-prefix-after=",
         COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--include-with-prefix-before", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include-with-prefix-before=",
         COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--include-with-prefix=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--include=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--language", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"--language=", COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"--library-directory", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"--no-line-commands", COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"--no-standard-includes", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--output", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"--output-pch=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_PCH},
        {"--output=", COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"--param", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"--prefix", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"--prefix=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"--preprocess", COMPOPT_LOCAL, FALLBACK_PREPROCESS_ONLY},
        {"--print-", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--print-missing-file-dependencies", COMPOPT_DEPS, FALLBACK_NONE},
        {"--save-temps", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"--specs", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"--specs=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"--sysroot", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--sysroot=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--target-help", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--trace-includes", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"--traditional-cpp", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"--undefine-macro", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--undefine-macro=", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"--user-dependencies", COMPOPT_LOCAL, FALLBACK_DEPS_ONLY},
        {"--verbose", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--version", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--write-dependencies", COMPOPT_DEPS, FALLBACK_NONE},
        {"--write-user-dependencies", COMPOPT_DEPS, FALLBACK_NONE},
        {"-A", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-B", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_LOCAL,
         FALLBACK_HOST_FILES},
        {"-C", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-CC", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-D", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-E", COMPOPT_LOCAL, FALLBACK_PREPROCESS_ONLY},
        {"-H", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-I", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-L", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-M", COMPOPT_LOCAL, FALLBACK_DEPS_ONLY},
        {"-MD", COMPOPT_DEPS, FALLBACK_NONE},
        {"-MF", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_DEPS,
         FALLBACK_NONE},
        {"-MG", COMPOPT_DEPS, FALLBACK_NONE},
        {"-MM", COMPOPT_LOCAL, FALLBACK_DEPS_ONLY},
        {"-MMD", COMPOPT_DEPS, FALLBACK_NONE},
        {"-MP", COMPOPT_DEPS, FALLBACK_NONE},
        {"-MQ", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_DEPS,
         FALLBACK_NONE},
        {"-MT", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_DEPS,
         FALLBACK_NONE},
        {"-P", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-S", 0, FALLBACK_NONE},
        {"-T", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-Tbss", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"-Tdata", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"-Ttext", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"-U", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-Wa,", COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-Wp,", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-Xassembler", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"-Xlinker", COMPOPT_TAKES_ARG, FALLBACK_NONE},
        {"-Xpreprocessor", COMPOPT_TAKES_ARG | COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-aux-info", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-aux-info=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-c", 0, FALLBACK_NONE},
        {"-coverage", COMPOPT_LOCAL, FALLBACK_COVERAGE},
        {"-d", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-dA", 0, FALLBACK_NONE},
        {"-dP", 0, FALLBACK_NONE},
        {"-dp", 0, FALLBACK_NONE},
        {"-dumpbase", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-dumpbase-ext", COMPOPT_TAKES_ARG | COMPOPT_LOCAL,
         FALLBACK_SIDE_OUTPUT},
        {"-dumpdir", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-dumpfullversion", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"-dumpmachine", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"-dumpspecs", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"-dumpversion", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"-e", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-fauto-profile", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_PROFILE},
        {"-fbranch-probabilities", COMPOPT_LOCAL, FALLBACK_PROFILE},
        {"-fcallgraph-info", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_SIDE_OUTPUT},
        {"-fcompare-debug", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_SIDE_OUTPUT},
        {"-fdiagnostics-format=json-file", COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-fdiagnostics-format=sarif-file", COMPOPT_LOCAL,
         FALLBACK_SIDE_OUTPUT},
        {"-fdirectives-only", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-fdump-", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-fexec-charset=", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_HOST_FILES},
        {"-finput-charset=", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-fmodule-", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_MODULES},
        {"-fmodules", COMPOPT_LOCAL, FALLBACK_MODULES},
        {"-fmodules-", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_MODULES},
        {"-fno-working-directory", COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-fopt-info", COMPOPT_PREFIX, FALLBACK_NONE},
        {"-fpch-preprocess", COMPOPT_LOCAL, FALLBACK_PCH},
        {"-fplugin-arg-", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"-fplugin=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"-fpreprocessed", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-fprofile-", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_PROFILE},
        {"-fprofile-arcs", COMPOPT_LOCAL, FALLBACK_COVERAGE},
        {"-frepo", COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-fsanitize-blacklist=", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_HOST_FILES},
        {"-fsanitize-ignorelist=", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_HOST_FILES},
        {"-fstack-usage", COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-fsyntax-only", COMPOPT_LOCAL, FALLBACK_SYNTAX_ONLY},
        {"-ftest-coverage", COMPOPT_LOCAL, FALLBACK_COVERAGE},
        {"-fwide-exec-charset=", COMPOPT_PREFIX | COMPOPT_LOCAL,
         FALLBACK_HOST_FILES},
        {"-gsplit-dwarf", COMPOPT_LOCAL, FALLBACK_SPLIT_DWARF},
        {"-idirafter",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-imacros",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-imultiarch",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-imultilib",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-include",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-include-pch", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_PCH},
        {"-iplugindir=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"-iprefix",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-iquote", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-isysroot",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-isystem",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-iwithprefix",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-iwithprefixbefore",
         COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-l", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-march=native", COMPOPT_LOCAL, FALLBACK_NATIVE_ARCH},
        {"-mcpu=native", COMPOPT_LOCAL, FALLBACK_NATIVE_ARCH},
        {"-mtune=native", COMPOPT_LOCAL, FALLBACK_NATIVE_ARCH},
        {"-nostdinc", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-nostdinc++", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-o", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-print-", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"-remap", COMPOPT_LOCAL, FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-save-temps", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-specs", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"-specs=", COMPOPT_PREFIX | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"-traditional-cpp", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-u", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-undef", 0, FALLBACK_NONE},
        {"-v", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"-wrapper", COMPOPT_TAKES_ARG | COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"-x", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-z", COMPOPT_TAKES_ARG | COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
};

static int
cmp_exact(const void *key, const void *elem)
{
	const struct compopt *row = elem;

	return strcmp(key, row->name);
}

/*
 * Compare the first len bytes of key with name, in the order strcmp()
 * would give for the string key[0..len).
 */
static int
cmp_prefix(const char *key, size_t len, const char *name)
{
	int rc = strncmp(key, name, len);

	if (rc != 0)
		return rc;
	return name[len] == '\0' ? 0 : -1;
}

static const struct compopt *
find_prefix_len(const char *key, size_t len)
{
	size_t lo = 0;
	size_t hi = ARRAY_LEN(table);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int rc = cmp_prefix(key, len, table[mid].name);

		if (rc == 0)
			return &table[mid];
		if (rc < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Longest PREFIX or TAKES_CONCAT row that is a proper prefix of arg. */
static const struct compopt *
find_longest_prefix(const char *arg)
{
	size_t len = strlen(arg);

	while (len > 1) {
		const struct compopt *row;

		len--;
		row = find_prefix_len(arg, len);
		if (row &&
		    (row->flags & (COMPOPT_PREFIX | COMPOPT_TAKES_CONCAT)))
			return row;
	}
	return NULL;
}

const struct compopt *
compopt_find(const char *arg)
{
	const struct compopt *row;

	if (!arg || arg[0] != '-')
		return NULL;
	row = bsearch(arg, table, ARRAY_LEN(table), sizeof(table[0]),
	              cmp_exact);
	if (row)
		return row;
	return find_longest_prefix(arg);
}

const struct compopt *
compopt_table(size_t *count)
{
	if (count)
		*count = ARRAY_LEN(table);
	return table;
}
