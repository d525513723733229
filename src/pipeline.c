/*
 * pipeline.c - the main job (see pipeline.h): the life cycle of a run and the
 * dispatch of every normalized event. A run is created with its sink and
 * (for --emit detections) its detector host; streams (stream.c) hand it
 * finished transactions in event time (clock.c); each event gets its
 * registered domain here, then goes either to the events serializer or to
 * the detector host (dethost.c); at the end of input every window closes
 * and the sink is closed, which is when output is known to be delivered.
 *
 * Why the core is this small: formats live in parsers/, inputs in
 * src/sources/, outputs in src/sinks/, detection in dethost.c and
 * src/detectors/; what is left is the order in which they are called.
 */
#include "options-map.h"
#include "pipeline-int.h"

#include <string.h>
#include <unistd.h>

#include "output-event.h"
#include "output-ocsf.h"
#include "util-mem.h"

static void sink_line(dh_pipeline_t *pl, const char *key)
{
    if (pl->sink_type->write(pl->sink, pl->out.buf, pl->out.len, key) != 0)
        pl->c.sink_errors++;
    dh_sb_reset(&pl->out);
}

/* Called for every finished transaction (directly for Zeek, through the
   stream's transaction assembler for EVE). */
void dh_pipeline_on_event(void *ctx, const dh_event_t *ev_in)
{
    dh_pipeline_t *pl = ctx;
    dh_event_t ev = *ev_in;
    if (ev.has_qname && pl->regdom) {
        dh_zone_source_t src;
        ev.registered_domain = dh_regdom_key(pl->regdom, ev.qname_lc, ev.qname_len, &src);
        ev.zone_source = (uint8_t)src;
    }
    pl->c.dns_events++;
    if (ev.ts_us < pl->watermark)
        pl->c.late_events++;
    if (pl->opt.core.emit == DH_EMIT_EVENTS) {
        char key[DH_ADDR_STRLEN]; /* events are keyed by client: a client's events
                                     stay in one partition (scale-out) */
        if (pl->opt.sink.schema == DH_SCHEMA_OCSF)
            dh_ocsf_event(&ev, &pl->out);
        else
            dh_event_to_json(&ev, &pl->out);
        sink_line(pl, dh_addr_format(&ev.client, key));
    } else {
        dh_dethost_event(pl, &ev);
    }
    dh_clock_advance(pl, ev.ts_us);
}

static int view_write(void *ctx, const char *line, size_t len, const char *key)
{
    dh_pipeline_t *pl = ctx;
    if (!pl->ocsf_detections)
        return pl->sink_type->write(pl->sink, line, len, key);
    /* pl->out is the events' buffer: free while the run emits detections */
    int rc = dh_ocsf_detection(line, len, &pl->out);
    if (rc == 0)
        rc = pl->sink_type->write(pl->sink, pl->out.buf, pl->out.len, key);
    dh_sb_reset(&pl->out);
    return rc;
}

/* --output-format auto: text for a person at a terminal, JSON for anything
   else (a file, a pipe, Kafka), as ls, git and jq decide. */
static int open_view(dh_pipeline_t *pl, char *err, size_t errlen)
{
    dh_view_format_t fmt = (dh_view_format_t)pl->opt.sink.output_format;
    if (pl->opt.core.emit == DH_EMIT_EVENTS && fmt != DH_VIEW_AUTO && fmt != DH_VIEW_JSON) {
        snprintf(err, errlen, "--output-format text and table show detections; "
                              "--emit events writes JSON lines");
        return -1;
    }
    if (fmt == DH_VIEW_AUTO)
        fmt = pl->opt.core.emit == DH_EMIT_DETECTIONS && strcmp(pl->opt.sink.output, "-") == 0 &&
                      isatty(STDOUT_FILENO)
                  ? DH_VIEW_TEXT
                  : DH_VIEW_JSON;
    /* the text and table views are for people: --schema is the JSON lines' */
    pl->ocsf_detections = fmt == DH_VIEW_JSON && pl->opt.sink.schema == DH_SCHEMA_OCSF;
    /* the held detections share the detector state's bound */
    pl->view = dh_view_new(fmt, pl->opt.core.max_state_bytes / 4, view_write, pl, pl->opt.logger);
    return 0;
}

/* The run's internal zones (regdom.h) from the configuration and the
   command line; noise.yaml's are added by the detector host, or here when
   there is none (--emit events: its keys are the detectors'). */
static int add_option_zones(dh_pipeline_t *pl, char *err, size_t errlen)
{
    const dh_detect_options_t *d = &pl->opt.detect;
    if (pl->opt.core.emit == DH_EMIT_EVENTS) { /* the detector host loads them otherwise */
        dh_noise_t *n = dh_noise_load_zones(d->rules_dir, err, errlen);
        if (!n)
            return -1;
        const dh_noise_zone_t *z;
        int rc = 0;
        for (size_t i = 0; rc == 0 && (z = dh_noise_internal_zone(n, i)) != NULL; i++)
            rc = dh_pipeline_add_zone(pl, z->name, z->where, err, errlen);
        dh_noise_free(n);
        if (rc)
            return -1;
    }
    for (size_t i = 0; d->internal_zones && d->internal_zones[i]; i++)
        if (dh_pipeline_add_zone(pl, d->internal_zones[i], "internal_zones", err, errlen))
            return -1;
    for (size_t i = 0; i < d->internal_zone_args.n; i++)
        if (dh_pipeline_add_zone(pl, d->internal_zone_args.v[i], "--internal-zone", err, errlen))
            return -1;
    return 0;
}

int dh_pipeline_add_zone(dh_pipeline_t *pl, const char *zone, const char *where, char *err,
                         size_t errlen)
{
    if (dh_regdom_add_internal_zone(pl->regdom, zone, strlen(zone)) == 0)
        return 0;
    snprintf(err, errlen,
             "%s: internal zone '%s' is no host name, or the Public Suffix List covers it "
             "(its names have registered domains)",
             where, zone);
    return -1;
}

dh_pipeline_t *dh_pipeline_new(const dh_options_t *o, char *err, size_t errlen)
{
    dh_pipeline_t *pl = dh_calloc(1, sizeof(*pl));
    pl->opt = *o;
    pl->max_ts = INT64_MIN;
    pl->watermark = INT64_MIN;
    pl->clock_cap = INT64_MAX;
    dh_dethost_init(pl);
    dh_sb_init(&pl->out);
    dh_sb_init(&pl->extra_stats);
    pl->evbuf = dh_evbuf_new(o->input.max_line);
    pl->regdom = dh_regdom_new(8192);
    if (!pl->regdom) {
        snprintf(err, errlen, "cannot load the Public Suffix List (libpsl)");
        dh_pipeline_free(pl);
        return NULL;
    }
    if (add_option_zones(pl, err, errlen)) {
        dh_pipeline_free(pl);
        return NULL;
    }
    if (o->core.emit == DH_EMIT_DETECTIONS && dh_dethost_setup(pl, err, errlen)) {
        dh_pipeline_free(pl);
        return NULL;
    }
    pl->sink_type = dh_sink_for(o->sink.output);
    pl->sink = pl->sink_type ? pl->sink_type->open(o->sink.output,
                                                   dh_options_component(&pl->opt,
                                                                        pl->sink_type->options),
                                                   pl->opt.logger, err, errlen)
                             : NULL;
    if (!pl->sink) {
        dh_pipeline_free(pl);
        return NULL;
    }
    if (open_view(pl, err, errlen)) {
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
    dh_dethost_finish(pl);
    if (pl->view && pl->sink)
        pl->c.sink_errors += dh_view_finish(pl->view);
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
        fprintf(pl->opt.log, "dnshound: %s: output not written or not delivered\n",
                pl->opt.sink.output);
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
    dh_dethost_free(pl);
    dh_view_free(pl->view);
    for (size_t i = 0; i < pl->n_inputs; i++) {
        free(pl->inputs[i].name);
        free(pl->inputs[i].error);
    }
    dh_regdom_free(pl->regdom);
    dh_evbuf_free(pl->evbuf);
    dh_sb_free(&pl->out);
    dh_sb_free(&pl->extra_stats);
    free(pl);
}

int dh_pipeline_flush_output(dh_pipeline_t *pl, int timeout_ms)
{
    if (!pl->sink)
        return 0; /* already closed, i.e. flushed */
    if (pl->view) /* whatever a batch run held (a flush must see it all) */
        pl->c.sink_errors += dh_view_release(pl->view);
    return pl->sink_type->flush ? pl->sink_type->flush(pl->sink, timeout_ms) : 0;
}
