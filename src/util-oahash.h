/*
 * util-oahash.h - the open-addressing plumbing under the tables of fixed-size
 * slots (dh_strset_t, the open alerts of dh_alerts_t): a power-of-two array,
 * linear probing from hash & (cap - 1), a zeroed slot is empty, no deletion.
 *
 * Each table keeps its own lookup (only it knows what makes two keys equal);
 * what every table does alike, doubling and re-filing the slots and freeing
 * them with what they own, is here, driven by a small description of the
 * slot.
 */
#ifndef DH_UTIL_OAHASH_H
#define DH_UTIL_OAHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the shared code needs to know about a table's slots. */
typedef struct {
    size_t size;                        /* bytes a slot */
    bool (*used)(const void *slot);     /* false for an empty (zeroed) slot */
    uint64_t (*hash)(const void *slot); /* the hash a used slot is filed under */
    void (*release)(void *slot);        /* frees what a used slot owns; NULL: nothing */
} dh_oa_slot_t;

/* The slot probing for hash h starts at, and the one probed after i. */
static inline size_t dh_oa_start(uint64_t h, size_t cap)
{
    return h & (cap - 1);
}

static inline size_t dh_oa_next(size_t i, size_t cap)
{
    return (i + 1) & (cap - 1);
}

/* Double a table: takes `slots` (*cap of them, freed) and gives a new zeroed
   array of 2 * *cap, in which every used slot is moved to the first empty
   slot of its probe sequence, where the table's lookup finds it (keys are
   distinct). *cap is doubled. Aborts when out of memory (util-mem.h). */
void *dh_oa_grow(void *slots, size_t *cap, const dh_oa_slot_t *k);

/* Free a table's array of cap slots, releasing every used slot first
   (k->release). NULL slots is a no-op. */
void dh_oa_free(void *slots, size_t cap, const dh_oa_slot_t *k);

#endif
