/*
 * version.c - hs_version(): the version this library was built as, for
 * programs that check at run time what they were linked with.
 */
#include "hs_common.h"

unsigned hs_version(void)
{
	return HS_VERSION_NUMBER;
}
