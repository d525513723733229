/*
 * test-source.c - the source registry (src/source.h, src/sources/sources.def):
 * every entry is reachable and complete, and each kind of input spec is
 * claimed by the right source type, as main.c decided before the registry;
 * a FIFO is read as a live input and a stop request ends it as its end.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options-map.h"
#include "source.h"

static size_t n_sources(void)
{
    size_t n = 0;
    while (dh_sources[n])
        n++;
    return n;
}

Test(source, every_entry_is_complete)
{
    cr_assert_gt(n_sources(), 0);
    for (size_t i = 0; dh_sources[i]; i++) {
        const dh_source_type_t *t = dh_sources[i];
        cr_assert(t->name && *t->name, "source %zu has no name", i);
        cr_assert(t->description && *t->description, "%s: no description", t->name);
        cr_assert(t->open && t->run && t->close, "%s: a callback is missing", t->name);
    }
}

/* A source's own options are the member of dh_options_t its table is bound
   to: the Kafka source gets o.kafka, the file source o.follow (--follow is
   a mode of it), stdin no table at all. */
Test(source, each_type_gets_the_options_of_its_table)
{
    dh_options_t o;
    dh_options_default(&o);
    for (size_t i = 0; dh_sources[i]; i++) {
        const dh_optmap_table_t *t = dh_sources[i]->options;
        cr_expect_eq(dh_options_component(&o, t) != NULL, t != NULL, "%s", dh_sources[i]->name);
    }
    cr_expect_eq(dh_options_component(&o, dh_source_for("kafka:t")->options), &o.kafka);
    cr_expect_eq(dh_options_component(&o, dh_source_for("x.log")->options), &o.follow);
    cr_expect_null(dh_source_for("-")->options);
}

Test(source, names_are_unique)
{
    for (size_t i = 0; dh_sources[i]; i++)
        for (size_t j = i + 1; dh_sources[j]; j++)
            cr_assert_str_neq(dh_sources[i]->name, dh_sources[j]->name);
}

Test(source, exactly_one_fallback)
{
    size_t fallbacks = 0;
    for (size_t i = 0; dh_sources[i]; i++)
        fallbacks += dh_sources[i]->claims == NULL;
    cr_assert_eq(fallbacks, 1, "%zu sources without claims()", fallbacks);
}

/* Each entry is what dh_source_for answers for some spec: a type whose
   specs an earlier entry claims would never run. */
static const char *const example_spec[][2] = {
    {"kafka", "kafka:dns"},
    {"stdin", "-"},
    {"dir", DH_SOURCE_DIR "/samples"},
    {"file", "samples/demo-eve.json"},
};

Test(source, every_entry_is_reachable)
{
    size_t n = sizeof(example_spec) / sizeof(example_spec[0]);
    cr_assert_eq(n, n_sources(), "a source in sources.def has no example spec here");
    for (size_t i = 0; i < n; i++) {
        const dh_source_type_t *t = dh_source_for(example_spec[i][1]);
        cr_assert_not_null(t);
        cr_assert_str_eq(t->name, example_spec[i][0], "'%s' claimed by %s", example_spec[i][1],
                         t->name);
    }
}

static const char *claimer(const char *spec)
{
    return dh_source_for(spec)->name;
}

Test(source, specs_are_claimed_as_before)
{
    cr_assert_str_eq(claimer("kafka:a,b"), "kafka");
    cr_assert_str_eq(claimer("kafka:"), "kafka"); /* the source reports the missing topic */
    cr_assert_str_eq(claimer("-"), "stdin");
    cr_assert_str_eq(claimer("--"), "file");
    cr_assert_str_eq(claimer("./-"), "file");
    cr_assert_str_eq(claimer("kafka"), "file");
    cr_assert_str_eq(claimer("Kafka:dns"), "file");
    cr_assert_str_eq(claimer("logs/kafka:dns.log"), "file");
    cr_assert_str_eq(claimer("/var/log/zeek/dns.log.gz"), "file");
}

Test(source, only_kafka_stands_alone_and_runs_until_stopped)
{
    for (size_t i = 0; dh_sources[i]; i++) {
        bool kafka = strcmp(dh_sources[i]->name, "kafka") == 0;
        cr_assert_eq(dh_sources[i]->alone != NULL, kafka, "%s", dh_sources[i]->name);
        cr_assert_eq(dh_sources[i]->long_running, kafka, "%s", dh_sources[i]->name);
    }
}

Test(source, requests_set_the_flags)
{
    dh_source_ctl_t ctl = {0};
    dh_source_request_stop(&ctl);
    cr_assert_eq(ctl.stop, 1);
    cr_assert_eq(ctl.finish, 0);
    dh_source_request_finish(&ctl);
    cr_assert_eq(ctl.finish, 1);
}

/* A pipeline that serializes events to /dev/null: no rules, no history. */
static dh_pipeline_t *events_pipeline(dh_options_t *o, FILE *log)
{
    char err[256] = "";
    dh_options_default(o);
    o->core.emit = DH_EMIT_EVENTS;
    o->sink.output = "/dev/null";
    o->log = log;
    dh_pipeline_t *pl = dh_pipeline_new(o, err, sizeof(err));
    cr_assert_not_null(pl, "%s", err);
    return pl;
}

Test(source, file_source_reads_through_a_stream)
{
    dh_options_t o;
    FILE *log = tmpfile();
    dh_pipeline_t *pl = events_pipeline(&o, log);
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end = DH_SOURCE_STOPPED;
    const char *spec = DH_SOURCE_DIR "/samples/demo-eve.json";
    cr_assert_eq(dh_source_read(dh_source_for(spec), spec, pl, &o, &ctl, &end), 0);
    cr_assert_eq(end, DH_SOURCE_END_OF_INPUT);
    const dh_counters_t *c = dh_pipeline_counters(pl);
    cr_assert_eq(c->inputs, 1);
    cr_assert_eq(c->inputs_failed, 0);
    cr_assert_gt(c->dns_events, 0);
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    dh_pipeline_free(pl);
    fclose(log);
}

Test(source, a_missing_file_fails_as_its_input_not_at_open)
{
    dh_options_t o;
    FILE *log = tmpfile();
    dh_pipeline_t *pl = events_pipeline(&o, log);
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end = DH_SOURCE_STOPPED;
    const char *spec = "/nonexistent/dns.log";
    cr_assert_eq(dh_source_read(dh_source_for(spec), spec, pl, &o, &ctl, &end), -1);
    cr_assert_eq(end, DH_SOURCE_END_OF_INPUT, "the other inputs are still read");
    cr_assert_eq(dh_pipeline_counters(pl)->inputs_failed, 1);
    char line[256] = "";
    rewind(log);
    cr_assert_not_null(fgets(line, sizeof(line), log));
    cr_assert_str_eq(line, "/nonexistent/dns.log: No such file or directory\n");
    dh_pipeline_free(pl);
    fclose(log);
}

/* A source that cannot start says why on the run's logger, as
   [source:NAME], and leaves the windows open (nothing was read). */
Test(source, an_open_failure_is_logged_and_stops)
{
    dh_options_t o;
    FILE *log = tmpfile();
    dh_pipeline_t *pl = events_pipeline(&o, log);
    dh_log_t lg;
    dh_log_init(&lg, log);
    o.logger = &lg;
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end = DH_SOURCE_END_OF_INPUT;
    const char *spec = "kafka:dns"; /* no brokers given */
    cr_assert_eq(dh_source_read(dh_source_for(spec), spec, pl, &o, &ctl, &end), -1);
    cr_assert_eq(end, DH_SOURCE_STOPPED);
    char line[256] = "";
    rewind(log);
    cr_assert_not_null(fgets(line, sizeof(line), log));
    cr_assert_str_eq(line, "dnshound: [source:kafka] error: kafka: no brokers "
                           "(-b BROKERS or -X bootstrap.servers=...)\n");
    dh_pipeline_free(pl);
    dh_log_close(&lg);
    fclose(log);
}

/* The stop request a SIGALRM makes, as main's SIGTERM handler does. */
static dh_source_ctl_t alarm_ctl;

static void on_alarm(int sig)
{
    (void)sig;
    dh_source_request_stop(&alarm_ctl);
}

/* A FIFO whose writer keeps it open is live: the pipeline is told before
   the first line, every line written is read, the source ticks while it
   waits (with --idle-flush 0.3 s the idle rule advances the watermark
   within the 2 s wait), and a stop request while it waits ends the input
   as its end (windows then close). */
Test(source, a_fifo_is_live_ticks_while_waiting_and_a_stop_ends_its_input)
{
    dh_options_t o;
    FILE *log = tmpfile();
    char err[256] = "";
    dh_options_default(&o);
    o.core.emit = DH_EMIT_EVENTS;
    o.sink.output = "/dev/null";
    o.log = log;
    o.core.idle_flush_us = 300000;
    dh_pipeline_t *pl = dh_pipeline_new(&o, err, sizeof(err));
    cr_assert_not_null(pl, "%s", err);
    char dir[] = "/tmp/dh-source-XXXXXX", fifo[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int wfd = open(fifo, O_RDWR); /* the writer's end, never closed while read */
    cr_assert_geq(wfd, 0);
    FILE *in = fopen(DH_SOURCE_DIR "/samples/demo-eve.json", "r");
    cr_assert_not_null(in);
    char line[8192];
    int lines = 0;
    while (lines < 20 && fgets(line, sizeof(line), in)) { /* < 64 KiB: fits the pipe */
        cr_assert_eq(write(wfd, line, strlen(line)), (ssize_t)strlen(line));
        lines++;
    }
    fclose(in);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm; /* no SA_RESTART, as main's */
    cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
    alarm(2);
    dh_source_end_t end = DH_SOURCE_STOPPED;
    cr_assert_eq(dh_source_read(dh_source_for(fifo), fifo, pl, &o, &alarm_ctl, &end), 0);
    cr_assert_eq(end, DH_SOURCE_END_OF_INPUT);
    cr_assert(alarm_ctl.stop, "the read ended before the stop request");
    cr_assert(dh_pipeline_is_live(pl));
    const dh_counters_t *c = dh_pipeline_counters(pl);
    cr_assert_eq(c->records, (uint64_t)lines);
    cr_assert_eq(c->inputs_failed, 0);
    cr_assert_geq(c->idle_advances, 1, "no tick while waiting reached the idle rule");
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    dh_pipeline_free(pl);
    close(wfd);
    unlink(fifo);
    rmdir(dir);
    fclose(log);
}

Test(source, a_file_replay_is_not_live_and_stops_between_lines)
{
    dh_options_t o;
    FILE *log = tmpfile();
    dh_pipeline_t *pl = events_pipeline(&o, log);
    dh_source_ctl_t ctl = {.stop = 1}; /* asked before the first line */
    dh_source_end_t end = DH_SOURCE_STOPPED;
    const char *spec = DH_SOURCE_DIR "/samples/demo-eve.json";
    cr_assert_eq(dh_source_read(dh_source_for(spec), spec, pl, &o, &ctl, &end), 0);
    cr_assert_eq(end, DH_SOURCE_END_OF_INPUT);
    cr_assert(!dh_pipeline_is_live(pl));
    cr_assert_eq(dh_pipeline_counters(pl)->records, 0);
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    dh_pipeline_free(pl);
    fclose(log);
}

/* ---- an input almost all malformed (--max-malformed-ratio) ---------------- */

Test(source, the_malformed_threshold_is_a_share_of_enough_records)
{
    dh_options_t o;
    dh_options_default(&o);
    cr_assert_eq(o.input.malformed_min_records, 100);
    cr_assert_eq(o.input.max_malformed_millionths, 900000);
    cr_expect(dh_stream_mostly_malformed(100, 91, &o.input));
    cr_expect_not(dh_stream_mostly_malformed(100, 90, &o.input), "90 %% is not over 90 %%");
    cr_expect_not(dh_stream_mostly_malformed(99, 99, &o.input), "too few records to judge");
    cr_expect_not(dh_stream_mostly_malformed(2000, 100, &o.input), "5 %% malformed");
    o.input.max_malformed_millionths = 1000000;
    cr_expect_not(dh_stream_mostly_malformed(500, 500, &o.input), "ratio 1: never");
}

/* Read spec through its source with --format format; the log's text. */
static char *read_with_format(const char *spec, const char *format, int *rc,
                              dh_counters_t *counters)
{
    dh_options_t o;
    FILE *log = tmpfile();
    dh_pipeline_t *pl = events_pipeline(&o, log);
    o.input.format = format;
    dh_pipeline_free(pl);
    char err[256];
    pl = dh_pipeline_new(&o, err, sizeof(err));
    cr_assert_not_null(pl, "%s", err);
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end;
    *rc = dh_source_read(dh_source_for(spec), spec, pl, &o, &ctl, &end);
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    *counters = *dh_pipeline_counters(pl);
    dh_pipeline_free(pl);
    long n = ftell(log);
    char *text = calloc(1, (size_t)n + 1);
    rewind(log);
    cr_assert_eq(fread(text, 1, (size_t)n, log), (size_t)n);
    fclose(log);
    return text;
}

Test(source, eve_read_as_zeek_fails_with_a_hint_of_eve)
{
    int rc;
    dh_counters_t c;
    const char *spec = DH_SOURCE_DIR "/tests/data/eve/formbook-dridex-2025-mixed.eve.json";
    char *log = read_with_format(spec, "zeek", &rc, &c);
    cr_assert_eq(c.inputs_malformed, 1);
    cr_assert_eq(c.inputs_failed, 1);
    cr_assert_geq(c.malformed, 100);
    char want[512];
    snprintf(want, sizeof(want), "%s: %llu of %llu records malformed as zeek; it looks like eve "
             "(try --format eve)\n", spec, (unsigned long long)c.malformed,
             (unsigned long long)c.records);
    cr_assert_not_null(strstr(log, want), "%s", log);
    free(log);
    log = read_with_format(spec, NULL, &rc, &c);
    cr_assert_eq(c.inputs_malformed, 0, "sniffed, the same file is fine: %s", log);
    cr_assert_eq(c.inputs_failed, 0);
    free(log);
}
