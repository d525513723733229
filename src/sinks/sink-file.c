/*
 * sink-file.c - output to a file or stdout ("-"), whole lines only.
 *
 * Why not stdio: a FILE's buffer is written out when it is full, wherever
 * that cuts the current line, so a process killed (SIGKILL, OOM) between
 * two flushes leaves a partial JSON line at the end of the file, and a
 * reader (or a resumed run appending to the file) sees a broken record.
 * Here lines are collected in a buffer that only ever holds complete lines
 * and goes out with one write() per batch; short writes and EINTR are
 * completed by dh_write_all. A kill can then only cut the output between
 * two batches. Two cases remain where a batch can be cut: the disk fills
 * (the batch is then cut off again with ftruncate, so the file still ends
 * with a whole line, and the error is reported) and a SIGKILL arriving
 * while the kernel copies a batch that spans pages (Linux may return a
 * short count between pages on a fatal signal); for the second, a run that
 * appends first drops a partial last line it finds (repair_tail), so a
 * resumed output never carries one forward.
 *
 * Durability: a flush that waits (timeout > 0: before a follow checkpoint
 * or a Kafka commit) and the close also fsync a file target, so what was
 * flushed survives a crash of the machine too; stdout is not fsynced (a pipe
 * or a terminal cannot be). A flush that does not wait (timeout 0: a live
 * run pushes each detection out at once, and flushes at each tick) writes,
 * and fsyncs at most once a second: an fsync per detection line made a
 * burst of early alerts cost one disk flush each.
 *
 * Truncate or append: a fresh replay truncates the file, as before. A run
 * that resumes (a long-running source such as Kafka, whose restart goes on
 * from committed offsets, or --append) opens it with O_APPEND, so the
 * detections an earlier run wrote stay (dh_sink_options_t.append, set by
 * main.c).
 */
#include "sink-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../options.h"
#include "../options-map.h"
#include "../pipeline.h" /* dh_wall_now_us */
#include "../sink.h"
#include "../util-json.h"
#include "../util-mem.h"

/* A batch goes out when the buffer reaches this size. */
#define BATCH_BYTES (64 * 1024)
#define SYNC_EVERY_MS 1000 /* fsyncs of flushes that do not wait, at most */

typedef struct {
    int fd;
    bool is_stdout;
    bool regular;    /* a regular file: a failed batch can be cut off again */
    dh_log_t *log;   /* borrowed */
    char *target;
    bool failed;     /* a write failed: later flushes and close report it */
    dh_strbuf_t buf; /* complete lines not yet written */
    bool unsynced;   /* written since the last fsync */
    int64_t synced_ms; /* monotonic time of the last fsync (0: none yet) */
    uint64_t fsyncs; /* --stats output_file.fsyncs */
} file_sink_t;

int dh_write_all(int fd, const char *buf, size_t len, dh_write_fn_t wr)
{
    while (len > 0) {
        ssize_t n = wr(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) { /* no progress and no error: treat as full */
            errno = ENOSPC;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int open_target(const char *target, bool append)
{
    /* appending reads the file's tail first (repair_tail) */
    int flags = O_CREAT | O_CLOEXEC | (append ? O_RDWR | O_APPEND : O_WRONLY | O_TRUNC);
    return open(target, flags, 0666);
}

/* The offset just after the last '\n' of the file (0: none), scanning
   back from its end a block at a time. -1 when it cannot be read. */
static off_t last_line_end(int fd, off_t size)
{
    char block[4096];
    off_t end = size;
    while (end > 0) {
        size_t n = end < (off_t)sizeof(block) ? (size_t)end : sizeof(block);
        if (pread(fd, block, n, end - (off_t)n) != (ssize_t)n)
            return -1;
        for (size_t i = n; i > 0; i--)
            if (block[i - 1] == '\n')
                return end - (off_t)n + (off_t)i;
        end -= (off_t)n;
    }
    return 0;
}

/* Before appending: a partial last line (a run killed while its last batch
   was being written) is dropped, so the file goes on with whole lines. */
static int repair_tail(int fd, const char *target, dh_log_t *log)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return 0;
    off_t keep = last_line_end(fd, st.st_size);
    if (keep < 0)
        return -1;
    if (keep == st.st_size)
        return 0;
    if (ftruncate(fd, keep) != 0)
        return -1;
    dh_log(log, DH_LOG_WARN, "sink", "file", "%s: dropped a partial last line of %lld bytes "
           "(an earlier run was cut short while writing it)", target,
           (long long)(st.st_size - keep));
    return 0;
}

static void *file_open(const char *target, const void *opts, dh_log_t *log, char *err,
                       size_t errlen)
{
    const dh_sink_options_t *o = opts;
    file_sink_t *s = dh_calloc(1, sizeof(*s));
    dh_sb_init(&s->buf);
    s->log = log;
    if (strcmp(target, "-") == 0) {
        s->fd = STDOUT_FILENO;
        s->is_stdout = true;
        return s;
    }
    bool append = o && o->append;
    s->fd = open_target(target, append);
    if (s->fd < 0 || (append && repair_tail(s->fd, target, log) != 0)) {
        snprintf(err, errlen, "%s: %s", target, strerror(errno));
        if (s->fd >= 0)
            close(s->fd);
        dh_sb_free(&s->buf);
        free(s);
        return NULL;
    }
    struct stat st;
    s->regular = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
    s->target = dh_strdup(target);
    return s;
}

/* Everything buffered out in one write (completed when short). When it
   fails part way (a full disk), a regular file is cut back to where the
   batch began, so it still ends with a whole line. */
static int write_batch(file_sink_t *s)
{
    if (s->buf.len == 0)
        return s->failed ? -1 : 0;
    struct stat st;
    bool know_size = s->regular && fstat(s->fd, &st) == 0;
    s->unsynced = true;
    if (dh_write_all(s->fd, s->buf.buf, s->buf.len, write) != 0) {
        s->failed = true;
        if (know_size && ftruncate(s->fd, st.st_size) != 0)
            dh_log(s->log, DH_LOG_WARN, "sink", "file", "%s: could not cut off a failed write: "
                   "the last line may be partial (%s)", s->target, strerror(errno));
    }
    dh_sb_reset(&s->buf);
    return s->failed ? -1 : 0;
}

static int file_write(void *state, const char *line, size_t len, const char *key)
{
    (void)key;
    file_sink_t *s = state;
    dh_sb_put(&s->buf, line, len);
    if (s->buf.len >= BATCH_BYTES)
        return write_batch(s);
    return s->failed ? -1 : 0;
}

/* fsync a file; what cannot be synced (a pipe, a character device given
   as -o /dev/stdout) has nothing to make durable. */
static int sync_target(const file_sink_t *s)
{
    if (s->is_stdout || fsync(s->fd) == 0)
        return 0;
    return errno == EINVAL || errno == EROFS || errno == ENOTSUP ? 0 : -1;
}

/* Write what is buffered; fsync what was written since the last fsync when
   durable is set, or when the last one is a second old. */
static int flush_lines(file_sink_t *s, bool durable)
{
    if (write_batch(s) != 0)
        return -1;
    if (!s->unsynced || s->is_stdout)
        return s->failed ? -1 : 0;
    int64_t now = dh_wall_now_us() / 1000;
    if (!durable && s->synced_ms && now - s->synced_ms < SYNC_EVERY_MS)
        return s->failed ? -1 : 0;
    s->unsynced = false;
    s->synced_ms = now;
    s->fsyncs++;
    if (sync_target(s) != 0)
        s->failed = true;
    return s->failed ? -1 : 0;
}

static int file_flush(void *state, int timeout_ms)
{
    return flush_lines(state, timeout_ms > 0);
}

static void file_stats(void *state, dh_strbuf_t *out)
{
    const file_sink_t *s = state;
    dh_json_open_obj(out, "output_file");
    dh_json_kv_uint(out, "fsyncs", s->fsyncs);
    dh_sb_putc(out, '}');
}

static int file_close(void *state)
{
    file_sink_t *s = state;
    if (!s)
        return 0;
    int rc = flush_lines(s, true);
    if (!s->is_stdout && close(s->fd) != 0)
        rc = -1;
    dh_sb_free(&s->buf);
    free(s->target);
    free(s);
    return rc;
}

const dh_sink_type_t dh_sink_file = {
    .name = "file",
    .description = "-o PATH or '-' (standard output): JSON lines, whole lines only, fsynced before a checkpoint",
    .prefix = NULL,
    .options = &dh_opts_sinks,
    .open = file_open,
    .write = file_write,
    .flush = file_flush,
    .stats = file_stats,
    .close = file_close,
};
