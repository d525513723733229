/*
 * test-kafka.c - the Kafka source and sink in process, against librdkafka's
 * mock cluster (rdkafka_mock.h) running in this test's own process: sample
 * records produced to a topic are consumed by the kafka source as a group
 * member and give the detections a file run gives; detections written to
 * "kafka:TOPIC" are read back from the topic, keyed, with delivery counted.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "options-map.h"
#include "sink.h"
#include "source.h"

typedef struct {
    rd_kafka_t *owner; /* the handle the mock cluster lives in */
    rd_kafka_mock_cluster_t *mc;
    char bootstraps[256];
} mock_t;

static rd_kafka_t *new_handle(rd_kafka_type_t type, const char *brokers, const char *group)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[256];
    if (brokers)
        cr_assert_eq(rd_kafka_conf_set(conf, "bootstrap.servers", brokers, e, sizeof(e)),
                     RD_KAFKA_CONF_OK, "%s", e);
    if (group) {
        rd_kafka_conf_set(conf, "group.id", group, e, sizeof(e));
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", e, sizeof(e));
    }
    rd_kafka_conf_set(conf, "log_level", "0", e, sizeof(e));
    rd_kafka_t *rk = rd_kafka_new(type, conf, e, sizeof(e));
    cr_assert_not_null(rk, "%s", e);
    return rk;
}

static void mock_up(mock_t *m, const char *topic)
{
    m->owner = new_handle(RD_KAFKA_PRODUCER, NULL, NULL);
    m->mc = rd_kafka_mock_cluster_new(m->owner, 1);
    cr_assert_not_null(m->mc);
    snprintf(m->bootstraps, sizeof(m->bootstraps), "%s", rd_kafka_mock_cluster_bootstraps(m->mc));
    cr_assert_eq(rd_kafka_mock_topic_create(m->mc, topic, 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
}

static void mock_down(mock_t *m)
{
    rd_kafka_mock_cluster_destroy(m->mc);
    rd_kafka_destroy(m->owner);
}

/* Every line of a sample file as one message. Returns the count. */
static int produce_file(const mock_t *m, const char *topic, const char *path)
{
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, m->bootstraps, NULL);
    char full[512];
    snprintf(full, sizeof(full), "%s/%s", DH_SOURCE_DIR, path);
    FILE *f = fopen(full, "r");
    cr_assert_not_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int count = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_VALUE(line, (size_t)n - (line[n - 1] == '\n')),
                                      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 100);
        cr_assert_eq(e, RD_KAFKA_RESP_ERR_NO_ERROR, "%s", rd_kafka_err2str(e));
        count++;
    }
    free(line);
    fclose(f);
    cr_assert_eq(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
    return count;
}

/* Read partition 0 of topic from the start until its end; the values,
   one a line, into out (and keys counted when not empty). */
static int consume_all(const mock_t *m, const char *topic, dh_strbuf_t *out, int *keyed)
{
    rd_kafka_t *c = new_handle(RD_KAFKA_CONSUMER, m->bootstraps, "reader");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    cr_assert_eq(rd_kafka_assign(c, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
    int n = 0, idle = 0;
    *keyed = 0;
    while (idle < 30) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c, 200);
        if (!msg) {
            idle++;
            continue;
        }
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && n > 0) {
            rd_kafka_message_destroy(msg);
            break;
        }
        if (!msg->err) {
            dh_sb_put(out, msg->payload, msg->len);
            dh_sb_putc(out, '\n');
            *keyed += msg->key_len > 0;
            n++;
        }
        rd_kafka_message_destroy(msg);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return n;
}

/* Read spec through its registered source; *finished: it reached its end
   (the windows were closed), as opposed to a stop. */
static int consume(dh_pipeline_t *pl, const dh_options_t *o, const char *spec, int *finished)
{
    const dh_source_type_t *t = dh_source_for(spec);
    cr_assert_not_null(t);
    cr_assert_str_eq(t->name, "kafka");
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end = DH_SOURCE_STOPPED;
    int rc = dh_source_read(t, spec, pl, o, &ctl, &end);
    *finished = end == DH_SOURCE_END_OF_INPUT;
    return rc;
}

static const char *const props[] = {"session.timeout.ms=6000", "log_level=0", NULL};

/* Options for a member of group consuming the mock cluster, writing to
   output (a file, or kafka:TOPIC). */
static void consumer_options(dh_options_t *o, const mock_t *m, const char *output,
                             const char *group)
{
    cap_options(o, output, NULL);
    o->kafka.brokers = m->bootstraps;
    o->kafka.group = group;
    o->kafka.props = props;
}

static dh_pipeline_t *pipeline_for(const dh_options_t *o)
{
    char err[256];
    dh_pipeline_t *pl = dh_pipeline_new(o, err, sizeof(err));
    cr_assert_not_null(pl, "%s", err);
    return pl;
}

Test(kafka, a_topic_consumed_as_a_group_gives_the_file_run_detections, .timeout = 120)
{
    mock_t m;
    mock_up(&m, "dns");
    cr_assert_eq(produce_file(&m, "dns", "samples/demo-zeek-dns.json"), 2000);
    char out[64];
    cap_temp_path(out, sizeof(out), "kafka-src-out");
    dh_options_t o;
    consumer_options(&o, &m, out, "dnshound-test");
    o.kafka.exit_at_end = true;
    o.core.early_alerts = DH_EARLY_OFF; /* Kafka is live: compare window closes only */
    dh_pipeline_t *pl = pipeline_for(&o);
    int finished = 0;
    cr_assert_eq(consume(pl, &o, "kafka:dns", &finished), 0);
    cr_assert_eq(finished, 1, "exit_at_end finished the pipeline");
    const dh_counters_t *c = dh_pipeline_counters(pl);
    cr_assert_eq(c->records, 2000);
    cr_assert_eq(c->dns_events, 2000);
    cr_assert_eq(c->detections, 11, "as from the file: 9 findings, 2 incidents");
    char stats[64];
    cap_temp_path(stats, sizeof(stats), "kafka-src-stats");
    cr_assert_eq(dh_pipeline_write_stats(pl, stats), 0);
    char *text = cap_read(stats, NULL);
    cr_assert_not_null(strstr(text, "\"kafka\":{\"messages\":2000,"), "%s", text);
    char *lines = cap_read(out, NULL);
    cr_assert_eq(cap_count(lines, "\"rule\":{\"name\":"), 11);
    free(lines);
    free(text);
    unlink(stats);
    unlink(out);
    dh_pipeline_free(pl);
    mock_down(&m);
}

Test(kafka, consuming_without_a_group_is_refused)
{
    char out[64];
    cap_temp_path(out, sizeof(out), "kafka-nogroup");
    char *text = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&text, &len);
    dh_options_t o;
    cap_options(&o, out, log);
    dh_log_t logger;
    dh_log_init(&logger, log);
    o.logger = &logger;
    o.kafka.brokers = "127.0.0.1:1";
    dh_pipeline_t *pl = pipeline_for(&o);
    int finished = 1;
    cr_assert_eq(consume(pl, &o, "kafka:dns", &finished), -1);
    cr_assert_eq(finished, 0);
    fflush(log);
    cr_assert_not_null(strstr(text, "a consumer group is needed"), "%s", text);
    dh_pipeline_free(pl);
    dh_log_close(&logger);
    fclose(log);
    free(text);
    unlink(out);
}

Test(kafka, detections_go_to_the_topic_keyed_and_delivered, .timeout = 120)
{
    mock_t m;
    mock_up(&m, "detections");
    dh_options_t o;
    cap_options(&o, "kafka:detections", NULL);
    o.kafka.brokers = m.bootstraps;
    o.kafka.props = props;
    dh_pipeline_t *pl = pipeline_for(&o);
    cap_feed_file(pl, "samples/demo-eve.json", "eve");
    cr_assert_eq(dh_pipeline_flush_output(pl, 30000), 0);
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    cr_assert_eq(dh_pipeline_counters(pl)->detections, 14, "12 findings, 2 correlations");
    dh_pipeline_free(pl);
    dh_strbuf_t got;
    dh_sb_init(&got);
    int keyed;
    cr_assert_eq(consume_all(&m, "detections", &got, &keyed), 14);
    cr_assert_eq(keyed, 14, "every detection has a partitioning key");
    cr_assert_eq(cap_count(got.buf, "\"rule\":{\"name\":\"threat_intel\""), 6);
    cr_assert_eq(cap_count(got.buf, ""), 14, "the line's newline is not in the message");
    dh_sb_free(&got);
    mock_down(&m);
}

Test(kafka, sink_stats_count_what_was_delivered, .timeout = 60)
{
    mock_t m;
    mock_up(&m, "out");
    dh_options_t o;
    cap_options(&o, "kafka:out", NULL);
    o.kafka.brokers = m.bootstraps;
    o.kafka.props = props;
    const dh_sink_type_t *t = dh_sink_for("kafka:out");
    cr_assert_str_eq(t->name, "kafka");
    char err[256];
    void *s = t->open("kafka:out", dh_options_component(&o, t->options), o.logger,
                      err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "{\"a\":1}\n", 8, "10.0.0.1"), 0);
    cr_assert_eq(t->write(s, "{\"a\":2}\n", 8, NULL), 0);
    cr_assert_eq(t->flush(s, 30000), 0);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    t->stats(s, &sb);
    cr_assert_not_null(strstr(sb.buf, "\"produced\":2,\"delivered\":2,\"failed\":0"), "%s", sb.buf);
    dh_sb_free(&sb);
    cr_assert_eq(t->close(s), 0);
    cr_assert_eq(t->close(NULL), 0);
    mock_down(&m);
}

Test(kafka, sink_targets_need_one_topic)
{
    dh_options_t o;
    dh_options_default(&o);
    const dh_sink_type_t *t = dh_sink_for("kafka:");
    char err[256] = "";
    cr_assert_null(t->open("kafka:", dh_options_component(&o, t->options), o.logger,
                           err, sizeof(err)));
    cr_assert_not_null(strstr(err, "expected kafka:TOPIC"), "%s", err);
    cr_assert_null(t->open("kafka:a,b", dh_options_component(&o, t->options), o.logger,
                           err, sizeof(err)));
    const char *const bad[] = {"no.such.property=1", NULL};
    o.kafka.props = bad;
    err[0] = '\0';
    cr_assert_null(t->open("kafka:a", dh_options_component(&o, t->options), o.logger,
                           err, sizeof(err)));
    cr_assert_neq(err[0], '\0');
}

/* One message to topic. */
static void produce_line(const char *bootstraps, const char *topic, const char *line)
{
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, bootstraps, NULL);
    cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_VALUE((void *)line, strlen(line)), RD_KAFKA_V_END),
                 RD_KAFKA_RESP_ERR_NO_ERROR);
    cr_assert_eq(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Plays the world around a running source (from another thread): once the
   consumer runs, produces one record, waits until a detection is in the
   output file (or the deadline), notes how long that took, then asks the
   source to stop as SIGTERM would. */
typedef struct {
    dh_source_ctl_t *ctl;
    const char *bootstraps, *topic, *line, *out;
    int64_t latency_ms; /* produce -> detection in the output; -1 never */
} world_t;

static void *play_world(void *arg)
{
    world_t *w = arg;
    sleep(4); /* the consumer joined its group and reached the end */
    int64_t t0 = mono_ms();
    produce_line(w->bootstraps, w->topic, w->line);
    w->latency_ms = -1;
    while (mono_ms() - t0 < 20000) {
        char *text = cap_read(w->out, NULL);
        bool found = text && strstr(text, "\"rule\":{\"name\":");
        free(text);
        if (found) {
            w->latency_ms = mono_ms() - t0;
            break;
        }
        usleep(20000);
    }
    dh_source_request_stop(w->ctl);
    return NULL;
}

/* A zone transfer attempt 1.5 s before its (hourly, UTC-aligned) window
   ends: a finding as soon as the window closes. */
static const char axfr_line[] =
    "{\"ts\":1699433998.5,\"uid\":\"CB9QcWFeOlOHVZiw\",\"id.orig_h\":\"10.1.0.27\","
    "\"id.orig_p\":43875,\"id.resp_h\":\"10.0.1.53\",\"id.resp_p\":53,\"proto\":\"tcp\","
    "\"trans_id\":56820,\"query\":\"corp.storevision.lan\",\"qclass\":1,"
    "\"qclass_name\":\"C_INTERNET\",\"qtype\":252,\"qtype_name\":\"AXFR\",\"rcode\":5,"
    "\"rcode_name\":\"REFUSED\",\"AA\":false,\"TC\":false,\"RD\":true,\"RA\":false,\"Z\":0,"
    "\"rejected\":false}";

/* A live consumer of topic "dns" on a fresh mock cluster (idle flush 1 s,
   lateness 0, early alerts as given) while play_world produces axfr_line
   and times its detection; returns once the source stopped. The pipeline
   and the output file stay for the test to inspect (live_run_free). */
typedef struct {
    mock_t m;
    char out[64];
    dh_options_t o;
    dh_pipeline_t *pl;
    world_t w;
    dh_source_ctl_t ctl;
    dh_source_end_t end;
} live_run_t;

static void live_axfr_run(live_run_t *r, const char *tag, dh_early_t early)
{
    memset(r, 0, sizeof(*r));
    mock_up(&r->m, "dns");
    cap_temp_path(r->out, sizeof(r->out), tag);
    consumer_options(&r->o, &r->m, r->out, tag);
    r->o.core.idle_flush_us = 1000000;
    r->o.core.lateness_us = 0;
    r->o.core.early_alerts = early;
    r->pl = pipeline_for(&r->o);
    const dh_source_type_t *t = dh_source_for("kafka:dns");
    r->end = DH_SOURCE_END_OF_INPUT;
    r->w = (world_t){&r->ctl, r->m.bootstraps, "dns", axfr_line, r->out, -1};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, play_world, &r->w), 0);
    cr_assert_eq(dh_source_read(t, "kafka:dns", r->pl, &r->o, &r->ctl, &r->end), 0);
    pthread_join(th, NULL);
}

static void live_run_free(live_run_t *r)
{
    unlink(r->out);
    dh_pipeline_free(r->pl);
    mock_down(&r->m);
}

/* Kafka is a live input: once the topic is quiet for --idle-flush of wall
   time, the window of the last record closes as the wall clock moves on and
   its finding reaches the output while the consumer keeps running (no
   exit_at_end, no end of input). Without the tick it would wait for the
   next message, forever on a quiet topic. The latency it measures (produce
   -> detection in the output) is the one README "Kafka latency" gives. */
Test(kafka, a_quiet_topic_closes_windows_after_the_idle_time, .timeout = 120)
{
    live_run_t r;
    live_axfr_run(&r, "kafka-live-out", DH_EARLY_OFF); /* the window's close is what is timed */
    cr_assert_eq(r.end, DH_SOURCE_STOPPED, "stopped, not finished: no window closed at an end");
    const dh_counters_t *c = dh_pipeline_counters(r.pl);
    cr_assert_eq(c->records, 1);
    cr_log_info("kafka live latency (idle-flush 1 s, lateness 0, window end 1.5 s after the "
                "event): %lld ms", (long long)r.w.latency_ms);
    cr_assert(dh_pipeline_is_live(r.pl), "the Kafka source is a live input");
    cr_assert_geq(c->idle_advances, 1, "the quiet topic moved the watermark");
    cr_assert_eq(c->detections, 1);
    cr_assert_geq(r.w.latency_ms, 1400, "not before the window end has gone by in wall time");
    cr_assert_lt(r.w.latency_ms, 10000, "%lld ms", (long long)r.w.latency_ms);
    live_run_free(&r);
}

/* A broker that is down fills the producer's queue: a write waits for room
   only --queue-full-timeout long (a SIGTERM must not wait for the broker),
   then the detection is dropped, counted, and the write fails. */
Test(kafka, a_full_queue_is_waited_out_only_so_long, .timeout = 30)
{
    mock_t m;
    mock_up(&m, "out");
    cr_assert_eq(rd_kafka_mock_broker_set_down(m.mc, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    dh_options_t o;
    cap_options(&o, "kafka:out", NULL);
    o.kafka.brokers = m.bootstraps;
    const char *const one[] = {"queue.buffering.max.messages=1", "log_level=0", NULL};
    o.kafka.props = one;
    o.kafka.queue_full_us = 1000000;
    const dh_sink_type_t *t = dh_sink_for("kafka:out");
    char err[256];
    void *s = t->open("kafka:out", dh_options_component(&o, t->options), o.logger,
                      err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "{\"a\":1}\n", 8, NULL), 0, "queued");
    int64_t t0 = mono_ms();
    cr_assert_eq(t->write(s, "{\"a\":2}\n", 8, NULL), -1, "no room: dropped");
    int64_t waited = mono_ms() - t0;
    cr_assert(waited >= 900 && waited < 5000, "waited %lld ms", (long long)waited);
    cr_assert_eq(t->flush(s, 100), -1, "not delivered");
    cr_assert_eq(rd_kafka_mock_broker_set_up(m.mc, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    t->stats(s, &sb);
    cr_assert_not_null(strstr(sb.buf, "\"produced\":1,\"delivered\":1,\"failed\":1,\"dropped\":1"),
                       "%s", sb.buf);
    dh_sb_free(&sb);
    t->close(s);
    mock_down(&m);
}

/* After one timed-out wait for room the queue is taken as full: later
   detections are dropped at once (counted), not each after the whole
   timeout; once it has room again they are queued. A failure fails the
   next flush only (the commit of that moment waits), so commits resume
   instead of stopping for the rest of the run. */
Test(kafka, a_full_queue_drops_at_once_after_one_wait_and_commits_resume, .timeout = 60)
{
    mock_t m;
    mock_up(&m, "out");
    cr_assert_eq(rd_kafka_mock_broker_set_down(m.mc, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    dh_options_t o;
    cap_options(&o, "kafka:out", NULL);
    o.kafka.brokers = m.bootstraps;
    const char *const one[] = {"queue.buffering.max.messages=1", "log_level=0", NULL};
    o.kafka.props = one;
    o.kafka.queue_full_us = 1000000;
    const dh_sink_type_t *t = dh_sink_for("kafka:out");
    char err[256];
    void *s = t->open("kafka:out", dh_options_component(&o, t->options), o.logger,
                      err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "{\"a\":1}\n", 8, NULL), 0, "queued");
    cr_assert_eq(t->write(s, "{\"a\":2}\n", 8, NULL), -1, "no room after the wait: dropped");
    int64_t t0 = mono_ms();
    for (int i = 3; i <= 5; i++)
        cr_assert_eq(t->write(s, "{\"a\":3}\n", 8, NULL), -1, "still full: dropped");
    int64_t waited = mono_ms() - t0;
    cr_assert_lt(waited, 500, "three drops without waiting (%lld ms)", (long long)waited);
    cr_assert_eq(rd_kafka_mock_broker_set_up(m.mc, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    cr_assert_eq(t->flush(s, 0), -1, "a flush that does not wait leaves the failures...");
    cr_assert_eq(t->flush(s, 20000), -1, "...to one that does: detections were dropped");
    cr_assert_eq(t->flush(s, 1000), 0, "nothing failed since the last flush: commits resume");
    cr_assert_eq(t->write(s, "{\"a\":6}\n", 8, NULL), 0, "room again: queued");
    cr_assert_eq(t->flush(s, 20000), 0);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    t->stats(s, &sb);
    cr_assert_not_null(strstr(sb.buf, "\"produced\":2,\"delivered\":2,\"failed\":4,\"dropped\":4"),
                       "%s", sb.buf);
    dh_sb_free(&sb);
    cr_assert_eq(t->close(s), -1, "output was lost: the exit status says so");
    mock_down(&m);
}

/* A topic of more partitions than the consumer once had room for (1,024):
   every partition is read, none of its messages is dropped uncounted. */
Test(kafka, every_partition_of_a_wide_topic_is_read, .timeout = 120)
{
    mock_t m;
    m.owner = new_handle(RD_KAFKA_PRODUCER, NULL, NULL);
    m.mc = rd_kafka_mock_cluster_new(m.owner, 1);
    cr_assert_not_null(m.mc);
    snprintf(m.bootstraps, sizeof(m.bootstraps), "%s", rd_kafka_mock_cluster_bootstraps(m.mc));
    cr_assert_eq(rd_kafka_mock_topic_create(m.mc, "wide", 1100, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, m.bootstraps, NULL);
    for (int32_t part = 0; part < 1100; part += 10)
        cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("wide"), RD_KAFKA_V_PARTITION(part),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_VALUE((void *)axfr_line, strlen(axfr_line)),
                                       RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    cr_assert_eq(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
    char out[64];
    cap_temp_path(out, sizeof(out), "kafka-wide-out");
    dh_options_t o;
    consumer_options(&o, &m, out, "dnshound-wide");
    o.kafka.exit_at_end = true;
    dh_pipeline_t *pl = pipeline_for(&o);
    int finished = 0;
    cr_assert_eq(consume(pl, &o, "kafka:wide", &finished), 0);
    cr_assert_eq(finished, 1);
    cr_assert_eq(dh_pipeline_counters(pl)->records, 110, "one message in every 10th partition");
    unlink(out);
    dh_pipeline_free(pl);
    mock_down(&m);
}

/* The world for the commit retry test: once the consumer runs, every
   OffsetCommit is answered REBALANCE_IN_PROGRESS a few times while
   messages keep arriving, so the source's commit retry loop polls some of
   them; then the source is stopped. */
typedef struct {
    dh_source_ctl_t *ctl;
    rd_kafka_mock_cluster_t *mc;
    const char *bootstraps;
    int produced;
} busy_world_t;

#define API_OFFSET_COMMIT 8 /* Kafka protocol ApiKey of OffsetCommit */

static void *play_busy_world(void *arg)
{
    busy_world_t *w = arg;
    sleep(3);
    rd_kafka_mock_push_request_errors(w->mc, API_OFFSET_COMMIT, 4,
                                      RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
                                      RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
                                      RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
                                      RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS);
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, w->bootstraps, NULL);
    for (int64_t t0 = mono_ms(); mono_ms() - t0 < 5000; w->produced++) {
        cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("dns"),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_VALUE((void *)axfr_line, strlen(axfr_line)),
                                       RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_flush(p, 1000);
        usleep(20000);
    }
    rd_kafka_destroy(p);
    sleep(2); /* the consumer reads the last ones */
    dh_source_request_stop(w->ctl);
    return NULL;
}

/* At-least-once: a message polled while a commit waits out a rebalance is
   read, not skipped (nothing would deliver it again when no rebalance
   follows, or when the partition comes back at our own position). */
Test(kafka, messages_polled_during_commit_retries_are_read, .timeout = 120)
{
    mock_t m;
    mock_up(&m, "dns");
    produce_line(m.bootstraps, "dns", axfr_line);
    char out[64];
    cap_temp_path(out, sizeof(out), "kafka-retry-out");
    dh_options_t o;
    consumer_options(&o, &m, out, "dnshound-retry");
    dh_pipeline_t *pl = pipeline_for(&o);
    const dh_source_type_t *t = dh_source_for("kafka:dns");
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end = DH_SOURCE_END_OF_INPUT;
    busy_world_t w = {&ctl, m.mc, m.bootstraps, 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, play_busy_world, &w), 0);
    cr_assert_eq(dh_source_read(t, "kafka:dns", pl, &o, &ctl, &end), 0);
    pthread_join(th, NULL);
    cr_assert_eq(dh_pipeline_counters(pl)->records, (uint64_t)w.produced + 1);
    unlink(out);
    dh_pipeline_free(pl);
    mock_down(&m);
}

/* Partition ends are checked against the cached high watermark: on a slow
   broker (300 ms round trips) a blocking query per end made 40 partition
   ends take 40 round trips one after another. */
Test(kafka, partition_ends_do_not_wait_for_the_broker, .timeout = 120)
{
    mock_t m;
    m.owner = new_handle(RD_KAFKA_PRODUCER, NULL, NULL);
    m.mc = rd_kafka_mock_cluster_new(m.owner, 1);
    cr_assert_not_null(m.mc);
    snprintf(m.bootstraps, sizeof(m.bootstraps), "%s", rd_kafka_mock_cluster_bootstraps(m.mc));
    cr_assert_eq(rd_kafka_mock_topic_create(m.mc, "slow", 40, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, m.bootstraps, NULL);
    for (int32_t part = 0; part < 40; part++)
        cr_assert_eq(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("slow"), RD_KAFKA_V_PARTITION(part),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_VALUE((void *)axfr_line, strlen(axfr_line)),
                                       RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    cr_assert_eq(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
    cr_assert_eq(rd_kafka_mock_broker_set_rtt(m.mc, 1, 300), RD_KAFKA_RESP_ERR_NO_ERROR);
    char out[64];
    cap_temp_path(out, sizeof(out), "kafka-slow-out");
    dh_options_t o;
    consumer_options(&o, &m, out, "dnshound-slow");
    o.kafka.exit_at_end = true;
    dh_pipeline_t *pl = pipeline_for(&o);
    int finished = 0;
    int64_t t0 = mono_ms();
    cr_assert_eq(consume(pl, &o, "kafka:slow", &finished), 0);
    int64_t took = mono_ms() - t0;
    cr_log_info("40 partitions to their ends, 300 ms round trips: %lld ms", (long long)took);
    cr_assert_eq(dh_pipeline_counters(pl)->records, 40);
    cr_assert_lt(took, 20000, "%lld ms (a blocking query per end: 40 s)", (long long)took);
    unlink(out);
    dh_pipeline_free(pl);
    mock_down(&m);
}

/* Takes the broker down once the record was read, waits until its finding
   was written to the (now unreachable) output topic, then stops the source
   as SIGTERM would, noting when. */
typedef struct {
    dh_source_ctl_t *ctl;
    mock_t *m;
    const char *line;
    int64_t stop_ms;
} outage_t;

static void *play_outage(void *arg)
{
    outage_t *w = arg;
    sleep(4); /* the consumer joined its group and reached the end */
    produce_line(w->m->bootstraps, "dns", w->line);
    usleep(1500000); /* fetched (within fetch.wait.max.ms); its window closes
                        by the idle rule 3 + 1.5 s after that */
    rd_kafka_mock_broker_set_down(w->m->mc, 1);
    sleep(6); /* the window closed: the finding is queued for the output */
    w->stop_ms = mono_ms();
    dh_source_request_stop(w->ctl);
    return NULL;
}

/* Runs the outage; returns how long the stop took (ms) and closing the
   output's result. */
static int64_t outage_run(const char *line, int *close_rc, uint64_t *detections)
{
    mock_t m;
    mock_up(&m, "dns");
    cr_assert_eq(rd_kafka_mock_topic_create(m.mc, "out", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    dh_options_t o;
    consumer_options(&o, &m, "kafka:out", "dnshound-outage");
    o.kafka.shutdown_us = 2000000;
    o.core.idle_flush_us = 3000000;
    o.core.lateness_us = 0;
    o.core.early_alerts = DH_EARLY_OFF; /* the finding comes with the window's close,
                                           once the broker is down */
    dh_pipeline_t *pl = pipeline_for(&o);
    const dh_source_type_t *t = dh_source_for("kafka:dns");
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end = DH_SOURCE_END_OF_INPUT;
    outage_t w = {&ctl, &m, line, 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, play_outage, &w), 0);
    cr_assert_eq(dh_source_read(t, "kafka:dns", pl, &o, &ctl, &end), 0);
    pthread_join(th, NULL);
    cr_assert_eq(end, DH_SOURCE_STOPPED);
    *detections = dh_pipeline_counters(pl)->detections;
    *close_rc = dh_pipeline_close_output(pl);
    int64_t took = mono_ms() - w.stop_ms;
    dh_pipeline_free(pl);
    mock_down(&m);
    return took;
}

/* A SIGTERM while the broker is down ends the run in --shutdown-timeout
   (the last delivery and commit, then the sink's wait at exit: one budget
   each), not in librdkafka's 30 s defaults, and the lost detection makes
   closing the output fail (main's exit status 1) instead of vanishing. */
Test(kafka, a_stop_with_the_broker_down_ends_in_the_shutdown_timeout, .timeout = 120)
{
    int rc;
    uint64_t detections;
    int64_t took = outage_run(axfr_line, &rc, &detections);
    cr_assert_eq(detections, 1, "the finding was made");
    cr_assert_neq(rc, 0, "not delivered: said so");
    cr_log_info("stop with the broker down, 1 detection pending: %lld ms (--shutdown-timeout 2 s)",
                (long long)took);
    cr_assert_lt(took, 9000, "%lld ms", (long long)took);
}

/* A record that makes no finding: nothing to deliver, but its offset is to
   be committed and the coordinator cannot be reached: the commit waits
   only --shutdown-timeout too. */
static const char benign_line[] =
    "{\"ts\":1699433998.5,\"uid\":\"CB9QcWFeOlOHVZix\",\"id.orig_h\":\"10.1.0.27\","
    "\"id.orig_p\":43875,\"id.resp_h\":\"10.0.1.53\",\"id.resp_p\":53,\"proto\":\"udp\","
    "\"trans_id\":56821,\"query\":\"www.example.com\",\"qclass\":1,"
    "\"qclass_name\":\"C_INTERNET\",\"qtype\":1,\"qtype_name\":\"A\",\"rcode\":0,"
    "\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,\"RD\":true,\"RA\":true,\"Z\":0,"
    "\"rejected\":false}";

Test(kafka, a_stop_with_the_broker_down_and_nothing_pending, .timeout = 120)
{
    int rc;
    uint64_t detections;
    int64_t took = outage_run(benign_line, &rc, &detections);
    cr_assert_eq(detections, 0);
    cr_assert_eq(rc, 0);
    cr_log_info("stop with the broker down, nothing pending: %lld ms", (long long)took);
    cr_assert_lt(took, 9000, "%lld ms", (long long)took);
}

/* Kafka is live, so early alerts are on by default (--early-alerts auto):
   a zone transfer attempt, complete on its one record, is written as soon
   as the message is processed, before its window's end has gone by, and
   says it is early. */
Test(kafka, a_single_record_finding_is_written_when_its_message_is_read, .timeout = 120)
{
    live_run_t r;
    live_axfr_run(&r, "kafka-early-out", DH_EARLY_AUTO);
    cr_log_info("kafka early alert latency (produce -> line in the output): %lld ms",
                (long long)r.w.latency_ms);
    cr_assert_geq(r.w.latency_ms, 0, "no detection in the output");
    cr_assert_lt(r.w.latency_ms, 1400, "%lld ms: not early", (long long)r.w.latency_ms);
    char *text = cap_read(r.out, NULL);
    cr_assert_not_null(strstr(text, "\"early\":true"), "%s", text);
    free(text);
    live_run_free(&r);
}
