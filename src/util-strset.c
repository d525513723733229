/*
 * util-strset.c - open-addressing string set (see util-strset.h).
 */
#include "util-strset.h"

#include <string.h>

#include "sketch.h"
#include "util-mem.h"
#include "util-oahash.h"

typedef struct {
    char *s;
    size_t len;
    uint64_t h;
    uint32_t value;
} slot_t;

struct dh_strset {
    slot_t *slots;
    size_t cap, n;
    /* lengths of the members (bit len, 255 for all longer): a lookup of a
       length no member has costs one bit test, no hash. Suffix lookups try
       every label boundary of a name, and most lengths miss. */
    uint64_t lengths[4];
};

static bool slot_used(const void *sl)
{
    return ((const slot_t *)sl)->s != NULL;
}

static uint64_t slot_hash(const void *sl)
{
    return ((const slot_t *)sl)->h;
}

static void slot_release(void *sl)
{
    free(((slot_t *)sl)->s);
}

static const dh_oa_slot_t slot_kind = {sizeof(slot_t), slot_used, slot_hash, slot_release};

static bool length_seen(const dh_strset_t *s, size_t len)
{
    size_t b = len < 255 ? len : 255;
    return (s->lengths[b / 64] >> (b % 64)) & 1;
}

dh_strset_t *dh_strset_new(void)
{
    dh_strset_t *s = dh_calloc(1, sizeof(*s));
    s->cap = 64;
    s->slots = dh_calloc(s->cap, sizeof(slot_t));
    return s;
}

void dh_strset_free(dh_strset_t *s)
{
    if (!s)
        return;
    dh_oa_free(s->slots, s->cap, &slot_kind);
    free(s);
}

static slot_t *find(const dh_strset_t *s, const char *str, size_t len, uint64_t h)
{
    size_t i = dh_oa_start(h, s->cap);
    while (s->slots[i].s) {
        slot_t *sl = &s->slots[i];
        if (sl->h == h && sl->len == len && memcmp(sl->s, str, len) == 0)
            return sl;
        i = dh_oa_next(i, s->cap);
    }
    return &s->slots[i];
}

static void grow(dh_strset_t *s)
{
    s->slots = dh_oa_grow(s->slots, &s->cap, &slot_kind);
}

bool dh_strset_put(dh_strset_t *s, const char *str, size_t len, uint32_t value)
{
    if ((s->n + 1) * 2 > s->cap)
        grow(s);
    uint64_t h = dh_hash64(str, len);
    slot_t *sl = find(s, str, len, h);
    if (sl->s)
        return false;
    sl->s = dh_strndup(str, len);
    sl->len = len;
    sl->h = h;
    sl->value = value;
    s->n++;
    size_t b = len < 255 ? len : 255;
    s->lengths[b / 64] |= 1ull << (b % 64);
    return true;
}

void dh_strset_add(dh_strset_t *s, const char *str, size_t len)
{
    dh_strset_put(s, str, len, 0);
}

void dh_strset_add_name(dh_strset_t *s, char *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] >= 'A' && name[i] <= 'Z')
            name[i] = (char)(name[i] - 'A' + 'a');
    while (len && name[0] == '.')
        name++, len--;
    while (len && name[len - 1] == '.')
        len--;
    if (len)
        dh_strset_add(s, name, len);
}

uint64_t dh_strset_hash(const char *str, size_t len)
{
    return dh_hash64(str, len);
}

bool dh_strset_has_length(const dh_strset_t *s, size_t len)
{
    return s->n && length_seen(s, len);
}

bool dh_strset_get_h(const dh_strset_t *s, const char *str, size_t len, uint64_t hash,
                     uint32_t *value)
{
    if (s->n == 0 || !length_seen(s, len))
        return false;
    const slot_t *sl = find(s, str, len, hash);
    if (!sl->s)
        return false;
    if (value)
        *value = sl->value;
    return true;
}

bool dh_strset_get(const dh_strset_t *s, const char *str, size_t len, uint32_t *value)
{
    /* the length test first: most lookups miss it and need no hash */
    if (s->n == 0 || !length_seen(s, len))
        return false;
    return dh_strset_get_h(s, str, len, dh_hash64(str, len), value);
}

bool dh_strset_has(const dh_strset_t *s, const char *str, size_t len)
{
    if (s->n == 0 || !length_seen(s, len))
        return false;
    return find(s, str, len, dh_hash64(str, len))->s != NULL;
}

size_t dh_strset_size(const dh_strset_t *s)
{
    return s->n;
}

bool dh_strset_has_suffix(const dh_strset_t *s, const char *name, size_t len)
{
    return dh_strset_get_suffix(s, name, len, NULL, NULL);
}

bool dh_strset_get_suffix(const dh_strset_t *s, const char *name, size_t len, uint32_t *value,
                          size_t *off)
{
    if (s->n == 0)
        return false;
    if (len && name[len - 1] == '.')
        len--;
    for (size_t i = 0; i <= len; i++) {
        if (i && name[i - 1] != '.')
            continue;
        if (dh_strset_get(s, name + i, len - i, value)) {
            if (off)
                *off = i;
            return true;
        }
    }
    return false;
}
