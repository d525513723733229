/*
 * fuzz-reader.c - libFuzzer target for the line reader
 * (src/sources/reader.c): plain and gzip input, read as a regular file
 * (gzread) or as a pipe (read() and zlib's stream API), with a small
 * --max-line so that over-long lines are cut and skipped.
 *
 * Why the input is not stripped of a header byte for the options: seeds are
 * real log files and their gzip copies, which must reach the reader intact.
 * The last byte (still part of the stream) picks max_line and file or pipe.
 *
 * The reader opens a path, so the bytes go into a memfd (a regular file in
 * memory, no disk) or a pipe filled before reading, both opened through
 * /proc/self/fd. Every line handed out must be at most max_line bytes and,
 * unless cut, hold no newline.
 */
#define _GNU_SOURCE /* memfd_create, F_SETPIPE_SZ */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sources/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* An fd to read data from, or -1 (then the input is skipped). */
static int make_input(const uint8_t *data, size_t size, int as_pipe)
{
    if (as_pipe) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
            return -1;
        if (size > 65536)
            (void)fcntl(fds[1], F_SETPIPE_SZ, (int)size);
        int ok = write_all(fds[1], data, size) == 0;
        close(fds[1]);
        if (!ok) {
            close(fds[0]);
            return -1;
        }
        return fds[0];
    }
    int fd = memfd_create("fuzz-reader", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (write_all(fd, data, size) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned cfg = size ? data[size - 1] : 0;
    size_t max_line = (size_t)8 << (cfg & 7); /* 8 .. 1024 */
    int fd = make_input(data, size, (cfg >> 3) & 1);
    if (fd < 0)
        return 0;
    char path[64], err[160];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    dh_file_reader_t *r = dh_file_reader_open(path, max_line, err, sizeof(err));
    close(fd);
    if (!r)
        return 0;
    const char *line;
    size_t len;
    for (;;) {
        dh_read_t k = dh_file_reader_next(r, &line, &len);
        if (k == DH_READ_EOF)
            break;
        if (k == DH_READ_ERROR) {
            sink += strlen(dh_file_reader_errmsg(r));
            break;
        }
        if (len > max_line || (k == DH_READ_LINE && memchr(line, '\n', len)))
            abort();
        for (size_t i = 0; i < len; i++)
            sink += (unsigned char)line[i];
        sink += dh_file_reader_line_no(r);
    }
    sink += (size_t)dh_file_reader_is_gzip(r);
    dh_file_reader_close(r);
    return 0;
}
