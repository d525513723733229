/*
 * json-fields.h - small helpers shared by the JSON-lines parsers (Zeek JSON,
 * Suricata EVE and dnshound's normalized events).
 *
 * Two kinds of helper live here:
 *  - typed reads of cJSON members that never trust the input: a member of the
 *    wrong type, out of range, NaN or infinite reads as "absent", so a parser
 *    falls back to "unknown" instead of crashing or guessing;
 *  - raw scanning of the line text, for the few places where cJSON loses
 *    information (it stores numbers as double, so a 64-bit Suricata flow_id
 *    is rounded; its strings are NUL-terminated, so "\u0000" truncates) and
 *    for skipping non-DNS EVE lines without building a tree at all. It is
 *    the one raw-JSON scanner: a member search (jf_raw_member) and a cursor
 *    that walks a value's members in step with the cJSON tree (jf_cursor_*),
 *    both built on jf_skip_value.
 */
#ifndef DH_JSON_FIELDS_H
#define DH_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../src/evbuf.h"
#include "../src/parser.h"

/* The reason of a record that does not fit the event buffer. */
#define JF_TOO_LARGE "record too large for the event buffer"

/* Write msg into reason and return DH_LINE_MALFORMED. */
dh_line_t jf_malformed(char reason[DH_REASON_MAX], const char *msg);

/* Parse one line as a JSON object. Trailing bytes other than whitespace are
   an error (cJSON alone would ignore them). NULL with `reason` filled when the
   text is not valid JSON or not an object. Free with cJSON_Delete. */
cJSON *jf_parse_object(const char *line, size_t len, char reason[DH_REASON_MAX]);

/* The generic step of a JSON-lines parser (parser.h json_record; called
   through dh_parser_parse_line): reset out, trim the line, return
   DH_LINE_SKIPPED when `skip` (may be NULL) says so from the raw text, parse
   it as one object (jf_parse_object) and hand it to `record`. out is reset
   again unless the answer is DH_LINE_RECORD. */
dh_line_t jf_parse_line(void *state, const char *line, size_t len, dh_evbuf_t *out,
                        char reason[DH_REASON_MAX], bool (*skip)(const char *, size_t),
                        dh_json_record_fn record);

/* Member `key` (case-sensitive, first one when duplicated) or NULL. */
const cJSON *jf_get(const cJSON *obj, const char *key);

/* The string value of `key`, NULL when absent or not a string. */
const char *jf_string(const cJSON *obj, const char *key);

/* An integral number in [min, max]; false when absent, not a number, not
   integral or out of range. */
bool jf_item_int(const cJSON *item, int64_t min, int64_t max, int64_t *out);
bool jf_int(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out);

/* A port number (0 to 65535) at `key`, else -1 (event.h: unknown). */
int32_t jf_port(const cJSON *obj, const char *key);

/* The address string at `key` into *out; out->family is DH_AF_UNSET when
   absent, not a string or not an address. */
void jf_addr(const cJSON *obj, const char *key, dh_addr_t *out);

/* A finite number; false otherwise. */
bool jf_number(const cJSON *obj, const char *key, double *out);

/* 1 true, 0 false, -1 absent or not a boolean. */
int jf_bool(const cJSON *obj, const char *key);

/* The DNS header flags a log gives as JSON booleans: keys[i] names the i-th
   of QR, AA, TC, RD, RA and Z in that format (NULL: not a boolean there).
   Each one present as a boolean is marked known and set or cleared, over
   what the event held (EVE's "flags" word). */
void jf_bool_flags(const cJSON *obj, const char *const keys[6], dh_event_t *ev);

/* Seconds (a JSON number) to µs, rounded to the nearest µs (exact for the
   6-decimal values sensors print). false unless finite and 0 <= s < 1e11. */
bool jf_seconds_to_us(double s, int64_t *us);

/* The per-stream state of a JSON parser that decodes strings out of the raw
   line: scratch space grown to the longest token seen, never per record. */
typedef struct {
    char *scratch;
    size_t cap;
} jf_scratch_t;

/* parser.h create and destroy for a parser whose state is a jf_scratch_t:
   an empty one (aborts when out of memory, util-mem.h), and freeing it
   (NULL is a no-op). */
void *jf_scratch_create(void);
void jf_scratch_destroy(void *state);

/* The registration (a dh_parser_type_t initializer) of a JSON-lines parser
   whose state is a jf_scratch_t: its --format name, --help line, probe and
   json_record, then any of the optional members as designated initializers
   (.json_skip = ..., .skips_truncated = ...). */
#define JF_PARSER(name_, description_, probe_, record_, ...)               \
    {                                                                      \
        .name = (name_), .description = (description_), .probe = (probe_), \
        .create = jf_scratch_create, .json_record = (record_),             \
        .destroy = jf_scratch_destroy, __VA_ARGS__                         \
    }

/* Grow st->scratch to hold at least n bytes (never shrinks; untouched when it
   already does). */
void jf_scratch_reserve(jf_scratch_t *st, size_t n);

/* jf_decode_string of a raw string token into st->scratch, grown to fit. */
long jf_scratch_decode(jf_scratch_t *st, const char *raw, size_t rawlen);

/* Copy a NUL-terminated string into the record arena; NULL when full. */
const char *jf_copy(dh_evbuf_t *b, const char *s, size_t *len);

/* A piece of a JSON text: the raw text of a value or a key (quotes included). */
typedef struct {
    const char *p;
    size_t n;
} jf_span_t;

/* The index after the value starting at s[i] (string, scalar, object or
   array), 0 when it is unterminated. Strings are skipped escape by escape,
   nesting is counted, not recursed into; the text is not validated (cJSON
   has accepted it, or the answer is a hint). */
size_t jf_skip_value(const char *s, size_t n, size_t i);

/* Iterates over the members (object) or elements (array) of a raw value,
   in the order cJSON builds its children. Borrows the text. */
typedef struct {
    const char *s;
    size_t n, i;
    bool obj;
} jf_cursor_t;

/* Start at the first member of v, the raw text of an object or array. */
void jf_cursor_open(jf_cursor_t *c, jf_span_t v);

/* The next member: its key token (objects only) and value text. false at the
   end, or when the text is not the well-formed JSON it was said to be. */
bool jf_cursor_next(jf_cursor_t *c, jf_span_t *key, jf_span_t *val);

/* Find the raw text of member `key` of the top-level object of a JSON text,
   without parsing it: one pass that tracks strings and nesting and stops at
   the first depth-1 member of that name (keys written with escapes do not
   match). The value's extent is returned for strings (quotes included) and
   scalars (numbers, true/false/null); objects and arrays are not supported
   (false). The text is not validated: call it on text cJSON accepted, or
   treat the answer as a hint. */
bool jf_raw_member(const char *s, size_t n, const char *key, const char **val, size_t *vlen);

/* Decode a raw JSON string token (with its quotes) into `out`, which must hold
   at least rawlen bytes (decoding never grows). Every escape is decoded, so
   "\u0000" gives a NUL byte. Returns the decoded length, or -1 when the token
   is not a well-formed string (bad escape, lone surrogate, no closing quote). */
long jf_decode_string(const char *raw, size_t rawlen, char *out);

/* memmem for C11 (glibc declares it only under _GNU_SOURCE). */
const char *jf_memmem(const char *hay, size_t n, const char *needle, size_t m);

/* true when the quoted name ("event_type", with its quotes) occurs as an
   object key: not escaped (so not inside a string value) and followed by
   optional whitespace and ':'. For format probes, which must not be fooled
   by a query name that contains the text. */
bool jf_has_key(const char *line, size_t n, const char *quoted_name);

/* Strip a leading UTF-8 byte order mark and leading and trailing spaces, tabs,
   CR and LF; returns the new start and updates *len. */
const char *jf_trim(const char *s, size_t *len);

#endif
