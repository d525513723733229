/*
 * test-dns-recon.c - the dns_recon detector on crafted event sequences: zone
 * transfers from non-secondaries (answered, refused, from a secondary), PTR
 * sweeps at the 79/80 boundary over IPv4 and IPv6 reverse names, ANY floods
 * at their boundary, per-finding ATT&CK mappings and ids, deterministic
 * output and FILE:LINE errors for bad thresholds.
 */
#include <criterion/criterion.h>

#include "detector-call.h"
#include "rule-variant.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"
#include "util-dns.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_dns_recon;

#define MAXDET 16

typedef struct {
    int n;
    char json[MAXDET][8192];
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

static void open_dir(fixture_t *f, const char *dir)
{
    char err[256];
    memset(f, 0, sizeof(*f));
    f->state = dh_state_new(64 << 20);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state};
    f->rule = dh_rule_load(dir, "dns_recon", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_create(&dh_detector_dns_recon, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
}

static void open_detector(fixture_t *f)
{
    open_dir(f, DH_SOURCE_DIR "/rules");
}

static void close_detector(fixture_t *f)
{
    dh_state_flush(f->state);
    dh_detector_destroy(&dh_detector_dns_recon, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
}

static dh_verdict_t plain = {0};

typedef struct {
    const char *server;     /* NULL: unknown */
    int32_t rcode;          /* -1: no response */
    uint8_t transport;
    uint32_t n_answers;
    const dh_verdict_t *v;
} opts_t;

static void query(fixture_t *f, const char *client, int64_t ts_us, const char *qname,
                  int32_t qtype, const opts_t *o)
{
    static const opts_t none = {.rcode = -1};
    if (!o)
        o = &none;
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    if (o->server)
        cr_assert_eq(dh_addr_parse(o->server, strlen(o->server), &ev.server), 0);
    char lc[256];
    size_t len = strlen(qname);
    cr_assert_lt(len, sizeof(lc));
    for (size_t i = 0; i <= len; i++)
        lc[i] = qname[i] >= 'A' && qname[i] <= 'Z' ? (char)(qname[i] + 32) : qname[i];
    ev.has_qname = true;
    ev.qname = qname;
    ev.qname_lc = lc;
    ev.qname_len = len;
    ev.registered_domain = NULL;
    ev.qtype = qtype;
    ev.rcode = o->rcode;
    ev.has_response = o->rcode >= 0;
    ev.transport = o->transport;
    ev.n_answers = o->n_answers;
    det_call(&dh_detector_dns_recon, f->st, &ev, o->v ? o->v : &plain, &f->env);
}

#define T0 1700002800000000LL /* a 3600 s (and 300 s, 60 s) window starts here */
#define SEC 1000000LL

static bool has(const fixture_t *f, int i, const char *needle)
{
    return strstr(f->sink.json[i], needle) != NULL;
}

/* Index of the detection containing needle, -1 when none does. */
static int find(const fixture_t *f, const char *needle)
{
    for (int i = 0; i < f->sink.n; i++)
        if (has(f, i, needle))
            return i;
    return -1;
}

/* n distinct reverse names of 10.20.<third>.<i> (IPv4), 1 s apart */
static void ptr_v4(fixture_t *f, const char *client, int n, int third, int per_prefix,
                   int32_t rcode)
{
    opts_t o = {.server = "10.0.0.53", .rcode = rcode, .transport = DH_TRANSPORT_UDP};
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%d.%d.20.10.in-addr.arpa", i % per_prefix,
                 third + i / per_prefix);
        query(f, client, T0 + i * SEC, name, DH_QTYPE_PTR, &o);
    }
}

/* A copy of the shipped rule with one piece of text replaced (rule-variant.h). */
#define rule_variant(dir, from, to) dh_test_rule_variant(dir, "dns_recon", from, to)
#define remove_variant(dir) dh_test_remove_variant(dir, "dns_recon")

/* create() on a variant must fail with FILE:LINE naming `what`. */
static void expect_error(const char *from, const char *to, const char *what, const char *line)
{
    char dir[64], err[256];
    rule_variant(dir, from, to);
    dh_rule_t *r = dh_rule_load(dir, "dns_recon", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    dh_state_t *st = dh_state_new(1 << 20);
    dh_detect_env_t env = {.emit = collect, .pipeline = NULL, .state = st};
    void *d = dh_detector_create(&dh_detector_dns_recon, r, &env, err, sizeof(err));
    cr_assert_null(d, "accepted %s", to);
    cr_assert(strstr(err, "dns_recon.yaml:"), "%s", err);
    cr_assert(strstr(err, what), "%s", err);
    if (line)
        cr_assert(strstr(err, line), "%s", err);
    dh_state_free(st);
    dh_rule_free(r);
    remove_variant(dir);
}

/* ---- zone transfers ------------------------------------------------------ */

Test(dns_recon, axfr_from_non_secondary_fires_once_per_window)
{
    fixture_t f;
    open_detector(&f);
    opts_t ok = {.server = "10.0.0.53", .rcode = DH_RCODE_NOERROR,
                 .transport = DH_TRANSPORT_TCP, .n_answers = 40};
    query(&f, "10.9.9.9", T0, "corp.example", DH_QTYPE_AXFR, &ok);
    query(&f, "10.9.9.9", T0 + 5 * SEC, "Lab.Corp.Example.", DH_QTYPE_AXFR, &ok);
    query(&f, "10.9.9.9", T0 + 9 * SEC, "corp.example", DH_QTYPE_IXFR, NULL);
    /* ordinary lookups of the same client create nothing */
    query(&f, "10.9.9.9", T0 + 10 * SEC, "www.corp.example", DH_QTYPE_A, &ok);
    dh_state_advance(f.state, T0 + 3599 * SEC);
    cr_assert_eq(f.sink.n, 0, "the 1 h window is still open");
    dh_state_advance(f.state, T0 + 3600 * SEC);
    cr_assert_eq(f.sink.n, 1);
    const char *j = f.sink.json[0];
    cr_assert(has(&f, 0, "\"source\":{\"ip\":\"10.9.9.9\"}"), "%s", j);
    cr_assert(has(&f, 0, "\"name\":\"dns_recon\""), "%s", j);
    cr_assert(has(&f, 0, "\"description\":\"DNS zone transfer (AXFR/IXFR) requested by a host "
                         "that is not a secondary\""), "%s", j);
    cr_assert(has(&f, 0, "\"tactic\":{\"id\":[\"TA0043\"],\"name\":[\"Reconnaissance\"],\"reference\":["), "%s", j);
    cr_assert(has(&f, 0, "\"technique\":{\"id\":[\"T1590\"],\"name\":[\"Gather Victim Network "
                         "Information\"]"), "%s", j);
    cr_assert(has(&f, 0, "\"subtechnique\":{\"id\":[\"T1590.002\"],\"name\":[\"DNS\"],\"reference\":["), "%s", j);
    cr_assert(has(&f, 0, "\"risk_score\":63"), "%s", j);
    cr_assert(has(&f, 0, "\"finding\":\"zone_transfer\""), "%s", j);
    cr_assert(has(&f, 0, "\"queries\":3,\"axfr\":2,\"ixfr\":1,\"tcp\":2"), "%s", j);
    cr_assert(has(&f, 0, "\"zones\":[\"corp.example\",\"lab.corp.example\"]"), "%s", j);
    cr_assert(has(&f, 0, "\"rcodes\":{\"NOERROR\":2}"), "%s", j);
    cr_assert(has(&f, 0, "\"no_response\":1,\"answer_records\":80"), "%s", j);
    cr_assert(has(&f, 0, "\"outcome\":\"answered\""), "%s", j);
    cr_assert(has(&f, 0, "\"refused_by_server\":false"), "%s", j);
    cr_assert(has(&f, 0, "\"servers\":[\"10.0.0.53\"]"), "%s", j);
    cr_assert(has(&f, 0, "\"client_is_resolver\":false"), "%s", j);
    cr_assert(has(&f, 0, "\"question\":{\"name\":\"corp.example\"}"), "%s", j);
    close_detector(&f);
}

Test(dns_recon, no_zone_transfer_no_finding)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 200; i++)
        query(&f, "10.9.9.8", T0 + i * SEC, "corp.example",
              i % 2 ? DH_QTYPE_SOA : DH_QTYPE_NS, NULL);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.n ? f.sink.json[0] : "");
    close_detector(&f);
}

Test(dns_recon, refused_axfr_is_reported_with_lower_risk)
{
    fixture_t f;
    open_detector(&f);
    opts_t refused = {.server = "192.0.2.53", .rcode = DH_RCODE_REFUSED,
                      .transport = DH_TRANSPORT_TCP};
    opts_t notauth = {.server = "192.0.2.54", .rcode = 9, .transport = DH_TRANSPORT_TCP};
    query(&f, "10.7.7.7", T0, "corp.example", DH_QTYPE_AXFR, &refused);
    query(&f, "10.7.7.7", T0 + SEC, "corp.example", DH_QTYPE_AXFR, &notauth);
    /* a mix with one answered transfer keeps the full risk */
    opts_t ok = {.server = "192.0.2.53", .rcode = DH_RCODE_NOERROR};
    query(&f, "10.7.7.8", T0, "corp.example", DH_QTYPE_AXFR, &refused);
    query(&f, "10.7.7.8", T0 + SEC, "corp.example", DH_QTYPE_AXFR, &ok);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    int a = find(&f, "\"ip\":\"10.7.7.7\""), b = find(&f, "\"ip\":\"10.7.7.8\"");
    cr_assert(a >= 0 && b >= 0);
    cr_assert(has(&f, a, "\"risk_score\":30"), "%s", f.sink.json[a]);
    cr_assert(has(&f, a, "\"rcodes\":{\"REFUSED\":1,\"NOTAUTH\":1}"), "%s", f.sink.json[a]);
    cr_assert(has(&f, a, "\"outcome\":\"refused\",\"refused_by_server\":true,\"note\":"));
    cr_assert(has(&f, a, "\"servers\":[\"192.0.2.53\",\"192.0.2.54\"]"), "%s", f.sink.json[a]);
    cr_assert(has(&f, b, "\"risk_score\":63"), "%s", f.sink.json[b]);
    cr_assert(has(&f, b, "\"outcome\":\"answered\",\"refused_by_server\":false"));
    close_detector(&f);
}

Test(dns_recon, configured_secondaries_do_not_fire)
{
    char dir[64];
    rule_variant(dir, "secondaries: []", "secondaries: [10.0.0.0/30, \"2001:db8::53\"]");
    fixture_t f;
    open_dir(&f, dir);
    opts_t ok = {.rcode = DH_RCODE_NOERROR, .transport = DH_TRANSPORT_TCP};
    query(&f, "10.0.0.2", T0, "corp.example", DH_QTYPE_AXFR, &ok);
    query(&f, "10.0.0.3", T0, "corp.example", DH_QTYPE_IXFR, &ok);
    query(&f, "2001:db8::53", T0, "corp.example", DH_QTYPE_AXFR, &ok);
    query(&f, "10.0.0.4", T0, "corp.example", DH_QTYPE_AXFR, &ok);       /* outside the /30 */
    query(&f, "2001:db8::54", T0, "corp.example", DH_QTYPE_IXFR, &ok);   /* not the secondary */
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    cr_assert(find(&f, "\"ip\":\"10.0.0.4\"") >= 0);
    cr_assert(find(&f, "\"ip\":\"2001:db8::54\"") >= 0);
    close_detector(&f);
    remove_variant(dir);
}

/* ---- PTR sweeps ---------------------------------------------------------- */

Test(dns_recon, ptr_sweep_boundary_79_vs_80)
{
    fixture_t f;
    open_detector(&f);
    ptr_v4(&f, "10.1.0.1", 79, 1, 256, DH_RCODE_NXDOMAIN); /* one under */
    ptr_v4(&f, "10.1.0.2", 80, 1, 256, DH_RCODE_NXDOMAIN); /* at the threshold */
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1, "%d", f.sink.n);
    const char *j = f.sink.json[0];
    cr_assert(has(&f, 0, "\"ip\":\"10.1.0.2\""), "%s", j);
    cr_assert(has(&f, 0, "\"description\":\"Reverse DNS (PTR) sweep of many addresses by one "
                         "host\""), "%s", j);
    cr_assert(has(&f, 0, "\"detection_strategy\":\"DET0574\""), "%s", j);
    cr_assert(has(&f, 0, "\"tactic\":{\"id\":[\"TA0007\"],\"name\":[\"Discovery\"],\"reference\":["), "%s", j);
    cr_assert(has(&f, 0, "\"technique\":{\"id\":[\"T1018\"],\"name\":[\"Remote System "
                         "Discovery\"],\"reference\":[\"https://attack.mitre.org/techniques/T1018/\"]}}"), "%s", j);
    cr_assert(!has(&f, 0, "subtechnique"), "%s", j);
    cr_assert(has(&f, 0, "\"finding\":\"ptr_sweep\""), "%s", j);
    cr_assert(has(&f, 0, "\"ptr_queries\":80"), "%s", j);
    cr_assert(has(&f, 0, "\"nxdomain\":80,\"nxdomain_share\":1"), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_prefixes\":1,\"prefixes\":[\"10.20.1.0/24\"]"), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_names_at_least\":80,\"threshold\":80"), "%s", j);
    cr_assert(has(&f, 0, "\"dense\":true,\"mostly_nxdomain\":true"), "%s", j);
    cr_assert(has(&f, 0, "\"samples\":[\"0.1.20.10.in-addr.arpa\""), "%s", j);
    cr_assert(has(&f, 0, "\"confidence\":0.7"), "%s", j); /* 0.5 + dense + NXDOMAIN */
    cr_assert(has(&f, 0, "\"risk_score\":47"), "%s", j);
    close_detector(&f);
}

Test(dns_recon, lower_sweep_threshold_counts_exactly)
{
    char dir[64];
    rule_variant(dir, "ptr_sweep_min: 80 ", "ptr_sweep_min: 40 ");
    fixture_t f;
    open_dir(&f, dir);
    ptr_v4(&f, "10.1.0.9", 39, 1, 20, DH_RCODE_NOERROR);
    ptr_v4(&f, "10.1.0.8", 40, 1, 20, DH_RCODE_NOERROR); /* 10.20.1.0/24 and 10.20.2.0/24 */
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    const char *j = f.sink.json[0];
    cr_assert(has(&f, 0, "\"ip\":\"10.1.0.8\""), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_names\":40,\"distinct_is_estimate\":false,"
                         "\"distinct_names_at_least\":40,\"threshold\":40"), "%s", j);
    cr_assert(has(&f, 0, "\"prefixes\":[\"10.20.1.0/24\",\"10.20.2.0/24\"],"
                         "\"names_per_prefix\":20,\"dense\":true,\"mostly_nxdomain\":false"),
              "%s", j);
    cr_assert(has(&f, 0, "\"confidence\":0.6"), "%s", j);
    close_detector(&f);
    remove_variant(dir);
}

Test(dns_recon, repeated_ptr_names_are_not_a_sweep)
{
    fixture_t f;
    open_detector(&f);
    opts_t o = {.rcode = DH_RCODE_NOERROR};
    for (int i = 0; i < 400; i++) { /* 79 names, over and over */
        char name[64];
        snprintf(name, sizeof(name), "%d.7.20.10.in-addr.arpa", i % 79);
        query(&f, "10.1.0.3", T0 + i * (SEC / 2), name, DH_QTYPE_PTR, &o);
    }
    /* 80 distinct names, but split over two 5-minute windows */
    for (int i = 0; i < 80; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%d.8.20.10.in-addr.arpa", i);
        query(&f, "10.1.0.4", T0 + (i < 40 ? 10 : 310) * SEC + i * SEC, name, DH_QTYPE_PTR, &o);
    }
    /* 80 distinct names asked with another type are not PTR lookups */
    for (int i = 0; i < 80; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%d.9.20.10.in-addr.arpa", i);
        query(&f, "10.1.0.5", T0 + i * SEC, name, DH_QTYPE_A, &o);
    }
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.n ? f.sink.json[0] : "");
    close_detector(&f);
}

Test(dns_recon, scattered_ptr_lookups_fire_with_lower_confidence)
{
    fixture_t f;
    open_detector(&f);
    /* 100 names in 100 different /24s, all answered: a mail server's shape
       (100 is below DH_DISTINCT_EXACT: counted exactly, not estimated) */
    ptr_v4(&f, "10.1.0.6", 100, 0, 1, DH_RCODE_NOERROR);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    const char *j = f.sink.json[0];
    cr_assert(has(&f, 0, "\"dense\":false,\"mostly_nxdomain\":false"), "%s", j);
    cr_assert(has(&f, 0, "\"confidence\":0.5"), "%s", j);
    cr_assert(has(&f, 0, "\"distinct_is_estimate\":false"), "%s", j);
    cr_assert(has(&f, 0, "\"nxdomain\":0"), "%s", j);
    /* the first 8 prefixes are listed */
    cr_assert(has(&f, 0, "\"prefixes\":[\"10.20.0.0/24\",\"10.20.1.0/24\",\"10.20.2.0/24\","
                         "\"10.20.3.0/24\",\"10.20.4.0/24\",\"10.20.5.0/24\",\"10.20.6.0/24\","
                         "\"10.20.7.0/24\"]"), "%s", j);
    close_detector(&f);
}

Test(dns_recon, ipv6_reverse_sweep_counts_the_64)
{
    fixture_t f;
    open_detector(&f);
    static const char hex[] = "0123456789abcdef";
    opts_t o = {.rcode = DH_RCODE_NXDOMAIN};
    for (int i = 0; i < 80; i++) {
        /* 2001:db8:0:1::<i>, nibbles low first */
        char name[128], *p = name;
        unsigned lo = (unsigned)i;
        for (int k = 0; k < 16; k++, lo >>= 4)
            p += sprintf(p, "%c.", hex[lo & 15]);
        p += sprintf(p, "1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
        query(&f, "2001:db8:ffff::9", T0 + i * SEC, name, DH_QTYPE_PTR, &o);
    }
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"prefixes\":[\"2001:db8:0:1::/64\"]"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"dense\":true"), "%s", f.sink.json[0]);
    close_detector(&f);
}

Test(dns_recon, forward_ptr_names_need_reverse_only_false)
{
    for (int run = 0; run < 2; run++) {
        char dir[64];
        fixture_t f;
        if (run) {
            rule_variant(dir, "reverse_only: true", "reverse_only: false");
            open_dir(&f, dir);
        } else {
            open_detector(&f);
        }
        for (int i = 0; i < 90; i++) {
            char name[64];
            snprintf(name, sizeof(name), "svc%d._dns-sd._udp.corp.example", i);
            query(&f, "10.1.0.7", T0 + i * SEC, name, DH_QTYPE_PTR, NULL);
        }
        dh_state_flush(f.state);
        cr_assert_eq(f.sink.n, run, "run %d", run);
        if (run) {
            cr_assert(has(&f, 0, "\"distinct_prefixes\":0,\"prefixes\":[]"), "%s",
                      f.sink.json[0]);
            remove_variant(dir);
        }
        close_detector(&f);
    }
}

/* ---- ANY floods ---------------------------------------------------------- */

Test(dns_recon, any_flood_boundary_49_vs_50)
{
    fixture_t f;
    open_detector(&f);
    int32_t any = dh_qtype_from_name("*", 1); /* how Zeek writes it */
    cr_assert_eq(any, DH_QTYPE_ANY);
    opts_t o = {.server = "198.51.100.1", .rcode = DH_RCODE_NOERROR,
                .transport = DH_TRANSPORT_UDP, .n_answers = 30};
    for (int i = 0; i < 49; i++)
        query(&f, "10.3.0.1", T0 + i * SEC, "isc.org", any, &o);
    for (int i = 0; i < 50; i++)
        query(&f, "10.3.0.2", T0 + i * (SEC / 2), i % 2 ? "isc.org" : "ripe.net", any, &o);
    dh_state_advance(f.state, T0 + 60 * SEC);
    cr_assert_eq(f.sink.n, 1);
    const char *j = f.sink.json[0];
    cr_assert(has(&f, 0, "\"ip\":\"10.3.0.2\""), "%s", j);
    cr_assert(has(&f, 0, "\"detection_strategy\":\"DET0408\""), "%s", j);
    cr_assert(has(&f, 0, "\"tactic\":{\"id\":[\"TA0040\"],\"name\":[\"Impact\"],\"reference\":["), "%s", j);
    cr_assert(has(&f, 0, "\"technique\":{\"id\":[\"T1498\"],\"name\":[\"Network Denial of "
                         "Service\"]"), "%s", j);
    cr_assert(has(&f, 0, "\"subtechnique\":{\"id\":[\"T1498.002\"],\"name\":[\"Reflection "
                         "Amplification\"],\"reference\":["), "%s", j);
    cr_assert(has(&f, 0, "\"finding\":\"any_flood\""), "%s", j);
    cr_assert(has(&f, 0, "\"any_queries\":50,\"threshold\":50,\"distinct_names\":2,\"udp\":50"),
              "%s", j);
    cr_assert(has(&f, 0, "\"answer_records\":1500,\"answers_per_response\":30"), "%s", j);
    cr_assert(has(&f, 0, "\"servers\":[\"198.51.100.1\"]"), "%s", j);
    cr_assert(has(&f, 0, "\"samples\":[\"ripe.net\",\"isc.org\"]"), "%s", j);
    close_detector(&f);
}

Test(dns_recon, any_queries_spread_over_minutes_do_not_fire)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 120; i++) /* 120 ANY queries, 40 per minute */
        query(&f, "10.3.0.3", T0 + i * (3 * SEC / 2), "example.net", DH_QTYPE_ANY, NULL);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0, "%s", f.sink.n ? f.sink.json[0] : "");
    close_detector(&f);
}

/* ---- shared behaviour ---------------------------------------------------- */

Test(dns_recon, findings_of_one_client_have_their_own_ids)
{
    fixture_t f;
    open_detector(&f);
    query(&f, "10.4.0.1", T0, "corp.example", DH_QTYPE_AXFR, NULL);
    ptr_v4(&f, "10.4.0.1", 80, 50, 256, -1);
    for (int i = 0; i < 50; i++)
        query(&f, "10.4.0.1", T0 + i * SEC / 10, "corp.example", DH_QTYPE_ANY, NULL);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 3);
    char ids[3][40];
    for (int i = 0; i < 3; i++) {
        const char *p = strstr(f.sink.json[i], "\"id\":\"");
        cr_assert_not_null(p);
        snprintf(ids[i], sizeof(ids[i]), "%.32s", p + 6);
    }
    cr_assert_str_neq(ids[0], ids[1]);
    cr_assert_str_neq(ids[0], ids[2]);
    cr_assert_str_neq(ids[1], ids[2]);
    cr_assert(find(&f, "\"finding\":\"zone_transfer\"") >= 0);
    cr_assert(find(&f, "\"finding\":\"ptr_sweep\"") >= 0);
    cr_assert(find(&f, "\"finding\":\"any_flood\"") >= 0);
    /* no response seen: the NXDOMAIN share cannot raise the confidence */
    int p = find(&f, "\"finding\":\"ptr_sweep\"");
    cr_assert(has(&f, p, "\"responses\":0"), "%s", f.sink.json[p]);
    cr_assert(has(&f, p, "\"mostly_nxdomain\":false"), "%s", f.sink.json[p]);
    close_detector(&f);
}

Test(dns_recon, resolver_clients_are_reported_as_such)
{
    fixture_t f;
    open_detector(&f);
    dh_verdict_t resolver = {.from_resolver = true};
    opts_t o = {.rcode = DH_RCODE_NOERROR, .v = &resolver};
    query(&f, "10.0.0.53", T0, "corp.example", DH_QTYPE_AXFR, &o);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"client_is_resolver\":true"), "%s", f.sink.json[0]);
    close_detector(&f);
}

Test(dns_recon, late_events_are_dropped)
{
    fixture_t f;
    open_detector(&f);
    ptr_v4(&f, "10.5.0.1", 80, 3, 256, DH_RCODE_NXDOMAIN);
    dh_state_advance(f.state, T0 + 300 * SEC);
    cr_assert_eq(f.sink.n, 1);
    query(&f, "10.5.0.1", T0 + 100 * SEC, "1.2.3.4.in-addr.arpa", DH_QTYPE_PTR, NULL);
    cr_assert_eq(dh_state_stats(f.state).late_dropped, 1);
    close_detector(&f);
}

Test(dns_recon, same_input_same_bytes)
{
    static char first[3][8192];
    for (int run = 0; run < 2; run++) {
        fixture_t f;
        open_detector(&f);
        opts_t o = {.server = "10.0.0.53", .rcode = DH_RCODE_REFUSED};
        query(&f, "2001:db8::7", T0, "corp.example", DH_QTYPE_AXFR, &o);
        ptr_v4(&f, "2001:db8::7", 120, 9, 40, DH_RCODE_NXDOMAIN);
        for (int i = 0; i < 60; i++)
            query(&f, "2001:db8::7", T0 + i * SEC / 2, "x.example", DH_QTYPE_ANY, &o);
        dh_state_flush(f.state);
        cr_assert_eq(f.sink.n, 3);
        for (int i = 0; i < 3; i++) {
            if (run == 0)
                strcpy(first[i], f.sink.json[i]);
            else
                cr_assert_str_eq(first[i], f.sink.json[i]);
        }
        close_detector(&f);
    }
}

Test(dns_recon, disabled_finding_creates_nothing)
{
    char dir[64];
    rule_variant(dir, "      risk_score: 47\n      confidence: 0.5\n      detection_strategy: DET0408",
                 "      enabled: false\n      risk_score: 47\n      confidence: 0.5\n"
                 "      detection_strategy: DET0408");
    fixture_t f;
    open_dir(&f, dir);
    for (int i = 0; i < 80; i++)
        query(&f, "10.6.0.1", T0 + i * SEC / 2, "isc.org", DH_QTYPE_ANY, NULL);
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0);
    cr_assert_eq(dh_state_stats(f.state).closed, 0);
    close_detector(&f);
    remove_variant(dir);
}

/* ---- the rule file ------------------------------------------------------- */

Test(dns_recon, bad_thresholds_name_file_and_line)
{
    /* line numbers of the shipped file, so the message points at the value */
    expect_error("ptr_sweep_min: 80 ", "ptr_sweep_min: 1 ", "ptr_sweep_min", NULL);
    expect_error("any_flood_min: 50 ", "any_flood_min: many ", "any_flood_min", NULL);
    expect_error("xfr_window: 3600 ", "xfr_window: 0 ", "xfr_window", NULL);
    expect_error("refused_risk_score: 30", "refused_risk_score: 300", "refused_risk_score", NULL);
    expect_error("secondaries: []", "secondaries: [10.0.0.0/33]", "secondaries", NULL);
    expect_error("technique_id: T1018", "technique_id: 1018", "technique_id", NULL);
    expect_error("subtechnique_id: T1498.002", "subtechnique_id: T1499.002", "subtechnique_id",
                 NULL);
    expect_error("      tactic_id: TA0007\n", "", "tactic_id", NULL);
    expect_error("detection_strategy: DET0574", "detection_strategy: D574", "detection_strategy",
                 NULL);
    expect_error("  findings:", "  findings_:", "findings", NULL);
}

Test(dns_recon, the_error_line_is_the_line_of_the_value)
{
    /* find the line of ptr_sweep_min in the shipped file */
    FILE *in = fopen(DH_SOURCE_DIR "/rules/dns_recon.yaml", "r");
    cr_assert_not_null(in);
    char line[512], want[32] = "";
    for (int n = 1; fgets(line, sizeof(line), in); n++)
        if (strncmp(line, "  ptr_sweep_min:", 16) == 0)
            snprintf(want, sizeof(want), "dns_recon.yaml:%d:", n);
    fclose(in);
    cr_assert(want[0]);
    expect_error("ptr_sweep_min: 80 ", "ptr_sweep_min: 5000 ", "ptr_sweep_min", want);
}

Test(dns_recon, unknown_keys_are_reported_by_finish)
{
    char dir[64], err[256];
    rule_variant(dir, "      title: Reverse", "      titel: x\n      title: Reverse");
    dh_rule_t *r = dh_rule_load(dir, "dns_recon", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    dh_state_t *st = dh_state_new(1 << 20);
    dh_detect_env_t env = {.emit = collect, .pipeline = NULL, .state = st};
    void *d = dh_detector_create(&dh_detector_dns_recon, r, &env, err, sizeof(err));
    cr_assert_not_null(d, "%s", err);
    cr_assert_neq(dh_rule_finish(r, err, sizeof(err)), 0);
    cr_assert(strstr(err, "dns_recon.yaml:") && strstr(err, "titel"), "%s", err);
    dh_detector_destroy(&dh_detector_dns_recon, d);
    dh_state_free(st);
    dh_rule_free(r);
    remove_variant(dir);
}

/* ---- early alerts ---------------------------------------------------------- */

static const char *event_id_of(const fixture_t *f, int i)
{
    const char *p = strstr(f->sink.json[i], "\"event\":{");
    cr_assert_not_null(p);
    p = strstr(p, "\"id\":\"");
    cr_assert_not_null(p);
    return p;
}

/* One AXFR is the whole finding: with early alerts it is reported at that
   query, and the 1 h window's close gives the same event.id with every
   query of the window; off, only the close reports it. */
Test(dns_recon, early_alert_at_the_first_zone_transfer_then_the_close_same_id)
{
    opts_t ok = {.server = "10.0.0.53", .rcode = DH_RCODE_NOERROR,
                 .transport = DH_TRANSPORT_TCP, .n_answers = 40};
    for (int on = 0; on < 2; on++) {
        fixture_t f;
        open_detector(&f);
        f.env.early_alerts = on;
        query(&f, "10.9.9.9", T0 + 30 * SEC, "corp.example", DH_QTYPE_AXFR, &ok);
        cr_assert_eq(f.sink.n, on, "reported at the query only when on");
        if (on) {
            cr_assert(has(&f, 0, "\"@timestamp\":\"2023-11-14T23:00:30.000000Z\""), "%s",
                      f.sink.json[0]);
            cr_assert(has(&f, 0, "\"early\":true"));
            cr_assert(has(&f, 0, "\"queries\":1,\"axfr\":1"), "%s", f.sink.json[0]);
        }
        query(&f, "10.9.9.9", T0 + 40 * SEC, "corp.example", DH_QTYPE_IXFR, NULL);
        cr_assert_eq(f.sink.n, on, "the window's next transfer waits for the close");
        dh_state_advance(f.state, T0 + 3600 * SEC);
        cr_assert_eq(f.sink.n, on + 1);
        cr_assert(has(&f, on, "\"queries\":2,\"axfr\":1,\"ixfr\":1"), "%s", f.sink.json[on]);
        cr_assert(!has(&f, on, "\"early\""));
        if (on)
            cr_assert(strncmp(event_id_of(&f, 0), event_id_of(&f, 1), 40) == 0, "same event.id");
        close_detector(&f);
    }
}

/* A PTR sweep is reported when its distinct names reach the threshold. */
Test(dns_recon, early_ptr_sweep_at_the_threshold_name)
{
    fixture_t f;
    open_detector(&f);
    f.env.early_alerts = true;
    ptr_v4(&f, "10.7.7.7", 79, 1, 256, DH_RCODE_NXDOMAIN);
    cr_assert_eq(f.sink.n, 0, "79 names: one under");
    query(&f, "10.7.7.7", T0 + 100 * SEC, "200.1.20.10.in-addr.arpa", DH_QTYPE_PTR, NULL);
    cr_assert_eq(f.sink.n, 1, "the 80th distinct name crosses");
    cr_assert(has(&f, 0, "\"finding\":\"ptr_sweep\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"early\":true"));
    close_detector(&f);
    cr_assert_eq(f.sink.n, 2, "and the close");
}
