/*
 * test-dns-tunnel.c - the tunnel detector on crafted event sequences: each
 * anchor just under and just over its threshold, benign look-alikes,
 * prevalence, event-time windows and the serialized record.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "detector-call.h"
#include "detector.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_dns_tunnel;

#define MAXDET 16

typedef struct {
    int n;
    char json[MAXDET][8192];
    bool completes_early[MAXDET];
} sink_t;

typedef struct {
    dh_rule_t *rule;
    void *st;
    dh_state_t *state;
    sink_t sink;
    dh_detect_env_t env;
} fixture_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAXDET);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    s->completes_early[s->n] = d->completes_early;
    if (d->alerted)
        *d->alerted = 1; /* as alert suppression does for a new alert */
    snprintf(s->json[s->n++], sizeof(s->json[0]), "%s", sb.buf);
    dh_sb_free(&sb);
}

static void open_detector(fixture_t *f)
{
    char err[256];
    memset(f, 0, sizeof(*f));
    f->state = dh_state_new(64 << 20);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state};
    f->rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_create(&dh_detector_dns_tunnel, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
}

static void close_detector(fixture_t *f)
{
    dh_state_flush(f->state);
    dh_detector_destroy(&dh_detector_dns_tunnel, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
}

static dh_verdict_t plain = {0};

static void query(fixture_t *f, const char *client, int64_t ts_us, const char *qname,
                  const char *regdom, int32_t qtype, const dh_verdict_t *v)
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
    det_call(&dh_detector_dns_tunnel, f->st, &ev, v ? v : &plain, &f->env);
}

#define T0 1700000100000000LL /* a 300 s window starts here */
#define SEC 1000000LL

/* n distinct names "<hex label of len>.<regdom>" of one qtype, 1 s apart */
static void hex_queries(fixture_t *f, const char *client, int n, size_t label_len,
                        const char *regdom, int32_t qtype, const dh_verdict_t *v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        char name[300];
        size_t k = 0;
        uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
        for (; k < label_len; k++) {
            x ^= x >> 13;
            x *= 0xff51afd7ed558ccdULL;
            name[k] = hex[(x >> 7) & 15];
        }
        name[0] = '7'; /* a digit and ... */
        name[1] = 'c'; /* ... a letter, always */
        snprintf(name + k, sizeof(name) - k, ".%s", regdom);
        query(f, client, T0 + i * SEC, name, regdom, qtype, v);
    }
}

static bool has(const fixture_t *f, int i, const char *needle)
{
    return strstr(f->sink.json[i], needle) != NULL;
}

Test(dns_tunnel, encoded_anchor_boundary_dnscat2_shape)
{
    fixture_t f;
    open_detector(&f);
    hex_queries(&f, "10.1.1.1", 19, 18, "c2.example", 16, NULL); /* one under */
    hex_queries(&f, "10.1.1.2", 20, 18, "c2.example", 16, NULL); /* at the threshold */
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"source\":{\"ip\":\"10.1.1.2\"}"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"anchors\":[\"encoded\"]"));
    cr_assert(has(&f, 0, "\"encoded_subdomains\":20"));
    close_detector(&f);
}

Test(dns_tunnel, encoded_names_over_plain_a_queries_need_long_labels)
{
    fixture_t f;
    open_detector(&f);
    /* 40 short hex names over A: CDN/telemetry-like, not data-carrying */
    hex_queries(&f, "10.1.1.3", 40, 18, "cdn.example", 1, NULL);
    /* 40 long hex labels over A: data in the names */
    hex_queries(&f, "10.1.1.4", 40, 44, "exf.example", 1, NULL);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "10.1.1.4"));
    close_detector(&f);
}

Test(dns_tunnel, elastic_anchor_boundary)
{
    fixture_t f;
    open_detector(&f);
    /* 15 distinct names of >= 50 chars but only 24 queries: under */
    for (int i = 0; i < 24; i++) {
        char n[128];
        snprintf(n, sizeof(n), "%02d-this-is-a-rather-long-but-wordy-label.x.elastic.example",
                 i % 15);
        query(&f, "10.2.0.1", T0 + i * SEC, n, "elastic.example", 1, NULL);
    }
    /* 15 distinct long names and 25 queries: over */
    for (int i = 0; i < 25; i++) {
        char n[128];
        snprintf(n, sizeof(n), "%02d-this-is-a-rather-long-but-wordy-label.x.elastic.example",
                 i % 15);
        query(&f, "10.2.0.2", T0 + i * SEC, n, "elastic.example", 1, NULL);
    }
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1, "%s", f.sink.n ? f.sink.json[0] : "");
    cr_assert(has(&f, 0, "10.2.0.2"));
    cr_assert(has(&f, 0, "\"elastic\""));
    close_detector(&f);
}

Test(dns_tunnel, rare_qtype_anchor_boundary_iodine)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 4; i++)
        query(&f, "10.3.0.1", T0 + i * SEC, "paaaaaaa.t1.io.example", "io.example", 10, NULL);
    for (int i = 0; i < 5; i++)
        query(&f, "10.3.0.2", T0 + i * SEC, "paaaaaaa.t1.io.example", "io.example", 65399, NULL);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "10.3.0.2"));
    cr_assert(has(&f, 0, "\"rare_qtype\""));
    cr_assert(has(&f, 0, "\"PRIVATE\":5"));
    close_detector(&f);
}

Test(dns_tunnel, rita_anchor_and_very_long_names)
{
    fixture_t f;
    open_detector(&f);
    hex_queries(&f, "10.4.0.1", 100, 20, "many.example", 1, NULL); /* 100 distinct subdomains */
    char longname[128];
    memset(longname, 'a', 95);
    strcpy(longname + 95, ".long.example");
    for (int i = 0; i < 3; i++)
        query(&f, "10.4.0.2", T0 + i * SEC, longname, "long.example", 1, NULL);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2, "%s", f.sink.n ? f.sink.json[0] : "none");
    bool rita = has(&f, 0, "\"rita\"") || has(&f, 1, "\"rita\"");
    bool lng = has(&f, 0, "\"long_name\"") || has(&f, 1, "\"long_name\"");
    cr_assert(rita && lng);
    close_detector(&f);
}

Test(dns_tunnel, benign_services_and_common_domains)
{
    fixture_t f;
    open_detector(&f);
    dh_verdict_t benign = {.benign_service = true};
    dh_verdict_t common = {.common = true, .prevalence = 500};
    hex_queries(&f, "10.5.0.1", 80, 32, "sophosxl.net", 16, &benign);
    hex_queries(&f, "10.5.0.2", 40, 18, "popular.example", 16, &common); /* needs 3x20 */
    hex_queries(&f, "10.5.0.3", 60, 18, "popular2.example", 16, &common);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "10.5.0.3"));
    cr_assert(has(&f, 0, "\"common_domain\":true"));
    close_detector(&f);
}

Test(dns_tunnel, windows_close_in_event_time_and_ids_are_per_window)
{
    fixture_t f;
    open_detector(&f);
    hex_queries(&f, "10.6.0.1", 25, 18, "w.example", 16, NULL);
    dh_state_advance(f.state, T0 + 299 * SEC);
    cr_assert_eq(f.sink.n, 0, "window still open");
    dh_state_advance(f.state, T0 + 300 * SEC);
    cr_assert_eq(f.sink.n, 1, "closed when the watermark passed its end");
    cr_assert(has(&f, 0, "\"start\":\"2023-11-14T22:15:00.000000Z\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"end\":\"2023-11-14T22:15:24.000000Z\""));
    /* an event for the closed window is late: dropped and counted */
    query(&f, "10.6.0.1", T0 + 30 * SEC, "7cabcdef0123456789.w.example", "w.example", 16, NULL);
    cr_assert_eq(dh_state_stats(f.state).late_dropped, 1);
    close_detector(&f);
}

Test(dns_tunnel, same_input_same_bytes)
{
    char first[8192];
    for (int run = 0; run < 2; run++) {
        fixture_t f;
        open_detector(&f);
        hex_queries(&f, "2001:db8::7", 30, 18, "det.example", 16, NULL);
        dh_state_flush(f.state);
        cr_assert_eq(f.sink.n, 1);
        if (run == 0)
            strcpy(first, f.sink.json[0]);
        else
            cr_assert_str_eq(first, f.sink.json[0]);
        close_detector(&f);
    }
}

static void event_id(const char *json, char id[33])
{
    const char *p = strstr(json, "\"event\":{");
    cr_assert_not_null(p);
    p = strstr(p, "\"id\":\"");
    cr_assert_not_null(p);
    memcpy(id, p + 6, 32);
    id[32] = '\0';
}

/* Early alerts on: the encoded anchor is reported at the query that crosses
   it (the 20th, 19 s into the tunnel), and the window's close reports the
   same event.id with the final evidence; off gives today's one finding,
   byte for byte the close's. */
Test(dns_tunnel, early_alert_at_the_crossing_query_then_the_close_same_id)
{
    fixture_t f;
    open_detector(&f);
    f.env.early_alerts = true;
    hex_queries(&f, "10.1.1.2", 19, 18, "c2.example", 16, NULL);
    cr_assert_eq(f.sink.n, 0, "one under the threshold: nothing yet");
    close_detector(&f);

    open_detector(&f);
    f.env.early_alerts = true;
    hex_queries(&f, "10.1.1.2", 20, 18, "c2.example", 16, NULL);
    cr_assert_eq(f.sink.n, 1, "reported while the window is open");
    cr_assert(has(&f, 0, "\"@timestamp\":\"2023-11-14T22:15:19.000000Z\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"early\":true"));
    cr_assert(has(&f, 0, "\"encoded_subdomains\":20"));
    cr_assert(!f.sink.completes_early[0]);
    query(&f, "10.1.1.2", T0 + 100 * SEC, "7cfeedfacecafe0011.c2.example", "c2.example", 16, NULL);
    cr_assert_eq(f.sink.n, 1, "later queries wait for the close");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    cr_assert(f.sink.completes_early[1], "the close completes the early alert");
    cr_assert(!has(&f, 1, "\"early\""));
    cr_assert(has(&f, 1, "\"encoded_subdomains\":21"), "final evidence: %s", f.sink.json[1]);
    char id0[33], id1[33];
    event_id(f.sink.json[0], id0);
    event_id(f.sink.json[1], id1);
    cr_assert_str_eq(id0, id1);
    char final[8192];
    strcpy(final, f.sink.json[1]);
    close_detector(&f);

    open_detector(&f); /* off, as replays run by default */
    hex_queries(&f, "10.1.1.2", 20, 18, "c2.example", 16, NULL);
    query(&f, "10.1.1.2", T0 + 100 * SEC, "7cfeedfacecafe0011.c2.example", "c2.example", 16, NULL);
    cr_assert_eq(f.sink.n, 0);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert_str_eq(f.sink.json[0], final, "off: the close's finding alone, same bytes");
    cr_assert(!f.sink.completes_early[0]);
    close_detector(&f);
}

/* An early alert whose window falls back below every anchor by its close
   (plain names dilute the encoded share): the close still reports, as the
   alert's update, the final evidence with no anchor. Without an early alert
   the same window reports nothing. */
Test(dns_tunnel, early_alert_whose_window_falls_back_gets_its_final_evidence)
{
    for (int on = 0; on < 2; on++) {
        fixture_t f;
        open_detector(&f);
        f.env.early_alerts = on;
        hex_queries(&f, "10.1.1.9", 20, 18, "c2.example", 16, NULL);
        for (int i = 0; i < 20; i++) {
            char name[64];
            snprintf(name, sizeof(name), "mail-server-backup-%02d.c2.example", i);
            query(&f, "10.1.1.9", T0 + (30 + i) * SEC, name, "c2.example", 16, NULL);
        }
        dh_state_flush(f.state);
        cr_assert_eq(f.sink.n, on ? 2 : 0, "%d", f.sink.n);
        if (on) {
            cr_assert(has(&f, 0, "\"anchors\":[\"encoded\"]"));
            cr_assert(f.sink.completes_early[1]);
            cr_assert(has(&f, 1, "\"anchors\":[]"), "%s", f.sink.json[1]);
            cr_assert(has(&f, 1, "\"encoded_share\":0.5"), "%s", f.sink.json[1]);
        }
        close_detector(&f);
    }
}
