/*
 * test-new-domain.c - the new_domain detector with a real LMDB history:
 * warm-up, first contact with and without risk signals, known and popular
 * domains, returning domains, the young-lifecycle judgement of the daily
 * history pass, and a restart (the same domain is not new any more).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector-call.h"
#include "detector.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_new_domain;

#define DAY (86400LL * 1000000)
#define T0 (1700000000LL * 1000000)
#define MAXDET 16

typedef struct {
    int n;
    char json[MAXDET][4096];
} sink_t;

typedef struct {
    dh_rule_t *rule;
    void *st;
    dh_state_t *state;
    dh_history_t *history;
    sink_t sink;
    dh_detect_env_t env;
    char dir[64];
} fixture_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAXDET);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    snprintf(s->json[s->n++], sizeof(s->json[0]), "%s", sb.buf);
    dh_sb_free(&sb);
}

static void open_history(fixture_t *f)
{
    dh_history_options_t o = {.state_dir = f->dir, .expire_us = 180 * DAY, .max_bytes = 16 << 20};
    dh_history_tuning_t t = {.cache_entries = 1024, .sync_interval_us = 60 * 1000000LL};
    char err[256];
    f->history = dh_history_open(&o, &t, NULL, err, sizeof(err));
    cr_assert_not_null(f->history, "%s", err);
}

static void start(fixture_t *f)
{
    char err[512];
    memset(&f->sink, 0, sizeof(f->sink));
    f->state = dh_state_new(64 << 20);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state,
                               .history = f->history};
    f->rule = dh_rule_load(DH_SOURCE_DIR "/rules", "new_domain", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_create(&dh_detector_new_domain, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
}

static void setup(fixture_t *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/dh-nd-test.XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    open_history(f);
    start(f);
}

/* A restart: flush the windows, close the history, open both again. */
static void stop(fixture_t *f)
{
    dh_state_flush(f->state);
    dh_detector_destroy(&dh_detector_new_domain, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
    dh_history_close(f->history);
}

static void teardown(fixture_t *f)
{
    stop(f);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    cr_assert_eq(system(cmd), 0);
}

/* What the pipeline does for one NOERROR answer: the history, then the
   detector with the verdict. */
static void query(fixture_t *f, const char *client, int64_t ts, const char *qname,
                  const char *regdom, bool popular)
{
    dh_event_t ev;
    dh_answer_t ans = {.rrtype = 1, .ttl = 300, .data = "192.0.2.7", .data_len = 9};
    dh_event_init(&ev);
    ev.ts_us = ts;
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = qname;
    ev.qname_len = strlen(qname);
    ev.registered_domain = regdom;
    ev.qtype = 1;
    ev.rcode = 0;
    ev.has_response = true;
    ev.answers = &ans;
    ev.n_answers = 1;
    dh_verdict_t v = {.popular = popular, .common = popular};
    v.history_live = dh_history_observe(f->history, regdom, strlen(regdom), &ev, &v.history,
                                        &v.history_found);
    v.has_history = v.history_live != NULL;
    v.history_since_us = dh_history_since(f->history);
    v.history_days = dh_history_days_before(f->history, ts);
    uint32_t flags = v.history_live ? v.history_live->flags : 0;
    det_call(&dh_detector_new_domain, f->st, &ev, &v, &f->env);
    if (v.history_live && v.history_live->flags != flags)
        dh_history_changed(f->history, v.history_live);
    dh_state_advance(f->state, ts - 60 * 1000000LL);
}

/* A week of ordinary traffic, so the history is past its warm-up. */
static void learn_week(fixture_t *f)
{
    for (int d = 0; d < 8; d++) {
        query(f, "10.0.0.1", T0 + d * DAY, "www.example.com", "example.com", false);
        query(f, "10.0.0.2", T0 + d * DAY + 1000000, "mail.example.org", "example.org", false);
    }
}

static void flush(fixture_t *f)
{
    dh_state_flush(f->state);
}

/* Detections holding needle. */
static int count(const fixture_t *f, const char *needle)
{
    int n = 0;
    for (int i = 0; i < f->sink.n; i++)
        n += strstr(f->sink.json[i], needle) != NULL;
    return n;
}

static int count_kind(const fixture_t *f, const char *kind)
{
    char needle[256];
    snprintf(needle, sizeof(needle), "\"kind\":\"%s\"", kind);
    return count(f, needle);
}

Test(new_domain, nothing_is_new_during_the_warm_up)
{
    fixture_t f;
    setup(&f);
    query(&f, "10.0.0.1", T0, "www.example.com", "example.com", false);
    query(&f, "10.0.0.9", T0 + DAY, "c2-update.duckdns.org", "c2-update.duckdns.org", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 0, "one day of history is not enough to call anything new");
    teardown(&f);
}

Test(new_domain, first_contact_with_a_dyndns_host_by_one_client)
{
    fixture_t f;
    setup(&f);
    learn_week(&f);
    int64_t t = T0 + 8 * DAY + 3600 * 1000000LL;
    for (int i = 0; i < 5; i++)
        query(&f, "10.0.0.9", t + i * 60 * 1000000LL, "c2-update.duckdns.org",
              "c2-update.duckdns.org", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 1);
    const char *j = f.sink.json[0];
    cr_assert(strstr(j, "\"rule\":{\"name\":\"new_domain\""), "%s", j);
    cr_assert(strstr(j, "\"kind\":\"first_contact\""), "%s", j);
    cr_assert(strstr(j, "\"signals\":[\"few_clients\",\"dyndns\"]"), "%s", j);
    cr_assert(strstr(j, "\"queries\":5"), "%s", j);
    cr_assert(strstr(j, "\"source\":{\"ip\":\"10.0.0.9\"}"), "%s", j);
    cr_assert(strstr(j, "T1583.001") && strstr(j, "TA0042") && strstr(j, "T1568"), "%s", j);
    cr_assert(strstr(j, "\"registered_domain\":\"c2-update.duckdns.org\""), "%s", j);
    teardown(&f);
}

Test(new_domain, a_machine_made_label_is_a_risk_signal)
{
    fixture_t f;
    setup(&f);
    learn_week(&f);
    query(&f, "10.0.0.9", T0 + 8 * DAY, "xkq7vz9wprt3h.com", "xkq7vz9wprt3h.com", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(strstr(f.sink.json[0], "\"signals\":[\"few_clients\",\"lexical\"]"), "%s",
              f.sink.json[0]);
    teardown(&f);
}

Test(new_domain, novelty_alone_is_not_reported)
{
    fixture_t f;
    setup(&f);
    learn_week(&f);
    /* a new ordinary domain for one client: few_clients only (score 1 < 3) */
    query(&f, "10.0.0.9", T0 + 8 * DAY, "www.gardeningtips.com", "gardeningtips.com", false);
    /* a new dyndns host many clients use: dyndns only (score 2 < 3) */
    for (int i = 1; i <= 4; i++) {
        char c[32];
        snprintf(c, sizeof(c), "10.0.1.%d", i);
        query(&f, c, T0 + 8 * DAY + i * 1000000LL, "nas.home.ddns.net", "home.ddns.net", false);
    }
    flush(&f);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.n ? f.sink.json[0] : "");
    teardown(&f);
}

Test(new_domain, known_and_popular_domains_are_not_new)
{
    fixture_t f;
    setup(&f);
    query(&f, "10.0.0.1", T0, "xkq7vz9wprt3h.com", "xkq7vz9wprt3h.com", false);
    learn_week(&f);
    query(&f, "10.0.0.9", T0 + 8 * DAY, "xkq7vz9wprt3h.com", "xkq7vz9wprt3h.com", false);
    query(&f, "10.0.0.9", T0 + 8 * DAY, "qzx8vbn3kdw7p.com", "qzx8vbn3kdw7p.com", true);
    flush(&f);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.n ? f.sink.json[0] : "");
    teardown(&f);
}

Test(new_domain, a_domain_unseen_for_unseen_days_is_new_again)
{
    fixture_t f;
    setup(&f);
    query(&f, "10.0.0.1", T0, "a.old-c2.duckdns.org", "old-c2.duckdns.org", false);
    learn_week(&f);
    query(&f, "10.0.0.9", T0 + 40 * DAY, "a.old-c2.duckdns.org", "old-c2.duckdns.org", false);
    flush(&f);
    cr_assert_eq(count_kind(&f, "returning_after_unseen"), 1, "%d: %s", f.sink.n,
                 f.sink.n ? f.sink.json[0] : "");
    cr_assert(strstr(f.sink.json[0], "\"previously_last_seen\":\"2023-11-14T22:13:20"), "%s",
              f.sink.json[0]);
    teardown(&f);
}

Test(new_domain, young_lifecycle_is_judged_by_the_daily_pass)
{
    fixture_t f;
    setup(&f);
    learn_week(&f);
    /* a dyndns host two clients used for ten minutes (score 2 at first contact:
       dyndns, not few clients), then silence */
    int64_t t = T0 + 8 * DAY;
    query(&f, "10.0.0.8", t, "drop.burner.duckdns.org", "burner.duckdns.org", false);
    query(&f, "10.0.0.9", t + 600 * 1000000LL, "drop.burner.duckdns.org", "burner.duckdns.org", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 0);
    /* other traffic goes on; the pass of day 12 finds it gone for 3 days */
    for (int d = 9; d <= 13; d++)
        query(&f, "10.0.0.1", T0 + d * DAY + 3600 * 1000000LL, "www.example.com", "example.com",
              false);
    cr_assert_eq(count_kind(&f, "young_lifecycle"), 1, "%d", f.sink.n);
    const char *j = f.sink.json[0];
    cr_assert(strstr(j, "\"signals\":[\"dyndns\",\"young_lifecycle\"]"), "%s", j);
    cr_assert(strstr(j, "\"clients\":2"), "%s", j);
    cr_assert(strstr(j, "\"source\":{\"ip\":\"10.0.0.8\"}"), "first client: %s", j);
    /* judged once */
    for (int d = 14; d <= 16; d++)
        query(&f, "10.0.0.1", T0 + d * DAY + 3600 * 1000000LL, "www.example.com", "example.com",
              false);
    cr_assert_eq(f.sink.n, 1);
    teardown(&f);
}

Test(new_domain, after_a_restart_the_same_domain_is_not_new)
{
    fixture_t f;
    setup(&f);
    learn_week(&f);
    query(&f, "10.0.0.9", T0 + 8 * DAY, "c2-update.duckdns.org", "c2-update.duckdns.org", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 1);
    stop(&f); /* the history is committed and closed */
    open_history(&f);
    start(&f);
    query(&f, "10.0.0.7", T0 + 9 * DAY, "c2-update.duckdns.org", "c2-update.duckdns.org", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 0, "known from before the restart: %s", f.sink.n ? f.sink.json[0] : "");
    teardown(&f);
}

Test(new_domain, replaying_the_first_contact_after_a_crash_reports_it_again)
{
    fixture_t f;
    setup(&f);
    learn_week(&f);
    int64_t t = T0 + 8 * DAY;
    query(&f, "10.0.0.9", t, "c2-update.duckdns.org", "c2-update.duckdns.org", false);
    /* the window was never closed (a crash), the history was committed: the
       input replays from the last committed offset */
    dh_history_sync(f.history);
    dh_detector_destroy(&dh_detector_new_domain, f.st);
    dh_state_free(f.state);
    dh_rule_free(f.rule);
    start(&f);
    query(&f, "10.0.0.9", t, "c2-update.duckdns.org", "c2-update.duckdns.org", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 1, "at-least-once: the replayed first contact is still new");
    teardown(&f);
}

/* Early alerts: a first contact that scores is reported at its record; the
   window's close (its later queries counted) has the same event.id. */
Test(new_domain, early_alert_at_the_first_contact_then_the_close_same_id)
{
    fixture_t f;
    setup(&f);
    learn_week(&f);
    f.env.early_alerts = true;
    int64_t t = T0 + 8 * DAY + 3600 * 1000000LL;
    query(&f, "10.0.0.9", t, "c2-update.duckdns.org", "c2-update.duckdns.org", false);
    cr_assert_eq(f.sink.n, 1, "reported at the first contact");
    cr_assert(strstr(f.sink.json[0], "\"early\":true"), "%s", f.sink.json[0]);
    cr_assert(strstr(f.sink.json[0], "\"queries\":1"), "%s", f.sink.json[0]);
    for (int i = 1; i < 5; i++)
        query(&f, "10.0.0.9", t + i * 60 * 1000000LL, "c2-update.duckdns.org",
              "c2-update.duckdns.org", false);
    cr_assert_eq(f.sink.n, 1);
    flush(&f);
    cr_assert_eq(f.sink.n, 2);
    cr_assert(strstr(f.sink.json[1], "\"queries\":5"), "%s", f.sink.json[1]);
    cr_assert(!strstr(f.sink.json[1], "\"early\""), "%s", f.sink.json[1]);
    const char *a = strstr(f.sink.json[0], "\"id\":\""), *b = strstr(f.sink.json[1], "\"id\":\"");
    cr_assert(a && b && strncmp(a, b, 40) == 0, "same event.id");
    teardown(&f);
}

/* A history seeded by one old capture (eight days of it, years ago) has no
   coverage for today: the days that count are those with data within the
   expiry (180 days) before the event, so today's first contacts are not yet
   judged; a week of today's traffic then ends the warm-up. */
Test(new_domain, an_old_capture_in_the_history_does_not_end_the_warm_up)
{
    fixture_t f;
    setup(&f);
    int64_t old = T0 - 3000 * DAY;
    for (int d = 0; d < 8; d++)
        query(&f, "10.0.0.1", old + d * DAY, "www.example.com", "example.com", false);
    query(&f, "10.0.0.9", T0, "c2-update.duckdns.org", "c2-update.duckdns.org", false);
    flush(&f);
    cr_assert_eq(f.sink.n, 0, "eight days of 2018 are no coverage for today");
    learn_week(&f);
    query(&f, "10.0.0.9", T0 + 9 * DAY, "c3-update.duckdns.org", "c3-update.duckdns.org", false);
    flush(&f);
    cr_assert_eq(count(&f, "c3-update.duckdns.org"), 1, "after a week of data it is judged");
    cr_assert_eq(count(&f, "\"history_days\":8"), 1, "the evidence says how many days");
    teardown(&f);
}
