/*
 * util-mem.h - allocation that cannot fail at the call site.
 *
 * As in Redis's zmalloc, running out of memory is not a condition a record
 * parser can recover from: the wrappers print one line and abort, so callers
 * stay free of NULL checks for allocations. Memory is bounded by caps set
 * elsewhere, not by hoping malloc fails gracefully.
 */
#ifndef DH_UTIL_MEM_H
#define DH_UTIL_MEM_H

#include <stddef.h>
#include <stdlib.h>

void *dh_malloc(size_t n);
void *dh_calloc(size_t n, size_t size);
void *dh_realloc(void *p, size_t n);
char *dh_strdup(const char *s);
char *dh_strndup(const char *s, size_t n);

/* Array p of *cap elements of size bytes, n of them used, with room for one
   more: when full, reallocated to twice its capacity (first elements the
   first time) and *cap updated. The array, to store back into p. */
void *dh_grow(void *p, size_t *cap, size_t n, size_t size, size_t first);

#endif
