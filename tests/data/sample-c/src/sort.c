#include <stdlib.h>

#include "sample.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

void sort_ints(int *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_int);
}
