/*
 * util-json.h - a growable byte buffer and the one JSON string escaper every
 * output uses.
 *
 * Output JSON must be valid whatever bytes a query holds. Valid UTF-8 passes
 * through; control characters become \u00XX; a byte that is not part of valid
 * UTF-8 is written as the six characters \\xNN (a literal backslash, x and
 * two hex digits), the escaping Zeek's own JSON writer uses, so an analyst
 * sees the same spelling in dnshound's output as in the Zeek log.
 *
 * Ownership: the caller owns the dh_strbuf_t; reuse it across records
 * (dh_sb_reset keeps the memory) so the hot path does not allocate.
 */
#ifndef DH_UTIL_JSON_H
#define DH_UTIL_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h> /* offsetof, for DH_JSON_COUNTER */

#include "util-macro.h"
#include <stdint.h>

typedef struct {
    char *buf;
    size_t len, cap;
} dh_strbuf_t;

void dh_sb_init(dh_strbuf_t *sb);
void dh_sb_free(dh_strbuf_t *sb);
void dh_sb_reset(dh_strbuf_t *sb);
void dh_sb_put(dh_strbuf_t *sb, const char *s, size_t len);
void dh_sb_puts(dh_strbuf_t *sb, const char *s);
void dh_sb_putc(dh_strbuf_t *sb, char c);
void dh_sb_printf(dh_strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append a quoted, escaped JSON string of len raw bytes. */
void dh_json_string(dh_strbuf_t *sb, const char *s, size_t len);

/* Helpers for building objects: each writes a leading comma unless the
   buffer's last byte is '{' or '['. */
void dh_json_key(dh_strbuf_t *sb, const char *key);
void dh_json_kv_str(dh_strbuf_t *sb, const char *key, const char *s);
void dh_json_kv_strn(dh_strbuf_t *sb, const char *key, const char *s, size_t len);
void dh_json_kv_int(dh_strbuf_t *sb, const char *key, int64_t v);
void dh_json_kv_uint(dh_strbuf_t *sb, const char *key, uint64_t v);
void dh_json_kv_bool(dh_strbuf_t *sb, const char *key, bool v);
/* Doubles are printed with up to 6 significant decimals, never NaN/Inf
   (written as null, which is valid JSON). */
void dh_json_kv_double(dh_strbuf_t *sb, const char *key, double v);
void dh_json_double(dh_strbuf_t *sb, double v);
/* Start a nested object/array under key ("key":{ / "key":[). */
void dh_json_open_obj(dh_strbuf_t *sb, const char *key);
void dh_json_open_arr(dh_strbuf_t *sb, const char *key);
/* Comma before an array element unless first. */
void dh_json_sep(dh_strbuf_t *sb);

/* A member shown straight from a 64-bit unsigned counter of a struct (the
   --stats objects): its JSON name and the counter's offset. A table of them
   lists an object's members in the order they print, so a counter is one
   row; DH_JSON_COUNTER refuses (does not compile) a field that is not 8
   bytes wide. */
typedef struct {
    const char *name;
    size_t off;
} dh_json_counter_t;

#define DH_JSON_COUNTER(T, name, field) \
    {(name), offsetof(T, field) + 0 * sizeof(char[sizeof(((T *)0)->field) == 8 ? 1 : -1])}
/* The rows of counters whose JSON name is the field's name, in order:
   DH_JSON_COUNTERS(dh_alerts_stats_t, emitted, suppressed), a row each. */
#define DH_JSON_COUNTER_SAME_(T, field) DH_JSON_COUNTER(T, #field, field),
#define DH_JSON_COUNTERS(T, ...) DH_FOR_EACH(DH_JSON_COUNTER_SAME_, T, __VA_ARGS__)
#define DH_JSON_N_COUNTERS(tab) (sizeof(tab) / sizeof((tab)[0]))

/* The n members of table c, read from the struct at base. */
void dh_json_kv_counters(dh_strbuf_t *sb, const void *base, const dh_json_counter_t *c,
                         size_t n);
/* "key":{...} holding only those members. */
void dh_json_counter_obj(dh_strbuf_t *sb, const char *key, const void *base,
                         const dh_json_counter_t *c, size_t n);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t dh_utf8_seq_len(const unsigned char *s, size_t avail);
/* true when the whole buffer is valid UTF-8. */
bool dh_utf8_valid(const char *s, size_t len);

/* The value of the hex digit c (0-9, a-f, A-F); -1 for any other byte. The one
   hex-digit reader of the escapes in logs (\xNN, \uXXXX) and of hex fields. */
int dh_hex_digit(char c);
/* The value of the n hex digits at s (n at most 7, so it fits a long); -1
   when one of them is not a hex digit. */
long dh_hex_value(const char *s, size_t n);

#endif
