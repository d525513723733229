/*
 * test-dga-multilingual.c - the lexical "random-looking" signal on names of
 * other languages than English (issue 11), with the shipped model
 * (rules/dga-model.txt) and the dga rule's thresholds (rules/dga.yaml).
 *
 * tests/data/dga/multilingual-heldout.txt: 177 popular registered domains
 * under .pk .sa .eg .ae .ir .pl .tr .id .my .vn .bd .th that
 * bench/build-dga-model.py held out of the model's training (one label in
 * five by its sha256). With the popular-domain model alone, trained the same
 * way, 10 of them (5.6 %) looked random (dzienniklodzki, baohiemxahoi...); the
 * shipped model before the alternatives, trained on all of them, 5 (2.8 %).
 * With the language models: 0.
 *
 * tests/data/dga/maltrail-dga.txt: 30 names of each of 16 DGA families as
 * maltrail's feeds list them (names seen in the wild, MIT). Random share
 * 67.7 % before (325 of 480), 65.2 % now (313): matsnu is a wordlist DGA
 * (wordlike, the detector's other anchor), and feeds mix in C2 names that
 * were never generated.
 *
 * Bounds (stated here, measured by bench/eval-dga-model.py): at least 98 % of
 * the held-out multilingual names below the threshold, at least 63 % of the
 * feed's DGA names at or above it, every random-letter and hex name of
 * tests/data/dga above it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector-call.h"
#include "detector.h"
#include "lexical-model.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_dga;
int dh_dga_classify(const void *state, const char *label, size_t len, double *score);
const char *dh_dga_class_name(int cls);

#define NAMES_MAX 1000
#define NAME_LEN 96

#define JSON_MAX 65536

typedef struct {
    dh_rule_t *rule;
    dh_state_t *state;
    void *det;
    dh_detect_env_t env;
    int detections;
    char json[JSON_MAX]; /* the last detection */
} fixture_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    fixture_t *f = ctx;
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    snprintf(f->json, sizeof(f->json), "%s", sb.buf);
    dh_sb_free(&sb);
    f->detections++;
}

static fixture_t *open_detector(void)
{
    char err[1024];
    fixture_t *f = calloc(1, sizeof(*f));
    cr_assert_not_null(f);
    f->rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dga", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->state = dh_state_new(16 << 20);
    f->env.emit = collect;
    f->env.state = f->state;
    f->env.pipeline = f;
    f->det = dh_detector_create(&dh_detector_dga, f->rule, &f->env, err, sizeof(err));
    cr_assert_not_null(f->det, "%s", err);
    cr_assert_eq(dh_rule_finish(f->rule, err, sizeof(err)), 0, "%s", err);
    return f;
}

static void close_detector(fixture_t *f)
{
    dh_detector_destroy(&dh_detector_dga, f->det);
    dh_state_free(f->state);
    dh_rule_free(f->rule);
    free(f);
}

typedef struct {
    int n;
    char name[NAMES_MAX][NAME_LEN];
} names_t;

/* The registered domains of a tests/data/dga list, comment lines skipped. */
static names_t *load_names(const char *file)
{
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/tests/data/dga/%s", DH_SOURCE_DIR, file);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "%s", path);
    names_t *l = calloc(1, sizeof(*l));
    cr_assert_not_null(l);
    while (fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        cr_assert_lt(l->n, NAMES_MAX, "%s: too many names", path);
        cr_assert_lt(strlen(line), NAME_LEN, "%s", line);
        memcpy(l->name[l->n++], line, strlen(line) + 1);
    }
    fclose(fp);
    return l;
}

/* How many names of l the rule calls "random"; the first few named in seen. */
static int count_random(fixture_t *f, const names_t *l, char *seen, size_t seen_len)
{
    int n = 0;
    seen[0] = '\0';
    for (int i = 0; i < l->n; i++) {
        double score;
        int cls = dh_dga_classify(f->det, l->name[i], strcspn(l->name[i], "."), &score);
        if (strcmp(dh_dga_class_name(cls), "random") != 0)
            continue;
        if (n++ < 10) {
            size_t used = strlen(seen);
            snprintf(seen + used, seen_len - used, " %s(%.2f)", l->name[i], score);
        }
    }
    return n;
}

Test(dga_multilingual, held_out_popular_names_of_other_languages_do_not_look_random)
{
    fixture_t *f = open_detector();
    names_t *l = load_names("multilingual-heldout.txt");
    char seen[1024];
    cr_assert_eq(l->n, 177, "the held-out file is the one the model was built with");
    int random = count_random(f, l, seen, sizeof(seen));
    /* at least 98 % below the threshold: at most 3 of 177 */
    cr_assert_leq(random * 100, l->n * 2, "%d of %d random:%s", random, l->n, seen);
    free(l);
    close_detector(f);
}

Test(dga_multilingual, dga_names_of_a_feed_still_look_random)
{
    fixture_t *f = open_detector();
    names_t *l = load_names("maltrail-dga.txt");
    char seen[1024];
    cr_assert_eq(l->n, 480);
    int random = count_random(f, l, seen, sizeof(seen));
    cr_assert_geq(random * 100, l->n * 63, "%d of %d random", random, l->n);
    free(l);
    names_t *rl = load_names("random-letters.txt"), *hx = load_names("hex-digits.txt");
    cr_assert_eq(count_random(f, rl, seen, sizeof(seen)), rl->n);
    cr_assert_eq(count_random(f, hx, seen, sizeof(seen)), hx->n);
    free(rl);
    free(hx);
    close_detector(f);
}

/* Each alternative judges the names of its own language: Polish,
   Vietnamese, Turkish and Indonesian names fit their language's model best. */
Test(dga_multilingual, names_fit_their_language_model)
{
    char err[1024];
    dh_lexmodel_t *m = dh_lexmodel_load(DH_SOURCE_DIR "/rules/dga-model.txt", err, sizeof(err));
    cr_assert_not_null(m, "%s", err);
    cr_assert_eq(dh_lexmodel_models(m), 7);
    cr_assert_str_eq(dh_lexmodel_model_name(m, 0), "popular");
    cr_assert_str_eq(dh_lexmodel_model_name(m, 99), "?");
    const dh_lexscore_params_t p = {.min_label_len = 6, .full_length = 10, .long_label_len = 16,
                                    .word_min_len = 3, .min_words = 2, .random_score = 4.5,
                                    .short_label_penalty = 0.15, .word_cover = 0.85};
    static const struct {
        const char *label, *model;
    } fits[] = {
        /* popular-domain model alone: wyborcza 4.95 bits/char, dzienniklodzki
           4.77, baohiemxahoi 4.80, all above random_score */
        {"wyborcza", "slavic-latin"},       {"dzienniklodzki", "slavic-latin"},
        {"nguoiduatin", "vietnamese"},      {"baohiemxahoi", "vietnamese"},
        {"sahibinden", "turkish"},          {"eksisozluk", "turkish"},
        {"bukalapak", "malay-indonesian"},  {"kumparan", "malay-indonesian"},
    };
    for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
        dh_lexscore_t s;
        dh_lexmodel_classify(m, &p, fits[i].label, strlen(fits[i].label), true, &s);
        cr_expect_str_eq(dh_lexmodel_model_name(m, s.model), fits[i].model, "%s (%.2f)",
                         fits[i].label, s.nll);
        cr_expect_neq(s.cls, DH_LEX_RANDOM, "%s", fits[i].label);
    }
    dh_lexmodel_free(m);
}

/* A version-1 file (one model) still loads; a bad alternative names its line. */
Test(dga_multilingual, model_versions_and_bad_alternatives)
{
    char dir[] = "/tmp/dh-lexm-XXXXXX", path[256], err[1024];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/m.txt", dir);
    const char *v1 = "dnshound-dga-model 1\nlabels 1\nsmoothing 0.5\ntrigrams 1\n^^a 3\n"
                     "suffixes s\nwords 1\n0abc\nend\n";
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs(v1, fp);
    fclose(fp);
    dh_lexmodel_t *m = dh_lexmodel_load(path, err, sizeof(err));
    cr_assert_not_null(m, "%s", err);
    cr_assert_eq(dh_lexmodel_models(m), 1);
    dh_lexmodel_free(m);
    fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("dnshound-dga-model 2\nlabels 1\nsmoothing 0.5\ntrigrams 1\n^^a 3\nalternatives 1\n"
          "alternative Bad_Name labels 1 prior 30\ntrigrams 0\nsuffixes s\nwords 1\n0abc\nend\n",
          fp);
    fclose(fp);
    cr_assert_null(dh_lexmodel_load(path, err, sizeof(err)));
    cr_assert(strstr(err, "m.txt:7:") && strstr(err, "alternative NAME"), "%s", err);
    fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("dnshound-dga-model 2\nlabels 1\nsmoothing 0.5\ntrigrams 1\n^^a 3\nalternatives 1\n"
          "alternative pl labels 1 prior 30\ntrigrams 1\n^^b 2\nsuffixes s\nwords 1\n0abc\nend\n",
          fp);
    fclose(fp);
    m = dh_lexmodel_load(path, err, sizeof(err));
    cr_assert_not_null(m, "%s", err);
    cr_assert_eq(dh_lexmodel_models(m), 2);
    cr_assert_str_eq(dh_lexmodel_model_name(m, 1), "pl");
    dh_lexmodel_free(m);
    unlink(path);
    rmdir(dir);
}

/* One NXDOMAIN lookup of a registered domain by client 10.7.0.1. */
static void nxdomain(fixture_t *f, int64_t ts_us, const char *domain)
{
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    cr_assert_eq(dh_addr_parse("10.7.0.1", 8, &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = domain;
    ev.qname_len = strlen(domain);
    ev.registered_domain = domain;
    ev.rcode = 3;
    ev.qtype = 1;
    ev.has_response = true;
    dh_verdict_t v = {0};
    det_call(&dh_detector_dga, f->det, &ev, &v, &f->env);
}

#define T0 1700000400000000LL /* a 600 s window starts here */

/* Behaviour: a client whose lookups of the 177 multilingual names all fail
   (a broken resolver, a captive portal) is not a DGA; the feed's DGA names
   in the same pattern are, and each sample names the model it fit best. */
Test(dga_multilingual, nxdomain_bursts_of_names_fire_only_for_the_dga_feed)
{
    fixture_t *f = open_detector();
    names_t *ml = load_names("multilingual-heldout.txt"), *dga = load_names("maltrail-dga.txt");
    for (int i = 0; i < ml->n; i++)
        nxdomain(f, T0 + (int64_t)i * 3000000, ml->name[i]);
    dh_state_advance(f->state, T0 + 600 * 1000000LL);
    cr_assert_eq(f->detections, 0, "%s", f->json);
    int64_t t1 = T0 + 600 * 1000000LL;
    for (int i = 0; i < dga->n; i++)
        nxdomain(f, t1 + (int64_t)i * 1000000, dga->name[i]);
    dh_state_advance(f->state, t1 + 600 * 1000000LL);
    cr_assert_eq(f->detections, 1);
    cr_assert(strstr(f->json, "\"rule\":{\"name\":\"dga\""), "%s", f->json);
    cr_assert(strstr(f->json, "\"anchors\":[\"random\""), "%s", f->json);
    cr_assert(strstr(f->json, "\"bits_per_char\":") && strstr(f->json, "\"best_fit\":\""), "%s",
              f->json);
    free(ml);
    free(dga);
    close_detector(f);
}
