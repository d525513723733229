/*
 * regdom.c - PSL lookups through a direct-mapped cache (see regdom.h).
 *
 * Each slot owns fixed storage for a name and its result, so the cache never
 * allocates after creation. Names longer than a DNS name can be (253 bytes)
 * are not cached.
 */
#include "regdom.h"

#include <libpsl.h>
#include <stdbool.h>
#include <string.h>

#include "util-json.h"
#include "util-mem.h"

#define NAME_MAX_LEN 255

typedef struct {
    uint64_t hash;
    uint16_t len;    /* name length; 0xffff = empty slot */
    int16_t rd_off;  /* offset of the result in name_rd, -1 = none */
    char name_rd[2 * (NAME_MAX_LEN + 1)];
} slot_t;

struct dh_regdom {
    const psl_ctx_t *psl;
    slot_t *slots;
    size_t mask;
    dh_regdom_stats_t st;
};

dh_regdom_t *dh_regdom_new(size_t slots)
{
    const psl_ctx_t *psl = psl_latest(NULL);
    if (!psl)
        psl = psl_builtin();
    if (!psl)
        return NULL;
    dh_regdom_t *r = dh_calloc(1, sizeof(*r));
    r->psl = psl;
    size_t n = 1;
    while (n < slots)
        n *= 2;
    r->slots = dh_malloc(n * sizeof(slot_t));
    for (size_t i = 0; i < n; i++)
        r->slots[i].len = 0xffff;
    r->mask = n - 1;
    return r;
}

void dh_regdom_free(dh_regdom_t *r)
{
    if (!r)
        return;
    if (r->psl && r->psl != psl_builtin())
        psl_free((psl_ctx_t *)r->psl);
    free(r->slots);
    free(r);
}

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int bad_byte(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || c == '/' || c == '\\';
}

/* Tunnels put arbitrary bytes in the leading labels; the domain they go to
   is in the trailing ones. Skip every label up to the last one holding a
   byte no host name can hold (or an empty label), and return the offset of
   the clean suffix, or len when nothing clean is left. */
static size_t clean_suffix(const char *s, size_t len)
{
    size_t start = 0;
    bool utf8 = dh_utf8_valid(s, len); /* else high bytes are junk, not IDN */
    for (size_t i = 0; i < len; i++) {
        int empty_label = s[i] == '.' && (i == start || i + 1 == len);
        if (bad_byte((unsigned char)s[i]) || empty_label || (!utf8 && (unsigned char)s[i] >= 0x80)) {
            const char *dot = memchr(s + i, '.', len - i);
            if (!dot)
                return len;
            start = (size_t)(dot - s) + 1;
            i = start - 1;
        }
    }
    return start;
}

/* Compute into slot storage (or scratch); returns the result or NULL. */
static const char *compute(dh_regdom_t *r, const char *name, char *out)
{
    const char *rd = psl_registrable_domain(r->psl, name);
    if (!rd)
        return NULL;
    size_t n = strlen(rd);
    memmove(out, rd, n + 1); /* rd points into name */
    return out;
}

const char *dh_regdom_lookup(dh_regdom_t *r, const char *name, size_t len)
{
    r->st.lookups++;
    if (len && name[len - 1] == '.')
        len--;
    size_t skip = clean_suffix(name, len);
    name += skip;
    len -= skip;
    if (len == 0)
        return NULL;
    if (len > NAME_MAX_LEN - 1) {
        /* longer than any valid DNS name: use the last 253 bytes' labels */
        return NULL;
    }
    uint64_t h = fnv1a(name, len);
    slot_t *s = &r->slots[h & r->mask];
    if (s->len == len && s->hash == h && memcmp(s->name_rd, name, len) == 0) {
        r->st.hits++;
        return s->rd_off < 0 ? NULL : s->name_rd + s->rd_off;
    }
    memcpy(s->name_rd, name, len);
    s->name_rd[len] = '\0';
    s->hash = h;
    s->len = (uint16_t)len;
    const char *rd = compute(r, s->name_rd, s->name_rd + len + 1);
    s->rd_off = rd ? (int16_t)(len + 1) : -1;
    return rd;
}

dh_regdom_stats_t dh_regdom_stats(const dh_regdom_t *r)
{
    return r->st;
}

bool dh_regdom_under_private_suffix(const char *regdom)
{
    const char *dot = strchr(regdom, '.');
    const psl_ctx_t *psl = psl_builtin(); /* static data: no loading, no state */
    if (!dot || !psl)
        return false;
    return psl_is_public_suffix2(psl, dot + 1, PSL_TYPE_PRIVATE | PSL_TYPE_NO_STAR_RULE) &&
           !psl_is_public_suffix2(psl, dot + 1, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE);
}
