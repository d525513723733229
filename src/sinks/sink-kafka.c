/*
 * sink-kafka.c - output to a Kafka topic ("-o kafka:TOPIC").
 *
 * An idempotent producer (no duplicates or reordering from its own retries),
 * one message per JSON line (without the newline), keyed by the client
 * address (else the registered domain) so that everything about one client
 * lands in one partition. Every message gets a delivery report; failures are
 * counted and the first few reported. flush() waits for the reports of
 * everything written so far: the pipeline calls it before committing input
 * offsets, which is what makes the Kafka path at-least-once.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../kafka-conf.h"
#include "../options-map.h"
#include "../sink.h"
#include "../util-mem.h"

#define MAX_REPORTS 10

typedef struct {
    dh_kafka_client_t client; /* first: the rd_kafka opaque's head (kafka-conf.h) */
    rd_kafka_t *rk;
    char *topic;
    int64_t queue_full_ms; /* longest wait for room in a full queue (options) */
    int64_t shutdown_ms;   /* the wait at exit, stats and close together (options) */
    int64_t final_t0;      /* when the wait at exit began; 0: not yet */
    uint64_t produced, delivered, failed;
    uint64_t dropped; /* of failed: never queued, the queue stayed full */
    uint64_t failed_unflushed; /* failures the next flush reports (then 0) */
    bool queue_full;           /* a wait for room timed out: drop at once until
                                  a message is queued again */
    uint64_t dropped_at_once;  /* dropped while queue_full, for its log line */
} kafka_sink_t;

#define LOG(s, level, ...) dh_log((s)->client.logger, level, "sink", "kafka", __VA_ARGS__)

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    kafka_sink_t *s = opaque;
    if (!m->err) {
        s->delivered++;
        return;
    }
    s->failed_unflushed++;
    if (s->failed++ < MAX_REPORTS)
        LOG(s, DH_LOG_ERROR, "kafka:%s: delivery failed: %s", s->topic, rd_kafka_err2str(m->err));
}

static void *kafka_open(const char *target, const void *opts, dh_log_t *log, char *err,
                        size_t errlen)
{
    const char *topic = target + strlen("kafka:");
    if (!*topic || strchr(topic, ',')) {
        snprintf(err, errlen, "%s: expected kafka:TOPIC", target);
        return NULL;
    }
    rd_kafka_conf_t *conf = dh_kafka_conf_new(opts, err, errlen);
    if (!conf || dh_kafka_conf_set(conf, "enable.idempotence", "true", err, errlen)) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        return NULL;
    }
    kafka_sink_t *s = dh_calloc(1, sizeof(*s));
    s->topic = dh_strdup(topic);
    s->queue_full_ms = ((const dh_kafka_options_t *)opts)->queue_full_us / 1000;
    s->shutdown_ms = ((const dh_kafka_options_t *)opts)->shutdown_us / 1000;
    s->client = (dh_kafka_client_t){.logger = log, .kind = "sink"};
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    s->rk = dh_kafka_new(RD_KAFKA_PRODUCER, conf, &s->client, err, errlen);
    if (!s->rk) {
        free(s->topic);
        free(s);
        return NULL;
    }
    return s;
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Queue one message; QUEUE_FULL (the broker is down or slow) is waited out
   serving delivery reports, but only queue_full_ms long: the sink cannot see
   the source's stop flag, and an unbounded wait would make a SIGTERM wait
   for the broker. What could not be queued is dropped and counted. Once a
   wait timed out the queue is taken as full: later messages get one try
   each (no wait) until one is queued, else every detection of an outage
   would wait the whole timeout and the input would crawl. */
static rd_kafka_resp_err_t produce(kafka_sink_t *s, const char *line, size_t len,
                                   const char *key, size_t klen)
{
    const int64_t t0 = mono_ms(); /* wall time: a poll may return before its timeout */
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            s->rk, RD_KAFKA_V_TOPIC(s->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(klen ? key : NULL, klen), RD_KAFKA_V_VALUE((void *)line, len),
            RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || s->queue_full)
            return e;
        if (mono_ms() - t0 >= s->queue_full_ms) {
            s->queue_full = true;
            LOG(s, DH_LOG_ERROR, "kafka:%s: the producer's queue stayed full for %" PRId64
                " ms: detections are dropped (counted) until it has room", s->topic,
                s->queue_full_ms);
            return e;
        }
        rd_kafka_poll(s->rk, 100); /* queue full: serve delivery reports, retry */
    }
}

/* A message was queued again after drops at once: say how many. */
static void queue_has_room(kafka_sink_t *s)
{
    s->queue_full = false;
    LOG(s, DH_LOG_WARN, "kafka:%s: the producer's queue has room again; %" PRIu64
        " more detections were dropped while it was full", s->topic, s->dropped_at_once);
    s->dropped_at_once = 0;
}

static int kafka_write(void *state, const char *line, size_t len, const char *key)
{
    kafka_sink_t *s = state;
    if (len && line[len - 1] == '\n')
        len--;
    bool was_full = s->queue_full;
    rd_kafka_resp_err_t e = produce(s, line, len, key, key ? strlen(key) : 0);
    if (e) {
        s->dropped += e == RD_KAFKA_RESP_ERR__QUEUE_FULL;
        s->dropped_at_once += was_full && e == RD_KAFKA_RESP_ERR__QUEUE_FULL;
        s->failed_unflushed++;
        if (s->failed++ < MAX_REPORTS)
            LOG(s, DH_LOG_ERROR, "kafka:%s: produce failed: %s", s->topic, rd_kafka_err2str(e));
        rd_kafka_poll(s->rk, 0); /* serve delivery reports: they make the room */
        return -1;
    }
    if (was_full)
        queue_has_room(s);
    s->produced++;
    rd_kafka_poll(s->rk, 0);
    return 0;
}

/* Every message written delivered, and none failed since the last flush
   that waited. A failure fails that one flush only: the commit it was for
   waits, the next goes on (README "Kafka": a dropped detection is counted
   and logged; the offsets of its input are committed with later ones). A
   failure counted for good would stop every commit for the rest of the run.
   A flush that does not wait (timeout 0: a live run pushing a detection
   out, a tick) leaves the failures to the next one that does (a commit's). */
static int kafka_flush(void *state, int timeout_ms)
{
    kafka_sink_t *s = state;
    rd_kafka_flush(s->rk, timeout_ms);
    bool failed = s->failed_unflushed > 0;
    if (timeout_ms > 0)
        s->failed_unflushed = 0;
    return rd_kafka_outq_len(s->rk) == 0 && !failed ? 0 : -1;
}

/* The wait at exit: --stats asks first (its counts should be final), close
   next; both together wait at most --shutdown-timeout, so a SIGTERM while
   the broker is down ends in that time, not in two librdkafka defaults. */
static int final_flush(kafka_sink_t *s)
{
    if (!s->final_t0)
        s->final_t0 = mono_ms();
    int64_t left = s->shutdown_ms - (mono_ms() - s->final_t0);
    return kafka_flush(s, left > 0 ? (int)left : 0);
}

static void kafka_stats(void *state, dh_strbuf_t *out)
{
    kafka_sink_t *s = state;
    final_flush(s);
    static const dh_json_counter_t counters[] = {
        DH_JSON_COUNTERS(kafka_sink_t, produced, delivered, failed, dropped)
    };
    dh_json_open_obj(out, "output_kafka");
    dh_json_kv_str(out, "topic", s->topic);
    dh_json_kv_counters(out, s, counters, DH_JSON_N_COUNTERS(counters));
    dh_json_kv_uint(out, "undelivered", (uint64_t)rd_kafka_outq_len(s->rk));
    dh_sb_putc(out, '}');
}

static int kafka_close(void *state)
{
    kafka_sink_t *s = state;
    if (!s)
        return 0;
    int rc = final_flush(s);
    if (s->failed) /* the run's exit status says output was lost, whenever */
        rc = -1;
    int left = rd_kafka_outq_len(s->rk);
    if (left > 0) {
        LOG(s, DH_LOG_ERROR, "kafka:%s: %d messages not delivered at exit (--shutdown-timeout)",
            s->topic, left);
        /* what is still queued is given up, so that destroy does not wait
           for the broker either */
        rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(s->rk, 0);
    }
    rd_kafka_destroy(s->rk);
    free(s->topic);
    free(s);
    return rc;
}

const dh_sink_type_t dh_sink_kafka = {
    .name = "kafka",
    .description = "-o kafka:TOPIC: one message a line, keyed by client address, idempotent producer",
    .prefix = "kafka:",
    .options = &dh_opts_source_kafka,
    .open = kafka_open,
    .write = kafka_write,
    .flush = kafka_flush,
    .stats = kafka_stats,
    .close = kafka_close,
};
