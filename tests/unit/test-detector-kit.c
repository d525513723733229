/*
 * test-detector-kit.c - the detector scaffolding: the client window header
 * (first event sets the client, times widen both ways, resolver flag
 * sticks), its detection, samples (cut, capped, distinct), the client x
 * domain key and back, the confidence cap, emit's defaults, thresholds as
 * JSON, early alerts (checked at the crossing event, once, at the pace
 * given, completed by the close; nothing asked when off), dh_kit_new
 * (thresholds read from the rule's values within its limits, required
 * thresholds, setup and release, the spec's table)
 * and the touch that counts into the window header.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detector-kit.h"

static dh_event_t event_at(int64_t ts, uint8_t last_octet)
{
    dh_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.ts_us = ts;
    ev.client.family = DH_AF_INET;
    ev.client.bytes[0] = 10;
    ev.client.bytes[3] = last_octet;
    return ev;
}

Test(detector_kit, window_header_counts_and_widens)
{
    dh_kit_window_t h = {0};
    dh_verdict_t plain = {0}, resolver = {.from_resolver = true};
    dh_event_t a = event_at(DH_S_TO_US(100), 7), b = event_at(DH_S_TO_US(90), 8),
               c = event_at(DH_S_TO_US(120), 9);
    dh_kit_window_update(&h, &a, &plain);
    dh_kit_window_update(&h, &b, &resolver);
    dh_kit_window_update(&h, &c, &plain);
    cr_assert_eq(h.events, 3);
    cr_assert_eq(h.client.bytes[3], 7, "the first event's client");
    cr_assert_eq(h.first_us, DH_S_TO_US(90));
    cr_assert_eq(h.last_us, DH_S_TO_US(120));
    cr_assert(h.from_resolver);
    dh_detection_t d = dh_kit_window_detection(&h, DH_S_TO_US(60));
    cr_assert_eq(d.fired_us, h.last_us);
    cr_assert_eq(d.start_us, h.first_us);
    cr_assert_eq(d.end_us, h.last_us);
    cr_assert_eq(d.window_start_us, DH_S_TO_US(60));
    cr_assert_eq(d.client, &h.client);
    cr_assert(d.client_is_resolver);
    cr_assert(d.risk_score < 0 && d.confidence < 0, "the rule's scores by default");
}

/* A window with samples: its detection names the first one, or none. */
Test(detector_kit, samples_detection_names_the_first_sample)
{
    struct {
        dh_kit_window_t h;
        DH_KIT_SAMPLES(2, 8);
    } w;
    memset(&w, 0, sizeof(w));
    dh_verdict_t plain = {0};
    dh_event_t a = event_at(DH_S_TO_US(100), 7);
    dh_kit_window_update(&w.h, &a, &plain);
    dh_detection_t none = DH_KIT_SAMPLES_DETECTION(&w, DH_S_TO_US(60));
    cr_assert_null(none.qname);
    cr_assert_eq(none.qname_len, 0);
    DH_KIT_ADD_SAMPLE(&w, "a.example", 9);
    DH_KIT_ADD_SAMPLE(&w, "b.example", 9);
    dh_detection_t d = DH_KIT_SAMPLES_DETECTION(&w, DH_S_TO_US(60));
    cr_assert_eq(d.qname, w.samples[0]);
    cr_assert_eq(d.qname_len, 8, "cut to the sample's capacity");
    cr_assert_eq(d.window_start_us, DH_S_TO_US(60));
    cr_assert_eq(d.client, &w.h.client);
}

typedef struct {
    uint8_t n_samples;
    uint8_t sample_len[2];
    char samples[2][4];
} sampled_t;

Test(detector_kit, samples_are_cut_capped_and_optionally_distinct)
{
    sampled_t w = {0};
    DH_KIT_ADD_DISTINCT_SAMPLE(&w, "abcdef", 6);
    DH_KIT_ADD_DISTINCT_SAMPLE(&w, "abcd", 4); /* the same once cut */
    cr_assert_eq(w.n_samples, 1);
    cr_assert_eq(w.sample_len[0], 4);
    cr_assert(memcmp(w.samples[0], "abcd", 4) == 0);
    DH_KIT_ADD_SAMPLE(&w, "abcd", 4);
    DH_KIT_ADD_SAMPLE(&w, "xy", 2); /* full */
    cr_assert_eq(w.n_samples, 2);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    DH_KIT_JSON_SAMPLES(&sb, "samples", &w);
    cr_assert(strstr(sb.buf, "\"samples\":[\"abcd\",\"abcd\"]"), "%s", sb.buf);
    dh_sb_free(&sb);
}

/* The client x domain key detectors use is the event view's pair key. */
Test(detector_kit, client_domain_key_round_trip)
{
    dh_event_t ev = event_at(0, 1);
    ev.registered_domain = "ab.com";
    dh_event_view_t view;
    dh_event_view_init(&view, &ev);
    char out[8];
    cr_assert_eq(view.pair_len, sizeof(dh_addr_t) + 6);
    cr_assert_eq(memcmp(view.pair_key, &ev.client, sizeof(dh_addr_t)), 0);
    dh_kit_key_domain(view.pair_key, view.pair_len, out, sizeof(out));
    cr_assert_str_eq(out, "ab.com");
    dh_kit_key_domain(view.pair_key, view.pair_len, out, 6);
    cr_assert_str_eq(out, "ab.co", "cut to the room given, NUL-terminated");
}

Test(detector_kit, confidence_is_capped)
{
    cr_assert_float_eq(dh_kit_confidence(1.4), 0.99, 1e-12);
    cr_assert_float_eq(dh_kit_confidence(0.5), 0.5, 1e-12);
}

typedef struct {
    int n;
    dh_detection_t last;
} sink_t;

static void sink(void *pipeline, const dh_detection_t *d)
{
    sink_t *s = pipeline;
    s->n++;
    s->last = *d;
}

Test(detector_kit, emit_fills_name_rule_and_evidence)
{
    sink_t s = {0};
    dh_detect_env_t env = {.emit = sink, .pipeline = &s};
    dh_rule_t rule;
    memset(&rule, 0, sizeof(rule));
    dh_kit_t k;
    dh_kit_init(&k, "some_detector", &rule, &env);
    dh_detection_t d = {0};
    dh_kit_emit(&k, &d);
    cr_assert_eq(s.n, 1);
    cr_assert_str_eq(s.last.rule_name, "some_detector");
    cr_assert_eq(s.last.rule, &rule);
    cr_assert_eq(s.last.evidence, &k.ev);
    dh_rule_t other;
    dh_detection_t e = {.rule = &other};
    dh_kit_emit(&k, &e);
    cr_assert_eq(s.last.rule, &other, "a finding's own rule is kept");
    dh_kit_free(&k);
}

typedef struct {
    int64_t window;
    double share;
} kit_params_t;

Test(detector_kit, thresholds_json_in_the_order_asked)
{
    const dh_kit_params_t pt = DH_KIT_FIELDS(kit_params_t, window, share);
    kit_params_t p = {.window = 600, .share = 0.25};
    static const char *const keys[] = {"share", "window"};
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_kit_json_params(&sb, &p, &pt, keys, DH_N_OF(keys));
    const char *share = strstr(sb.buf, "\"share\":0.25");
    const char *window = strstr(sb.buf, "\"window\":600");
    cr_assert(share && window && share < window, "%s", sb.buf);
    dh_sb_free(&sb);
}

/* ---- early alerts --------------------------------------------------------- */

/* A detector of one early-checked table: it fires once its window counted
   `need` events, and records every call of its close callback. */
typedef struct {
    dh_kit_window_t h; /* its dh_kit_early_t first */
} early_win_t;

typedef struct {
    dh_kit_t kit;
    dh_table_t *table;
    uint64_t need;
    int early_calls, closes;
    bool absorbed; /* as alert suppression would: early findings not alerted */
    dh_detection_t got[8];
    int n_got;
} early_det_t;

static void early_sink(void *pipeline, const dh_detection_t *d)
{
    early_det_t *x = pipeline;
    cr_assert_lt(x->n_got, 8);
    x->got[x->n_got++] = *d;
    if (d->early) {
        cr_assert_not_null(d->alerted);
        if (!x->absorbed)
            *d->alerted = 1; /* alerts.c: it went out as an alert */
    } else {
        cr_assert_null(d->alerted);
    }
}

static void early_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                        dh_close_t why)
{
    (void)key, (void)keylen;
    early_det_t *x = ctx;
    early_win_t *w = value;
    x->early_calls += dh_kit_is_early(why);
    x->closes += !dh_kit_is_early(why);
    if (w->h.events < x->need)
        return;
    dh_detection_t d = dh_kit_window_detection(&w->h, ws);
    dh_kit_emit(&x->kit, &d);
}

typedef struct {
    dh_state_t *state;
    dh_detect_env_t env;
    dh_rule_t rule;
    early_det_t x;
} early_fx_t;

static void early_open(early_fx_t *f, bool on, dh_kit_pace_t pace, uint64_t need)
{
    memset(f, 0, sizeof(*f));
    f->state = dh_state_new(1 << 20);
    f->env = (dh_detect_env_t){.emit = early_sink, .pipeline = &f->x, .state = f->state,
                               .early_alerts = on};
    dh_kit_init(&f->x.kit, "early_test", &f->rule, &f->env);
    f->x.need = need;
    dh_kit_etable_opts_t o = {.name = "early_test.client", .value_size = sizeof(early_win_t),
                              .window_s = 300, .on_close = early_close, .ctx = &f->x, .pace = pace};
    f->x.table = dh_kit_early_table(&f->x.kit, &o);
}

/* One event of client .7 at second s: counted, then checked. */
static void early_event(early_fx_t *f, int64_t s)
{
    dh_event_t ev = event_at(DH_S_TO_US(s), 7);
    dh_verdict_t plain = {0};
    early_win_t *w = dh_table_touch(f->x.table, &ev.client, sizeof(ev.client), ev.ts_us);
    cr_assert_not_null(w);
    dh_kit_window_update(&w->h, &ev, &plain);
    dh_kit_early_check(&f->x.kit, f->x.table, &ev.client, sizeof(ev.client), w, ev.ts_us);
}

static void early_close_all(early_fx_t *f)
{
    dh_state_flush(f->state);
    dh_kit_free(&f->x.kit);
    dh_state_free(f->state);
}

Test(detector_kit, early_check_fires_at_the_crossing_event_and_the_close_completes_it)
{
    early_fx_t f;
    early_open(&f, true, (dh_kit_pace_t){1, 0}, 3);
    early_event(&f, 10);
    early_event(&f, 11);
    cr_assert_eq(f.x.n_got, 0, "two events: not yet");
    cr_assert_eq(f.x.early_calls, 2, "asked on every event");
    early_event(&f, 12);
    cr_assert_eq(f.x.n_got, 1, "the third event crosses: reported at once");
    dh_detection_t e = f.x.got[0];
    cr_assert(e.early && !e.completes_early);
    cr_assert_eq(e.fired_us, DH_S_TO_US(12), "fired at the crossing event");
    early_event(&f, 13);
    early_event(&f, 14);
    cr_assert_eq(f.x.early_calls, 3, "a window reported early is not asked again");
    cr_assert_eq(f.x.n_got, 1);
    early_close_all(&f);
    cr_assert_eq(f.x.closes, 1);
    cr_assert_eq(f.x.n_got, 2);
    dh_detection_t c = f.x.got[1];
    cr_assert(!c.early && c.completes_early, "the close completes the early alert");
    cr_assert_eq(c.window_start_us, e.window_start_us, "same window, same event.id");
    cr_assert_eq(c.fired_us, DH_S_TO_US(14));
}

Test(detector_kit, early_alerts_off_asks_nothing_and_closes_as_before)
{
    early_fx_t f;
    early_open(&f, false, (dh_kit_pace_t){1, 0}, 3);
    for (int s = 10; s < 15; s++)
        early_event(&f, s);
    cr_assert_eq(f.x.early_calls, 0);
    cr_assert_eq(f.x.n_got, 0);
    early_close_all(&f);
    cr_assert_eq(f.x.n_got, 1);
    cr_assert(!f.x.got[0].early && !f.x.got[0].completes_early, "today's finding");
}

Test(detector_kit, early_pace_bounds_the_checks_by_events_and_event_time)
{
    early_fx_t f;
    early_open(&f, true, (dh_kit_pace_t){4, 0}, 1000);
    for (int s = 0; s < 12; s++)
        early_event(&f, s);
    cr_assert_eq(f.x.early_calls, 3, "events 1, 5 and 9 of 12: every 4th");
    early_close_all(&f);
    early_open(&f, true, (dh_kit_pace_t){100, 30}, 1000);
    for (int s = 0; s < 100; s += 2) /* 50 events over 100 s */
        early_event(&f, s);
    cr_assert_eq(f.x.early_calls, 4, "at 0, 30, 60 and 90 s: the time bound");
    early_close_all(&f);
}

Test(detector_kit, a_window_below_its_thresholds_at_close_emits_nothing_early_or_late)
{
    early_fx_t f;
    early_open(&f, true, (dh_kit_pace_t){1, 0}, 10);
    for (int s = 0; s < 5; s++)
        early_event(&f, s);
    early_close_all(&f);
    cr_assert_eq(f.x.early_calls, 5);
    cr_assert_eq(f.x.n_got, 0);
}

/* An early finding that suppression absorbed into an earlier alert: its
   window's close is an ordinary finding (a replay's), not an update. */
Test(detector_kit, the_close_of_an_absorbed_early_finding_is_an_ordinary_one)
{
    early_fx_t f;
    early_open(&f, true, (dh_kit_pace_t){1, 0}, 2);
    f.x.absorbed = true;
    early_event(&f, 10);
    early_event(&f, 11);
    cr_assert_eq(f.x.n_got, 1);
    cr_assert(f.x.got[0].early);
    early_close_all(&f);
    cr_assert_eq(f.x.n_got, 2);
    cr_assert(!f.x.got[1].early && !f.x.got[1].completes_early);
}

/* ---- create --------------------------------------------------------------- */

typedef struct {
    dh_kit_t kit;
    kit_params_t p;
    int64_t pad;
} new_det_t;
DH_KIT_STATE_LAYOUT(new_det_t, p);

static const dh_kit_params_t new_pt = DH_KIT_FIELDS(kit_params_t, window, share);

static const char *const rule_head =
    "title: t\nid: x\nversion: 1\nlevel: high\nrisk_score: 50\n"
    "attack:\n  version: \"18.1\"\n"
    "  tactics:\n    - {id: TA0011, name: Command and Control}\n"
    "  techniques:\n    - {id: T1071, name: Application Layer Protocol}\n";

static const char *const new_rule_tail = "thresholds:\n  window: 300\n  share: 0.5\n"
                                         "limits:\n  window: [1, 900]\n  share: [0, 1]\n";

/* A rule of rule_head + tail loaded from a fresh directory (removed again:
   the tree keeps no file open). */
static dh_rule_t *load_rule(const char *tail, char *err, size_t errlen)
{
    char dir[] = "/tmp/dh-kit-XXXXXX", path[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/r.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s%s", rule_head, tail);
    fclose(f);
    dh_rule_t *r = dh_rule_load(dir, "r", err, errlen);
    unlink(path);
    rmdir(dir);
    return r;
}

Test(detector_kit, new_state_has_its_kit_and_the_default_thresholds)
{
    char err[256] = "";
    dh_rule_t *rule = load_rule(new_rule_tail, err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    dh_detect_env_t env = {0};
    const dh_kit_spec_t spec = {.size = sizeof(new_det_t),
                                .params = &new_pt};
    new_det_t *d = dh_kit_new(&spec, "new_test", rule, &env, err, sizeof(err));
    cr_assert_not_null(d, "%s", err);
    cr_assert_str_eq(d->kit.name, "new_test");
    cr_assert_eq(d->kit.rule, rule);
    cr_assert_eq(d->kit.env, &env);
    cr_assert_eq(d->pad, 0, "the rest of the state is zeroed");
    cr_assert_eq(d->p.window, 300);
    cr_assert_float_eq(d->p.share, 0.5, 1e-12);
    dh_kit_destroy(d);
    dh_rule_free(rule);
}

Test(detector_kit, new_refuses_a_rule_without_the_required_thresholds)
{
    dh_rule_t rule;
    memset(&rule, 0, sizeof(rule));
    rule.path = "rules/x.yaml";
    dh_detect_env_t env = {0};
    const dh_kit_spec_t spec = {.size = sizeof(new_det_t),
                                .params = &new_pt,
                                .required = "some_list"};
    char err[256] = "";
    cr_assert_null(dh_kit_new(&spec, "new_test", &rule, &env, err, sizeof(err)));
    cr_assert_str_eq(err, "rules/x.yaml: missing 'thresholds' (some_list is required)");
}

static int released;

static void count_release(void *state)
{
    cr_assert_eq(((new_det_t *)state)->p.window, 300, "released before the state is freed");
    released++;
}

Test(detector_kit, destroy_releases_what_the_state_owns_once)
{
    char err[256] = "";
    dh_rule_t *rule = load_rule(new_rule_tail, err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    dh_detect_env_t env = {0};
    const dh_kit_spec_t spec = {.size = sizeof(new_det_t),
                                .params = &new_pt, .release = count_release};
    released = 0;
    new_det_t *d = dh_kit_new(&spec, "new_test", rule, &env, err, sizeof(err));
    cr_assert_not_null(d, "%s", err);
    dh_kit_destroy(d);
    cr_assert_eq(released, 1);
    dh_kit_destroy(NULL);
    cr_assert_eq(released, 1);
    dh_rule_free(rule);
}

static int failing_setup(void *state, char *err, size_t errlen)
{
    (void)state;
    snprintf(err, errlen, "setup said no");
    return -1;
}

Test(detector_kit, a_failed_setup_releases_and_returns_its_error)
{
    char err[256] = "";
    dh_rule_t *rule = load_rule(new_rule_tail, err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    dh_detect_env_t env = {0};
    const dh_kit_spec_t spec = {.size = sizeof(new_det_t),
                                .params = &new_pt, .setup = failing_setup,
                                .release = count_release};
    released = 0;
    cr_assert_null(dh_kit_new(&spec, "new_test", rule, &env, err, sizeof(err)));
    cr_assert_str_eq(err, "setup said no");
    cr_assert_eq(released, 1, "what the setup made is released");
    dh_rule_free(rule);
}

typedef struct {
    dh_kit_t kit;
    kit_params_t p;
    int closes;
} spec_det_t;
DH_KIT_STATE_LAYOUT(spec_det_t, p);

static void spec_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                       dh_close_t why)
{
    (void)key;
    (void)keylen;
    (void)value;
    (void)ws;
    if (!dh_kit_is_early(why))
        ((spec_det_t *)ctx)->closes++;
}

Test(detector_kit, new_makes_the_spec_table_and_touch_window_counts_into_its_header)
{
    char err[256] = "";
    dh_rule_t *rule = load_rule(new_rule_tail, err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    dh_state_t *st = dh_state_new(1 << 20);
    dh_detect_env_t env = {.state = st};
    const dh_kit_spec_t spec = {
        .size = sizeof(spec_det_t), .params = &new_pt,
        .table = {.name = "spec_test.client", .value_size = sizeof(early_win_t),
                  .on_close = spec_close, .pace = {1, 0}}};
    spec_det_t *d = dh_kit_new(&spec, "spec_test", rule, &env, err, sizeof(err));
    cr_assert_not_null(d, "%s", err);
    cr_assert_not_null(d->kit.table, "the kit keeps the spec's table");
    dh_verdict_t plain = {0}, resolver = {.from_resolver = true};
    dh_event_t a = event_at(DH_S_TO_US(10), 7), b = event_at(DH_S_TO_US(40), 7);
    early_win_t *w1 = dh_kit_touch_window(d->kit.table, &a.client, sizeof(a.client), &a, &plain);
    early_win_t *w2 = dh_kit_touch_window(d->kit.table, &b.client, sizeof(b.client), &b, &resolver);
    cr_assert(w1 && w1 == w2, "one window for one client");
    cr_assert_eq(w2->h.events, 2);
    cr_assert_eq(w2->h.first_us, DH_S_TO_US(10));
    cr_assert_eq(w2->h.last_us, DH_S_TO_US(40));
    cr_assert(w2->h.from_resolver);
    dh_state_flush(st);
    cr_assert_eq(d->closes, 1, "the window closes through the spec's on_close, ctx = state");
    dh_kit_destroy(d);
    dh_state_free(st);
    dh_rule_free(rule);
}

/* A size fixed in C is checked in C as well: limits can be edited. */
Test(detector_kit, param_max_refuses_a_value_above_a_c_bound)
{
    char err[256] = "";
    dh_rule_t *rule = load_rule(new_rule_tail, err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    dh_detect_env_t env = {0};
    dh_kit_t k;
    dh_kit_init(&k, "some_detector", rule, &env);
    cr_assert_eq(dh_kit_param_max(&k, "window", 300, 300, err, sizeof(err)), 0);
    cr_assert_eq(dh_kit_param_max(&k, "window", 300, 128, err, sizeof(err)), -1);
    cr_assert(strstr(err, "/r.yaml:13: window: at most 128 here"), "%s", err);
    dh_kit_free(&k);
    dh_rule_free(rule);
}
