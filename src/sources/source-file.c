/*
 * source-file.c - buffered line reader over zlib's gzFile (see the header for
 * why gzip is handled this way and how long lines are bounded).
 */
#include "source-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../util-mem.h"

#define READ_CHUNK (256 * 1024)

struct dh_file_reader {
    gzFile gz;
    char *buf;
    size_t cap;   /* max_line + READ_CHUNK */
    size_t start; /* first unread byte */
    size_t end;   /* one past the last valid byte */
    size_t max_line;
    bool eof;
    bool failed;
    bool discarding; /* skipping the rest of an over-long line */
    bool is_gzip;
    uint64_t line_no;
    char errmsg[160];
};

dh_file_reader_t *dh_file_reader_open(const char *path, size_t max_line, char *err, size_t errlen)
{
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        snprintf(err, errlen, "cannot open: out of memory");
        return NULL;
    }
    gzbuffer(gz, READ_CHUNK);
    dh_file_reader_t *r = dh_calloc(1, sizeof(*r));
    r->gz = gz;
    r->max_line = max_line;
    r->cap = max_line + READ_CHUNK;
    r->buf = dh_malloc(r->cap);
    return r;
}

/* Move unread bytes to the front and read more. false at EOF or error. */
static bool refill(dh_file_reader_t *r)
{
    if (r->eof)
        return false;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t room = r->cap - r->end;
    if (room == 0)
        return false;
    int n = gzread(r->gz, r->buf + r->end, (unsigned)(room > INT32_MAX ? INT32_MAX : room));
    if (r->line_no == 0 && r->end == 0 && n > 0)
        r->is_gzip = gzdirect(r->gz) == 0;
    if (n > 0) {
        r->end += (size_t)n;
        return true;
    }
    r->eof = true;
    int zerr = Z_OK;
    const char *msg = gzerror(r->gz, &zerr);
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
        r->failed = true;
        if (zerr == Z_BUF_ERROR)
            snprintf(r->errmsg, sizeof(r->errmsg), "gzip stream truncated (unexpected end of file)");
        else if (zerr == Z_ERRNO)
            snprintf(r->errmsg, sizeof(r->errmsg), "read error: %s", strerror(errno));
        else
            snprintf(r->errmsg, sizeof(r->errmsg), "gzip error: %s", msg ? msg : "unknown");
    }
    return false;
}

/* Skip to just past the next newline; true when found. */
static bool skip_rest_of_line(dh_file_reader_t *r)
{
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl) {
            r->start = (size_t)(nl - r->buf) + 1;
            return true;
        }
        r->start = r->end;
        if (!refill(r))
            return false;
    }
}

dh_read_t dh_file_reader_next(dh_file_reader_t *r, const char **line, size_t *len)
{
    if (r->discarding) {
        r->discarding = false;
        if (!skip_rest_of_line(r))
            return r->failed ? DH_READ_ERROR : DH_READ_EOF;
    }
    for (;;) {
        size_t avail = r->end - r->start;
        char *p = r->buf + r->start;
        char *nl = memchr(p, '\n', avail < r->max_line + 1 ? avail : r->max_line + 1);
        if (nl) {
            *line = p;
            *len = (size_t)(nl - p);
            r->start += *len + 1;
            r->line_no++;
            return DH_READ_LINE;
        }
        if (avail > r->max_line) {
            *line = p;
            *len = r->max_line;
            r->start += r->max_line;
            r->line_no++;
            r->discarding = true;
            return DH_READ_TOO_LONG;
        }
        if (!refill(r)) {
            if (r->end > r->start) { /* last line without a final newline */
                *line = r->buf + r->start;
                *len = r->end - r->start;
                r->start = r->end;
                r->line_no++;
                return DH_READ_LINE;
            }
            return r->failed ? DH_READ_ERROR : DH_READ_EOF;
        }
    }
}

uint64_t dh_file_reader_line_no(const dh_file_reader_t *r)
{
    return r->line_no;
}

const char *dh_file_reader_errmsg(const dh_file_reader_t *r)
{
    return r->errmsg;
}

int dh_file_reader_is_gzip(const dh_file_reader_t *r)
{
    return r->is_gzip;
}

void dh_file_reader_close(dh_file_reader_t *r)
{
    if (!r)
        return;
    gzclose_r(r->gz);
    free(r->buf);
    free(r);
}
