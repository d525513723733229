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

/* ---- corrupt gzip: every line before the fault, then the fault named ---- */

/* What zcat recovers: the complete lines inflated before the first error
   (concatenated members followed), counted with zlib's stream API. */
static int lines_before_fault(const unsigned char *gz, size_t len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    cr_assert_eq(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (unsigned char *)gz;
    zs.avail_in = (uInt)len;
    static unsigned char out[1 << 16];
    int lines = 0, rc;
    do {
        zs.next_out = out;
        zs.avail_out = sizeof(out);
        rc = inflate(&zs, Z_NO_FLUSH);
        for (size_t i = 0; i < sizeof(out) - zs.avail_out; i++)
            lines += out[i] == '\n';
        if (rc == Z_STREAM_END && zs.avail_in > 0) {
            inflateReset(&zs);
            rc = Z_OK;
        }
    } while (rc == Z_OK);
    inflateEnd(&zs);
    return lines;
}

static size_t make_gzip_log(unsigned char **gz)
{
    size_t n = 6 << 20; /* compresses to well over one read chunk (256 KiB) */
    char *text = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        text[i] = (i % 61 == 60) ? '\n' : (char)('a' + (x >> 16) % 26);
    }
    write_file("/tmp/dh-reader-big.gz", text, n, 1);
    free(text);
    FILE *f = fopen("/tmp/dh-reader-big.gz", "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    rewind(f);
    *gz = malloc(len);
    cr_assert_eq(fread(*gz, 1, len, f), len);
    fclose(f);
    return len;
}

static void read_damaged(const char *path, int *lines, dh_read_t *last, char *msg, size_t msglen)
{
    char err[128];
    dh_file_reader_t *r = dh_file_reader_open(path, 1024, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    const char *line;
    size_t len;
    *lines = 0;
    while ((*last = dh_file_reader_next(r, &line, &len)) == DH_READ_LINE)
        (*lines)++;
    snprintf(msg, msglen, "%s", dh_file_reader_errmsg(r));
    cr_assert_eq(dh_file_reader_line_no(r), (uint64_t)*lines);
    dh_file_reader_close(r);
}

Test(reader, corrupt_gzip_hands_out_every_line_before_the_fault)
{
    unsigned char *gz;
    size_t len = make_gzip_log(&gz);
    cr_assert_gt(len, 3 * 256 * 1024);
    for (int pct = 10; pct <= 90; pct += 20) {
        unsigned char *bad = malloc(len);
        memcpy(bad, gz, len);
        memset(bad + len * pct / 100, 0xff, 16);
        write_file("/tmp/dh-reader-corrupt.gz", (const char *)bad, len, 0);
        int want = lines_before_fault(bad, len), got;
        dh_read_t last;
        char msg[256], head[80];
        read_damaged("/tmp/dh-reader-corrupt.gz", &got, &last, msg, sizeof(msg));
        cr_assert_eq(last, DH_READ_ERROR, "corrupt at %d%%", pct);
        cr_assert_eq(got, want, "corrupt at %d%%: %d lines, zlib recovers %d", pct, got, want);
        snprintf(head, sizeof(head), "corrupt gzip data at compressed offset ");
        cr_assert_eq(strncmp(msg, head, strlen(head)), 0, "got: %s", msg);
        snprintf(head, sizeof(head), " after %d lines (zlib: ", want);
        cr_assert_not_null(strstr(msg, head), "got: %s", msg);
        cr_assert_null(strstr(msg, "<fd:"), "an internal name: %s", msg);
        free(bad);
    }
    free(gz);
}

Test(reader, truncated_gzip_names_the_offset_and_the_lines_before)
{
    unsigned char *gz;
    size_t len = make_gzip_log(&gz);
    write_file("/tmp/dh-reader-cut2.gz", (const char *)gz, len / 2, 0);
    int want = lines_before_fault(gz, len / 2), got;
    dh_read_t last;
    char msg[256], expect[160];
    read_damaged("/tmp/dh-reader-cut2.gz", &got, &last, msg, sizeof(msg));
    cr_assert_eq(last, DH_READ_ERROR);
    cr_assert_eq(got, want, "%d lines, zlib recovers %d (the cut line is not one)", got, want);
    snprintf(expect, sizeof(expect),
             "gzip stream truncated at compressed offset %zu after %d lines (unexpected end of file)",
             len / 2, want);
    cr_assert_str_eq(msg, expect);
    free(gz);
}
