/*
 * sketch.c - exact-then-HyperLogLog distinct counter (see sketch.h).
 */
#include "sketch.h"

#include <math.h>

uint64_t dh_fnv1a64(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t dh_hash64(const void *data, size_t len)
{
    uint64_t h = dh_fnv1a64(data, len, 1469598103934665603ULL);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static uint64_t mix32(uint32_t fp)
{
    uint64_t h = fp * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
}

static bool hll_add(dh_distinct_t *d, uint32_t fp)
{
    uint64_t h = mix32(fp);
    unsigned idx = (unsigned)(h >> 55); /* 9 bits: 512 registers */
    uint64_t w = h << 9;
    uint8_t rank = w ? (uint8_t)(__builtin_clzll(w) + 1) : 56;
    if (rank <= d->u.reg[idx])
        return false;
    d->u.reg[idx] = rank;
    return true;
}

static void to_hll(dh_distinct_t *d)
{
    uint32_t fp[DH_DISTINCT_EXACT];
    uint16_t n = d->n;
    for (uint16_t i = 0; i < n; i++)
        fp[i] = d->u.fp[i];
    for (size_t i = 0; i < sizeof(d->u.reg); i++)
        d->u.reg[i] = 0;
    d->hll = 1;
    for (uint16_t i = 0; i < n; i++)
        hll_add(d, fp[i]);
}

bool dh_distinct_add(dh_distinct_t *d, uint64_t hash)
{
    uint32_t fp = (uint32_t)(hash >> 32);
    if (d->adds < UINT32_MAX)
        d->adds++;
    if (d->hll)
        return hll_add(d, fp);
    for (uint16_t i = 0; i < d->n; i++)
        if (d->u.fp[i] == fp)
            return false;
    if (d->n < DH_DISTINCT_EXACT) {
        d->u.fp[d->n++] = fp;
        return true;
    }
    to_hll(d);
    hll_add(d, fp);
    return true;
}

double dh_distinct_count(const dh_distinct_t *d)
{
    if (!d->hll)
        return d->n;
    const double m = DH_DISTINCT_REGISTERS;
    double sum = 0;
    int zeros = 0;
    for (int i = 0; i < DH_DISTINCT_REGISTERS; i++) {
        sum += ldexp(1.0, -d->u.reg[i]);
        zeros += d->u.reg[i] == 0;
    }
    double est = (0.7213 / (1.0 + 1.079 / m)) * m * m / sum;
    if (est <= 2.5 * m && zeros)
        est = m * log(m / zeros); /* linear counting for small ranges */
    est = round(est);
    if (est > d->adds)
        est = d->adds; /* never more distinct items than items */
    return est < DH_DISTINCT_EXACT ? DH_DISTINCT_EXACT : est;
}
