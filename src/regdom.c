/*
 * regdom.c - zone keys: PSL lookups, the internal-zone and last-two-labels
 * fallbacks, through a direct-mapped cache (see regdom.h).
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
#include "util-strset.h"

#define NAME_MAX_LEN 255

typedef struct {
    uint64_t hash;
    uint16_t len;    /* name length; 0xffff = empty slot */
    int16_t rd_off;  /* offset of the result in name_rd, -1 = none */
    uint8_t src;     /* dh_zone_source_t of the result */
    char name_rd[2 * (NAME_MAX_LEN + 1)];
} slot_t;

struct dh_regdom {
    const psl_ctx_t *psl;
    slot_t *slots;
    size_t mask;
    dh_strset_t *zones; /* internal zones, lowercase, no outer dots */
    dh_regdom_stats_t st;
};

static void clear_cache(dh_regdom_t *r)
{
    for (size_t i = 0; i <= r->mask; i++)
        r->slots[i].len = 0xffff;
}

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
    r->mask = n - 1;
    clear_cache(r);
    r->zones = dh_strset_new();
    return r;
}

void dh_regdom_free(dh_regdom_t *r)
{
    if (!r)
        return;
    if (r->psl && r->psl != psl_builtin())
        psl_free((psl_ctx_t *)r->psl);
    free(r->slots);
    dh_strset_free(r->zones);
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

static void lower_copy(char *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    out[len] = '\0';
}

/* A rule of the PSL itself (not libpsl's default "*" rule, which makes every
   unknown TLD a public suffix) covers suffix. */
static bool psl_lists(const dh_regdom_t *r, const char *suffix)
{
    return psl_is_public_suffix2(r->psl, suffix, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

/* Offset in lc[0..len) of the label that ends right before offset end (a
   dot), i.e. where "label.rest" starts. */
static size_t label_before(const char *lc, size_t end)
{
    size_t i = end;
    while (i > 0 && lc[i - 1] != '.')
        i--;
    return i;
}

/* The key's offset in lc (lowercase, NUL-terminated, len bytes), or -1. */
static long zone_key(const dh_regdom_t *r, const char *lc, size_t len, dh_zone_source_t *src)
{
    const char *rd = psl_registrable_domain(r->psl, lc);
    if (rd) {
        const char *dot = strchr(rd, '.');
        if (dot && psl_lists(r, dot + 1)) {
            *src = DH_ZONE_PUBLIC_SUFFIX;
            return rd - lc;
        }
    } else if (psl_lists(r, lc)) {
        return -1; /* com, co.uk: a public suffix itself */
    }
    size_t off;
    if (dh_strset_get_suffix(r->zones, lc, len, NULL, &off)) {
        if (off == 0)
            return -1; /* the internal zone itself, as a public suffix would be */
        *src = DH_ZONE_INTERNAL;
        return (long)label_before(lc, off - 1);
    }
    const char *last = strrchr(lc, '.'); /* lc holds no NUL: clean_suffix */
    if (!last)
        return -1; /* a single label: WPAD, ISATAP, a bare host name */
    *src = DH_ZONE_LAST_TWO;
    return (long)label_before(lc, (size_t)(last - lc));
}

/* Compute into slot storage out (room for len + 1 bytes); returns the key
   or NULL. */
static const char *compute(dh_regdom_t *r, const char *name, size_t len, char *out,
                           dh_zone_source_t *src)
{
    lower_copy(out, name, len);
    *src = DH_ZONE_NONE;
    long off = zone_key(r, out, len, src);
    if (off < 0) {
        *src = DH_ZONE_NONE;
        return NULL;
    }
    memmove(out, out + off, len - (size_t)off + 1);
    return out;
}

const char *dh_regdom_key(dh_regdom_t *r, const char *name, size_t len, dh_zone_source_t *src)
{
    dh_zone_source_t dummy;
    if (!src)
        src = &dummy;
    *src = DH_ZONE_NONE;
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
        *src = (dh_zone_source_t)s->src;
        return s->rd_off < 0 ? NULL : s->name_rd + s->rd_off;
    }
    memcpy(s->name_rd, name, len);
    s->name_rd[len] = '\0';
    s->hash = h;
    s->len = (uint16_t)len;
    const char *rd = compute(r, s->name_rd, len, s->name_rd + len + 1, src);
    s->rd_off = rd ? (int16_t)(len + 1) : -1;
    s->src = (uint8_t)*src;
    return rd;
}

dh_zone_source_t dh_regdom_key_source(dh_regdom_t *r, const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > NAME_MAX_LEN - 1 || clean_suffix(key, len) != 0)
        return DH_ZONE_NONE;
    char buf[NAME_MAX_LEN + 1]; /* not the cache: callers may hold a key from it */
    dh_zone_source_t src;
    const char *k = compute(r, key, len, buf, &src);
    return k && strcmp(k, key) == 0 ? src : DH_ZONE_NONE;
}

const char *dh_regdom_key_into(dh_regdom_t *r, const char *name, size_t len,
                               char buf[DH_REGDOM_BUF])
{
    dh_zone_source_t src;
    if (len && name[len - 1] == '.')
        len--;
    size_t skip = clean_suffix(name, len);
    name += skip;
    len -= skip;
    if (len == 0 || len > NAME_MAX_LEN - 1)
        return NULL;
    return compute(r, name, len, buf, &src);
}

const char *dh_regdom_lookup(dh_regdom_t *r, const char *name, size_t len)
{
    return dh_regdom_key(r, name, len, NULL);
}

int dh_regdom_add_internal_zone(dh_regdom_t *r, const char *zone, size_t len)
{
    while (len && zone[0] == '.')
        zone++, len--;
    while (len && zone[len - 1] == '.')
        len--;
    if (len == 0 || len > NAME_MAX_LEN - 1 || clean_suffix(zone, len) != 0)
        return -1; /* empty, or a byte no host name holds */
    for (size_t i = 1; i < len; i++)
        if (zone[i] == '.' && zone[i - 1] == '.')
            return -1; /* an empty label */
    char lc[NAME_MAX_LEN + 1];
    lower_copy(lc, zone, len);
    const char *rd = psl_registrable_domain(r->psl, lc);
    const char *dot = rd ? strchr(rd, '.') : NULL;
    if (psl_lists(r, lc) || (dot && psl_lists(r, dot + 1)))
        return -1; /* its names have registered domains: the zone would never apply */
    dh_strset_add(r->zones, lc, len);
    clear_cache(r);
    return 0;
}

bool dh_regdom_search_append(const dh_regdom_t *r, const char *name, size_t len, const char *key,
                             unsigned source)
{
    if (len && name[len - 1] == '.')
        len--;
    if (!key || source == DH_ZONE_NONE || len > NAME_MAX_LEN - 1 || clean_suffix(name, len) != 0)
        return false; /* junk labels: that is no resolver's doing */
    const char *zone = key;
    if (source != DH_ZONE_PUBLIC_SUFFIX && strchr(key, '.'))
        zone = strchr(key, '.') + 1;
    size_t zone_len = strlen(zone);
    if (zone_len + 1 >= len)
        return false;
    char lc[NAME_MAX_LEN + 1];
    lower_copy(lc, name, len);
    if (lc[len - zone_len - 1] != '.' || memcmp(lc + len - zone_len, zone, zone_len) != 0)
        return false; /* not the name's key */
    /* every split "A.B" from the right with B holding the zone: A ends with
       a TLD the PSL lists and has a registered domain (two labels or more) */
    for (size_t i = len - zone_len; i-- > 0;) {
        if (lc[i] != '.')
            continue;
        lc[i] = '\0';
        const char *tld = strrchr(lc, '.');
        bool hit = tld && psl_lists(r, tld + 1);
        if (hit) {
            const char *rd = psl_registrable_domain(r->psl, lc);
            const char *dot = rd ? strchr(rd, '.') : NULL;
            hit = dot && psl_lists(r, dot + 1);
        }
        if (hit)
            return true;
    }
    return false;
}

size_t dh_regdom_internal_zones(const dh_regdom_t *r)
{
    return dh_strset_size(r->zones);
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
