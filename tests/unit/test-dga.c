/*
 * test-dga.c - the DGA detector (T1568.002) on crafted event sequences.
 *
 * The name lists in tests/data/dga/ are made up (seeded PRNG or by hand):
 * random-letter and hex/digit DGA-style names, wordlist-DGA-style word
 * concatenations, popular benign names and typos of them. The tests check
 * the per-name score on them, then the per-client behaviour: bursts of
 * never-resolving generated names fire once per client and window, the same
 * names resolving do not, the min_nxdomain_names and 40 % NXDOMAIN-share
 * boundaries, the CDN case, benign NXDOMAIN noise (typos, search-suffix
 * appends, Chrome's single-label probes, internal suffixes, mail servers),
 * and that a missing model or a bad threshold is an error naming the file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector-call.h"
#include "detector.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_dga;
int dh_dga_classify(const void *state, const char *label, size_t len, double *score);
const char *dh_dga_class_name(int cls);

#define MAX_DET 8
#define JSON_MAX 16384
#define NAMES_MAX 80
#define NAME_LEN 96

typedef struct {
    int n;
    char json[MAX_DET][JSON_MAX];
} sink_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAX_DET);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    snprintf(s->json[s->n++], JSON_MAX, "%s", sb.buf);
    dh_sb_free(&sb);
}

typedef struct {
    dh_rule_t *rule;
    dh_state_t *state;
    void *det;
    sink_t sink;
    dh_detect_env_t env;
} fixture_t;

static void open_from(fixture_t *f, const char *dir)
{
    char err[1024];
    memset(f, 0, sizeof(*f));
    f->rule = dh_rule_load(dir, "dga", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->state = dh_state_new(64 << 20);
    f->env.emit = collect;
    f->env.state = f->state;
    f->env.pipeline = &f->sink;
    f->det = dh_detector_create(&dh_detector_dga, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->det, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
}

static fixture_t *open_detector(void)
{
    fixture_t *f = malloc(sizeof(*f));
    cr_assert_not_null(f);
    open_from(f, DH_SOURCE_DIR "/rules");
    return f;
}

static void close_detector(fixture_t *f)
{
    dh_detector_destroy(&dh_detector_dga, f->det);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
    free(f);
}

static void finish(fixture_t *f)
{
    dh_state_flush(f->state);
    if (dh_detector_dga.flush)
        dh_detector_dga.flush(f->det, &f->env);
}

typedef struct {
    const char *client;
    int32_t rcode, qtype;
    dh_verdict_t v;
    uint8_t zone_source; /* 0: as a public-suffix name */
} how_t;

#define NX(ip) ((how_t){.client = ip, .rcode = 3, .qtype = 1})
#define OK(ip) ((how_t){.client = ip, .rcode = 0, .qtype = 1})

static void query(fixture_t *f, how_t how, int64_t ts_us, const char *qname, const char *regdom)
{
    char lc[256];
    size_t n = strlen(qname);
    cr_assert_lt(n, sizeof(lc));
    for (size_t i = 0; i <= n; i++)
        lc[i] = (char)(qname[i] >= 'A' && qname[i] <= 'Z' ? qname[i] - 'A' + 'a' : qname[i]);
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    cr_assert_eq(dh_addr_parse(how.client, strlen(how.client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = qname;
    ev.qname_lc = lc;
    ev.qname_len = n;
    ev.registered_domain = regdom;
    ev.zone_source = how.zone_source ? how.zone_source : DH_ZONE_PUBLIC_SUFFIX;
    ev.rcode = how.rcode;
    ev.qtype = how.qtype;
    ev.has_response = how.rcode >= 0;
    det_call(&dh_detector_dga, f->det, &ev, &how.v, &f->env);
}

/* Names of a tests/data/dga list, comment lines skipped. */
typedef struct {
    int n;
    char name[NAMES_MAX][NAME_LEN];
} names_t;

static names_t *load_names(const char *file)
{
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/tests/data/dga/%s", DH_SOURCE_DIR, file);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "%s", path);
    names_t *l = calloc(1, sizeof(*l));
    while (fgets(line, sizeof(line), fp) && l->n < NAMES_MAX) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && line[0] != '#') {
            cr_assert_lt(strlen(line), NAME_LEN, "%s", line);
            memcpy(l->name[l->n++], line, strlen(line) + 1);
        }
    }
    fclose(fp);
    return l;
}

/* Send the first n names of a list, one every `step` seconds from t0. */
static void burst(fixture_t *f, how_t how, int64_t t0, int64_t step, const names_t *l, int n)
{
    cr_assert_leq(n, l->n);
    for (int i = 0; i < n; i++)
        query(f, how, t0 + (int64_t)i * step * 1000000, l->name[i], l->name[i]);
}

static int classify(fixture_t *f, const char *domain, double *score)
{
    size_t label = strcspn(domain, ".");
    return dh_dga_classify(f->det, domain, label, score);
}

static int count_class(fixture_t *f, const names_t *l, const char *cls)
{
    int n = 0;
    for (int i = 0; i < l->n; i++)
        n += strcmp(dh_dga_class_name(classify(f, l->name[i], NULL)), cls) == 0;
    return n;
}

#define T0 1700000400000000LL /* a 600 s window starts here (1700000400 = 600 * 2833334) */
#define MIN 60LL

/* ---- per-name score ---------------------------------------------------- */

Test(dga, model_loads_and_top_domains_score_benign)
{
    fixture_t *f = open_detector();
    names_t *benign = load_names("benign.txt");
    cr_assert_eq(benign->n, 40);
    cr_assert_eq(count_class(f, benign, "random"), 0);
    double s;
    cr_assert_str_eq(dh_dga_class_name(classify(f, "wikipedia.org", &s)), "plain");
    cr_assert_lt(s, 4.0, "wikipedia scores %f", s);
    cr_assert_str_eq(dh_dga_class_name(classify(f, "bbc.co.uk", NULL)), "short");
    free(benign);
    close_detector(f);
}

Test(dga, classic_dga_names_score_random_and_wordlists_wordlike)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt"), *hx = load_names("hex-digits.txt"),
            *wl = load_names("wordlist.txt");
    cr_assert_geq(count_class(f, rl, "random"), rl->n * 9 / 10);
    cr_assert_geq(count_class(f, hx, "random"), hx->n * 9 / 10);
    cr_assert_geq(count_class(f, wl, "wordlike"), wl->n * 9 / 10);
    cr_assert_eq(count_class(f, wl, "random"), 0, "wordlist names never look random");
    /* hand-picked family-style names */
    cr_assert_str_eq(dh_dga_class_name(classify(f, "kqzxwvbnmqtr.com", NULL)), "random");
    cr_assert_str_eq(dh_dga_class_name(classify(f, "a3f9c0d1e2b4c5d6.info", NULL)), "random");
    cr_assert_str_eq(dh_dga_class_name(classify(f, "heavenmarried.net", NULL)), "wordlike");
    cr_assert_str_eq(dh_dga_class_name(classify(f, "stops-hash.id", NULL)), "wordlike");
    /* punycode and odd bytes are not judged */
    cr_assert_str_eq(dh_dga_class_name(classify(f, "xn--80ak6aa92e.com", NULL)), "unjudged");
    cr_assert_str_eq(dh_dga_class_name(classify(f, "foo_bar.com", NULL)), "unjudged");
    free(rl);
    free(hx);
    free(wl);
    close_detector(f);
}

Test(dga, typos_of_popular_names_do_not_look_random)
{
    fixture_t *f = open_detector();
    names_t *ty = load_names("typos.txt");
    cr_assert_eq(count_class(f, ty, "random"), 0);
    free(ty);
    close_detector(f);
}

/* ---- behaviour --------------------------------------------------------- */

Test(dga, random_letter_burst_fires_once_with_evidence)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt");
    burst(f, NX("10.1.1.1"), T0, 9, rl, 60); /* 60 NXDOMAIN names in 9 minutes */
    cr_assert_eq(f->sink.n, 0, "nothing before the window closes");
    dh_state_advance(f->state, T0 + 599 * 1000000LL);
    cr_assert_eq(f->sink.n, 0, "watermark still inside the window");
    dh_state_advance(f->state, T0 + 600 * 1000000LL);
    cr_assert_eq(f->sink.n, 1, "closed once the watermark passed its end");
    const char *j = f->sink.json[0];
    cr_assert(strstr(j, "\"source\":{\"ip\":\"10.1.1.1\"}"), "%s", j);
    cr_assert(strstr(j, "\"nxdomain_names\":60,"), "%s", j);
    cr_assert(strstr(j, "\"nxdomain_share\":1,"), "%s", j);
    cr_assert(strstr(j, "\"anchors\":[\"random\"]"), "%s", j);
    cr_assert(strstr(j, "\"confidence\":0.7,"), "%s", j);
    cr_assert(strstr(j, "\"class\":\"random\",\"score\":"), "%s", j);
    cr_assert(strstr(j, "\"thresholds\":{\"min_nxdomain_names\":10,\"min_nxdomain_share\":0.4"), "%s", j);
    cr_assert(strstr(j, "\"subtechnique\":{\"id\":[\"T1568.002\"],\"name\":[\"Domain Generation Algorithms\"],\"reference\":["));
    cr_assert(strstr(j, "\"tactic\":{\"id\":[\"TA0011\"]"));
    cr_assert(strstr(j, "\"detection_strategy\":\"DET0419\""));
    cr_assert(strstr(j, "\"start\":\"2023-11-14T22:20:00.000000Z\""), "%s", j);
    free(rl);
    close_detector(f);
}

/* The same burst keyed under an internal zone (noise.yaml internal_zones):
   the site's own host names, whatever they look like, are not a DGA's. */
Test(dga, names_under_an_internal_zone_do_not_fire)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt");
    how_t how = NX("10.1.1.3");
    how.zone_source = DH_ZONE_INTERNAL;
    burst(f, how, T0, 9, rl, 60);
    finish(f);
    cr_assert_eq(f->sink.n, 0);
    how = NX("10.1.1.4"); /* the last two labels of a made-up TLD are still judged */
    how.zone_source = DH_ZONE_LAST_TWO;
    burst(f, how, T0, 9, rl, 60);
    finish(f);
    cr_assert_eq(f->sink.n, 1);
    free(rl);
    close_detector(f);
}

Test(dga, same_names_resolving_do_not_fire)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt");
    burst(f, OK("10.1.1.2"), T0, 5, rl, 60);
    finish(f);
    cr_assert_eq(f->sink.n, 0);
    free(rl);
    close_detector(f);
}

Test(dga, hex_digit_burst_fires)
{
    fixture_t *f = open_detector();
    names_t *hx = load_names("hex-digits.txt");
    burst(f, NX("2001:db8::5"), T0, 10, hx, 40);
    finish(f);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(strstr(f->sink.json[0], "\"random_nxdomain_names\":40,"), "%s", f->sink.json[0]);
    free(hx);
    close_detector(f);
}

Test(dga, wordlist_burst_fires_on_behaviour_only)
{
    fixture_t *f = open_detector();
    names_t *wl = load_names("wordlist.txt");
    burst(f, NX("10.1.1.3"), T0, 10, wl, 30);     /* above min_wordlike_names (25) */
    burst(f, NX("10.1.1.4"), T0, 10, wl, 24);     /* below it */
    finish(f);
    cr_assert_eq(f->sink.n, 1);
    const char *j = f->sink.json[0];
    cr_assert(strstr(j, "\"ip\":\"10.1.1.3\""), "%s", j);
    cr_assert(strstr(j, "\"anchors\":[\"wordlike\"]"), "%s", j);
    cr_assert(strstr(j, "\"wordlike_or_long_nxdomain_names\":30,"), "%s", j);
    cr_assert(strstr(j, "\"random_nxdomain_names\":0,"), "%s", j);
    cr_assert(strstr(j, "\"class\":\"wordlike\""), "%s", j);
    free(wl);
    close_detector(f);
}

Test(dga, min_nxdomain_names_boundary)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt");
    burst(f, NX("10.2.0.9"), T0, 30, rl, 9);  /* one short */
    burst(f, NX("10.2.0.10"), T0, 30, rl, 10); /* exactly min_nxdomain_names */
    finish(f);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(strstr(f->sink.json[0], "\"ip\":\"10.2.0.10\""), "%s", f->sink.json[0]);
    cr_assert(strstr(f->sink.json[0], "\"nxdomain_names\":10,"));
    free(rl);
    close_detector(f);
}

Test(dga, nxdomain_share_must_exceed_forty_percent)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt"), *benign = load_names("benign.txt");
    /* 10 NXDOMAIN of 25 distinct domains = 40 %: not above */
    burst(f, NX("10.3.0.1"), T0, 20, rl, 10);
    burst(f, OK("10.3.0.1"), T0 + 1000, 20, benign, 15);
    /* 10 of 24 = 41.7 %: fires */
    burst(f, NX("10.3.0.2"), T0, 20, rl, 10);
    burst(f, OK("10.3.0.2"), T0 + 1000, 20, benign, 14);
    finish(f);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(strstr(f->sink.json[0], "\"ip\":\"10.3.0.2\""), "%s", f->sink.json[0]);
    cr_assert(strstr(f->sink.json[0], "\"distinct_domains\":24,"), "%s", f->sink.json[0]);
    free(rl);
    free(benign);
    close_detector(f);
}

Test(dga, cdn_client_whose_random_names_resolve_does_not_fire)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt"), *hx = load_names("hex-digits.txt");
    /* 50 random-looking names resolve: not a DGA host */
    burst(f, OK("10.4.0.1"), T0, 10, rl, 50);
    /* 30 resolve, 25 NXDOMAIN (share 45 %): most random names resolved */
    burst(f, OK("10.4.0.2"), T0, 10, rl, 30);
    burst(f, NX("10.4.0.2"), T0, 10, hx, 25);
    finish(f);
    cr_assert_eq(f->sink.n, 0, "%s", f->sink.n ? f->sink.json[0] : "");
    free(rl);
    free(hx);
    close_detector(f);
}

Test(dga, benign_nxdomain_noise_does_not_fire)
{
    fixture_t *f = open_detector();
    names_t *ty = load_names("typos.txt"), *rl = load_names("random-letters.txt");
    how_t nx = NX("10.5.0.1");
    burst(f, nx, T0, 10, ty, ty->n); /* typos */
    char name[256], label[64];
    for (int i = 0; i < 40; i++) {   /* a broken search suffix: one registered domain */
        snprintf(name, sizeof(name), "host%d.corp.example.com.corp.example.com", i);
        query(f, nx, T0 + i * 1000000LL, name, "example.com");
    }
    for (int i = 0; i < 30; i++) {   /* Chrome's random single-label probes: no registered domain */
        snprintf(label, sizeof(label), "%.*s", 7 + i % 9, rl->name[i]);
        query(f, nx, T0 + i * 1000000LL, label, NULL);
    }
    for (int i = 0; i < 30; i++) {   /* the same probes with an internal search suffix */
        snprintf(label, sizeof(label), "%.*s.lan", 7 + i % 9, rl->name[i]);
        query(f, nx, T0 + i * 1000000LL, label, label);
        snprintf(name, sizeof(name), "%.*s.office.local", 7 + i % 9, rl->name[i]);
        query(f, nx, T0 + i * 1000000LL, name, "office.local");
    }
    finish(f);
    cr_assert_eq(f->sink.n, 0, "%s", f->sink.n ? f->sink.json[0] : "");
    free(ty);
    free(rl);
    close_detector(f);
}

Test(dga, common_benign_and_mail_lookups_are_not_dga_names)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt");
    how_t common = NX("10.6.0.1"), benign = NX("10.6.0.2"), mx = NX("10.6.0.3");
    common.v.common = true;
    benign.v.benign_service = true;
    mx.qtype = 15; /* MX: a mail server checking a spam sender */
    burst(f, common, T0, 5, rl, 60);
    burst(f, benign, T0, 5, rl, 60);
    burst(f, mx, T0, 5, rl, 60);
    finish(f);
    cr_assert_eq(f->sink.n, 0);
    free(rl);
    close_detector(f);
}

Test(dga, one_detection_per_client_and_window_with_exact_bytes)
{
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt");
    char upper[NAME_LEN + 32];
    for (int i = 0; i < 20; i++) { /* mixed case on the wire, www. in front */
        snprintf(upper, sizeof(upper), "WWW.%s", rl->name[i]);
        upper[4] = (char)(upper[4] - 'a' + 'A');
        query(f, NX("10.7.0.1"), T0 + i * 1000000LL, upper, rl->name[i]);
    }
    burst(f, NX("10.7.0.1"), T0 + 700 * 1000000LL, 5, rl, 20); /* next window */
    burst(f, NX("10.7.0.2"), T0, 5, rl, 20);                   /* another client */
    finish(f);
    cr_assert_eq(f->sink.n, 3);
    snprintf(upper, sizeof(upper), "\"name\":\"WWW.%c%s\"", rl->name[0][0] - 'a' + 'A',
             rl->name[0] + 1);
    cr_assert(strstr(f->sink.json[0], upper), "exact bytes in samples: %s", f->sink.json[0]);
    char id[3][40];
    for (int i = 0; i < 3; i++)
        sscanf(strstr(f->sink.json[i], "\"id\":\"") + 6, "%32s", id[i]);
    cr_assert_str_neq(id[0], id[1]);
    cr_assert_str_neq(id[0], id[2]);
    free(rl);
    close_detector(f);
}

Test(dga, gen_dnslog_style_partially_resolving_burst_fires)
{
    /* bursts where one name in a hundred resolves still fire */
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt"), *hx = load_names("hex-digits.txt");
    burst(f, NX("10.8.0.1"), T0, 5, rl, 59);
    query(f, OK("10.8.0.1"), T0 + 400 * 1000000LL, hx->name[0], hx->name[0]);
    finish(f);
    cr_assert_eq(f->sink.n, 1);
    cr_assert(strstr(f->sink.json[0], "\"resolved_random_names\":1,"), "%s", f->sink.json[0]);
    free(rl);
    free(hx);
    close_detector(f);
}

Test(dga, bursts_beyond_exact_counting_are_estimated)
{
    /* 100 distinct names: the counters turn into HyperLogLog estimates */
    fixture_t *f = open_detector();
    names_t *rl = load_names("random-letters.txt"), *hx = load_names("hex-digits.txt");
    burst(f, NX("10.9.0.1"), T0, 3, rl, 60);
    burst(f, NX("10.9.0.1"), T0 + 200 * 1000000LL, 3, hx, 40);
    finish(f);
    cr_assert_eq(f->sink.n, 1);
    const char *j = f->sink.json[0];
    unsigned nx = 0, rnd = 0;
    cr_assert_eq(sscanf(strstr(j, "\"nxdomain_names\":"), "\"nxdomain_names\":%u", &nx), 1);
    cr_assert_eq(sscanf(strstr(j, "\"random_nxdomain_names\":"), "\"random_nxdomain_names\":%u",
                        &rnd), 1);
    cr_assert(nx >= 85 && nx <= 115, "estimate %u of 100", nx);
    cr_assert_eq(rnd, nx, "all of them random");
    cr_assert(strstr(j, "\"random_share\":1,"), "%s", j);
    cr_assert(strstr(j, "\"nxdomain_queries\":100,"), "%s", j);
    free(rl);
    free(hx);
    close_detector(f);
}

/* ---- configuration errors ---------------------------------------------- */

/* A copy of rules/dga.yaml in a fresh directory with `from` replaced by `to`. */
static void write_rule(char *dir, const char *from, const char *to)
{
    char path[600], buf[16384];
    FILE *in = fopen(DH_SOURCE_DIR "/rules/dga.yaml", "r");
    cr_assert_not_null(in);
    size_t n = fread(buf, 1, sizeof(buf) - 1, in);
    fclose(in);
    buf[n] = '\0';
    char *at = strstr(buf, from);
    cr_assert_not_null(at, "%s", from);
    snprintf(path, sizeof(path), "%s/dga.yaml", dir);
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    fprintf(out, "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
    fclose(out);
}

static char *create_error(const char *dir)
{
    static char err[1024];
    char e2[1024];
    dh_rule_t *r = dh_rule_load(dir, "dga", e2, sizeof(e2));
    cr_assert_not_null(r, "%s", e2);
    dh_state_t *st = dh_state_new(1 << 20);
    dh_detect_env_t env = {.emit = collect, .state = st};
    void *d = dh_detector_create(&dh_detector_dga, r, &env, err, sizeof(err));
    if (d) {
        snprintf(err, sizeof(err), "%s", dh_rule_finish(r, e2, sizeof(e2)) ? e2 : "(no error)");
        dh_detector_destroy(&dh_detector_dga, d);
    }
    dh_state_free(st);
    dh_rule_free(r);
    return err;
}

Test(dga, missing_model_bad_model_and_bad_threshold_name_the_file)
{
    char dir[] = "/tmp/dga-test-XXXXXX", path[600];
    cr_assert_not_null(mkdtemp(dir));

    write_rule(dir, "model: dga-model.txt", "model: nosuch-model.txt");
    char *err = create_error(dir);
    cr_assert(strstr(err, "nosuch-model.txt"), "%s", err);
    cr_assert(strstr(err, "dga.yaml:"), "%s", err);

    snprintf(path, sizeof(path), "%s/bad-model.txt", dir);
    FILE *fp = fopen(path, "w");
    fputs("# a broken model\ndnshound-dga-model 1\nlabels 3\nsmoothing 0.5\ntrigrams 2\n^^a 3\nzz\n",
          fp);
    fclose(fp);
    write_rule(dir, "model: dga-model.txt", "model: bad-model.txt");
    err = create_error(dir);
    cr_assert(strstr(err, "bad-model.txt:7:"), "%s", err);

    write_rule(dir, "min_nxdomain_share: 0.4", "min_nxdomain_share: 1.5");
    err = create_error(dir);
    cr_assert(strstr(err, "dga.yaml:") && strstr(err, "min_nxdomain_share"), "%s", err);

    write_rule(dir, "model: dga-model.txt",
               "model: " DH_SOURCE_DIR "/rules/dga-model.txt\n  min_nxdomian_names: 3");
    err = create_error(dir);
    cr_assert(strstr(err, "dga.yaml:") && strstr(err, "min_nxdomian_names"), "%s", err);

    write_rule(dir, "ignore_suffixes: [local,", "ignore_suffixes: [.local,");
    err = create_error(dir);
    cr_assert(strstr(err, "ignore_suffixes"), "%s", err);

    unlink(path);
    snprintf(path, sizeof(path), "%s/dga.yaml", dir);
    unlink(path);
    rmdir(dir);
}

/* Early alerts: the burst is reported at its 10th NXDOMAIN name (the
   threshold), 4.5 minutes before the 10-minute window would close, and the
   close reports the same event.id with all 60 names. */
Test(dga, early_alert_at_the_threshold_name_then_the_close_same_id)
{
    fixture_t *f = open_detector();
    f->env.early_alerts = true;
    names_t *rl = load_names("random-letters.txt");
    burst(f, NX("10.1.1.1"), T0, 9, rl, 9);
    cr_assert_eq(f->sink.n, 0, "9 names: one short");
    burst(f, NX("10.1.1.1"), T0, 9, rl, 60); /* the 9 again, then the 10th... */
    cr_assert_eq(f->sink.n, 1, "reported at the 10th distinct name");
    const char *j = f->sink.json[0];
    cr_assert(strstr(j, "\"early\":true"), "%s", j);
    cr_assert(strstr(j, "\"nxdomain_names\":10,"), "%s", j);
    cr_assert(strstr(j, "\"@timestamp\":\"2023-11-14T22:21:21.000000Z\""), "%s", j);
    finish(f);
    cr_assert_eq(f->sink.n, 2);
    cr_assert(strstr(f->sink.json[1], "\"nxdomain_names\":60,"), "%s", f->sink.json[1]);
    const char *a = strstr(f->sink.json[0], "\"id\":\""), *b = strstr(f->sink.json[1], "\"id\":\"");
    cr_assert(a && b && strncmp(a, b, 40) == 0, "same event.id");
    free(rl);
    close_detector(f);
}
