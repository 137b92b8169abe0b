#include <stdio.h>
#include <string.h>

#include "sample.h"

int main(void)
{
	double v[] = { 1.0, 2.0, 4.0, 8.0, 16.0 };
	int w[] = { 5, 3, 9, 1, 7 };
	const char *text = "the quick brown fox jumps over the lazy dog";

	sort_ints(w, ARRAY_LEN(w));
	printf("%s\n", greeting());
	printf("fib(40)=%lu primes<10000=%lu\n", fib(40), primes_below(10000));
	printf("mean=%.3f sd=%.3f\n", mean(v, ARRAY_LEN(v)), stddev(v, ARRAY_LEN(v)));
	printf("sorted=%d,%d,%d,%d,%d\n", w[0], w[1], w[2], w[3], w[4]);
	printf("crc=%08x words=%zu\n", crc32_of(text, strlen(text)), words_in(text));
	return 0;
}
