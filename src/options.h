/*
 * options.h - the settings of one run, filled from defaults, the run
 * configuration file (config.c) and the command line (main.c).
 *
 * One struct a component, as one option table a component (options-map.c
 * binds each table to its struct): a component is given its own struct
 * only (the sources and sinks through their type's `options` table, see
 * source.h and sink.h; the history; the Kafka client configuration). The
 * pipeline core keeps the whole dh_options_t.
 */
#ifndef DH_OPTIONS_H
#define DH_OPTIONS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "optmap.h"

typedef enum { DH_EMIT_DETECTIONS = 0, DH_EMIT_EVENTS = 1 } dh_emit_t;

/* --early-alerts: findings reported while their window is open. */
typedef enum { DH_EARLY_AUTO = 0, DH_EARLY_ON = 1, DH_EARLY_OFF = 2 } dh_early_t;

/* Table "sinks": where the output goes (the core picks the sink by it). */
typedef struct {
    const char *output;       /* sink target, "-" = stdout */
    bool append;              /* a file target is appended to, not truncated (--append;
                                 main.c sets it when a source is long_running) */
    int output_format;        /* dh_view_format_t (view.h): auto, json, text, table */
    int schema;               /* dh_schema_t (output-ocsf.h): JSON lines in ECS or OCSF */
    unsigned pivot_ids;       /* Zeek uids / flow_ids shown per detection (detection.h) */
} dh_sink_options_t;

/* Table "core": the pipeline's own settings. */
typedef struct {
    dh_emit_t emit;
    size_t max_state_bytes;   /* bound on all detector state (--max-state-mb) */
    int64_t lateness_us;      /* watermark = newest event time - lateness */
    int64_t max_future_us;    /* records this far ahead of the median of recent
                                 event times are dropped (0: off); clock.c */
    int64_t txn_timeout_us;   /* unanswered request -> event after this (event time) */
    size_t max_pending;       /* bound on pending EVE transactions */
    int64_t idle_flush_us;    /* live inputs: after this much wall time without a
                                 record the watermark follows the wall clock
                                 (0: never); see dh_pipeline_live_tick */
    dh_early_t early_alerts;  /* auto: on when the run is live (dethost.c) */
} dh_core_options_t;

/* Table "source.file": what every input obeys, whatever its source (the
   file and stdin sources have no other options; every source cuts its
   records at max_line; the core's streams read format and max_reports). */
typedef struct {
    const char *format;       /* forced parser name, NULL = sniff */
    size_t max_line;          /* longer lines are malformed */
    unsigned max_reports;     /* malformed records reported per input */
    /* An input with at least malformed_min_records records of which more
       than this share is malformed fails (stream.c), in millionths: the
       tables' real-number type stores micro-units (DH_OPT_DURATION) */
    int64_t max_malformed_millionths;
    unsigned malformed_min_records;
} dh_input_options_t;

/* Table "source.kafka": the Kafka source (input "kafka:TOPIC[,TOPIC]"), and
   the connection the Kafka sink ("kafka:TOPIC") shares with it: brokers and
   props are what kafka-conf.c applies to every client. */
typedef struct {
    const char *brokers;          /* bootstrap.servers */
    const char *group;            /* consumer group id */
    bool exit_at_end;             /* stop once every assigned partition reached its end */
    int64_t queue_full_us;        /* sink: how long a write waits for room in a full
                                     producer queue before the record is dropped */
    int64_t shutdown_us;          /* at a stop or the end: how long delivering the
                                     last output and committing may wait for the broker */
    /* Zeek TSV topics whose rows come without their header: "TOPIC=ts uid
       id.orig_h ..." (field names as in #fields), NULL-terminated */
    const char *const *zeek_fields;
    const char *const *props;     /* "key=value" librdkafka properties, NULL-terminated */
} dh_kafka_options_t;

/* Table "source.follow": file inputs followed as they grow, rotated and
   truncated (src/sources/source-follow.c). */
typedef struct {
    bool follow;              /* --follow / -F: every file input is followed */
    bool from_start;          /* --from-start: read from the start, ignoring the
                                 checkpoint */
    const char *checkpoint;   /* where the position is kept; NULL: main.c puts it
                                 in the state dir (none with --no-state) */
} dh_follow_options_t;

/* Table "history": the passive-DNS history (history.h). */
typedef struct {
    const char *state_dir;    /* LMDB directory (--state-dir; the CLI's default is
                                 "dnshound-state"); NULL: this run only */
    bool no_state;            /* --no-state: a private history removed at exit */
    bool learn_only;          /* --learn-only: build the history, run no detector */
    int64_t expire_us;        /* domains unseen this long leave the history */
    size_t max_bytes;         /* bound on the history file (LMDB map size) */
    bool recover;             /* --state-recover: move a damaged data.mdb aside, start afresh */
} dh_history_options_t;

/* Table "detectors": rules and noise control. */
typedef struct {
    const char *rules_dir;
    const char *const *resolvers; /* extra known resolvers (addresses/CIDRs), NULL-terminated */
    bool hunt;                    /* --hunt: retro hunt of the archive (new_domain) */
    /* internal zones (regdom.h) added to noise.yaml's: the config file's
       internal_zones (NULL-terminated) and --internal-zone's */
    const char *const *internal_zones;
    dh_optlist_t internal_zone_args;
} dh_detect_options_t;

typedef struct {
    dh_sink_options_t sink;
    dh_core_options_t core;
    dh_input_options_t input;
    dh_kafka_options_t kafka;
    dh_history_options_t history;
    dh_detect_options_t detect;
    dh_follow_options_t follow;
    /* Not options of a table: what the process hands the run. */
    /* Set asynchronously (SIGHUP handler in main.c): reload the detectors'
       list files at the next record. NULL: no reloading. */
    volatile sig_atomic_t *reload_flag;
    FILE *log;                /* diagnostics (stderr) */
    dh_log_t *logger;         /* the levelled, rate-limited logger (log.h); NULL:
                                 stderr, unlimited */
} dh_options_t;

void dh_options_default(dh_options_t *o);

#endif
