/*
 * test-incidents.c - the correlation of findings (incidents.h): rules that
 * agree on one client x domain make one incident with every technique, one
 * risk score and the findings linked by id; a host's findings of a day roll
 * up to a host_risk detection when its level reaches the alert level.
 * Findings are real detection lines: the shipped rules through the one
 * serializer (detection.c), read back as the SIEM would.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detection.h"
#include "incidents.h"
#include "rules.h"
#include "util-ip.h"

#define SEC 1000000LL
#define MAX_OUT 16

typedef struct {
    int n;
    cJSON *d[MAX_OUT];
} out_t;

static void out(void *ctx, const dh_strbuf_t *line, const char *key)
{
    out_t *o = ctx;
    cr_assert_lt(o->n, MAX_OUT);
    cJSON *d = cJSON_ParseWithLength(line->buf, line->len);
    cr_assert_not_null(d, "an incident line is JSON: %.*s", (int)line->len, line->buf);
    cr_assert_str_eq(key, cJSON_GetObjectItem(cJSON_GetObjectItem(d, "source"), "ip")->valuestring,
                     "keyed by the client, as every detection");
    o->d[o->n++] = d;
}

/* The lines of one kind (incident, host_risk) in order, into k. */
static int of_kind(const out_t *o, const char *kind, const cJSON **k)
{
    int n = 0;
    for (int i = 0; i < o->n; i++) {
        const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(o->d[i], "dnshound"), "kind");
        if (cJSON_IsString(v) && strcmp(v->valuestring, kind) == 0)
            k[n++] = o->d[i];
    }
    return n;
}

/* the incidents among the lines out so far, into k */
#define N_INC() of_kind(&h.o, "incident", k)

static void out_free(out_t *o)
{
    for (int i = 0; i < o->n; i++)
        cJSON_Delete(o->d[i]);
    o->n = 0;
}

static const cJSON *at(const cJSON *d, const char *a, const char *b, const char *c)
{
    const cJSON *v = cJSON_GetObjectItem(d, a);
    if (b)
        v = cJSON_GetObjectItem(v, b);
    if (c)
        v = cJSON_GetObjectItem(v, c);
    return v;
}

static const char *str(const cJSON *d, const char *a, const char *b, const char *c)
{
    const cJSON *v = at(d, a, b, c);
    cr_assert(cJSON_IsString(v), "%s.%s.%s is a string", a, b ? b : "", c ? c : "");
    return v->valuestring;
}

static bool has_string(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
        return true;
    return false;
}

/* A finding of the shipped rule NAME, as alert suppression emits it. */
typedef struct {
    dh_rule_t *rules[4];
    const char *names[4];
    dh_strbuf_t line;
    dh_addr_t client;
} fixture_t;

static void fixture_init(fixture_t *f, const char *client)
{
    static const char *const names[] = {"dns_tunnel", "dns_exfil", "dns_beacon", "dga"};
    char err[256];
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < 4; i++) {
        f->names[i] = names[i];
        f->rules[i] = dh_rule_load(DH_SOURCE_DIR "/rules", names[i], err, sizeof(err));
        cr_assert_not_null(f->rules[i], "%s", err);
    }
    dh_sb_init(&f->line);
    cr_assert_eq(dh_addr_parse(client, strlen(client), &f->client), 0);
}

static void fixture_free(fixture_t *f)
{
    for (int i = 0; i < 4; i++)
        dh_rule_free(f->rules[i]);
    dh_sb_free(&f->line);
}

/* Serialize a finding of rule i about domain at t seconds; its id into id. */
static const dh_strbuf_t *finding(fixture_t *f, int i, const char *domain, int64_t t,
                                  double risk, char id[33])
{
    dh_detection_t d = {.rule_name = f->names[i], .rule = f->rules[i], .client = &f->client,
                        .registered_domain = domain, .qname = domain,
                        .qname_len = strlen(domain), .risk_score = risk, .confidence = -1,
                        .fired_us = t * SEC, .start_us = (t - 60) * SEC, .end_us = t * SEC,
                        .window_start_us = (t - 60) * SEC};
    dh_sb_reset(&f->line);
    dh_detection_to_json(&d, &f->line);
    if (id)
        dh_detection_id(&d, id);
    return &f->line;
}

/* A correlator of rules_dir's incident and host_risk rules (NULL: the
   shipped ones), the lines it writes, and one client's findings. */
typedef struct {
    out_t o;
    fixture_t f;
    dh_incidents_t *x;
} harness_t;

static void harness_open(harness_t *h, const char *client, const char *rules_dir)
{
    char err[256];
    memset(&h->o, 0, sizeof(h->o));
    fixture_init(&h->f, client);
    h->x = dh_incidents_new(rules_dir ? rules_dir : DH_SOURCE_DIR "/rules", out, &h->o, err,
                            sizeof(err));
    cr_assert_not_null(h->x, "%s", err);
}

static void harness_close(harness_t *h)
{
    out_free(&h->o);
    dh_incidents_free(h->x);
    fixture_free(&h->f);
}

/* Rule i's finding about domain at t seconds, read by the correlator. */
static void feed(harness_t *h, int i, const char *domain, int64_t t, double risk, char id[33])
{
    const dh_strbuf_t *l = finding(&h->f, i, domain, t, risk, id);
    dh_incidents_observe(h->x, l->buf, l->len);
}

static const cJSON *evidence(const cJSON *d, const char *key)
{
    return at(d, "dnshound", "evidence", key);
}

Test(incidents, two_rules_on_one_pair_make_one_incident_with_both_techniques)
{
    const cJSON *k[MAX_OUT];
    harness_t h;
    harness_open(&h, "10.1.0.14", NULL);
    char tunnel[33], exfil[33];
    feed(&h, 0, "towzifohi.com", 1000, 73, tunnel);
    cr_assert_eq(N_INC(), 0, "one rule is a finding, not an incident");
    feed(&h, 1, "towzifohi.com", 1100, 68, exfil);
    cr_assert_eq(N_INC(), 1, "the second rule makes the incident, at once");
    const cJSON *d = k[0];
    cr_assert_str_eq(str(d, "rule", "name", NULL), "incident");
    cr_assert_str_eq(str(d, "event", "dataset", NULL), "dnshound.incident");
    cr_assert_str_eq(str(d, "dnshound", "kind", NULL), "incident");
    cr_assert_str_eq(str(d, "dns", "question", "registered_domain"), "towzifohi.com");
    cr_assert_float_eq(at(d, "event", "risk_score", NULL)->valuedouble, 91.4, 0.01,
                       "1 - (1 - .73)(1 - .68)");
    cr_assert_eq(at(d, "event", "severity", NULL)->valueint, 5, "91.4 is in the critical band");
    const cJSON *tech = at(d, "threat", "technique", "id");
    cr_assert(has_string(tech, "T1071") && has_string(tech, "T1048"), "both rules' techniques");
    const cJSON *sub = at(d, "threat", "technique", "subtechnique");
    cr_assert(has_string(cJSON_GetObjectItem(sub, "id"), "T1071.004") &&
              has_string(cJSON_GetObjectItem(sub, "id"), "T1048.003"));
    const cJSON *linked = evidence(d, "findings");
    cr_assert_eq(cJSON_GetArraySize(linked), 2);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(linked, 0), "id")->valuestring, tunnel);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(linked, 1), "id")->valuestring, exfil);
    cr_assert_str_eq(str(d, "event", "start", NULL), "1970-01-01T00:15:40.000000Z",
                     "from the first finding's start");
    cr_assert_null(at(d, "dnshound", "update", NULL));
    cr_assert_eq(dh_incidents_stats(h.x).incidents, 1);
    out_free(&h.o);
    dh_incidents_flush(h.x);
    cr_assert_eq(N_INC(), 0, "nothing pending: the incident said everything");
    harness_close(&h);
}

Test(incidents, one_rule_or_two_domains_make_none)
{
    const cJSON *k[MAX_OUT];
    harness_t h;
    harness_open(&h, "10.1.0.14", NULL);
    feed(&h, 0, "a.example", 1000, 73, NULL);
    feed(&h, 0, "a.example", 2000, 73, NULL); /* the same rule again */
    feed(&h, 1, "b.example", 2100, 68, NULL); /* another rule, another domain */
    dh_incidents_flush(h.x);
    cr_assert_eq(N_INC(), 0);
    cr_assert_eq(dh_incidents_stats(h.x).findings, 3);
    harness_close(&h);
}

Test(incidents, findings_further_apart_than_the_window_make_none)
{
    const cJSON *k[MAX_OUT];
    harness_t h;
    harness_open(&h, "10.1.0.14", NULL);
    feed(&h, 0, "a.example", 1000, 73, NULL);
    feed(&h, 1, "a.example", 1000 + 86400 + 1, 68, NULL); /* rules/incident.yaml window 86400 */
    cr_assert_eq(N_INC(), 0, "a day and a second apart are two stories");
    feed(&h, 2, "a.example", 1000 + 86400 + 60, 63, NULL);
    cr_assert_eq(N_INC(), 1, "but the exfil and the beacon of the second day agree");
    const cJSON *rules = evidence(k[0], "rules");
    cr_assert_eq(cJSON_GetArraySize(rules), 2);
    cr_assert(has_string(rules, "dns_exfil") && has_string(rules, "dns_beacon"));
    harness_close(&h);
}

Test(incidents, a_rule_joining_updates_the_incident_and_a_repeat_waits_for_its_window)
{
    const cJSON *k[MAX_OUT];
    harness_t h;
    harness_open(&h, "10.1.0.13", NULL);
    feed(&h, 0, "c2.example", 1000, 73, NULL);
    feed(&h, 1, "c2.example", 1200, 68, NULL);
    cr_assert_eq(N_INC(), 1);
    char id[33];
    snprintf(id, sizeof(id), "%s", str(k[0], "event", "id", NULL));
    feed(&h, 2, "c2.example", 5000, 63, NULL);
    cr_assert_eq(N_INC(), 2, "a third rule is news at once");
    const cJSON *u = k[1];
    cr_assert_str_eq(str(u, "event", "id", NULL), id, "the same incident");
    cr_assert(cJSON_IsTrue(at(u, "dnshound", "update", NULL)));
    cr_assert_float_eq(at(u, "event", "risk_score", NULL)->valuedouble, 96.8, 0.01,
                       "1 - .27 * .32 * .37");
    cr_assert_eq(cJSON_GetArraySize(evidence(u, "rules")), 3);
    cr_assert_str_eq(str(u, "@timestamp", NULL, NULL), "1970-01-01T01:23:20.000000Z");
    feed(&h, 0, "c2.example", 9000, 73, NULL); /* the tunnel's next alert */
    cr_assert_eq(N_INC(), 2, "another finding of a rule it has: linked later, not a new ticket");
    dh_incidents_advance(h.x, (9000 + 86400) * SEC);
    cr_assert_eq(N_INC(), 2, "its window is still open");
    dh_incidents_advance(h.x, (9000 + 86400 + 61) * SEC);
    cr_assert_eq(N_INC(), 3, "the window ended: the update links it");
    cr_assert_eq(cJSON_GetArraySize(evidence(k[2], "findings")), 4);
    cr_assert_eq(at(k[2], "dnshound", "occurrences", NULL)->valueint, 4);
    cr_assert_str_eq(str(k[2], "event", "id", NULL), id);
    dh_incidents_flush(h.x);
    cr_assert_eq(N_INC(), 3, "settled once");
    harness_close(&h);
}

Test(incidents, lines_it_wrote_and_resolver_findings_are_not_findings)
{
    const cJSON *k[MAX_OUT];
    harness_t h;
    harness_open(&h, "10.1.0.13", NULL);
    feed(&h, 0, "c2.example", 1000, 73, NULL);
    feed(&h, 1, "c2.example", 1200, 68, NULL);
    cr_assert_eq(N_INC(), 1);
    char *again = cJSON_PrintUnformatted(k[0]);
    dh_incidents_observe(h.x, again, strlen(again));
    free(again);
    cr_assert_eq(N_INC(), 1, "an incident line read back changes nothing");
    dh_detection_t d = {.rule_name = "dns_tunnel", .rule = h.f.rules[0], .client = &h.f.client,
                        .client_is_resolver = true, .registered_domain = "r.example",
                        .risk_score = -1, .confidence = -1, .fired_us = 1300 * SEC};
    dh_strbuf_t l;
    dh_sb_init(&l);
    dh_detection_to_json(&d, &l);
    d.rule_name = "dns_exfil";
    d.rule = h.f.rules[1];
    dh_detection_to_json(&d, &l); /* two lines in one buffer: each read alone below */
    char *nl = memchr(l.buf, '\n', l.len);
    dh_incidents_observe(h.x, l.buf, (size_t)(nl - l.buf));
    dh_incidents_observe(h.x, nl + 1, l.len - (size_t)(nl + 1 - l.buf));
    cr_assert_eq(N_INC(), 1, "a resolver's queries are not its own");
    dh_incidents_observe(h.x, "not json", 8);
    cr_assert_eq(dh_incidents_stats(h.x).unreadable, 1);
    dh_sb_free(&l);
    harness_close(&h);
}

Test(host_risk, a_day_of_findings_rolls_up_when_the_level_is_reached)
{
    harness_t h;
    harness_open(&h, "10.1.0.20", NULL);
    feed(&h, 0, "a.example", 1000, 73, NULL); /* 73 / 2.612 = 27.9: low */
    feed(&h, 1, "b.example", 2000, 68, NULL); /* + 68 / 2^1.5: 36.9, low */
    cr_assert_eq(h.o.n, 0, "low is below rules/host_risk.yaml alert_level moderate");
    char beacon[33];
    feed(&h, 2, "c.example", 3000, 60, beacon); /* + 60 / 3^1.5: 41.6, moderate */
    cr_assert_eq(h.o.n, 1);
    const cJSON *d = h.o.d[0];
    cr_assert_str_eq(str(d, "rule", "name", NULL), "host_risk");
    cr_assert_str_eq(str(d, "event", "dataset", NULL), "dnshound.host_risk");
    cr_assert_float_eq(at(d, "event", "risk_score", NULL)->valuedouble, 41.6, 0.05);
    cr_assert_str_eq(str(d, "dnshound", "evidence", "level"), "moderate");
    cr_assert_eq(at(d, "event", "severity", NULL)->valueint, 3);
    cr_assert_null(at(d, "dns", NULL, NULL), "about the host, no domain");
    const cJSON *linked = evidence(d, "findings");
    cr_assert_eq(cJSON_GetArraySize(linked), 3);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(linked, 2), "id")->valuestring, beacon,
                     "the riskiest first");
    const cJSON *tech = at(d, "threat", "technique", "id");
    cr_assert(has_string(tech, "T1071") && has_string(tech, "T1048"));
    char id[33];
    snprintf(id, sizeof(id), "%s", str(d, "event", "id", NULL));
    for (int i = 0; i < 4; i++)
        feed(&h, 3, "d.example", 4000 + i * 10, 99, NULL);
    cr_assert_eq(h.o.n, 1, "four more findings of 99: 68.8, still moderate");
    feed(&h, 3, "d.example", 4100, 99, NULL);
    cr_assert_eq(h.o.n, 2, "the fifth: 71.0, high: one update");
    cr_assert_float_eq(at(h.o.d[1], "event", "risk_score", NULL)->valuedouble, 71.0, 0.05);
    cr_assert_str_eq(str(h.o.d[1], "event", "id", NULL), id);
    cr_assert_str_eq(str(h.o.d[1], "dnshound", "evidence", "level"), "high");
    cr_assert(cJSON_IsTrue(at(h.o.d[1], "dnshound", "update", NULL)));
    /* two days later: the window is empty, one finding is low again */
    feed(&h, 0, "a.example", 3 * 86400, 73, NULL);
    feed(&h, 1, "a.example", 3 * 86400 + 10, 68, NULL);
    cr_assert_eq(h.o.n, 3, "the pair is an incident; the host is low, not reported");
    cr_assert_str_eq(str(h.o.d[2], "rule", "name", NULL), "incident");
    feed(&h, 2, "a.example", 3 * 86400 + 20, 60, NULL);
    cr_assert_eq(h.o.n, 5, "incident update + a new host_risk episode");
    cr_assert_str_eq(str(h.o.d[3], "rule", "name", NULL), "incident");
    const cJSON *episode = h.o.d[4];
    cr_assert_str_eq(str(episode, "rule", "name", NULL), "host_risk");
    cr_assert_str_neq(str(episode, "event", "id", NULL), id, "a new episode is a new detection");
    cr_assert_null(at(episode, "dnshound", "update", NULL));
    harness_close(&h);
}

Test(incidents, invalid_thresholds_are_refused)
{
    char dir[] = "/tmp/dh-incidents-XXXXXX", path[256], cmd[512], err[256];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd),
             "cp %s/rules/incident.yaml %s/ && sed 's/alert_level: moderate/alert_level: severe/' "
             "%s/rules/host_risk.yaml > %s/host_risk.yaml",
             DH_SOURCE_DIR, dir, DH_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    out_t o = {0};
    cr_assert_null(dh_incidents_new(dir, out, &o, err, sizeof(err)));
    cr_assert(strstr(err, "alert_level"), "names the key: %s", err);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    cr_assert_eq(system(path), 0);
}

/* max_entries bounds the pairs tracked: the one idle longest is dropped, and
   an incident dropped with findings not yet reported says them first. */
Test(incidents, a_full_table_drops_the_idlest_pair_after_its_update)
{
    char dir[] = "/tmp/dh-incidents-XXXXXX", cmd[512];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd),
             "cp %s/rules/host_risk.yaml %s/ && sed 's/max_entries: 8192/max_entries: 16/' "
             "%s/rules/incident.yaml > %s/incident.yaml",
             DH_SOURCE_DIR, dir, DH_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    const cJSON *k[MAX_OUT];
    harness_t h;
    harness_open(&h, "10.9.0.1", dir);
    feed(&h, 0, "first.example", 100, 73, NULL);
    feed(&h, 1, "first.example", 110, 68, NULL);
    feed(&h, 0, "first.example", 400, 73, NULL); /* linked, its update pending */
    cr_assert_eq(N_INC(), 1);
    char name[32];
    for (int i = 0; i < 15; i++) { /* fills the table: 16 pairs */
        snprintf(name, sizeof(name), "d%02d.example", i);
        feed(&h, 3, name, 1000 + i, 40, NULL);
    }
    cr_assert_eq(dh_incidents_stats(h.x).evicted, 0);
    cr_assert_eq(N_INC(), 1);
    feed(&h, 3, "one-more.example", 2000, 40, NULL);
    cr_assert_eq(dh_incidents_stats(h.x).evicted, 1, "the 17th pair drops one");
    cr_assert_eq(N_INC(), 2, "the dropped incident's pending update went out first");
    cr_assert(cJSON_IsTrue(at(k[1], "dnshound", "update", NULL)));
    cr_assert_eq(cJSON_GetArraySize(evidence(k[1], "findings")), 3);
    feed(&h, 1, "d00.example", 2100, 68, NULL);
    cr_assert_eq(N_INC(), 3, "d00 was not the idlest: still known");
    harness_close(&h);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
