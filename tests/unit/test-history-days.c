/*
 * test-history-days.c - the days a history learned from (history-days.c).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "history-days.h"

#define DAY (86400LL * 1000000)

Test(history_days, days_before_an_event_within_a_horizon)
{
    dh_days_t d;
    dh_days_init(&d);
    cr_assert(dh_days_add(&d, 10 * DAY));
    cr_assert_not(dh_days_add(&d, 10 * DAY + 5), "the same day again");
    cr_assert(dh_days_add(&d, 12 * DAY));
    cr_assert(dh_days_add(&d, 11 * DAY), "a late day goes in its place");
    cr_assert(dh_days_add(&d, 40 * DAY));
    cr_assert_eq(d.n, 4);
    cr_assert_eq(d.v[0].events, 2);
    for (size_t i = 1; i < d.n; i++)
        cr_assert_lt(d.v[i - 1].day, d.v[i].day, "sorted");
    cr_assert_eq(dh_days_before(&d, 12 * DAY + 7, 0), 2, "10 and 11, not the event's own day");
    cr_assert_eq(dh_days_before(&d, 12 * DAY + 8, 0), 2, "asked again the same day");
    cr_assert(dh_days_add(&d, 9 * DAY));
    cr_assert_eq(dh_days_before(&d, 12 * DAY + 9, 0), 3, "a new day is seen by the next query");
    cr_assert_eq(dh_days_before(&d, 41 * DAY, 30), 3, "days 11, 12 and 40 are within 30 of day 41");
    cr_assert_eq(dh_days_before(&d, 41 * DAY, 0), 5);
    dh_days_free(&d);
}

Test(history_days, days_before_1970_are_floored)
{
    cr_assert_eq(dh_days_of(-1), -1);
    cr_assert_eq(dh_days_of(-DAY), -1);
    cr_assert_eq(dh_days_of(-DAY - 1), -2);
    cr_assert_eq(dh_days_of(DAY - 1), 0);
}

Test(history_days, a_full_set_drops_its_oldest_day)
{
    dh_days_t d;
    dh_days_init(&d);
    for (int i = 0; i < DH_DAYS_MAX; i++)
        dh_days_add(&d, (int64_t)(1000 + i) * DAY);
    cr_assert_eq(d.n, DH_DAYS_MAX);
    cr_assert_not(dh_days_add(&d, 5 * DAY), "older than every kept day: not kept");
    cr_assert_eq(d.v[0].day, 1000);
    cr_assert(dh_days_add(&d, (int64_t)(1000 + DH_DAYS_MAX + 3) * DAY));
    cr_assert_eq(d.n, DH_DAYS_MAX);
    cr_assert_eq(d.v[0].day, 1001, "the oldest went");
    cr_assert_eq(d.v[d.n - 1].day, 1000 + DH_DAYS_MAX + 3);
    cr_assert(dh_days_add(&d, 1500 * DAY + 1) == false, "a kept day");
    cr_assert(dh_days_add(&d, (int64_t)(1000 + DH_DAYS_MAX + 1) * DAY), "a gap filled");
    cr_assert_eq(d.v[0].day, 1002);
    for (size_t i = 1; i < d.n; i++)
        cr_assert_lt(d.v[i - 1].day, d.v[i].day, "still sorted at %zu", i);
    dh_days_free(&d);
}

Test(history_days, the_stored_form_round_trips_and_bad_bytes_are_refused)
{
    dh_days_t d, e;
    dh_days_init(&d);
    dh_days_init(&e);
    for (int i = 0; i < 20; i++)
        dh_days_add(&d, (int64_t)(i * 3) * DAY);
    size_t len;
    const void *b = dh_days_bytes(&d, &len);
    cr_assert_eq(len, 20 * sizeof(dh_day_t));
    cr_assert_eq(dh_days_load(&e, b, len), 0);
    cr_assert_eq(e.n, 20);
    cr_assert_eq(dh_days_before(&e, 100 * DAY, 0), 20);
    cr_assert_eq(dh_days_load(&e, b, len - 1), -1, "not whole records");
    dh_day_t unsorted[2] = {{5, 1}, {4, 1}};
    cr_assert_eq(dh_days_load(&e, unsorted, sizeof(unsorted)), -1);
    cr_assert_eq(e.n, 20, "a refused load leaves the days as they were");
    dh_days_free(&d);
    dh_days_free(&e);
}
