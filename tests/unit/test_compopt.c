/*
 * test_compopt.c - the option table is sorted, its flags are consistent,
 * and lookups find exact, joined and prefix spellings (ccache does the
 * same for its compopt table).
 */
#include <criterion/alloc.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "compopt.h"

Test(compopt, table_is_sorted_without_duplicates)
{
	size_t n = 0;
	const struct compopt *t = compopt_table(&n);
	size_t i;

	cr_assert_gt(n, 100);
	for (i = 1; i < n; i++)
		cr_expect_lt(strcmp(t[i - 1].name, t[i].name), 0,
		             "rows %zu '%s' and %zu '%s' out of order", i - 1,
		             t[i - 1].name, i, t[i].name);
}

Test(compopt, local_rows_have_a_reason_and_others_none)
{
	size_t n = 0;
	const struct compopt *t = compopt_table(&n);
	size_t i;

	for (i = 0; i < n; i++) {
		bool local = t[i].flags & COMPOPT_LOCAL;

		if (local)
			cr_expect_neq(t[i].reason, FALLBACK_NONE,
			              "'%s' is LOCAL without a reason",
			              t[i].name);
		else
			cr_expect_eq(t[i].reason, FALLBACK_NONE,
			             "'%s' has a reason but is not LOCAL",
			             t[i].name);
		/* Only the classifier's reasons belong in the table. */
		cr_expect_lt(t[i].reason, FALLBACK_DISABLED, "'%s'", t[i].name);
	}
}

Test(compopt, flags_are_consistent)
{
	size_t n = 0;
	const struct compopt *t = compopt_table(&n);
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned f = t[i].flags;

		cr_expect_eq(t[i].name[0], '-', "'%s'", t[i].name);
		cr_expect(!((f & COMPOPT_PREFIX) && (f & COMPOPT_TAKES_ARG)),
		          "'%s': a prefix family has no separate argument",
		          t[i].name);
		cr_expect(!((f & COMPOPT_CPP_ONLY) && (f & COMPOPT_DEPS)),
		          "'%s': CPP_ONLY and DEPS", t[i].name);
		cr_expect(!((f & COMPOPT_LOCAL) &&
		            (f & (COMPOPT_CPP_ONLY | COMPOPT_DEPS))),
		          "'%s': LOCAL rows are never split", t[i].name);
	}
}

struct lookup_case {
	const char *arg;
	const char *row; /* expected row name, NULL for none */
	unsigned flags;  /* flags that must be set */
	enum fallback_reason reason;
};

static const struct lookup_case lookups[] = {
        {"-MF", "-MF", COMPOPT_TAKES_ARG | COMPOPT_DEPS, FALLBACK_NONE},
        {"-MFfoo.d", "-MF", COMPOPT_TAKES_CONCAT | COMPOPT_DEPS, FALLBACK_NONE},
        {"-I", "-I", COMPOPT_TAKES_ARG | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-Ifoo", "-I", COMPOPT_TAKES_CONCAT | COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-fplugin=x.so", "-fplugin=", COMPOPT_LOCAL, FALLBACK_HOST_FILES},
        {"-O2", NULL, 0, FALLBACK_NONE},
        {"-march=znver3", NULL, 0, FALLBACK_NONE},
        {"-march=native", "-march=native", COMPOPT_LOCAL, FALLBACK_NATIVE_ARCH},
        {"-iwithprefixbeforeinc", "-iwithprefixbefore", COMPOPT_CPP_ONLY,
         FALLBACK_NONE},
        {"-iwithprefixinc", "-iwithprefix", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-include-pch", "-include-pch", COMPOPT_LOCAL, FALLBACK_PCH},
        {"-includeconfig.h", "-include", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-fprofile-arcs", "-fprofile-arcs", COMPOPT_LOCAL, FALLBACK_COVERAGE},
        {"-fprofile-use=x", "-fprofile-", COMPOPT_LOCAL, FALLBACK_PROFILE},
        {"-fdump-tree-all", "-fdump-", COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-save-temps=obj", "-save-temps", COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-dA", "-dA", 0, FALLBACK_NONE},
        {"-dM", "-d", COMPOPT_LOCAL, FALLBACK_SIDE_OUTPUT},
        {"-dumpversion", "-dumpversion", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"-print-sysroot", "-print-", COMPOPT_LOCAL, FALLBACK_INFO_QUERY},
        {"--print-missing-file-dependencies",
         "--print-missing-file-dependencies", COMPOPT_DEPS, FALLBACK_NONE},
        {"--output=a.o", "--output=", COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-Wp,-MD,x.d", "-Wp,", COMPOPT_LOCAL,
         FALLBACK_PREPROCESSOR_PASSTHROUGH},
        {"-Wpedantic", NULL, 0, FALLBACK_NONE},
        {"-Wa,--noexecstack", "-Wa,", COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-Wl,-rpath,/x", NULL, 0, FALLBACK_NONE},
        {"-xc++", "-x", COMPOPT_TAKES_CONCAT, FALLBACK_NONE},
        {"-nostdinc++", "-nostdinc++", COMPOPT_CPP_ONLY, FALLBACK_NONE},
        {"-fmodule-mapper=m", "-fmodule-", COMPOPT_LOCAL, FALLBACK_MODULES},
        {"-gsplit-dwarf", "-gsplit-dwarf", COMPOPT_LOCAL, FALLBACK_SPLIT_DWARF},
        {"-g", NULL, 0, FALLBACK_NONE},
        {"foo.c", NULL, 0, FALLBACK_NONE},
        {"-", NULL, 0, FALLBACK_NONE},
};

/* Row indices travel, not pointers: each parameter runs in a new process. */
static void
free_params(struct criterion_test_params *params)
{
	cr_free(params->params);
}

ParameterizedTestParameters(compopt, lookup)
{
	size_t n = sizeof(lookups) / sizeof(lookups[0]);
	size_t *idx = cr_malloc(n * sizeof(*idx));
	size_t i;

	for (i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n, free_params);
}

ParameterizedTest(const size_t *idx, compopt, lookup)
{
	const struct lookup_case *c = &lookups[*idx];

	const struct compopt *row = compopt_find(c->arg);

	if (!c->row) {
		cr_assert_null(row, "'%s' found row '%s'", c->arg,
		               row ? row->name : "");
		return;
	}
	cr_assert_not_null(row, "'%s' not found", c->arg);
	cr_expect_str_eq(row->name, c->row, "'%s'", c->arg);
	cr_expect_eq(row->flags & c->flags, c->flags, "'%s' flags %#x", c->arg,
	             row->flags);
	cr_expect_eq(row->reason, c->reason, "'%s'", c->arg);
}
