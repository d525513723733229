/*
 * stats.c - what a run tells about itself: the counters (dh_counters_t), the
 * --stats JSON object (inputs, transactions, state, noise, history, alerts,
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

static void input_stats(dh_strbuf_t *sb, const dh_pipeline_t *pl)
{
    const dh_counters_t *c = &pl->c;
    dh_json_open_obj(sb, "input");
    dh_json_kv_uint(sb, "records", c->records);
    dh_json_kv_uint(sb, "dns_records", c->dns_records);
    dh_json_kv_uint(sb, "dns_events", c->dns_events);
    dh_json_kv_uint(sb, "skipped", c->skipped);
    dh_json_kv_uint(sb, "malformed", c->malformed);
    dh_json_kv_uint(sb, "too_long", c->too_long);
    dh_json_kv_uint(sb, "late_events", c->late_events);
    dh_json_kv_uint(sb, "replay_epochs", c->epochs);
    dh_json_kv_uint(sb, "inputs", c->inputs);
    dh_json_kv_uint(sb, "inputs_failed", c->inputs_failed);
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
    dh_json_open_obj(sb, "transactions");
    dh_json_kv_uint(sb, "merged", t->merged);
    dh_json_kv_uint(sb, "unanswered", t->unanswered);
    dh_json_kv_uint(sb, "responses_without_request", t->orphan_responses);
    dh_json_kv_uint(sb, "evicted_full", t->evicted_full);
    dh_json_kv_uint(sb, "pending_peak", t->pending_peak);
    dh_sb_putc(sb, '}');
}

/* The detector host's objects (--emit detections only). */
static void detection_stats(dh_strbuf_t *sb, const dh_pipeline_t *pl)
{
    dh_state_stats_t ss = dh_state_stats(pl->state);
    dh_noise_stats_t ns = dh_noise_stats(pl->noise);
    dh_alerts_stats_t as = dh_alerts_stats(pl->alerts);
    dh_json_open_obj(sb, "state");
    dh_json_kv_uint(sb, "entries", ss.entries);
    dh_json_kv_uint(sb, "bytes", ss.bytes);
    dh_json_kv_uint(sb, "peak_bytes", ss.peak_bytes);
    dh_json_kv_uint(sb, "max_bytes", pl->opt.core.max_state_bytes);
    dh_json_kv_uint(sb, "windows_closed", ss.closed);
    dh_json_kv_uint(sb, "evicted", ss.evicted);
    dh_json_kv_uint(sb, "late_dropped", ss.late_dropped);
    dh_sb_putc(sb, '}');
    dh_json_open_obj(sb, "noise");
    dh_json_kv_uint(sb, "excluded", ns.excluded);
    dh_json_kv_uint(sb, "allowlisted", ns.allowlisted);
    dh_json_kv_uint(sb, "resolver_duplicates", ns.resolver_duplicates);
    dh_json_kv_uint(sb, "from_resolver", ns.from_resolver);
    dh_json_kv_uint(sb, "benign_service", ns.benign_service);
    dh_sb_putc(sb, '}');
    if (pl->history)
        history_stats(sb, pl);
    dh_json_open_obj(sb, "alerts");
    dh_json_kv_uint(sb, "emitted", as.emitted);
    dh_json_kv_uint(sb, "suppressed", as.suppressed);
    dh_json_kv_uint(sb, "updates", as.updates);
    dh_sb_putc(sb, '}');
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
