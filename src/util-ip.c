/*
 * util-ip.c - address parsing with inet_pton, printing with inet_ntop.
 */
#include "util-ip.h"

#include <arpa/inet.h>
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
