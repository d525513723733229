/*
 * test-rules.c - YAML rule files: the shipped ones load, mistakes are errors
 * that name FILE:LINE.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detection.h"
#include "detector.h"
#include "rules.h"
#include "util-ip.h"

static char tmpdir[64];

static void write_rule(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s.yaml", tmpdir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    strcpy(tmpdir, "/tmp/dh-rules-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

#define GOOD_HEAD "title: t\nid: x\n"
#define GOOD_TAIL                                                         \
    "level: high\nrisk_score: 50\n"                                        \
    "attack:\n  version: \"18.1\"\n  detection_strategy: DET0400\n"        \
    "  tactics:\n    - {id: TA0011, name: Command and Control}\n"          \
    "  techniques:\n    - {id: T1071, name: Application Layer Protocol}\n" \
    "  subtechniques:\n    - {id: T1071.004, name: DNS}\n"                 \
    "thresholds:\n  window: 60\n"
static const char *good = GOOD_HEAD "version: 1\n" GOOD_TAIL;

Test(rules, every_shipped_rule_loads_and_creates_its_detector)
{
    char err[512];
    dh_state_t *state = dh_state_new(1 << 20);
    dh_detect_env_t env = {.state = state};
    for (size_t i = 0; dh_detectors[i]; i++) {
        dh_rule_t *r = dh_rule_load(DH_SOURCE_DIR "/rules", dh_detectors[i]->name, err, sizeof(err));
        cr_assert_not_null(r, "%s", err);
        void *st = dh_detector_create(dh_detectors[i], r, &env, err, sizeof(err));
        cr_assert_not_null(st, "%s", err);
        cr_assert_eq(dh_rule_finish(r, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(r->attack.version, "18.1");
        cr_assert_gt(r->attack.n_tactics, 0);
        /* ECS rule.uuid and rule.version of every detection come from here */
        cr_assert_eq(strlen(r->uuid), 36, "%s: id is no UUID", dh_detectors[i]->name);
        cr_assert_not_null(r->version, "%s", dh_detectors[i]->name);
        dh_detector_destroy(dh_detectors[i], st);
        dh_rule_free(r);
    }
    dh_state_free(state);
}

Test(rules, metadata_is_read, .init = setup, .fini = teardown)
{
    char err[512];
    write_rule("r", good);
    dh_rule_t *r = dh_rule_load(tmpdir, "r", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    cr_assert_eq(r->severity, 4);
    cr_assert_str_eq(r->attack.subtechniques[0].id, "T1071.004");
    cr_assert_str_eq(r->attack.detection_strategy, "DET0400");
    cr_assert_str_eq(r->uuid, "x");
    cr_assert_str_eq(r->version, "1");
    cr_assert_null(r->reference, "no reference: the ATT&CK page is the default");
    cr_assert_null(r->author);
    int64_t w = 0;
    cr_assert_eq(dh_yaml_int(r->thresholds, "window", true, 1, 100, &w, err, sizeof(err)), 0);
    cr_assert_eq(w, 60);
    cr_assert_eq(dh_rule_finish(r, err, sizeof(err)), 0, "%s", err);
    dh_rule_free(r);
}

static void expect_error(const char *text, const char *needle)
{
    char err[512] = "";
    write_rule("bad", text);
    dh_rule_t *r = dh_rule_load(tmpdir, "bad", err, sizeof(err));
    if (r) {
        int64_t w;
        int rc = dh_yaml_int(r->thresholds, "window", false, 1, 100, &w, err, sizeof(err));
        if (rc == 0)
            rc = dh_rule_finish(r, err, sizeof(err));
        dh_rule_free(r);
        cr_assert_neq(rc, 0, "accepted: %s", text);
    }
    cr_assert(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
    cr_assert(strstr(err, "/bad.yaml:"), "error '%s' names no FILE:LINE", err);
}

Test(rules, mistakes_name_file_and_line, .init = setup, .fini = teardown)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%sthresholdz: 1\n", good);
    expect_error(buf, "unknown key 'thresholdz'");
    snprintf(buf, sizeof(buf), "%s  windoww: 3\n", good);
    expect_error(buf, ":17: unknown key 'windoww'");
    expect_error("title: t\nid: x\nversion: 1\nlevel: loud\nrisk_score: 50\n", "level");
    expect_error("title: t\nid: x\nversion: 1\nlevel: high\nrisk_score: 500\n", "risk_score");
    expect_error("title: [unclosed\n", "bad.yaml:");
    expect_error("title: t\ntitle: u\n", "duplicate key 'title'");
    char *p = strstr(strcpy(buf, good), "T1071.004");
    memcpy(p, "T1071-004", 9);
    expect_error(buf, "bad ATT&CK id");
    snprintf(buf, sizeof(buf), "%s", good);
    strcpy(strstr(buf, "window: 60"), "window: sixty\n");
    expect_error(buf, "window: expected an integer");
}

/* good, with its version line replaced and lines added at the end */
static const char *variant(char *buf, size_t n, const char *version_line, const char *extra)
{
    snprintf(buf, n, "%s%s%s%s", GOOD_HEAD, version_line, GOOD_TAIL, extra);
    return buf;
}

Test(rules, version_reference_author_and_license_are_read_and_checked, .init = setup,
     .fini = teardown)
{
    char err[512], buf[1024];
    const char *meta = "reference: https://example.org/rules/t\nauthor: someone\nlicense: BSD-3-Clause\n";
    write_rule("r", variant(buf, sizeof(buf), "version: 2.1\n", meta));
    dh_rule_t *r = dh_rule_load(tmpdir, "r", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    cr_assert_str_eq(r->version, "2.1");
    cr_assert_str_eq(r->reference, "https://example.org/rules/t");
    cr_assert_str_eq(r->author, "someone");
    cr_assert_str_eq(r->license, "BSD-3-Clause");
    dh_rule_free(r);
    expect_error(variant(buf, sizeof(buf), "", meta), "missing required key 'version'");
    expect_error(variant(buf, sizeof(buf), "version: v2\n", ""), "version: expected digits and dots");
    expect_error(variant(buf, sizeof(buf), "version: 1.\n", ""), "version: expected digits and dots");
    expect_error(variant(buf, sizeof(buf), "version: 1\n", "reference: see the wiki\n"),
                 "reference: expected an http(s) URL");
}

/* A detection of rule file text: its JSON line in out. */
static void detection_of(const char *text, dh_strbuf_t *out)
{
    char err[512];
    write_rule("d", text);
    dh_rule_t *r = dh_rule_load(tmpdir, "d", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    dh_addr_t client;
    cr_assert_eq(dh_addr_parse("10.0.0.1", 8, &client), 0);
    dh_detection_t d = {.rule_name = "t", .rule = r, .client = &client, .risk_score = -1,
                        .confidence = -1, .fired_us = 1700000000000000LL};
    dh_sb_reset(out);
    dh_detection_to_json(&d, out);
    dh_rule_free(r);
}

Test(rules, detections_carry_the_rule_metadata_in_ecs_rule_fields, .init = setup, .fini = teardown)
{
    char buf[1024];
    dh_strbuf_t j;
    dh_sb_init(&j);
    detection_of(variant(buf, sizeof(buf), "version: 3\n", "author: someone\nlicense: MIT\n"), &j);
    cr_assert(strstr(j.buf, "\"rule\":{\"name\":\"t\",\"id\":\"t\",\"uuid\":\"x\",\"version\":\"3\","
                            "\"description\":\"t\",\"reference\":\"https://attack.mitre.org/techniques/"
                            "T1071/004/\",\"ruleset\":\"dnshound\",\"author\":[\"someone\"],"
                            "\"license\":\"MIT\"}"), "%s", j.buf);
    cr_assert(strstr(j.buf, "\"ecs\":{\"version\":\"" DH_ECS_VERSION "\"}"), "%s", j.buf);
    /* a rule's own reference wins over the ATT&CK page */
    detection_of(variant(buf, sizeof(buf), "version: 3\n", "reference: https://example.org/t\n"), &j);
    cr_assert(strstr(j.buf, "\"reference\":\"https://example.org/t\",\"ruleset\""), "%s", j.buf);
    cr_assert_null(strstr(j.buf, "\"author\""), "%s", j.buf);
    dh_sb_free(&j);
}

Test(rules, suppression_scope_is_read_and_checked, .init = setup, .fini = teardown)
{
    char err[512], buf[1024];
    write_rule("r", good);
    dh_rule_t *r = dh_rule_load(tmpdir, "r", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    cr_assert_eq(r->suppression_scope, DH_SCOPE_CLIENT_DOMAIN, "the default: today's key");
    cr_assert_eq(r->suppression_services, 20);
    dh_rule_free(r);
    snprintf(buf, sizeof(buf), "%ssuppression_scope: client\nsuppression_services: 5\n", good);
    write_rule("r", buf);
    r = dh_rule_load(tmpdir, "r", err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    cr_assert_eq(r->suppression_scope, DH_SCOPE_CLIENT);
    cr_assert_eq(r->suppression_services, 5);
    dh_rule_free(r);
    snprintf(buf, sizeof(buf), "%ssuppression_scope: host\n", good);
    expect_error(buf, "suppression_scope: expected client_domain or client, got 'host'");
    snprintf(buf, sizeof(buf), "%ssuppression_services: 65\n", good);
    expect_error(buf, "suppression_services");
}

/* ---- numeric thresholds: values in `thresholds`, ranges in `limits` ------ */

typedef struct {
    int64_t window;
    double share;
} rp_params_t;

static const dh_param_field_t rp_fields[] = {
    {"window", offsetof(rp_params_t, window), DH_PARAM_INT},
    {"share", offsetof(rp_params_t, share), DH_PARAM_DOUBLE},
};

/* good's metadata with `tail` for its thresholds and limits: 0 or -1 from
   dh_rule_read_params (then dh_rule_finish), err filled. */
static int read_params_of(const char *tail, rp_params_t *p, char *err, size_t errlen)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%.*s%s", (int)(strstr(good, "thresholds:") - good), good, tail);
    write_rule("rp", buf);
    dh_rule_t *r = dh_rule_load(tmpdir, "rp", err, errlen);
    cr_assert_not_null(r, "%s", err);
    int rc = dh_rule_read_params(r, p, rp_fields, DH_N_OF(rp_fields), err, errlen);
    if (rc == 0)
        rc = dh_rule_finish(r, err, errlen);
    dh_rule_free(r);
    return rc;
}

static void expect_params_error(const char *tail, const char *needle)
{
    char err[512] = "";
    rp_params_t p;
    cr_assert_neq(read_params_of(tail, &p, err, sizeof(err)), 0, "accepted: %s", tail);
    cr_assert(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
    cr_assert(strstr(err, "/rp.yaml:"), "error '%s' names no FILE:LINE", err);
}

Test(rules, thresholds_are_read_within_their_limits, .init = setup, .fini = teardown)
{
    char err[512] = "";
    rp_params_t p = {0};
    cr_assert_eq(read_params_of("thresholds:\n  window: 60\n  share: 0.25\n"
                                "limits:\n  window: [1, 100]\n  share: [0, 1]\n",
                                &p, err, sizeof(err)),
                 0, "%s", err);
    cr_assert_eq(p.window, 60);
    cr_assert_float_eq(p.share, 0.25, 1e-12);
}

Test(rules, a_threshold_without_value_or_limit_is_an_error, .init = setup, .fini = teardown)
{
    const char *lim = "limits:\n  window: [1, 100]\n  share: [0, 1]\n";
    char buf[512];
    snprintf(buf, sizeof(buf), "thresholds:\n  window: 60\n%s", lim);
    expect_params_error(buf, ":16: thresholds: missing 'share'");
    snprintf(buf, sizeof(buf), "thresholds:\n  window: 60\n  shares: 0.5\n%s", lim);
    expect_params_error(buf, ":17: unknown key 'shares' (is it 'share'?");
    expect_params_error("thresholds:\n  window: 60\n  share: 0.5\nlimits:\n  window: [1, 100]\n",
                        ":19: limits: missing 'share'");
    snprintf(buf, sizeof(buf), "thresholds:\n  window: 60\n  share: 0.5\n  extra: 1\n%s", lim);
    expect_params_error(buf, "unknown key 'extra'");
    snprintf(buf, sizeof(buf), "thresholds:\n  window: 60\n  share: 0.5\n%s  other: [1, 2]\n", lim);
    expect_params_error(buf, "unknown key 'other'");
}

Test(rules, a_value_outside_its_limit_or_a_bad_limit_is_an_error, .init = setup, .fini = teardown)
{
    expect_params_error("thresholds:\n  window: 600\n  share: 0.5\n"
                        "limits:\n  window: [1, 100]\n  share: [0, 1]\n",
                        ":16: window: expected an integer in [1, 100], got '600'");
    expect_params_error("thresholds:\n  window: 60\n  share: 1.5\n"
                        "limits:\n  window: [1, 100]\n  share: [0, 1]\n",
                        ":17: share: expected a number in [0, 1], got '1.5'");
    expect_params_error("thresholds:\n  window: 60\n  share: 0.5\n"
                        "limits:\n  window: [1.5, 100]\n  share: [0, 1]\n",
                        ":19: limits: window: expected [min, max] (integers)");
    expect_params_error("thresholds:\n  window: 60\n  share: 0.5\n"
                        "limits:\n  window: [100, 1]\n  share: [0, 1]\n",
                        "limits: window: expected [min, max]");
    expect_params_error("thresholds:\n  window: 60\n  share: 0.5\n"
                        "limits:\n  window: 100\n  share: [0, 1]\n",
                        "limits: window: expected [min, max]");
}
