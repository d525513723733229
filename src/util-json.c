/*
 * util-json.c - strbuf and JSON escaping (see util-json.h).
 */
#include "util-json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util-mem.h"

void dh_sb_init(dh_strbuf_t *sb)
{
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

void dh_sb_free(dh_strbuf_t *sb)
{
    free(sb->buf);
    dh_sb_init(sb);
}

void dh_sb_reset(dh_strbuf_t *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

static void sb_reserve(dh_strbuf_t *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    sb->buf = dh_realloc(sb->buf, cap);
    sb->cap = cap;
}

void dh_sb_put(dh_strbuf_t *sb, const char *s, size_t len)
{
    sb_reserve(sb, len);
    memcpy(sb->buf + sb->len, s, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void dh_sb_puts(dh_strbuf_t *sb, const char *s)
{
    dh_sb_put(sb, s, strlen(s));
}

void dh_sb_putc(dh_strbuf_t *sb, char c)
{
    sb_reserve(sb, 1);
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}

void dh_sb_printf(dh_strbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        sb_reserve(sb, (size_t)n);
        vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap2);
        sb->len += (size_t)n;
    }
    va_end(ap2);
}

size_t dh_utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t min, cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int dh_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long dh_hex_value(const char *s, size_t n)
{
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = dh_hex_digit(s[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

bool dh_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = dh_utf8_seq_len(p + i, len - i);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

/* Why not every byte as is: a byte that is not UTF-8 cannot be written in
   JSON, so it is written as the four characters \xNN (Zeek's rendering);
   and so that a reader can always tell such a byte from a name that really
   holds a backslash and an "x", a real backslash followed by "x" is written
   \x5c. The rule a consumer decodes by: every \xNN is one byte, any other
   backslash is itself. U+2028 and U+2029 are valid JSON but end lines for
   JavaScript and for line splitters that follow Unicode: written \u2028,
   \u2029. */
static const char json_hex[] = "0123456789abcdef";

static void put_byte_escape(dh_strbuf_t *sb, unsigned char c)
{
    char e[5] = {'\\', '\\', 'x', json_hex[c >> 4], json_hex[c & 15]};
    dh_sb_put(sb, e, 5);
}

/* The escape of p[i], one character that is not plain ASCII text; returns
   the bytes it consumed. */
static size_t put_escaped(dh_strbuf_t *sb, const unsigned char *p, size_t i, size_t len)
{
    unsigned char c = p[i];
    if (c == '\\' && i + 1 < len && p[i + 1] == 'x') {
        put_byte_escape(sb, c);
        return 1;
    }
    if (c == '"' || c == '\\') {
        char e[2] = {'\\', (char)c};
        dh_sb_put(sb, e, 2);
        return 1;
    }
    if (c < 0x20) {
        char e[6] = {'\\', 'u', '0', '0', json_hex[c >> 4], json_hex[c & 15]};
        dh_sb_put(sb, e, 6);
        return 1;
    }
    size_t n = dh_utf8_seq_len(p + i, len - i);
    if (!n) {
        put_byte_escape(sb, c);
        return 1;
    }
    if (n == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
        dh_sb_puts(sb, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
    else
        dh_sb_put(sb, (const char *)p + i, n);
    return n;
}

void dh_json_string(dh_strbuf_t *sb, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    sb_reserve(sb, len + 2);
    dh_sb_putc(sb, '"');
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            dh_sb_put(sb, s + i, run - i);
            i = run;
            continue;
        }
        i += put_escaped(sb, p, i, len);
    }
    dh_sb_putc(sb, '"');
}

static void json_comma(dh_strbuf_t *sb)
{
    if (sb->len && sb->buf[sb->len - 1] != '{' && sb->buf[sb->len - 1] != '[')
        dh_sb_putc(sb, ',');
}

void dh_json_sep(dh_strbuf_t *sb)
{
    json_comma(sb);
}

void dh_json_kv_counters(dh_strbuf_t *sb, const void *base, const dh_json_counter_t *c,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        memcpy(&v, (const char *)base + c[i].off, sizeof(v));
        dh_json_kv_uint(sb, c[i].name, v);
    }
}

void dh_json_counter_obj(dh_strbuf_t *sb, const char *key, const void *base,
                         const dh_json_counter_t *c, size_t n)
{
    dh_json_open_obj(sb, key);
    dh_json_kv_counters(sb, base, c, n);
    dh_sb_putc(sb, '}');
}

void dh_json_key(dh_strbuf_t *sb, const char *key)
{
    json_comma(sb);
    dh_json_string(sb, key, strlen(key));
    dh_sb_putc(sb, ':');
}

void dh_json_kv_str(dh_strbuf_t *sb, const char *key, const char *s)
{
    dh_json_kv_strn(sb, key, s, strlen(s));
}

void dh_json_kv_strn(dh_strbuf_t *sb, const char *key, const char *s, size_t len)
{
    dh_json_key(sb, key);
    dh_json_string(sb, s, len);
}

/* Decimal digits without printf: integers are most of what we print. */
static void put_uint(dh_strbuf_t *sb, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    dh_sb_put(sb, tmp + i, sizeof(tmp) - i);
}

void dh_json_kv_int(dh_strbuf_t *sb, const char *key, int64_t v)
{
    dh_json_key(sb, key);
    if (v < 0) {
        dh_sb_putc(sb, '-');
        put_uint(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        put_uint(sb, (uint64_t)v);
    }
}

void dh_json_kv_uint(dh_strbuf_t *sb, const char *key, uint64_t v)
{
    dh_json_key(sb, key);
    put_uint(sb, v);
}

void dh_json_kv_bool(dh_strbuf_t *sb, const char *key, bool v)
{
    dh_json_key(sb, key);
    dh_sb_puts(sb, v ? "true" : "false");
}

void dh_json_double(dh_strbuf_t *sb, double v)
{
    if (!isfinite(v)) {
        dh_sb_puts(sb, "null");
        return;
    }
    if (v == (double)(int64_t)v && fabs(v) < 1e15) {
        dh_sb_printf(sb, "%lld", (long long)v);
        return;
    }
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%.6g", v);
    /* %g may give "1e+20": valid JSON. */
    dh_sb_puts(sb, tmp);
}

void dh_json_kv_double(dh_strbuf_t *sb, const char *key, double v)
{
    dh_json_key(sb, key);
    dh_json_double(sb, v);
}

/* Open a container: as member `key` of an object, or (key NULL) as the next
   element of an array. */
static void json_open(dh_strbuf_t *sb, const char *key, char bracket)
{
    if (key)
        dh_json_key(sb, key);
    else
        json_comma(sb);
    dh_sb_putc(sb, bracket);
}

void dh_json_open_obj(dh_strbuf_t *sb, const char *key)
{
    json_open(sb, key, '{');
}

void dh_json_open_arr(dh_strbuf_t *sb, const char *key)
{
    json_open(sb, key, '[');
}
