/*
 * util-strset.h - a set of strings (domain names, suffixes), built once at
 * load time and queried on the hot path without allocation.
 */
#ifndef DH_UTIL_STRSET_H
#define DH_UTIL_STRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dh_strset dh_strset_t;

dh_strset_t *dh_strset_new(void);
void dh_strset_free(dh_strset_t *s);
/* Add a copy of s[0..len). */
void dh_strset_add(dh_strset_t *s, const char *str, size_t len);
/* Add a DNS name from a list: lowercased in place, without leading or
   trailing dots; nothing when that leaves it empty. */
void dh_strset_add_name(dh_strset_t *s, char *name, size_t len);
bool dh_strset_has(const dh_strset_t *s, const char *str, size_t len);
/* The set as a map: add a copy of s[0..len) carrying value; false (and
   nothing changed) when it is already a member. */
bool dh_strset_put(dh_strset_t *s, const char *str, size_t len, uint32_t value);
/* true when a member; *value (when not NULL) receives its value. */
bool dh_strset_get(const dh_strset_t *s, const char *str, size_t len, uint32_t *value);
size_t dh_strset_size(const dh_strset_t *s);

/* The hash the set files s[0..len) under (dh_hash64, sketch.h). A caller that
   looks the same bytes up in several sets, or hashes once per event (the
   suffix hashes of event-view.h), computes it once and passes it below. */
uint64_t dh_strset_hash(const char *str, size_t len);
/* dh_strset_get with the caller's hash: hash must be dh_strset_hash(str,
   len), else the answer is "not a member". No hashing on the hot path. */
/* false when no member is len bytes long (one bit test): a caller holding
   lazily computed hashes skips computing one for such a length. */
bool dh_strset_has_length(const dh_strset_t *s, size_t len);
bool dh_strset_get_h(const dh_strset_t *s, const char *str, size_t len, uint64_t hash,
                     uint32_t *value);

/* true when name (len bytes, lowercase) equals a member or ends with "."
   followed by a member: the set holds suffixes at label boundaries. */
bool dh_strset_has_suffix(const dh_strset_t *s, const char *name, size_t len);
/* The same, most specific member first (the whole name, then shorter
   suffixes): its value and the offset in name where it starts. */
bool dh_strset_get_suffix(const dh_strset_t *s, const char *name, size_t len, uint32_t *value,
                          size_t *off);

#endif
