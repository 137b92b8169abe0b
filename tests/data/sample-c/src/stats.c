#include <math.h>

#include "sample.h"

double mean(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : 0.0;
}

double stddev(const double *v, size_t n)
{
	double m = mean(v, n), s = 0;

	for (size_t i = 0; i < n; i++)
		s += SQUARE(v[i] - m);
	return n ? sqrt(s / (double)n) : 0.0;
}
