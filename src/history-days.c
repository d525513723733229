/*
 * history-days.c - the days a history has learned from (see history-days.h).
 *
 * Why a sorted array and not a bitmap: days come in order in a live run and
 * in a replay, so the common add is a compare against the day of the
 * previous event; replays of archives from far-apart years would make a
 * bitmap span decades, where the array holds only the days seen.
 */
#include "history-days.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util-mem.h"

#define DAY_US (86400LL * 1000000)

int32_t dh_days_of(int64_t ts_us)
{
    int64_t d = ts_us >= 0 ? ts_us / DAY_US : -((-ts_us + DAY_US - 1) / DAY_US);
    return (int32_t)d;
}

void dh_days_init(dh_days_t *d)
{
    memset(d, 0, sizeof(*d));
    d->v = dh_calloc(DH_DAYS_MAX, sizeof(*d->v));
    d->q_gen = UINT64_MAX; /* no query answered yet */
}

void dh_days_free(dh_days_t *d)
{
    free(d->v);
    d->v = NULL;
    d->n = 0;
}

/* First index whose day is >= day. */
static size_t lower_bound(const dh_days_t *d, int32_t day)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->v[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Put day at index i (its sorted place); when the set is full the oldest
   day goes first, and a day older than all of a full set is not kept.
   Returns where the day now is, SIZE_MAX when it was not kept. */
static size_t insert_at(dh_days_t *d, size_t i, int32_t day)
{
    if (d->n == DH_DAYS_MAX) {
        if (i == 0)
            return SIZE_MAX;
        memmove(d->v, d->v + 1, (i - 1) * sizeof(*d->v));
        i--;
    } else {
        memmove(d->v + i + 1, d->v + i, (d->n - i) * sizeof(*d->v));
        d->n++;
    }
    d->v[i] = (dh_day_t){day, 0};
    d->gen++;
    return i;
}

bool dh_days_add(dh_days_t *d, int64_t ts_us)
{
    int32_t day = dh_days_of(ts_us);
    size_t i = d->last;
    bool added = false;
    if (!(d->n && d->v[i].day == day)) {
        i = lower_bound(d, day);
        if (i == d->n || d->v[i].day != day) {
            if ((i = insert_at(d, i, day)) == SIZE_MAX)
                return false;
            added = true;
        }
        d->last = i;
    }
    if (d->v[i].events < UINT32_MAX)
        d->v[i].events++;
    return added;
}

uint32_t dh_days_before(dh_days_t *d, int64_t ts_us, int32_t horizon_days)
{
    int32_t day = dh_days_of(ts_us);
    if (d->q_gen == d->gen && d->q_day == day && d->q_horizon == horizon_days)
        return d->q_result;
    size_t end = lower_bound(d, day);
    size_t start = horizon_days > 0 ? lower_bound(d, day - horizon_days) : 0;
    d->q_day = day;
    d->q_horizon = horizon_days;
    d->q_gen = d->gen;
    d->q_result = (uint32_t)(end - start);
    return d->q_result;
}

const void *dh_days_bytes(const dh_days_t *d, size_t *len)
{
    *len = d->n * sizeof(*d->v);
    return d->v;
}

int dh_days_load(dh_days_t *d, const void *bytes, size_t len)
{
    if (len % sizeof(dh_day_t) != 0 || len / sizeof(dh_day_t) > DH_DAYS_MAX)
        return -1;
    size_t n = len / sizeof(dh_day_t);
    const dh_day_t *in = bytes;
    for (size_t i = 1; i < n; i++) {
        dh_day_t a, b;
        memcpy(&a, &in[i - 1], sizeof(a));
        memcpy(&b, &in[i], sizeof(b));
        if (a.day >= b.day)
            return -1;
    }
    memcpy(d->v, bytes, len);
    d->n = n;
    d->last = 0;
    d->gen++;
    return 0;
}
