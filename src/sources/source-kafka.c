/*
 * source-kafka.c - consume sensor topics as a consumer-group member.
 *
 * `kafka:TOPIC[,TOPIC...]` inputs: every message is one record in any format
 * the file path reads (sniffed per partition), after shipper envelopes are
 * unwrapped (envelope.h). Each assigned partition is one pipeline stream;
 * the watermark is the minimum over partitions.
 *
 * Delivery is at-least-once: offsets are committed by dnshound itself, only
 * up to the first message whose event may still count in an open window or
 * a pending transaction (dh_pipeline_safe_time), and only after the sink
 * confirmed delivery of everything written so far. After a crash the
 * restarted consumer re-reads from there: the open windows are rebuilt and
 * re-closed, detections that had already been delivered come again with the
 * same deterministic event.id (consumers de-duplicate on it), nothing is lost.
 *
 * On a stop request (SIGINT/SIGTERM, source.h): stop consuming, flush the
 * sink, commit what is safe, leave the group. With exit_at_end: stop once
 * every assigned partition reached its end; on a finish request (SIGUSR1):
 * at once, as if they all had. Then close every window (end of input),
 * flush, commit all.
 *
 * Per assigned partition the consumer keeps a stream and a short list of
 * checkpoints: groups of consecutive messages with the first offset of the
 * group and the newest event time in it. A group is safe once its newest
 * event is older than dh_pipeline_safe_time(); the commit offset of a
 * partition is the first offset of its first unsafe group (or the next
 * offset to read when all are safe). Commits happen every COMMIT_MS of wall
 * time (wall time only paces commits, never detection), at rebalance, and at
 * exit, always after the sink's delivery reports are in.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../kafka-conf.h"
#include "../options-map.h"
#include "../source.h"
#include "../util-json.h"
#include "../util-mem.h"
#include "checkpoints.h"
#include "envelope.h"

#define COMMIT_MS 5000
#define IDLE_MS 5000 /* a partition at its end this long no longer holds the watermark */
#define TICK_MS 1000 /* live ticks at least this often (pipeline.h: once a second) */
#define DELIVER_MS 30000 /* the longest wait for the sink before a commit while running */
#define SLICE_MS 250     /* the wait for the sink is cut in slices to see a stop */
#define COMMIT_WAIT_MS 10000 /* the longest wait for a commit's answer while running */

static int64_t now_ms(void);
typedef struct consumer consumer_t;
static bool handle(consumer_t *c, rd_kafka_message_t *m);
#define GROUP_MSGS 1000 /* messages per checkpoint group */

typedef struct {
    char *topic;
    int32_t partition;
    bool owned;           /* assigned to us now */
    dh_stream_t *stream;
    int64_t next_offset;  /* one past the last consumed message, -1 none */
    int64_t committed;    /* last committed offset, -1 none */
    bool eof;
    int64_t eof_ms;       /* wall time the end was reached, 0 once idle or reading */
    dh_checkpoints_t marks; /* of int64_t offsets (checkpoints.h) */
} part_t;

struct consumer {
    dh_kafka_client_t client; /* first: the rd_kafka opaque's head (kafka-conf.h) */
    dh_pipeline_t *pl;
    const dh_kafka_options_t *o; /* its own options (borrowed) */
    size_t max_line;             /* longer messages are malformed (--max-line) */
    dh_source_ctl_t *ctl; /* stop and finish requests (source.h) */
    rd_kafka_t *rk;
    part_t *parts;        /* grows: a topic may have any number of partitions */
    size_t n_parts, cap_parts;
    bool assigned_once;
    bool fatal;           /* a fatal error seen (possibly inside commit's retries) */
    int64_t last_tick_us; /* wall time of the last live tick */
    dh_strbuf_t env;
    uint64_t messages, bytes, commits, commit_errors, revoked, assigned, too_long;
};

#define LOG(c, level, ...) dh_log((c)->client.logger, level, "source", "kafka", __VA_ARGS__)

/* ---- partitions ----------------------------------------------------------- */

static part_t *find_part(consumer_t *c, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0)
            return &c->parts[i];
    return NULL;
}

/* A topic of headerless Zeek TSV rows with configured fields: the stream
   gets the header first, as if the rows came from a dns.log. */
static void feed_zeek_header(consumer_t *c, part_t *p)
{
    size_t tlen = strlen(p->topic);
    for (size_t i = 0; c->o->zeek_fields && c->o->zeek_fields[i]; i++) {
        const char *e = c->o->zeek_fields[i];
        if (strncmp(e, p->topic, tlen) != 0 || e[tlen] != '=')
            continue;
        dh_strbuf_t h;
        dh_sb_init(&h);
        dh_sb_puts(&h, "#fields");
        for (const char *f = e + tlen + 1; *f;) {
            size_t n = strcspn(f, " \t,");
            if (n) {
                dh_sb_putc(&h, '\t');
                dh_sb_put(&h, f, n);
            }
            f += n;
            f += strspn(f, " \t,");
        }
        dh_stream_line(p->stream, 0, "#separator \\x09", 15, false);
        dh_stream_line(p->stream, 0, h.buf, h.len, false);
        dh_sb_free(&h);
        return;
    }
}

static part_t *add_part(consumer_t *c, const char *topic, int32_t partition)
{
    part_t *p = find_part(c, topic, partition);
    if (p)
        return p;
    if (c->n_parts == c->cap_parts) {
        /* callers hold no part pointer across an add_part */
        c->cap_parts = c->cap_parts ? c->cap_parts * 2 : 64;
        c->parts = dh_realloc(c->parts, c->cap_parts * sizeof(*c->parts));
    }
    p = &c->parts[c->n_parts++];
    memset(p, 0, sizeof(*p));
    p->topic = dh_strdup(topic);
    p->partition = partition;
    p->next_offset = -1;
    p->committed = -1;
    dh_checkpoints_init(&p->marks, sizeof(int64_t), GROUP_MSGS);
    char name[512];
    snprintf(name, sizeof(name), "kafka:%s/%d", topic, partition);
    p->stream = dh_stream_open(c->pl, name);
    feed_zeek_header(c, p);
    return p;
}

static void drop_part(consumer_t *c, part_t *p)
{
    if (p->stream)
        dh_stream_close(p->stream, NULL);
    free(p->topic);
    dh_checkpoints_free(&p->marks);
    *p = c->parts[--c->n_parts];
}

/* Record one message in the partition's checkpoints. */
static void checkpoint(part_t *p, int64_t offset, int64_t ts)
{
    dh_checkpoints_note(&p->marks, &offset, ts, false);
}

/* The offset up to which everything of p is accounted for. */
static int64_t safe_offset(part_t *p, int64_t safe_ts)
{
    const int64_t *first_unsafe = dh_checkpoints_safe(&p->marks, safe_ts);
    return first_unsafe ? *first_unsafe : p->next_offset;
}

/* ---- commits -------------------------------------------------------------- */

/* Wait for the sink to deliver everything written so far (offsets are
   committed only after that: at-least-once). Why slices: with the broker
   down one long wait would make a SIGTERM wait too. While running, a stop
   abandons the wait (the stop's own commit follows); at a stop or the end
   of input (final) the wait is --shutdown-timeout long. A slice that fails
   before its time is up is a failed delivery, not a slow one: no point in
   waiting further. */
static bool deliver(consumer_t *c, bool final)
{
    const int64_t budget = final ? c->o->shutdown_us / 1000 : DELIVER_MS, t0 = now_ms();
    for (;;) {
        int64_t left = budget - (now_ms() - t0), t = now_ms();
        int slice = (int)(left < SLICE_MS ? (left > 0 ? left : 0) : SLICE_MS);
        if (dh_pipeline_flush_output(c->pl, slice) == 0)
            return true;
        if (now_ms() - t < slice / 2 || left <= SLICE_MS || (!final && c->ctl->stop))
            return false;
    }
}

/* A commit that waits at most wait_ms for the group coordinator's answer
   (a synchronous rd_kafka_commit waits as long as librdkafka's own timeouts
   when the coordinator is down, and a SIGTERM would wait with it); while
   running (!final) a stop abandons the wait, as in deliver(). */
static rd_kafka_resp_err_t commit_within(consumer_t *c, rd_kafka_topic_partition_list_t *l,
                                         int64_t wait_ms, bool final)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
    rd_kafka_resp_err_t e = rd_kafka_commit_queue(c->rk, l, q, NULL, NULL);
    const int64_t t0 = now_ms();
    for (rd_kafka_event_t *ev = NULL; !e;) {
        if ((ev = rd_kafka_queue_poll(q, SLICE_MS)) != NULL) {
            e = rd_kafka_event_error(ev);
            rd_kafka_event_destroy(ev);
            break;
        }
        if (now_ms() - t0 >= wait_ms || (!final && c->ctl->stop))
            e = RD_KAFKA_RESP_ERR__TIMED_OUT;
    }
    rd_kafka_queue_destroy(q);
    return e;
}

/* Commit every partition's safe offset, after the sink delivered all. When
   all_consumed, commit everything read (end of input: windows are closed).
   final: the run is ending (a stop, the end of input). */
static void commit(consumer_t *c, bool all_consumed, bool final)
{
    if (c->n_parts == 0)
        return;
    const int64_t t0 = now_ms();
    if (!deliver(c, final)) {
        c->commit_errors++;
        LOG(c, DH_LOG_ERROR, "output not delivered; offsets not committed");
        return;
    }
    int64_t safe_ts = all_consumed ? INT64_MAX : dh_pipeline_safe_time(c->pl);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->n_parts);
    for (size_t i = 0; i < c->n_parts; i++) {
        part_t *p = &c->parts[i];
        int64_t off = all_consumed ? p->next_offset : safe_offset(p, safe_ts);
        if (!p->owned || off < 0 || off <= p->committed)
            continue;
        rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = off;
    }
    /* a final commit shares --shutdown-timeout with the delivery before it */
    const int64_t wait_ms = final ? c->o->shutdown_us / 1000 - (now_ms() - t0) : COMMIT_WAIT_MS;
    if (l->cnt > 0) {
        rd_kafka_resp_err_t e = commit_within(c, l, wait_ms, final);
        /* the group may be rebalancing (another member joined or left):
           serve the rebalance and try again, a few times */
        for (int tries = 0; e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS && tries < 10; tries++) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 200);
            /* a message polled here is processed like any: if no rebalance
               followed, nothing would deliver it again */
            if (m && !handle(c, m))
                c->fatal = true;
            e = commit_within(c, l, wait_ms, final);
        }
        if (e) {
            c->commit_errors++;
            LOG(c, DH_LOG_ERROR, "commit failed: %s", rd_kafka_err2str(e));
        } else {
            c->commits++;
            for (int i = 0; i < l->cnt; i++)
                find_part(c, l->elems[i].topic, l->elems[i].partition)->committed =
                    l->elems[i].offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* ---- rebalance ------------------------------------------------------------ */

/* A partition given back to us that we read before (a rebalance that
   changed nothing for it, a coordinator that came back): our state already
   holds everything up to our position, so we continue from there instead
   of the committed offset, which would feed the same events twice. */
static void resume_from_own_position(consumer_t *c, rd_kafka_topic_partition_t *e)
{
    part_t *p = find_part(c, e->topic, e->partition);
    if (p && p->next_offset >= 0)
        e->offset = p->next_offset;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    consumer_t *c = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++) {
            resume_from_own_position(c, &parts->elems[i]);
            part_t *p = add_part(c, parts->elems[i].topic, parts->elems[i].partition);
            if (p) {
                p->owned = true;
                p->eof = false;
            }
        }
        c->assigned += (uint64_t)parts->cnt;
        c->assigned_once = true;
        rd_kafka_assign(rk, parts);
        return;
    }
    /* Revoked: commit what is safe while we still own the partitions. Their
       state is not handed over: a new owner re-reads from the committed
       offset and rebuilds the open windows (duplicates carry the same
       event.id). Our stream of a revoked partition goes idle (it no longer
       holds the watermark) and its state closes by watermark as usual; if
       the partition comes back, we continue from our own position. */
    commit(c, false, false);
    for (int i = 0; i < parts->cnt; i++) {
        part_t *p = find_part(c, parts->elems[i].topic, parts->elems[i].partition);
        if (p && p->owned) {
            p->owned = false;
            if (p->stream)
                dh_stream_set_idle(p->stream, true);
            c->revoked++;
        }
    }
    rd_kafka_assign(rk, NULL);
}

/* ---- messages --------------------------------------------------------------- */

static void on_message(consumer_t *c, rd_kafka_message_t *m)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    part_t *p = find_part(c, topic, m->partition);
    if (!p)
        p = add_part(c, topic, m->partition);
    if (!p || !p->stream)
        return; /* finished: nothing more is read */
    p->owned = true;
    c->messages++;
    c->bytes += m->len;
    p->eof = false;
    p->eof_ms = 0;
    dh_stream_set_idle(p->stream, false);
    const char *rec;
    size_t rlen;
    dh_envelope_unwrap(m->payload, m->len, &c->env, &rec, &rlen);
    while (rlen && (rec[rlen - 1] == '\n' || rec[rlen - 1] == '\r'))
        rlen--;
    bool too_long = rlen > c->max_line;
    c->too_long += too_long;
    dh_stream_line(p->stream, (uint64_t)m->offset, rec ? rec : "", too_long ? c->max_line : rlen,
                   too_long);
    checkpoint(p, m->offset, dh_stream_last_record_ts(p->stream));
    p->next_offset = m->offset + 1;
}

static bool all_at_end(const consumer_t *c)
{
    size_t owned = 0;
    for (size_t i = 0; i < c->n_parts; i++) {
        if (!c->parts[i].owned)
            continue;
        owned++;
        if (!c->parts[i].eof)
            return false;
    }
    return c->assigned_once && owned > 0;
}

/* A partition at its end stops holding the watermark back only after it
   stayed there IDLE_MS (as Flink's idleness timeout): an end reached
   because the consumer caught up with a producer still writing is not
   idleness, and declaring it at once would let the other partitions push
   the watermark past this one's next events (late, dropped). Wall time
   decides only when a quiet partition is let go, never a finding: events
   arriving after that are handled as late events, as any. */
static void mark_idle(consumer_t *c)
{
    int64_t now = now_ms();
    for (size_t i = 0; i < c->n_parts; i++) {
        part_t *p = &c->parts[i];
        if (p->eof && p->eof_ms && now - p->eof_ms >= IDLE_MS && p->stream) {
            dh_stream_set_idle(p->stream, true);
            p->eof_ms = 0;
        }
    }
}

/* false when consuming must stop (fatal error) */
static bool on_event_or_error(consumer_t *c, rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        part_t *p = find_part(c, rd_kafka_topic_name(m->rkt), m->partition);
        int64_t lo = 0, hi = 0;
        /* a broker that comes back can make the fetcher report an end that
           is not the end: believe it only when the high watermark agrees.
           The cached one (kept fresh by every fetch response): a blocking
           query here would stall every partition for a round trip, or for
           its whole timeout while a broker is down. */
        if (p && rd_kafka_get_watermark_offsets(c->rk, p->topic, p->partition, &lo, &hi) ==
                     RD_KAFKA_RESP_ERR_NO_ERROR &&
            hi > m->offset)
            return true;
        if (p) {
            p->eof = true;
            if (p->next_offset < m->offset)
                p->next_offset = m->offset;
            if (!p->eof_ms)
                p->eof_ms = now_ms(); /* idle only after IDLE_MS: see mark_idle */
        }
        return true;
    }
    bool fatal = m->err == RD_KAFKA_RESP_ERR__FATAL;
    LOG(c, fatal ? DH_LOG_ERROR : DH_LOG_WARN, "%s", rd_kafka_message_errstr(m));
    return !fatal;
}

/* ---- set-up ------------------------------------------------------------------ */

static rd_kafka_t *new_consumer(consumer_t *c, const dh_kafka_options_t *o, char *err,
                                size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* defaults first (a replay reads from the beginning), then -b/-X/config,
       then what at-least-once needs: we store and commit offsets ourselves */
    if (dh_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, errlen) ||
        dh_kafka_conf_apply(conf, o, err, errlen) ||
        (o->group && dh_kafka_conf_set(conf, "group.id", o->group, err, errlen)) ||
        dh_kafka_conf_set(conf, "enable.auto.commit", "false", err, errlen) ||
        dh_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, errlen) ||
        dh_kafka_conf_set(conf, "enable.partition.eof", "true", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    char v[256];
    size_t vlen = sizeof(v);
    if (rd_kafka_conf_get(conf, "group.id", v, &vlen) != RD_KAFKA_CONF_OK || !v[0]) {
        snprintf(err, errlen, "kafka input: a consumer group is needed (-G GROUP)");
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_t *rk = dh_kafka_new(RD_KAFKA_CONSUMER, conf, &c->client, err, errlen);
    if (rk)
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

static int subscribe(consumer_t *c, const char *spec, char *err, size_t errlen)
{
    const char *topics = spec + strlen("kafka:");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    char *copy = dh_strdup(topics), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (*t)
            rd_kafka_topic_partition_list_add(l, t, RD_KAFKA_PARTITION_UA);
    free(copy);
    rd_kafka_resp_err_t e = l->cnt ? rd_kafka_subscribe(c->rk, l) : RD_KAFKA_RESP_ERR__INVALID_ARG;
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        snprintf(err, errlen, "%s: cannot subscribe: %s", spec, rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_stats(consumer_t *c)
{
    static const dh_json_counter_t counters[] = {
        DH_JSON_COUNTERS(consumer_t, messages, bytes, too_long)
        DH_JSON_COUNTER(consumer_t, "partitions_assigned", assigned),
        DH_JSON_COUNTER(consumer_t, "partitions_revoked", revoked),
        DH_JSON_COUNTERS(consumer_t, commits, commit_errors)
    };
    dh_source_add_stats(c->pl, "kafka", NULL, c, counters, DH_JSON_N_COUNTERS(counters));
}

/* ---- the source (source.h) ---------------------------------------------------- */

static bool kafka_claims(const char *spec)
{
    return strncmp(spec, "kafka:", 6) == 0;
}

static void free_consumer(consumer_t *c)
{
    if (c->rk)
        rd_kafka_destroy(c->rk);
    dh_sb_free(&c->env);
    free(c->parts);
    free(c);
}

/* spec "kafka:TOPIC[,TOPIC]": joins the group and subscribes; reading
   starts in run(). */
static void *kafka_open(const char *spec, const dh_source_args_t *a, char *err, size_t errlen)
{
    consumer_t *c = dh_calloc(1, sizeof(*c));
    c->pl = a->pl;
    c->o = a->opts;
    c->max_line = a->input->max_line;
    c->ctl = a->ctl;
    c->client = (dh_kafka_client_t){.logger = a->logger, .kind = "source"};
    dh_sb_init(&c->env);
    c->rk = new_consumer(c, c->o, err, errlen);
    if (!c->rk || subscribe(c, spec, err, errlen)) {
        free_consumer(c);
        return NULL;
    }
    return c;
}

/* End of input: flush every partition's pending transactions, close every
   window, deliver, then commit everything read. 0 or -1. */
static int finish_input(consumer_t *c)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        dh_stream_close(c->parts[i].stream, NULL);
        c->parts[i].stream = NULL;
    }
    if (dh_pipeline_finish(c->pl) != 0)
        return -1;
    commit(c, true, true);
    return 0;
}

/* The live idle rule (pipeline.h): a tick whenever we are about to wait
   (an empty poll, a partition end) and at least every TICK_MS while
   messages flow, so that on a quiet topic the windows whose end has gone by
   close after --idle-flush of wall time instead of waiting for the next
   message, and what is written reaches the output within a tick. */
static void live_tick(consumer_t *c, bool waiting)
{
    int64_t now = dh_wall_now_us();
    if (!waiting && now - c->last_tick_us < TICK_MS * 1000)
        return;
    c->last_tick_us = now;
    dh_pipeline_live_tick(c->pl, now);
}

/* Hand one polled message or event over. false when consuming must stop
   (fatal error). Used by the poll loop and by the commit retry loop, so no
   polled message is ever skipped (at-least-once). */
static bool handle(consumer_t *c, rd_kafka_message_t *m)
{
    bool ok = m->err ? on_event_or_error(c, m) : (on_message(c, m), true);
    live_tick(c, m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF);
    rd_kafka_message_destroy(m);
    return ok;
}

/* One poll: false when consuming must stop (fatal error). */
static bool poll_once(consumer_t *c)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
    if (!m) {
        dh_pipeline_poll(c->pl); /* a SIGHUP while the topics are quiet */
        live_tick(c, true);
    }
    mark_idle(c);
    if (m && !handle(c, m))
        c->fatal = true;
    return !c->fatal; /* also one seen by a commit's retries */
}

static int kafka_run(void *state, dh_source_end_t *end)
{
    consumer_t *c = state;
    *end = DH_SOURCE_STOPPED;
    dh_pipeline_set_concurrent(c->pl, true);
    dh_pipeline_set_live(c->pl, true);
    int64_t last_commit = now_ms();
    int rc = 0;
    while (!c->ctl->stop) {
        if (!poll_once(c)) {
            rc = -1;
            break;
        }
        if (c->ctl->finish || (c->o->exit_at_end && all_at_end(c))) {
            *end = DH_SOURCE_END_OF_INPUT;
            rc = finish_input(c);
            break;
        }
        if (now_ms() - last_commit >= COMMIT_MS) {
            commit(c, false, false);
            last_commit = now_ms();
        }
    }
    if (*end == DH_SOURCE_STOPPED)
        commit(c, false, true); /* stopped: deliver output, commit only what is safe */
    add_stats(c);
    return rc;
}

static void kafka_close(void *state)
{
    consumer_t *c = state;
    if (!c)
        return;
    rd_kafka_consumer_close(c->rk);
    while (c->n_parts)
        drop_part(c, &c->parts[c->n_parts - 1]);
    free_consumer(c);
}

const dh_source_type_t dh_source_kafka = {
    .name = "kafka",
    .description = "kafka:TOPIC[,TOPIC]: consume the topics as a consumer-group member",
    .alone = "name several topics as kafka:T1,T2",
    .long_running = true,
    .options = &dh_opts_source_kafka,
    .claims = kafka_claims,
    .open = kafka_open,
    .run = kafka_run,
    .close = kafka_close,
};
