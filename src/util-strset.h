/*
 * util-strset.h - a set of strings (domain names, suffixes), built once at
 * load time and queried on the hot path without allocation.
 */
#ifndef DH_UTIL_STRSET_H
#define DH_UTIL_STRSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct dh_strset dh_strset_t;

dh_strset_t *dh_strset_new(void);
void dh_strset_free(dh_strset_t *s);
/* Add a copy of s[0..len). */
void dh_strset_add(dh_strset_t *s, const char *str, size_t len);
bool dh_strset_has(const dh_strset_t *s, const char *str, size_t len);
size_t dh_strset_size(const dh_strset_t *s);

/* true when name (len bytes, lowercase) equals a member or ends with "."
   followed by a member: the set holds suffixes at label boundaries. */
bool dh_strset_has_suffix(const dh_strset_t *s, const char *name, size_t len);

#endif
