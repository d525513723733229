/*
 * util-community-id.c - Community ID v1 (see util-community-id.h).
 *
 * The hashed bytes: seed (2, network order), the lower endpoint's address
 * then the other's (4 or 16 bytes each), protocol (1), a zero byte, the
 * lower endpoint's port then the other's (2 each, network order). "Lower"
 * orders the endpoints by address bytes, then by port, so both directions
 * of a flow give the same id.
 */
#include "util-community-id.h"

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <string.h>

static int endpoint_less(const dh_addr_t *a, uint16_t ap, const dh_addr_t *b, uint16_t bp,
                         size_t len)
{
    int c = memcmp(a->bytes, b->bytes, len);
    return c < 0 || (c == 0 && ap < bp);
}

int dh_community_id(const dh_addr_t *a, uint16_t a_port, const dh_addr_t *b, uint16_t b_port,
                    uint8_t proto, uint16_t seed, char out[DH_COMMUNITY_ID_LEN])
{
    if (a->family == DH_AF_UNSET || a->family != b->family)
        return -1;
    size_t alen = a->family == DH_AF_INET ? 4 : 16;
    if (!endpoint_less(a, a_port, b, b_port, alen)) {
        const dh_addr_t *t = a;
        uint16_t tp = a_port;
        a = b, a_port = b_port;
        b = t, b_port = tp;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4], *p = buf;
    *p++ = (uint8_t)(seed >> 8), *p++ = (uint8_t)seed;
    memcpy(p, a->bytes, alen), p += alen;
    memcpy(p, b->bytes, alen), p += alen;
    *p++ = proto, *p++ = 0;
    *p++ = (uint8_t)(a_port >> 8), *p++ = (uint8_t)a_port;
    *p++ = (uint8_t)(b_port >> 8), *p++ = (uint8_t)b_port;
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, (size_t)(p - buf), buf);
    sha1_digest(&ctx, sizeof(digest), digest);
    char b64[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE) + 1];
    base64_encode_raw(b64, sizeof(digest), digest);
    b64[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
    memcpy(out, "1:", 2);
    memcpy(out + 2, b64, sizeof(b64));
    return 0;
}
