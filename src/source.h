/*
 * source.h - where input records come from: the interface every source
 * implements.
 *
 * One file per source in src/sources/ defines `const dh_source_type_t
 * dh_source_NAME`; one line SOURCE(NAME) in src/sources/sources.def registers
 * it (a forgotten definition is a link error). main.c knows no source by
 * name: it asks dh_source_for() which type claims each input spec given on
 * the command line or in the configuration, then drives it through the
 * callbacks below. Sources only read: each turns what it reads into lines
 * handed to pipeline streams (dh_stream_open/line/close, pipeline.h), so the
 * format sniffing, the parsers and everything after them are the same for
 * every source.
 *
 * Type and instance: the type (const, static) describes a kind of input;
 * each input spec gets its own instance, the state open() returns.
 *
 * Threading: every callback is called from the main thread, one source
 * instance at a time, in the order the inputs were given. A source that
 * uses threads of its own (librdkafka does) must hand lines to its streams
 * from the thread that called run().
 *
 * Stopping: a long-running source (a Kafka consumer, a followed file) runs
 * until its input ends or it is asked to stop. A stop request is a flag in
 * the dh_source_ctl_t the source got at open(), set from a signal handler
 * (async-signal-safe, see dh_source_request_stop) or by a test. The source
 * checks the flags between records and after every blocking call that a
 * signal interrupts (a poll with a short timeout, a read() that returns
 * EINTR). There is no stop callback: all a signal handler could safely do
 * in one is set a flag.
 *
 *   claims(spec)          Optional. true when the input spec is this
 *                         source's ("kafka:TOPIC", "-"). Must not keep
 *                         state. The type whose claims is NULL takes every
 *                         spec no other type claims (file paths).
 *   open(spec, a, err, errlen)
 *                         A new instance for one input spec. a (the
 *                         pipeline, the stop control, the logger, the
 *                         input options every source obeys and the type's
 *                         own options, see dh_source_args_t), everything it
 *                         points to and spec are borrowed and outlive the
 *                         instance. A source gets no other options.
 *                         Returns the state, or NULL with err filled when
 *                         the source cannot start at all (bad spec, missing
 *                         settings: main reports err and the run ends
 *                         without closing windows). An input that cannot be
 *                         read (a missing file) is not an open failure:
 *                         run() reports it through its stream, and the
 *                         other inputs are still read.
 *   run(state, end)       Read the input: open streams on pl, feed them,
 *                         close them. Blocks until the input ends, the ctl
 *                         asks for a stop, or a fatal error. Sets *end to
 *                         DH_SOURCE_END_OF_INPUT when everything there was
 *                         to read was read (main then closes every window
 *                         once the last input is done; a source may already
 *                         have done it itself with dh_pipeline_finish, which
 *                         is idempotent), or DH_SOURCE_STOPPED when it
 *                         stopped before the end (its windows stay open for
 *                         a resume from committed offsets: main only
 *                         delivers the output). Returns 0, or -1 when the
 *                         input failed or was cut short (reported on the
 *                         log; exit status 1).
 *   close(state)          Leave (consumer group), release and free the
 *                         instance. Streams it opened must be closed by
 *                         now. NULL is allowed. Cannot fail.
 *
 * Options: a type's `options` names the option table (options-map.h) of
 * its own settings; open() gets the struct that table is bound to (for
 * dh_opts_source_kafka a dh_kafka_options_t) as a->opts, NULL when the type
 * has no table. Every source also gets the input options (a->input:
 * --max-line and the other settings of table source.file).
 *
 * Flags of a type: `alone` (non-NULL) says the input must be the only one
 * of the run, and is the hint given when it is not; `long_running` says the
 * source runs until stopped, so main routes SIGUSR1 (finish) to its ctl
 * while it runs. SIGINT/SIGTERM (stop) reach every source's ctl: the file
 * and stdin sources treat a stop as the end of their input (they set
 * DH_SOURCE_END_OF_INPUT, so every window closes and every finding of what
 * was read is written), and main reads no further input after a stop.
 *
 * Live inputs: a source whose input arrives over time (a pipe, a FIFO, a
 * followed file, Kafka) calls dh_pipeline_set_live before its first line and
 * dh_pipeline_live_tick while it waits (pipeline.h); a file replay never
 * does either.
 */
#ifndef DH_SOURCE_H
#define DH_SOURCE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "optmap.h"
#include "options.h"
#include "pipeline.h"
#include "util-json.h"

/* Requests to a running source. Written asynchronously (signal handlers),
   read by the source between records. Owned by whoever runs the sources. */
typedef struct dh_source_ctl {
    volatile sig_atomic_t stop;   /* stop reading; deliver and commit what is safe */
    volatile sig_atomic_t finish; /* end the input now, as if it had reached its end:
                                     every window closes, everything read counts */
} dh_source_ctl_t;

typedef enum {
    DH_SOURCE_END_OF_INPUT = 0, /* read to its end (or told to finish) */
    DH_SOURCE_STOPPED = 1,      /* stopped before its end: keep the windows */
} dh_source_end_t;

/* What open() gets besides the spec; all borrowed, outliving the instance. */
typedef struct {
    dh_pipeline_t *pl;               /* where the lines go (streams) */
    dh_source_ctl_t *ctl;            /* stop and finish requests */
    dh_log_t *logger;                /* "[source:NAME]" lines; NULL: stderr */
    const dh_input_options_t *input; /* what every input obeys (max_line) */
    const void *opts;                /* the type's own options: the struct its
                                        `options` table is bound to; NULL without */
} dh_source_args_t;

typedef struct dh_source_type {
    const char *name;        /* "file", "stdin", "kafka" */
    const char *description; /* one line for --help and docs */
    const char *alone;       /* non-NULL: must be the only input; the hint why */
    bool long_running;       /* runs until stopped: gets the stop signals */
    const dh_optmap_table_t *options; /* its own options' table; NULL: none */
    bool (*claims)(const char *spec);
    void *(*open)(const char *spec, const dh_source_args_t *a, char *err, size_t errlen);
    int (*run)(void *state, dh_source_end_t *end);
    void (*close)(void *state);
} dh_source_type_t;

/* The registry: every source in sources.def, NULL-terminated. */
extern const dh_source_type_t *const dh_sources[];

/* The source type for an input spec: the first whose claims() says yes,
   else the one without claims(). NULL only when the registry has none. */
const dh_source_type_t *dh_source_for(const char *spec);

/* Async-signal-safe requests (SIGINT/SIGTERM and SIGUSR1). */
void dh_source_request_stop(dh_source_ctl_t *ctl);
void dh_source_request_finish(dh_source_ctl_t *ctl);

/* true when a stop or a finish was asked, so reading ends (a source tells
   the two apart afterwards, for *end); a NULL ctl asks neither. */
bool dh_source_stop_requested(const dh_source_ctl_t *ctl);

/* Append "key":{...} to the run's --stats (dh_pipeline_add_stats): path as
   "path" first when not NULL, then the n counters of table c read from the
   source's struct at base (util-json.h). */
void dh_source_add_stats(dh_pipeline_t *pl, const char *key, const char *path, const void *base,
                         const dh_json_counter_t *c, size_t n);

/* Open, run and close one input, giving the type its own options out of o
   (borrowed). 0, or -1 when it failed (reported on the log); *end as run()
   sets it (DH_SOURCE_STOPPED when open failed). */
int dh_source_read(const dh_source_type_t *t, const char *spec, dh_pipeline_t *pl,
                   const dh_options_t *o, dh_source_ctl_t *ctl, dh_source_end_t *end);

#endif
