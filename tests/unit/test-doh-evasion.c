/*
 * test-doh-evasion.c - the doh_evasion detector on crafted events: each kind
 * (resolver hostnames, canaries, unsanctioned servers, odd ports) positive
 * and negative, canary answers, label-boundary suffix matching, windows,
 * determinism and rule-file errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector-call.h"
#include "detector.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_doh_evasion;

#define MAXDET 16

typedef struct {
    int n;
    char json[MAXDET][8192];
    char services[MAXDET][512]; /* detection.services, comma-separated */
} sink_t;

typedef struct {
    dh_rule_t *rule;
    void *st;
    dh_state_t *state;
    sink_t sink;
    dh_detect_env_t env;
    char dir[64]; /* a private rules dir, "" when the shipped one is used */
} fixture_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAXDET);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    char *sv = s->services[s->n];
    sv[0] = '\0';
    for (size_t i = 0; i < d->n_services; i++)
        snprintf(sv + strlen(sv), sizeof(s->services[0]) - strlen(sv), "%s%.*s", i ? "," : "",
                 (int)d->services[i].len, d->services[i].s);
    snprintf(s->json[s->n++], sizeof(s->json[0]), "%s", sb.buf);
    dh_sb_free(&sb);
}

/* Copy the shipped rule into a private directory, with `from` replaced by
   `to` (when from is not NULL) and, when with_list, the resolver list. */
static void private_rules(fixture_t *f, const char *from, const char *to, bool with_list)
{
    snprintf(f->dir, sizeof(f->dir), "/tmp/dh-doh-test.XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp %s/rules/doh_evasion.yaml %s/", DH_SOURCE_DIR, f->dir);
    cr_assert_eq(system(cmd), 0);
    if (with_list) {
        snprintf(cmd, sizeof(cmd), "cp %s/rules/doh-resolvers.txt %s/", DH_SOURCE_DIR, f->dir);
        cr_assert_eq(system(cmd), 0);
    }
    if (from) {
        snprintf(cmd, sizeof(cmd), "sed -i 's|%s|%s|' %s/doh_evasion.yaml", from, to, f->dir);
        cr_assert_eq(system(cmd), 0);
    }
}

static void remove_private(fixture_t *f)
{
    if (!f->dir[0])
        return;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    cr_assert_eq(system(cmd), 0);
}

static void open_in(fixture_t *f, const char *dir)
{
    char err[512];
    f->state = dh_state_new(64 << 20);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state};
    f->rule = dh_rule_load(dir, "doh_evasion", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_create(&dh_detector_doh_evasion, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
}

static void open_detector(fixture_t *f)
{
    memset(f, 0, sizeof(*f));
    open_in(f, DH_SOURCE_DIR "/rules");
}

/* The shipped rule with sanctioned_resolvers set to list (YAML flow text). */
static void open_sanctioned(fixture_t *f, const char *list)
{
    memset(f, 0, sizeof(*f));
    char to[256];
    snprintf(to, sizeof(to), "sanctioned_resolvers: %s", list);
    private_rules(f, "sanctioned_resolvers: \\[\\]", to, true);
    open_in(f, f->dir);
}

static void close_detector(fixture_t *f)
{
    dh_state_flush(f->state);
    dh_detector_destroy(&dh_detector_doh_evasion, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
    remove_private(f);
}

#define T0 1700002800000000LL /* a 3600 s window starts here */
#define SEC 1000000LL

enum { NO_RESPONSE = -1, NOERROR = 0, SERVFAIL = 2, NXDOMAIN = 3 };

typedef struct {
    const char *client, *server;
    int32_t port;
    int32_t rcode;    /* NO_RESPONSE: query only */
    uint32_t answers; /* records in the response */
    bool from_resolver;
} q_t;

static void query(fixture_t *f, int64_t ts_us, const char *qname, q_t q)
{
    static const dh_answer_t ans[2] = {
        {.rrtype = 1, .ttl = 60, .data = "192.0.2.1", .data_len = 9},
        {.rrtype = 1, .ttl = 60, .data = "192.0.2.2", .data_len = 9}};
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    const char *client = q.client ? q.client : "10.9.0.1";
    const char *server = q.server ? q.server : "10.0.0.53";
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    cr_assert_eq(dh_addr_parse(server, strlen(server), &ev.server), 0);
    ev.server_port = q.port ? q.port : 53;
    ev.client_port = 40000;
    ev.transport = DH_TRANSPORT_UDP;
    ev.has_qname = true;
    ev.qname = ev.qname_lc = qname;
    ev.qname_len = strlen(qname);
    ev.qtype = 1;
    ev.rcode = q.rcode;
    ev.has_response = q.rcode != NO_RESPONSE;
    ev.n_answers = q.rcode != NO_RESPONSE ? q.answers : 0;
    ev.answers = ans;
    dh_verdict_t v = {.from_resolver = q.from_resolver};
    det_call(&dh_detector_doh_evasion, f->st, &ev, &v, &f->env);
}

static bool has(const fixture_t *f, int i, const char *needle)
{
    return strstr(f->sink.json[i], needle) != NULL;
}

#define HAS(f, i, s) cr_assert(has(f, i, s), "missing %s in %s", s, (f)->sink.json[i])
#define HASNT(f, i, s) cr_assert(!has(f, i, s), "unexpected %s in %s", s, (f)->sink.json[i])

Test(doh_evasion, shipped_rule_loads_with_attack_mapping)
{
    fixture_t f;
    open_detector(&f);
    cr_assert_str_eq(f.rule->attack.version, "18.1");
    cr_assert_str_eq(f.rule->attack.detection_strategy, "DET0538");
    cr_assert_str_eq(f.rule->attack.techniques[0].id, "T1572");
    cr_assert_str_eq(f.rule->attack.tactics[0].id, "TA0011");
    close_detector(&f);
}

Test(doh_evasion, resolver_hostnames_match_at_label_boundaries)
{
    fixture_t f;
    open_detector(&f);
    q_t ok = {.client = "10.9.0.1", .rcode = NOERROR, .answers = 2};
    query(&f, T0, "mozilla.cloudflare-dns.com", ok);
    query(&f, T0 + SEC, "dns.google", ok);
    /* look-alikes: not at a label boundary, or the list entry is not the suffix */
    ok.client = "10.9.0.2";
    query(&f, T0, "xcloudflare-dns.com", ok);
    query(&f, T0, "cloudflare-dns.com.evil.example", ok);
    query(&f, T0, "mydns.google", ok);
    query(&f, T0, "www.google.com", ok);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    HAS(&f, 0, "\"source\":{\"ip\":\"10.9.0.1\"}");
    HAS(&f, 0, "\"kinds\":[\"resolver\"]");
    HAS(&f, 0, "\"resolver_lookups\":2");
    HAS(&f, 0, "\"resolver_names\":[\"mozilla.cloudflare-dns.com\",\"dns.google\"]");
    HAS(&f, 0, "\"risk_score\":47");
    HAS(&f, 0, "\"T1572\"");
    close_detector(&f);
}

Test(doh_evasion, resolver_hostname_with_trailing_dot)
{
    fixture_t f;
    open_detector(&f);
    /* on_event reads qname_lc: a sensor that logs the root dot still matches */
    query(&f, T0, "private.canadianshield.cira.ca.", (q_t){.rcode = NOERROR, .answers = 2});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    HAS(&f, 0, "\"resolver_names\":[\"private.canadianshield.cira.ca\"]");
    close_detector(&f);
}

Test(doh_evasion, canary_negative_answers_are_benign)
{
    fixture_t f;
    open_detector(&f);
    query(&f, T0, "use-application-dns.net", (q_t){.client = "10.9.1.1", .rcode = NXDOMAIN});
    query(&f, T0, "use-application-dns.net", (q_t){.client = "10.9.1.2", .rcode = SERVFAIL});
    /* NXDOMAIN at the end of a CNAME chain still carries the CNAME record */
    query(&f, T0, "use-application-dns.net",
          (q_t){.client = "10.9.1.5", .rcode = NXDOMAIN, .answers = 1});
    /* Apple's documented opt-out: NOERROR with no records */
    query(&f, T0, "mask.icloud.com", (q_t){.client = "10.9.1.3", .rcode = NOERROR, .answers = 0});
    /* query and response logged apart: the unanswered query then NXDOMAIN */
    query(&f, T0, "use-application-dns.net", (q_t){.client = "10.9.1.4", .rcode = NO_RESPONSE});
    query(&f, T0 + 1000, "use-application-dns.net", (q_t){.client = "10.9.1.4", .rcode = NXDOMAIN});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.json[0]);
    close_detector(&f);
}

Test(doh_evasion, canary_positive_or_unanswered_fires_with_lower_risk)
{
    fixture_t f;
    open_detector(&f);
    query(&f, T0, "use-application-dns.net",
          (q_t){.client = "10.9.2.1", .rcode = NOERROR, .answers = 1});
    query(&f, T0, "mask-h2.icloud.com", (q_t){.client = "10.9.2.2", .rcode = NO_RESPONSE});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    HAS(&f, 0, "\"source\":{\"ip\":\"10.9.2.1\"}");
    HAS(&f, 0, "\"kinds\":[\"canary\"]");
    HAS(&f, 0, "\"canary_positive\":1");
    HAS(&f, 0, "\"canary_names\":[\"use-application-dns.net\"]");
    HAS(&f, 0, "\"risk_score\":21");
    HAS(&f, 0, "\"confidence\":0.6");
    HAS(&f, 1, "\"source\":{\"ip\":\"10.9.2.2\"}");
    HAS(&f, 1, "\"canary_unanswered\":1");
    HAS(&f, 1, "\"risk_score\":21");
    close_detector(&f);
}

Test(doh_evasion, canary_with_resolver_lookup_keeps_rule_risk_and_adds_confidence)
{
    fixture_t f;
    open_detector(&f);
    query(&f, T0, "use-application-dns.net", (q_t){.rcode = NOERROR, .answers = 1});
    query(&f, T0 + SEC, "mozilla.cloudflare-dns.com", (q_t){.rcode = NOERROR, .answers = 2});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    HAS(&f, 0, "\"kinds\":[\"resolver\",\"canary\"]");
    HAS(&f, 0, "\"risk_score\":47");
    HAS(&f, 0, "\"confidence\":0.7");
    close_detector(&f);
}

Test(doh_evasion, sanctioned_list_empty_means_check_off)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 20; i++)
        query(&f, T0 + i * SEC, "www.example.com",
              (q_t){.server = "8.8.8.8", .rcode = NOERROR, .answers = 1});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0);
    close_detector(&f);
}

Test(doh_evasion, sanctioned_list_configured_fires_for_other_servers)
{
    fixture_t f;
    open_sanctioned(&f, "[10.0.0.53, \"10.0.1.0/24\", \"2001:db8:53::/48\"]");
    q_t q = {.client = "10.9.3.1", .rcode = NOERROR, .answers = 1};
    q.server = "10.0.0.53";
    query(&f, T0, "www.example.com", q);
    q.server = "10.0.1.7";
    query(&f, T0, "www.example.com", q);
    q.server = "2001:db8:53::1";
    query(&f, T0, "www.example.com", q);
    q.server = "224.0.0.251"; /* multicast: not a resolver */
    query(&f, T0, "www.example.com", q);
    /* a known resolver forwarding upstream is not counted */
    query(&f, T0, "www.example.com",
          (q_t){.client = "10.0.0.53",
                .server = "9.9.9.9",
                .rcode = NOERROR,
                .answers = 1,
                .from_resolver = true});
    /* another client asks two off-list servers */
    q.client = "10.9.3.2";
    q.server = "8.8.8.8";
    query(&f, T0 + SEC, "www.example.com", q);
    query(&f, T0 + 2 * SEC, "www.example.org", q);
    q.server = "2606:4700:4700::1111";
    query(&f, T0 + 3 * SEC, "www.example.net", q);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    HAS(&f, 0, "\"source\":{\"ip\":\"10.9.3.2\"}");
    HAS(&f, 0, "\"kinds\":[\"unsanctioned\"]");
    HAS(&f, 0, "\"unsanctioned_queries\":3");
    HAS(&f, 0,
        "\"unsanctioned_servers\":[{\"ip\":\"8.8.8.8\",\"port\":53,\"queries\":2},"
        "{\"ip\":\"2606:4700:4700::1111\",\"port\":53,\"queries\":1}]");
    HAS(&f, 0, "\"sanctioned_resolvers\":3");
    HAS(&f, 0, "\"samples\":[\"www.example.com\",\"www.example.org\",\"www.example.net\"]");
    close_detector(&f);
}

Test(doh_evasion, services_name_every_resolver_canary_and_server_of_the_window)
{
    /* what a day's alert for the client (suppression_scope client) lists */
    fixture_t f;
    open_sanctioned(&f, "[10.0.0.53]");
    q_t q = {.client = "10.9.3.3", .rcode = NOERROR, .answers = 1};
    query(&f, T0, "use-application-dns.net", q);
    query(&f, T0 + SEC, "dns.google", q);
    query(&f, T0 + 2 * SEC, "mozilla.cloudflare-dns.com", q);
    q.server = "9.9.9.9";
    query(&f, T0 + 3 * SEC, "www.example.com", q);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert_str_eq(f.sink.services[0],
                     "dns.google,mozilla.cloudflare-dns.com,use-application-dns.net,9.9.9.9");
    close_detector(&f);
}

Test(doh_evasion, unsanctioned_threshold_is_per_server)
{
    fixture_t f;
    memset(&f, 0, sizeof(f));
    private_rules(&f, "sanctioned_resolvers: \\[\\]", "sanctioned_resolvers: [10.0.0.53]", true);
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "sed -i 's|unsanctioned_queries: 1 |unsanctioned_queries: 3 |' %s/doh_evasion.yaml",
             f.dir);
    cr_assert_eq(system(cmd), 0);
    open_in(&f, f.dir);
    /* three queries, but spread over three servers: none reaches 3 */
    const char *servers[] = {"8.8.8.8", "8.8.4.4", "1.1.1.1"};
    for (int i = 0; i < 3; i++)
        query(&f, T0 + i * SEC, "a.example",
              (q_t){.client = "10.9.4.1", .server = servers[i], .rcode = 0, .answers = 1});
    for (int i = 0; i < 3; i++)
        query(&f, T0 + i * SEC, "a.example",
              (q_t){.client = "10.9.4.2", .server = "8.8.8.8", .rcode = 0, .answers = 1});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    HAS(&f, 0, "\"source\":{\"ip\":\"10.9.4.2\"}");
    HAS(&f, 0, "\"unsanctioned_queries\":3");
    close_detector(&f);
}

Test(doh_evasion, ports_53_and_ignored_are_quiet_5053_and_853_fire)
{
    fixture_t f;
    open_detector(&f);
    query(&f, T0, "www.example.com",
          (q_t){.client = "10.9.5.1", .port = 53, .rcode = 0, .answers = 1});
    query(&f, T0, "printer.local",
          (q_t){.client = "10.9.5.1", .server = "224.0.0.251", .port = 5353, .rcode = NO_RESPONSE});
    query(&f, T0, "wpad",
          (q_t){.client = "10.9.5.1", .server = "224.0.0.252", .port = 5355, .rcode = NO_RESPONSE});
    query(
        &f, T0, "www.example.com",
        (q_t){.client = "10.9.5.2", .server = "192.0.2.9", .port = 5053, .rcode = 0, .answers = 1});
    query(
        &f, T0 + SEC, "www.example.com",
        (q_t){.client = "10.9.5.2", .server = "192.0.2.9", .port = 5053, .rcode = 0, .answers = 1});
    query(&f, T0, "www.example.com",
          (q_t){.client = "10.9.5.3", .server = "9.9.9.9", .port = 853, .rcode = 0, .answers = 1});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    HAS(&f, 0, "\"source\":{\"ip\":\"10.9.5.2\"}");
    HAS(&f, 0, "\"kinds\":[\"nonstandard_port\"]");
    HAS(&f, 0, "\"nonstandard_port_queries\":2");
    HAS(&f, 0, "\"port_servers\":[{\"ip\":\"192.0.2.9\",\"port\":5053,\"queries\":2}]");
    HAS(&f, 1, "\"source\":{\"ip\":\"10.9.5.3\"}");
    HAS(&f, 1, "\"kinds\":[\"dot_port\"]");
    HAS(&f, 1, "\"dot_port_queries\":1");
    HAS(&f, 1, "\"port\":853");
    close_detector(&f);
}

Test(doh_evasion, unknown_server_port_is_not_nonstandard)
{
    fixture_t f;
    open_detector(&f);
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = T0;
    cr_assert_eq(dh_addr_parse("10.9.6.1", 8, &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = "www.example.com";
    ev.qname_len = strlen(ev.qname);
    dh_verdict_t v = {0};
    det_call(&dh_detector_doh_evasion, f.st, &ev, &v, &f.env);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0);
    close_detector(&f);
}

Test(doh_evasion, one_detection_per_client_per_window)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 50; i++)
        query(&f, T0 + i * 60 * SEC, "dns.google", (q_t){.rcode = NOERROR, .answers = 2});
    cr_assert_eq(f.sink.n, 0); /* nothing before the window closes */
    /* the next hour: a new window, a new detection */
    query(&f, T0 + 3600 * SEC + SEC, "dns.google", (q_t){.rcode = NOERROR, .answers = 2});
    dh_state_advance(f.state, T0 + 3600 * SEC);
    cr_assert_eq(f.sink.n, 1);
    HAS(&f, 0, "\"resolver_lookups\":50");
    HAS(&f, 0, "\"resolver_names\":[\"dns.google\"]");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    HAS(&f, 1, "\"resolver_lookups\":1");
    /* different windows, different ids */
    char id0[64], id1[64];
    const char *p0 = strstr(f.sink.json[0], "\"id\":\""), *p1 = strstr(f.sink.json[1], "\"id\":\"");
    cr_assert(p0 && p1);
    snprintf(id0, sizeof(id0), "%.38s", p0);
    snprintf(id1, sizeof(id1), "%.38s", p1);
    cr_assert_str_neq(id0, id1);
    close_detector(&f);
}

Test(doh_evasion, same_input_same_bytes)
{
    char first[4][8192];
    int n0 = 0;
    for (int run = 0; run < 2; run++) {
        fixture_t f;
        open_sanctioned(&f, "[10.0.0.53]");
        query(&f, T0, "use-application-dns.net",
              (q_t){.client = "10.9.7.1", .rcode = NOERROR, .answers = 1});
        query(&f, T0 + SEC, "dns.nextdns.io",
              (q_t){.client = "10.9.7.1", .server = "8.8.8.8", .rcode = NOERROR, .answers = 2});
        query(
            &f, T0 + 2 * SEC, "x.example",
            (q_t){.client = "10.9.7.2", .server = "192.0.2.1", .port = 5053, .rcode = NO_RESPONSE});
        dh_state_flush(f.state);
        if (run == 0) {
            n0 = f.sink.n;
            for (int i = 0; i < n0; i++)
                memcpy(first[i], f.sink.json[i], sizeof(first[i]));
        } else {
            cr_assert_eq(f.sink.n, n0);
            for (int i = 0; i < n0; i++)
                cr_assert_str_eq(f.sink.json[i], first[i]);
        }
        close_detector(&f);
    }
    cr_assert_eq(n0, 2);
    cr_assert(strstr(first[0], "\"kinds\":[\"resolver\",\"canary\",\"unsanctioned\"]"), "%s",
              first[0]);
    cr_assert(strstr(first[0], "\"confidence\":0.8"), "%s", first[0]);
    cr_assert(strstr(first[1], "\"kinds\":[\"unsanctioned\",\"nonstandard_port\"]"), "%s",
              first[1]);
}

static void expect_create_error(fixture_t *f, const char *needle)
{
    char err[512] = "";
    f->state = dh_state_new(1 << 20);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state};
    f->rule = dh_rule_load(f->dir, "doh_evasion", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    void *st = dh_detector_create(&dh_detector_doh_evasion, f->rule, &f->env, err, sizeof(err));
    cr_assert_null(st);
    cr_assert(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
    remove_private(f);
}

Test(doh_evasion, missing_list_file_is_an_error_naming_file_and_line)
{
    fixture_t f;
    memset(&f, 0, sizeof(f));
    private_rules(&f, NULL, NULL, false);
    FILE *y = fopen(DH_SOURCE_DIR "/rules/doh_evasion.yaml", "r");
    cr_assert_not_null(y);
    char line[512];
    int ln = 0, at = 0;
    while (fgets(line, sizeof(line), y) && !at) {
        ln++;
        if (strncmp(line, "  resolver_list:", 16) == 0)
            at = ln;
    }
    fclose(y);
    cr_assert(at > 0);
    char needle[256];
    snprintf(needle, sizeof(needle),
             "doh_evasion.yaml:%d: resolver_list: cannot open %s/doh-resolvers.txt", at, f.dir);
    expect_create_error(&f, needle);
}

Test(doh_evasion, bad_sanctioned_entry_and_port_are_errors)
{
    fixture_t f;
    memset(&f, 0, sizeof(f));
    private_rules(&f, "sanctioned_resolvers: \\[\\]", "sanctioned_resolvers: [10.0.0.300]", true);
    expect_create_error(&f, "sanctioned_resolvers: '10.0.0.300' is not an address or CIDR block");
    memset(&f, 0, sizeof(f));
    private_rules(&f, "dot_ports: \\[853\\]", "dot_ports: [853, 70000]", true);
    expect_create_error(&f, "dot_ports: 70000 is not a port number");
}

/* Early alerts: a canary answered positively is reported at its answer; an
   unanswered one waits for the close (a negative answer may still come and
   say the network opted out). */
Test(doh_evasion, early_alert_for_a_canary_answered_positively_only)
{
    fixture_t f;
    open_detector(&f);
    f.env.early_alerts = true;
    query(&f, T0, "mask-h2.icloud.com", (q_t){.client = "10.9.2.2", .rcode = NO_RESPONSE});
    cr_assert_eq(f.sink.n, 0, "unanswered: not yet");
    query(&f, T0 + SEC, "use-application-dns.net",
          (q_t){.client = "10.9.2.1", .rcode = NOERROR, .answers = 1});
    cr_assert_eq(f.sink.n, 1, "answered: reported at once");
    HAS(&f, 0, "\"source\":{\"ip\":\"10.9.2.1\"}");
    HAS(&f, 0, "\"early\":true");
    HAS(&f, 0, "\"canary_positive\":1");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 3, "both at their window's close");
    close_detector(&f);
}
