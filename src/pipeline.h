/*
 * pipeline.h - the main job: input lines -> records -> transactions ->
 * normalized events -> detectors (or the event serializer) -> sink.
 *
 * All mutable state of a run lives in one dh_pipeline_t (no globals), so
 * tests can run several pipelines in one process. Inputs are fed as streams
 * (one per file, stdin, or later Kafka partition): each stream sniffs its
 * own format, keeps its own parser state and its own malformed-record
 * reporting, and shares the transaction assembler and the detectors, so a
 * log split over several files gives the same events and detections as one.
 *
 * The implementation is one file per subsystem (pipeline-int.h lists them):
 * pipeline.c, stream.c, clock.c, dethost.c, stats.c; defaults in options.c.
 */
#ifndef DH_PIPELINE_H
#define DH_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parser.h"

#include "options.h"

typedef struct {
    uint64_t records;     /* non-empty, non-header lines */
    uint64_t dns_records; /* records parsed as DNS */
    uint64_t dns_events;  /* normalized events after transaction assembly */
    uint64_t skipped;     /* valid records that are not DNS */
    uint64_t malformed;
    uint64_t too_long;    /* of malformed+skipped: lines over max_line */
    uint64_t late_events; /* older than the watermark when they arrived (still used
                             where their window is open) */
    uint64_t future_events; /* records dropped: too far ahead (--max-future) */
    uint64_t future_confirmed; /* far ahead, but the next record agreed: a real jump, kept */
    uint64_t epochs;      /* inputs that started over in older event time */
    uint64_t idle_advances; /* live ticks that moved the watermark by wall time */
    uint64_t detections;
    uint64_t inputs, inputs_failed;
    uint64_t inputs_malformed; /* of inputs_failed: almost all malformed
                                  (--max-malformed-ratio) */
    uint64_t sink_errors;
} dh_counters_t;

typedef struct dh_pipeline dh_pipeline_t;
typedef struct dh_stream dh_stream_t;

/* Create: opens the sink, loads rules, creates detectors. NULL with err. */
dh_pipeline_t *dh_pipeline_new(const dh_options_t *o, char *err, size_t errlen);

/* End of input: close every window, flush detectors and alerts, then close
   the output (dh_pipeline_close_output). Streams must be closed before.
   Returns 0, or -1 when output could not be written. Idempotent. */
int dh_pipeline_finish(dh_pipeline_t *pl);

/* Deliver and close the output without closing windows (a stop that will
   resume from committed offsets). 0, or -1 when output was lost. */
int dh_pipeline_close_output(dh_pipeline_t *pl);
void dh_pipeline_free(dh_pipeline_t *pl);

const dh_counters_t *dh_pipeline_counters(const dh_pipeline_t *pl);

/* Write the --stats JSON object to path. 0 or -1. */
int dh_pipeline_write_stats(const dh_pipeline_t *pl, const char *path);

/* One line summary to the log. */
void dh_pipeline_summary(const dh_pipeline_t *pl);

/* Act on asynchronous requests (opt.reload_flag: reload the detectors'
   list files). Called for every input line and by idle sources. */
void dh_pipeline_poll(dh_pipeline_t *pl);

/* ---- streams ---- */

/* A new input stream named `name` (for FILE:LINE reports). */
dh_stream_t *dh_stream_open(dh_pipeline_t *pl, const char *name);

/* One line (without '\n'). too_long: it is only the first max_line bytes. */
void dh_stream_line(dh_stream_t *s, uint64_t line_no, const char *line, size_t len, bool too_long);

/* The input was gzip-compressed (the --stats "files" entry says so). */
void dh_stream_set_gzip(dh_stream_t *s, bool gzip);

/* More than --max-malformed-ratio of records malformed, once there are at
   least --malformed-min-records: dh_stream_close then fails the input
   (inputs_failed, inputs_malformed) with a hint of the format it looks like. */
bool dh_stream_mostly_malformed(uint64_t records, uint64_t malformed,
                                const dh_input_options_t *in);

/* The stream ended; error: NULL, or why it was cut short. Frees s. */
void dh_stream_close(dh_stream_t *s, const char *error);

/* ---- concurrent inputs (Kafka partitions) ---- */

/* Streams are read concurrently: the watermark is the minimum over active
   streams (see pipeline.c). Off for files read one after another. */
void dh_pipeline_set_concurrent(dh_pipeline_t *pl, bool on);

/* A stream at its end (partition EOF) stops holding the watermark back
   until it gets new input. */
void dh_stream_set_idle(dh_stream_t *s, bool idle);

/* Event time of the record the last dh_stream_line parsed, INT64_MIN when
   that line was not a DNS record or its record was dropped (--max-future). */
int64_t dh_stream_last_record_ts(const dh_stream_t *s);

/* Every event older than this is fully accounted for: its windows closed
   and their detections handed to the sink; INT64_MAX when nothing is open. */
int64_t dh_pipeline_safe_time(const dh_pipeline_t *pl);

/* ---- live inputs ---- */

/* The processing-time idle rule, for live inputs only (a pipe, a FIFO, a
   followed file, Kafka; never a file replay, whose output depends on event
   time alone). A live source calls it each time it has handed over every
   line available and is about to wait, and at least once a second while it
   waits, with now_us from dh_wall_now_us(). When no record has arrived for
   --idle-flush of wall time, the watermark advances by the wall time passed
   since the last record, so windows whose end has gone by close and their
   findings come out; when records resume, event time takes over again (the
   watermark never goes back). Then the output is flushed (stdio), so a
   finding reaches its reader within a tick. */
void dh_pipeline_live_tick(dh_pipeline_t *pl, int64_t now_us);

/* A source says its input is live (a pipe, a FIFO, a followed file, Kafka)
   before it hands over its first line; a file replay never does. What a
   live run does differently (the idle rule above, early findings) is keyed
   on this, so a replay's output depends on event time alone. */
void dh_pipeline_set_live(dh_pipeline_t *pl, bool live);
bool dh_pipeline_is_live(const dh_pipeline_t *pl);

/* Microseconds of a monotonic wall clock, for dh_pipeline_live_tick. */
int64_t dh_wall_now_us(void);

/* Wait until everything written to the sink is delivered. 0 or -1. */
int dh_pipeline_flush_output(dh_pipeline_t *pl, int timeout_ms);

/* Add members ("\"name\":{...}", no braces around) to the --stats object. */
void dh_pipeline_add_stats(dh_pipeline_t *pl, const char *members);

#endif
