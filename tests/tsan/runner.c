/*
 * runner.c - main() for the TSan builds of the head's threaded unit tests
 * (see criterion/criterion.h beside this file for why not Criterion).
 * Runs every registered Test() in its own forked child, like Criterion,
 * so a test's threads and state end with it. A test fails if its child
 * fails a check, crashes, or ThreadSanitizer reports (exit code 66).
 * Exits 0 only if every test passed.
 */
#include "criterion/criterion.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 64

struct test {
	const char *suite;
	const char *name;
	tsan_test_fn *fn;
};

static struct test tests[MAX_TESTS];
static int n_tests;
static bool failed; /* in the child: some cr_expect failed */

void
tsan_register(const char *suite, const char *name, tsan_test_fn *fn)
{
	if (n_tests == MAX_TESTS) {
		fprintf(stderr, "runner: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[n_tests++] = (struct test){suite, name, fn};
}

void
tsan_check_failed(const char *file, int line, const char *expr, bool fatal)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
	failed = true;
	if (fatal)
		exit(1);
}

/* 0 if the test passed. */
static int
run(const struct test *t)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("runner: fork");
		return -1;
	}
	if (pid == 0) {
		t->fn();
		exit(failed ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("runner: waitpid");
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s::%s: killed by signal %d\n", t->suite,
		        t->name, WTERMSIG(status));
	return -1;
}

int
main(void)
{
	int bad = 0;

	for (int i = 0; i < n_tests; i++) {
		int rc = run(&tests[i]);

		printf("[%s] %s::%s\n", rc == 0 ? "PASS" : "FAIL",
		       tests[i].suite, tests[i].name);
		bad += rc != 0;
	}
	printf("%d tests, %d failed\n", n_tests, bad);
	return bad ? 1 : 0;
}
