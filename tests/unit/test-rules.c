/*
 * test-rules.c - YAML rule files: the shipped ones load, mistakes are errors
 * that name FILE:LINE.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detector.h"
#include "rules.h"

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

static const char *good =
    "title: t\nid: x\nlevel: high\nrisk_score: 50\n"
    "attack:\n  version: \"18.1\"\n  detection_strategy: DET0400\n"
    "  tactics:\n    - {id: TA0011, name: Command and Control}\n"
    "  techniques:\n    - {id: T1071, name: Application Layer Protocol}\n"
    "  subtechniques:\n    - {id: T1071.004, name: DNS}\n"
    "thresholds:\n  window: 60\n";

Test(rules, every_shipped_rule_loads_and_creates_its_detector)
{
    char err[512];
    dh_state_t *state = dh_state_new(1 << 20);
    dh_detect_env_t env = {.state = state};
    for (size_t i = 0; dh_detectors[i]; i++) {
        dh_rule_t *r = dh_rule_load(DH_SOURCE_DIR "/rules", dh_detectors[i]->name, err, sizeof(err));
        cr_assert_not_null(r, "%s", err);
        void *st = dh_detectors[i]->create(r, &env, err, sizeof(err));
        cr_assert_not_null(st, "%s", err);
        cr_assert_eq(dh_rule_finish(r, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(r->attack.version, "18.1");
        cr_assert_gt(r->attack.n_tactics, 0);
        dh_detectors[i]->destroy(st);
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
    expect_error(buf, ":16: unknown key 'windoww'");
    expect_error("title: t\nid: x\nlevel: loud\nrisk_score: 50\n", "level");
    expect_error("title: t\nid: x\nlevel: high\nrisk_score: 500\n", "risk_score");
    expect_error("title: [unclosed\n", "bad.yaml:");
    expect_error("title: t\ntitle: u\n", "duplicate key 'title'");
    char *p = strstr(strcpy(buf, good), "T1071.004");
    memcpy(p, "T1071-004", 9);
    expect_error(buf, "bad ATT&CK id");
    snprintf(buf, sizeof(buf), "%s", good);
    strcpy(strstr(buf, "window: 60"), "window: sixty\n");
    expect_error(buf, "window: expected an integer");
}
