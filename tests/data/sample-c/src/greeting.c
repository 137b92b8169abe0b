#include "sample.h"

const char *greeting(void)
{
	return "hello from clustcc sample " SAMPLE_VERSION;
}
