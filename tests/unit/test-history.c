/*
 * test-history.c - the LMDB passive-DNS history: what a record holds,
 * persistence across close/open (a restart), one process per directory,
 * expiry in event time, the lifecycle visitor, the bound on the file, and
 * ephemeral (--no-state) directories leaving nothing behind.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "log.h"
#include "util-ip.h"

#define DAY (86400LL * 1000000)
#define T0 (1700000000LL * 1000000)

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/dh-hist-test.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static dh_history_t *open_history(size_t max_mb, int64_t expire_days)
{
    dh_history_options_t o = {.state_dir = dir,
                              .expire_us = expire_days * DAY,
                              .max_bytes = max_mb << 20};
    dh_history_tuning_t t = {.cache_entries = 1024, .sync_interval_us = 60 * 1000000LL};
    char err[256];
    dh_history_t *h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    return h;
}

/* One NOERROR A response for name (registered domain regdom) to client. */
static dh_history_rec_t *see(dh_history_t *h, const char *regdom, const char *client, int64_t ts,
                             const char *addr, bool *found, dh_history_rec_t *before)
{
    dh_event_t ev;
    dh_answer_t ans = {.rrtype = 1, .ttl = 300, .data = addr, .data_len = addr ? strlen(addr) : 0};
    dh_event_init(&ev);
    ev.ts_us = ts;
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = regdom;
    ev.qname_len = strlen(regdom);
    ev.registered_domain = regdom;
    ev.rcode = 0;
    ev.has_response = true;
    ev.answers = addr ? &ans : NULL;
    ev.n_answers = addr ? 1 : 0;
    return dh_history_observe(h, regdom, strlen(regdom), &ev, before, found);
}

Test(history, first_sighting_then_known_with_counts)
{
    make_dir();
    dh_history_t *h = open_history(16, 180);
    bool found;
    dh_history_rec_t before;
    cr_assert_not_null(see(h, "example.com", "10.0.0.1", T0, "192.0.2.1", &found, &before));
    cr_assert_not(found);
    see(h, "example.com", "10.0.0.2", T0 + 10 * 1000000, "192.0.2.2", &found, &before);
    cr_assert(found);
    cr_assert_eq(before.n_clients, 1);
    cr_assert_eq(before.first_us, T0);
    dh_history_rec_t *r = see(h, "example.com", "10.0.0.1", T0 + DAY, NULL, &found, &before);
    cr_assert_eq(r->n_clients, 2, "two distinct clients");
    cr_assert_eq(r->n_addrs, 2);
    cr_assert_eq(r->days_seen, 2);
    cr_assert_eq(r->first_us, T0);
    cr_assert_eq(r->last_us, T0 + DAY);
    char a[DH_ADDR_STRLEN];
    cr_assert_str_eq(dh_addr_format(&r->first_client, a), "10.0.0.1");
    cr_assert_eq(dh_history_since(h), T0);
    dh_history_close(h);
    remove_dir();
}

Test(history, survives_a_restart)
{
    make_dir();
    dh_history_t *h = open_history(16, 180);
    bool found;
    dh_history_rec_t before;
    for (int i = 0; i < 500; i++) {
        char d[64];
        snprintf(d, sizeof(d), "domain%d.example", i);
        see(h, d, "10.0.0.1", T0 + i * 1000000LL, "192.0.2.1", &found, &before);
        cr_assert_not(found);
    }
    dh_history_close(h); /* a stop: the last batch is committed */
    h = open_history(16, 180);
    cr_assert_eq(dh_history_since(h), T0, "coverage is kept");
    cr_assert_eq(dh_history_stats(h).entries, 500);
    for (int i = 0; i < 500; i += 7) {
        char d[64];
        snprintf(d, sizeof(d), "domain%d.example", i);
        see(h, d, "10.0.0.9", T0 + DAY, NULL, &found, &before);
        cr_assert(found, "%s is not new after the restart", d);
        cr_assert_eq(before.first_us, T0 + i * 1000000LL);
    }
    see(h, "never-seen.example", "10.0.0.9", T0 + DAY, NULL, &found, &before);
    cr_assert_not(found);
    dh_history_close(h);
    remove_dir();
}

Test(history, one_process_per_directory)
{
    make_dir();
    dh_history_t *h = open_history(16, 180);
    dh_history_options_t o = {.state_dir = dir, .expire_us = DAY, .max_bytes = 16 << 20};
    dh_history_tuning_t t = {.cache_entries = 64, .sync_interval_us = 1};
    char err[256];
    cr_assert_null(dh_history_open(&o, &t, NULL, err, sizeof(err)));
    cr_assert(strstr(err, "in use by another dnshound"), "%s", err);
    dh_history_close(h);
    dh_history_t *again = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(again, "the lock goes with the process: %s", err);
    dh_history_close(again);
    remove_dir();
}

Test(history, expiry_in_event_time)
{
    make_dir();
    dh_history_t *h = open_history(16, 10);
    bool found;
    dh_history_rec_t before;
    see(h, "old.example", "10.0.0.1", T0, NULL, &found, &before);
    see(h, "kept.example", "10.0.0.1", T0, NULL, &found, &before);
    for (int d = 1; d <= 12; d++) /* kept.example stays in use, old.example does not */
        see(h, "kept.example", "10.0.0.1", T0 + d * DAY, NULL, &found, &before);
    cr_assert_eq(dh_history_maintain(h, T0 + 12 * DAY), 0);
    see(h, "kept.example", "10.0.0.1", T0 + 12 * DAY + 1, NULL, &found, &before);
    cr_assert(found);
    see(h, "old.example", "10.0.0.1", T0 + 12 * DAY + 1, NULL, &found, &before);
    cr_assert_not(found, "unseen for 12 days with a 10-day expiry: gone");
    cr_assert_geq(dh_history_stats(h).expired, 1);
    dh_history_close(h);
    remove_dir();
}

typedef struct {
    int calls;
    char last[64];
} visits_t;

static bool count_visit(void *ctx, const char *domain, size_t len, dh_history_rec_t *rec,
                        int64_t now_us)
{
    (void)now_us;
    visits_t *v = ctx;
    v->calls++;
    snprintf(v->last, sizeof(v->last), "%.*s", (int)len, domain);
    rec->flags |= DH_HIST_LIFECYCLE_DONE;
    return true;
}

Test(history, daily_pass_visits_every_record_and_stores_changes)
{
    make_dir();
    dh_history_t *h = open_history(16, 180);
    visits_t v = {0};
    dh_history_set_visitor(h, count_visit, &v);
    bool found;
    dh_history_rec_t before;
    see(h, "a.example", "10.0.0.1", T0, NULL, &found, &before);
    see(h, "b.example", "10.0.0.1", T0 + 1, NULL, &found, &before);
    cr_assert_eq(v.calls, 0);
    /* a later day's event triggers the pass at the next commit */
    see(h, "c.example", "10.0.0.1", T0 + DAY + 120 * 1000000LL, NULL, &found, &before);
    cr_assert_eq(v.calls, 2, "the records known at the pass: a and b (%d)", v.calls);
    see(h, "a.example", "10.0.0.1", T0 + DAY + 121 * 1000000LL, NULL, &found, &before);
    cr_assert(before.flags & DH_HIST_LIFECYCLE_DONE, "the visitor's change was stored");
    dh_history_close(h);
    remove_dir();
}

Test(history, a_full_map_drops_the_least_recently_seen)
{
    make_dir();
    dh_history_t *h = open_history(1, 3650); /* 1 MiB: a few thousand records */
    bool found;
    dh_history_rec_t before;
    char d[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(d, sizeof(d), "d%05d.example", i);
        see(h, d, "10.0.0.1", T0 + (int64_t)i * 60 * 1000000LL, NULL, &found, &before);
    }
    cr_assert_eq(dh_history_sync(h), 0);
    dh_history_stats_t s = dh_history_stats(h);
    cr_assert_gt(s.evicted_full, 0, "the bound was reached");
    cr_assert_eq(s.write_errors, 0);
    cr_assert_lt(s.entries, 20000);
    snprintf(d, sizeof(d), "d%05d.example", 19999);
    see(h, d, "10.0.0.1", T0 + 20000LL * 60 * 1000000LL, NULL, &found, &before);
    cr_assert(found, "the newest records are kept");
    dh_history_close(h);
    struct stat st;
    char path[128];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_leq(st.st_size, 1 << 20, "the file stays within its bound");
    remove_dir();
}

Test(history, ephemeral_leaves_nothing_behind)
{
    dh_history_options_t o = {.no_state = true, .expire_us = DAY, .max_bytes = 16 << 20};
    dh_history_tuning_t t = {.cache_entries = 64, .sync_interval_us = 1};
    char err[256];
    dh_history_t *h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    bool found;
    dh_history_rec_t before;
    see(h, "x.example", "10.0.0.1", T0, NULL, &found, &before);
    see(h, "x.example", "10.0.0.1", T0 + 1, NULL, &found, &before);
    cr_assert(found);
    dh_history_close(h);
    /* nothing named dnshound-state.* with our files is left: check by
       opening a fresh one, which starts empty */
    h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    see(h, "x.example", "10.0.0.1", T0 + 2, NULL, &found, &before);
    cr_assert_not(found);
    dh_history_close(h);
}

Test(history, names_too_long_for_a_key_are_not_recorded)
{
    make_dir();
    dh_history_t *h = open_history(16, 180);
    char big[400];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    bool found;
    dh_history_rec_t before;
    cr_assert_null(see(h, big, "10.0.0.1", T0, NULL, &found, &before));
    cr_assert_not(found);
    dh_history_close(h);
    remove_dir();
}

Test(history, marks_between_events_never_overfill_the_cache)
{
    make_dir();
    dh_history_t *h = open_history(16, 180);
    bool found;
    dh_history_rec_t before;
    char d[64];
    for (int i = 0; i < 300; i++) {
        snprintf(d, sizeof(d), "m%03d.example", i);
        see(h, d, "10.0.0.1", T0 + i, NULL, &found, &before);
    }
    dh_history_close(h);
    dh_history_options_t o = {.state_dir = dir, .expire_us = 180 * DAY, .max_bytes = 16 << 20};
    dh_history_tuning_t t = {.cache_entries = 64, .sync_interval_us = 60 * 1000000LL};
    char err[256];
    h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    int marked = 0, refused = 0;
    for (int i = 0; i < 300; i++) { /* e.g. many first-contact windows closing at once */
        snprintf(d, sizeof(d), "m%03d.example", i);
        if (dh_history_mark(h, d, strlen(d), DH_HIST_FIRST_JUDGED) == 0)
            marked++;
        else
            refused++;
    }
    cr_assert_gt(marked, 0);
    cr_assert_gt(refused, 0, "a full cache refuses (and counts) instead of looping");
    cr_assert_eq(dh_history_stats(h).write_errors, (uint64_t)refused);
    /* the next event commits and empties the cache: the marks made are kept */
    see(h, "next.example", "10.0.0.1", T0 + DAY, NULL, &found, &before);
    cr_assert_eq(dh_history_sync(h), 0);
    see(h, "m000.example", "10.0.0.1", T0 + DAY + 1, NULL, &found, &before);
    cr_assert(found && (before.flags & DH_HIST_FIRST_JUDGED));
    dh_history_close(h);
    remove_dir();
}

/* A batch far larger than the map (20,000 new domains in one hour, a 1 MiB
   map of about 2,000) is written in slices with eviction between them: no
   write fails and the file stays within its bound. */
Test(history, a_batch_larger_than_the_map_commits_in_slices)
{
    make_dir();
    dh_history_options_t o = {.state_dir = dir, .expire_us = 3650 * DAY, .max_bytes = 1 << 20};
    dh_history_tuning_t t = {.cache_entries = 1 << 16, .sync_interval_us = 3600 * 1000000LL};
    char err[256];
    dh_history_t *h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    bool found;
    dh_history_rec_t before;
    char d[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(d, sizeof(d), "w%05d.example", i);
        see(h, d, "10.0.0.1", T0 + i, NULL, &found, &before);
    }
    cr_assert_eq(dh_history_sync(h), 0);
    dh_history_stats_t s = dh_history_stats(h);
    cr_assert_eq(s.write_errors, 0);
    cr_assert_gt(s.evicted_full, 1);
    cr_assert_gt(s.entries, 500);
    dh_history_close(h);
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_leq(st.st_size, 1 << 20, "the file stays within its bound");
    remove_dir();
}

/* A write LMDB refuses all the same (a map of a few pages, too small for one
   slice of long names): counted every time, logged once with the path. */
Test(history, write_failures_are_counted_and_logged_once)
{
    make_dir();
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    dh_log_t lg;
    dh_log_init(&lg, out);
    dh_history_options_t o = {.state_dir = dir, .expire_us = 3650 * DAY, .max_bytes = 48 << 10};
    dh_history_tuning_t t = {.cache_entries = 1 << 12, .sync_interval_us = 3600 * 1000000LL};
    char err[256];
    dh_history_t *h = dh_history_open(&o, &t, &lg, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    bool found;
    dh_history_rec_t before;
    char d[300];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 1000; i++) {
            snprintf(d, sizeof(d), "%0240d-%d-%04d.example", 0, round, i);
            see(h, d, "10.0.0.1", T0 + round * 1000 + i, NULL, &found, &before);
        }
        cr_assert_neq(dh_history_sync(h), 0, "the map cannot take one slice");
    }
    cr_assert_geq(dh_history_stats(h).write_errors, 3);
    dh_history_close(h);
    fclose(out);
    char want[160];
    snprintf(want, sizeof(want), "dnshound: [history] error: state dir %s: history commit failed: ",
             dir);
    const char *first = strstr(text, want);
    cr_assert_not_null(first, "got: %s", text);
    cr_assert_not_null(strstr(text, "history.write_errors counts every failure"), "got: %s", text);
    cr_assert_null(strstr(first + 1, want), "logged once, not per failure: %s", text);
    free(text);
    remove_dir();
}

/* ---- a damaged data.mdb: detected before LMDB maps it ------------------ */

static void fill_history(int n)
{
    dh_history_t *h = open_history(16, 3650);
    bool found;
    dh_history_rec_t before;
    char d[64];
    for (int i = 0; i < n; i++) {
        snprintf(d, sizeof(d), "f%05d.example", i);
        see(h, d, "10.0.0.1", T0 + i, NULL, &found, &before);
    }
    dh_history_close(h);
}

static off_t data_size(void)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    cr_assert_eq(stat(path, &st), 0);
    return st.st_size;
}

/* Opening the damaged history fails (never a signal: the test would die)
   with a message naming the file. */
static void assert_refused(bool recover, const char *what)
{
    dh_history_options_t o = {.state_dir = dir, .expire_us = 3650 * DAY,
                              .max_bytes = 16 << 20, .recover = recover};
    dh_history_tuning_t t = {.cache_entries = 1024, .sync_interval_us = 60 * 1000000LL};
    char err[512] = "", want[128];
    dh_history_t *h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_null(h, "%s: a damaged history was opened", what);
    snprintf(want, sizeof(want), "%s/data.mdb: damaged history: ", dir);
    cr_assert_not_null(strstr(err, want), "%s: got: %s", what, err);
}

Test(history, a_file_cut_short_is_refused_at_every_length)
{
    make_dir();
    fill_history(3000);
    off_t full = data_size();
    char path[128], cmd[300];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    snprintf(cmd, sizeof(cmd), "cp %s %s.good", path, path);
    cr_assert_eq(system(cmd), 0);
    const off_t cuts[] = {0, 1, 100, 4095, 4096, 4096 + 200, 8192, 8192 + 1000, full / 2,
                          full - 4096, full - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        snprintf(cmd, sizeof(cmd), "cp %s.good %s", path, path);
        cr_assert_eq(system(cmd), 0);
        cr_assert_eq(truncate(path, cuts[i]), 0);
        char what[64];
        snprintf(what, sizeof(what), "cut to %lld of %lld bytes", (long long)cuts[i],
                 (long long)full);
        assert_refused(false, what);
    }
    remove_dir();
}

static void overwrite(off_t off, const void *bytes, size_t len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseeko(f, off, SEEK_SET), 0);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

Test(history, random_bytes_and_a_flipped_magic_are_refused)
{
    make_dir();
    fill_history(100);
    unsigned char junk[65536];
    srand(7);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)rand();
    overwrite(0, junk, sizeof(junk));
    assert_refused(false, "random bytes");
    remove_dir();

    make_dir();
    fill_history(100);
    unsigned char magic_byte = 0xdf; /* 0xde, the magic's low byte, flipped */
    overwrite(16, &magic_byte, 1);
    assert_refused(false, "meta page 0's magic flipped");
    remove_dir();

    make_dir();
    fill_history(100);
    overwrite(4096 + 16, &magic_byte, 1);
    assert_refused(false, "meta page 1's magic flipped");
    remove_dir();
}

Test(history, recover_moves_the_damaged_file_aside_and_starts_afresh)
{
    make_dir();
    fill_history(500);
    char path[128];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    cr_assert_eq(truncate(path, data_size() / 2), 0);
    dh_history_options_t o = {.state_dir = dir, .expire_us = 3650 * DAY,
                              .max_bytes = 16 << 20, .recover = true};
    dh_history_tuning_t t = {.cache_entries = 1024, .sync_interval_us = 60 * 1000000LL};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    dh_log_t lg;
    dh_log_init(&lg, out);
    char err[512];
    dh_history_t *h = dh_history_open(&o, &t, &lg, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    cr_assert_eq(dh_history_stats(h).entries, 0, "a fresh history");
    cr_assert_eq(dh_history_since(h), INT64_MAX);
    bool found;
    dh_history_rec_t before;
    see(h, "f00001.example", "10.0.0.1", T0 + DAY, NULL, &found, &before);
    cr_assert_not(found);
    dh_history_close(h);
    fclose(out);
    cr_assert_not_null(strstr(text, "data.mdb is damaged (cut short: "), "got: %s", text);
    cr_assert_not_null(strstr(text, "moved to "), "got: %s", text);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "ls %s/data.mdb.corrupt-* %s/lock.mdb.corrupt-* >/dev/null", dir, dir);
    cr_assert_eq(system(cmd), 0, "the damaged files are kept aside");
    free(text);
    remove_dir();
}

Test(history, an_intact_file_passes_the_checks_and_keeps_its_records)
{
    make_dir();
    fill_history(3000);
    dh_history_options_t o = {.state_dir = dir, .expire_us = 3650 * DAY,
                              .max_bytes = 16 << 20, .recover = true};
    dh_history_tuning_t t = {.cache_entries = 1024, .sync_interval_us = 60 * 1000000LL};
    char err[512];
    dh_history_t *h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    cr_assert_eq(dh_history_stats(h).entries, 3000);
    cr_assert_eq(dh_history_since(h), T0);
    dh_history_close(h);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "ls %s/*.corrupt-* 2>/dev/null | grep -q .", dir);
    cr_assert_neq(system(cmd), 0, "nothing was moved aside");
    remove_dir();
}

/* Churn: far more distinct domains than the map holds, all within the
   current hour (the old eviction kept every record of the newest hour and
   failed most commits with MDB_MAP_FULL): eviction keeps ahead of the bound,
   no write fails and the file stays within it. */
Test(history, churn_in_a_tiny_map_never_fails_a_write)
{
    make_dir();
    dh_history_t *h = open_history(1, 3650);
    bool found;
    dh_history_rec_t before;
    char d[64];
    const int n = 120000;
    for (int i = 0; i < n; i++) {
        snprintf(d, sizeof(d), "churn%06d.example", i);
        see(h, d, "10.0.0.1", T0 + (int64_t)i * 10000, NULL, &found, &before); /* 10 ms apart */
    }
    cr_assert_eq(dh_history_sync(h), 0);
    dh_history_stats_t s = dh_history_stats(h);
    cr_assert_eq(s.write_errors, 0, "%llu of %llu commits failed",
                 (unsigned long long)s.write_errors, (unsigned long long)s.commits);
    cr_assert_gt(s.evicted_full, 10, "eviction ran as the map filled");
    cr_assert_gt(s.entries, 500, "evicted down to a low-water mark, not emptied");
    cr_assert_lt(s.entries, 2048);
    /* the least recently seen went first: the newest are known, the oldest not */
    snprintf(d, sizeof(d), "churn%06d.example", n - 1);
    see(h, d, "10.0.0.1", T0 + (int64_t)n * 10000, NULL, &found, &before);
    cr_assert(found, "the newest record was evicted");
    snprintf(d, sizeof(d), "churn%06d.example", 0);
    see(h, d, "10.0.0.1", T0 + (int64_t)n * 10000, NULL, &found, &before);
    cr_assert_not(found, "the oldest record was kept");
    dh_history_close(h);
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_leq(st.st_size, 1 << 20, "the file stays within its bound");
    remove_dir();
}

/* A data file that cannot be read is an error, not damage: --state-recover
   never moves aside what nothing says is damaged. */
Test(history, an_unreadable_file_is_not_moved_aside)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    cr_assert_eq(mkdir(path, 0700), 0); /* read() fails: EISDIR */
    dh_history_options_t o = {.state_dir = dir, .expire_us = 3650 * DAY,
                              .max_bytes = 16 << 20, .recover = true};
    dh_history_tuning_t t = {.cache_entries = 1024, .sync_interval_us = 60 * 1000000LL};
    char err[512] = "";
    dh_history_t *h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_null(h);
    cr_assert_not_null(strstr(err, "data.mdb: cannot read meta page 0: "), "got: %s", err);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "left where it was");
    cr_assert(S_ISDIR(st.st_mode));
    remove_dir();
}

/* Eviction counts the records a batch adds, not the ones it updates: a
   history at 70 % of its bound whose every domain is seen again on a new
   day (all dirty) keeps every record. */
Test(history, updates_need_no_room)
{
    make_dir();
    dh_history_options_t o = {.state_dir = dir, .expire_us = 3650 * DAY, .max_bytes = 1 << 20};
    dh_history_tuning_t t = {.cache_entries = 1 << 12, .sync_interval_us = 7 * DAY};
    char err[256];
    dh_history_t *h = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(h, "%s", err);
    bool found;
    dh_history_rec_t before;
    char d[64];
    const int n = 1400; /* of about 2,048 the 1 MiB map holds */
    for (int day = 0; day < 2; day++) {
        for (int i = 0; i < n; i++) {
            snprintf(d, sizeof(d), "u%04d.example", i);
            see(h, d, "10.0.0.1", T0 + day * DAY + i, NULL, &found, &before);
            cr_assert_eq(found, day > 0);
        }
        cr_assert_eq(dh_history_sync(h), 0);
    }
    dh_history_stats_t s = dh_history_stats(h);
    cr_assert_eq(s.entries, (uint64_t)n);
    cr_assert_eq(s.evicted_full, 0, "updates were counted as new records");
    dh_history_close(h);
    remove_dir();
}

/* The number of the root page of the main tree in the newer meta page. */
static uint64_t main_root(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    unsigned char m[2][4096];
    cr_assert_eq(fread(m, 1, sizeof(m), f), sizeof(m));
    fclose(f);
    uint64_t txn[2], root[2];
    for (int i = 0; i < 2; i++) {
        memcpy(&txn[i], m[i] + 16 + 128, 8);
        memcpy(&root[i], m[i] + 16 + 72 + 40, 8);
    }
    return txn[1] > txn[0] ? root[1] : root[0];
}

/* Garbage inside the trees (metas intact) made LMDB abort on an assertion
   or die with SIGSEGV; the walk before mapping refuses it. */
Test(history, garbage_pages_behind_sound_meta_pages_are_refused)
{
    unsigned char junk[4096];
    srand(11);
    for (int round = 0; round < 3; round++) {
        make_dir();
        fill_history(5000);
        off_t size = data_size();
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (unsigned char)rand();
        if (round == 0) { /* every page after the metas */
            for (off_t off = 8192; off < size; off += 4096)
                overwrite(off, junk, sizeof(junk));
        } else if (round == 1) { /* the main tree's root */
            overwrite((off_t)main_root() * 4096, junk, sizeof(junk));
        } else { /* 16 bytes inside the root's node offsets and nodes */
            overwrite((off_t)main_root() * 4096 + 12, junk, 16);
        }
        char what[32];
        snprintf(what, sizeof(what), "garbage round %d", round);
        assert_refused(false, what);
        remove_dir();
    }
}

/* Coverage is the days that had data: one old capture replayed into an
   empty history is one day of it, however long ago, and it is kept across
   a restart. Days older than the expiry before an event do not count. */
Test(history, coverage_counts_the_days_with_data_not_the_span)
{
    make_dir();
    dh_history_t *h = open_history(16, 30);
    bool found;
    dh_history_rec_t before;
    int64_t old = T0 - 400 * DAY; /* a capture from over a year ago */
    for (int i = 0; i < 50; i++)
        see(h, "old.example", "10.0.0.1", old + i * 60 * 1000000LL, "192.0.2.1", &found, &before);
    cr_assert_eq(dh_history_days_before(h, old), 0, "nothing before the capture's own day");
    cr_assert_eq(dh_history_days_before(h, old + DAY), 1);
    cr_assert_eq(dh_history_days_before(h, T0), 0, "400 days back is past the 30-day expiry");
    cr_assert_eq(dh_history_since(h), old, "the oldest event is still the since of the stats");
    for (int d = 0; d < 5; d++) /* five days of live data, one event each */
        see(h, "live.example", "10.0.0.2", T0 + d * DAY, "192.0.2.2", &found, &before);
    cr_assert_eq(dh_history_days_before(h, T0 + 4 * DAY), 4, "today is not yet coverage");
    cr_assert_eq(dh_history_days_before(h, T0 + 6 * DAY), 5);
    cr_assert_eq(dh_history_stats(h).days_with_data, 6);
    dh_history_close(h);
    h = open_history(16, 30);
    cr_assert_eq(dh_history_days_before(h, T0 + 6 * DAY), 5, "the days survive a restart");
    cr_assert_eq(dh_history_days_before(h, old + DAY), 1);
    dh_history_close(h);
    remove_dir();
}
