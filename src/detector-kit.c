/*
 * detector-kit.c - the detector scaffolding (detector-kit.h).
 */
#include "detector-kit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util-ip.h"
#include "util-mem.h"

void dh_kit_init(dh_kit_t *k, const char *name, dh_rule_t *rule, const dh_detect_env_t *env)
{
    k->name = name;
    k->rule = rule;
    k->env = env;
    dh_sb_init(&k->ev);
    k->n_etables = 0;
    k->early = k->closing = NULL;
    k->release = NULL;
    k->table = NULL;
}

int dh_kit_read_params(const dh_kit_t *k, void *params, const dh_kit_params_t *pt, char *err,
                       size_t errlen)
{
    return dh_rule_read_params(k->rule, params, pt->fields, pt->n, err, errlen) ? -1 : 0;
}

/* The field of threshold `key` in pt (NULL: none). */
static const dh_param_field_t *param_field(const dh_kit_params_t *pt, const char *key)
{
    for (size_t i = 0; pt && i < pt->n; i++)
        if (strcmp(pt->fields[i].key, key) == 0)
            return &pt->fields[i];
    return NULL;
}

static void make_spec_table(dh_kit_t *k, const dh_kit_spec_t *spec)
{
    const dh_kit_spec_table_t *st = &spec->table;
    const dh_param_field_t *f = param_field(spec->params, "window");
    if (!f || f->kind != DH_PARAM_INT) {
        fprintf(stderr, "dnshound: detector kit: %s: a table needs an integer 'window'\n",
                k->name);
        abort();
    }
    int64_t window_s;
    memcpy(&window_s, (char *)DH_KIT_PARAMS_OF(k) + f->off, sizeof(window_s));
    dh_kit_etable_opts_t o = {.name = st->name, .value_size = st->value_size,
                              .window_s = window_s, .on_close = st->on_close, .ctx = k,
                              .pace = st->pace};
    k->table = dh_kit_early_table(k, &o);
}

void *dh_kit_new(const dh_kit_spec_t *spec, const char *name, dh_rule_t *rule,
                 const dh_detect_env_t *env, char *err, size_t errlen)
{
    dh_kit_t *k = dh_calloc(1, spec->size);
    dh_kit_init(k, name, rule, env);
    if ((spec->required && dh_kit_require_thresholds(k, spec->required, err, errlen)) ||
        (spec->params &&
         dh_kit_read_params(k, DH_KIT_PARAMS_OF(k), spec->params, err, errlen))) {
        dh_kit_destroy(k);
        return NULL;
    }
    k->release = spec->release;
    if (spec->setup && spec->setup(k, err, errlen)) {
        dh_kit_destroy(k);
        return NULL;
    }
    if (spec->table.name)
        make_spec_table(k, spec);
    return k;
}

void dh_kit_free(dh_kit_t *k)
{
    dh_sb_free(&k->ev);
}

void dh_kit_destroy(void *state)
{
    dh_kit_t *k = state;
    if (!k)
        return;
    if (k->release)
        k->release(state);
    dh_kit_free(k);
    free(state);
}

dh_table_t *dh_kit_table(const dh_kit_t *k, const char *name, size_t value_size,
                         int64_t window_s, dh_close_fn on_close, void *ctx)
{
    dh_table_opts_t o = {.name = name,
                         .value_size = value_size,
                         .window_us = DH_S_TO_US(window_s),
                         .on_close = on_close,
                         .ctx = ctx};
    return dh_table_new(k->env->state, &o);
}

int dh_kit_require_thresholds(const dh_kit_t *k, const char *what, char *err, size_t errlen)
{
    if (k->rule->thresholds)
        return 0;
    snprintf(err, errlen, "%s: missing 'thresholds' (%s is required)", k->rule->path, what);
    return -1;
}

int dh_kit_param_error(const dh_kit_t *k, const char *key, const char *what, char *err,
                       size_t errlen)
{
    dh_yaml_node_t *n = dh_yaml_get(k->rule->thresholds, key);
    snprintf(err, errlen, "%s:%zu: %s: %s", k->rule->path, n ? n->line : 0, key, what);
    return -1;
}

int dh_kit_param_max(const dh_kit_t *k, const char *key, int64_t v, int64_t max, char *err,
                     size_t errlen)
{
    if (v <= max)
        return 0;
    char what[96];
    snprintf(what, sizeof(what), "at most %lld here (a size fixed in the detector's code)",
             (long long)max);
    return dh_kit_param_error(k, key, what, err, errlen);
}

static void json_param(dh_strbuf_t *sb, const char *params, const dh_kit_params_t *pt,
                       const char *key)
{
    const dh_param_field_t *f = param_field(pt, key);
    if (!f) {
        fprintf(stderr, "dnshound: detector kit: no threshold '%s'\n", key);
        abort();
    }
    if (f->kind == DH_PARAM_INT) {
        int64_t v;
        memcpy(&v, params + f->off, sizeof(v));
        dh_json_kv_int(sb, key, v);
    } else {
        double v;
        memcpy(&v, params + f->off, sizeof(v));
        dh_json_kv_double(sb, key, v);
    }
}

void dh_kit_json_params(dh_strbuf_t *sb, const void *params, const dh_kit_params_t *pt,
                        const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_param(sb, params, pt, keys[i]);
}

void dh_kit_json_thresholds(dh_strbuf_t *sb, const void *params, const dh_kit_params_t *pt,
                            const char *const *keys, size_t n)
{
    dh_json_open_obj(sb, "thresholds");
    dh_kit_json_params(sb, params, pt, keys, n);
    dh_sb_putc(sb, '}');
}

void dh_kit_emit(dh_kit_t *k, dh_detection_t *d)
{
    if (!d->rule_name)
        d->rule_name = k->name;
    if (!d->rule)
        d->rule = k->rule;
    if (!d->evidence)
        d->evidence = &k->ev;
    if (k->early) {
        d->early = true;
        d->alerted = &k->early->alerted;
        k->early->fired = 1;
    } else if (k->closing && k->closing->alerted) {
        d->completes_early = true;
    }
    k->env->emit(k->env->pipeline, d);
}

double dh_kit_confidence(double c)
{
    return c > 0.99 ? 0.99 : c;
}

void dh_kit_span_add(int64_t *first_us, int64_t *last_us, int64_t ts_us, bool first)
{
    if (first || ts_us < *first_us)
        *first_us = ts_us;
    if (first || ts_us > *last_us)
        *last_us = ts_us;
}

void dh_kit_window_update(dh_kit_window_t *h, const dh_event_t *ev, const dh_verdict_t *v)
{
    if (h->events == 0)
        h->client = ev->client;
    dh_kit_span_add(&h->first_us, &h->last_us, ev->ts_us, h->events == 0);
    h->events++;
    h->from_resolver |= v->from_resolver;
    dh_pivots_add(&h->pivots, ev);
}

/* w (NULL allowed), a window struct starting with its header, with ev counted. */
static void *counted(void *w, const dh_event_t *ev, const dh_verdict_t *v)
{
    if (w)
        dh_kit_window_update(w, ev, v);
    return w;
}

void *dh_kit_touch_window(dh_table_t *t, const void *key, size_t keylen, const dh_event_t *ev,
                          const dh_verdict_t *v)
{
    return counted(dh_table_touch(t, key, keylen, ev->ts_us), ev, v);
}

void *dh_kit_touch_client(dh_table_t *t, const dh_event_view_t *vw, const dh_verdict_t *v)
{
    const dh_event_t *ev = vw->ev;
    return counted(dh_table_touch_h(t, &ev->client, sizeof(dh_addr_t), vw->client_hash,
                                    ev->ts_us, NULL),
                   ev, v);
}

dh_detection_t dh_kit_span_detection(int64_t first_us, int64_t last_us, int64_t ws,
                                     const dh_addr_t *client, bool from_resolver)
{
    return (dh_detection_t){
        .fired_us = last_us,
        .start_us = first_us,
        .end_us = last_us,
        .window_start_us = ws,
        .client = client,
        .client_is_resolver = from_resolver,
        .risk_score = -1,
        .confidence = -1,
    };
}

void dh_kit_detection_names(dh_detection_t *d, const char *qname, size_t qname_len,
                            const char *domain, const char *entity)
{
    d->qname = qname;
    d->qname_len = qname_len;
    d->registered_domain = domain;
    d->entity = entity;
}

dh_detection_t dh_kit_window_detection(const dh_kit_window_t *h, int64_t ws)
{
    dh_detection_t d =
        dh_kit_span_detection(h->first_us, h->last_us, ws, &h->client, h->from_resolver);
    d.pivots = &h->pivots;
    return d;
}

dh_detection_t dh_kit_named_detection(const dh_kit_window_t *h, int64_t ws, const char *qname,
                                      size_t qname_len)
{
    dh_detection_t d = dh_kit_window_detection(h, ws);
    d.qname = qname;
    d.qname_len = qname_len;
    return d;
}

void dh_kit_add_sample(char *names, size_t cap, uint8_t *lens, uint8_t *n, uint8_t max,
                       bool distinct, const char *name, size_t len)
{
    if (*n >= max)
        return;
    if (len > cap)
        len = cap;
    for (uint8_t i = 0; distinct && i < *n; i++)
        if (lens[i] == len && memcmp(names + i * cap, name, len) == 0)
            return;
    memcpy(names + (size_t)*n * cap, name, len);
    lens[(*n)++] = (uint8_t)len;
}

void dh_kit_add_client(dh_addr_t *addrs, uint8_t *n, uint8_t max, uint8_t *more,
                       const dh_addr_t *c)
{
    if (c->family == DH_AF_UNSET)
        return;
    for (uint8_t i = 0; i < *n; i++)
        if (dh_addr_equal(&addrs[i], c))
            return;
    if (*n < max)
        addrs[(*n)++] = *c;
    else
        *more = 1;
}

void dh_kit_json_estimates(dh_strbuf_t *sb, const dh_kit_count_t *counts, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        if (dh_distinct_is_estimate(counts[i].d)) {
            if (!any)
                dh_json_open_arr(sb, "estimated");
            any = true;
            dh_json_sep(sb);
            dh_json_string(sb, counts[i].name, strlen(counts[i].name));
        }
    if (any)
        dh_sb_putc(sb, ']');
}

void dh_kit_json_names(dh_strbuf_t *sb, const char *key, const char *names, size_t cap,
                       const uint8_t *lens, uint8_t n)
{
    dh_json_open_arr(sb, key);
    for (uint8_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, names + (size_t)i * cap, lens[i]);
    }
    dh_sb_putc(sb, ']');
}

void dh_kit_json_addrs(dh_strbuf_t *sb, const char *key, const dh_addr_t *addrs, size_t n)
{
    char ip[DH_ADDR_STRLEN];
    dh_json_open_arr(sb, key);
    for (size_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        const char *s = dh_addr_format(&addrs[i], ip);
        dh_json_string(sb, s, strlen(s));
    }
    dh_sb_putc(sb, ']');
}

void *dh_kit_touch_pair(dh_table_t *t, const dh_event_view_t *vw, size_t domain_max,
                        bool *created)
{
    if (created)
        *created = false;
    if (vw->pair_len == 0 || vw->rd_len >= domain_max)
        return NULL;
    return dh_table_touch_h(t, vw->pair_key, vw->pair_len, vw->pair_hash, vw->ev->ts_us,
                            created);
}

void *dh_kit_touch_pair_window(dh_table_t *t, const dh_event_view_t *vw, size_t domain_max,
                               const dh_verdict_t *v)
{
    return counted(dh_kit_touch_pair(t, vw, domain_max, NULL), vw->ev, v);
}

void dh_kit_key_domain(const void *key, size_t keylen, char *out, size_t cap)
{
    size_t n = keylen > sizeof(dh_addr_t) ? keylen - sizeof(dh_addr_t) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, (const char *)key + sizeof(dh_addr_t), n);
    out[n] = '\0';
}

/* ---- early alerts ---------------------------------------------------------- */

/* Every window of an early-checked table starts with its dh_kit_early_t. */
static dh_kit_early_t *early_of(void *value)
{
    return value;
}

/* Every real close of an early-checked table passes here: what the
   detector emits for a window reported early completes that alert. */
static void early_table_close(void *ctx, const void *key, size_t keylen, void *value,
                              int64_t ws, dh_close_t why)
{
    dh_kit_etable_t *et = ctx;
    et->kit->closing = early_of(value);
    et->on_close(et->ctx, key, keylen, value, ws, why);
    et->kit->closing = NULL;
}

dh_table_t *dh_kit_early_table(dh_kit_t *k, const dh_kit_etable_opts_t *o)
{
    if (k->n_etables == DH_KIT_MAX_ETABLES || o->pace.every_events < 1) {
        fprintf(stderr, "dnshound: detector kit: %s: bad early table\n", o->name);
        abort();
    }
    dh_kit_etable_t *et = &k->etables[k->n_etables++];
    *et = (dh_kit_etable_t){.kit = k, .on_close = o->on_close, .ctx = o->ctx,
                            .pace = o->pace};
    et->table = dh_kit_table(k, o->name, o->value_size, o->window_s, early_table_close, et);
    return et->table;
}

static dh_kit_etable_t *etable_of(dh_kit_t *k, const dh_table_t *t)
{
    for (size_t i = 0; i < k->n_etables; i++)
        if (k->etables[i].table == t)
            return &k->etables[i];
    fprintf(stderr, "dnshound: detector kit: %s: table not made by dh_kit_early_table\n",
            k->name);
    abort();
}

/* Count the event; whether the pace allows a check now (and plan the next). */
static bool early_due(const dh_kit_pace_t *p, dh_kit_early_t *e, int64_t ts_us)
{
    if (e->left > 0)
        e->left--;
    bool due = e->left == 0 || (p->every_s > 0 && ts_us >= e->next_us);
    if (due) {
        e->checks++;
        e->left = p->every_events;
        e->next_us = ts_us + DH_S_TO_US(p->every_s);
    }
    return due;
}

bool dh_kit_early_check(dh_kit_t *k, const dh_table_t *t, const void *key, size_t keylen,
                        void *value, int64_t ts_us)
{
    if (!k->env->early_alerts)
        return false;
    dh_kit_etable_t *et = etable_of(k, t);
    dh_kit_early_t *e = early_of(value);
    if (e->fired || !early_due(&et->pace, e, ts_us))
        return false;
    k->early = e;
    et->on_close(et->ctx, key, keylen, value, dh_table_window_start(value), DH_KIT_CLOSE_EARLY);
    k->early = NULL;
    return e->fired != 0;
}
