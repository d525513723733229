/*
 * log.h - the one levelled logger for diagnostics.
 *
 * Every diagnostic dnshound writes (not the records it reports as malformed,
 * which keep their "FILE:LINE: reason" form) goes through dh_log with the
 * component that speaks as "[kind:name]" ("[detector:threat_intel]",
 * "[source:kafka]", "[history]"), so an operator can grep one subsystem.
 *
 * Why a count-based rate limit and not a time-based one: the same input must
 * give the same stderr on every run (tests compare it), and a broker down
 * for an hour must not write a million lines. Each (kind, name, level) key
 * writes its first `burst` messages, then one in every 1,000 with the number
 * suppressed in between; dh_log_close says how many were suppressed.
 *
 * Ownership: the logger belongs to whoever made it (main.c for a run, a test
 * for its own); components borrow it through their options. It holds no
 * global state: two pipelines in one process have two loggers.
 *
 * Threading: dh_log may be called from any thread (librdkafka logs from its
 * own threads, kafka-conf.c): a mutex in the logger guards the rate-limit
 * table and keeps each line whole.
 */
#ifndef DH_LOG_H
#define DH_LOG_H

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    DH_LOG_ERROR = 0,
    DH_LOG_WARN = 1,
    DH_LOG_INFO = 2,
    DH_LOG_DEBUG = 3,
} dh_log_level_t;

#define DH_LOG_KEYS 64

typedef struct {
    char key[48];
    uint64_t count;
} dh_log_key_t;

typedef struct dh_log {
    FILE *out;             /* borrowed; stderr for a run */
    dh_log_level_t level;  /* messages above it are not written */
    unsigned burst;        /* messages per key before rate limiting */
    dh_log_key_t keys[DH_LOG_KEYS];
    uint64_t suppressed;
    pthread_mutex_t lock; /* keys, suppressed and the output line */
} dh_log_t;

/* A logger writing to out (stderr when NULL) at level INFO. */
void dh_log_init(dh_log_t *lg, FILE *out);

/* "dnshound: [kind:name] message\n" (name may be NULL: "[kind]"). lg may be
   NULL: the message goes to stderr, unlimited (for code that runs before a
   logger exists). */
void dh_log(dh_log_t *lg, dh_log_level_t level, const char *kind, const char *name,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void dh_logv(dh_log_t *lg, dh_log_level_t level, const char *kind, const char *name,
             const char *fmt, va_list ap);

/* Says how many messages the rate limit held back, if any. */
void dh_log_close(dh_log_t *lg);

#endif
