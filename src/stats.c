/*
 * stats.c - what a run tells about itself: the counters (dh_counters_t), the
 * --stats JSON object (inputs, transactions, state, noise, history, alerts,
 * correlations,
 * and the members sources and sinks add), and the one-line summary on the
 * log at exit.
 *
 * Why a file of its own: every subsystem counts, only this one formats, so
 * the shape of --stats (a contract for monitoring) is in one place. Nothing
 * here changes the run; every function reads the pipeline only, except
 * dh_pipeline_add_stats, which sources call to append their members.
 */
#include "pipeline-int.h"

#include <string.h>

#include "util-time.h"

/* Each object's counters are a table (util-json.h dh_json_counter_t) listing
   its members in the order --stats prints them. */

const dh_counters_t *dh_pipeline_counters(const dh_pipeline_t *pl)
{
    return &pl->c;
}

void dh_pipeline_add_stats(dh_pipeline_t *pl, const char *members)
{
    if (pl->extra_stats.len)
        dh_sb_putc(&pl->extra_stats, ',');
    dh_sb_puts(&pl->extra_stats, members);
}

static void history_stats(dh_strbuf_t *sb, const dh_pipeline_t *pl)
{
    dh_history_stats_t h = dh_history_stats(pl->history);
    char t[DH_TIME_STRLEN];
    dh_json_open_obj(sb, "history");
    const dh_history_options_t *ho = &pl->opt.history;
    dh_json_kv_str(sb, "dir", ho->no_state || !ho->state_dir ? "(this run only)" : ho->state_dir);
    dh_json_kv_uint(sb, "domains", h.entries);
    if (h.since_us != INT64_MAX)
        dh_json_kv_str(sb, "since", dh_time_format(h.since_us, t));
    static const dh_json_counter_t tail[] = {
        DH_JSON_COUNTERS(dh_history_stats_t, lookups, cache_hits, disk_reads)
        DH_JSON_COUNTER(dh_history_stats_t, "new_domains", inserted),
        DH_JSON_COUNTERS(dh_history_stats_t, commits, expired, evicted_full, write_errors,
                         read_errors)
    };
    dh_json_kv_counters(sb, &h, tail, DH_JSON_N_COUNTERS(tail));
    dh_sb_putc(sb, '}');
}

static void input_stats(dh_strbuf_t *sb, const dh_pipeline_t *pl)
{
    const dh_counters_t *c = &pl->c;
    static const dh_json_counter_t counters[] = {
        DH_JSON_COUNTERS(dh_counters_t, records, dns_records, dns_events, skipped, malformed,
                         too_long, late_events, future_events, future_confirmed)
        DH_JSON_COUNTER(dh_counters_t, "replay_epochs", epochs),
        DH_JSON_COUNTERS(dh_counters_t, idle_advances, inputs, inputs_failed, inputs_malformed)
    };
    dh_json_open_obj(sb, "input");
    dh_json_kv_counters(sb, c, counters, DH_JSON_N_COUNTERS(counters));
    /* "files" lists the first MAX_INPUT_STATS inputs (a stream keeps a
       pointer to its entry, so the table does not move); the rest are
       counted, so a long-running consumer's stats say what is missing */
    if (c->inputs > pl->n_inputs)
        dh_json_kv_uint(sb, "inputs_not_listed", c->inputs - pl->n_inputs);
    dh_json_open_arr(sb, "files");
    for (size_t i = 0; i < pl->n_inputs; i++) {
        const input_stat_t *in = &pl->inputs[i];
        dh_json_open_obj(sb, NULL);
        dh_json_kv_str(sb, "name", in->name);
        if (in->format)
            dh_json_kv_str(sb, "format", in->format);
        dh_json_kv_bool(sb, "gzip", in->gzip);
        dh_json_kv_uint(sb, "records", in->records);
        dh_json_kv_uint(sb, "skipped", in->skipped);
        dh_json_kv_uint(sb, "malformed", in->malformed);
        if (in->error)
            dh_json_kv_str(sb, "error", in->error);
        dh_sb_putc(sb, '}');
    }
    dh_sb_puts(sb, "]}");
}

static void txn_stats(dh_strbuf_t *sb, const dh_txn_stats_t *t)
{
    static const dh_json_counter_t counters[] = {
        DH_JSON_COUNTERS(dh_txn_stats_t, merged, unanswered)
        DH_JSON_COUNTER(dh_txn_stats_t, "responses_without_request", orphan_responses),
        DH_JSON_COUNTERS(dh_txn_stats_t, evicted_full, pending_peak)
    };
    dh_json_counter_obj(sb, "transactions", t, counters, DH_JSON_N_COUNTERS(counters));
}

static const dh_json_counter_t state_sizes[] = {
    DH_JSON_COUNTERS(dh_state_stats_t, entries, bytes, peak_bytes)
};

static const dh_json_counter_t state_closes[] = {
    DH_JSON_COUNTER(dh_state_stats_t, "windows_closed", closed),
    DH_JSON_COUNTERS(dh_state_stats_t, evicted, late_dropped)
};

static const dh_json_counter_t noise[] = {
    DH_JSON_COUNTERS(dh_noise_stats_t, excluded, allowlisted, resolver_duplicates, from_resolver,
                     benign_service, search_appends)
};

static const dh_json_counter_t alerts[] = {
    DH_JSON_COUNTERS(dh_alerts_stats_t, emitted, suppressed, updates, early)
};

static const dh_json_counter_t incidents[] = {
    DH_JSON_COUNTERS(dh_incidents_stats_t, findings, unreadable, incidents, incident_updates,
                     host_risk, host_risk_updates, evicted)
};

/* "detectors":{"NAME":{...}} of the detectors that count what they decided
   without a detection (dh_detector_type_t.stats); absent when none does. */
static void detector_stats(dh_strbuf_t *sb, const dh_pipeline_t *pl)
{
    bool open = false;
    for (size_t i = 0; i < pl->n_det; i++) {
        const dh_detector_type_t *t = pl->det[i].type;
        if (!t->stats)
            continue;
        if (!open)
            dh_json_open_obj(sb, "detectors");
        open = true;
        dh_json_open_obj(sb, t->name);
        t->stats(pl->det[i].state, sb);
        dh_sb_putc(sb, '}');
    }
    if (open)
        dh_sb_putc(sb, '}');
}

/* The detector host's objects (--emit detections only). */
static void detection_stats(dh_strbuf_t *sb, const dh_pipeline_t *pl)
{
    dh_state_stats_t ss = dh_state_stats(pl->state);
    dh_noise_stats_t ns = dh_noise_stats(pl->noise);
    dh_alerts_stats_t as = dh_alerts_stats(pl->alerts);
    dh_json_open_obj(sb, "state");
    dh_json_kv_counters(sb, &ss, state_sizes, DH_JSON_N_COUNTERS(state_sizes));
    dh_json_kv_uint(sb, "max_bytes", pl->opt.core.max_state_bytes);
    dh_json_kv_counters(sb, &ss, state_closes, DH_JSON_N_COUNTERS(state_closes));
    dh_sb_putc(sb, '}');
    dh_json_counter_obj(sb, "noise", &ns, noise, DH_JSON_N_COUNTERS(noise));
    if (pl->history)
        history_stats(sb, pl);
    dh_json_counter_obj(sb, "alerts", &as, alerts, DH_JSON_N_COUNTERS(alerts));
    if (pl->incidents) {
        dh_incidents_stats_t is = dh_incidents_stats(pl->incidents);
        dh_json_counter_obj(sb, "correlations", &is, incidents, DH_JSON_N_COUNTERS(incidents));
    }
    detector_stats(sb, pl);
}

/* path "-" is stdout. 0 or -1. */
static int write_all(const char *path, const dh_strbuf_t *sb)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    int rc = -1;
    if (f) {
        rc = fwrite(sb->buf, 1, sb->len, f) == sb->len ? 0 : -1;
        if (f != stdout && fclose(f) != 0)
            rc = -1;
    }
    return rc;
}

int dh_pipeline_write_stats(const dh_pipeline_t *pl, const char *path)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_sb_putc(&sb, '{');
    input_stats(&sb, pl);
    txn_stats(&sb, &pl->txn_stats);
    if (pl->state)
        detection_stats(&sb, pl);
    if (pl->extra_stats.len) {
        dh_sb_putc(&sb, ',');
        dh_sb_put(&sb, pl->extra_stats.buf, pl->extra_stats.len);
    }
    dh_json_kv_uint(&sb, "detections", pl->c.detections);
    dh_json_kv_uint(&sb, "output_errors", pl->c.sink_errors);
    dh_sb_puts(&sb, "}\n");
    int rc = write_all(path, &sb);
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
    if (pl->history && pl->opt.history.learn_only) {
        dh_history_stats_t h = dh_history_stats(pl->history);
        fprintf(pl->opt.log, "dnshound: learn-only: %llu domains new to the history, %llu in it\n",
                (unsigned long long)h.inserted, (unsigned long long)h.entries);
    }
}
