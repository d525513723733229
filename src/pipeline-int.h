/*
 * pipeline-int.h - what the files of the pipeline share and nothing else
 * sees: the state of a run (struct dh_pipeline), of a stream (struct
 * dh_stream), and the calls between the pipeline's subsystems:
 *
 *   pipeline.c  life cycle (new, finish, free), event dispatch, output
 *   stream.c    streams: format sniffing, parsing, per-input accounting
 *   clock.c     event time: the watermark, replay epochs, concurrent inputs
 *   dethost.c   the detector host: noise control, history, detectors, alerts
 *   stats.c     counters, the --stats JSON object and the summary line
 *
 * Everything here is single-threaded (see pipeline.h). The public API stays
 * in pipeline.h; sources, sinks and tests never include this header.
 */
#ifndef DH_PIPELINE_INT_H
#define DH_PIPELINE_INT_H

#include "alerts.h"
#include "incidents.h"
#include "detector.h"
#include "history.h"
#include "noise.h"
#include "pipeline.h"
#include "regdom.h"
#include "rules.h"
#include "sink.h"
#include "state.h"
#include "txn.h"
#include "util-ip.h"
#include "util-json.h"
#include "view.h"

#define MAX_INPUT_STATS 256 /* inputs listed by name in --stats */
#define PROBE_MAX_LINES 64  /* format sniffing holds back at most this many lines */
#define PROBE_MAX_BYTES (1024 * 1024) /* ... and this many bytes */
#define RECENT_TIMES 7 /* --max-future: the median of this many record times */
#define SAMPLE_LINES 16 /* first lines kept per stream to hint at its format */
#define SAMPLE_BYTES (16 * 1024)

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
    dh_incidents_t *incidents; /* incidents and host risk (NULL: --learn-only) */
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
    dh_view_t *view; /* detections: event-time order, json or text (view.h) */
    bool ocsf_detections; /* --schema ocsf with JSON lines: each mapped (output-ocsf.h) */
    dh_strbuf_t out;
    int64_t max_ts;
    int64_t watermark;
    /* --max-future (clock.c): the newest event time that may move the
       clock, set per event by the stream it comes from (INT64_MAX: no
       limit), and that stream (NULL outside dh_clock_stream_event). */
    int64_t clock_cap;
    dh_stream_t *clock_stream;
    /* The live idle rule (clock.c): the records count, wall time and
       watermark at the last tick that saw new records. */
    bool live; /* dh_pipeline_set_live: some input is live */
    bool tick_started;
    uint64_t tick_records;
    int64_t tick_wall_us;
    int64_t tick_watermark;
    /* Live inputs only (clock.c dh_clock_beyond_wall): the latest event
       time accepted without reading the real-time clock again. */
    int64_t wall_limit_us;
    input_stat_t inputs[MAX_INPUT_STATS];
    size_t n_inputs;
};

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
    /* --max-future (clock.c): the event times of this stream's last
       RECENT_TIMES records, a ring; clock_warm once it was full and the
       clock started from it. Per stream: a new input (the next file, after
       a gap) is judged by its own records, not by the previous one's. */
    int64_t recent[RECENT_TIMES];
    unsigned n_recent, recent_next;
    bool clock_warm;
    bool cap_known; /* cap is clock_cap() of the ring as it is (clock.c) */
    int64_t cap;
    /* --max-future: the line of a record too far ahead of the ring's
       median, held until the next record says whether time really jumped
       (stream.c: hold_ahead, judge_ahead) */
    dh_strbuf_t ahead;
    uint64_t ahead_line_no;
    int64_t ahead_ts;
    bool has_ahead;
    dh_stream_t *prev, *next;
    uint64_t records, malformed, skipped, future_dropped;
    unsigned reported;
    input_stat_t *stat;
    /* The first lines, kept to say which format an input that is almost
       all malformed looks like (--max-malformed-ratio, at close) */
    dh_strbuf_t sample;
    size_t sample_off[SAMPLE_LINES];
    size_t n_sample;
};

/* ---- pipeline.c ---- */

/* A finished transaction of a stream: regdom, counters, then the events
   serializer or the detector host, then the clock. ctx is the pipeline. */
void dh_pipeline_on_event(void *ctx, const dh_event_t *ev);

/* One more internal zone for the run's zone keys (regdom.h); where names
   its origin for the error ("FILE:LINE", "--internal-zone"). 0, or -1 with
   err. */
int dh_pipeline_add_zone(dh_pipeline_t *pl, const char *zone, const char *where, char *err,
                         size_t errlen);

/* ---- stream.c ---- */

/* A record held by --max-future is kept as if the next record had confirmed
   it: at the end of the input, and on a live input that went quiet (the
   idle rule of clock.c), where the next record may be hours away. */
void dh_stream_keep_ahead(dh_stream_t *s);

/* ---- clock.c ---- */

/* An event of time ts was handled (inputs read one after another). */
void dh_clock_advance(dh_pipeline_t *pl, int64_t ts);

/* The transaction callback of a stream (ctx): its clock, replay epochs,
   then dh_pipeline_on_event. */
void dh_clock_stream_event(void *ctx, const dh_event_t *ev);

/* --max-future: records the event time of a parsed record and says whether
   it is too far ahead of the recent ones (held until the next record
   confirms or refutes it: stream.c). */
bool dh_clock_is_future(dh_stream_t *s, int64_t ts);

/* Live inputs: true when ts is more than a day after the real-time clock
   (a malformed record); always false in a replay. */
bool dh_clock_beyond_wall(dh_pipeline_t *pl, int64_t ts);

/* Concurrent mode: recompute the watermark from the active streams. */
void dh_clock_advance_concurrent(dh_pipeline_t *pl);

/* ---- dethost.c ---- */

/* Before anything else: where detectors emit. */
void dh_dethost_init(dh_pipeline_t *pl);

/* State, history, noise control, alert suppression and the detectors
   (--emit detections). 0, or -1 with err. */
int dh_dethost_setup(dh_pipeline_t *pl, char *err, size_t errlen);

/* One normalized event (its registered domain set) through noise control,
   the history and every detector. ev is the caller's copy: its answer
   addresses are filled in. */
void dh_dethost_event(dh_pipeline_t *pl, dh_event_t *ev);

/* End of input: close every window, flush detectors and alerts, commit the
   history (a failed commit counts as an output error). */
void dh_dethost_finish(dh_pipeline_t *pl);

/* The oldest event time an open window, alert or detector still holds;
   INT64_MAX when none (or no detection). */
int64_t dh_dethost_oldest_open(const dh_pipeline_t *pl);

/* Frees everything dh_dethost_setup made. */
void dh_dethost_free(dh_pipeline_t *pl);

#endif
