#ifndef SAMPLE_H
#define SAMPLE_H

#include <stddef.h>

#define SQUARE(x) ((x) * (x))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

unsigned long fib(unsigned n);
unsigned long primes_below(unsigned long n);
double mean(const double *v, size_t n);
double stddev(const double *v, size_t n);
void sort_ints(int *v, size_t n);
unsigned crc32_of(const void *data, size_t len);
size_t words_in(const char *text);
const char *greeting(void);

#endif
