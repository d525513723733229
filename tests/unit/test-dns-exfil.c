/*
 * test-dns-exfil.c - the low-and-slow DNS exfiltration detector on crafted
 * event sequences: a slow leak that no 5-minute rate sees, budget
 * boundaries, what adds nothing (repeats, words, low entropy, service
 * labels, benign services), the stricter budget of common domains, the
 * exact payload estimate per alphabet, answers, the 1 h / 24 h interplay and
 * the serialized record.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector-call.h"
#include "detector.h"
#include "util-dns.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_dns_exfil;

#define MAX_FOUND 32
#define JSON_MAX 8192
#define T0 1700006400000000LL /* 2023-11-15T00:00:00Z: starts an hour and a day */
#define SEC 1000000LL
#define HOUR (3600 * SEC)
#define DOM "leak.example"

typedef struct {
    int n;
    char json[MAX_FOUND][JSON_MAX];
} sink_t;

typedef struct {
    dh_state_t *state;
    dh_rule_t *rule;
    void *st;
    sink_t *sink;
    dh_detect_env_t env;
} fixture_t;

static fixture_t F; /* the detector keeps &F.env */
static uint64_t rng_state;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAX_FOUND);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    cr_assert_lt(sb.len, (size_t)JSON_MAX);
    memcpy(s->json[s->n++], sb.buf, sb.len + 1);
    dh_sb_free(&sb);
}

static void setup(void)
{
    char err[256];
    memset(&F, 0, sizeof(F));
    rng_state = 0x9e3779b97f4a7c15ULL;
    F.state = dh_state_new(64 << 20);
    F.sink = calloc(1, sizeof(sink_t));
    F.env = (dh_detect_env_t){.emit = collect, .pipeline = F.sink, .state = F.state};
    F.rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_exfil", err, sizeof(err));
    cr_assert_not_null(F.rule, "%s", err);
    F.st = dh_detector_create(&dh_detector_dns_exfil, F.rule, &F.env, err, sizeof(err));
    cr_assert_not_null(F.st, "%s", err);
    cr_assert_eq(dh_rule_finish(F.rule, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
    dh_state_free(F.state); /* tables first: nothing may close after destroy */
    dh_detector_destroy(&dh_detector_dns_exfil, F.st);
    dh_rule_free(F.rule);
    free(F.sink);
}

TestSuite(dns_exfil, .init = setup, .fini = teardown);

/* ---- crafting names and events ------------------------------------- */

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const char HEX[] = "0123456789abcdef";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* n random characters of alphabet, the first ones forced to `lead` so that
   the label always mixes what its encoding needs; returns the end. */
static char *label(char *out, const char *alphabet, const char *lead, size_t n)
{
    size_t k = strlen(alphabet), l = strlen(lead);
    for (size_t i = 0; i < n; i++)
        out[i] = i < l ? lead[i] : alphabet[rnd() % k];
    out[n] = '\0';
    return out + n;
}

static char *hex(char *out, size_t n) { return label(out, HEX, "1a", n); }
static char *b32(char *out, size_t n) { return label(out, B32, "2a", n); }
static char *b64(char *out, size_t n) { return label(out, B64, "Aa1", n); }

static char *put(char *out, const char *s)
{
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return out + n;
}

typedef struct {
    const char *client;
    bool common, benign;
    int32_t qtype;
    const dh_answer_t *answers;
    uint32_t n_answers;
} qopt_t;

static void query_opt(int64_t ts, const char *qname, const char *regdom, const qopt_t *o)
{
    char lc[512];
    size_t n = strlen(qname);
    cr_assert_lt(n, sizeof(lc));
    for (size_t i = 0; i <= n; i++)
        lc[i] = (char)((qname[i] >= 'A' && qname[i] <= 'Z') ? qname[i] + 32 : qname[i]);
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts;
    const char *client = o->client ? o->client : "10.0.0.5";
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = qname;
    ev.qname_lc = lc;
    ev.qname_len = n;
    ev.registered_domain = regdom;
    ev.qtype = o->qtype ? o->qtype : DH_QTYPE_A;
    ev.rcode = DH_RCODE_NOERROR;
    ev.has_response = true;
    ev.answers = o->answers;
    ev.n_answers = o->n_answers;
    dh_verdict_t v = {.benign_service = o->benign, .common = o->common, .prevalence = 1};
    det_call(&dh_detector_dns_exfil, F.st, &ev, &v, &F.env);
}

static void query(int64_t ts, const char *client, const char *qname)
{
    qopt_t o = {.client = client};
    query_opt(ts, qname, DOM, &o);
}

/* "<hex n>[.<hex m>].leak.example": n/2 (+ m/2) bytes of payload. */
static void hex_name(char *out, size_t n, size_t m)
{
    char *p = hex(out, n);
    if (m) {
        *p++ = '.';
        p = hex(p, m);
    }
    put(p, "." DOM);
}

/* ---- reading the JSON ----------------------------------------------- */

static double num(const char *json, const char *key)
{
    char pat[96];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = strstr(json, pat);
    cr_assert_not_null(p, "%s missing in %s", key, json);
    return strtod(p + strlen(pat), NULL);
}

static bool has(const char *json, const char *text)
{
    return strstr(json, text) != NULL;
}

static void flush(void)
{
    dh_state_flush(F.state);
}

/* ---- a slow leak ------------------------------------------------------ */

Test(dns_exfil, low_and_slow_fires_hourly_far_below_tunnel_rates)
{
    char name[256];
    for (int i = 0; i < 120; i++) { /* one 50-char base32 label every 90 s for 3 h */
        put(b32(name, 50), "." DOM);
        query(T0 + i * 90 * SEC, NULL, name);
    }
    dh_state_advance(F.state, T0 + HOUR - 1);
    cr_assert_eq(F.sink->n, 0, "nothing before the first hour ends");
    dh_state_advance(F.state, T0 + HOUR);
    cr_assert_eq(F.sink->n, 1, "the first hour closed");
    flush();
    cr_assert_eq(F.sink->n, 3, "one finding per hour; 3 x 1240 B stays under the day's 4096");
    for (int i = 0; i < 3; i++) {
        const char *j = F.sink->json[i];
        cr_assert_eq(num(j, "window_seconds"), 3600);
        cr_assert_eq(num(j, "estimated_payload_bytes"), 40 * 31, "%s", j); /* 50*5/8 = 31 */
        cr_assert_eq(num(j, "distinct_encoded_subdomains"), 40);
        cr_assert_eq(num(j, "queries"), 40);
        cr_assert_eq(num(j, "mean_label_length"), 50);
        cr_assert_eq(num(j, "budget_bytes"), 1024);
        cr_assert(has(j, "\"encodings\":[\"base32\"]"), "%s", j);
        /* ~41 queries/h = 3.4 per 5 minutes: dns_tunnel needs 20 encoded or
           25 long-name queries in 5 minutes */
        double rate = num(j, "queries_per_hour");
        cr_assert(rate > 40 && rate < 42, "%f", rate);
        cr_assert_lt(rate / 12, 5);
    }
    const char *j = F.sink->json[0];
    cr_assert(has(j, "\"estimate_basis\":\"estimate from query names and answers; Zeek dns.log "
                     "has no message sizes"), "%s", j);
    cr_assert(has(j, "\"rule\":{\"name\":\"dns_exfil\""));
    cr_assert(has(j, "\"tactic\":{\"id\":[\"TA0010\"],\"name\":[\"Exfiltration\"],\"reference\":["), "%s", j);
    cr_assert(has(j, "\"technique\":{\"id\":[\"T1048\"]"));
    cr_assert(has(j, "\"subtechnique\":{\"id\":[\"T1048.003\"],\"name\":[\"Exfiltration Over "
                     "Unencrypted Non-C2 Protocol\"],\"reference\":["), "%s", j);
    cr_assert(has(j, "\"detection_strategy\":\"DET0400\""));
    cr_assert(has(j, "\"attack_version\":\"18.1\""));
    cr_assert(has(j, "\"source\":{\"ip\":\"10.0.0.5\"}"));
    cr_assert(has(j, "\"registered_domain\":\"leak.example\""));
    cr_assert(has(j, "\"start\":\"2023-11-15T00:00:00.000000Z\""), "%s", j);
    cr_assert(has(j, "\"end\":\"2023-11-15T00:58:30.000000Z\""), "%s", j);
    cr_assert(has(j, "\"samples\":[\""));
}

Test(dns_exfil, leak_spread_over_a_day_fires_only_the_day)
{
    char name[256];
    for (int i = 0; i < 144; i++) { /* one every 10 minutes: 6 an hour */
        put(b32(name, 50), "." DOM);
        query(T0 + i * 600 * SEC, NULL, name);
    }
    flush();
    cr_assert_eq(F.sink->n, 1);
    const char *j = F.sink->json[0];
    cr_assert_eq(num(j, "window_seconds"), 86400);
    cr_assert_eq(num(j, "estimated_payload_bytes"), 144 * 31, "%s", j);
    cr_assert_eq(num(j, "budget_bytes"), 4096);
    cr_assert_eq(num(j, "bytes_reported_by_short_window"), 0);
    cr_assert_eq(num(j, "distinct_is_estimate"), 0); /* false parses as 0 */
}

/* ---- budgets ---------------------------------------------------------- */

Test(dns_exfil, just_under_and_at_the_budget)
{
    char name[256];
    for (int i = 0; i < 31; i++) { /* 31 x 32 B + 31 B = 1023 B */
        hex_name(name, 32, 32);
        query(T0 + i * SEC, "10.0.0.1", name);
    }
    hex_name(name, 32, 30);
    query(T0 + 40 * SEC, "10.0.0.1", name);
    for (int i = 0; i < 32; i++) { /* 32 x 32 B = 1024 B */
        hex_name(name, 32, 32);
        query(T0 + i * SEC, "10.0.0.2", name);
    }
    flush();
    cr_assert_eq(F.sink->n, 1);
    cr_assert(has(F.sink->json[0], "\"source\":{\"ip\":\"10.0.0.2\"}"));
    cr_assert_eq(num(F.sink->json[0], "estimated_payload_bytes"), 1024);
}

Test(dns_exfil, min_distinct_names)
{
    char name[256];
    for (int i = 0; i < 7; i++) { /* 7 names x 3 x 90 B: far over the budget, too few names */
        char *p = hex(name, 60);
        *p++ = '.';
        p = hex(p, 60);
        *p++ = '.';
        put(hex(p, 60), "." DOM);
        for (int k = 0; k < 3; k++)
            query(T0 + (i * 3 + k) * SEC, NULL, name);
    }
    flush();
    cr_assert_eq(F.sink->n, 0);
}

Test(dns_exfil, common_domain_needs_the_stricter_budget)
{
    char name[256];
    qopt_t common_a = {.client = "10.0.0.1", .common = true};
    qopt_t common_b = {.client = "10.0.0.2", .common = true};
    qopt_t plain_c = {.client = "10.0.0.3"};
    for (int i = 0; i < 46; i++) { /* 46 x 90 B = 4140 B >= 4 x 1024 */
        char *p = hex(name, 60);
        *p++ = '.';
        p = hex(p, 60);
        *p++ = '.';
        put(hex(p, 60), "." DOM);
        query_opt(T0 + i * SEC, name, DOM, &common_a);
        if (i < 40) { /* 40 x 90 B = 3600 B */
            query_opt(T0 + i * SEC, name, DOM, &common_b);
            query_opt(T0 + i * SEC, name, DOM, &plain_c);
        }
    }
    flush();
    cr_assert_eq(F.sink->n, 2);
    cr_assert(has(F.sink->json[0], "\"source\":{\"ip\":\"10.0.0.1\"}"));
    cr_assert_eq(num(F.sink->json[0], "budget_bytes"), 4096);
    cr_assert(has(F.sink->json[0], "\"common_domain\":true"));
    cr_assert_eq(num(F.sink->json[0], "estimated_payload_bytes"), 4140);
    cr_assert(has(F.sink->json[1], "\"source\":{\"ip\":\"10.0.0.3\"}"));
    cr_assert_eq(num(F.sink->json[1], "budget_bytes"), 1024);
    cr_assert_eq(num(F.sink->json[1], "estimated_payload_bytes"), 3600);
}

/* ---- what adds nothing ---------------------------------------------- */

/* 32 names of 32 B from 10.0.0.9: exactly the hourly budget */
static void at_budget(char names[32][256])
{
    for (int i = 0; i < 32; i++) {
        hex_name(names[i], 32, 32);
        query(T0 + i * SEC, "10.0.0.9", names[i]);
    }
}

static void expect_at_budget(int64_t queries)
{
    flush();
    cr_assert_eq(F.sink->n, 1);
    const char *j = F.sink->json[0];
    cr_assert_eq(num(j, "estimated_payload_bytes"), 1024, "%s", j);
    cr_assert_eq(num(j, "distinct_encoded_subdomains"), 32);
    cr_assert_eq(num(j, "queries"), queries);
}

Test(dns_exfil, repeated_names_and_counters_add_nothing)
{
    char names[32][256], name[300];
    at_budget(names);
    for (int r = 0; r < 5; r++)
        for (int i = 0; i < 32; i++)
            query(T0 + 100 * SEC + r, "10.0.0.9", names[i]);
    for (int i = 0; i < 32; i++) { /* the same chunk re-sent with a counter and a session id */
        char *p = name + sprintf(name, "%05d.", i + 1);
        memcpy(p, names[i], 65); /* the two 32-digit labels and their dot */
        put(p + 65, ".c0ffee42." DOM);
        query(T0 + 200 * SEC + i, "10.0.0.9", name);
    }
    for (int i = 0; i < 500; i++) /* one name over and over: one name, 32 B */
        query(T0 + i * SEC, "10.0.0.10", names[0]);
    expect_at_budget(32 + 5 * 32 + 32);
}

Test(dns_exfil, words_low_entropy_and_service_labels_add_nothing)
{
    char names[32][256], name[300];
    at_budget(names);
    static const char *const fixed[] = {
        "www.mail.support.help." DOM,
        "informationtechnology.department-portal." DOM,
        "selector1._domainkey." DOM,
        "google2048._domainkey." DOM,
        "_dmarc." DOM,
        "_esni." DOM,
        "_acme-challenge.www." DOM,
        "_ldap._tcp.dc._msdcs." DOM,
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        query(T0 + 300 * SEC, "10.0.0.9", fixed[i]);
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "www%d.mail.support.help%d." DOM, i, i);
        query(T0 + 400 * SEC + i, "10.0.0.9", name);
        snprintf(name, sizeof(name), "aaaaaaaaaaaaaaaaaaaaaaaaaaaa%02d." DOM, i); /* low entropy */
        query(T0 + 400 * SEC + i, "10.0.0.9", name);
        char *p = b32(name, 32); /* an Amazon SES-style DKIM token: a service lookup */
        put(p, "._domainkey." DOM);
        query(T0 + 400 * SEC + i, "10.0.0.9", name);
        p = hex(name, 40); /* encoded, but under an ESNI/service label */
        put(p, "._esni." DOM);
        query(T0 + 400 * SEC + i, "10.0.0.9", name);
    }
    expect_at_budget(32);
}

Test(dns_exfil, benign_services_add_nothing_and_create_no_state)
{
    char names[32][256], name[256];
    at_budget(names);
    qopt_t benign = {.client = "10.0.0.9", .benign = true};
    qopt_t benign_other = {.client = "10.0.0.11", .benign = true};
    for (int i = 0; i < 100; i++) {
        hex_name(name, 60, 60);
        query_opt(T0 + 500 * SEC + i, name, DOM, &benign);
        query_opt(T0 + 500 * SEC + i, name, DOM, &benign_other);
    }
    cr_assert_eq(dh_state_stats(F.state).entries, 2, "one short and one long window of 10.0.0.9");
    expect_at_budget(32);
}

Test(dns_exfil, ordinary_lookups_create_no_state)
{
    char name[64];
    qopt_t o = {0};
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "host%d.corp.example.com", i);
        query_opt(T0 + i * SEC, name, "example.com", &o);
        query_opt(T0 + i * SEC, "www.example.com", "example.com", &o);
        query_opt(T0 + i * SEC, "example.com", "example.com", &o);
    }
    cr_assert_eq(dh_state_stats(F.state).entries, 0);
    flush();
    cr_assert_eq(F.sink->n, 0);
}

/* ---- the estimate ----------------------------------------------------- */

Test(dns_exfil, payload_estimate_is_exact_per_alphabet)
{
    char name[300];
    for (int i = 0; i < 40; i++) { /* hex 60: 30 B */
        hex_name(name, 60, 0);
        query(T0 + i * SEC, "10.0.1.1", name);
    }
    for (int i = 0; i < 30; i++) { /* base32 56: 35 B */
        put(b32(name, 56), "." DOM);
        query(T0 + i * SEC, "10.0.1.2", name);
    }
    for (int i = 0; i < 24; i++) { /* base64url 60: 45 B */
        put(b64(name, 60), "." DOM);
        query(T0 + i * SEC, "10.0.1.3", name);
    }
    for (int i = 0; i < 24; i++) { /* prefix, counter, hex 40 (20 B), base32 40 (25 B), session id */
        char *p = name + sprintf(name, "post.%d.", i);
        p = hex(p, 40);
        *p++ = '.';
        p = b32(p, 40);
        put(p, ".a1b2c3d4." DOM);
        query(T0 + i * SEC, "10.0.1.4", name);
    }
    flush();
    cr_assert_eq(F.sink->n, 4);
    static const struct {
        double bytes, len;
        const char *enc;
    } want[] = {
        {1200, 60, "[\"hex\"]"},       {1050, 56, "[\"base32\"]"},
        {1080, 60, "[\"base64\"]"},    {1080, 40, "[\"hex\",\"base32\"]"},
    };
    for (int i = 0; i < 4; i++) {
        const char *j = F.sink->json[i];
        cr_assert_eq(num(j, "estimated_payload_bytes"), want[i].bytes, "%d: %s", i, j);
        cr_assert_eq(num(j, "mean_label_length"), want[i].len, "%d", i);
        char enc[64];
        snprintf(enc, sizeof(enc), "\"encodings\":%s", want[i].enc);
        cr_assert(has(j, enc), "%d: %s", i, j);
    }
}

Test(dns_exfil, padded_base32_and_dnsteal_names_count)
{
    char name[300];
    for (int i = 0; i < 40; i++) { /* RFC 4648 base32, upper case, '=' padded: 48 chars, 30 B */
        char *p = label(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "2A", 48);
        put(p, "====." DOM);
        query(T0 + i * SEC, "10.0.2.1", name);
    }
    /* dnsteal: 4 labels of 57 base64 chars with '+' written '*' and a
       trailing '-', then the file name: 58*3/4 = 43 B a label */
    qopt_t o = {.client = "10.0.2.2"};
    for (int i = 0; i < 8; i++) {
        char *p = name;
        for (int k = 0; k < 4; k++) {
            p = b64(p, 57);
            p[-10] = '*';
            p = put(p, "-.");
        }
        put(p, "secret.txt");
        query_opt(T0 + i * SEC, name, "secret.txt", &o);
    }
    flush();
    cr_assert_eq(F.sink->n, 2);
    cr_assert_eq(num(F.sink->json[0], "estimated_payload_bytes"), 1200, "%s", F.sink->json[0]);
    cr_assert(has(F.sink->json[0], "\"encodings\":[\"base32\"]"));
    cr_assert_eq(num(F.sink->json[1], "estimated_payload_bytes"), 8 * 4 * 43, "%s",
                 F.sink->json[1]);
    cr_assert(has(F.sink->json[1], "\"encodings\":[\"base64\"]"));
}

Test(dns_exfil, txt_answers_of_new_names_add_their_decoded_size)
{
    char txt[128];
    dh_answer_t ans = {.rrtype = DH_QTYPE_TXT, .ttl = 0, .section = DH_SECTION_ANSWER};
    qopt_t o = {.qtype = DH_QTYPE_TXT, .answers = &ans, .n_answers = 1};
    char names[16][256];
    for (int i = 0; i < 16; i++) {
        hex_name(names[i], 40, 0); /* 20 B */
        char *p = put(txt, "TXT 80 ");
        b64(p, 80); /* 60 B */
        ans.data = txt;
        ans.data_len = strlen(txt);
        query_opt(T0 + i * SEC, names[i], DOM, &o);
    }
    for (int i = 0; i < 16; i++) { /* asked again: the answer is nothing new */
        char *p = put(txt, "TXT 80 ");
        b64(p, 80);
        ans.data_len = strlen(txt);
        query_opt(T0 + 100 * SEC + i, names[i], DOM, &o);
    }
    flush();
    cr_assert_eq(F.sink->n, 1);
    const char *j = F.sink->json[0];
    cr_assert_eq(num(j, "query_payload_bytes"), 16 * 20, "%s", j);
    cr_assert_eq(num(j, "answer_payload_bytes"), 16 * 60);
    cr_assert_eq(num(j, "estimated_payload_bytes"), 16 * 80);
    cr_assert_eq(num(j, "queries"), 32);
}

Test(dns_exfil, many_names_are_estimated_past_the_exact_sketch)
{
    char name[256];
    for (int i = 0; i < 400; i++) {
        hex_name(name, 32, 32); /* 32 B each: 12800 B */
        query(T0 + i * 5 * SEC, NULL, name);
        if (i % 4 == 0)
            query(T0 + i * 5 * SEC + 1, NULL, name); /* some repeats */
    }
    flush();
    cr_assert_eq(F.sink->n, 1, "the hour; the day repeats the same bytes and is not reported");
    const char *j = F.sink->json[0];
    double bytes = num(j, "estimated_payload_bytes");
    cr_assert(bytes > 12800 * 0.8 && bytes < 12800 * 1.2, "%f", bytes);
    cr_assert(has(j, "\"distinct_is_estimate\":true"));
    cr_assert_eq(num(j, "queries"), 500);
    cr_assert_eq(num(j, "mean_label_length"), 32);
}

/* ---- 1 h and 24 h ------------------------------------------------------ */

static void burst(const char *client, int64_t start, int n)
{
    char name[256];
    for (int i = 0; i < n; i++) { /* 90 B a name */
        char *p = hex(name, 60);
        *p++ = '.';
        p = hex(p, 60);
        *p++ = '.';
        put(hex(p, 60), "." DOM);
        query(start + i * SEC, client, name);
    }
}

Test(dns_exfil, the_day_does_not_repeat_an_hour_already_reported)
{
    burst("10.0.3.1", T0, 50); /* 4500 B in the first hour, nothing else */
    burst("10.0.3.2", T0, 50);
    burst("10.0.3.2", T0 + 5 * HOUR, 5); /* 450 B more, too few names for an hour */
    dh_state_advance(F.state, T0 + 24 * HOUR);
    cr_assert_eq(F.sink->n, 3);
    cr_assert(has(F.sink->json[0], "\"source\":{\"ip\":\"10.0.3.1\"}"));
    cr_assert_eq(num(F.sink->json[0], "window_seconds"), 3600);
    cr_assert(has(F.sink->json[1], "\"source\":{\"ip\":\"10.0.3.2\"}"));
    cr_assert_eq(num(F.sink->json[1], "window_seconds"), 3600);
    const char *day = F.sink->json[2];
    cr_assert(has(day, "\"source\":{\"ip\":\"10.0.3.2\"}"), "%s", day);
    cr_assert_eq(num(day, "window_seconds"), 86400);
    cr_assert_eq(num(day, "estimated_payload_bytes"), 4950);
    cr_assert_eq(num(day, "bytes_reported_by_short_window"), 4500);
    cr_assert_eq(num(day, "bytes_not_reported_by_short_window"), 450);
    char id_hour[40], id_day[40];
    sscanf(strstr(F.sink->json[1], "\"id\":\"") + 6, "%32s", id_hour);
    sscanf(strstr(day, "\"id\":\"") + 6, "%32s", id_day);
    cr_assert_str_neq(id_hour, id_day, "same window start, different windows: different ids");
}

Test(dns_exfil, output_is_deterministic)
{
    burst("2001:db8::7", T0, 20);
    flush();
    cr_assert_eq(F.sink->n, 1);
    char first[JSON_MAX];
    memcpy(first, F.sink->json[0], JSON_MAX);
    teardown();
    setup();
    burst("2001:db8::7", T0, 20);
    flush();
    cr_assert_eq(F.sink->n, 1);
    cr_assert_str_eq(first, F.sink->json[0]);
}

/* ---- the rule file ------------------------------------------------------ */

Test(dns_exfil, windows_must_nest)
{
    char dir[] = "/tmp/dns-exfil-rule-XXXXXX", path[128], err[256];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/dns_exfil.yaml", dir);
    FILE *in = fopen(DH_SOURCE_DIR "/rules/dns_exfil.yaml", "r");
    FILE *out = fopen(path, "w");
    cr_assert(in && out);
    char line[512];
    while (fgets(line, sizeof(line), in))
        fputs(strncmp(line, "  window_long:", 14) == 0 ? "  window_long: 5000\n" : line, out);
    fclose(in);
    fclose(out);
    dh_rule_t *r = dh_rule_load(dir, "dns_exfil", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    void *st = dh_detector_create(&dh_detector_dns_exfil, r, &F.env, err, sizeof(err));
    cr_assert_null(st);
    cr_assert(strstr(err, "window_long"), "%s", err);
    cr_assert(strstr(err, "dns_exfil.yaml:"), "%s", err);
    dh_rule_free(r);
    unlink(path);
    rmdir(dir);
}
