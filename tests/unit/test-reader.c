/*
 * test-reader.c - the line reader: gzip by magic bytes, truncated gzip,
 * over-long lines, a missing final newline; live inputs (a FIFO) and the
 * wait callback that can stop a read.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sources/reader.h"

static void write_file(const char *path, const char *data, size_t len, int gzip)
{
    if (gzip) {
        gzFile g = gzopen(path, "wb");
        cr_assert_not_null(g);
        cr_assert_eq(gzwrite(g, data, (unsigned)len), (int)len);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static int count_lines(const char *path, size_t max_line, int *too_long, dh_read_t *last)
{
    char err[128];
    dh_file_reader_t *r = dh_file_reader_open(path, max_line, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    const char *line;
    size_t len;
    int n = 0;
    *too_long = 0;
    dh_read_t rc;
    while ((rc = dh_file_reader_next(r, &line, &len)) == DH_READ_LINE || rc == DH_READ_TOO_LONG) {
        n++;
        *too_long += rc == DH_READ_TOO_LONG;
        cr_assert_leq(len, max_line);
    }
    *last = rc;
    dh_file_reader_close(r);
    return n;
}

Test(reader, gzip_is_recognised_by_magic_not_name)
{
    const char *text = "a\nb\nc";
    int tl;
    dh_read_t last;
    write_file("/tmp/dh-reader-plain.gz", text, 5, 0);
    write_file("/tmp/dh-reader-packed.log", text, 5, 1);
    cr_assert_eq(count_lines("/tmp/dh-reader-plain.gz", 1024, &tl, &last), 3);
    cr_assert_eq(last, DH_READ_EOF);
    cr_assert_eq(count_lines("/tmp/dh-reader-packed.log", 1024, &tl, &last), 3,
                 "missing final newline still gives the last line");
    cr_assert_eq(last, DH_READ_EOF);
}

Test(reader, truncated_gzip_is_an_error_after_the_lines_it_had)
{
    size_t n = 200000;
    char *text = malloc(n);
    for (size_t i = 0; i < n; i++)
        text[i] = (i % 50 == 49) ? '\n' : (char)('a' + (i * 7919) % 26);
    write_file("/tmp/dh-reader-full.gz", text, n, 1);
    FILE *f = fopen("/tmp/dh-reader-full.gz", "rb");
    char buf[300000];
    size_t got = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    write_file("/tmp/dh-reader-cut.gz", buf, got / 2, 0);
    int tl;
    dh_read_t last;
    int lines = count_lines("/tmp/dh-reader-cut.gz", 1024, &tl, &last);
    cr_assert_eq(last, DH_READ_ERROR);
    cr_assert_gt(lines, 0);
    cr_assert_lt(lines, 4000);
    free(text);
}

Test(reader, long_lines_are_cut_and_the_rest_skipped)
{
    size_t big = 1 << 20;
    char *text = malloc(big + 16);
    memset(text, 'x', big);
    memcpy(text + big, "\nshort\n", 7);
    write_file("/tmp/dh-reader-long.log", text, big + 7, 0);
    int tl;
    dh_read_t last;
    cr_assert_eq(count_lines("/tmp/dh-reader-long.log", 4096, &tl, &last), 2);
    cr_assert_eq(tl, 1);
    free(text);
}

/* A FIFO is live, a regular file is not. */
Test(reader, a_fifo_is_live_a_file_is_not)
{
    char err[128], dir[] = "/tmp/dh-reader-XXXXXX", fifo[64], file[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    snprintf(file, sizeof(file), "%s/file", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    write_file(file, "a\n", 2, 0);
    dh_file_reader_t *f = dh_file_reader_open(fifo, 64, err, sizeof(err)); /* no writer: no block */
    cr_assert_not_null(f, "%s", err);
    cr_expect(dh_file_reader_is_live(f));
    dh_file_reader_t *r = dh_file_reader_open(file, 64, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    cr_expect(!dh_file_reader_is_live(r));
    dh_file_reader_close(f);
    dh_file_reader_close(r);
    unlink(fifo);
    unlink(file);
    rmdir(dir);
}

typedef struct {
    int calls, go; /* say go this many times, then stop */
} waiter_t;

static int wait_then_stop(void *arg, int fd)
{
    waiter_t *w = arg;
    cr_assert_geq(fd, 0);
    return w->calls++ < w->go;
}

/* The callback runs before each read of a live input; when it says stop, the
   complete lines read are still handed out, the partial one is not. */
Test(reader, the_wait_callback_stops_a_live_read_dropping_a_partial_line)
{
    char err[128], dir[] = "/tmp/dh-reader-XXXXXX", fifo[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    dh_file_reader_t *r = dh_file_reader_open(fifo, 64, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    int wfd = open(fifo, O_WRONLY);
    cr_assert_geq(wfd, 0);
    cr_assert_eq(write(wfd, "one\ntwo\npar", 11), 11);
    waiter_t w = {.go = 1};
    dh_file_reader_set_wait(r, wait_then_stop, &w);
    const char *line;
    size_t len;
    cr_assert_eq(dh_file_reader_next(r, &line, &len), DH_READ_LINE);
    cr_expect_eq(len, 3);
    cr_expect(memcmp(line, "one", 3) == 0);
    cr_assert_eq(dh_file_reader_next(r, &line, &len), DH_READ_LINE);
    cr_expect(memcmp(line, "two", 3) == 0);
    cr_expect_eq(dh_file_reader_next(r, &line, &len), DH_READ_STOPPED);
    cr_expect_eq(dh_file_reader_next(r, &line, &len), DH_READ_STOPPED);
    cr_expect_eq(dh_file_reader_line_no(r), 2);
    cr_expect_eq(w.calls, 2);
    close(wfd);
    dh_file_reader_close(r);
    unlink(fifo);
    rmdir(dir);
}
