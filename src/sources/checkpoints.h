/*
 * checkpoints.h - the positions a resuming source may commit: the Kafka
 * source's offsets, a followed file's position (source-kafka.c,
 * source-follow.c).
 *
 * Why: a restart reads again from the committed position, and must find
 * there every record whose finding is not written yet (an open window, a
 * pending transaction, a suppression period). So records are noted in
 * input order, in groups of consecutive records, each with the position of
 * its first record and the newest event time in it. A group is safe once
 * its newest event is older than dh_pipeline_safe_time(); what may be
 * committed is the position of the first group that is not (or the next
 * position to read, when every group is safe). Grouping keeps the memory
 * to one entry per group_max records.
 *
 * A position is an opaque value of pos_size bytes (an int64_t offset, a
 * struct), copied in and handed back by pointer. Ownership: init/free; the
 * pointers returned are valid until the next note or safe call.
 */
#ifndef DH_CHECKPOINTS_H
#define DH_CHECKPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned char *ring; /* cap slots of slot_size bytes, oldest at head */
    size_t pos_size, slot_size, head, len, cap;
    uint32_t group_max;
} dh_checkpoints_t;

void dh_checkpoints_init(dh_checkpoints_t *c, size_t pos_size, uint32_t group_max);
void dh_checkpoints_free(dh_checkpoints_t *c);

/* The position of the newest group's first record; NULL when none. */
const void *dh_checkpoints_last(const dh_checkpoints_t *c);

/* One record that begins at pos, of event time ts. It joins the newest
   group unless that one is full or new_group asks for a fresh one (the
   caller's positions are not comparable across it: another file). */
void dh_checkpoints_note(dh_checkpoints_t *c, const void *pos, int64_t ts, bool new_group);

/* Forget the groups whose newest event is older than safe_ts and give the
   position of the first one left; NULL when none is left (all is safe). */
const void *dh_checkpoints_safe(dh_checkpoints_t *c, int64_t safe_ts);

#endif
