/*
 * util-oahash.c - doubling and freeing an open-addressing table (see
 * util-oahash.h).
 */
#include "util-oahash.h"

#include <string.h>

#include "util-mem.h"

void *dh_oa_grow(void *slots, size_t *cap, const dh_oa_slot_t *k)
{
    const char *old = slots;
    size_t old_cap = *cap, new_cap = 2 * old_cap;
    char *fresh = dh_calloc(new_cap, k->size);
    for (size_t i = 0; i < old_cap; i++) {
        const void *sl = old + i * k->size;
        if (!k->used(sl))
            continue;
        size_t j = dh_oa_start(k->hash(sl), new_cap);
        while (k->used(fresh + j * k->size))
            j = dh_oa_next(j, new_cap);
        memcpy(fresh + j * k->size, sl, k->size);
    }
    free(slots);
    *cap = new_cap;
    return fresh;
}

void dh_oa_free(void *slots, size_t cap, const dh_oa_slot_t *k)
{
    char *sl = slots;
    for (size_t i = 0; sl && k->release && i < cap; i++)
        if (k->used(sl + i * k->size))
            k->release(sl + i * k->size);
    free(slots);
}
