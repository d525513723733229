/*
 * checkpoints.c - a ring of checkpoint groups (see checkpoints.h).
 */
#include "checkpoints.h"

#include <stdlib.h>
#include <string.h>

#include "../util-mem.h"

/* A slot: this header, then the position (at POS_OFFSET, aligned for any
   scalar the caller's position may hold). */
typedef struct {
    int64_t max_ts;
    uint32_t n;
} group_head_t;

#define ALIGN 16
#define POS_OFFSET ((sizeof(group_head_t) + ALIGN - 1) / ALIGN * ALIGN)

static unsigned char *slot(const dh_checkpoints_t *c, size_t i)
{
    return c->ring + ((c->head + i) % c->cap) * c->slot_size;
}

void dh_checkpoints_init(dh_checkpoints_t *c, size_t pos_size, uint32_t group_max)
{
    *c = (dh_checkpoints_t){.pos_size = pos_size, .group_max = group_max ? group_max : 1};
    c->slot_size = (POS_OFFSET + pos_size + ALIGN - 1) / ALIGN * ALIGN;
}

void dh_checkpoints_free(dh_checkpoints_t *c)
{
    free(c->ring);
    c->ring = NULL;
    c->head = c->len = c->cap = 0;
}

const void *dh_checkpoints_last(const dh_checkpoints_t *c)
{
    return c->len ? slot(c, c->len - 1) + POS_OFFSET : NULL;
}

/* Room for one more group: double the ring, oldest first again. */
static void grow(dh_checkpoints_t *c)
{
    size_t cap = c->cap ? c->cap * 2 : 16;
    unsigned char *ring = dh_malloc(cap * c->slot_size);
    for (size_t i = 0; i < c->len; i++)
        memcpy(ring + i * c->slot_size, slot(c, i), c->slot_size);
    free(c->ring);
    c->ring = ring;
    c->cap = cap;
    c->head = 0;
}

void dh_checkpoints_note(dh_checkpoints_t *c, const void *pos, int64_t ts, bool new_group)
{
    group_head_t *g = c->len ? (group_head_t *)(void *)slot(c, c->len - 1) : NULL;
    if (!g || new_group || g->n >= c->group_max) {
        if (c->len == c->cap)
            grow(c);
        unsigned char *s = slot(c, c->len++);
        g = (group_head_t *)(void *)s;
        *g = (group_head_t){.max_ts = INT64_MIN};
        memcpy(s + POS_OFFSET, pos, c->pos_size);
    }
    g->n++;
    if (ts > g->max_ts)
        g->max_ts = ts;
}

const void *dh_checkpoints_safe(dh_checkpoints_t *c, int64_t safe_ts)
{
    while (c->len && ((const group_head_t *)(void *)slot(c, 0))->max_ts < safe_ts) {
        c->head = (c->head + 1) % c->cap;
        c->len--;
    }
    return c->len ? slot(c, 0) + POS_OFFSET : NULL;
}
