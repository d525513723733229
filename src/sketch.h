/*
 * sketch.h - bounded distinct counting.
 *
 * dh_distinct_t counts distinct items (given as 64-bit hashes) exactly while
 * there are at most DH_DISTINCT_EXACT of them, then turns into a HyperLogLog
 * of 512 registers (standard error about 4.6 %) in the same 520 bytes. So a
 * per-entity counter never grows, whatever the input.
 *
 * Honest numbers: an estimate is a whole number, never below the exact
 * count it grew out of and never above the number of items added (a
 * distinct count cannot exceed its queries); dh_distinct_is_estimate says
 * which counts are estimates, for the evidence to say so.
 */
#ifndef DH_SKETCH_H
#define DH_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DH_DISTINCT_EXACT 128
#define DH_DISTINCT_REGISTERS 512 /* the same bytes as the exact fingerprints */

typedef struct {
    uint32_t adds;  /* items added, duplicates included (saturating): the cap */
    uint16_t n;     /* exact members while !hll */
    uint8_t hll;    /* 1 once the set overflowed into registers */
    uint8_t pad;
    union {
        uint32_t fp[DH_DISTINCT_EXACT]; /* fingerprints (high 32 bits of the hash) */
        uint8_t reg[DH_DISTINCT_REGISTERS];
    } u;
} dh_distinct_t;

/* Add an item; returns true when it was (exactly, or probably) new. A zeroed
   struct is an empty counter. */
bool dh_distinct_add(dh_distinct_t *d, uint64_t hash);

/* Number of distinct items: exact below the threshold, else a rounded
   estimate within [DH_DISTINCT_EXACT, items added]. */
double dh_distinct_count(const dh_distinct_t *d);

/* The count is an estimate (the set outgrew the exact members). */
static inline bool dh_distinct_is_estimate(const dh_distinct_t *d)
{
    return d->hll != 0;
}

/* 64-bit hash of bytes (stable across runs and machines). */
uint64_t dh_hash64(const void *data, size_t len);

/* The FNV-1a accumulation under dh_hash64, continuing from h (start with the
   FNV offset basis 1469598103934665603, or chain a previous result). It is
   not finalized: callers mix its result with their own finalizer. */
uint64_t dh_fnv1a64(const void *data, size_t len, uint64_t h);

#endif
