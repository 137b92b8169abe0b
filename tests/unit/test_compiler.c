/*
 * test_compiler.c - finding the real compiler: a bare name is searched on
 * PATH, a path is taken as given, and its identity is that of the file.
 */
#include "compiler.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

Test(compiler, bare_name_is_found_on_path)
{
	struct compiler c;
	struct stat st;

	cr_assert(compiler_find("gcc", &c));
	cr_assert_eq(c.path[0], '/', "found on PATH: %s", c.path);
	cr_assert_eq(stat(c.real, &st), 0);
	cr_assert_eq(c.size, (uint64_t)st.st_size);
	cr_assert_not(c.cxx);
}

Test(compiler, cxx_driver_is_recognised)
{
	struct compiler c;

	cr_assert(compiler_find("g++", &c));
	cr_assert(c.cxx);
}

Test(compiler, path_is_taken_as_given)
{
	struct compiler c;

	cr_assert(compiler_find("/usr/bin/gcc", &c));
	cr_assert_str_eq(c.path, "/usr/bin/gcc");
	cr_assert_neq(strcmp(c.real, ""), 0);
}

Test(compiler, missing_compiler_is_not_found)
{
	struct compiler c;

	cr_assert_not(compiler_find("no-such-compiler-xyz", &c));
	cr_assert_not(compiler_find("/nonexistent/gcc", &c));
}
