/*
 * test-checkpoints.c - the checkpoint groups resuming sources commit from
 * (src/sources/checkpoints.h).
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "sources/checkpoints.h"

static int64_t safe_or(dh_checkpoints_t *c, int64_t safe_ts, int64_t next)
{
    const int64_t *p = dh_checkpoints_safe(c, safe_ts);
    return p ? *p : next;
}

/* Offsets 0..9 in groups of 3, event times equal to the offsets: the
   commit position is the first offset of the first group not yet safe. */
Test(checkpoints, the_first_unsafe_group_is_where_a_restart_begins)
{
    dh_checkpoints_t c;
    dh_checkpoints_init(&c, sizeof(int64_t), 3);
    cr_assert_null(dh_checkpoints_safe(&c, 0), "nothing noted");
    for (int64_t off = 0; off < 10; off++)
        dh_checkpoints_note(&c, &off, off, false);
    cr_assert_eq(*(const int64_t *)dh_checkpoints_last(&c), 9, "the last group holds 9 alone");
    cr_assert_eq(safe_or(&c, 0, 10), 0, "nothing is safe yet");
    cr_assert_eq(safe_or(&c, 2, 10), 0, "group 0-2 has an event at 2: not older than 2");
    cr_assert_eq(safe_or(&c, 3, 10), 3);
    cr_assert_eq(safe_or(&c, 8, 10), 6, "group 6-8 holds 8");
    cr_assert_eq(safe_or(&c, 100, 10), 10, "all safe: the next offset to read");
    dh_checkpoints_free(&c);
}

/* The newest event of a group decides, not its last: a late record in a
   group keeps it unsafe only as long as its newest one. */
Test(checkpoints, a_group_is_as_young_as_its_newest_event)
{
    dh_checkpoints_t c;
    dh_checkpoints_init(&c, sizeof(int64_t), 4);
    const int64_t ts[] = {50, 10, 10, 10, 20, 20};
    for (int64_t off = 0; off < 6; off++)
        dh_checkpoints_note(&c, &off, ts[off], false);
    cr_assert_eq(safe_or(&c, 30, 6), 0, "the first group holds an event at 50");
    cr_assert_eq(safe_or(&c, 51, 6), 6);
    dh_checkpoints_free(&c);
}

/* Positions of another kind (a struct), a forced new group (another file),
   and a ring that grows past its first size while its head moves. */
typedef struct {
    uint64_t file;
    uint64_t offset;
} pos_t;

Test(checkpoints, struct_positions_new_groups_and_growth)
{
    dh_checkpoints_t c;
    dh_checkpoints_init(&c, sizeof(pos_t), 1000);
    pos_t a = {1, 0}, b = {2, 0};
    dh_checkpoints_note(&c, &a, 5, false);
    a.offset = 100;
    dh_checkpoints_note(&c, &a, 6, false);
    dh_checkpoints_note(&c, &b, 7, true);
    const pos_t *p = dh_checkpoints_safe(&c, 7);
    cr_assert_not_null(p);
    cr_assert_eq(p->file, 2, "file 1's group (events 5, 6) is safe at 7");
    cr_assert_eq(p->offset, 0);
    for (uint64_t i = 0; i < 100; i++) { /* 100 groups: the ring grows from 16 */
        pos_t q = {3, i};
        dh_checkpoints_note(&c, &q, (int64_t)(10 + i), true);
        if (i % 10 == 9)
            (void)dh_checkpoints_safe(&c, (int64_t)i - 50); /* the head moves */
    }
    p = dh_checkpoints_safe(&c, 10 + 50);
    cr_assert_eq(p->file, 3);
    cr_assert_eq(p->offset, 50, "groups stay in order across growth");
    cr_assert_null(dh_checkpoints_safe(&c, INT64_MAX));
    dh_checkpoints_free(&c);
}
