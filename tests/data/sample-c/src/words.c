#include <ctype.h>

#include "sample.h"

size_t words_in(const char *text)
{
	size_t n = 0;
	int in_word = 0;

	for (; *text; text++) {
		if (isspace((unsigned char)*text)) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			n++;
		}
	}
	return n;
}
