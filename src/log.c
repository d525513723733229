/*
 * log.c - see log.h.
 */
#include "log.h"

#include <string.h>

#define DH_LOG_BURST 20
#define DH_LOG_EVERY 1000

static const char *const level_names[] = {"error: ", "warning: ", "", "debug: "};

void dh_log_init(dh_log_t *lg, FILE *out)
{
    memset(lg, 0, sizeof(*lg));
    lg->out = out ? out : stderr;
    lg->level = DH_LOG_INFO;
    lg->burst = DH_LOG_BURST;
    pthread_mutex_init(&lg->lock, NULL);
}

/* The rate-limit slot of a key; the last slot is shared by every key once
   the table is full, so the limit still holds. */
static dh_log_key_t *key_slot(dh_log_t *lg, const char *key)
{
    for (size_t i = 0; i < DH_LOG_KEYS; i++) {
        dh_log_key_t *k = &lg->keys[i];
        if (k->key[0] == '\0') {
            snprintf(k->key, sizeof(k->key), "%s", key);
            return k;
        }
        if (strcmp(k->key, key) == 0)
            return k;
    }
    return &lg->keys[DH_LOG_KEYS - 1];
}

/* dh_logv with the logger's lock held (or no logger). */
static void log_locked(dh_log_t *lg, dh_log_level_t level, const char *kind,
                       const char *name, const char *fmt, va_list ap)
{
    FILE *out = lg ? lg->out : stderr;
    if (lg && level > lg->level)
        return;
    uint64_t held = 0;
    if (lg) {
        char key[48];
        snprintf(key, sizeof(key), "%d:%s:%s", (int)level, kind, name ? name : "");
        dh_log_key_t *k = key_slot(lg, key);
        k->count++;
        if (k->count > lg->burst) {
            if ((k->count - lg->burst) % DH_LOG_EVERY != 0) {
                lg->suppressed++;
                return;
            }
            held = DH_LOG_EVERY - 1;
        }
    }
    if (name)
        fprintf(out, "dnshound: [%s:%s] %s", kind, name, level_names[level]);
    else
        fprintf(out, "dnshound: [%s] %s", kind, level_names[level]);
    vfprintf(out, fmt, ap);
    if (held)
        fprintf(out, " (%llu like it not shown)", (unsigned long long)held);
    fputc('\n', out);
}

void dh_logv(dh_log_t *lg, dh_log_level_t level, const char *kind, const char *name,
             const char *fmt, va_list ap)
{
    if (lg)
        pthread_mutex_lock(&lg->lock);
    log_locked(lg, level, kind, name, fmt, ap);
    if (lg)
        pthread_mutex_unlock(&lg->lock);
}

void dh_log(dh_log_t *lg, dh_log_level_t level, const char *kind, const char *name,
            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dh_logv(lg, level, kind, name, fmt, ap);
    va_end(ap);
}

void dh_log_close(dh_log_t *lg)
{
    if (!lg)
        return;
    pthread_mutex_lock(&lg->lock);
    if (lg->suppressed)
        fprintf(lg->out, "dnshound: [log] %llu messages held back by the rate limit\n",
                (unsigned long long)lg->suppressed);
    pthread_mutex_unlock(&lg->lock);
}
