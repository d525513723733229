/*
 * json-fields.c - typed cJSON reads and raw JSON text scanning shared by the
 * Zeek JSON and Suricata EVE parsers (see json-fields.h for why both exist).
 */
#include "json-fields.h"

#include "../src/util-ip.h"
#include "../src/util-json.h"
#include "../src/util-mem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

dh_line_t jf_malformed(char reason[DH_REASON_MAX], const char *msg)
{
    snprintf(reason, DH_REASON_MAX, "%s", msg);
    return DH_LINE_MALFORMED;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && is_ws(s[i]))
        i++;
    return i;
}

const char *jf_trim(const char *s, size_t *len)
{
    size_t n = *len, i = 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* a UTF-8 byte order mark, as some Windows tools write */
    i = skip_ws(s, n, i);
    while (n > i && is_ws(s[n - 1]))
        n--;
    *len = n - i;
    return s + i;
}

cJSON *jf_parse_object(const char *line, size_t len, char reason[DH_REASON_MAX])
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(line, len, &end, false);
    if (!root) {
        jf_malformed(reason, "invalid JSON");
        return NULL;
    }
    size_t used = end ? (size_t)(end - line) : len;
    if (skip_ws(line, len, used) != len) {
        cJSON_Delete(root);
        jf_malformed(reason, "invalid JSON: data after the object");
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        jf_malformed(reason, "not a JSON object");
        return NULL;
    }
    return root;
}

dh_line_t jf_parse_line(void *state, const char *line, size_t len, dh_evbuf_t *out,
                        char reason[DH_REASON_MAX], bool (*skip)(const char *, size_t),
                        dh_json_record_fn record)
{
    dh_evbuf_reset(out);
    line = jf_trim(line, &len);
    if (skip && skip(line, len))
        return DH_LINE_SKIPPED;
    cJSON *root = jf_parse_object(line, len, reason);
    if (!root)
        return DH_LINE_MALFORMED;
    dh_line_t r = record(state, line, len, root, out, reason);
    cJSON_Delete(root);
    if (r != DH_LINE_RECORD)
        dh_evbuf_reset(out);
    return r;
}

const cJSON *jf_get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const char *jf_string(const cJSON *obj, const char *key)
{
    const cJSON *it = jf_get(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

bool jf_item_int(const cJSON *item, int64_t min, int64_t max, int64_t *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double d = item->valuedouble;
    /* beyond 2^53 a double no longer holds every integer: refuse */
    if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0 || d < (double)min ||
        d > (double)max)
        return false;
    *out = (int64_t)d;
    return true;
}

bool jf_int(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
    return jf_item_int(jf_get(obj, key), min, max, out);
}

int32_t jf_port(const cJSON *obj, const char *key)
{
    int64_t v;
    return jf_int(obj, key, 0, 65535, &v) ? (int32_t)v : -1;
}

void jf_addr(const cJSON *obj, const char *key, dh_addr_t *out)
{
    const char *s = jf_string(obj, key);
    if (!s || dh_addr_parse(s, strlen(s), out) != 0)
        out->family = DH_AF_UNSET;
}

bool jf_number(const cJSON *obj, const char *key, double *out)
{
    const cJSON *it = jf_get(obj, key);
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return false;
    *out = it->valuedouble;
    return true;
}

int jf_bool(const cJSON *obj, const char *key)
{
    const cJSON *it = jf_get(obj, key);
    if (!cJSON_IsBool(it))
        return -1;
    return cJSON_IsTrue(it) ? 1 : 0;
}

void jf_bool_flags(const cJSON *obj, const char *const keys[6], dh_event_t *ev)
{
    static const uint16_t bits[6] = {DH_FLAG_QR, DH_FLAG_AA, DH_FLAG_TC,
                                     DH_FLAG_RD, DH_FLAG_RA, DH_FLAG_Z};
    for (size_t i = 0; i < 6; i++) {
        int b = keys[i] ? jf_bool(obj, keys[i]) : -1;
        if (b < 0)
            continue;
        ev->flags_known |= bits[i];
        ev->flags = (uint16_t)(b ? ev->flags | bits[i] : ev->flags & ~bits[i]);
    }
}

bool jf_seconds_to_us(double s, int64_t *us)
{
    if (!isfinite(s) || s < 0 || s >= 1e11)
        return false;
    *us = (int64_t)llround(s * 1e6);
    return true;
}

void *jf_scratch_create(void)
{
    return dh_calloc(1, sizeof(jf_scratch_t));
}

void jf_scratch_destroy(void *state)
{
    jf_scratch_t *st = state;
    if (!st)
        return;
    free(st->scratch);
    free(st);
}

void jf_scratch_reserve(jf_scratch_t *st, size_t n)
{
    if (n > st->cap) {
        st->scratch = dh_realloc(st->scratch, n);
        st->cap = n;
    }
}

long jf_scratch_decode(jf_scratch_t *st, const char *raw, size_t rawlen)
{
    jf_scratch_reserve(st, rawlen);
    return jf_decode_string(raw, rawlen, st->scratch);
}

const char *jf_copy(dh_evbuf_t *b, const char *s, size_t *len)
{
    size_t n = strlen(s);
    const char *p = dh_evbuf_copy(b, s, n);
    if (p)
        *len = n;
    return p;
}

/* s[i] == '"': the index after the closing quote, 0 when there is none. */
static size_t string_end(const char *s, size_t n, size_t i)
{
    for (size_t j = i + 1; j < n; j++) {
        if (s[j] == '\\')
            j++;
        else if (s[j] == '"')
            return j + 1;
    }
    return 0;
}

size_t jf_skip_value(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    if (s[i] == '"')
        return string_end(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                i = string_end(s, n, i);
                if (!i)
                    return 0;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return 0;
    }
    size_t j = i;
    while (j < n && !is_ws(s[j]) && s[j] != ',' && s[j] != '}' && s[j] != ']')
        j++;
    return j > i ? j : 0;
}

void jf_cursor_open(jf_cursor_t *c, jf_span_t v)
{
    c->s = v.p;
    c->n = v.n;
    c->i = 1;
    c->obj = v.n > 0 && v.p[0] == '{';
}

bool jf_cursor_next(jf_cursor_t *c, jf_span_t *key, jf_span_t *val)
{
    size_t i = skip_ws(c->s, c->n, c->i);
    if (i < c->n && c->s[i] == ',')
        i = skip_ws(c->s, c->n, i + 1);
    if (i >= c->n || c->s[i] == '}' || c->s[i] == ']')
        return false;
    if (c->obj) {
        if (c->s[i] != '"')
            return false;
        size_t e = string_end(c->s, c->n, i);
        if (!e)
            return false;
        *key = (jf_span_t){c->s + i, e - i};
        i = skip_ws(c->s, c->n, e);
        if (i >= c->n || c->s[i] != ':')
            return false;
        i = skip_ws(c->s, c->n, i + 1);
    }
    size_t e = jf_skip_value(c->s, c->n, i);
    if (!e)
        return false;
    *val = (jf_span_t){c->s + i, e - i};
    c->i = e;
    return true;
}

/* Extent of the string or scalar value starting at s[i]. */
static bool value_extent(const char *s, size_t n, size_t i, const char **val, size_t *vlen)
{
    if (i >= n || s[i] == '{' || s[i] == '[')
        return false;
    size_t end = jf_skip_value(s, n, i);
    if (!end)
        return false;
    *val = s + i;
    *vlen = end - i;
    return true;
}

bool jf_raw_member(const char *s, size_t n, const char *key, const char **val, size_t *vlen)
{
    size_t klen = strlen(key), i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{')
        return false;
    int depth = 0;
    bool expect_key = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            size_t end = string_end(s, n, i); /* after the closing quote */
            if (!end)
                return false;
            end--;
            if (depth == 1 && expect_key) {
                size_t colon = skip_ws(s, n, end + 1);
                if (colon >= n || s[colon] != ':')
                    return false;
                if (end - i - 1 == klen && memcmp(s + i + 1, key, klen) == 0)
                    return value_extent(s, n, skip_ws(s, n, colon + 1), val, vlen);
                expect_key = false;
                end = colon;
            }
            i = end;
        } else if (c == '{' || c == '[') {
            depth++;
            if (depth == 1)
                expect_key = true;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0)
                return false;
        } else if (c == ',' && depth == 1) {
            expect_key = true;
        }
    }
    return false;
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode the \u escape at s[i] == 'u' (s[i-1] == '\\'), surrogate pairs
   included. Returns the bytes consumed after the backslash, 0 when invalid. */
static size_t decode_u(const char *s, size_t end, size_t i, char *out, size_t *olen)
{
    if (i + 5 > end)
        return 0;
    long hi = dh_hex_value(s + i + 1, 4);
    if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
        return 0;
    if (hi < 0xD800 || hi > 0xDBFF) {
        *olen = put_utf8(out, (unsigned long)hi);
        return 5;
    }
    if (i + 11 > end || s[i + 5] != '\\' || s[i + 6] != 'u')
        return 0;
    long lo = dh_hex_value(s + i + 7, 4);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return 0;
    unsigned long cp =
        0x10000 + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
    *olen = put_utf8(out, cp);
    return 11;
}

static char simple_escape(char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

long jf_decode_string(const char *raw, size_t rawlen, char *out)
{
    if (rawlen < 2 || raw[0] != '"' || raw[rawlen - 1] != '"')
        return -1;
    size_t end = rawlen - 1, o = 0;
    for (size_t i = 1; i < end;) {
        if (raw[i] == '"')
            return -1;
        if (raw[i] != '\\') {
            out[o++] = raw[i++];
            continue;
        }
        if (++i >= end)
            return -1;
        char e = simple_escape(raw[i]);
        if (e) {
            out[o++] = e;
            i++;
            continue;
        }
        size_t olen = 0, used = raw[i] == 'u' ? decode_u(raw, end, i, out + o, &olen) : 0;
        if (used == 0)
            return -1;
        o += olen;
        i += used;
    }
    return (long)o;
}

const char *jf_memmem(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m == 0)
        return hay;
    for (size_t i = 0; i + m <= n; i++) {
        const char *p = memchr(hay + i, needle[0], n - i - m + 1);
        if (!p)
            return NULL;
        i = (size_t)(p - hay);
        if (memcmp(p, needle, m) == 0)
            return p;
    }
    return NULL;
}

bool jf_has_key(const char *line, size_t n, const char *quoted_name)
{
    size_t m = strlen(quoted_name);
    const char *p = line, *end = line + n;
    while ((p = jf_memmem(p, (size_t)(end - p), quoted_name, m)) != NULL) {
        const char *q = p + m;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if ((p == line || p[-1] != '\\') && q < end && *q == ':')
            return true;
        p++;
    }
    return false;
}
