/*
 * test-dns-beacon.c - the DNS beacon detector on crafted event sequences:
 * perfect and jittered beacons fire, heavy jitter and bursty browsing do
 * not, the min_timestamps gate, TTL-timed re-resolution and common domains
 * are not beacons, rotating subdomains fire per registered domain, bursts
 * (A+AAAA pairs) count once, and one finding per client x name or domain;
 * the interval percentile, empty input included.
 * Jitter comes from a fixed-seed PRNG, so every run sees the same events.
 */
#include <criterion/criterion.h>

#include "detector-call.h"
#include "rule-variant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"
#include "detectors/dns-beacon.h"
#include "util-dns.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_dns_beacon;

#define MAX_DET 16
#define JSON_LEN 8192
#define SEC 1000000LL
#define T0 (1700006400LL * SEC) /* 2023-11-15T00:00:00Z, a window start */
#define DAY (86400LL * SEC)

typedef struct {
    int n;
    char json[MAX_DET][JSON_LEN];
} sink_t;

typedef struct {
    dh_state_t *state;
    dh_rule_t *rule;
    void *st;
    sink_t sink;
    dh_detect_env_t env;
    uint64_t rng;
} fixture_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAX_DET);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    cr_assert_lt(sb.len, JSON_LEN);
    snprintf(s->json[s->n++], JSON_LEN, "%s", sb.buf);
    dh_sb_free(&sb);
}

static fixture_t *open_dir_early(const char *dir, bool early)
{
    char err[512];
    fixture_t *f = calloc(1, sizeof(*f));
    cr_assert_not_null(f);
    f->env.early_alerts = early;
    f->state = dh_state_new(64 << 20);
    f->rule = dh_rule_load(dir, "dns_beacon", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->env.emit = collect;
    f->env.pipeline = &f->sink;
    f->env.state = f->state;
    f->st = dh_detector_create(&dh_detector_dns_beacon, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
    f->rng = 0x9e3779b97f4a7c15ULL;
    return f;
}

static fixture_t *open_dir(const char *dir)
{
    return open_dir_early(dir, false);
}

static fixture_t *open_detector(void)
{
    return open_dir(DH_SOURCE_DIR "/rules");
}

static void close_detector(fixture_t *f)
{
    dh_detector_destroy(&dh_detector_dns_beacon, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
    free(f);
}

/* Deterministic uniform [0, 1) (xorshift64). */
static double rnd(fixture_t *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return (double)(f->rng >> 11) / 9007199254740992.0;
}

/* prevalence: clients querying the domain (noise.yaml's common_clients is 20) */
static void query_full(fixture_t *f, int64_t ts_us, const char *client, const char *qname,
                       const char *regdom, int32_t qtype, int64_t ttl, uint32_t prevalence)
{
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = qname;
    ev.qname_len = strlen(qname);
    ev.registered_domain = regdom;
    ev.qtype = qtype;
    dh_answer_t ans = {.rrtype = qtype, .ttl = ttl, .section = DH_SECTION_ANSWER,
                       .data = "192.0.2.7", .data_len = 9};
    if (ttl >= 0) {
        ev.has_response = true;
        ev.rcode = 0;
        ev.n_answers = 1;
        ev.answers = &ans;
    }
    dh_verdict_t v = {.prevalence = prevalence, .common = prevalence >= 20};
    det_call(&dh_detector_dns_beacon, f->st, &ev, &v, &f->env);
}

static void query(fixture_t *f, int64_t ts_us, const char *client, const char *qname,
                  const char *regdom, int64_t ttl)
{
    query_full(f, ts_us, client, qname, regdom, DH_QTYPE_A, ttl, 1);
}

/* Check-ins every period * (1 + U(-jitter, jitter)) seconds for hours from
   start; returns how many. */
static int beacon(fixture_t *f, int64_t start, double period, double jitter, double hours,
                  const char *client, const char *qname, const char *regdom, int64_t ttl)
{
    int n = 0;
    double t = 0;
    while (t < hours * 3600) {
        query(f, start + (int64_t)(t * SEC), client, qname, regdom, ttl);
        n++;
        t += period * (1 + jitter * (2 * rnd(f) - 1));
    }
    return n;
}

static bool has(const fixture_t *f, int i, const char *needle)
{
    return strstr(f->sink.json[i], needle) != NULL;
}

/* A copy of the shipped rule with one piece of text replaced (rule-variant.h). */
#define rule_variant(dir, from, to) dh_test_rule_variant(dir, "dns_beacon", from, to)
#define remove_variant(dir) dh_test_remove_variant(dir, "dns_beacon")

Test(dns_beacon, perfect_60s_beacon_fires_once_at_window_close)
{
    fixture_t *f = open_detector();
    int n =
        beacon(f, T0 + 3600 * SEC, 60, 0, 3, "10.0.0.5", "beacon.evil-c2.net", "evil-c2.net", 1);
    cr_assert_eq(n, 180);
    dh_state_advance(f->state, T0 + DAY - 1);
    cr_assert_eq(f->sink.n, 0, "nothing before the window closes");
    dh_state_advance(f->state, T0 + DAY);
    cr_assert_eq(f->sink.n, 1, "the name fires; its domain is not reported again");
    cr_assert(has(f, 0, "\"rule\":{\"name\":\"dns_beacon\""), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"source\":{\"ip\":\"10.0.0.5\"}"));
    cr_assert(has(f, 0, "\"name\":\"beacon.evil-c2.net\",\"registered_domain\":\"evil-c2.net\""));
    cr_assert(has(f, 0, "\"level\":\"name\""));
    cr_assert(has(f, 0, "\"queries\":180,\"distinct_timestamps\":180"));
    cr_assert(has(f, 0, "\"median_interval_seconds\":60,\"mad_seconds\":0,\"bowley_skew\":0"));
    cr_assert(has(f, 0, "\"score\":1"));
    cr_assert(has(f, 0, "\"ttl_checked\":true,\"ttl_seconds\":1"));
    cr_assert(has(f, 0, "\"first_seen\":\"2023-11-15T01:00:00.000000Z\""));
    cr_assert(has(f, 0, "\"last_seen\":\"2023-11-15T03:59:00.000000Z\""));
    cr_assert(has(f, 0, "\"tactic\":{\"id\":[\"TA0011\"]"));
    cr_assert(has(f, 0, "\"technique\":{\"id\":[\"T1071\"]"));
    cr_assert(has(f, 0, "\"subtechnique\":{\"id\":[\"T1071.004\"],\"name\":[\"DNS\"],\"reference\":[\"https://attack.mitre.org/techniques/T1071/004/\"]}"));
    cr_assert(has(f, 0, "\"detection_strategy\":\"DET0400\""));
    cr_assert(has(f, 0, "\"attack_version\":\"18.1\""));
    close_detector(f);
}

Test(dns_beacon, output_is_deterministic)
{
    static char first[JSON_LEN];
    for (int run = 0; run < 2; run++) {
        fixture_t *f = open_detector();
        beacon(f, T0 + 600 * SEC, 60, 0.2, 3, "2001:db8::5", "x.evil-c2.net", "evil-c2.net", 0);
        dh_state_flush(f->state);
        cr_assert_eq(f->sink.n, 1);
        if (run == 0)
            strcpy(first, f->sink.json[0]);
        else
            cr_assert_str_eq(first, f->sink.json[0], "same input, same bytes");
        close_detector(f);
    }
}

Test(dns_beacon, jitter_20_percent_fires)
{
    fixture_t *f = open_detector();
    beacon(f, T0 + 3600 * SEC, 60, 0.2, 3, "10.0.0.5", "beacon.evil-c2.net", "evil-c2.net", 1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"regularity\":1"), "%s", f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, jitter_30_fires_50_does_not)
{
    /* The boundary is statistical (see jitter_full / jitter_zero in the rule):
       +-30 % always fires, +-40 % about half the time, +-50 % rarely. */
    fixture_t *f = open_detector();
    beacon(f, T0 + 3600 * SEC, 60, 0.3, 3, "10.0.0.6", "a.evil-c2.net", "evil-c2.net", 1);
    beacon(f, T0 + 3600 * SEC, 60, 0.5, 3, "10.0.0.7", "a.evil-c2.net", "evil-c2.net", 1);
    beacon(f, T0 + 3600 * SEC, 300, 0.5, 12, "10.0.0.8", "b.evil-c2.net", "evil-c2.net", 1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1, "%d", f->sink.n);
    cr_assert(has(f, 0, "\"ip\":\"10.0.0.6\""), "%s", f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, cobalt_strike_style_jitter_50_fires)
{
    /* Cobalt Strike's jitter shortens each sleep by up to J %. */
    fixture_t *f = open_detector();
    double t = 0;
    while (t < 4 * 3600) {
        query(f, T0 + 3600 * SEC + (int64_t)(t * SEC), "10.0.0.5", "cdn.evil-c2.net",
              "evil-c2.net", 1);
        t += 60 * (1 - 0.5 * rnd(f));
    }
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    close_detector(f);
}

Test(dns_beacon, min_timestamps_boundary)
{
    /* The score of 4 check-ins a minute apart is below the shipped
       min_score (too short to be spread over hours): lower it to see the
       min_timestamps gate alone. */
    char dir[64];
    rule_variant(dir, "  min_score: 0.8\n", "  min_score: 0.5\n");
    fixture_t *f = open_dir(dir);
    beacon(f, T0 + 3600 * SEC, 60, 0, 3.0 / 60, "10.0.0.3", "three.evil-c2.net", "evil-c2.net", 1);
    beacon(f, T0 + 3600 * SEC, 60, 0, 4.0 / 60, "10.0.0.4", "four.evil-c2.net", "evil-c2.net", 1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"ip\":\"10.0.0.4\""), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"distinct_timestamps\":4"));
    cr_assert(has(f, 0, "\"min_timestamps\":4"), "the shipped minimum is RITA's 4");
    close_detector(f);
    remove_variant(dir);
}

Test(dns_beacon, bursty_browsing_does_not_fire)
{
    fixture_t *f = open_detector();
    const char *names[] = {"www.rare-shop.org", "img.rare-shop.org", "api.rare-shop.org"};
    double t = 8 * 3600;
    for (int s = 0; s < 9; s++) { /* sessions through the day */
        t += 1200 + rnd(f) * 5400;
        int n = 4 + (int)(rnd(f) * 30);
        for (int i = 0; i < n; i++) {
            const char *name = names[(int)(rnd(f) * 3)];
            query(f, T0 + (int64_t)(t * SEC), "10.0.0.9", name, "rare-shop.org", 60);
            t += rnd(f) < 0.5 ? 1 + rnd(f) * 8 : 15 + rnd(f) * 300;
        }
    }
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 0, "%s", f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, regular_sessions_hours_apart_do_not_fire)
{
    /* a page polling every minute, open for 20 minutes three times a day:
       regular intervals, but not spread over the hours (histogram) */
    fixture_t *f = open_detector();
    for (int s = 0; s < 3; s++)
        beacon(f, T0 + (9 + 4 * s) * 3600 * SEC, 60, 0, 20.0 / 60, "10.0.0.5", "live.rare-news.org",
               "rare-news.org", 20);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 0, "%s", f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, short_regular_run_in_a_day_long_log_fires_by_its_series_alone)
{
    /* an hour of 60 s check-ins while the log covers a day: too few
       check-ins for the window (count) and too short to be spread
       (histogram) for the score, but 59 regular intervals are a series */
    fixture_t *f = open_detector();
    query(f, T0 + 10 * SEC, "10.0.0.9", "www.example.org", "example.org", 300);
    beacon(f, T0 + 10 * 3600 * SEC, 60, 0, 1, "10.0.0.5", "b.evil-c2.net", "evil-c2.net", 1);
    query(f, T0 + DAY - 10 * SEC, "10.0.0.9", "www.example.org", "example.org", 300);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"basis\":\"series\""), "the score is below min_score: %s",
              f->sink.json[0]);
    cr_assert(
        has(f, 0, "\"intervals_seen\":59,\"median_period_seconds\":60,\"jitter_estimate\":0"));
    close_detector(f);
}

Test(dns_beacon, reresolution_at_ttl_is_a_cache_effect)
{
    fixture_t *f = open_detector();
    /* exactly every 300 s, TTL 300; a few lookups of another name of the
       domain (TTL 3600, the last one of the window) must not make the
       domain level report what the name level judged a cache effect */
    beacon(f, T0 + 3600 * SEC, 300, 0, 12, "10.0.0.1", "api.rare-saas.net", "rare-saas.net", 300);
    for (int i = 1; i <= 3; i++)
        query(f, T0 + (3600 + i * 4 * 3600 - 100) * SEC, "10.0.0.1", "www.rare-saas.net",
              "rare-saas.net", 3600);
    /* an application polling every 45 s: the name is asked again at the
       first poll after the entry expired, 300..345 s */
    double t = 0;
    while (t < 12 * 3600) {
        query(f, T0 + 3600 * SEC + (int64_t)(t * SEC), "10.0.0.2", "sync.rare-saas.net",
              "rare-saas.net", 300);
        t += 300 + rnd(f) * 45;
    }
    /* controls: the same timing with a short TTL is a beacon; so is a
       jittered one near the TTL that often asks before the entry expired */
    beacon(f, T0 + 3600 * SEC, 300, 0, 12, "10.0.0.3", "api.rare-saas.net", "rare-saas.net", 5);
    beacon(f, T0 + 3600 * SEC, 300, 0.2, 12, "10.0.0.4", "api.rare-saas.net", "rare-saas.net", 320);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 2);
    cr_assert(has(f, 0, "\"ip\":\"10.0.0.3\""), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"ttl_checked\":true,\"ttl_seconds\":5"));
    cr_assert(has(f, 1, "\"ip\":\"10.0.0.4\""), "%s", f->sink.json[1]);
    close_detector(f);
}

Test(dns_beacon, common_domain_does_not_fire)
{
    fixture_t *f = open_detector();
    for (int i = 0; i < 180; i++)
        query_full(f, T0 + 3600 * SEC + i * 60 * SEC, "10.0.0.5", "time.popular.com",
                   "popular.com", DH_QTYPE_A, 1, 50);
    /* becomes common before its series could latch (series_min_intervals
       30): dropped too */
    for (int i = 0; i < 180; i++)
        query_full(f, T0 + 3600 * SEC + i * 60 * SEC, "10.0.0.5", "x.growing.com", "growing.com",
                   DH_QTYPE_A, 1, i >= 20 ? 20 : 3);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 0, "%s", f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, prevalent_domain_score_is_scaled)
{
    fixture_t *f = open_detector();
    for (int i = 0; i < 180; i++)
        query_full(f, T0 + 3600 * SEC + i * 60 * SEC, "10.0.0.5", "agent.fleet-saas.com",
                   "fleet-saas.com", DH_QTYPE_A, 1, 10);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"score\":0.9,"), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"prevalence\":10"));
    close_detector(f);
}

Test(dns_beacon, benign_periodic_service_is_not_tracked)
{
    fixture_t *f = open_detector();
    beacon(f, T0 + 3600 * SEC, 60, 0, 3, "10.0.0.5", "time.windows.com", "windows.com", 1);
    beacon(f, T0 + 3600 * SEC, 60, 0, 3, "10.0.0.5", "www.msftconnecttest.com.",
           "msftconnecttest.com", 1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 0);
    cr_assert_eq(dh_state_stats(f->state).closed, 0, "no state at all");
    /* matched at label boundaries only */
    beacon(f, T0 + 3600 * SEC, 60, 0, 3, "10.0.0.5", "xtime.windows.com", "windows.com", 1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"entity\":\"xtime.windows.com\""), "%s", f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, one_off_lookups_keep_little_state)
{
    fixture_t *f = open_detector();
    char name[64], domain[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(domain, sizeof(domain), "site%d.org", i);
        snprintf(name, sizeof(name), "www.%s", domain);
        query(f, T0 + i * SEC, "10.0.0.5", name, domain, 300);
    }
    dh_state_stats_t s = dh_state_stats(f->state);
    cr_assert_eq(s.entries, 0, "first check-ins wait in the fixed-size gate: no state");
    /* a second check-in of one of them gets real state */
    query(f, T0 + 5000 * SEC, "10.0.0.5", "www.site7.org", "site7.org", 300);
    cr_assert_eq(dh_state_stats(f->state).entries, 2, "name and domain entries");
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 0);
    close_detector(f);
}

Test(dns_beacon, rotating_subdomains_fire_at_registered_domain)
{
    fixture_t *f = open_detector();
    char name[64];
    double t = 0;
    while (t < 3 * 3600) {
        snprintf(name, sizeof(name), "%08x.c2.example-c2.com", (unsigned)(f->rng >> 32));
        query(f, T0 + 3600 * SEC + (int64_t)(t * SEC), "10.0.0.5", name, "example-c2.com", 0);
        t += 60 * (1 + 0.2 * (2 * rnd(f) - 1));
    }
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"level\":\"registered_domain\",\"entity\":\"example-c2.com\""), "%s",
              f->sink.json[0]);
    cr_assert(has(f, 0, "\"question\":{\"registered_domain\":\"example-c2.com\"}"));
    close_detector(f);
}

Test(dns_beacon, two_beaconing_names_under_one_domain)
{
    fixture_t *f = open_detector();
    beacon(f, T0 + 3600 * SEC, 60, 0.1, 3, "10.0.0.5", "a.evil-c2.net", "evil-c2.net", 1);
    beacon(f, T0 + 3600 * SEC + 17 * SEC, 90, 0.1, 3, "10.0.0.5", "b.evil-c2.net", "evil-c2.net",
           1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 2, "one per name, the domain is not reported on top");
    cr_assert(has(f, 0, "\"entity\":\"a.evil-c2.net\""), "%s", f->sink.json[0]);
    cr_assert(has(f, 1, "\"entity\":\"b.evil-c2.net\""), "%s", f->sink.json[1]);
    close_detector(f);
}

Test(dns_beacon, same_second_pairs_count_once)
{
    fixture_t *f = open_detector();
    for (int i = 0; i < 180; i++) {
        int64_t t = T0 + 3600 * SEC + i * 60 * SEC;
        int64_t off = i % 10 == 0 ? 900000 : 100000; /* some pairs straddle a second */
        query_full(f, t + off, "10.0.0.5", "b.evil-c2.net", "evil-c2.net", DH_QTYPE_A, 1, 1);
        query_full(f, t + off + 300000, "10.0.0.5", "b.evil-c2.net", "evil-c2.net",
                   DH_QTYPE_AAAA, 1, 1);
    }
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"queries\":360,\"distinct_timestamps\":180"), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"median_interval_seconds\":60"));
    close_detector(f);
}

Test(dns_beacon, out_of_order_events)
{
    /* Zeek writes a query when its transaction ends: neighbours swap. */
    fixture_t *f = open_detector();
    for (int i = 0; i < 180; i += 2) {
        int64_t t = T0 + 3600 * SEC + i * 60 * SEC;
        query(f, t + 60 * SEC, "10.0.0.5", "b.evil-c2.net", "evil-c2.net", 1);
        query(f, t, "10.0.0.5", "b.evil-c2.net", "evil-c2.net", 1);
    }
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"distinct_timestamps\":180"), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"median_interval_seconds\":60,\"mad_seconds\":0"));
    close_detector(f);
}

Test(dns_beacon, short_intervals_fire_only_as_a_series)
{
    /* 7 s is below min_interval (no score) but an idle tunnel's poll;
       1.5 s is below series_min_period (retries, a burst) */
    fixture_t *f = open_detector();
    beacon(f, T0 + 3600 * SEC, 7, 0, 2, "10.0.0.5", "b.evil-c2.net", "evil-c2.net", 1);
    beacon(f, T0 + 3600 * SEC, 1.5, 0, 2, "10.0.0.6", "b.evil-c2.net", "evil-c2.net", 1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(has(f, 0, "\"ip\":\"10.0.0.5\""), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"basis\":\"series\""));
    cr_assert(has(f, 0, "\"median_period_seconds\":7,"));
    cr_assert(!has(f, 0, "\"intervals_analysed\""), "not scored: below min_interval");
    close_detector(f);
}

Test(dns_beacon, bad_threshold_names_file_and_line)
{
    char dir[64], err[512];
    rule_variant(dir, "  jitter_zero: 0.5\n", "  jitter_zero: 0.2\n");
    dh_rule_t *r = dh_rule_load(dir, "dns_beacon", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    dh_state_t *st = dh_state_new(1 << 20);
    dh_detect_env_t env = {.state = st};
    cr_assert_null(dh_detector_create(&dh_detector_dns_beacon, r, &env, err, sizeof(err)));
    cr_assert(strstr(err, "dns_beacon.yaml:"), "%s", err);
    cr_assert(strstr(err, "jitter_zero: must be greater than jitter_full"), "%s", err);
    dh_state_free(st);
    dh_rule_free(r);
    remove_variant(dir);
}

/* The percentile of no values is 0 and reads nothing: the old code read
   v[-1] (a heap-buffer-overflow under ASan, `make check`). */
Test(dns_beacon, percentile_of_no_values_reads_nothing)
{
    double *v = malloc(sizeof(double));
    cr_assert_not_null(v);
    v[0] = 42;
    cr_assert_eq(dh_beacon_percentile(v, 0, 0.5), 0);
    cr_assert_eq(dh_beacon_percentile(v, 0, 1.0), 0);
    free(v);
}

Test(dns_beacon, percentile_interpolates)
{
    const double v[] = {10, 20, 30, 40};
    cr_assert_float_eq(dh_beacon_percentile(v, 4, 0.5), 25, 1e-9);
    cr_assert_float_eq(dh_beacon_percentile(v, 4, 0.25), 17.5, 1e-9);
    cr_assert_float_eq(dh_beacon_percentile(v, 4, 1.0), 40, 1e-9);
    cr_assert_float_eq(dh_beacon_percentile(v, 1, 0.75), 10, 1e-9);
}

/* Early alerts (live runs): a name's open window is scored again every
   early_every_queries queries (or early_every_seconds of event time), a
   pace that is data in rules/dns_beacon.yaml. Returns the number of the
   check-in (one a minute) after which the first finding came, -1 none. */
static int first_early_checkin(const char *dir)
{
    fixture_t *f = open_dir_early(dir, true);
    int at = -1;
    for (int i = 0; i < 300 && at < 0; i++) {
        /* a TTL unlike the interval: not a cache refresh; a domain of
           prevalent_clients clients: no series, only the score is paced */
        query_full(f, T0 + 3600 * SEC + i * 60 * SEC, "10.0.0.5", "c2.pace-test.net",
                   "pace-test.net", DH_QTYPE_A, 3600, 5);
        if (f->sink.n > 0)
            at = i + 1;
    }
    close_detector(f);
    return at;
}

Test(dns_beacon, the_early_check_pace_comes_from_the_rules)
{
    int shipped = first_early_checkin(DH_SOURCE_DIR "/rules");
    char dir[64];
    rule_variant(dir, "  early_every_queries: 4\n", "  early_every_queries: 1\n");
    int every = first_early_checkin(dir);
    remove_variant(dir);
    rule_variant(dir, "  early_every_queries: 4\n  early_every_seconds: 300\n",
                 "  early_every_queries: 1000\n  early_every_seconds: 0\n");
    int rare = first_early_checkin(dir);
    remove_variant(dir);
    cr_log_info("beacon early alert at check-in %d (every query), %d (shipped: every 4th or "
                "5 min)", every, shipped);
    cr_assert_gt(every, 0, "a minute beacon is reported before its day-long window closes");
    cr_assert_gt(shipped, 0);
    cr_assert_leq(every, shipped, "scoring every query cannot be later");
    cr_assert_lt(shipped - every, 4, "the shipped pace checks at least every 4th query");
    cr_assert_eq(rare, -1, "every 1000th query: not within 300 check-ins");
}

/* The gate's first check-ins bound the committed input only while their
   window is open: once the watermark passed a window's end its one-off
   lookups can never become a beacon (their events would be late), so the
   follow checkpoint and Kafka commits must move past them. */
Test(dns_beacon, closed_windows_do_not_hold_back_the_oldest_open_event)
{
    fixture_t *f = open_detector();
    char name[64], domain[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(domain, sizeof(domain), "site%d.org", i);
        snprintf(name, sizeof(name), "www.%s", domain);
        query(f, T0 + 10 * SEC + i * SEC, "10.0.0.5", name, domain, 300);
    }
    cr_assert_eq(dh_detector_dns_beacon.oldest_open(f->st), T0 + 10 * SEC,
                 "an open window's first check-ins are held");
    dh_state_advance(f->state, T0 + 3 * DAY);
    cr_assert_eq(dh_detector_dns_beacon.oldest_open(f->st), INT64_MAX,
                 "the window ended: nothing is held");
    query(f, T0 + 3 * DAY + 5 * SEC, "10.0.0.6", "www.later.org", "later.org", 300);
    cr_assert_eq(dh_detector_dns_beacon.oldest_open(f->st), T0 + 3 * DAY + 5 * SEC);
    query(f, T0 + 3 * DAY + 9 * SEC, "10.0.0.6", "www.late.org", "late.org", 300);
    query(f, T0 + 20 * SEC, "10.0.0.7", "www.late.org", "late.org", 300); /* late: its window closed */
    cr_assert_eq(dh_detector_dns_beacon.oldest_open(f->st), T0 + 3 * DAY + 5 * SEC,
                 "a late event's gate slot is in a closed window");
    dh_state_flush(f->state);
    close_detector(f);
}

/* ---- the series: judged after series_min_intervals regular check-ins ------ */

/* A Cobalt-Strike-style beacon: an A query of a fresh short hex label under
   one domain, every period +- jitter, n check-ins from start (TTL 1, as the
   team server answers). */
static void hex_beacon(fixture_t *f, int64_t start, double period, double jitter, int n,
                       const char *client, const char *domain, int32_t qtype)
{
    char name[64];
    double t = 0;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%08x.%s", (unsigned)(f->rng >> 32), domain);
        query_full(f, start + (int64_t)(t * SEC), client, name, domain, qtype, 1, 1);
        t += period * (1 + jitter * (2 * rnd(f) - 1));
    }
}

/* n check-ins of a hex beacon under cs-c2.net; the check-in (1-based)
   after which the fixture's first finding came, -1 none. */
static int hex_beacon_first_alert(fixture_t *f, double period, double jitter, int n)
{
    char name[64];
    double t = 0;
    int at = -1;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%08x.cs-c2.net", (unsigned)(f->rng >> 32));
        query(f, T0 + 3600 * SEC + (int64_t)(t * SEC), "10.0.0.5", name, "cs-c2.net", 1);
        if (f->sink.n > 0 && at < 0)
            at = i + 1;
        t += period * (1 + jitter * (2 * rnd(f) - 1));
    }
    return at;
}

Test(dns_beacon, series_fires_early_at_the_check_in_that_completes_it)
{
    /* live: the 31st check-in of a 60 s +- 20 % beacon completes 30 regular
       intervals (series_min_intervals) and is reported at once, hours before
       the day-long window closes */
    fixture_t *f = open_dir_early(DH_SOURCE_DIR "/rules", true);
    int at = hex_beacon_first_alert(f, 60, 0.2, 45);
    cr_assert_eq(at, 31, "first alert at check-in %d", at);
    cr_assert(has(f, 0, "\"early\":true"), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"level\":\"registered_domain\",\"entity\":\"cs-c2.net\","
                        "\"basis\":\"series\""));
    cr_assert(has(f, 0, "\"series\":{\"intervals_seen\":30,"), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"first_seen\":\"2023-11-15T01:00:00.000000Z\""),
              "the run's first check-in");
    cr_assert(has(f, 0, "\"subtechnique\":{\"id\":[\"T1071.004\"]"));
    close_detector(f);
}

Test(dns_beacon, series_finding_is_the_same_live_and_in_a_replay)
{
    /* the same check-ins, live (early alerts) and replayed: the window's
       close gives byte for byte the same finding, which counts every
       regular interval (44 of the 45 check-ins) */
    static char replayed[JSON_LEN];
    for (int live = 0; live < 2; live++) {
        fixture_t *f = open_dir_early(DH_SOURCE_DIR "/rules", live);
        cr_assert_eq(hex_beacon_first_alert(f, 60, 0.2, 45), live ? 31 : -1);
        dh_state_flush(f->state);
        cr_assert_eq(f->sink.n, live ? 2 : 1, "an early alert, then its close");
        const char *close = f->sink.json[f->sink.n - 1];
        cr_assert(strstr(close, "\"intervals_seen\":44,"), "%s", close);
        cr_assert(strstr(close, "\"still_regular\":true"));
        if (!live)
            strcpy(replayed, close);
        else
            cr_assert_str_eq(close, replayed, "live close and replay differ");
        close_detector(f);
    }
}

Test(dns_beacon, series_needs_enough_consecutive_regular_intervals)
{
    fixture_t *f = open_detector();
    /* 29 intervals: one short of series_min_intervals; 30 fire */
    hex_beacon(f, T0 + 3600 * SEC, 60, 0.2, 30, "10.0.0.1", "few-c2.net", DH_QTYPE_A);
    hex_beacon(f, T0 + 3600 * SEC, 60, 0.2, 31, "10.0.0.2", "few-c2.net", DH_QTYPE_A);
    /* irregular: a person's lookups 10..110 s apart */
    hex_beacon(f, T0 + 3600 * SEC, 60, 0.85, 60, "10.0.0.3", "rare-blog.org", DH_QTYPE_A);
    /* 45 check-ins with a missed one every 20th: never 30 in a row */
    double t = 0;
    char name[64];
    for (int i = 0; i < 45; i++) {
        snprintf(name, sizeof(name), "%08x.miss-c2.net", (unsigned)(i * 2654435761u));
        query(f, T0 + 3600 * SEC + (int64_t)(t * SEC), "10.0.0.4", name, "miss-c2.net", 1);
        t += i % 20 == 19 ? 120 : 60;
    }
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1, "%d findings", f->sink.n);
    cr_assert(has(f, 0, "\"ip\":\"10.0.0.2\""), "%s", f->sink.json[0]);
    cr_assert(has(f, 0, "\"intervals_seen\":30,"));
    close_detector(f);
}

Test(dns_beacon, series_thresholds_come_from_the_rules)
{
    char dir[64];
    for (int v = 0; v < 3; v++) {
        static const char *const from[] = {NULL, "  series_min_intervals: 30\n",
                                           "  series_max_jitter: 0.3\n"};
        static const char *const to[] = {NULL, "  series_min_intervals: 20\n",
                                         "  series_max_jitter: 0.1\n"};
        if (v)
            rule_variant(dir, from[v], to[v]);
        fixture_t *f = v ? open_dir(dir) : open_detector();
        /* 25 intervals, +- 20 % */
        hex_beacon(f, T0 + 3600 * SEC, 60, 0.2, 26, "10.0.0.5", "knob-c2.net", DH_QTYPE_A);
        /* 35 intervals, +- 20 % */
        hex_beacon(f, T0 + 3600 * SEC, 60, 0.2, 36, "10.0.0.6", "knob-c2.net", DH_QTYPE_A);
        dh_state_flush(f->state);
        int want[] = {1, 2, 0};
        cr_assert_eq(f->sink.n, want[v], "variant %d: %d findings", v, f->sink.n);
        if (v == 0)
            cr_assert(has(f, 0, "\"ip\":\"10.0.0.6\""), "%s", f->sink.json[0]);
        if (v == 1)
            cr_assert(has(f, 0, "\"intervals_seen\":25,") &&
                          has(f, 0, "\"series_min_intervals\":20"),
                      "%s", f->sink.json[0]);
        close_detector(f);
        if (v)
            remove_variant(dir);
    }
}

Test(dns_beacon, idle_tunnel_polls_fire_per_registered_domain)
{
    /* an idle iodine session: a query of a fresh encoded name every 4 s
       (below burst_gap and min_interval: one endless "burst" to the score),
       NULL or SRV, answered with TTL 0 */
    fixture_t *f = open_detector();
    char name[64];
    for (int i = 0; i < 45; i++) {
        snprintf(name, sizeof(name), "paaaj%03x.t.tun-c2.net", i * 8);
        int64_t ts = T0 + 3600 * SEC + i * 4004000LL;
        query_full(f, ts, "10.0.0.5", name, "tun-c2.net", DH_QTYPE_NULL, 0, 1);
        query_full(f, ts, "10.0.0.6", name, "tun-c2.net", DH_QTYPE_SRV, 0, 1);
        /* service location polled as often is no beacon */
        query_full(f, ts, "10.0.0.7", "_ldap._tcp.dc._msdcs.corp-ad.net", "corp-ad.net",
                   DH_QTYPE_SRV, 0, 1);
    }
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 2, "%d findings", f->sink.n);
    for (int i = 0; i < 2; i++) {
        cr_assert(has(f, i, "\"level\":\"registered_domain\",\"entity\":\"tun-c2.net\""), "%s",
                  f->sink.json[i]);
        /* 44 intervals; the gate keeps the first query of the key apart */
        cr_assert(has(f, i, "\"intervals_seen\":43,\"median_period_seconds\":4.004,"), "%s",
                  f->sink.json[i]);
        cr_assert(!has(f, i, "10.0.0.7"));
    }
    close_detector(f);
}

Test(dns_beacon, a_latched_series_stays_reported)
{
    /* what a live run alerted on, the replay reports: a domain that became
       common (or prevalent) after its series latched is still reported */
    fixture_t *f = open_detector();
    query(f, T0 + 10 * SEC, "10.0.0.9", "www.example.org", "example.org", 300);
    for (int i = 0; i < 120; i++)
        query_full(f, T0 + 3600 * SEC + i * 60 * SEC, "10.0.0.5", "x.growing.com", "growing.com",
                   DH_QTYPE_A, 1, i >= 40 ? 20 : 3);
    query(f, T0 + DAY - 10 * SEC, "10.0.0.9", "www.example.org", "example.org", 300);
    /* prevalent from the start: no series (and an hour of a day is too
       little for the day's score) */
    for (int i = 0; i < 60; i++)
        query_full(f, T0 + 3600 * SEC + i * 60 * SEC, "10.0.0.6", "agent.fleet-saas.com",
                   "fleet-saas.com", DH_QTYPE_A, 1, 5);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 1, "%d findings: %s", f->sink.n, f->sink.json[f->sink.n - 1]);
    cr_assert(has(f, 0, "\"entity\":\"x.growing.com\",\"basis\":\"series\""), "%s",
              f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, bad_series_thresholds_are_refused)
{
    static const char *const from[] = {"  series_burst_gap: 1\n", "  series_max_period: 600\n"};
    static const char *const to[] = {"  series_burst_gap: 2\n", "  series_max_period: 2\n"};
    static const char *const what[] = {"series_burst_gap: must be less than series_min_period",
                                       "series_max_period: must be greater than series_min_period"};
    for (int i = 0; i < 2; i++) {
        char dir[64], err[512];
        rule_variant(dir, from[i], to[i]);
        dh_rule_t *r = dh_rule_load(dir, "dns_beacon", err, sizeof(err));
        cr_assert_not_null(r, "%s", err);
        dh_state_t *st = dh_state_new(1 << 20);
        dh_detect_env_t env = {.state = st};
        cr_assert_null(dh_detector_create(&dh_detector_dns_beacon, r, &env, err, sizeof(err)));
        cr_assert(strstr(err, what[i]), "%s", err);
        dh_state_free(st);
        dh_rule_free(r);
        remove_variant(dir);
    }
}

Test(dns_beacon, benign_periodic_traffic_is_no_series)
{
    /* an hour of each: NTP pool lookups every 64 s (benign_domains), a CDN
       keep-alive every 30 s (popular: common), an application re-resolving
       its API as the 60 s TTL expires (cache refresh), a DC locator SRV
       every 10 s (service location) */
    fixture_t *f = open_detector();
    for (int i = 0; i < 60; i++)
        query(f, T0 + 3600 * SEC + i * 64 * SEC, "10.0.0.1", "2.debian.pool.ntp.org",
              "ntp.org", 1024);
    for (int i = 0; i < 120; i++)
        query_full(f, T0 + 3600 * SEC + i * 30 * SEC, "10.0.0.2", "d1x.cloudfront.net",
                   "cloudfront.net", DH_QTYPE_A, 20, 1000);
    double t = 0;
    while (t < 3600) {
        query(f, T0 + 3600 * SEC + (int64_t)(t * SEC), "10.0.0.3", "api.rare-saas.net",
              "rare-saas.net", 60);
        t += 60 + rnd(f) * 10;
    }
    for (int i = 0; i < 360; i++)
        query_full(f, T0 + 3600 * SEC + i * 10 * SEC, "10.0.0.4",
                   "_ldap._tcp.dc._msdcs.corp-ad.net", "corp-ad.net", DH_QTYPE_SRV, 600, 1);
    dh_state_flush(f->state);
    cr_assert_eq(f->sink.n, 0, "%s", f->sink.json[0]);
    close_detector(f);
}

Test(dns_beacon, series_puts_late_check_ins_in_their_place)
{
    /* Zeek writes an unanswered query when it times out, after the next
       check-in: every 10th check-in of a 60 s beacon comes one place late
       (also once the series ring of 40 intervals is full). The series still
       latches at its 31st check-in and counts all 64 intervals, live and
       replayed alike. */
    for (int live = 0; live < 2; live++) {
        fixture_t *f = open_dir_early(DH_SOURCE_DIR "/rules", live);
        int at = -1;
        for (int i = 0; i < 65; i++) {
            int k = i % 10 == 5 ? i + 1 : i % 10 == 6 ? i - 1 : i; /* 5 and 6 swap */
            query(f, T0 + 3600 * SEC + k * 60 * SEC + (k % 7) * SEC, "10.0.0.5",
                  "up.late-c2.net", "late-c2.net", 1);
            if (f->sink.n > 0 && at < 0)
                at = i + 1;
        }
        dh_state_flush(f->state);
        cr_assert_eq(at, live ? 31 : -1, "first finding after %d queries", at);
        cr_assert(has(f, f->sink.n - 1, "\"intervals_seen\":64,"), "%s",
                  f->sink.json[f->sink.n - 1]);
        close_detector(f);
    }
}

Test(dns_beacon, the_first_of_a_name_and_its_domain_to_latch_is_reported)
{
    /* 35 check-ins of fresh names (the domain's series latches at the 31st),
       then 40 of one name under it (the name's series latches later): the
       domain is reported, the name is covered; live, one early alert */
    for (int live = 0; live < 2; live++) {
        fixture_t *f = open_dir_early(DH_SOURCE_DIR "/rules", live);
        query(f, T0 + 10 * SEC, "10.0.0.9", "www.example.org", "example.org", 300);
        char name[64];
        for (int i = 0; i < 75; i++) {
            snprintf(name, sizeof(name), "%08x.turn-c2.net", (unsigned)(i * 2654435761u));
            query(f, T0 + 3600 * SEC + i * 60 * SEC, "10.0.0.5", i < 35 ? name : "c.turn-c2.net",
                  "turn-c2.net", 1);
        }
        query(f, T0 + DAY - 10 * SEC, "10.0.0.9", "www.example.org", "example.org", 300);
        int early = f->sink.n;
        dh_state_flush(f->state);
        cr_assert_eq(early, live ? 1 : 0);
        cr_assert_eq(f->sink.n, early + 1, "%d findings", f->sink.n);
        for (int i = 0; i < f->sink.n; i++)
            cr_assert(has(f, i, "\"level\":\"registered_domain\",\"entity\":\"turn-c2.net\""),
                      "%s", f->sink.json[i]);
        cr_assert(has(f, f->sink.n - 1, "\"intervals_seen\":74,"), "%s",
                  f->sink.json[f->sink.n - 1]);
        close_detector(f);
    }
}
