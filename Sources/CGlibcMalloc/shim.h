#ifndef CGLIBCMALLOC_SHIM_H
#define CGLIBCMALLOC_SHIM_H
// malloc_trim is glibc's, declared in <malloc.h>, which Swift's Glibc module does not include.
#include <malloc.h>
#endif
