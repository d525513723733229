/*
 * options.h - the settings of one run, filled from defaults, the run
 * configuration file (config.c) and the command line (main.c), read by the
 * pipeline, its sources and sinks.
 */
#ifndef DH_OPTIONS_H
#define DH_OPTIONS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

typedef enum { DH_EMIT_DETECTIONS = 0, DH_EMIT_EVENTS = 1 } dh_emit_t;

typedef struct {
    const char *output;       /* sink target, "-" = stdout */
    dh_emit_t emit;
    const char *format;       /* forced parser name, NULL = sniff */
    const char *rules_dir;
    size_t max_line;          /* longer lines are malformed */
    int64_t txn_timeout_us;   /* unanswered request -> event after this (event time) */
    size_t max_pending;       /* bound on pending EVE transactions */
    int64_t lateness_us;      /* watermark = newest event time - lateness */
    unsigned max_reports;     /* malformed records reported per input */
    size_t max_state_bytes;   /* bound on all detector state (--max-state-mb) */
    const char *const *resolvers; /* extra known resolvers (addresses/CIDRs), NULL-terminated */
    /* Kafka (sources "kafka:TOPIC[,TOPIC]" and the sink "kafka:TOPIC") */
    const char *brokers;          /* bootstrap.servers */
    const char *group;            /* consumer group id */
    const char *const *kafka_props; /* "key=value" librdkafka properties, NULL-terminated */
    bool exit_at_end;             /* stop once every assigned partition reached its end */
    /* Zeek TSV topics whose rows come without their header: "TOPIC=ts uid
       id.orig_h ..." (field names as in #fields), NULL-terminated */
    const char *const *zeek_fields;
    /* Passive-DNS history (history.h) */
    const char *state_dir;    /* LMDB directory (--state-dir; the CLI's default is
                                 "dnshound-state"); NULL: this run only */
    bool no_state;            /* --no-state: a private history removed at exit */
    bool learn_only;          /* --learn-only: build the history, run no detector */
    int64_t history_expire_us; /* domains unseen this long leave the history */
    size_t history_max_bytes; /* bound on the history file (LMDB map size) */
    /* Set asynchronously (SIGHUP handler in main.c): reload the detectors'
       list files at the next record. NULL: no reloading. */
    volatile sig_atomic_t *reload_flag;
    FILE *log;                /* diagnostics (stderr) */
    dh_log_t *logger;         /* the levelled, rate-limited logger (log.h); NULL:
                                 stderr, unlimited */
} dh_options_t;

void dh_options_default(dh_options_t *o);

#endif
