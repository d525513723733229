/*
 * test-threat-intel.c - the threat_intel detector on crafted events and
 * private indicator directories: suffix matching, hosts-file and maltrail
 * lines, exact and CIDR answer addresses (IPv4, IPv6), CNAME targets, the
 * per-file ATT&CK mapping, invalid lines, fatal file errors, reload (add,
 * remove, failure, a window open across it), windows and determinism.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector-call.h"
#include "detector.h"
#include "rule-variant.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_threat_intel;

#define MAXDET 40

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
    char rdir[64]; /* the rule variant's directory */
    char idir[64]; /* the private intel directory */
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

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    cr_assert_eq(unlink(path), 0, "%s", path);
}

static void new_intel_dir(fixture_t *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->idir, sizeof(f->idir), "/tmp/dh-intel-XXXXXX");
    cr_assert_not_null(mkdtemp(f->idir));
}

/* Create the detector over f->idir with the shipped rule (intel_dir pointed
   at it) plus an optional extra replacement; NULL on failure, err filled. */
static void *try_open(fixture_t *f, const char *from, const char *to, char *err, size_t errlen)
{
    char line[128];
    snprintf(line, sizeof(line), "intel_dir: %s", f->idir);
    dh_test_rule_variant(f->rdir, "threat_intel", "intel_dir: intel", line);
    if (from) {
        /* a second replacement on top of the first */
        char path[128], cmd[512];
        snprintf(path, sizeof(path), "%s/threat_intel.yaml", f->rdir);
        snprintf(cmd, sizeof(cmd), "sed -i 's|%s|%s|' %s", from, to, path);
        cr_assert_eq(system(cmd), 0);
    }
    f->state = dh_state_new(64 << 20);
    f->env = (dh_detect_env_t){.emit = collect, .pipeline = &f->sink, .state = f->state};
    f->rule = dh_rule_load(f->rdir, "threat_intel", err, errlen);
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_create(&dh_detector_threat_intel, f->rule, &f->env, err, errlen);
    if (f->st)
        cr_assert_eq(dh_rule_finish(f->rule, err, errlen), 0, "%s", err);
    return f->st;
}

static void open_with(fixture_t *f, const char *from, const char *to)
{
    char err[512] = "";
    cr_assert_not_null(try_open(f, from, to, err, sizeof(err)), "%s", err);
}

static void open_detector(fixture_t *f)
{
    open_with(f, NULL, NULL);
}

static void close_detector(fixture_t *f)
{
    if (f->st)
        dh_state_flush(f->state);
    dh_detector_destroy(&dh_detector_threat_intel, f->st);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
    dh_test_remove_variant(f->rdir, "threat_intel");
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->idir);
    cr_assert_eq(system(cmd), 0);
}

#define T0 1700000100000000LL /* a 300 s window starts here */
#define SEC 1000000LL

typedef struct {
    int32_t type;
    const char *data;
} rr_t;

typedef struct {
    const char *client;
    int32_t rcode;
    bool from_resolver;
    rr_t rr[4];
} opt_t;

static void event(fixture_t *f, int64_t ts_us, const char *qname, opt_t o)
{
    dh_answer_t ans[4];
    uint32_t n = 0;
    for (; n < 4 && o.rr[n].data; n++)
        ans[n] = (dh_answer_t){.rrtype = o.rr[n].type, .ttl = 60, .section = DH_SECTION_ANSWER,
                               .data = o.rr[n].data, .data_len = strlen(o.rr[n].data)};
    char lc[256];
    size_t len = strlen(qname);
    for (size_t i = 0; i <= len; i++)
        lc[i] = (char)(qname[i] >= 'A' && qname[i] <= 'Z' ? qname[i] - 'A' + 'a' : qname[i]);
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    const char *client = o.client ? o.client : "10.9.0.1";
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    cr_assert_eq(dh_addr_parse("10.0.0.53", 9, &ev.server), 0);
    ev.server_port = 53;
    ev.has_qname = true;
    ev.qname = qname;
    ev.qname_lc = lc;
    ev.qname_len = len;
    ev.qtype = 1;
    ev.rcode = o.rcode;
    ev.has_response = true;
    ev.n_answers = n;
    ev.answers = ans;
    dh_verdict_t v = {.from_resolver = o.from_resolver};
    det_call(&dh_detector_threat_intel, f->st, &ev, &v, &f->env);
}

static void q(fixture_t *f, int64_t ts_us, const char *qname)
{
    event(f, ts_us, qname, (opt_t){0});
}

static bool has(const fixture_t *f, int i, const char *needle)
{
    return strstr(f->sink.json[i], needle) != NULL;
}

/* the detection whose evidence names this indicator, -1 when none */
static int find(const fixture_t *f, const char *indicator)
{
    char needle[300];
    snprintf(needle, sizeof(needle), "\"indicator\":\"%s\"", indicator);
    int at = -1;
    for (int i = 0; i < f->sink.n; i++)
        if (has(f, i, needle)) {
            cr_assert_eq(at, -1, "two detections for %s", indicator);
            at = i;
        }
    return at;
}

static int reload(fixture_t *f, char *info, char *err)
{
    info[0] = err[0] = '\0';
    return dh_detector_threat_intel.reload(f->st, info, 256, err, 512);
}

/* ---- names ------------------------------------------------------------------ */

Test(threat_intel, domain_suffix_matching_at_label_boundaries)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt",
               "evil.example\n*.wild.example\n.dot.example\nTrail.Example.\n.onion\n");
    open_detector(&f);
    /* positives */
    q(&f, T0 + 1 * SEC, "evil.example");
    q(&f, T0 + 2 * SEC, "a.b.evil.example");
    q(&f, T0 + 3 * SEC, "wild.example");
    q(&f, T0 + 4 * SEC, "x.DOT.example.");
    q(&f, T0 + 5 * SEC, "www.trail.example");
    q(&f, T0 + 6 * SEC, "expyuzz4wqqyqhjn.onion");
    /* negatives: not at a label boundary, or the indicator is a prefix */
    q(&f, T0 + 7 * SEC, "notevil.example");
    q(&f, T0 + 8 * SEC, "evil.example.com");
    q(&f, T0 + 9 * SEC, "evilexample");
    q(&f, T0 + 10 * SEC, "onion.example");
    q(&f, T0 + 11 * SEC, "mywild.example");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 5, "%d", f.sink.n);
    int e = find(&f, "evil.example");
    cr_assert_geq(e, 0);
    cr_assert(has(&f, e, "\"queries\":2"), "%s", f.sink.json[e]);
    cr_assert(has(&f, e, "\"samples\":[\"evil.example\",\"a.b.evil.example\"]"), "%s",
              f.sink.json[e]);
    cr_assert(has(&f, e, "\"indicator_type\":\"domain\""));
    cr_assert(has(&f, e, "\"matched_on\":[\"query_name\"]"));
    cr_assert(has(&f, e, "\"indicator_file\":\"a.txt\""));
    cr_assert(has(&f, e, "\"source\":{\"ip\":\"10.9.0.1\"}"));
    cr_assert_geq(find(&f, "wild.example"), 0);
    cr_assert_geq(find(&f, "dot.example"), 0);
    cr_assert_geq(find(&f, "trail.example"), 0);
    cr_assert_geq(find(&f, "onion"), 0);
    close_detector(&f);
}

Test(threat_intel, most_specific_indicator_wins)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a-broad.txt", "example.net\n");
    write_file(f.idir, "b-narrow.txt",
               "# technique: T1572 Protocol Tunneling\n# tactic: TA0011 Command and Control\n"
               "bad.example.net\n");
    open_detector(&f);
    q(&f, T0 + SEC, "x.bad.example.net");
    q(&f, T0 + 2 * SEC, "good.example.net");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    int n = find(&f, "bad.example.net"), b = find(&f, "example.net");
    cr_assert(has(&f, n, "\"indicator_file\":\"b-narrow.txt\""), "%s", f.sink.json[n]);
    cr_assert(has(&f, n, "\"T1572\""));
    cr_assert(has(&f, b, "\"samples\":[\"good.example.net\"]"), "%s", f.sink.json[b]);
    close_detector(&f);
}

Test(threat_intel, hosts_file_and_maltrail_lines)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "hosts.txt",
               "# a hosts file\n127.0.0.1 localhost\n::1 ip6-localhost ip6-loopback\n"
               "0.0.0.0 ads.example tracker.example\n127.0.0.1 c2.example # trailing\n"
               "bad.example      # Note: maltrail-style trailing comment\n"
               "192.0.2.66:31337\n");
    open_detector(&f);
    char info[256], err[512];
    cr_assert_eq(reload(&f, info, err), 0, "%s", err);
    cr_assert(strstr(info, "1 files, 5 indicators (was 5), 0 invalid lines"), "%s", info);
    q(&f, T0 + SEC, "www.tracker.example");
    q(&f, T0 + 2 * SEC, "c2.example");
    q(&f, T0 + 3 * SEC, "localhost");
    event(&f, T0 + 4 * SEC, "port.example", (opt_t){.rr = {{1, "192.0.2.66"}}});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 3);
    cr_assert_geq(find(&f, "tracker.example"), 0);
    cr_assert_geq(find(&f, "c2.example"), 0);
    cr_assert_geq(find(&f, "192.0.2.66"), 0);
    close_detector(&f);
}

Test(threat_intel, cname_targets_match)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n");
    open_detector(&f);
    event(&f, T0 + SEC, "www.benign.example",
          (opt_t){.rr = {{5, "Edge.Evil.Example."}, {1, "192.0.2.1"}}});
    /* the query name matched: its CNAME chain is the same lookup */
    event(&f, T0 + 2 * SEC, "api.evil.example",
          (opt_t){.client = "10.9.0.2", .rr = {{5, "edge.evil.example"}, {1, "192.0.2.1"}}});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    cr_assert(has(&f, 0, "\"matched_on\":[\"cname\"]"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"queries\":1"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 1, "\"matched_on\":[\"query_name\"]"), "%s", f.sink.json[1]);
    cr_assert(has(&f, 1, "\"matched_cnames\":[]"), "%s", f.sink.json[1]);
    cr_assert(has(&f, 0, "\"matched_cnames\":[\"Edge.Evil.Example.\"]"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"name\":\"www.benign.example\""), "%s", f.sink.json[0]);
    /* ECS threat.enrichments: the indicator, and where and what matched it */
    cr_assert(has(&f, 0, "\"enrichments\":[{\"indicator\":{\"type\":\"domain-name\",\"name\":"
                         "\"evil.example\",\"url\":{\"domain\":\"evil.example\"}"), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"matched\":{\"atomic\":\"Edge.Evil.Example.\",\"field\":"
                         "\"dns.answers.data\",\"type\":\"indicator_match_rule\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 1, "\"matched\":{\"atomic\":\"api.evil.example\",\"field\":"
                         "\"dns.question.name\""), "%s", f.sink.json[1]);
    cr_assert(has(&f, 1, "\"feed\":{\"name\":\"a.txt\"}"), "%s", f.sink.json[1]);
    close_detector(&f);

    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n");
    open_with(&f, "match_cnames: true", "match_cnames: false");
    event(&f, T0 + SEC, "www.benign.example", (opt_t){.rr = {{5, "edge.evil.example"}}});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0);
    close_detector(&f);
}

/* ---- addresses -------------------------------------------------------------- */

Test(threat_intel, answer_addresses_exact_and_cidr_v4_v6)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "ips.txt",
               "203.0.113.7\n198.51.100.0/24\n198.51.100.5\n2001:db8:bad::/48\n"
               "2001:DB8:0:0::99\n10.1.2.3/8\n");
    open_detector(&f);
    event(&f, T0 + 1 * SEC, "a.example", (opt_t){.rr = {{1, "192.0.2.1"}, {1, "203.0.113.7"}}});
    event(&f, T0 + 2 * SEC, "b.example", (opt_t){.rr = {{1, "198.51.100.200"}}});
    event(&f, T0 + 3 * SEC, "c.example", (opt_t){.rr = {{1, "198.51.100.5"}}});
    event(&f, T0 + 4 * SEC, "d.example", (opt_t){.rr = {{28, "2001:db8:bad:1::5"}}});
    event(&f, T0 + 5 * SEC, "e.example", (opt_t){.rr = {{28, "2001:db8::99"}}});
    event(&f, T0 + 6 * SEC, "f.example", (opt_t){.rr = {{1, "10.200.0.1"}}});
    /* negatives: next /24, outside the /48, the address as a name, as TXT */
    event(&f, T0 + 7 * SEC, "g.example", (opt_t){.rr = {{1, "198.51.101.1"}}});
    event(&f, T0 + 8 * SEC, "h.example", (opt_t){.rr = {{28, "2001:db8:bae::1"}}});
    q(&f, T0 + 9 * SEC, "203.0.113.7");
    event(&f, T0 + 10 * SEC, "i.example", (opt_t){.rr = {{16, "203.0.113.7"}}});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 6, "%d", f.sink.n);
    int i = find(&f, "203.0.113.7");
    cr_assert(has(&f, i, "\"indicator_type\":\"ip\""), "%s", f.sink.json[i]);
    cr_assert(has(&f, i, "\"matched_on\":[\"answer\"]"));
    cr_assert(has(&f, i, "\"matched_addresses\":[\"203.0.113.7\"]"));
    cr_assert(has(&f, i, "\"name\":\"a.example\""));
    cr_assert(has(&f, i, "\"indicator\":{\"type\":\"ipv4-addr\",\"name\":\"203.0.113.7\","
                         "\"ip\":\"203.0.113.7\""), "%s", f.sink.json[i]);
    cr_assert(has(&f, i, "\"matched\":{\"atomic\":\"203.0.113.7\",\"field\":\"dns.resolved_ip\""),
              "%s", f.sink.json[i]);
    i = find(&f, "198.51.100.0/24");
    cr_assert(has(&f, i, "\"indicator_type\":\"cidr\""), "%s", f.sink.json[i]);
    /* an ECS ip field holds no network: the block is the indicator's name only */
    cr_assert(has(&f, i, "\"indicator\":{\"type\":\"ipv4-addr\",\"name\":\"198.51.100.0/24\"}"),
              "%s", f.sink.json[i]);
    cr_assert(has(&f, i, "\"matched\":{\"atomic\":\"198.51.100.200\""), "%s", f.sink.json[i]);
    cr_assert(has(&f, i, "\"matched_addresses\":[\"198.51.100.200\"]"));
    i = find(&f, "198.51.100.5"); /* the exact address is more specific than its /24 */
    cr_assert(has(&f, i, "\"samples\":[\"c.example\"]"), "%s", f.sink.json[i]);
    i = find(&f, "2001:db8:bad::/48");
    cr_assert(has(&f, i, "\"matched_addresses\":[\"2001:db8:bad:1::5\"]"), "%s", f.sink.json[i]);
    cr_assert(has(&f, i, "\"type\":\"ipv6-addr\""), "%s", f.sink.json[i]);
    i = find(&f, "2001:db8::99");
    cr_assert(has(&f, i, "\"indicator_type\":\"ip\""), "%s", f.sink.json[i]);
    cr_assert_geq(find(&f, "10.0.0.0/8"), 0, "host bits cleared in the indicator text");
    close_detector(&f);

    new_intel_dir(&f);
    write_file(f.idir, "ips.txt", "203.0.113.7\n");
    open_with(&f, "match_answers: true", "match_answers: false");
    event(&f, T0 + SEC, "a.example", (opt_t){.rr = {{1, "203.0.113.7"}}});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 0);
    close_detector(&f);
}

Test(threat_intel, one_event_matching_name_and_answer_gives_two_findings)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n203.0.113.0/24\n");
    open_detector(&f);
    event(&f, T0 + SEC, "evil.example",
          (opt_t){.rr = {{1, "203.0.113.1"}, {1, "203.0.113.2"}}, .rcode = 0});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    int c = find(&f, "203.0.113.0/24");
    /* two addresses in one block in one response count as one lookup */
    cr_assert(has(&f, c, "\"queries\":1"), "%s", f.sink.json[c]);
    cr_assert(has(&f, c, "\"resolved\":1"), "%s", f.sink.json[c]);
    cr_assert(has(&f, c, "\"matched_addresses\":[\"203.0.113.1\"]"), "%s", f.sink.json[c]);
    close_detector(&f);
}

/* ---- mapping ------------------------------------------------------------------ */

Test(threat_intel, header_mapping_and_default_mapping_in_json)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "onion.txt",
               "# Tor gateways\n# Reference: https://example.org/x\n"
               "# technique: T1090 Proxy\n# subtechnique: T1090.003 Proxy: Multi-hop Proxy\n"
               "# tactic: TA0011 Command and Control\n# risk_score: 66\n# confidence: 0.45\n"
               "# description: onion gateway\n# source: test list\n\ntor2web.example\n");
    write_file(f.idir, "plain.txt", "# no header keys\nplain.example\n");
    write_file(f.idir, "disc.txt",
               "# technique: T1016 System Network Configuration Discovery\n"
               "# tactic: TA0007 Discovery\n# detection_strategy: DET0123\n# risk_score: 21\n"
               "myip.example\n");
    open_detector(&f);
    q(&f, T0 + SEC, "x.tor2web.example");
    q(&f, T0 + 2 * SEC, "plain.example");
    q(&f, T0 + 3 * SEC, "myip.example");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 3);
    int o = find(&f, "tor2web.example");
    const char *j = f.sink.json[o];
    cr_assert(has(&f, o, "\"threat\":{\"framework\":\"MITRE ATT&CK\",\"tactic\":{\"id\":["
                         "\"TA0011\"],\"name\":[\"Command and Control\"],\"reference\":["
                         "\"https://attack.mitre.org/tactics/TA0011/\"]},\"technique\":{\"id\":"
                         "[\"T1090\"],\"name\":[\"Proxy\"],\"reference\":[\"https://attack.mitre."
                         "org/techniques/T1090/\"],\"subtechnique\":{\"id\":[\"T1090.003\"],"
                         "\"name\":[\"Proxy: Multi-hop Proxy\"],\"reference\":[\"https://attack."
                         "mitre.org/techniques/T1090/003/\"]}}"), "%s", j);
    cr_assert(has(&f, o, "\"risk_score\":66"), "%s", j);
    cr_assert(has(&f, o, "\"confidence\":0.45"), "%s", j);
    cr_assert(has(&f, o, "\"attack_version\":\"18.1\""), "%s", j);
    cr_assert(!has(&f, o, "detection_strategy"), "the rule's DET does not apply: %s", j);
    cr_assert(has(&f, o, "\"indicator_description\":\"onion gateway\""), "%s", j);
    cr_assert(has(&f, o, "\"indicator_source\":\"test list\""), "%s", j);
    cr_assert(has(&f, o, "\"rule\":{\"name\":\"threat_intel\""), "%s", j);

    int p = find(&f, "plain.example");
    j = f.sink.json[p];
    cr_assert(has(&f, p, "\"technique\":{\"id\":[\"T1071\"],\"name\":[\"Application Layer "
                         "Protocol\"],\"reference\":[\"https://attack.mitre.org/techniques/T1071/\"],"
                         "\"subtechnique\":{\"id\":[\"T1071.004\"],\"name\":["
                         "\"Application Layer Protocol: DNS\"],\"reference\":["), "%s", j);
    cr_assert(has(&f, p, "\"detection_strategy\":\"DET0400\""), "%s", j);
    cr_assert(has(&f, p, "\"risk_score\":50"), "%s", j);
    cr_assert(has(&f, p, "\"confidence\":0.6"), "%s", j);

    int d = find(&f, "myip.example");
    j = f.sink.json[d];
    cr_assert(has(&f, d, "\"tactic\":{\"id\":[\"TA0007\"],\"name\":[\"Discovery\"],\"reference\":["), "%s", j);
    cr_assert(has(&f, d, "\"detection_strategy\":\"DET0123\""), "%s", j);
    cr_assert(has(&f, d, "\"risk_score\":21"), "%s", j);
    cr_assert(has(&f, d, "\"confidence\":0.6"), "the rule's confidence: %s", j);
    close_detector(&f);
}

Test(threat_intel, shipped_intel_loads_and_maps)
{
    fixture_t f;
    memset(&f, 0, sizeof(f));
    char err[512];
    f.state = dh_state_new(64 << 20);
    f.env = (dh_detect_env_t){.emit = collect, .pipeline = &f.sink, .state = f.state};
    f.rule = dh_rule_load(DH_SOURCE_DIR "/rules", "threat_intel", err, sizeof(err));
    cr_assert_not_null(f.rule, "%s", err);
    f.st = dh_detector_create(&dh_detector_threat_intel, f.rule, &f.env, err, sizeof(err));
    cr_assert_not_null(f.st, "%s", err);
    cr_assert_eq(dh_rule_finish(f.rule, err, sizeof(err)), 0, "%s", err);
    char info[256];
    cr_assert_eq(reload(&f, info, err), 0, "%s", err);
    cr_assert(strstr(info, "3 files, ") && strstr(info, " 0 invalid lines"), "%s", info);
    q(&f, T0 + SEC, "api.ipify.org");
    q(&f, T0 + 2 * SEC, "www.packetriot.net");
    q(&f, T0 + 3 * SEC, "something.onion.to");
    q(&f, T0 + 4 * SEC, "www.example.com");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 3);
    int i = find(&f, "ipify.org");
    cr_assert(has(&f, i, "\"T1016\"") && has(&f, i, "\"TA0007\"") &&
                  has(&f, i, "\"risk_score\":21"),
              "%s", f.sink.json[i]);
    i = find(&f, "packetriot.net");
    cr_assert(has(&f, i, "\"T1572\"") && has(&f, i, "DET0538"), "%s", f.sink.json[i]);
    i = find(&f, "onion.to");
    cr_assert(has(&f, i, "\"T1090.003\""), "%s", f.sink.json[i]);
    dh_detector_destroy(&dh_detector_threat_intel, f.st);
    dh_state_free(f.state);
    dh_rule_free(f.rule);
}

/* ---- bad input ------------------------------------------------------------------ */

static void read_stderr(char *buf, size_t len)
{
    fflush(stderr);
    FILE *e = cr_get_redirected_stderr();
    size_t n = fread(buf, 1, len - 1, e);
    buf[n] = '\0';
}

Test(threat_intel, invalid_lines_are_counted_and_reported, .init = cr_redirect_stderr)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "mixed.txt",
               "good.example\n"
               "http://203.0.113.9/ip.php\n" /* 2: URL */
               "example.com/path\n"          /* 3: URL */
               "com\n"                       /* 4: single label */
               "bad_char$.example\n"         /* 5 */
               "10.0.0.0/4\n"                /* 6: wider than /8 */
               "two.example three\n"         /* 7: extra field */
               "a..b.example\n"              /* 8: empty label */
               "2001:db8::/8\n"              /* 9: wider than /16 */
               "also-good.example\n");
    open_detector(&f);
    char info[256], err[512];
    cr_assert_eq(reload(&f, info, err), 0, "%s", err);
    cr_assert(strstr(info, "1 files, 2 indicators (was 2), 8 invalid lines"), "%s", info);
    char out[8192];
    read_stderr(out, sizeof(out));
    char want[256];
    snprintf(want, sizeof(want), "%s/mixed.txt:2: 'http://203.0.113.9/ip.php'", f.idir);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof(want), "%s/mixed.txt:4: 'com': a single label", f.idir);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof(want), "%s/mixed.txt:6:", f.idir);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof(want), "%s/mixed.txt:7:", f.idir);
    cr_assert(!strstr(out, want), "only the first 5 are shown: %s", out);
    snprintf(want, sizeof(want), "%s/mixed.txt: 8 invalid lines (5 shown)", f.idir);
    cr_assert(strstr(out, want), "%s", out);
    q(&f, T0 + SEC, "good.example");
    q(&f, T0 + SEC, "also-good.example");
    q(&f, T0 + SEC, "two.example");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    close_detector(&f);
}

static void expect_create_error(const char *file, const char *text, const char *needle)
{
    fixture_t f;
    new_intel_dir(&f);
    if (file)
        write_file(f.idir, file, text);
    char err[512] = "";
    cr_assert_null(try_open(&f, NULL, NULL, err, sizeof(err)), "%s should fail", text);
    cr_assert(strstr(err, needle), "'%s' not in: %s", needle, err);
    close_detector(&f);
}

Test(threat_intel, fatal_file_errors)
{
    expect_create_error("empty.txt", "# only comments\n\n", "empty.txt: no valid indicator");
    expect_create_error("garbage.txt", "http://x/y\n$$$\n", "garbage.txt: no valid indicator (2");
    expect_create_error(NULL, NULL, "holds no *.txt indicator file");
    expect_create_error("README", "evil.example\n", "holds no *.txt indicator file");
    expect_create_error("h.txt", "# technique: T1572 Protocol Tunneling\nevil.example\n",
                        "names a technique but no 'tactic:'");
    expect_create_error("h.txt", "# tactic: TA0011 Command and Control\nevil.example\n",
                        "names a tactic but no 'technique:'");
    expect_create_error("h.txt",
                        "# technique: T1572 Protocol Tunneling\n# tactic: TA0011 C2\n"
                        "# subtechnique: T1090.003 Multi-hop Proxy\nevil.example\n",
                        "subtechnique T1090.003 needs");
    expect_create_error("h.txt", "# technique: 1572 Protocol Tunneling\nevil.example\n",
                        "h.txt:1: technique: expected");
    expect_create_error("h.txt", "# risk_score: 200\nevil.example\n", "h.txt:1: risk_score");
    expect_create_error("h.txt", "evil.example\n# confidence: 0.9\n",
                        "h.txt:2: header key 'confidence' after the first indicator");
}

Test(threat_intel, max_indicators_is_an_error_not_a_truncation)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "one.example\ntwo.example\n");
    write_file(f.idir, "b.txt", "two.example\nthree.example\n"); /* a duplicate is not counted */
    char err[512] = "";
    cr_assert_null(try_open(&f, "max_indicators: 500000", "max_indicators: 2", err, sizeof(err)));
    cr_assert(strstr(err, "b.txt:2: more than max_indicators (2)"), "%s", err);
    close_detector(&f);
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "one.example\ntwo.example\n");
    write_file(f.idir, "b.txt", "two.example\n");
    open_with(&f, "max_indicators: 500000", "max_indicators: 2");
    close_detector(&f);
}

/* ---- reload ----------------------------------------------------------------------- */

Test(threat_intel, reload_adds_and_removes_indicators)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "one.example\n");
    open_detector(&f);
    q(&f, T0 + 1 * SEC, "two.example");
    char info[256], err[512];
    write_file(f.idir, "a.txt", "one.example\ntwo.example\n");
    cr_assert_eq(reload(&f, info, err), 0, "%s", err);
    cr_assert(strstr(info, "1 files, 2 indicators (was 1)"), "%s", info);
    q(&f, T0 + 2 * SEC, "two.example");
    write_file(f.idir, "a.txt", "two.example\n");
    cr_assert_eq(reload(&f, info, err), 0, "%s", err);
    cr_assert(strstr(info, "1 files, 1 indicators (was 2)"), "%s", info);
    q(&f, T0 + 3 * SEC, "one.example");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    int i = find(&f, "two.example");
    cr_assert(has(&f, i, "\"queries\":1"), "only the lookup after the reload: %s",
              f.sink.json[i]);
    cr_assert(has(&f, i, "\"start\":\"2023-11-14T22:15:02.000000Z\""), "%s", f.sink.json[i]);
    close_detector(&f);
}

Test(threat_intel, failed_reload_keeps_the_old_lists)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "one.example\n");
    write_file(f.idir, "b.txt", "203.0.113.0/24\n");
    open_detector(&f);
    char info[256], err[512];
    /* b.txt becomes garbage, a.txt gains a name: nothing of it applies */
    write_file(f.idir, "a.txt", "one.example\nnew.example\n");
    write_file(f.idir, "b.txt", "garbage/garbage\n");
    cr_assert_eq(reload(&f, info, err), -1);
    cr_assert(strstr(err, "b.txt: no valid indicator"), "%s", err);
    /* a bad header */
    write_file(f.idir, "b.txt", "# confidence: high\n203.0.113.0/24\n");
    cr_assert_eq(reload(&f, info, err), -1);
    cr_assert(strstr(err, "b.txt:1: confidence"), "%s", err);
    /* the directory is gone */
    char moved[80];
    snprintf(moved, sizeof(moved), "%s.moved", f.idir);
    cr_assert_eq(rename(f.idir, moved), 0);
    cr_assert_eq(reload(&f, info, err), -1);
    cr_assert(strstr(err, "intel_dir"), "%s", err);
    cr_assert_eq(rename(moved, f.idir), 0);
    q(&f, T0 + 1 * SEC, "new.example");
    event(&f, T0 + 2 * SEC, "x.example", (opt_t){.rr = {{1, "203.0.113.50"}}});
    q(&f, T0 + 3 * SEC, "one.example");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    cr_assert_geq(find(&f, "203.0.113.0/24"), 0);
    cr_assert_geq(find(&f, "one.example"), 0);
    close_detector(&f);
}

Test(threat_intel, window_open_across_reload_keeps_its_evidence_and_mapping)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "tunnel.txt",
               "# technique: T1572 Protocol Tunneling\n# tactic: TA0011 Command and Control\n"
               "# risk_score: 61\n# description: tunnels\n"
               "tunnel.example\nstays.example\n");
    write_file(f.idir, "z.txt", "other.example\n");
    open_detector(&f);
    q(&f, T0 + 1 * SEC, "a.tunnel.example");
    q(&f, T0 + 2 * SEC, "stays.example");
    /* tunnel.txt disappears; stays.example moves to a file without header */
    remove_file(f.idir, "tunnel.txt");
    write_file(f.idir, "z.txt", "other.example\nstays.example\n");
    char info[256], err[512];
    cr_assert_eq(reload(&f, info, err), 0, "%s", err);
    cr_assert(strstr(info, "1 files, 2 indicators (was 3)"), "%s", info);
    q(&f, T0 + 3 * SEC, "b.tunnel.example"); /* no longer listed */
    q(&f, T0 + 4 * SEC, "stays.example");    /* still listed: the window goes on */
    dh_state_advance(f.state, T0 + 300 * SEC);
    cr_assert_eq(f.sink.n, 2);
    int t = find(&f, "tunnel.example");
    const char *j = f.sink.json[t];
    cr_assert(has(&f, t, "\"queries\":1"), "%s", j);
    cr_assert(has(&f, t, "\"T1572\""), "%s", j);
    cr_assert(has(&f, t, "\"risk_score\":61"), "%s", j);
    cr_assert(has(&f, t, "\"indicator_file\":\"tunnel.txt\""), "%s", j);
    cr_assert(has(&f, t, "\"indicator_description\":\"tunnels\""), "%s", j);
    int s = find(&f, "stays.example");
    j = f.sink.json[s];
    cr_assert(has(&f, s, "\"queries\":2"), "%s", j);
    cr_assert(has(&f, s, "\"indicator_file\":\"tunnel.txt\""), "the window's first file: %s", j);
    /* the next window maps it with its new file */
    q(&f, T0 + 301 * SEC, "stays.example");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 3);
    cr_assert(has(&f, 2, "\"indicator_file\":\"z.txt\""), "%s", f.sink.json[2]);
    cr_assert(has(&f, 2, "\"T1071.004\""), "%s", f.sink.json[2]);
    close_detector(&f);
}

/* ---- windows ----------------------------------------------------------------------- */

Test(threat_intel, one_detection_per_client_indicator_and_window)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n");
    open_detector(&f);
    for (int i = 0; i < 5; i++)
        q(&f, T0 + (10 + i * 30) * SEC, i % 2 ? "a.evil.example" : "evil.example");
    event(&f, T0 + 20 * SEC, "evil.example", (opt_t){.client = "10.9.0.2", .rcode = 3});
    event(&f, T0 + 21 * SEC, "evil.example",
          (opt_t){.client = "10.0.0.53", .from_resolver = true});
    dh_state_advance(f.state, T0 + 299 * SEC);
    cr_assert_eq(f.sink.n, 0, "window still open");
    dh_state_advance(f.state, T0 + 300 * SEC);
    cr_assert_eq(f.sink.n, 3);
    int a = -1, b = -1, r = -1;
    for (int i = 0; i < 3; i++) {
        if (has(&f, i, "\"ip\":\"10.9.0.1\""))
            a = i;
        if (has(&f, i, "\"ip\":\"10.9.0.2\""))
            b = i;
        if (has(&f, i, "\"ip\":\"10.0.0.53\""))
            r = i;
    }
    cr_assert(a >= 0 && b >= 0 && r >= 0);
    cr_assert(has(&f, a, "\"queries\":5"), "%s", f.sink.json[a]);
    cr_assert(has(&f, a, "\"start\":\"2023-11-14T22:15:10.000000Z\""), "%s", f.sink.json[a]);
    cr_assert(has(&f, a, "\"end\":\"2023-11-14T22:17:10.000000Z\""), "%s", f.sink.json[a]);
    cr_assert(has(&f, b, "\"nxdomain\":1"), "%s", f.sink.json[b]);
    cr_assert(has(&f, r, "\"client_is_resolver\":true"), "%s", f.sink.json[r]);
    cr_assert(has(&f, a, "\"client_is_resolver\":false"));
    /* the next window: a new detection, a different id */
    q(&f, T0 + 400 * SEC, "evil.example");
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 4);
    const char *id0 = strstr(f.sink.json[a], "\"id\":\""), *id3 = strstr(f.sink.json[3], "\"id\":\"");
    cr_assert(strncmp(id0, id3, 40) != 0);
    close_detector(&f);
}

Test(threat_intel, min_queries_threshold)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n");
    open_with(&f, "min_queries: 1", "min_queries: 2");
    q(&f, T0 + SEC, "evil.example");
    event(&f, T0 + 2 * SEC, "evil.example", (opt_t){.client = "10.9.0.2"});
    event(&f, T0 + 3 * SEC, "x.evil.example", (opt_t){.client = "10.9.0.2"});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"ip\":\"10.9.0.2\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"min_queries\":2"), "%s", f.sink.json[0]);
    close_detector(&f);
}

static void run_mix(fixture_t *f)
{
    write_file(f->idir, "a.txt", "evil.example\n203.0.113.0/24\n");
    write_file(f->idir, "b.txt", "# technique: T1572 Protocol Tunneling\n"
                                 "# tactic: TA0011 Command and Control\nbad.example\n");
    open_detector(f);
    for (int i = 0; i < 40; i++) {
        char name[64], client[32];
        snprintf(name, sizeof(name), "h%d.%s", i % 7, i % 3 ? "evil.example" : "bad.example");
        snprintf(client, sizeof(client), "10.9.0.%d", 1 + i % 4);
        event(f, T0 + i * 20 * SEC, name,
              (opt_t){.client = client, .rr = {{1, i % 5 ? "192.0.2.1" : "203.0.113.9"}}});
    }
    dh_state_flush(f->state);
}

Test(threat_intel, deterministic_output)
{
    fixture_t f, g;
    new_intel_dir(&f);
    run_mix(&f);
    new_intel_dir(&g);
    run_mix(&g);
    cr_assert_gt(f.sink.n, 3);
    cr_assert_eq(f.sink.n, g.sink.n);
    for (int i = 0; i < f.sink.n; i++)
        cr_assert_str_eq(f.sink.json[i], g.sink.json[i]);
    close_detector(&f);
    close_detector(&g);
}

Test(threat_intel, wide_ipv6_and_ipv4_blocks_pass_the_prefilter)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "wide.txt", "2a00::/16\n100.64.0.0/10\n");
    open_detector(&f);
    event(&f, T0 + 1 * SEC, "a.example", (opt_t){.rr = {{28, "2a00:1234:5678::1"}}});
    event(&f, T0 + 2 * SEC, "b.example", (opt_t){.rr = {{1, "100.127.255.254"}}});
    event(&f, T0 + 3 * SEC, "c.example", (opt_t){.rr = {{28, "2a01::1"}, {1, "100.128.0.1"}}});
    dh_state_flush(f.state);
    cr_assert_eq(f.sink.n, 2);
    cr_assert(has(&f, find(&f, "2a00::/16"), "\"matched_addresses\":[\"2a00:1234:5678::1\"]"));
    cr_assert(has(&f, find(&f, "100.64.0.0/10"), "\"matched_addresses\":[\"100.127.255.254\"]"));
    close_detector(&f);
}

/* Early alerts on: a match is reported at its record, the window's later
   matches wait for its close, which has the same event.id and the final
   counts; min_queries still holds (the second matching query then). */
Test(threat_intel, early_alert_at_the_matching_record_then_the_close_same_id)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n");
    open_detector(&f);
    f.env.early_alerts = true;
    q(&f, T0 + 10 * SEC, "www.example.org");
    cr_assert_eq(f.sink.n, 0);
    q(&f, T0 + 11 * SEC, "a.evil.example");
    cr_assert_eq(f.sink.n, 1, "reported at the matching record");
    cr_assert(has(&f, 0, "\"@timestamp\":\"2023-11-14T22:15:11.000000Z\""), "%s", f.sink.json[0]);
    cr_assert(has(&f, 0, "\"early\":true"));
    cr_assert(has(&f, 0, "\"queries\":1"));
    for (int i = 0; i < 4; i++)
        q(&f, T0 + (20 + i) * SEC, "evil.example");
    cr_assert_eq(f.sink.n, 1, "the window's later matches wait for its close");
    dh_state_advance(f.state, T0 + 300 * SEC);
    cr_assert_eq(f.sink.n, 2);
    cr_assert(has(&f, 1, "\"queries\":5"), "%s", f.sink.json[1]);
    cr_assert(!has(&f, 1, "\"early\""));
    const char *id0 = strstr(f.sink.json[0], "\"id\":\""), *id1 = strstr(f.sink.json[1], "\"id\":\"");
    cr_assert(strncmp(id0, id1, 40) == 0, "same event.id");
    close_detector(&f);

    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n");
    open_with(&f, "min_queries: 1", "min_queries: 2");
    f.env.early_alerts = true;
    q(&f, T0 + SEC, "evil.example");
    cr_assert_eq(f.sink.n, 0, "one match of two needed");
    q(&f, T0 + 2 * SEC, "evil.example");
    cr_assert_eq(f.sink.n, 1);
    cr_assert(has(&f, 0, "\"early\":true"));
    close_detector(&f);
}

Test(threat_intel, early_alerts_off_reports_at_the_close_only)
{
    fixture_t f;
    new_intel_dir(&f);
    write_file(f.idir, "a.txt", "evil.example\n");
    open_detector(&f);
    q(&f, T0 + 11 * SEC, "a.evil.example");
    cr_assert_eq(f.sink.n, 0);
    dh_state_advance(f.state, T0 + 300 * SEC);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(!has(&f, 0, "\"early\""));
    close_detector(&f);
}
