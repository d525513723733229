/*
 * dethost.c - the detector host: everything between a normalized event and
 * a detection. An event passes shared noise control (noise.c) first, then
 * the passive-DNS history learns its domain, then every enabled detector
 * sees it with the same verdict; detections go through alert suppression
 * (alerts.c) to the sink.
 *
 * Why one host and not detectors calling each other: the order is fixed
 * (noise, history, detectors in detectors.def order), every detector sees
 * the same facts about an event, and a detector is one file that knows only
 * detector.h. The facts several detectors need about an event (lengths,
 * labels, subdomain, client x domain key and hashes) are computed once per
 * event into an event view (event-view.h) that every detector reads.
 * Detectors are created from their rule files at start; a
 * disabled one is not kept. The history is opened only when an enabled
 * detector needs it (or for --learn-only).
 */
#include "pipeline-int.h"

#include <string.h>
#include <strings.h>

#include "detector-kit.h"
#include "util-dns.h"
#include "util-mem.h"

/* A finished JSON line: an alert, or an incident / host risk line. */
static void detection_line(void *ctx, const dh_strbuf_t *line, const char *key)
{
    dh_pipeline_t *pl = ctx;
    pl->c.detections++;
    /* a batch run sorts its detections by event time; a live one writes
       each at once */
    pl->c.sink_errors += dh_view_line(pl->view, line->buf, line->len, key, !pl->live);
    if (pl->live)
        /* live: out now, not at the next tick; not delivered yet (Kafka,
           timeout 0) is no error, and a failed write fails the close */
        (void)dh_pipeline_flush_output(pl, 0);
}

/* A line from alert suppression: out, then read by the correlation of
   findings (incidents.h), which may emit an incident line after it. */
static void alert_line(void *ctx, const dh_strbuf_t *line, const char *key)
{
    dh_pipeline_t *pl = ctx;
    detection_line(pl, line, key);
    dh_incidents_observe(pl->incidents, line->buf, line->len);
}

/* Early alerts are on when asked, or by default when the run is live (which
   a source may declare only once it starts reading: asked per event). */
static bool early_alerts(const dh_pipeline_t *pl)
{
    dh_early_t e = pl->opt.core.early_alerts;
    return e == DH_EARLY_ON || (e == DH_EARLY_AUTO && dh_pipeline_is_live(pl));
}

/* Detectors emit here; suppression decides what reaches the sink. How a
   finding's registered domain was made is named here for every detector:
   keys are idempotent (the key of a key is itself, made the same way), so
   no window has to carry it, and a domain that is no key (an indicator's
   full name) gets none. Detectors may emit while an event is being
   dispatched, hence the lookup that leaves the regdom cache alone. */
/* A reverse-lookup name (x.in-addr.arpa, x.ip6.arpa): "10.in-addr.arpa"
   is no domain anyone registered, so a PTR sweep names none. */
static bool reverse_name(const char *name, size_t len)
{
    while (len && name[len - 1] == '.')
        len--;
    return len >= 5 && strncasecmp(name + len - 5, ".arpa", 5) == 0;
}

static void emit_detection(void *ctx, const dh_detection_t *d)
{
    dh_pipeline_t *pl = ctx;
    dh_detection_t c = *d;
    char rd[DH_REGDOM_BUF];
    /* every finding with a query name has its registered domain (the
       per-client detectors name a sample, not a domain): the pivot an
       analyst filters on */
    if (!c.registered_domain && c.qname && pl->regdom && !reverse_name(c.qname, c.qname_len))
        c.registered_domain = dh_regdom_key_into(pl->regdom, c.qname, c.qname_len, rd);
    c.pivot_ids = pl->opt.sink.pivot_ids;
    if (c.registered_domain && c.zone_source == DH_ZONE_NONE)
        c.zone_source = (uint8_t)dh_regdom_key_source(pl->regdom, c.registered_domain);
    dh_alerts_submit(pl->alerts, &c, c.rule->suppression_s * 1000000);
}

/* The history learns the domains that exist: events that reach detectors
   (not excluded special-use names, allowlisted names or resolver
   duplicates) answered NOERROR, or whose answer the sensor did not see.
   NXDOMAIN and failures are left to the DGA detector: a flood of random
   names that do not resolve would otherwise fill the history. */
static void observe_history(dh_pipeline_t *pl, const dh_event_t *ev, dh_verdict_t *v)
{
    if (!pl->history || !ev->registered_domain || (ev->rcode != 0 && ev->rcode != -1))
        return;
    v->history_live = dh_history_observe(pl->history, ev->registered_domain,
                                         strlen(ev->registered_domain), ev, &v->history,
                                         &v->history_found);
    v->has_history = v->history_live != NULL;
    v->history_since_us = dh_history_since(pl->history);
    v->history_days = dh_history_days_before(pl->history, ev->ts_us);
}

static void detect(dh_pipeline_t *pl, const dh_event_t *ev)
{
    dh_verdict_t v;
    dh_noise_result_t r = dh_noise_check(pl->noise, ev, &v);
    if (r != DH_NOISE_PASS && r != DH_NOISE_EXCLUDED)
        return;
    v.has_history = v.history_found = false;
    v.history_live = NULL;
    if (r == DH_NOISE_PASS)
        observe_history(pl, ev, &v);
    if (pl->opt.history.learn_only)
        return;
    uint32_t flags = v.history_live ? v.history_live->flags : 0;
    uint8_t risk = v.history_live ? v.history_live->risk : 0;
    pl->env.early_alerts = early_alerts(pl);
    dh_event_view_t view; /* one per event, shared by every detector */
    dh_event_view_init(&view, ev);
    for (size_t i = 0; i < pl->n_det; i++)
        if (r == DH_NOISE_PASS || pl->det[i].type->sees_excluded)
            pl->det[i].type->on_event(pl->det[i].state, &view, &v, &pl->env);
    if (v.history_live && (v.history_live->flags != flags || v.history_live->risk != risk))
        dh_history_changed(pl->history, v.history_live); /* a detector marked it */
}

/* Parse the A, AAAA and untyped answers' addresses once, for every
   detector and the history (event.h answer_addrs). */
static void parse_answer_addrs(dh_pipeline_t *pl, dh_event_t *ev)
{
    if (!ev->n_answers)
        return;
    if (ev->n_answers > pl->answer_addrs_cap) {
        pl->answer_addrs_cap = ev->n_answers * 2;
        pl->answer_addrs = dh_realloc(pl->answer_addrs, pl->answer_addrs_cap * sizeof(dh_addr_t));
    }
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        const dh_answer_t *a = &ev->answers[i];
        dh_addr_t *x = &pl->answer_addrs[i];
        x->family = DH_AF_UNSET;
        if (a->data && (a->rrtype == DH_QTYPE_A || a->rrtype == DH_QTYPE_AAAA || a->rrtype < 0) &&
            dh_addr_parse(a->data, a->data_len, x) != 0)
            x->family = DH_AF_UNSET;
    }
    ev->answer_addrs = pl->answer_addrs;
}

void dh_dethost_event(dh_pipeline_t *pl, dh_event_t *ev)
{
    parse_answer_addrs(pl, ev);
    detect(pl, ev);
}

/* ---- set-up ------------------------------------------------------- */

void dh_dethost_init(dh_pipeline_t *pl)
{
    pl->env.emit = emit_detection;
    pl->env.pipeline = pl;
    pl->env.log = pl->opt.logger;
    pl->env.hunt = pl->opt.detect.hunt;
}

static int open_history(dh_pipeline_t *pl, char *err, size_t errlen);

void *dh_detector_create(const dh_detector_type_t *t, dh_rule_t *rule,
                         const dh_detect_env_t *env, char *err, size_t errlen)
{
    return t->create ? t->create(rule, env, err, errlen)
                     : dh_kit_new(t->kit, t->name, rule, env, err, errlen);
}

void dh_detector_destroy(const dh_detector_type_t *t, void *state)
{
    if (!state)
        return;
    if (t->destroy)
        t->destroy(state);
    else
        dh_kit_destroy(state);
}

static int load_detectors(dh_pipeline_t *pl, char *err, size_t errlen)
{
    size_t n = 0;
    while (dh_detectors[n])
        n++;
    pl->det = dh_calloc(n ? n : 1, sizeof(*pl->det));
    for (size_t i = 0; i < n; i++) {
        const dh_detector_type_t *t = dh_detectors[i];
        dh_rule_t *rule = dh_rule_load(pl->opt.detect.rules_dir, t->name, err, errlen);
        if (!rule)
            return -1;
        /* a hunt judges the archive by itself: the history stays closed */
        if (rule->enabled && t->needs_history && !pl->opt.detect.hunt && !pl->history &&
            open_history(pl, err, errlen)) {
            dh_rule_free(rule);
            return -1;
        }
        detector_inst_t *d = &pl->det[pl->n_det];
        d->type = t;
        d->rule = rule;
        pl->n_det++; /* owned from here: freed by dh_pipeline_free */
        d->state = dh_detector_create(t, rule, &pl->env, err, errlen);
        if (!d->state || dh_rule_finish(rule, err, errlen))
            return -1;
        if (!rule->enabled) {
            dh_detector_destroy(t, d->state);
            dh_rule_free(rule);
            pl->n_det--;
        }
    }
    return 0;
}

static int open_history(dh_pipeline_t *pl, char *err, size_t errlen)
{
    static const dh_history_tuning_t tune = {
        .cache_entries = 65536, /* about 10 MiB */
        .sync_interval_us = 300 * 1000000LL, /* and when the cache is half full */
    };
    pl->history = dh_history_open(&pl->opt.history, &tune, pl->opt.logger, err, errlen);
    pl->env.history = pl->history;
    return pl->history ? 0 : -1;
}

/* State, history, noise control, alert suppression and the detectors. */
int dh_dethost_setup(dh_pipeline_t *pl, char *err, size_t errlen)
{
    pl->state = dh_state_new(pl->opt.core.max_state_bytes);
    pl->env.state = pl->state;
    /* the history is opened for --learn-only, or by the first enabled
       detector that needs it (load_detectors) */
    if (pl->opt.history.learn_only && open_history(pl, err, errlen))
        return -1;
    pl->alerts = dh_alerts_new(100000, alert_line, pl);
    pl->noise = dh_noise_load(pl->opt.detect.rules_dir, pl->state, err, errlen);
    if (!pl->noise)
        return -1;
    for (size_t i = 0; pl->opt.detect.resolvers && pl->opt.detect.resolvers[i]; i++)
        if (dh_noise_add_resolver(pl->noise, pl->opt.detect.resolvers[i])) {
            snprintf(err, errlen, "resolver '%s' is not an address or CIDR block",
                     pl->opt.detect.resolvers[i]);
            return -1;
        }
    dh_noise_set_regdom(pl->noise, pl->regdom);
    const dh_noise_zone_t *z;
    for (size_t i = 0; (z = dh_noise_internal_zone(pl->noise, i)) != NULL; i++)
        if (dh_pipeline_add_zone(pl, z->name, z->where, err, errlen))
            return -1;
    /* learning builds the history only: no detector runs, none judges */
    if (pl->opt.history.learn_only)
        return 0;
    pl->incidents =
        dh_incidents_new(pl->opt.detect.rules_dir, detection_line, pl, err, errlen);
    return pl->incidents ? load_detectors(pl, err, errlen) : -1;
}

/* ---- end of input ------------------------------------------------ */

void dh_dethost_finish(dh_pipeline_t *pl)
{
    if (pl->state) {
        dh_state_flush(pl->state);
        for (size_t i = 0; i < pl->n_det; i++)
            if (pl->det[i].type->flush)
                pl->det[i].type->flush(pl->det[i].state, &pl->env);
        dh_alerts_flush(pl->alerts);
        dh_incidents_flush(pl->incidents);
    }
    if (pl->history && dh_history_sync(pl->history) != 0)
        pl->c.sink_errors++; /* the history is output too: a failed commit fails the run */
}

int64_t dh_dethost_oldest_open(const dh_pipeline_t *pl)
{
    int64_t safe = INT64_MAX;
    if (pl->state) {
        safe = dh_state_oldest_open(pl->state);
        int64_t a = dh_alerts_oldest_open(pl->alerts);
        if (a < safe)
            safe = a;
        for (size_t i = 0; i < pl->n_det; i++)
            if (pl->det[i].type->oldest_open) {
                int64_t d = pl->det[i].type->oldest_open(pl->det[i].state);
                if (d < safe)
                    safe = d;
            }
    }
    return safe;
}

void dh_dethost_free(dh_pipeline_t *pl)
{
    dh_history_close(pl->history); /* commits; no detector is called */
    pl->env.history = NULL;
    for (size_t i = 0; i < pl->n_det; i++) {
        dh_detector_destroy(pl->det[i].type, pl->det[i].state);
        dh_rule_free(pl->det[i].rule);
    }
    free(pl->det);
    dh_noise_free(pl->noise);
    dh_alerts_free(pl->alerts);
    dh_incidents_free(pl->incidents);
    dh_state_free(pl->state);
    free(pl->answer_addrs);
}

void dh_pipeline_poll(dh_pipeline_t *pl)
{
    if (!pl->opt.reload_flag || !*pl->opt.reload_flag)
        return;
    *pl->opt.reload_flag = 0;
    for (size_t i = 0; i < pl->n_det; i++) {
        const dh_detector_type_t *t = pl->det[i].type;
        if (!t->reload)
            continue;
        char info[256] = "", err[512] = "";
        if (t->reload(pl->det[i].state, info, sizeof(info), err, sizeof(err)) == 0)
            fprintf(pl->opt.log, "dnshound: SIGHUP: %s reloaded: %s\n", t->name, info);
        else
            fprintf(pl->opt.log, "dnshound: SIGHUP: %s not reloaded, previous lists kept: %s\n",
                    t->name, err);
    }
}
