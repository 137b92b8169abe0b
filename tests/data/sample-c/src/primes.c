#include <stdlib.h>
#include <string.h>

#include "sample.h"

unsigned long primes_below(unsigned long n)
{
	unsigned char *sieve = calloc(n, 1);
	unsigned long count = 0;

	if (!sieve)
		return 0;
	for (unsigned long i = 2; i < n; i++) {
		if (sieve[i])
			continue;
		count++;
		for (unsigned long j = SQUARE(i); j < n; j += i)
			sieve[j] = 1;
	}
	free(sieve);
	return count;
}
