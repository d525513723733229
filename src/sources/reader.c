/*
 * reader.c - the line reader every byte-stream source uses: buffered, over
 * zlib's gzFile (see reader.h for why gzip is handled this way and how long
 * lines are bounded).
 *
 * Pipes, FIFOs and terminals (a live `tail -F | dnshound -`) are read
 * differently: gzread keeps reading until its request is full, so a slow
 * producer's lines would wait for 256 KiB before being seen. There each
 * read() returns what has arrived, and gzip (recognised by its magic bytes)
 * is inflated with zlib's stream API as it comes. Before each read() of a
 * live input the caller's wait callback (reader.h) runs: that is where the
 * source polls with a timeout, ticks the pipeline and sees a stop request,
 * so the reader itself never needs to know about clocks or signals.
 *
 * A corrupt gzip member: gzread drops what it inflated in the call that met
 * the fault (up to a whole read), so a regular file is then inflated again
 * with the stream API, skipping what was handed out, up to the fault. Every
 * complete line before it is handed out (the cut last line is not a record),
 * then the error names the compressed offset and the lines before it.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../util-mem.h"

#define READ_CHUNK (256 * 1024)

/* A non-seekable input read as it arrives (see the top of the file). */
typedef struct {
    int fd;
    bool started, gzip, member_done;
    z_stream zs;
    bool zs_ready;
    bool failed_after;  /* an error met after output: reported by the next call */
    uint64_t in_total;  /* compressed bytes read */
    uint64_t skip_out;  /* inflated bytes to drop first (a salvage, see refill) */
    unsigned char in[64 * 1024];
} stream_in_t;

/* Why a gzip input ended early; the message is written when the error is
   returned, so that it can count the lines handed out before it. */
typedef enum { GZ_OK = 0, GZ_CORRUPT, GZ_TRUNCATED } gz_fault_t;

struct dh_file_reader {
    gzFile gz;          /* regular files */
    stream_in_t *pipe;  /* everything else */
    char *buf;
    size_t cap;   /* max_line + READ_CHUNK */
    size_t start; /* first unread byte */
    size_t end;   /* one past the last valid byte */
    size_t max_line;
    bool eof;
    bool failed;
    bool discarding; /* skipping the rest of an over-long line */
    bool is_gzip;
    bool live;    /* a pipe, FIFO, socket or terminal */
    bool stopped; /* the wait callback said stop */
    bool follow;  /* a growing regular file (dh_file_reader_open_follow) */
    uint64_t bytes_in;   /* follow: bytes read from the descriptor */
    uint64_t line_end;   /* follow: bytes up to the end of the last whole line */
    dh_reader_wait_fn wait;
    void *wait_arg;
    dh_reader_wait_fn check; /* follow: before reading on (set_check) */
    uint64_t check_every, check_at; /* ... once bytes_in reaches check_at */
    uint64_t line_no;
    int raw_fd;          /* regular files: the compressed bytes, for a salvage */
    uint64_t out_total;  /* bytes gzread handed out */
    gz_fault_t fault;
    uint64_t fault_offset; /* compressed offset of the fault */
    char zmsg[96];         /* zlib's words for it */
    char errmsg[200];
};

dh_file_reader_t *dh_file_reader_open(const char *path, size_t max_line, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO without a writer yet must not block open() (where
       no stop request could be seen); the wait callback waits for it. */
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO)
                                    : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    if (strcmp(path, "-") != 0) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            close(fd);
            return NULL;
        }
    }
    struct stat st;
    dh_file_reader_t *r = dh_calloc(1, sizeof(*r));
    r->raw_fd = -1;
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        r->pipe = dh_calloc(1, sizeof(*r->pipe));
        r->pipe->fd = fd;
        r->live = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(fd);
    } else if (!(r->gz = gzdopen(fd, "rb"))) {
        close(fd);
        free(r);
        snprintf(err, errlen, "cannot open: out of memory");
        return NULL;
    } else {
        gzbuffer(r->gz, READ_CHUNK);
        r->raw_fd = dup(fd); /* -1 only costs the salvage of a corrupt member */
        if (r->raw_fd >= 0)
            (void)fcntl(r->raw_fd, F_SETFD, FD_CLOEXEC);
    }
    r->max_line = max_line;
    r->cap = max_line + READ_CHUNK;
    r->buf = dh_malloc(r->cap);
    return r;
}

static ssize_t follow_read(dh_file_reader_t *r, int fd, void *buf, size_t len);

/* One read() of a non-seekable input, after the wait callback said go.
   -1 with r->stopped set when it said stop. A descriptor left non-blocking
   by whoever gave us stdin (EAGAIN) is waited for rather than failed. A
   followed file is read by follow_read. */
static ssize_t read_some(dh_file_reader_t *r, int fd, void *buf, size_t len)
{
    if (r->follow)
        return follow_read(r, fd, buf, len);
    for (;;) {
        if (r->wait && r->live && !r->wait(r->wait_arg, fd)) {
            r->stopped = true;
            return -1;
        }
        ssize_t n = read(fd, buf, len);
        if (n >= 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            return n;
        if (errno != EINTR && !(r->wait && r->live)) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            (void)poll(&pfd, 1, -1); /* any outcome: the read says what it was */
        }
    }
}

static void set_fault(dh_file_reader_t *r, gz_fault_t f, uint64_t offset, const char *zmsg)
{
    r->fault = f;
    r->fault_offset = offset;
    snprintf(r->zmsg, sizeof(r->zmsg), "%s", zmsg ? zmsg : "corrupt data");
}

/* Drop the first p->skip_out inflated bytes (already handed out before a
   salvage); the bytes of dst that remain. */
static size_t skip_inflated(stream_in_t *p, char *dst, size_t got)
{
    if (p->skip_out == 0)
        return got;
    size_t drop = p->skip_out < got ? (size_t)p->skip_out : got;
    memmove(dst, dst + drop, got - drop);
    p->skip_out -= drop;
    return got - drop;
}

/* Inflate what has arrived into dst; reads more input only when none is
   left. >0 bytes, 0 end of input, -1 error (errmsg or r->fault set). The
   output inflated before a data error is handed out first: the error is
   then returned by the next call. */
static ssize_t inflate_some(dh_file_reader_t *r, char *dst, size_t room)
{
    stream_in_t *p = r->pipe;
    if (p->failed_after)
        return -1;
    for (;;) {
        if (p->zs.avail_in == 0) {
            ssize_t n = read_some(r, p->fd, p->in, sizeof(p->in));
            if (n < 0) {
                snprintf(r->errmsg, sizeof(r->errmsg), "read error: %s", strerror(errno));
                return -1;
            }
            if (n == 0) {
                if (p->member_done)
                    return 0;
                set_fault(r, GZ_TRUNCATED, p->in_total, "unexpected end of file");
                return -1;
            }
            p->in_total += (uint64_t)n;
            p->zs.next_in = p->in;
            p->zs.avail_in = (uInt)n;
        }
        if (p->member_done) { /* concatenated gzip members (rotated logs) */
            if (inflateReset(&p->zs) != Z_OK)
                return -1;
            p->member_done = false;
        }
        p->zs.next_out = (unsigned char *)dst;
        p->zs.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
        int rc = inflate(&p->zs, Z_NO_FLUSH);
        size_t got = skip_inflated(p, dst, room - p->zs.avail_out);
        if (rc == Z_STREAM_END)
            p->member_done = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            set_fault(r, GZ_CORRUPT, p->in_total - p->zs.avail_in, p->zs.msg);
            if (!got)
                return -1;
            p->failed_after = true;
        }
        if (got)
            return (ssize_t)got;
    }
}

/* One read of a pipe: >0 bytes, 0 end of input, -1 error (errmsg set). */
static ssize_t pipe_read(dh_file_reader_t *r, char *dst, size_t room)
{
    stream_in_t *p = r->pipe;
    if (!p->started) {
        p->started = true;
        ssize_t n = read_some(r, p->fd, p->in, sizeof(p->in));
        if (n == 1) { /* the magic needs two bytes */
            ssize_t m = read_some(r, p->fd, p->in + 1, sizeof(p->in) - 1);
            n = m < 0 ? m : n + m;
        }
        if (n < 0) {
            snprintf(r->errmsg, sizeof(r->errmsg), "read error: %s", strerror(errno));
            return -1;
        }
        p->in_total = (uint64_t)n;
        p->gzip = r->is_gzip = n >= 2 && p->in[0] == 0x1f && p->in[1] == 0x8b;
        p->zs.next_in = p->in;
        p->zs.avail_in = (uInt)n;
        if (p->gzip) {
            if (inflateInit2(&p->zs, 15 + 16) != Z_OK) {
                snprintf(r->errmsg, sizeof(r->errmsg), "gzip: out of memory");
                return -1;
            }
            p->zs_ready = true;
        }
    }
    if (p->gzip)
        return inflate_some(r, dst, room);
    if (p->zs.avail_in) { /* the bytes read to look for the magic */
        size_t n = p->zs.avail_in < room ? p->zs.avail_in : room;
        memcpy(dst, p->zs.next_in, n);
        p->zs.next_in += n;
        p->zs.avail_in -= (uInt)n;
        return (ssize_t)n;
    }
    ssize_t n = read_some(r, p->fd, dst, room);
    if (n < 0)
        snprintf(r->errmsg, sizeof(r->errmsg), "read error: %s", strerror(errno));
    return n;
}

static bool refill_pipe(dh_file_reader_t *r, size_t room)
{
    ssize_t n = pipe_read(r, r->buf + r->end, room);
    if (n > 0) {
        r->end += (size_t)n;
        r->bytes_in += (uint64_t)n;
        return true;
    }
    r->eof = true;
    r->failed = n < 0 && !r->stopped;
    return false;
}

/* DH_READ_ERROR, with the message of a gzip fault written now that the
   lines before it are counted. */
static dh_read_t read_error(dh_file_reader_t *r)
{
    if (r->fault == GZ_CORRUPT)
        snprintf(r->errmsg, sizeof(r->errmsg),
                 "corrupt gzip data at compressed offset %llu after %llu lines (zlib: %s)",
                 (unsigned long long)r->fault_offset, (unsigned long long)r->line_no, r->zmsg);
    else if (r->fault == GZ_TRUNCATED)
        snprintf(r->errmsg, sizeof(r->errmsg),
                 "gzip stream truncated at compressed offset %llu after %llu lines "
                 "(unexpected end of file)",
                 (unsigned long long)r->fault_offset, (unsigned long long)r->line_no);
    return DH_READ_ERROR;
}

/* gzread drops what it inflated in a call that meets corrupt data (up to a
   whole read): read the file again with the stream API, skip what gzread
   handed out, and go on from there to the fault (the rest of the file is
   read as a pipe is). true when the salvage could start. */
static bool start_salvage(dh_file_reader_t *r)
{
    if (r->raw_fd < 0 || lseek(r->raw_fd, 0, SEEK_SET) != 0)
        return false;
    stream_in_t *p = dh_calloc(1, sizeof(*p));
    if (inflateInit2(&p->zs, 15 + 16) != Z_OK) {
        free(p);
        return false;
    }
    p->fd = r->raw_fd;
    p->started = p->gzip = p->zs_ready = true;
    p->skip_out = r->out_total;
    r->raw_fd = -1; /* the pipe owns it now */
    gzclose_r(r->gz);
    r->gz = NULL;
    r->pipe = p;
    return true;
}

/* gzread ended with an error: name it (a fault of the gzip data is
   reported with its offset once the lines before it are handed out). */
static void gz_failed(dh_file_reader_t *r, int zerr, const char *msg)
{
    r->failed = true;
    if (zerr == Z_BUF_ERROR) { /* nothing lost: gzread keeps output before EOF */
        struct stat st;
        uint64_t size = r->raw_fd >= 0 && fstat(r->raw_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
        set_fault(r, GZ_TRUNCATED, size, "unexpected end of file");
    } else if (zerr == Z_ERRNO) {
        snprintf(r->errmsg, sizeof(r->errmsg), "read error: %s", strerror(errno));
    } else {
        /* gzerror's text starts with "<fd:N>: ", an internal name */
        const char *colon = msg ? strstr(msg, ">: ") : NULL;
        set_fault(r, GZ_CORRUPT, 0, colon ? colon + 3 : msg);
    }
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
    if (r->pipe)
        return refill_pipe(r, room);
    int n = gzread(r->gz, r->buf + r->end, (unsigned)(room > INT32_MAX ? INT32_MAX : room));
    if (r->line_no == 0 && r->end == 0 && n > 0)
        r->is_gzip = gzdirect(r->gz) == 0;
    if (n > 0) {
        r->end += (size_t)n;
        r->out_total += (uint64_t)n;
        return true;
    }
    int zerr = Z_OK;
    const char *msg = gzerror(r->gz, &zerr);
    if (zerr == Z_DATA_ERROR && start_salvage(r))
        return refill_pipe(r, room);
    r->eof = true;
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END))
        gz_failed(r, zerr, msg);
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
            return r->stopped ? DH_READ_STOPPED : r->failed ? read_error(r) : DH_READ_EOF;
        r->line_end = r->bytes_in - (r->end - r->start);
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
            r->line_end = r->bytes_in - (r->end - r->start);
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
            if (r->stopped) /* a partial line is not a record */
                return DH_READ_STOPPED;
            if (r->fault) /* nor is one a gzip fault cut */
                return read_error(r);
            if (r->end > r->start) { /* last line without a final newline */
                *line = r->buf + r->start;
                *len = r->end - r->start;
                r->start = r->end;
                r->line_no++;
                r->line_end = r->bytes_in;
                return DH_READ_LINE;
            }
            return r->failed ? read_error(r) : DH_READ_EOF;
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

int dh_file_reader_is_live(const dh_file_reader_t *r)
{
    return r->live;
}

void dh_file_reader_set_wait(dh_file_reader_t *r, dh_reader_wait_fn wait, void *arg)
{
    r->wait = wait;
    r->wait_arg = arg;
}

/* ---- following a growing file (reader.h) ---------------------------------- */

/* read() until bytes come; at the end of what is there the wait callback
   says whether to read again (the file may have grown), end (rotated: the
   caller saw it) or stop (also on a truncation, so a partial line of the old
   content is not handed out). A signal (EINTR) goes back to the callback,
   which sees the stop request. */
static ssize_t follow_read(dh_file_reader_t *r, int fd, void *buf, size_t len)
{
    for (;;) {
        /* the file may have been truncated and written again past where it
           is read: the caller checks before a read would take the new bytes
           as a continuation */
        if (r->check && r->bytes_in >= r->check_at) {
            r->check_at = r->bytes_in + r->check_every;
            if (r->check(r->wait_arg, fd) == DH_FOLLOW_STOP) {
                r->stopped = true;
                return -1;
            }
        }
        ssize_t n = read(fd, buf, len);
        if (n > 0 || (n < 0 && errno != EINTR))
            return n;
        int go = r->wait ? r->wait(r->wait_arg, fd) : DH_FOLLOW_END;
        if (go == DH_FOLLOW_STOP) {
            r->stopped = true;
            return -1;
        }
        if (go == DH_FOLLOW_END)
            return 0;
        r->check_at = r->bytes_in; /* it waited: check before the next read */
    }
}

void dh_file_reader_set_check(dh_file_reader_t *r, dh_reader_wait_fn check, uint64_t every_bytes)
{
    r->check = check;
    r->check_every = every_bytes;
    r->check_at = every_bytes;
}

dh_file_reader_t *dh_file_reader_open_follow(int fd, size_t max_line)
{
    dh_file_reader_t *r = dh_calloc(1, sizeof(*r));
    r->pipe = dh_calloc(1, sizeof(*r->pipe));
    r->pipe->fd = fd;
    r->pipe->started = true; /* no gzip sniffing: the caller refused gzip */
    r->follow = true;
    r->max_line = max_line;
    r->cap = max_line + READ_CHUNK;
    r->buf = dh_malloc(r->cap);
    return r;
}

uint64_t dh_file_reader_consumed(const dh_file_reader_t *r)
{
    return r->line_end;
}

void dh_file_reader_close(dh_file_reader_t *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose_r(r->gz);
    if (r->raw_fd >= 0)
        close(r->raw_fd);
    if (r->pipe) {
        if (r->pipe->zs_ready)
            inflateEnd(&r->pipe->zs);
        if (!r->follow) /* a followed file's descriptor is the caller's */
            close(r->pipe->fd);
        free(r->pipe);
    }
    free(r->buf);
    free(r);
}
