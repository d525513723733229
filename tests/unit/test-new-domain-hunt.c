/*
 * test-new-domain-hunt.c - new_domain's retro hunt (--hunt): the judgement
 * (dh_hunt_judge) on its own, then the detector in hunt mode fed events the
 * way the host does, with the shipped rules/new_domain.yaml: a rare domain
 * with evidence is reported at end of input with the archive's span and its
 * client count, a popular one and one many clients share are not, nothing is
 * reported before the end, an evicted domain is not judged, and two runs give
 * the same bytes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/detectors/new-domain-hunt.h"
#include "detector-call.h"
#include "detector.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_new_domain;

#define T0 (1698795994LL * 1000000) /* 2023-10-31T23:46:34Z */
#define S (1000000LL)
#define MAXDET 32

/* ---- the judgement ------------------------------------------------------- */

static const dh_hunt_params_t P = {.max_clients = 2, .min_score = 3, .random_weight = 3,
                                   .lexical_weight = 2, .apex_weight = 1, .dyndns_weight = 3,
                                   .nxdomain_weight = 1, .nxdomain_flood = 20,
                                   .low_ttl_weight = 1, .low_ttl = 60,
                                   .lexical_score = 4.0, .confidence_step = 0.05};

/* One client, one answered query of the bare domain, TTL 377: the IcedID
   C2 lookups' shape, with a label that scores 4.05 (grafielucho). */
static dh_hunt_facts_t c2(void)
{
    return (dh_hunt_facts_t){.clients = 1, .queries = 1, .responses = 1, .answered = 1,
                             .max_ttl = 377, .label_class = DH_LEX_PLAIN, .label_score = 4.05};
}

Test(hunt_judge, odd_label_of_a_bare_domain_one_client_is_a_finding)
{
    dh_hunt_facts_t f = c2();
    dh_hunt_verdict_t r = dh_hunt_judge(&P, &f);
    cr_assert(r.rare);
    cr_assert_eq(r.signals, DH_HUNT_LEXICAL | DH_HUNT_APEX);
    cr_assert_eq(r.score, 3);
    cr_assert(r.finding);
}

Test(hunt_judge, rare_means_at_most_max_clients_of_the_whole_archive)
{
    dh_hunt_facts_t f = c2();
    f.clients = 2;
    cr_assert(dh_hunt_judge(&P, &f).finding);
    f.clients = 3;
    cr_assert_not(dh_hunt_judge(&P, &f).rare);
    cr_assert_not(dh_hunt_judge(&P, &f).finding);
    f.clients = 1;
    f.clients_more = true; /* more clients than were kept */
    cr_assert_not(dh_hunt_judge(&P, &f).finding);
    f.clients_more = false;
    f.clients = 0; /* no client address at all: nothing to say it is rare */
    cr_assert_not(dh_hunt_judge(&P, &f).rare);
}

Test(hunt_judge, rarity_alone_or_one_weak_signal_is_not_enough)
{
    dh_hunt_facts_t f = c2();
    f.label_score = 3.9; /* below hunt_lexical_score: only apex_only */
    dh_hunt_verdict_t r = dh_hunt_judge(&P, &f);
    cr_assert_eq(r.signals, DH_HUNT_APEX);
    cr_assert_not(r.finding);
    f = c2();
    f.subdomain_queries = 1; /* www.: people browse it */
    r = dh_hunt_judge(&P, &f);
    cr_assert_eq(r.signals, DH_HUNT_LEXICAL);
    cr_assert_eq(r.score, 2);
    cr_assert_not(r.finding);
    f.max_ttl = 60; /* ... a low TTL on top makes it one */
    r = dh_hunt_judge(&P, &f);
    cr_assert_eq(r.signals, DH_HUNT_LEXICAL | DH_HUNT_LOW_TTL);
    cr_assert(r.finding);
}

Test(hunt_judge, a_random_label_alone_is_a_finding_wordlike_and_short_never_are)
{
    dh_hunt_facts_t f = c2();
    f.subdomain_queries = 1;
    f.label_class = DH_LEX_RANDOM;
    f.label_score = 4.7;
    dh_hunt_verdict_t r = dh_hunt_judge(&P, &f);
    cr_assert_eq(r.signals, DH_HUNT_RANDOM);
    cr_assert(r.finding);
    f.label_class = DH_LEX_WORDLIKE; /* brand names, wordlist DGAs: however it scores */
    cr_assert_eq(dh_hunt_judge(&P, &f).signals, 0);
    f.label_class = DH_LEX_SHORT;
    cr_assert_eq(dh_hunt_judge(&P, &f).signals, 0);
    f.label_class = DH_LEX_UNJUDGED; /* platform names (cloudfront), xn-- */
    cr_assert_eq(dh_hunt_judge(&P, &f).signals, 0);
}

Test(hunt_judge, nxdomain_needs_every_response_failed_low_ttl_an_answer)
{
    dh_hunt_facts_t f = {.clients = 1, .queries = 3, .subdomain_queries = 3, .responses = 3,
                         .nxdomain = 3, .max_ttl = -1, .label_class = DH_LEX_PLAIN,
                         .label_score = 4.2};
    dh_hunt_verdict_t r = dh_hunt_judge(&P, &f);
    cr_assert_eq(r.signals, DH_HUNT_LEXICAL | DH_HUNT_NXDOMAIN);
    cr_assert(r.finding);
    f.nxdomain = 2; /* it resolved once */
    cr_assert_eq(dh_hunt_judge(&P, &f).signals, DH_HUNT_LEXICAL);
    f.responses = 0; /* no response seen: no NXDOMAIN either */
    f.nxdomain = 0;
    cr_assert_eq(dh_hunt_judge(&P, &f).signals, DH_HUNT_LEXICAL);
    f.max_ttl = 5; /* a TTL without an answered event (an authority's) is not low_ttl */
    cr_assert_eq(dh_hunt_judge(&P, &f).signals, DH_HUNT_LEXICAL);
}

Test(hunt_judge, a_dead_name_of_a_flooding_client_is_the_dga_detectors)
{
    dh_hunt_facts_t f = {.clients = 1, .queries = 1, .responses = 1, .nxdomain = 1,
                         .max_ttl = -1, .label_class = DH_LEX_RANDOM, .label_score = 4.9,
                         .client_nxdomains = 20};
    dh_hunt_verdict_t r = dh_hunt_judge(&P, &f);
    cr_assert(r.finding);
    cr_assert_not(r.flood);
    f.client_nxdomains = 21;
    r = dh_hunt_judge(&P, &f);
    cr_assert(r.flood);
    cr_assert_not(r.finding);
    f.nxdomain = 0; /* the same client's name that resolved: the live one */
    f.answered = 1;
    r = dh_hunt_judge(&P, &f);
    cr_assert_not(r.flood);
    cr_assert(r.finding);
}

Test(hunt_judge, dyndns_and_the_weights_are_the_rules)
{
    dh_hunt_facts_t f = {.clients = 1, .queries = 1, .subdomain_queries = 1, .max_ttl = -1,
                         .dyndns = true};
    dh_hunt_verdict_t r = dh_hunt_judge(&P, &f);
    cr_assert_eq(r.signals, DH_HUNT_DYNDNS);
    cr_assert(r.finding);
    dh_hunt_params_t q = P;
    q.dyndns_weight = 2;
    cr_assert_not(dh_hunt_judge(&q, &f).finding);
    q.min_score = 2;
    cr_assert(dh_hunt_judge(&q, &f).finding);
}

/* ---- the detector in hunt mode -------------------------------------------- */

typedef struct {
    int n;
    char json[MAXDET][4096];
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
    snprintf(s->json[s->n++], sizeof(s->json[0]), "%s", sb.buf);
    dh_sb_free(&sb);
}

static void start(fixture_t *f, size_t state_bytes)
{
    char err[512];
    memset(f, 0, sizeof(*f));
    f->state = dh_state_new(state_bytes);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state,
                               .hunt = true}; /* no history: a hunt needs none */
    f->rule = dh_rule_load(DH_SOURCE_DIR "/rules", "new_domain", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_create(&dh_detector_new_domain, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
}

/* End of input, as the host does it: the state, then the detector. */
static void finish(fixture_t *f)
{
    dh_state_flush(f->state);
    dh_detector_new_domain.flush(f->st, &f->env);
}

static void stop(fixture_t *f)
{
    dh_detector_destroy(&dh_detector_new_domain, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
}

/* One answered lookup, watermark moving as the host moves it. */
static void lookup(fixture_t *f, const char *client, int64_t ts, const char *qname,
                   const char *regdom, int rcode, int64_t ttl, bool popular)
{
    dh_event_t ev;
    dh_answer_t ans = {.rrtype = 1, .ttl = ttl, .data = "45.61.136.22", .data_len = 12};
    dh_event_init(&ev);
    ev.ts_us = ts;
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = qname;
    ev.qname_len = strlen(qname);
    ev.registered_domain = regdom;
    ev.qtype = 1;
    ev.rcode = rcode;
    ev.has_response = true;
    if (rcode == 0) {
        ev.answers = &ans;
        ev.n_answers = 1;
    }
    dh_verdict_t v = {.popular = popular, .common = popular};
    det_call(&dh_detector_new_domain, f->st, &ev, &v, &f->env);
    dh_state_advance(f->state, ts - 60 * S);
}

static int count(const fixture_t *f, const char *needle)
{
    int n = 0;
    for (int i = 0; i < f->sink.n; i++)
        n += strstr(f->sink.json[i], needle) != NULL;
    return n;
}

/* The IcedID capture's DNS in short (corpus eve/v2/icedid-2023-11-01: one
   host; its C2 names and TTLs, popular Microsoft names) plus two names of
   a second network: a site three hosts browse, a dynamic-DNS host. */
static void icedid_day(fixture_t *f)
{
    lookup(f, "10.10.31.101", T0, "grafielucho.com", "grafielucho.com", 0, 377, false);
    lookup(f, "10.10.31.101", T0 + 7 * S, "msedge.api.cdp.microsoft.com", "microsoft.com", 0, 78,
           true);
    lookup(f, "10.10.31.101", T0 + 63 * S, "qousahaff.com", "qousahaff.com", 0, 377, false);
    lookup(f, "10.10.31.101", T0 + 65 * S, "brojizuza.com", "brojizuza.com", 0, 377, false);
    for (int i = 0; i < 3; i++) {
        char c[32];
        snprintf(c, sizeof(c), "10.10.31.%d", 110 + i);
        lookup(f, c, T0 + (100 + i) * S, "qwzkxvbrtplm.com", "qwzkxvbrtplm.com", 0, 30, false);
    }
    lookup(f, "10.10.31.102", T0 + 200 * S, "home.duckdns.org", "home.duckdns.org", 0, 60, false);
    lookup(f, "10.10.31.101", T0 + 1568 * S, "asleytomafa.com", "asleytomafa.com", 0, 15, false);
}

Test(hunt_detector, the_c2_names_are_found_at_end_of_input_popular_and_shared_ones_not)
{
    fixture_t f;
    start(&f, 64 << 20);
    icedid_day(&f);
    cr_assert_eq(f.sink.n, 0, "a hunt judges at the end of input only");
    finish(&f);
    cr_assert_eq(count(&f, "\"mode\":\"hunt\""), f.sink.n);
    cr_assert_eq(count(&f, "\"registered_domain\":\"grafielucho.com\""), 1);
    cr_assert_eq(count(&f, "\"registered_domain\":\"qousahaff.com\""), 1);
    cr_assert_eq(count(&f, "\"registered_domain\":\"brojizuza.com\""), 1);
    cr_assert_eq(count(&f, "\"registered_domain\":\"asleytomafa.com\""), 1);
    cr_assert_eq(count(&f, "\"registered_domain\":\"home.duckdns.org\""), 1);
    cr_assert_eq(count(&f, "microsoft.com"), 0, "popular");
    cr_assert_eq(count(&f, "qwzkxvbrtplm.com"), 0, "three clients: not rare");
    cr_assert_eq(f.sink.n, 5);
    /* the evidence says it is a hunt, over which span, with which clients */
    cr_assert_eq(count(&f, "\"archive_first\":\"2023-10-31T23:46:34.000000Z\""), 5);
    cr_assert_eq(count(&f, "\"archive_last\":\"2023-11-01T00:12:42.000000Z\""), 5);
    cr_assert_eq(count(&f, "\"archive_span_seconds\":1568"), 5);
    cr_assert_eq(count(&f, "\"archive_clients\":5"), 5);
    cr_assert_eq(count(&f, "\"clients\":1,\"client_addresses\":[\"10.10.31.101\"]"), 4);
    cr_assert_eq(count(&f, "\"signals\":[\"rare_in_archive\",\"odd_label\",\"apex_only\"]"), 3,
                 "the language models fit the pronounceable C2 names: odd, not random");
    cr_assert_eq(count(&f, "\"T1583.001\""), 5);
    /* in the order first seen */
    cr_assert(strstr(f.sink.json[0], "grafielucho.com"));
    cr_assert(strstr(f.sink.json[4], "asleytomafa.com"));
    stop(&f);
}

Test(hunt_detector, a_dga_flood_gives_its_resolved_name_not_its_dead_ones)
{
    fixture_t f;
    start(&f, 64 << 20);
    static const char *const dead[] = {
        "xkqzvbwtrplm", "qwpzxkrvtlmb", "zvxqkwptrbnm", "mqzxvkwprtlb", "tqzkxvwbrmpl",
        "bqzwxkvtrmpl", "lqzvxkwtbrpm", "pqzxkvwtrmbl", "rqzvkxwtbmpl", "nqzxvwktrbpl",
        "wqzkxvtbrmpl", "vqzxkwtrbmpl", "kqzvxwtbrmpl", "jqzxvkwtrbml", "hqzvkxwtrbpm",
        "gqzxkvwtbrml", "fqzvxkwtrbml", "dqzxkvwtrmbl", "cqzvkxwtbrml", "sqzxvkwtrbpl",
        "yqzvkxwtrbml"}; /* 21 names that fail */
    char name[64];
    for (size_t i = 0; i < sizeof(dead) / sizeof(dead[0]); i++) {
        snprintf(name, sizeof(name), "%s.com", dead[i]);
        lookup(&f, "10.0.0.9", T0 + (int64_t)i * S, name, name, 3, -1, false);
    }
    lookup(&f, "10.0.0.9", T0 + 30 * S, "tdlxezmnintixrezhuva.net", "tdlxezmnintixrezhuva.net", 0,
           300, false);
    /* another host's one dead random name is still a lead */
    lookup(&f, "10.0.0.10", T0 + 40 * S, "zzqxkvbwtrplm.com", "zzqxkvbwtrplm.com", 3, -1, false);
    finish(&f);
    cr_assert_eq(f.sink.n, 2);
    cr_assert_eq(count(&f, "tdlxezmnintixrezhuva.net"), 1);
    cr_assert_eq(count(&f, "zzqxkvbwtrplm.com"), 1);
    cr_assert_eq(
        count(&f, "\"signals\":[\"rare_in_archive\",\"random_label\",\"apex_only\",\"nxdomain\"]"),
        1);
    stop(&f);
}

Test(hunt_detector, two_runs_give_the_same_bytes)
{
    fixture_t a, b;
    start(&a, 64 << 20);
    icedid_day(&a);
    finish(&a);
    start(&b, 64 << 20);
    icedid_day(&b);
    finish(&b);
    cr_assert_eq(a.sink.n, b.sink.n);
    for (int i = 0; i < a.sink.n; i++)
        cr_assert_str_eq(a.sink.json[i], b.sink.json[i]);
    stop(&a);
    stop(&b);
}

Test(hunt_detector, a_domain_the_memory_bound_evicts_is_not_judged)
{
    char name[64];
    /* the one that matters comes first and is pushed out by the rest */
    fixture_t g;
    start(&g, 8 << 10); /* room for a few domains only */
    lookup(&g, "10.0.0.1", T0, "asleytomafa.com", "asleytomafa.com", 0, 15, false);
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof(name), "site%03d.example", i);
        lookup(&g, "10.0.0.1", T0 + (i + 1) * S, name, name, 0, 300, false);
    }
    /* seen again after its eviction: its counts would start over (a common
       domain would look rare), so it is not judged either */
    lookup(&g, "10.0.0.1", T0 + 300 * S, "asleytomafa.com", "asleytomafa.com", 0, 15, false);
    finish(&g);
    cr_assert_eq(count(&g, "asleytomafa.com"), 0, "evicted, so not judged");
    cr_assert_gt(dh_state_stats(g.state).evicted, 0);
    stop(&g);
}
