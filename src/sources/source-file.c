/*
 * source-file.c - the file source: a path (plain or gzip, recognised by the
 * reader) read to its end through one pipeline stream. Lines are handed to
 * the stream with their numbers, so malformed records are reported as
 * PATH:LINE; a read error or a truncated gzip member ends the stream with
 * that error after every line that could be read.
 *
 * Live inputs (a pipe, a FIFO, a socket, a terminal: dh_file_reader_is_live)
 * are read as a live run: the pipeline is told so before the first line,
 * and every read waits in poll() with a timeout of at most a second, ticking
 * the pipeline (dh_pipeline_live_tick) when no data is there and each second
 * while it waits, so findings are flushed as they close and the idle rule
 * (--idle-flush) can close windows when the producer goes quiet. A regular
 * file is a replay: no poll, no tick, no wall clock, output byte-identical
 * to any other replay of it.
 *
 * A stop request (SIGINT/SIGTERM, a->ctl->stop) is seen between lines and
 * while waiting; these sources then end their input as if it had reached
 * its end (DH_SOURCE_END_OF_INPUT), so main closes every window and writes
 * every finding of what was read. A line being received when the stop came
 * (no newline yet) is dropped.
 *
 * With --follow (the source.follow table, this type's options) a file path
 * is followed instead (source-follow.c): a live input that runs until
 * stopped, whose stop is DH_SOURCE_STOPPED (windows kept for the resume
 * from its checkpoint, as Kafka's).
 */
#include "source-file.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "reader.h"
#include "source-follow.h"
#include "../options-map.h"
#include "../util-mem.h"

/* ---- the file source (source.h) ------------------------------------------ */

/* Ticks at least this often while a live input waits or streams. */
#define TICK_US 1000000

/* What the wait callback of a live input needs (reader.h). */
typedef struct {
    dh_pipeline_t *pl;
    const dh_source_ctl_t *ctl; /* NULL: nobody can ask for a stop */
    int64_t last_tick_us;
} live_wait_t;

static void tick(live_wait_t *w, int64_t now_us)
{
    dh_pipeline_live_tick(w->pl, now_us);
    w->last_tick_us = now_us;
}

/* Before each read() of a live input: 1 when fd is readable (or at its end,
   or failed: the read tells), 0 on a stop request. Ticks when no data is
   there, before waiting, then after every second of waiting; when data keep
   coming, still once a second, so the output is flushed. */
static int live_wait(void *arg, int fd)
{
    live_wait_t *w = arg;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int timeout_ms = 0;
    for (;;) {
        if (dh_source_stop_requested(w->ctl))
            return 0;
        pfd.revents = 0;
        int n = poll(&pfd, 1, timeout_ms);
        int64_t now = dh_wall_now_us();
        if (n > 0) {
            if (now - w->last_tick_us >= TICK_US)
                tick(w, now);
            return 1;
        }
        if (n < 0 && errno != EINTR)
            return 1; /* cannot wait: let the read report it */
        if (n == 0 || now - w->last_tick_us >= TICK_US)
            tick(w, now); /* nothing there: out with what is ready */
        timeout_ms = 1000;
    }
}

static int read_input(dh_pipeline_t *pl, const dh_source_ctl_t *ctl, const char *path,
                      const char *name, size_t max_line)
{
    char err[160];
    dh_file_reader_t *r = dh_file_reader_open(path, max_line, err, sizeof(err));
    dh_stream_t *s = dh_stream_open(pl, name);
    if (!r) {
        dh_stream_close(s, err);
        return -1;
    }
    live_wait_t w = {.pl = pl, .ctl = ctl, .last_tick_us = dh_wall_now_us()};
    if (dh_file_reader_is_live(r)) {
        dh_pipeline_set_live(pl, true);
        dh_file_reader_set_wait(r, live_wait, &w);
    }
    const char *line;
    size_t len;
    dh_read_t rc = DH_READ_EOF;
    while (!dh_source_stop_requested(ctl) &&
           ((rc = dh_file_reader_next(r, &line, &len)) == DH_READ_LINE || rc == DH_READ_TOO_LONG))
        dh_stream_line(s, dh_file_reader_line_no(r), line, len, rc == DH_READ_TOO_LONG);
    if (dh_source_stop_requested(ctl))
        rc = DH_READ_STOPPED;
    dh_stream_set_gzip(s, dh_file_reader_is_gzip(r));
    dh_stream_close(s, rc == DH_READ_ERROR ? dh_file_reader_errmsg(r) : NULL);
    dh_file_reader_close(r);
    return rc == DH_READ_ERROR ? -1 : 0;
}

int dh_file_source_read(dh_pipeline_t *pl, const dh_source_ctl_t *ctl, const char *path,
                        const char *name, size_t max_line)
{
    return read_input(pl, ctl, path, name, max_line);
}

/* An instance is the path it reads: the file is opened by run(), so that
   one that cannot be opened is reported as that input's error. */
typedef struct {
    dh_pipeline_t *pl;
    const dh_source_ctl_t *ctl;
    const char *path, *name; /* borrowed */
    size_t max_line;
    void *follow; /* --follow: the followed file's instance (source-follow.h) */
} file_source_t;

void *dh_file_source_new(const dh_source_args_t *a, const char *path, const char *name)
{
    file_source_t *f = dh_calloc(1, sizeof(*f));
    f->pl = a->pl;
    f->ctl = a->ctl;
    f->path = path;
    f->name = name;
    f->max_line = a->input->max_line;
    return f;
}

int dh_file_source_run(void *state, dh_source_end_t *end)
{
    file_source_t *f = state;
    if (f->follow)
        return dh_follow_source_run(f->follow, end);
    *end = DH_SOURCE_END_OF_INPUT; /* a stop, too: see the top of the file */
    return read_input(f->pl, f->ctl, f->path, f->name, f->max_line);
}

void dh_file_source_close(void *state)
{
    file_source_t *f = state;
    if (f)
        dh_follow_source_close(f->follow);
    free(f);
}

/* With --follow (a->opts: the source.follow table's options) the path is
   followed as it grows (source-follow.c); a mode of this source because
   claims() sees only the spec. */
static void *file_open(const char *spec, const dh_source_args_t *a, char *err, size_t errlen)
{
    file_source_t *f = dh_file_source_new(a, spec, spec);
    const dh_follow_options_t *fo = a->opts;
    if (fo && fo->follow && !(f->follow = dh_follow_source_new(a, fo, spec, err, errlen))) {
        free(f);
        return NULL;
    }
    return f;
}

const dh_source_type_t dh_source_file = {
    .name = "file",
    .description = "a file path, plain or gzip (any input no other source claims)",
    .options = &dh_opts_source_follow,
    .claims = NULL,
    .open = file_open,
    .run = dh_file_source_run,
    .close = dh_file_source_close,
};
