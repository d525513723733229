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
 *   open(target, err)         Returns the sink state or NULL with err filled.
 *   write(st, line, len, key) One complete line (with its '\n'); key is the
 *                             partitioning key (client or domain), may be
 *                             NULL. Returns 0, or -1 on a write error.
 *   close(st)                 Flush and free. Returns 0, or -1 if buffered
 *                             output could not be written.
 */
#ifndef DH_SINK_H
#define DH_SINK_H

#include <stddef.h>

typedef struct dh_sink_type {
    const char *name;
    const char *prefix; /* "kafka:"; NULL for the file sink */
    void *(*open)(const char *target, char *err, size_t errlen);
    int (*write)(void *state, const char *line, size_t len, const char *key);
    int (*close)(void *state);
} dh_sink_type_t;

extern const dh_sink_type_t *const dh_sinks[];

/* The sink type for a target. */
const dh_sink_type_t *dh_sink_for(const char *target);

#endif
