/*
 * new-domain.c - newly observed domains with a risk signal (T1583.001
 * Acquire Infrastructure: Domains, TA0042; T1568 Dynamic Resolution,
 * TA0011).
 *
 * "New" comes from the persistent passive-DNS history (history.h): the
 * first query in the organisation for a registered domain, or the first
 * after it went unseen for unseen_days. Nothing is new before the history
 * covers warmup_days of event time (a fresh install, or a history being
 * seeded with --learn-only, knows too little). Pure novelty is common and
 * benign (it is counted in the history's new_domains), so a finding needs
 * risk signals whose weights reach min_score:
 *
 *   few_clients      at most few_clients distinct clients queried it in the
 *                    observation window after first contact
 *   lexical          its registered label looks machine-made: "random" under
 *                    the benign-name model the dga detector uses
 *                    (lexical-model.h), not splittable into words. Labels a
 *                    platform hands out (names under a PSL private-section
 *                    suffix: d1x7.cloudfront.net, *.elb.amazonaws.com) are
 *                    not judged: their look says nothing about their owner
 *   dyndns           it sits under a dynamic-DNS provider (dyndns_list)
 *   young_lifecycle  (judged later, in the history's daily pass) it was
 *                    queried for less than young_days and then not for
 *                    gone_days: a burner domain. Reported then, only when
 *                    this signal is what brings the score to min_score
 *                    (otherwise the first-contact finding already said it)
 *
 * Only domains that exist are judged: the history learns NOERROR answers
 * (and queries whose answer the sensor did not see), so names that fail
 * (a DGA's NXDOMAIN flood) are the dga detector's, not new infrastructure.
 *
 * State: one window entry per newly contacted domain (key: the registered
 * domain), created only at first contact; known domains cost one history
 * lookup (done by the pipeline) and nothing here. Popular domains (the
 * noise rules' list) are never reported.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector-kit.h"
#include "../lexical-model.h"
#include "new-domain-hunt.h"
#include "../regdom.h"
#include "../util-ip.h"
#include "../util-mem.h"
#include "../util-strset.h"
#include "../util-time.h"

#define MAX_CLIENTS 8
#define SAMPLE_LEN 128
#define DAY_US (86400LL * 1000000)

enum { R_LEXICAL = 1u << 0, R_DYNDNS = 1u << 1 }; /* risk bits kept in the history */

typedef struct {
    int64_t window, unseen_days, warmup_days, few_clients, young_days, gone_days;
    int64_t few_clients_weight, lexical_weight, dyndns_weight, young_lifecycle_weight, min_score;
    int64_t lexical_min_length, lexical_full_length, lexical_word_min_length, lexical_min_words;
    double confidence_step, lexical_random_score, lexical_short_label_penalty, lexical_word_cover;
    /* --hunt (new-domain-hunt.h) */
    int64_t hunt_max_clients, hunt_min_score, hunt_random_weight, hunt_lexical_weight;
    int64_t hunt_apex_weight, hunt_dyndns_weight;
    int64_t hunt_nxdomain_weight, hunt_nxdomain_flood, hunt_low_ttl_weight, hunt_low_ttl;
    double hunt_lexical_score;
} params_t;

typedef struct {
    dh_kit_early_t early;
    uint8_t seen, risk, returning, n_clients, from_resolver, clients_more;
    int64_t first_us, last_us, prev_last_us, history_since_us;
    uint32_t history_days;
    uint64_t queries, answered;
    dh_addr_t clients[MAX_CLIENTS];
    float label_score;
    uint8_t label_class;
    uint8_t label_model; /* the benign model the label fit best (dh_lexscore_t.model) */
    uint8_t sample_len;
    char sample[SAMPLE_LEN];
} window_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
    dh_lexscore_params_t lex; /* the lexical_* thresholds, as the model reads them */
    dh_strset_t *dyndns;
    dh_lexmodel_t *model;
    dh_hunt_params_t hunt_p; /* the hunt_* thresholds, as the hunt reads them */
    dh_lexscore_params_t hunt_lex; /* lex, with no "long" class: short is short */
    dh_hunt_t *hunt;         /* --hunt: judged within the archive, no history */
} nd_t;
DH_KIT_STATE_LAYOUT(nd_t, p);

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, unseen_days, warmup_days,
    few_clients, young_days, gone_days, min_score, lexical_min_length, lexical_full_length,
    lexical_word_min_length, lexical_min_words, few_clients_weight, lexical_weight, dyndns_weight,
    young_lifecycle_weight, confidence_step, lexical_random_score, lexical_short_label_penalty,
    lexical_word_cover, hunt_max_clients, hunt_min_score, hunt_random_weight, hunt_lexical_weight,
    hunt_apex_weight, hunt_dyndns_weight,
    hunt_nxdomain_weight, hunt_nxdomain_flood, hunt_low_ttl_weight, hunt_low_ttl,
    hunt_lexical_score);

/* ---- set-up ---------------------------------------------------------- */

/* The benign-name model named by thresholds.lexical_model (next to the rule
   file unless absolute). */
static int load_model(nd_t *t, char *err, size_t errlen)
{
    const char *name = NULL;
    if (dh_yaml_str(t->kit.rule->thresholds, "lexical_model", true, &name, err, errlen))
        return -1;
    dh_yaml_node_t *n = dh_yaml_get(t->kit.rule->thresholds, "lexical_model");
    char path[4096], why[512];
    dh_rule_path(t->kit.rule, name, path, sizeof(path));
    t->model = dh_lexmodel_load(path, why, sizeof(why));
    if (!t->model) {
        snprintf(err, errlen, "%s:%zu: lexical_model: %s", n->file, n->line, why);
        return -1;
    }
    return 0;
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);
static bool on_history(void *ctx, const char *domain, size_t len, dh_history_rec_t *rec,
                       int64_t now_us);

static void nd_release(void *state);

/* --hunt: the archive is judged by itself (new-domain-hunt.h); the history
   is neither read nor written. */
static int hunt_setup(nd_t *t, char *err, size_t errlen)
{
    const params_t *p = &t->p;
    if (dh_kit_param_max(&t->kit, "hunt_max_clients", p->hunt_max_clients, MAX_CLIENTS - 1, err,
                         errlen))
        return -1;
    t->hunt_p = (dh_hunt_params_t){.max_clients = p->hunt_max_clients,
                                   .min_score = p->hunt_min_score,
                                   .random_weight = p->hunt_random_weight,
                                   .lexical_weight = p->hunt_lexical_weight,
                                   .apex_weight = p->hunt_apex_weight,
                                   .dyndns_weight = p->hunt_dyndns_weight,
                                   .nxdomain_weight = p->hunt_nxdomain_weight,
                                   .nxdomain_flood = p->hunt_nxdomain_flood,
                                   .low_ttl_weight = p->hunt_low_ttl_weight,
                                   .low_ttl = p->hunt_low_ttl,
                                   .lexical_score = p->hunt_lexical_score,
                                   .confidence_step = p->confidence_step};
    t->hunt_lex = t->lex;
    t->hunt_lex.long_label_len = DH_LEX_LABEL_MAX + 1;
    dh_hunt_env_t he = {.kit = &t->kit, .p = &t->hunt_p, .thresholds = &params,
                        .model = t->model, .lex = &t->hunt_lex, .dyndns = t->dyndns};
    t->hunt = dh_hunt_new(&he);
    if (!t->hunt) {
        snprintf(err, errlen, "new_domain: --hunt: cannot make its table");
        return -1;
    }
    return 0;
}

static int nd_setup(void *state, char *err, size_t errlen)
{
    nd_t *t = state;
    const params_t *p = &t->p;
    if (dh_kit_param_max(&t->kit, "few_clients", p->few_clients, MAX_CLIENTS - 1, err, errlen) ||
        dh_kit_param_max(&t->kit, "lexical_min_length", p->lexical_min_length, DH_LEX_LABEL_MAX,
                         err, errlen) ||
        dh_kit_param_max(&t->kit, "lexical_full_length", p->lexical_full_length,
                         DH_LEX_LABEL_MAX, err, errlen))
        return -1;
    t->lex = (dh_lexscore_params_t){.min_label_len = p->lexical_min_length,
                                    .full_length = p->lexical_full_length,
                                    .word_min_len = p->lexical_word_min_length,
                                    .min_words = p->lexical_min_words,
                                    .random_score = p->lexical_random_score,
                                    .short_label_penalty = p->lexical_short_label_penalty,
                                    .word_cover = p->lexical_word_cover};
    t->dyndns = dh_strset_new();
    if (dh_rule_name_list(t->kit.rule, "dyndns_list", t->dyndns, err, errlen) ||
        load_model(t, err, errlen))
        return -1;
    if (t->kit.env->hunt)
        return hunt_setup(t, err, errlen);
    /* last: nothing fails after it (the table dh_kit_new makes next cannot),
       so the history never keeps a visitor of a state that is freed */
    if (t->kit.env->history)
        dh_history_set_visitor(t->kit.env->history, on_history, t);
    return 0;
}

static const dh_kit_spec_t spec = {
    .size = sizeof(nd_t),
    .params = &params,
    .required = "dyndns_list",
    .setup = nd_setup,
    .release = nd_release,
    /* a first contact that scores is reported at its record */
    .table = {.name = "new_domain.domain", .value_size = sizeof(window_t),
              .on_close = on_close, .pace = {1, 0}},
};


/* ---- signals ------------------------------------------------------- */

/* The risk bits a first contact carries by its name alone. */
static unsigned risk_bits(const nd_t *t, const dh_event_view_t *view, window_t *w)
{
    unsigned bits = 0;
    const char *rd = view->rd;
    size_t n = strcspn(rd, ".");
    if (!dh_regdom_under_private_suffix(rd)) {
        dh_lexscore_t ls;
        dh_lexmodel_classify(t->model, &t->lex, rd, n, true, &ls);
        w->label_class = (uint8_t)ls.cls;
        w->label_model = (uint8_t)ls.model;
        w->label_score = (float)ls.score;
        if (ls.cls == DH_LEX_RANDOM)
            bits |= R_LEXICAL;
    }
    if (dh_event_view_has_suffix(view, t->dyndns))
        bits |= R_DYNDNS;
    return bits;
}

static int64_t score_of(const params_t *p, unsigned risk, bool few, bool young)
{
    return ((risk & R_LEXICAL) ? p->lexical_weight : 0) +
           ((risk & R_DYNDNS) ? p->dyndns_weight : 0) + (few ? p->few_clients_weight : 0) +
           (young ? p->young_lifecycle_weight : 0);
}

/* ---- events ----------------------------------------------------------- */

static void count(window_t *w, const dh_event_t *ev, const dh_verdict_t *v)
{
    if (ev->ts_us < w->first_us)
        w->first_us = ev->ts_us;
    if (ev->ts_us > w->last_us)
        w->last_us = ev->ts_us;
    w->queries++;
    w->answered += ev->n_answers > 0;
    w->from_resolver |= v->from_resolver;
    DH_KIT_ADD_CLIENT(w, &ev->client);
}

/* First contact: start the observation, and keep the risk bits in the
   history for the later lifecycle judgement. */
static void first_contact(nd_t *t, const dh_event_view_t *view, const dh_verdict_t *v,
                          bool returning)
{
    const dh_event_t *ev = view->ev;
    window_t *w =
        dh_table_touch_h(t->kit.table, view->rd, view->rd_len, view->domain_hash, ev->ts_us, NULL);
    if (!w)
        return;
    if (!w->seen) {
        w->seen = 1;
        w->first_us = w->last_us = ev->ts_us;
        w->returning = returning;
        w->prev_last_us = returning ? v->history.last_us : 0;
        w->history_since_us = v->history_since_us;
        w->history_days = v->history_days;
        w->risk = (uint8_t)risk_bits(t, view, w);
        size_t n = ev->qname_len < SAMPLE_LEN ? ev->qname_len : SAMPLE_LEN;
        memcpy(w->sample, ev->qname, n);
        w->sample_len = (uint8_t)n;
        v->history_live->flags = (v->history_live->flags | DH_HIST_NEW_IN_ORG) &
                                 ~(uint32_t)(DH_HIST_LIFECYCLE_DONE | DH_HIST_FIRST_JUDGED);
        v->history_live->risk = w->risk;
    }
    count(w, ev, v);
    dh_kit_early_check(&t->kit, t->kit.table, view->rd, view->rd_len, w, ev->ts_us);
}

static void nd_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                        const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    nd_t *t = state;
    /* a name under the site's internal zones (noise.yaml internal_zones) is
       a new host of its own (a laptop's DHCP name), not acquired
       infrastructure: neither new nor, in a hunt, rare */
    if (ev->zone_source == DH_ZONE_INTERNAL)
        return;
    if (t->hunt) {
        dh_hunt_event(t->hunt, view, v);
        return;
    }
    if (!v->has_history || v->popular)
        return;
    const params_t *p = &t->p;
    const dh_history_rec_t *h = &v->history;
    /* a record first seen at or after this event is this event's own, or
       the replay of a first contact whose window never closed (a crash
       before the input offsets were committed): judge it again */
    bool first = !v->history_found ||
                 (h->first_us >= ev->ts_us && !(h->flags & DH_HIST_FIRST_JUDGED));
    bool returning = !first && ev->ts_us - h->last_us >= p->unseen_days * DAY_US;
    if (first || returning) {
        /* the history is still learning: coverage is the days that had
           data, so one old capture replayed into it does not end this */
        if (v->history_days < p->warmup_days)
            return;
        first_contact(t, view, v, returning);
        return;
    }
    window_t *w =
        dh_table_find_h(t->kit.table, view->rd, view->rd_len, view->domain_hash, ev->ts_us);
    if (w)
        count(w, ev, v);
}

/* ---- findings ------------------------------------------------------- */

static void signals_arr(dh_strbuf_t *sb, unsigned risk, bool few, bool young)
{
    dh_json_open_arr(sb, "signals");
    const struct {
        bool on;
        const char *name;
    } s[] = {{few, "few_clients"},
             {risk & R_LEXICAL, "lexical"},
             {risk & R_DYNDNS, "dyndns"},
             {young, "young_lifecycle"}};
    for (size_t i = 0; i < DH_N_OF(s); i++)
        if (s[i].on) {
            dh_json_sep(sb);
            dh_json_string(sb, s[i].name, strlen(s[i].name));
        }
    dh_sb_putc(sb, ']');
}

static void thresholds_obj(dh_strbuf_t *sb, const params_t *p)
{
    static const char *const shown[] = {"unseen_days", "warmup_days", "few_clients",
                                        "min_score"};
    dh_kit_json_thresholds(sb, p, &params, shown, DH_N_OF(shown));
}

static void emit(nd_t *t, const char *domain, size_t len, const dh_addr_t *client,
                 bool resolver, const char *sample, size_t sample_len, int64_t fired,
                 int64_t start, int64_t end, int64_t ws, int64_t score)
{
    char dom[256];
    snprintf(dom, sizeof(dom), "%.*s", (int)(len < 255 ? len : 255), domain);
    double conf = t->kit.rule->confidence + t->p.confidence_step * (double)(score - t->p.min_score);
    dh_detection_t d = dh_kit_span_detection(start, end, ws, client, resolver);
    d.fired_us = fired;
    dh_kit_detection_names(&d, sample, sample_len, dom, dom);
    d.confidence = dh_kit_confidence(conf);
    dh_kit_emit(&t->kit, &d);
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    nd_t *t = ctx;
    const params_t *p = &t->p;
    window_t *w = value;
    bool early = dh_kit_is_early(why);
    if (t->kit.env->history && !early)
        dh_history_mark(t->kit.env->history, key, keylen, DH_HIST_FIRST_JUDGED);
    /* early, few_clients is the window's as it is now: a client coming
       later can still take it away, and then the close reports nothing */
    bool few = !w->clients_more && w->n_clients <= p->few_clients;
    int64_t score = score_of(p, w->risk, few, false);
    if (score < p->min_score && !dh_kit_closing_alerted(&t->kit))
        return; /* new, but no risk: counted by the history, not reported
                   (unless reported early: more clients came since) */
    char t1[DH_TIME_STRLEN], t2[DH_TIME_STRLEN];
    dh_strbuf_t *sb = &t->kit.ev;
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "kind", w->returning ? "returning_after_unseen" : "first_contact");
    if (w->returning)
        dh_json_kv_str(sb, "previously_last_seen", dh_time_format(w->prev_last_us, t1));
    dh_json_kv_str(sb, "history_since", dh_time_format(w->history_since_us, t2));
    dh_json_kv_uint(sb, "history_days", w->history_days);
    dh_json_kv_int(sb, "score", score);
    signals_arr(sb, w->risk, few, false);
    dh_json_kv_int(sb, "window_seconds", p->window);
    dh_json_kv_uint(sb, "queries", w->queries);
    dh_json_kv_uint(sb, "answered", w->answered);
    dh_json_kv_uint(sb, "clients", w->n_clients);
    if (w->clients_more)
        dh_json_kv_bool(sb, "clients_more", true);
    dh_json_kv_str(sb, "label_class", dh_lexmodel_class_name(w->label_class));
    dh_json_kv_double(sb, "label_score", round(w->label_score * 1000) / 1000);
    /* label_score is under this model: "popular" or a language's */
    dh_json_kv_str(sb, "label_model", dh_lexmodel_model_name(t->model, w->label_model));
    thresholds_obj(sb, p);
    emit(t, key, keylen, w->n_clients ? &w->clients[0] : NULL, w->from_resolver, w->sample,
         w->sample_len, w->last_us, w->first_us, w->last_us, ws, score);
}

/* The daily history pass: judge the lifecycle of domains first contacted
   after the warm-up, once they are old enough or gone. */
static bool on_history(void *ctx, const char *domain, size_t len, dh_history_rec_t *rec,
                       int64_t now_us)
{
    nd_t *t = ctx;
    const params_t *p = &t->p;
    if (!(rec->flags & DH_HIST_NEW_IN_ORG) || (rec->flags & DH_HIST_LIFECYCLE_DONE))
        return false;
    bool young = rec->last_us - rec->first_us < p->young_days * DAY_US;
    bool gone = now_us - rec->last_us >= p->gone_days * DAY_US;
    if (young && !gone)
        return false; /* not judged yet */
    rec->flags |= DH_HIST_LIFECYCLE_DONE;
    if (!young)
        return true;
    bool few = rec->n_clients <= p->few_clients;
    int64_t with = score_of(p, rec->risk, few, true);
    if (with < p->min_score || with - p->young_lifecycle_weight >= p->min_score)
        return true;
    char t1[DH_TIME_STRLEN], t2[DH_TIME_STRLEN];
    dh_strbuf_t *sb = &t->kit.ev;
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "kind", "young_lifecycle");
    dh_json_kv_str(sb, "first_seen", dh_time_format(rec->first_us, t1));
    dh_json_kv_str(sb, "last_seen", dh_time_format(rec->last_us, t2));
    dh_json_kv_double(sb, "active_days",
                      round((double)(rec->last_us - rec->first_us) / DAY_US * 100) / 100);
    dh_json_kv_uint(sb, "days_seen", rec->days_seen);
    dh_json_kv_int(sb, "score", with);
    signals_arr(sb, rec->risk, few, true);
    dh_json_kv_uint(sb, "clients", rec->n_clients);
    dh_json_kv_uint(sb, "answer_addresses", rec->n_addrs);
    static const char *const shown[] = {"young_days", "gone_days", "min_score"};
    dh_kit_json_thresholds(sb, p, &params, shown, DH_N_OF(shown));
    emit(t, domain, len, &rec->first_client, false, NULL, 0, now_us, rec->first_us,
         rec->last_us, rec->first_us, with);
    return true;
}

static void nd_release(void *state)
{
    nd_t *t = state;
    if (t->kit.env && t->kit.env->history)
        dh_history_set_visitor(t->kit.env->history, NULL, NULL);
    dh_strset_free(t->dyndns);
    dh_lexmodel_free(t->model);
    dh_hunt_free(t->hunt);
}

static void nd_flush(void *state, const dh_detect_env_t *env)
{
    nd_t *t = state;
    (void)env;
    dh_hunt_finish(t->hunt); /* NULL without --hunt */
}

const dh_detector_type_t dh_detector_new_domain = {
    .name = "new_domain",
    .needs_history = true,
    .description = "first contact with a registered domain (persistent passive-DNS "
                   "history) that carries a risk signal (T1583.001, T1568)",
    .kit = &spec,
    .on_event = nd_on_event,
    .flush = nd_flush,
};
