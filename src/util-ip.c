/*
 * util-ip.c - address parsing with inet_pton, printing with inet_ntop.
 */
#include "util-ip.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

int dh_addr_parse(const char *s, size_t len, dh_addr_t *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *zone = strchr(tmp, '%');
    if (zone)
        *zone = '\0';
    memset(out, 0, sizeof(*out));
    if (strchr(tmp, ':')) {
        if (inet_pton(AF_INET6, tmp, out->bytes) != 1)
            return -1;
        out->family = DH_AF_INET6;
        return 0;
    }
    if (inet_pton(AF_INET, tmp, out->bytes) != 1)
        return -1;
    out->family = DH_AF_INET;
    return 0;
}

const char *dh_addr_format(const dh_addr_t *a, char buf[DH_ADDR_STRLEN])
{
    buf[0] = '\0';
    if (a->family == DH_AF_INET)
        inet_ntop(AF_INET, a->bytes, buf, DH_ADDR_STRLEN);
    else if (a->family == DH_AF_INET6)
        inet_ntop(AF_INET6, a->bytes, buf, DH_ADDR_STRLEN);
    return buf;
}

int dh_addr_equal(const dh_addr_t *a, const dh_addr_t *b)
{
    if (a->family != b->family)
        return 0;
    size_t n = a->family == DH_AF_INET ? 4 : a->family == DH_AF_INET6 ? 16 : 0;
    return memcmp(a->bytes, b->bytes, n) == 0;
}

int dh_cidr_parse(const char *s, dh_cidr_t *out)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (dh_addr_parse(s, alen, &out->net))
        return -1;
    int max = out->net.family == DH_AF_INET ? 32 : 128;
    int prefix = max;
    if (slash) {
        char *end;
        long v = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || v < 0 || v > max)
            return -1;
        prefix = (int)v;
    }
    out->prefix = (uint8_t)prefix;
    for (int bit = prefix; bit < max; bit++)
        out->net.bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
    return 0;
}

int dh_cidr_contains(const dh_cidr_t *c, const dh_addr_t *a)
{
    if (a->family != c->net.family)
        return 0;
    int full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(a->bytes, c->net.bytes, (size_t)full) != 0)
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (a->bytes[full] & mask) == c->net.bytes[full];
}
