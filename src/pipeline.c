/*
 * pipeline.c - the main job (see pipeline.h): transaction assembly, the
 * event-time watermark, detector dispatch, output and accounting.
 */
#define _GNU_SOURCE /* memmem */
#include "pipeline.h"

#include <string.h>

#include "alerts.h"
#include "detector.h"
#include "history.h"
#include "noise.h"
#include "output-event.h"
#include "regdom.h"
#include "rules.h"
#include "sink.h"
#include "state.h"
#include "txn.h"
#include "util-dns.h"
#include "util-ip.h"
#include "util-json.h"
#include "util-mem.h"
#include "util-time.h"

#define MAX_INPUT_STATS 256

typedef struct {
    const dh_detector_type_t *type;
    dh_rule_t *rule;
    void *state;
} detector_inst_t;

typedef struct {
    char *name;
    const char *format;
    bool gzip;
    uint64_t records, malformed, skipped;
    char *error;
} input_stat_t;

struct dh_pipeline {
    dh_options_t opt;
    dh_counters_t c;
    dh_evbuf_t *evbuf;
    dh_txn_stats_t txn_stats; /* summed over closed streams */
    dh_regdom_t *regdom;
    detector_inst_t *det;
    size_t n_det;
    dh_detect_env_t env;
    dh_state_t *state;
    dh_noise_t *noise;
    dh_alerts_t *alerts;
    dh_history_t *history; /* NULL with --emit events */
    dh_addr_t *answer_addrs; /* the current event's parsed answers (event.h) */
    size_t answer_addrs_cap;
    /* Concurrent streams (Kafka partitions): the watermark is the minimum
       over active streams of their newest event time, minus the lateness,
       so a lagging partition does not see its events declared late. */
    bool concurrent;
    dh_stream_t *streams; /* open streams */
    dh_strbuf_t extra_stats; /* members added by sources ("kafka":{...}) */
    bool finished;
    const dh_sink_type_t *sink_type;
    void *sink;
    dh_strbuf_t out;
    int64_t max_ts;
    int64_t watermark;
    input_stat_t inputs[MAX_INPUT_STATS];
    size_t n_inputs;
};

void dh_options_default(dh_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->output = "-";
    o->emit = DH_EMIT_DETECTIONS;
    o->rules_dir = "rules";
    o->max_line = 256 * 1024;
    o->txn_timeout_us = 30 * 1000000LL;
    o->max_pending = 65536;
    o->lateness_us = 60 * 1000000LL;
    o->max_reports = 10;
    o->max_state_bytes = (size_t)512 << 20;
    o->history_expire_us = 180LL * 86400 * 1000000;
    o->history_max_bytes = (size_t)1024 << 20;
    o->log = stderr;
}

/* ---- output -------------------------------------------------------- */

static void sink_line(dh_pipeline_t *pl, const char *key)
{
    if (pl->sink_type->write(pl->sink, pl->out.buf, pl->out.len, key) != 0)
        pl->c.sink_errors++;
    dh_sb_reset(&pl->out);
}

/* A finished JSON line from alert suppression. */
static void alert_line(void *ctx, const dh_strbuf_t *line, const char *key)
{
    dh_pipeline_t *pl = ctx;
    pl->c.detections++;
    if (pl->sink_type->write(pl->sink, line->buf, line->len, key) != 0)
        pl->c.sink_errors++;
}

/* Detectors emit here; suppression decides what reaches the sink. */
static void emit_detection(void *ctx, const dh_detection_t *d)
{
    dh_pipeline_t *pl = ctx;
    dh_alerts_submit(pl->alerts, d, d->rule->suppression_s * 1000000);
}

/* ---- events -------------------------------------------------------- */

static void set_watermark(dh_pipeline_t *pl, int64_t wm)
{
    if (wm <= pl->watermark)
        return;
    pl->watermark = wm;
    if (pl->state) {
        dh_state_advance(pl->state, wm);
        dh_alerts_advance(pl->alerts, wm);
    }
}

/* Inputs read one after another (files): the newest event time seen. */
static void advance_watermark(dh_pipeline_t *pl, int64_t ts)
{
    if (ts <= pl->max_ts)
        return;
    pl->max_ts = ts;
    if (!pl->concurrent)
        set_watermark(pl, ts - pl->opt.lateness_us);
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
    if (pl->opt.learn_only)
        return;
    uint32_t flags = v.history_live ? v.history_live->flags : 0;
    uint8_t risk = v.history_live ? v.history_live->risk : 0;
    for (size_t i = 0; i < pl->n_det; i++)
        if (r == DH_NOISE_PASS || pl->det[i].type->sees_excluded)
            pl->det[i].type->on_event(pl->det[i].state, ev, &v, &pl->env);
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

/* Called for every finished transaction (directly for Zeek, through the
   stream's transaction assembler for EVE). */
static void on_event(void *ctx, const dh_event_t *ev_in)
{
    dh_pipeline_t *pl = ctx;
    dh_event_t ev = *ev_in;
    if (ev.has_qname && pl->regdom)
        ev.registered_domain = dh_regdom_lookup(pl->regdom, ev.qname_lc, ev.qname_len);
    pl->c.dns_events++;
    if (ev.ts_us < pl->watermark)
        pl->c.late_events++;
    if (pl->opt.emit == DH_EMIT_EVENTS) {
        char key[DH_ADDR_STRLEN]; /* events are keyed by client: a client's events
                                     stay in one partition (scale-out) */
        dh_event_to_json(&ev, &pl->out);
        sink_line(pl, dh_addr_format(&ev.client, key));
    } else {
        parse_answer_addrs(pl, &ev);
        detect(pl, &ev);
    }
    advance_watermark(pl, ev.ts_us);
}

/* ---- set-up ------------------------------------------------------- */

static int open_history(dh_pipeline_t *pl, char *err, size_t errlen);

static int load_detectors(dh_pipeline_t *pl, char *err, size_t errlen)
{
    size_t n = 0;
    while (dh_detectors[n])
        n++;
    pl->det = dh_calloc(n ? n : 1, sizeof(*pl->det));
    for (size_t i = 0; i < n; i++) {
        const dh_detector_type_t *t = dh_detectors[i];
        dh_rule_t *rule = dh_rule_load(pl->opt.rules_dir, t->name, err, errlen);
        if (!rule)
            return -1;
        if (rule->enabled && t->needs_history && !pl->history && open_history(pl, err, errlen)) {
            dh_rule_free(rule);
            return -1;
        }
        detector_inst_t *d = &pl->det[pl->n_det];
        d->type = t;
        d->rule = rule;
        pl->n_det++; /* owned from here: freed by dh_pipeline_free */
        d->state = t->create(rule, &pl->env, err, errlen);
        if (!d->state || dh_rule_finish(rule, err, errlen))
            return -1;
        if (!rule->enabled) {
            t->destroy(d->state);
            dh_rule_free(rule);
            pl->n_det--;
        }
    }
    return 0;
}

static int open_history(dh_pipeline_t *pl, char *err, size_t errlen)
{
    dh_history_opts_t ho = {
        .dir = pl->opt.state_dir,
        .ephemeral = pl->opt.no_state || !pl->opt.state_dir,
        .expire_us = pl->opt.history_expire_us,
        .max_bytes = pl->opt.history_max_bytes,
        .cache_entries = 65536, /* about 10 MiB */
        .sync_interval_us = 300 * 1000000LL, /* and when the cache is half full */
    };
    pl->history = dh_history_open(&ho, err, errlen);
    pl->env.history = pl->history;
    return pl->history ? 0 : -1;
}

/* State, history, noise control, alert suppression and the detectors. */
static int setup_detection(dh_pipeline_t *pl, char *err, size_t errlen)
{
    pl->state = dh_state_new(pl->opt.max_state_bytes);
    pl->env.state = pl->state;
    /* the history is opened for --learn-only, or by the first enabled
       detector that needs it (load_detectors) */
    if (pl->opt.learn_only && open_history(pl, err, errlen))
        return -1;
    pl->alerts = dh_alerts_new(100000, alert_line, pl);
    pl->noise = dh_noise_load(pl->opt.rules_dir, pl->state, err, errlen);
    if (!pl->noise)
        return -1;
    for (size_t i = 0; pl->opt.resolvers && pl->opt.resolvers[i]; i++)
        if (dh_noise_add_resolver(pl->noise, pl->opt.resolvers[i])) {
            snprintf(err, errlen, "resolver '%s' is not an address or CIDR block",
                     pl->opt.resolvers[i]);
            return -1;
        }
    /* learning builds the history only: no detector runs, none judges */
    return pl->opt.learn_only ? 0 : load_detectors(pl, err, errlen);
}

dh_pipeline_t *dh_pipeline_new(const dh_options_t *o, char *err, size_t errlen)
{
    dh_pipeline_t *pl = dh_calloc(1, sizeof(*pl));
    pl->opt = *o;
    pl->max_ts = INT64_MIN;
    pl->watermark = INT64_MIN;
    pl->env.emit = emit_detection;
    pl->env.pipeline = pl;
    dh_sb_init(&pl->out);
    dh_sb_init(&pl->extra_stats);
    pl->evbuf = dh_evbuf_new(o->max_line);
    pl->regdom = dh_regdom_new(8192);
    if (!pl->regdom) {
        snprintf(err, errlen, "cannot load the Public Suffix List (libpsl)");
        dh_pipeline_free(pl);
        return NULL;
    }
    if (o->emit == DH_EMIT_DETECTIONS && setup_detection(pl, err, errlen)) {
        dh_pipeline_free(pl);
        return NULL;
    }
    pl->sink_type = dh_sink_for(o->output);
    pl->sink = pl->sink_type ? pl->sink_type->open(o->output, &pl->opt, err, errlen) : NULL;
    if (!pl->sink) {
        dh_pipeline_free(pl);
        return NULL;
    }
    return pl;
}

int dh_pipeline_finish(dh_pipeline_t *pl)
{
    if (pl->finished)
        return 0;
    pl->finished = true;
    if (pl->state) {
        dh_state_flush(pl->state);
        for (size_t i = 0; i < pl->n_det; i++)
            if (pl->det[i].type->flush)
                pl->det[i].type->flush(pl->det[i].state, &pl->env);
        dh_alerts_flush(pl->alerts);
    }
    if (pl->history && dh_history_sync(pl->history) != 0)
        pl->c.sink_errors++; /* the history is output too: a failed commit fails the run */
    return dh_pipeline_close_output(pl);
}

int dh_pipeline_close_output(dh_pipeline_t *pl)
{
    if (!pl->sink)
        return pl->c.sink_errors ? -1 : 0;
    if (pl->sink_type->stats) {
        dh_strbuf_t sb;
        dh_sb_init(&sb);
        dh_sb_putc(&sb, '{'); /* so the member writer adds no leading comma */
        pl->sink_type->stats(pl->sink, &sb);
        if (pl->extra_stats.len)
            dh_sb_putc(&pl->extra_stats, ',');
        dh_sb_put(&pl->extra_stats, sb.buf + 1, sb.len - 1);
        dh_sb_free(&sb);
    }
    int rc = pl->sink_type->close(pl->sink);
    pl->sink = NULL;
    if (rc != 0 || pl->c.sink_errors) {
        fprintf(pl->opt.log, "dnshound: %s: output not written or not delivered\n", pl->opt.output);
        return -1;
    }
    return 0;
}

void dh_pipeline_free(dh_pipeline_t *pl)
{
    if (!pl)
        return;
    if (pl->sink)
        pl->sink_type->close(pl->sink);
    dh_history_close(pl->history); /* commits; no detector is called */
    pl->env.history = NULL;
    for (size_t i = 0; i < pl->n_det; i++) {
        if (pl->det[i].state)
            pl->det[i].type->destroy(pl->det[i].state);
        dh_rule_free(pl->det[i].rule);
    }
    free(pl->det);
    dh_noise_free(pl->noise);
    dh_alerts_free(pl->alerts);
    dh_state_free(pl->state);
    for (size_t i = 0; i < pl->n_inputs; i++) {
        free(pl->inputs[i].name);
        free(pl->inputs[i].error);
    }
    dh_regdom_free(pl->regdom);
    free(pl->answer_addrs);
    dh_evbuf_free(pl->evbuf);
    dh_sb_free(&pl->out);
    dh_sb_free(&pl->extra_stats);
    free(pl);
}

const dh_counters_t *dh_pipeline_counters(const dh_pipeline_t *pl)
{
    return &pl->c;
}

/* ---- streams -------------------------------------------------------- */

#define PROBE_MAX_LINES 64
#define PROBE_MAX_BYTES (1024 * 1024)

struct dh_stream {
    dh_pipeline_t *pl;
    char *name;
    const dh_parser_type_t *parser;
    void *pstate;
    /* format sniffing: lines held back until a parser says YES */
    dh_strbuf_t held;
    size_t held_off[PROBE_MAX_LINES];
    uint64_t held_line_no[PROBE_MAX_LINES];
    size_t n_held;
    /* Transaction assembly is per stream: a transaction belongs to one
       sensor's log, and each stream keeps its own event-time clock, so
       reading two sensors' logs of the same hours one after the other does
       not expire the second one's requests on arrival. Created on the first
       record that is a part (EVE); Zeek streams never need one. */
    dh_txn_t *txn;
    bool saw_event;
    bool idle;              /* concurrent mode: at its end, not holding the watermark */
    int64_t max_ts;         /* newest event time of this stream */
    int64_t last_record_ts; /* event time of the last line, INT64_MIN if not DNS */
    dh_stream_t *prev, *next;
    uint64_t records, malformed, skipped;
    unsigned reported;
    input_stat_t *stat;
};

static void report_malformed(dh_stream_t *s, uint64_t line_no, const char *reason)
{
    s->malformed++;
    s->pl->c.malformed++;
    if (s->reported++ < s->pl->opt.max_reports)
        fprintf(s->pl->opt.log, "%s:%llu: %s\n", s->name, (unsigned long long)line_no, reason);
}

static void choose_parser(dh_stream_t *s, const dh_parser_type_t *p)
{
    s->parser = p;
    s->pstate = p->create();
    if (s->stat)
        s->stat->format = p->name;
}

dh_stream_t *dh_stream_open(dh_pipeline_t *pl, const char *name)
{
    dh_stream_t *s = dh_calloc(1, sizeof(*s));
    s->pl = pl;
    s->name = dh_strdup(name);
    dh_sb_init(&s->held);
    s->max_ts = INT64_MIN;
    s->last_record_ts = INT64_MIN;
    s->next = pl->streams;
    if (pl->streams)
        pl->streams->prev = s;
    pl->streams = s;
    pl->c.inputs++;
    if (pl->n_inputs < MAX_INPUT_STATS) {
        s->stat = &pl->inputs[pl->n_inputs++];
        s->stat->name = dh_strdup(name);
    }
    if (pl->opt.format)
        choose_parser(s, dh_parser_find(pl->opt.format));
    return s;
}

/* Inputs are read one after the other. When a new input's first event is
   older than the watermark (another sensor's log of the same hours, or an
   older archive), its events would all be late: instead it begins a new
   replay epoch. Every open window is closed and reported first, then event
   time starts over. An input that continues where the previous one ended (a
   log split into consecutive files) keeps the same windows. */
static void new_epoch(dh_pipeline_t *pl)
{
    dh_state_close_windows(pl->state);
    dh_alerts_flush(pl->alerts);
    pl->max_ts = INT64_MIN;
    pl->watermark = INT64_MIN;
    pl->c.epochs++;
}

/* Concurrent mode: the minimum over active streams of their newest time. */
static void advance_concurrent(dh_pipeline_t *pl)
{
    int64_t low = INT64_MAX;
    for (dh_stream_t *s = pl->streams; s; s = s->next) {
        if (s->idle)
            continue;
        if (!s->saw_event)
            return; /* an assigned partition that has not delivered yet holds
                       the watermark: its first events may be the oldest */
        if (s->max_ts < low)
            low = s->max_ts;
    }
    if (low != INT64_MAX)
        set_watermark(pl, low - pl->opt.lateness_us);
}

static void stream_event(void *ctx, const dh_event_t *ev)
{
    dh_stream_t *s = ctx;
    dh_pipeline_t *pl = s->pl;
    if (!s->saw_event) {
        s->saw_event = true;
        s->max_ts = ev->ts_us;
        if (pl->state && !pl->concurrent && ev->ts_us < pl->watermark)
            new_epoch(pl);
    }
    on_event(pl, ev);
    if (pl->concurrent && ev->ts_us > s->max_ts) {
        s->max_ts = ev->ts_us;
        advance_concurrent(pl);
    }
}

static void parse(dh_stream_t *s, uint64_t line_no, const char *line, size_t len)
{
    dh_pipeline_t *pl = s->pl;
    char reason[DH_REASON_MAX];
    reason[0] = '\0';
    s->last_record_ts = INT64_MIN;
    switch (s->parser->parse_line(s->pstate, line, len, pl->evbuf, reason)) {
    case DH_LINE_RECORD:
        s->last_record_ts = pl->evbuf->ev.ts_us;
        s->records++;
        pl->c.records++;
        pl->c.dns_records++;
        if (pl->evbuf->part == DH_PART_COMPLETE) {
            stream_event(s, &pl->evbuf->ev);
            break;
        }
        if (!s->txn)
            s->txn = dh_txn_new(pl->opt.max_pending, pl->opt.txn_timeout_us, stream_event, s);
        dh_txn_add(s->txn, pl->evbuf);
        break;
    case DH_LINE_HEADER:
        break;
    case DH_LINE_SKIPPED:
        s->records++;
        s->skipped++;
        pl->c.records++;
        pl->c.skipped++;
        break;
    case DH_LINE_MALFORMED:
        s->records++;
        pl->c.records++;
        report_malformed(s, line_no, reason[0] ? reason : "malformed record");
        break;
    }
}

static void replay_held(dh_stream_t *s)
{
    for (size_t i = 0; i < s->n_held; i++) {
        size_t end = i + 1 < s->n_held ? s->held_off[i + 1] : s->held.len;
        parse(s, s->held_line_no[i], s->held.buf + s->held_off[i], end - s->held_off[i]);
    }
    s->n_held = 0;
    dh_sb_reset(&s->held);
}

/* Held lines that no parser claimed: each is a malformed record. */
static void reject_held(dh_stream_t *s, const char *reason)
{
    for (size_t i = 0; i < s->n_held; i++) {
        s->records++;
        s->pl->c.records++;
        report_malformed(s, s->held_line_no[i], reason);
    }
    s->n_held = 0;
    dh_sb_reset(&s->held);
}

/* Three-state sniffing over the first records of the stream. */
static void probe(dh_stream_t *s, uint64_t line_no, const char *line, size_t len)
{
    bool maybe = false;
    for (size_t i = 0; dh_parsers[i]; i++) {
        dh_probe_t r = dh_parsers[i]->probe(line, len);
        if (r == DH_PROBE_YES) {
            choose_parser(s, dh_parsers[i]);
            replay_held(s);
            parse(s, line_no, line, len);
            return;
        }
        maybe |= r == DH_PROBE_NEED_MORE;
    }
    if (!maybe) {
        s->records++;
        s->pl->c.records++;
        report_malformed(s, line_no, "not a Zeek or Suricata DNS log record");
        return;
    }
    if (s->n_held == PROBE_MAX_LINES || s->held.len + len > PROBE_MAX_BYTES)
        reject_held(s, "format not recognised (no parser claimed the first records)");
    s->held_off[s->n_held] = s->held.len;
    s->held_line_no[s->n_held++] = line_no;
    dh_sb_put(&s->held, line, len);
}

static bool blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return false;
    return true;
}

/* An over-long line: a non-DNS EVE record (big stats lines) is skipped,
   anything else is malformed. */
static void too_long(dh_stream_t *s, uint64_t line_no, const char *line, size_t len)
{
    dh_pipeline_t *pl = s->pl;
    pl->c.too_long++;
    s->records++;
    pl->c.records++;
    const char *et = memmem(line, len < 4096 ? len : 4096, "\"event_type\":\"", 14);
    if (et && strncmp(et + 14, "dns\"", 4) != 0 && line[0] == '{') {
        s->skipped++;
        pl->c.skipped++;
        return;
    }
    char reason[96];
    snprintf(reason, sizeof(reason), "line longer than %zu bytes (--max-line)", pl->opt.max_line);
    report_malformed(s, line_no, reason);
}

void dh_stream_line(dh_stream_t *s, uint64_t line_no, const char *line, size_t len, bool is_long)
{
    dh_pipeline_poll(s->pl);
    if (is_long) {
        too_long(s, line_no, line, len);
        return;
    }
    if (len && line[len - 1] == '\r')
        len--;
    if (blank(line, len))
        return;
    const char *why = memchr(line, '\0', len) ? "NUL byte in record"
                      : !dh_utf8_valid(line, len) ? "invalid UTF-8"
                                                   : NULL;
    if (why) {
        s->records++;
        s->pl->c.records++;
        report_malformed(s, line_no, why);
        return;
    }
    if (s->parser)
        parse(s, line_no, line, len);
    else
        probe(s, line_no, line, len);
}

static void add_txn_stats(dh_txn_stats_t *sum, const dh_txn_stats_t *t)
{
    sum->merged += t->merged;
    sum->unanswered += t->unanswered;
    sum->orphan_responses += t->orphan_responses;
    sum->evicted_full += t->evicted_full;
    if (t->pending_peak > sum->pending_peak)
        sum->pending_peak = t->pending_peak;
}

void dh_stream_close(dh_stream_t *s, const char *error)
{
    dh_pipeline_t *pl = s->pl;
    if (!s->parser)
        reject_held(s, "format not recognised (no parser claimed the first records)");
    if (s->reported > pl->opt.max_reports)
        fprintf(pl->opt.log, "%s: %llu malformed records (%u shown)\n", s->name,
                (unsigned long long)s->malformed, pl->opt.max_reports);
    if (error) {
        pl->c.inputs_failed++;
        fprintf(pl->opt.log, "%s: %s\n", s->name, error);
    }
    if (s->stat) {
        s->stat->records = s->records;
        s->stat->malformed = s->malformed;
        s->stat->skipped = s->skipped;
        s->stat->error = error ? dh_strdup(error) : NULL;
    }
    if (s->txn) {
        dh_txn_flush(s->txn);
        add_txn_stats(&pl->txn_stats, dh_txn_stats(s->txn));
        dh_txn_free(s->txn);
    }
    if (s->parser) {
        if (s->parser->end_of_input)
            s->parser->end_of_input(s->pstate);
        s->parser->destroy(s->pstate);
    }
    if (s->prev)
        s->prev->next = s->next;
    else
        pl->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    dh_sb_free(&s->held);
    free(s->name);
    free(s);
    if (pl->concurrent)
        advance_concurrent(pl);
}

void dh_stream_set_idle(dh_stream_t *s, bool idle)
{
    if (s->idle == idle)
        return;
    s->idle = idle;
    if (idle && s->pl->concurrent)
        advance_concurrent(s->pl);
}

void dh_stream_set_gzip(dh_stream_t *s, bool gzip)
{
    if (s->stat)
        s->stat->gzip = gzip;
}

int64_t dh_stream_last_record_ts(const dh_stream_t *s)
{
    return s->last_record_ts;
}

void dh_pipeline_set_concurrent(dh_pipeline_t *pl, bool on)
{
    pl->concurrent = on;
}

int64_t dh_pipeline_safe_time(const dh_pipeline_t *pl)
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
    for (const dh_stream_t *s = pl->streams; s; s = s->next)
        if (s->txn) {
            int64_t t = dh_txn_oldest_ts(s->txn);
            if (t < safe)
                safe = t;
        }
    return safe;
}

int dh_pipeline_flush_output(dh_pipeline_t *pl, int timeout_ms)
{
    if (!pl->sink)
        return 0; /* already closed, i.e. flushed */
    return pl->sink_type->flush ? pl->sink_type->flush(pl->sink, timeout_ms) : 0;
}

void dh_pipeline_add_stats(dh_pipeline_t *pl, const char *members)
{
    if (pl->extra_stats.len)
        dh_sb_putc(&pl->extra_stats, ',');
    dh_sb_puts(&pl->extra_stats, members);
}

/* ---- reporting ------------------------------------------------------ */

static void history_stats(dh_strbuf_t *sb, const dh_pipeline_t *pl)
{
    dh_history_stats_t h = dh_history_stats(pl->history);
    char t[DH_TIME_STRLEN];
    dh_json_open_obj(sb, "history");
    dh_json_kv_str(sb, "dir", pl->opt.no_state || !pl->opt.state_dir ? "(this run only)"
                                                                      : pl->opt.state_dir);
    dh_json_kv_uint(sb, "domains", h.entries);
    if (h.since_us != INT64_MAX)
        dh_json_kv_str(sb, "since", dh_time_format(h.since_us, t));
    dh_json_kv_uint(sb, "lookups", h.lookups);
    dh_json_kv_uint(sb, "cache_hits", h.cache_hits);
    dh_json_kv_uint(sb, "disk_reads", h.disk_reads);
    dh_json_kv_uint(sb, "new_domains", h.inserted);
    dh_json_kv_uint(sb, "commits", h.commits);
    dh_json_kv_uint(sb, "expired", h.expired);
    dh_json_kv_uint(sb, "evicted_full", h.evicted_full);
    dh_json_kv_uint(sb, "write_errors", h.write_errors);
    dh_sb_putc(sb, '}');
}

int dh_pipeline_write_stats(const dh_pipeline_t *pl, const char *path)
{
    const dh_counters_t *c = &pl->c;
    const dh_txn_stats_t *t = &pl->txn_stats;
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_sb_putc(&sb, '{');
    dh_json_open_obj(&sb, "input");
    dh_json_kv_uint(&sb, "records", c->records);
    dh_json_kv_uint(&sb, "dns_records", c->dns_records);
    dh_json_kv_uint(&sb, "dns_events", c->dns_events);
    dh_json_kv_uint(&sb, "skipped", c->skipped);
    dh_json_kv_uint(&sb, "malformed", c->malformed);
    dh_json_kv_uint(&sb, "too_long", c->too_long);
    dh_json_kv_uint(&sb, "late_events", c->late_events);
    dh_json_kv_uint(&sb, "replay_epochs", c->epochs);
    dh_json_kv_uint(&sb, "inputs", c->inputs);
    dh_json_kv_uint(&sb, "inputs_failed", c->inputs_failed);
    dh_json_open_arr(&sb, "files");
    for (size_t i = 0; i < pl->n_inputs; i++) {
        const input_stat_t *in = &pl->inputs[i];
        dh_json_open_obj(&sb, NULL);
        dh_json_kv_str(&sb, "name", in->name);
        if (in->format)
            dh_json_kv_str(&sb, "format", in->format);
        dh_json_kv_bool(&sb, "gzip", in->gzip);
        dh_json_kv_uint(&sb, "records", in->records);
        dh_json_kv_uint(&sb, "skipped", in->skipped);
        dh_json_kv_uint(&sb, "malformed", in->malformed);
        if (in->error)
            dh_json_kv_str(&sb, "error", in->error);
        dh_sb_putc(&sb, '}');
    }
    dh_sb_puts(&sb, "]}");
    dh_json_open_obj(&sb, "transactions");
    dh_json_kv_uint(&sb, "merged", t->merged);
    dh_json_kv_uint(&sb, "unanswered", t->unanswered);
    dh_json_kv_uint(&sb, "responses_without_request", t->orphan_responses);
    dh_json_kv_uint(&sb, "evicted_full", t->evicted_full);
    dh_json_kv_uint(&sb, "pending_peak", t->pending_peak);
    dh_sb_putc(&sb, '}');
    if (pl->state) {
        dh_state_stats_t ss = dh_state_stats(pl->state);
        dh_noise_stats_t ns = dh_noise_stats(pl->noise);
        dh_alerts_stats_t as = dh_alerts_stats(pl->alerts);
        dh_json_open_obj(&sb, "state");
        dh_json_kv_uint(&sb, "entries", ss.entries);
        dh_json_kv_uint(&sb, "bytes", ss.bytes);
        dh_json_kv_uint(&sb, "peak_bytes", ss.peak_bytes);
        dh_json_kv_uint(&sb, "max_bytes", pl->opt.max_state_bytes);
        dh_json_kv_uint(&sb, "windows_closed", ss.closed);
        dh_json_kv_uint(&sb, "evicted", ss.evicted);
        dh_json_kv_uint(&sb, "late_dropped", ss.late_dropped);
        dh_sb_putc(&sb, '}');
        dh_json_open_obj(&sb, "noise");
        dh_json_kv_uint(&sb, "excluded", ns.excluded);
        dh_json_kv_uint(&sb, "allowlisted", ns.allowlisted);
        dh_json_kv_uint(&sb, "resolver_duplicates", ns.resolver_duplicates);
        dh_json_kv_uint(&sb, "from_resolver", ns.from_resolver);
        dh_json_kv_uint(&sb, "benign_service", ns.benign_service);
        dh_sb_putc(&sb, '}');
        if (pl->history)
            history_stats(&sb, pl);
        dh_json_open_obj(&sb, "alerts");
        dh_json_kv_uint(&sb, "emitted", as.emitted);
        dh_json_kv_uint(&sb, "suppressed", as.suppressed);
        dh_json_kv_uint(&sb, "updates", as.updates);
        dh_sb_putc(&sb, '}');
    }
    if (pl->extra_stats.len) {
        dh_sb_putc(&sb, ',');
        dh_sb_put(&sb, pl->extra_stats.buf, pl->extra_stats.len);
    }
    dh_json_kv_uint(&sb, "detections", c->detections);
    dh_json_kv_uint(&sb, "output_errors", c->sink_errors);
    dh_sb_puts(&sb, "}\n");
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    int rc = -1;
    if (f) {
        rc = fwrite(sb.buf, 1, sb.len, f) == sb.len ? 0 : -1;
        if (f != stdout && fclose(f) != 0)
            rc = -1;
    }
    dh_sb_free(&sb);
    return rc;
}

void dh_pipeline_summary(const dh_pipeline_t *pl)
{
    const dh_counters_t *c = &pl->c;
    fprintf(pl->opt.log,
            "dnshound: %llu input(s)%s, %llu records: %llu dns (%llu events), %llu skipped, "
            "%llu malformed; %llu detections\n",
            (unsigned long long)c->inputs, c->inputs_failed ? " (some failed)" : "",
            (unsigned long long)c->records, (unsigned long long)c->dns_records,
            (unsigned long long)c->dns_events, (unsigned long long)c->skipped,
            (unsigned long long)c->malformed, (unsigned long long)c->detections);
    if (pl->history && pl->opt.learn_only) {
        dh_history_stats_t h = dh_history_stats(pl->history);
        fprintf(pl->opt.log, "dnshound: learn-only: %llu domains new to the history, %llu in it\n",
                (unsigned long long)h.inserted, (unsigned long long)h.entries);
    }
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
