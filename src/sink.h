/*
 * sink.h - where output lines go. Sinks only move bytes: every JSON line is
 * built by the serializers (detection.c, output-event.c) before it reaches
 * a sink.
 *
 * One file per sink in src/sinks/ defines `const dh_sink_type_t
 * dh_sink_NAME`; one line SINK(NAME) in src/sinks/sinks.def registers it. An
 * output target "PREFIX:rest" goes to the sink whose `prefix` matches
 * ("kafka:" ...); any other target is a file path handled by the sink with a
 * NULL prefix.
 *
 *   open(target, opts, log, err, errlen)
 *                             Returns the sink state or NULL with err filled.
 *                             opts: the sink type's own options, the struct
 *                             its `options` table (options-map.h) is bound
 *                             to (the Kafka sink: dh_kafka_options_t, the
 *                             connection it shares with the Kafka source);
 *                             NULL when the type has no table (the file
 *                             sink). log: the run's logger (NULL: stderr).
 *                             Both borrowed, valid for the sink's life.
 *   write(st, line, len, key) One complete line (with its '\n'); key is the
 *                             partitioning key (client address, else the
 *                             registered domain), may be NULL. Returns 0, or
 *                             -1 when the line could not be queued.
 *   flush(st, timeout_ms)     Wait until every line written so far is
 *                             durably delivered (Kafka: delivery reports).
 *                             0 when all were, -1 when some failed or the
 *                             time ran out. The pipeline calls it before it
 *                             commits input offsets (at-least-once).
 *   stats(st, out)            Optional (NULL): append the sink's counters
 *                             as JSON object members ("name":{...}) to out,
 *                             for --stats. Called before close.
 *   close(st)                 Flush and free. Returns 0, or -1 if some
 *                             output was never delivered.
 *
 * Threading: every callback is called from the pipeline's thread, one call
 * at a time. A sink with threads of its own (librdkafka's) takes its
 * delivery reports on that thread too (flush polls them), so its counters
 * need no locking; only the logger is shared with librdkafka's threads, and
 * it locks.
 */
#ifndef DH_SINK_H
#define DH_SINK_H

#include <stddef.h>

#include "log.h"
#include "optmap.h"
#include "util-json.h"

typedef struct dh_sink_type {
    const char *name;
    const char *description; /* one line for --list */
    const char *prefix; /* "kafka:"; NULL for the file sink */
    const dh_optmap_table_t *options; /* its own options' table; NULL: none */
    void *(*open)(const char *target, const void *opts, dh_log_t *log, char *err,
                  size_t errlen);
    int (*write)(void *state, const char *line, size_t len, const char *key);
    int (*flush)(void *state, int timeout_ms);
    void (*stats)(void *state, dh_strbuf_t *out);
    int (*close)(void *state);
} dh_sink_type_t;

extern const dh_sink_type_t *const dh_sinks[];

/* The sink type for a target. */
const dh_sink_type_t *dh_sink_for(const char *target);

#endif
