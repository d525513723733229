/*
 * test-alerts.c - suppression: the first finding is emitted, repeats within
 * the period become one update with the first alert's event.id; an early
 * alert's window close is its update at once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "rules.h"
#include "util-ip.h"

#define SEC 1000000LL

typedef struct {
    int n;
    char lines[8][8192];
} out_t;

static void out(void *ctx, const dh_strbuf_t *line, const char *key)
{
    (void)key;
    out_t *o = ctx;
    cr_assert_lt(o->n, 8);
    snprintf(o->lines[o->n++], sizeof(o->lines[0]), "%.*s", (int)line->len, line->buf);
}

static void id_of(const char *json, char id[33])
{
    const char *p = strstr(json, "\"id\":\"");
    cr_assert_not_null(p);
    memcpy(id, p + 6, 32);
    id[32] = '\0';
}

Test(alerts, repeats_within_the_period_update_the_first_alert)
{
    char err[256];
    dh_rule_t *rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    dh_addr_t client;
    dh_addr_parse("10.0.0.9", 8, &client);
    dh_detection_t d = {.rule_name = "dns_tunnel", .rule = rule, .client = &client,
                        .registered_domain = "c2.example", .risk_score = -1, .confidence = -1};
    for (int w = 0; w < 3; w++) { /* three 5-minute windows in a row */
        d.window_start_us = w * 300 * SEC;
        d.start_us = d.window_start_us + SEC;
        d.end_us = d.fired_us = d.window_start_us + 200 * SEC;
        dh_alerts_submit(a, &d, 3600 * SEC);
    }
    cr_assert_eq(o.n, 1, "only the first is emitted at once");
    dh_alerts_advance(a, 3000 * SEC);
    cr_assert_eq(o.n, 1, "period not over");
    dh_alerts_advance(a, 3800 * SEC);
    cr_assert_eq(o.n, 2, "one update when the period ends");
    char id0[33], id1[33];
    id_of(o.lines[0], id0);
    id_of(o.lines[1], id1);
    cr_assert_str_eq(id0, id1, "the update keeps the first alert's event.id");
    cr_assert(strstr(o.lines[1], "\"update\":true,\"occurrences\":3"), "%s", o.lines[1]);
    cr_assert(strstr(o.lines[1], "\"start\":\"1970-01-01T00:00:01.000000Z\""));
    cr_assert(strstr(o.lines[1], "\"end\":\"1970-01-01T00:13:20.000000Z\""));
    /* after the period a new finding is a new alert */
    d.window_start_us = 4000 * SEC;
    d.fired_us = d.end_us = 4100 * SEC;
    dh_alerts_submit(a, &d, 3600 * SEC);
    cr_assert_eq(o.n, 3);
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 3, "nothing absorbed, no update");
    dh_alerts_stats_t st = dh_alerts_stats(a);
    cr_assert_eq(st.emitted, 2);
    cr_assert_eq(st.suppressed, 2);
    cr_assert_eq(st.updates, 1);
    dh_alerts_free(a);
    dh_rule_free(rule);
}

Test(alerts, bounded_table_closes_the_earliest_period_first)
{
    char err[256];
    dh_rule_t *rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(4, out, &o);
    dh_addr_t client;
    dh_addr_parse("10.0.0.9", 8, &client);
    char dom[32];
    dh_detection_t d = {.rule_name = "dns_tunnel", .rule = rule, .client = &client,
                        .registered_domain = dom, .risk_score = -1, .confidence = -1};
    int emitted = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(dom, sizeof(dom), "d%d.example", i % 6);
        d.window_start_us = d.start_us = d.end_us = d.fired_us = i * SEC;
        int before = o.n;
        o.n = 0; /* only count, keep the buffer small */
        dh_alerts_submit(a, &d, 3600 * SEC);
        emitted += o.n;
        o.n = before > 7 ? 0 : before;
    }
    dh_alerts_flush(a);
    dh_alerts_stats_t st = dh_alerts_stats(a);
    cr_assert_eq(st.emitted + st.suppressed, 40, "every finding is emitted or absorbed");
    cr_assert_geq(st.emitted, 6);
    dh_alerts_free(a);
    dh_rule_free(rule);
}

typedef struct {
    int n;
    int64_t last_fired;
    bool ordered;
} count_t;

/* Updates come out earliest suppression end first. */
static void count_out(void *ctx, const dh_strbuf_t *line, const char *key)
{
    (void)key;
    count_t *c = ctx;
    c->n++;
    const char *p = strstr(line->buf, "\"@timestamp\":\"1970-01-01T");
    cr_assert_not_null(p);
    int h, m, s;
    cr_assert_eq(sscanf(p + 26, "%d:%d:%d", &h, &m, &s), 3);
    int64_t fired = (h * 3600 + m * 60 + s) * SEC;
    if (fired < c->last_fired)
        c->ordered = false;
    c->last_fired = fired;
}

Test(alerts, thousands_of_open_alerts_close_in_order_of_their_period_end)
{
    char err[256];
    dh_rule_t *rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    count_t c = {.ordered = true};
    dh_alerts_t *a = dh_alerts_new(100000, count_out, &c);
    enum { N = 5000 };
    char doms[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(doms[i], sizeof(doms[i]), "d%d.example", i);
        dh_detection_t d = {.rule_name = "dns_tunnel", .rule = rule,
                            .registered_domain = doms[i], .risk_score = -1, .confidence = -1,
                            .window_start_us = i * SEC, .start_us = i * SEC,
                            .end_us = i * SEC, .fired_us = i * SEC};
        dh_alerts_submit(a, &d, 3600 * SEC); /* emitted */
        d.fired_us = d.end_us = i * SEC + 1;
        dh_alerts_submit(a, &d, 3600 * SEC); /* absorbed: an update at the end */
    }
    cr_assert_eq(c.n, N);
    c.last_fired = 0;
    for (int64_t wm = 3600; wm < 3600 + N + 10; wm += 7)
        dh_alerts_advance(a, wm * SEC);
    cr_assert_eq(c.n, 2 * N, "every update once");
    cr_assert(c.ordered, "updates by end of period");
    dh_alerts_stats_t st = dh_alerts_stats(a);
    cr_assert_eq(st.updates, N);
    dh_alerts_flush(a);
    cr_assert_eq(c.n, 2 * N);
    dh_alerts_free(a);
    dh_rule_free(rule);
}

/* An early alert (window still open), then its window's close: the update
   goes out at the close, not at the end of the suppression period. */
Test(alerts, the_close_of_an_early_alert_is_its_update_at_once)
{
    char err[256];
    dh_rule_t *rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    dh_addr_t client;
    dh_addr_parse("10.0.0.9", 8, &client);
    dh_detection_t d = {.rule_name = "dns_tunnel", .rule = rule, .client = &client,
                        .registered_domain = "c2.example", .risk_score = -1, .confidence = -1,
                        .window_start_us = 0, .start_us = SEC, .end_us = 20 * SEC,
                        .fired_us = 20 * SEC, .early = true};
    uint8_t alerted = 0;
    d.alerted = &alerted;
    dh_alerts_submit(a, &d, 3600 * SEC);
    cr_assert_eq(o.n, 1);
    cr_assert_eq(alerted, 1, "noted: it went out as an alert");
    d.alerted = NULL;
    cr_assert(strstr(o.lines[0], "\"early\":true"), "%s", o.lines[0]);
    cr_assert_null(strstr(o.lines[0], "\"update\""), "%s", o.lines[0]);
    d.early = false;
    d.completes_early = true;
    d.end_us = d.fired_us = 290 * SEC;
    dh_alerts_submit(a, &d, 3600 * SEC);
    cr_assert_eq(o.n, 2, "the close's update at once");
    char id0[33], id1[33];
    id_of(o.lines[0], id0);
    id_of(o.lines[1], id1);
    cr_assert_str_eq(id0, id1);
    cr_assert(strstr(o.lines[1], "\"update\":true,\"occurrences\":2"), "%s", o.lines[1]);
    cr_assert_null(strstr(o.lines[1], "\"early\""), "%s", o.lines[1]);
    /* the next window's findings are repeats as before: one update at the end */
    d.window_start_us = 300 * SEC;
    d.start_us = 301 * SEC;
    d.end_us = d.fired_us = 320 * SEC;
    d.completes_early = false;
    d.early = true;
    uint8_t absorbed = 0;
    d.alerted = &absorbed;
    dh_alerts_submit(a, &d, 3600 * SEC);
    cr_assert_eq(absorbed, 0, "absorbed: its close will be an ordinary repeat");
    d.alerted = NULL;
    d.early = false;
    d.end_us = d.fired_us = 590 * SEC;
    dh_alerts_submit(a, &d, 3600 * SEC);
    cr_assert_eq(o.n, 2, "another window's close waits for the period's end");
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 3);
    id_of(o.lines[2], id1);
    cr_assert_str_eq(id0, id1);
    cr_assert(strstr(o.lines[2], "\"occurrences\":4"), "%s", o.lines[2]);
    dh_alerts_stats_t st = dh_alerts_stats(a);
    cr_assert_eq(st.emitted, 1);
    cr_assert_eq(st.early, 1);
    cr_assert_eq(st.updates, 2);
    dh_alerts_free(a);
    dh_rule_free(rule);
}

Test(alerts, without_suppression_the_close_of_an_early_alert_is_a_lone_update)
{
    char err[256];
    dh_rule_t *rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    dh_detection_t d = {.rule_name = "dns_tunnel", .rule = rule, .registered_domain = "c2.example",
                        .risk_score = -1, .confidence = -1, .fired_us = 20 * SEC,
                        .early = true};
    dh_alerts_submit(a, &d, 0);
    d.early = false;
    d.completes_early = true;
    d.fired_us = 290 * SEC;
    dh_alerts_submit(a, &d, 0);
    cr_assert_eq(o.n, 2);
    char id0[33], id1[33];
    id_of(o.lines[0], id0);
    id_of(o.lines[1], id1);
    cr_assert_str_eq(id0, id1);
    cr_assert(strstr(o.lines[1], "\"update\":true,\"occurrences\":1"), "%s", o.lines[1]);
    dh_alerts_free(a);
    dh_rule_free(rule);
}

/* ---- suppression_scope: client (one alert per client, services listed) ---- */

typedef struct {
    dh_rule_t *rule;
    dh_addr_t client;
    dh_strbuf_t ev;
    dh_detection_t d;
} ti_t;

/* A threat_intel finding (the shipped rule: suppression_scope client, 1 day)
   of `client` about indicator `ind`, its window starting at `ws` seconds. */
static const dh_detection_t *ti_finding(ti_t *t, const char *client, const char *ind, int64_t ws)
{
    dh_addr_parse(client, strlen(client), &t->client);
    dh_sb_reset(&t->ev);
    dh_json_kv_str(&t->ev, "indicator", ind);
    t->d = (dh_detection_t){.rule_name = "threat_intel", .rule = t->rule, .client = &t->client,
                            .entity = ind, .evidence = &t->ev, .risk_score = -1,
                            .confidence = -1};
    t->d.window_start_us = ws * SEC;
    t->d.start_us = t->d.window_start_us + SEC;
    t->d.end_us = t->d.fired_us = t->d.window_start_us + 300 * SEC;
    return &t->d;
}

static void ti_open(ti_t *t)
{
    char err[256];
    t->rule = dh_rule_load(DH_SOURCE_DIR "/rules", "threat_intel", err, sizeof(err));
    cr_assert_not_null(t->rule, "%s", err);
    cr_assert_eq(t->rule->suppression_scope, DH_SCOPE_CLIENT, "shipped rule: one alert per host");
    cr_assert_eq(t->rule->suppression_s, 86400);
    dh_sb_init(&t->ev);
}

static void ti_close(ti_t *t)
{
    dh_sb_free(&t->ev);
    dh_rule_free(t->rule);
}

static int64_t sup(const ti_t *t)
{
    return t->rule->suppression_s * SEC;
}

Test(alerts, client_scope_merges_one_clients_services_into_one_alert)
{
    ti_t t;
    ti_open(&t);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    const char *svc[] = {"ipify.org", "icanhazip.com", "ipinfo.io", "ipify.org"};
    for (int i = 0; i < 4; i++)
        dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", svc[i], i * 900), sup(&t));
    cr_assert_eq(o.n, 1, "one alert for the host, not one per service");
    cr_assert(strstr(o.lines[0], "\"services\":[\"ipify.org\"],\"services_omitted\":0"), "%s",
              o.lines[0]);
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 2);
    char id0[33], id1[33];
    id_of(o.lines[0], id0);
    id_of(o.lines[1], id1);
    cr_assert_str_eq(id0, id1, "the update keeps the alert's event.id, whatever its service");
    cr_assert(strstr(o.lines[1], "\"update\":true,\"occurrences\":4"), "%s", o.lines[1]);
    cr_assert(strstr(o.lines[1], "\"indicator\":\"ipify.org\",\"services\":[\"ipify.org\","
                                 "\"icanhazip.com\",\"ipinfo.io\"],\"services_omitted\":0"),
              "latest evidence and each distinct service once: %s", o.lines[1]);
    dh_alerts_free(a);
    ti_close(&t);
}

Test(alerts, client_scope_keeps_clients_and_mappings_apart)
{
    ti_t t;
    ti_open(&t);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", "ipify.org", 0), sup(&t));
    dh_alerts_submit(a, ti_finding(&t, "10.0.0.10", "ipify.org", 0), sup(&t));
    cr_assert_eq(o.n, 2, "two clients, two alerts");
    /* a list with its own ATT&CK mapping (Tor2web) is never absorbed into
       the host's "what is my IP" alert */
    dh_attack_t tor = t.rule->attack;
    tor.techniques[0] = (dh_attack_ref_t){"T1090", "Proxy"};
    ti_finding(&t, "10.0.0.9", "onion.to", 300);
    t.d.attack = &tor;
    dh_alerts_submit(a, &t.d, sup(&t));
    cr_assert_eq(o.n, 3, "another mapping, another alert");
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 3, "nothing absorbed");
    dh_alerts_free(a);
    ti_close(&t);
}

Test(alerts, client_scope_period_end_starts_a_new_alert)
{
    ti_t t;
    ti_open(&t);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", "ipify.org", 0), sup(&t));
    /* fired at 300 s: a finding fired one second before the day is over merges */
    dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", "ip.sb", 86400 - 1), sup(&t));
    cr_assert_eq(o.n, 1);
    dh_alerts_advance(a, 86400 * SEC + 299 * SEC);
    cr_assert_eq(o.n, 1, "the day is not over");
    dh_alerts_advance(a, 86400 * SEC + 300 * SEC);
    cr_assert_eq(o.n, 2, "the day is over: its update");
    cr_assert(strstr(o.lines[1], "\"services\":[\"ipify.org\",\"ip.sb\"]"), "%s", o.lines[1]);
    dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", "ip.sb", 86400 + 10), sup(&t));
    cr_assert_eq(o.n, 3, "the next day: a new alert");
    char id0[33], id2[33];
    id_of(o.lines[0], id0);
    id_of(o.lines[2], id2);
    cr_assert_str_neq(id0, id2);
    cr_assert(strstr(o.lines[2], "\"services\":[\"ip.sb\"],\"services_omitted\":0"), "%s",
              o.lines[2]);
    dh_alerts_free(a);
    ti_close(&t);
}

Test(alerts, client_scope_lists_at_most_suppression_services_and_counts_the_rest)
{
    ti_t t;
    ti_open(&t);
    t.rule->suppression_services = 3;
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    char name[100][32];
    for (int i = 0; i < 100; i++) {
        snprintf(name[i], sizeof(name[i]), "svc%d.example", i);
        dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", name[i], i * 60), sup(&t));
    }
    dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", name[50], 6000), sup(&t)); /* a repeat */
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 2);
    cr_assert(strstr(o.lines[1], "\"occurrences\":101"), "%s", o.lines[1]);
    cr_assert(strstr(o.lines[1], "\"services\":[\"svc0.example\",\"svc1.example\","
                                 "\"svc2.example\"],\"services_omitted\":"),
              "%s", o.lines[1]);
    /* 100 distinct: exact up to 64, then estimated (HyperLogLog, ~6.5 %) */
    const char *p = strstr(o.lines[1], "\"services_omitted\":") + strlen("\"services_omitted\":");
    long omitted = strtol(p, NULL, 10);
    cr_assert(omitted >= 85 && omitted <= 109, "97 omitted, got %ld", omitted);
    dh_alerts_free(a);
    ti_close(&t);
}

Test(alerts, client_scope_an_escalation_updates_at_once)
{
    ti_t t;
    ti_open(&t);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    ti_finding(&t, "10.0.0.9", "ipify.org", 0);
    t.d.risk_score = 21;
    dh_alerts_submit(a, &t.d, sup(&t));
    ti_finding(&t, "10.0.0.9", "ipinfo.io", 300);
    t.d.risk_score = 21;
    dh_alerts_submit(a, &t.d, sup(&t));
    cr_assert_eq(o.n, 1, "same risk: absorbed until the day is over");
    ti_finding(&t, "10.0.0.9", "evil.example", 600);
    t.d.risk_score = 60;
    dh_alerts_submit(a, &t.d, sup(&t));
    cr_assert_eq(o.n, 2, "riskier: the update goes out now");
    cr_assert(strstr(o.lines[1], "\"risk_score\":60"), "%s", o.lines[1]);
    cr_assert(strstr(o.lines[1], "\"occurrences\":3"), "%s", o.lines[1]);
    ti_finding(&t, "10.0.0.9", "ip.sb", 900);
    t.d.risk_score = 21;
    dh_alerts_submit(a, &t.d, sup(&t));
    cr_assert_eq(o.n, 2, "less risky: absorbed");
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 3);
    cr_assert(strstr(o.lines[2], "\"risk_score\":60"), "the alert keeps its highest risk: %s",
              o.lines[2]);
    cr_assert(strstr(o.lines[2], "\"indicator\":\"ip.sb\""), "latest evidence: %s", o.lines[2]);
    dh_alerts_free(a);
    ti_close(&t);
}

Test(alerts, client_domain_scope_keeps_domains_apart)
{
    char err[256];
    dh_rule_t *rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    cr_assert_eq(rule->suppression_scope, DH_SCOPE_CLIENT_DOMAIN);
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    dh_addr_t client;
    dh_addr_parse("10.0.0.9", 8, &client);
    dh_detection_t d = {.rule_name = "dns_tunnel", .rule = rule, .client = &client,
                        .risk_score = -1, .confidence = -1, .fired_us = 300 * SEC};
    d.registered_domain = "c2.example";
    dh_alerts_submit(a, &d, 3600 * SEC);
    d.registered_domain = "other.example";
    dh_alerts_submit(a, &d, 3600 * SEC);
    cr_assert_eq(o.n, 2, "two tunnels, two alerts");
    cr_assert_null(strstr(o.lines[0], "\"services\""), "no services list: %s", o.lines[0]);
    dh_alerts_free(a);
    dh_rule_free(rule);
}

Test(alerts, client_scope_lists_the_services_a_detector_names)
{
    /* doh_evasion names each window's resolvers, canaries and servers */
    char err[256];
    dh_rule_t *rule = dh_rule_load(DH_SOURCE_DIR "/rules", "doh_evasion", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    cr_assert_eq(rule->suppression_scope, DH_SCOPE_CLIENT);
    cr_assert_eq(rule->suppression_s, 86400, "one alert per client and day");
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    dh_addr_t client;
    dh_addr_parse("10.0.0.7", 8, &client);
    dh_name_ref_t w1[] = {{"chrome.cloudflare-dns.com", 25}},
                  w2[] = {{"dns.google", 10}, {"chrome.cloudflare-dns.com", 25}};
    dh_detection_t d = {.rule_name = "doh_evasion", .rule = rule, .client = &client,
                        .qname = "chrome.cloudflare-dns.com", .qname_len = 25,
                        .risk_score = -1, .confidence = -1};
    for (int h = 0; h < 24; h++) { /* a browser probing its resolver hourly */
        d.window_start_us = h * 3600 * SEC;
        d.start_us = d.window_start_us;
        d.end_us = d.fired_us = d.window_start_us + 3600 * SEC;
        d.services = h < 12 ? w1 : w2;
        d.n_services = h < 12 ? 1 : 2;
        dh_alerts_submit(a, &d, rule->suppression_s * SEC);
    }
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 2, "1 alert + 1 update a day, not 24 alerts");
    cr_assert(strstr(o.lines[1], "\"occurrences\":24"), "%s", o.lines[1]);
    cr_assert(strstr(o.lines[1], "\"services\":[\"chrome.cloudflare-dns.com\",\"dns.google\"],"
                                 "\"services_omitted\":0"),
              "%s", o.lines[1]);
    dh_alerts_free(a);
    dh_rule_free(rule);
}

Test(alerts, client_scope_list_is_bounded_in_bytes_whatever_the_names)
{
    /* 2 KB of names per open alert: with the table's cap, memory is bounded */
    ti_t t;
    ti_open(&t);
    t.rule->suppression_services = 64;
    out_t o = {0};
    dh_alerts_t *a = dh_alerts_new(16, out, &o);
    char name[20][201];
    for (int i = 0; i < 20; i++) {
        memset(name[i], 'a' + i, 200);
        name[i][200] = '\0';
        dh_alerts_submit(a, ti_finding(&t, "10.0.0.9", name[i], i * 60), sup(&t));
    }
    dh_alerts_flush(a);
    cr_assert_eq(o.n, 2);
    const char *p = strstr(o.lines[1], "\"services\":[");
    cr_assert_not_null(p);
    const char *end = strchr(p, ']');
    int listed = 0;
    for (const char *q = p; q < end; q++)
        listed += *q == ',';
    listed += 1;
    cr_assert_eq(listed, 10, "2048 bytes hold 10 quoted names of 200: %d", listed);
    cr_assert(strstr(end, "],\"services_omitted\":10"), "%s", end);
    dh_alerts_free(a);
    ti_close(&t);
}
