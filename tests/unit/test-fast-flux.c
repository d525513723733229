/*
 * test-fast-flux.c - the fast-flux detector on crafted response sequences: a
 * flux domain fires, a CDN-like domain (many addresses, few /16s) and popular
 * or common domains do not, min_addresses just under and at the threshold,
 * very low TTLs raise confidence, cached (unchanged) answers are not churn,
 * long-TTL domains create no state, same input gives the same bytes, and a
 * bad threshold names FILE:LINE.
 */
#include <criterion/criterion.h>

#include "detector-call.h"
#include "rule-variant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"
#include "util-dns.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_fast_flux;

#define MAXDET 16
#define JSON_LEN 8192
#define SEC 1000000LL
#define T0 (1700006400LL * SEC) /* 2023-11-15T00:00:00Z, an hour window start */

typedef struct {
    int n;
    char json[MAXDET][JSON_LEN];
} sink_t;

typedef struct {
    dh_rule_t *rule;
    void *st;
    dh_state_t *state;
    sink_t sink;
    dh_detect_env_t env;
    uint8_t zone_source; /* of the names respond() sends; 0: a public-suffix key */
} fixture_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAXDET);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    cr_assert_lt(sb.len, JSON_LEN);
    snprintf(s->json[s->n++], JSON_LEN, "%s", sb.buf);
    dh_sb_free(&sb);
}

static void open_detector(fixture_t *f)
{
    char err[512];
    memset(f, 0, sizeof(*f));
    f->state = dh_state_new(64 << 20);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state};
    f->rule = dh_rule_load(DH_SOURCE_DIR "/rules", "fast_flux", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_create(&dh_detector_fast_flux, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
}

static void close_detector(fixture_t *f)
{
    dh_state_flush(f->state);
    dh_detector_destroy(&dh_detector_fast_flux, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
}

static const dh_verdict_t plain = {0};

#define MAXANS 16

/* One response for qname with the given addresses (text), all with ttl. */
static void respond(fixture_t *f, const char *client, int64_t ts_us, const char *qname,
                    const char *regdom, char addrs[][DH_ADDR_STRLEN], int n, int64_t ttl,
                    const char *cname, const dh_verdict_t *v)
{
    dh_event_t ev;
    dh_answer_t ans[MAXANS + 1];
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = qname;
    ev.qname_len = strlen(qname);
    ev.registered_domain = regdom;
    ev.zone_source = f->zone_source ? f->zone_source : DH_ZONE_PUBLIC_SUFFIX;
    ev.qtype = DH_QTYPE_A;
    ev.rcode = 0;
    ev.has_response = true;
    int k = 0;
    if (cname)
        ans[k++] = (dh_answer_t){.rrtype = DH_QTYPE_CNAME, .ttl = ttl, .section = DH_SECTION_ANSWER,
                                 .data = cname, .data_len = strlen(cname)};
    cr_assert_leq(n, MAXANS);
    for (int i = 0; i < n; i++) {
        int32_t type = strchr(addrs[i], ':') ? DH_QTYPE_AAAA : DH_QTYPE_A;
        ans[k++] = (dh_answer_t){.rrtype = type, .ttl = ttl, .section = DH_SECTION_ANSWER,
                                 .data = addrs[i], .data_len = strlen(addrs[i])};
    }
    ev.answers = ans;
    ev.n_answers = (uint32_t)k;
    det_call(&dh_detector_fast_flux, f->st, &ev, v ? v : &plain, &f->env);
}

typedef struct {
    const char *regdom;
    int n_addrs;       /* distinct addresses in the pool */
    int n16;           /* distinct /16s they spread over (first octets 40.., 2nd octet i*7) */
    int per;           /* addresses per response */
    int responses;
    int64_t ttl;
    int64_t gap_s;     /* seconds between responses */
    const char *cname; /* CNAME before the addresses, or NULL */
    const dh_verdict_t *v;
    bool v6;
} pool_t;

/* Address k of a pool: its /16 is k % n16, distinct for every k. */
static void pool_addr(const pool_t *p, int k, char out[DH_ADDR_STRLEN])
{
    int net = k % p->n16;
    if (p->v6)
        snprintf(out, DH_ADDR_STRLEN, "2001:%x:%x::%x", 0x100 + net, k, k + 1);
    else
        snprintf(out, DH_ADDR_STRLEN, "%d.%d.%d.%d", 40 + net / 200, (net % 200) + 1, k,
                 1 + k % 250);
}

/* Responses rotating through the pool, each to a different client. */
static void run_pool(fixture_t *f, const pool_t *p)
{
    char addrs[MAXANS][DH_ADDR_STRLEN];
    char qname[128];
    snprintf(qname, sizeof(qname), "www.%s", p->regdom);
    for (int r = 0; r < p->responses; r++) {
        for (int j = 0; j < p->per; j++)
            pool_addr(p, (r * p->per + j) % p->n_addrs, addrs[j]);
        char client[32];
        snprintf(client, sizeof(client), "10.9.%d.%d", r / 200, 1 + r % 200);
        respond(f, client, T0 + r * p->gap_s * SEC, qname, p->regdom, addrs, p->per, p->ttl,
                p->cname, p->v);
    }
}

static bool has(const fixture_t *f, int i, const char *needle)
{
    return strstr(f->sink.json[i], needle) != NULL;
}

static double confidence_of(const fixture_t *f, int i)
{
    const char *c = strstr(f->sink.json[i], "\"confidence\":");
    cr_assert_not_null(c);
    return strtod(c + strlen("\"confidence\":"), NULL);
}

static double risk_of(const fixture_t *f, int i)
{
    const char *c = strstr(f->sink.json[i], "\"risk_score\":");
    cr_assert_not_null(c);
    return strtod(c + strlen("\"risk_score\":"), NULL);
}

/* 40 addresses over 20 /16s, TTL 60, 5 per response, every 90 s */
static const pool_t FLUX = {.regdom = "flux.example", .n_addrs = 40, .n16 = 20, .per = 5,
                            .responses = 16, .ttl = 60, .gap_s = 90};

/* The same rotation under an internal zone (noise.yaml internal_zones) is
   the site's own hosts (DHCP, clusters): no flux. */
Test(fast_flux, an_internal_zone_is_no_flux)
{
    fixture_t f;
    open_detector(&f);
    f.zone_source = DH_ZONE_INTERNAL;
    run_pool(&f, &FLUX);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0);
    close_detector(&f);
}

Test(fast_flux, flux_domain_fires_with_domain_entity)
{
    fixture_t f;
    open_detector(&f);
    run_pool(&f, &FLUX);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    const char *j = f.sink.json[0];
    cr_assert(!has(&f, 0, "\"source\""), "no client entity: %s", j);
    cr_assert(has(&f, 0, "\"dns\":{\"question\":{\"name\":\"www.flux.example\","
                         "\"registered_domain\":\"flux.example\"}}"), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_addresses\":40"), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_networks_16\":20"), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_networks_24\":40"), "%s", j);
    cr_assert(has(&f, 0, "\"responses\":16"), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_clients\":16"), "%s", j);
    cr_assert(has(&f, 0, "\"churn_comparisons\":15"), "%s", j);
    cr_assert(has(&f, 0, "\"churn_changes\":15"), "%s", j);
    cr_assert(has(&f, 0, "\"churn_rate\":1"), "%s", j);
    cr_assert(has(&f, 0, "\"min\":60"), "%s", j);
    cr_assert(has(&f, 0, "\"share_below_low\":1"), "%s", j);
    cr_assert(has(&f, 0, "\"share_below_very_low\":0"), "%s", j);
    cr_assert(has(&f, 0, "\"sample_addresses\":[\"40.1.0.1\",\"40.2.1.2\",\"40.3.2.3\","
                         "\"40.4.3.4\",\"40.5.4.5\"]"), "%s", j);
    cr_assert(has(&f, 0, "\"sample_query\":\"www.flux.example\""), "%s", j);
    cr_assert(has(&f, 0, "\"T1568.001\""), "%s", j);
    cr_assert(has(&f, 0, "\"detection_strategy\":\"DET0485\""), "%s", j);
    cr_assert(has(&f, 0, "\"start\":\"2023-11-15T00:00:00.000000Z\""), "%s", j);
    cr_assert(has(&f, 0, "\"end\":\"2023-11-15T00:22:30.000000Z\""), "%s", j);
    /* 20 /16s is 2.5x the threshold: "wide" adds 0.1 */
    cr_assert_float_eq(confidence_of(&f, 0), 0.7, 1e-9);
    close_detector(&f);
}

Test(fast_flux, ipv6_flux_counts_48s_and_32s)
{
    fixture_t f;
    open_detector(&f);
    pool_t p = FLUX;
    p.v6 = true;
    run_pool(&f, &p);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"distinct_networks_16\":20"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"distinct_networks_24\":40"), "%s", f.sink.json[0]);
    close_detector(&f);
}

Test(fast_flux, cdn_like_domains_do_not_fire)
{
    fixture_t f;
    open_detector(&f);
    /* 40 addresses in 2 /16s, TTL 20, rotating: a CDN edge seen from one site */
    pool_t cdn = {.regdom = "cdn.example", .n_addrs = 40, .n16 = 2, .per = 4, .responses = 30,
                  .ttl = 20, .gap_s = 60};
    run_pool(&f, &cdn);
    /* the same behind a CNAME */
    cdn.regdom = "shop.example";
    cdn.cname = "e1234.a.cdnedge.example";
    run_pool(&f, &cdn);
    /* a big CDN owning many /16s: 60 addresses over 12 /16s (0.2 per address) */
    pool_t big = {.regdom = "edge.example", .n_addrs = 60, .n16 = 12, .per = 5, .responses = 24,
                  .ttl = 20, .gap_s = 60};
    run_pool(&f, &big);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.n ? f.sink.json[0] : "");
    /* the same spread at 0.3 /16s per address fires */
    big.regdom = "edge2.example";
    big.n16 = 18;
    run_pool(&f, &big);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"networks_16_per_address\":0.3"), "%s", f.sink.json[0]);
    close_detector(&f);
}

Test(fast_flux, popular_and_common_domains)
{
    fixture_t f;
    open_detector(&f);
    dh_verdict_t popular = {.popular = true, .common = true, .prevalence = 3};
    dh_verdict_t common = {.common = true, .prevalence = 500};
    pool_t p = FLUX;
    p.regdom = "popular.example";
    p.v = &popular;
    run_pool(&f, &p); /* never tracked */
    p.regdom = "common.example";
    p.v = &common;
    run_pool(&f, &p); /* 40 addresses / 20 /16s < 3 x 20 / 3 x 8 */
    p.regdom = "bigsite.example";
    p.n_addrs = 60;
    p.n16 = 30;
    p.responses = 24;
    run_pool(&f, &p); /* 60 / 30: 0.5 /16s per address, under common_network_ratio */
    p.regdom = "commonflux.example";
    p.n16 = 40;
    run_pool(&f, &p); /* 60 / 40: passes the raised thresholds */
    cr_assert_eq(dh_state_stats(f.state).entries, 3, "the popular domain has no state");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"registered_domain\":\"commonflux.example\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"common_domain\":true"));
    cr_assert(has(&f, 0, "\"min_addresses\":60"));
    close_detector(&f);
}

Test(fast_flux, min_addresses_boundary)
{
    fixture_t f;
    open_detector(&f);
    pool_t p = {.regdom = "under.example", .n_addrs = 19, .n16 = 10, .per = 4, .responses = 20,
                .ttl = 60, .gap_s = 90};
    run_pool(&f, &p);
    p.regdom = "at.example";
    p.n_addrs = 20;
    run_pool(&f, &p);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"registered_domain\":\"at.example\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"distinct_addresses\":20"));
    close_detector(&f);
}

Test(fast_flux, networks_and_ttl_gates)
{
    fixture_t f;
    open_detector(&f);
    pool_t p = FLUX;
    p.regdom = "seven.example";
    p.n16 = 9; /* one /16 short */
    run_pool(&f, &p);
    p = FLUX;
    p.regdom = "longttl.example";
    p.ttl = 3600; /* never tracked */
    run_pool(&f, &p);
    p = FLUX;
    p.regdom = "fewresp.example";
    p.per = 10;
    p.responses = 4; /* 40 addresses, but only 4 responses */
    run_pool(&f, &p);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.n ? f.sink.json[0] : "");
    close_detector(&f);
}

Test(fast_flux, cached_answers_are_not_churn)
{
    fixture_t f;
    open_detector(&f);
    /* the pool hands out 5 sets, each re-served from a cache 3 times within
       its TTL, then changing: 4 changes, no unchanged-after-expiry */
    char addrs[MAXANS][DH_ADDR_STRLEN];
    pool_t p = FLUX;
    int64_t ts = T0;
    for (int set = 0; set < 8; set++) {
        for (int j = 0; j < 5; j++)
            pool_addr(&p, (set * 5 + j) % 40, addrs[j]);
        for (int rep = 0; rep < 3; rep++, ts += 10 * SEC)
            respond(&f, "10.9.0.1", ts, "flux.example", "flux.example", addrs, 5, 60 - rep * 10,
                    NULL, NULL);
        ts += 60 * SEC;
    }
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"churn_comparisons\":7"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"churn_changes\":7"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"distinct_answer_sets\":8"), "%s", f.sink.json[0]);

    /* two names with stable sets of 12 addresses each (24 addresses over 24
       /16s), re-resolved after every expiry: comparisons but no changes */
    fixture_t g;
    open_detector(&g);
    p.n_addrs = 24;
    p.n16 = 24;
    for (int r = 0; r < 20; r++) {
        int half = r % 2;
        for (int j = 0; j < 12; j++)
            pool_addr(&p, half * 12 + j, addrs[j]);
        respond(&g, "10.9.0.1", T0 + r * 90 * SEC, half ? "www.stable.example" : "stable.example",
                "stable.example", addrs, 12, 60, NULL, NULL);
    }
    dh_state_flush(g.state);
    cr_assert_eq(g.sink.n, 0, "%s", g.sink.n ? g.sink.json[0] : "");
    close_detector(&g);
    close_detector(&f);
}

Test(fast_flux, very_low_ttl_raises_confidence_and_risk)
{
    fixture_t f;
    open_detector(&f);
    pool_t p = FLUX;
    run_pool(&f, &p); /* TTL 60: not below 60 */
    p.regdom = "flux30.example";
    p.ttl = 30;
    run_pool(&f, &p);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    int a = has(&f, 0, "flux30.example") ? 1 : 0, b = 1 - a;
    cr_assert(has(&f, b, "\"very_low_ttl\":true"), "%s", f.sink.json[b]);
    cr_assert(has(&f, a, "\"very_low_ttl\":false"), "%s", f.sink.json[a]);
    cr_assert_float_eq(confidence_of(&f, b) - confidence_of(&f, a), 0.15, 1e-9);
    cr_assert_float_eq(risk_of(&f, b) - risk_of(&f, a), 10, 1e-9);
    close_detector(&f);
}

Test(fast_flux, cname_lowers_confidence)
{
    fixture_t f;
    open_detector(&f);
    pool_t p = FLUX;
    p.cname = "flux-target.example";
    run_pool(&f, &p);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"cname_share\":1"), "%s", f.sink.json[0]);
    cr_assert_float_eq(confidence_of(&f, 0), 0.6, 1e-9); /* 0.6 + 0.1 wide - 0.1 cname */
    close_detector(&f);
}

Test(fast_flux, windows_close_in_event_time)
{
    fixture_t f;
    open_detector(&f);
    run_pool(&f, &FLUX);
    dh_state_advance(f.state, T0 + 3599 * SEC);
    cr_assert_eq(f.sink.n, 0, "window still open");
    dh_state_advance(f.state, T0 + 3600 * SEC);
    cr_assert_eq(f.sink.n, 1, "closed when the watermark passed its end");
    close_detector(&f);
}

Test(fast_flux, same_input_same_bytes)
{
    static char first[JSON_LEN];
    for (int run = 0; run < 2; run++) {
        fixture_t f;
        open_detector(&f);
        run_pool(&f, &FLUX);
        dh_state_flush(f.state);
        cr_assert_eq(f.sink.n, 1);
        if (run == 0)
            strcpy(first, f.sink.json[0]);
        else
            cr_assert_str_eq(first, f.sink.json[0]);
        close_detector(&f);
    }
}

/* A copy of the shipped rule with one piece of text replaced (rule-variant.h). */
#define rule_variant(dir, from, to) dh_test_rule_variant(dir, "fast_flux", from, to)
#define remove_variant(dir) dh_test_remove_variant(dir, "fast_flux")

/* 1-based line of the first line of rules/fast_flux.yaml that is text. */
static int shipped_line(const char *text)
{
    FILE *f = fopen(DH_SOURCE_DIR "/rules/fast_flux.yaml", "r");
    cr_assert_not_null(f);
    char line[512];
    int n = 0, found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        n++;
        found = strcmp(line, text) == 0;
    }
    fclose(f);
    cr_assert(found, "%s not in rules/fast_flux.yaml", text);
    return n;
}

static void expect_error(const char *from, const char *to, const char *msg)
{
    char dir[64], err[512];
    rule_variant(dir, from, to);
    dh_rule_t *r = dh_rule_load(dir, "fast_flux", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    dh_state_t *st = dh_state_new(1 << 20);
    dh_detect_env_t env = {.state = st};
    cr_assert_null(dh_detector_create(&dh_detector_fast_flux, r, &env, err, sizeof(err)));
    cr_assert(strstr(err, "/fast_flux.yaml:"), "%s", err);
    cr_assert(strstr(err, msg), "%s", err);
    dh_state_free(st);
    dh_rule_free(r);
    remove_variant(dir);
}

Test(fast_flux, bad_threshold_names_file_and_line)
{
    expect_error("  min_churn: 0.5 ", "  min_churn: 1.5 ", "min_churn");
    expect_error("  min_networks_16: 10\n", "  min_networks_16: many\n", "min_networks_16");
    char msg[80]; /* the line of very_low_ttl in the shipped file, wherever it is */
    snprintf(msg, sizeof(msg), ":%d: very_low_ttl: must be less than low_ttl",
             shipped_line("  very_low_ttl: 60\n"));
    expect_error("  very_low_ttl: 60\n", "  very_low_ttl: 300\n", msg);
}
