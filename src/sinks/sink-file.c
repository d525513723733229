/*
 * sink-file.c - output to a file or stdout ("-"), through stdio buffering.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../sink.h"
#include "../util-mem.h"

typedef struct {
    FILE *f;
    int is_stdout;
} file_sink_t;

static void *file_open(const char *target, const void *opts, dh_log_t *log, char *err,
                       size_t errlen)
{
    (void)opts, (void)log;
    file_sink_t *s = dh_calloc(1, sizeof(*s));
    if (strcmp(target, "-") == 0) {
        s->f = stdout;
        s->is_stdout = 1;
    } else {
        s->f = fopen(target, "w");
        if (!s->f) {
            snprintf(err, errlen, "%s: %s", target, strerror(errno));
            free(s);
            return NULL;
        }
    }
    return s;
}

static int file_write(void *state, const char *line, size_t len, const char *key)
{
    (void)key;
    file_sink_t *s = state;
    return fwrite(line, 1, len, s->f) == len ? 0 : -1;
}

static int file_flush(void *state, int timeout_ms)
{
    (void)timeout_ms;
    file_sink_t *s = state;
    return fflush(s->f) == 0 && !ferror(s->f) ? 0 : -1;
}

static int file_close(void *state)
{
    file_sink_t *s = state;
    if (!s)
        return 0;
    int rc = fflush(s->f) == 0 && !ferror(s->f) ? 0 : -1;
    if (!s->is_stdout && fclose(s->f) != 0)
        rc = -1;
    free(s);
    return rc;
}

const dh_sink_type_t dh_sink_file = {
    .name = "file",
    .prefix = NULL,
    .open = file_open,
    .write = file_write,
    .flush = file_flush,
    .close = file_close,
};
