/*
 * zeek-common.c - helpers shared by the Zeek TSV and JSON parsers.
 */
#include "zeek-common.h"

#include <string.h>

#include "util-dns.h"
#include "util-ip.h"
#include "util-json.h"

/* The byte of the escape "\xNN" at s (n bytes readable), -1 if none. */
static int hex_escape(const char *s, size_t n)
{
    if (n < 4 || s[0] != '\\' || s[1] != 'x')
        return -1;
    return (int)dh_hex_value(s + 2, 2);
}

size_t dh_zeek_unescape(char *dst, const char *src, size_t len)
{
    size_t i = 0, o = 0;
    while (i < len) {
        const char *bs = memchr(src + i, '\\', len - i);
        size_t run = bs ? (size_t)(bs - (src + i)) : len - i;
        memmove(dst + o, src + i, run);
        o += run;
        i += run;
        if (!bs)
            break;
        int b = hex_escape(src + i, len - i);
        dst[o++] = b < 0 ? '\\' : (char)b;
        i += b < 0 ? 1 : 4;
    }
    return o;
}

static int32_t mnemonic_type(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && n < 16 && ((s[n] >= 'A' && s[n] <= 'Z') || (n && s[n] >= '0' && s[n] <= '9')))
        n++;
    if (n == 0 || (n < len && s[n] != ' ' && s[n] != ':'))
        return -1;
    int32_t t = dh_qtype_from_name(s, n);
    const char *canon = dh_qtype_name(t);
    if (!canon || strlen(canon) != n || memcmp(canon, s, n) != 0)
        return -1;
    return t;
}

int32_t dh_zeek_answer_rrtype(const char *s, size_t len, int32_t qtype)
{
    dh_addr_t a;
    if (!s || len == 0)
        return -1;
    /* cheap filter first: IPv4 starts with a digit, IPv6 has a colon */
    int maybe_addr = len < 64 && ((s[0] >= '0' && s[0] <= '9') || memchr(s, ':', len));
    if (maybe_addr && dh_addr_parse(s, len, &a) == 0)
        return a.family == DH_AF_INET ? DH_QTYPE_A : DH_QTYPE_AAAA;
    int32_t t = mnemonic_type(s, len);
    if (t >= 0)
        return t;
    if (memchr(s, ' ', len))
        return -1; /* free text (Bro 2.1 TXT), not a name */
    if (qtype == DH_QTYPE_PTR || qtype == DH_QTYPE_NS || qtype == DH_QTYPE_MX)
        return qtype;
    if (qtype == DH_QTYPE_A || qtype == DH_QTYPE_AAAA)
        return DH_QTYPE_CNAME;
    return -1;
}
