/*
 * test-sinks.c - the sink registry and the file sink: targets go to the sink
 * of their prefix (any other is a file), lines arrive byte for byte, and a
 * write that cannot be delivered is reported by flush and close.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "options-map.h"
#include "sink.h"
#include "sinks/sink-file.h"

Test(sinks, targets_go_to_the_sink_of_their_prefix)
{
    cr_assert_str_eq(dh_sink_for("kafka:detections")->name, "kafka");
    cr_assert_str_eq(dh_sink_for("out.jsonl")->name, "file");
    cr_assert_str_eq(dh_sink_for("-")->name, "file");
    cr_assert_str_eq(dh_sink_for("kafka")->name, "file", "no colon: a file named kafka");
    size_t n = 0;
    for (; dh_sinks[n]; n++)
        cr_assert_not_null(dh_sinks[n]->open);
    cr_assert_geq(n, 2);
    dh_options_t o;
    dh_options_default(&o);
    cr_expect_eq(dh_options_component(&o, dh_sink_for("kafka:d")->options), &o.kafka,
                 "the Kafka sink shares the Kafka source's connection options");
    cr_expect_eq(dh_options_component(&o, dh_sink_for("-")->options), &o.sink,
                 "the file sink reads the sinks table (append)");
}

Test(sinks, file_sink_writes_lines_as_given)
{
    char path[64];
    cap_temp_path(path, sizeof(path), "sink-file");
    dh_options_t o;
    dh_options_default(&o);
    const dh_sink_type_t *t = dh_sink_for(path);
    char err[256];
    void *s = t->open(path, dh_options_component(&o, t->options), o.logger, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "{\"a\":1}\n", 8, "10.0.0.1"), 0);
    cr_assert_eq(t->flush(s, 0), 0);
    cr_assert_eq(t->write(s, "{\"b\":2}\n", 8, NULL), 0);
    cr_assert_eq(t->close(s), 0);
    char *text = cap_read(path, NULL);
    cr_assert_str_eq(text, "{\"a\":1}\n{\"b\":2}\n");
    free(text);
    cr_assert_eq(t->close(NULL), 0);
    unlink(path);
}

Test(sinks, file_sink_errors)
{
    dh_options_t o;
    dh_options_default(&o);
    const dh_sink_type_t *t = dh_sink_for("/nonexistent/x");
    char err[256] = "";
    cr_assert_null(t->open("/nonexistent/x", dh_options_component(&o, t->options), o.logger,
                           err, sizeof(err)));
    cr_assert_not_null(strstr(err, "/nonexistent/x: "), "%s", err);
    void *s = t->open("/dev/full", dh_options_component(&o, t->options), o.logger,
                      err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "x\n", 2, NULL), 0, "buffered");
    cr_assert_eq(t->flush(s, 0), -1, "the device is full");
    cr_assert_eq(t->close(s), -1);
    void *out = t->open("-", dh_options_component(&o, t->options), o.logger, err, sizeof(err));
    cr_assert_not_null(out);
    cr_assert_eq(t->close(out), 0, "stdout is flushed, not closed");
}

/* Open path through the file sink, write text, close; append as given. */
static void write_through_sink(const char *path, bool append, const char *text)
{
    dh_options_t o;
    dh_options_default(&o);
    o.sink.append = append;
    const dh_sink_type_t *t = dh_sink_for(path);
    char err[256];
    void *s = t->open(path, dh_options_component(&o, t->options), o.logger, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, text, strlen(text), NULL), 0);
    cr_assert_eq(t->close(s), 0);
}

Test(sinks, file_sink_truncates_a_replay_and_appends_a_resumed_run)
{
    char path[64];
    cap_temp_path(path, sizeof(path), "sink-append");
    write_through_sink(path, false, "{\"run\":1}\n");
    write_through_sink(path, true, "{\"run\":2}\n");
    char *text = cap_read(path, NULL);
    cr_assert_str_eq(text, "{\"run\":1}\n{\"run\":2}\n", "append keeps what was there");
    free(text);
    write_through_sink(path, false, "{\"run\":3}\n");
    text = cap_read(path, NULL);
    cr_assert_str_eq(text, "{\"run\":3}\n", "a fresh run truncates");
    free(text);
    unlink(path);
}

/* A write() that takes at most 5 bytes a call and fails every third call
   with EINTR, as a slow pipe under signals would. */
static int stingy_calls;
static ssize_t stingy_write(int fd, const void *buf, size_t len)
{
    if (++stingy_calls % 3 == 0) {
        errno = EINTR;
        return -1;
    }
    return write(fd, buf, len < 5 ? len : 5);
}

static ssize_t full_write(int fd, const void *buf, size_t len)
{
    (void)fd, (void)buf, (void)len;
    errno = ENOSPC;
    return -1;
}

Test(sinks, short_writes_and_eintr_are_completed)
{
    char path[64];
    cap_temp_path(path, sizeof(path), "sink-short");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    const char *lines = "{\"a\":1}\n{\"bb\":22}\n{\"ccc\":333}\n";
    stingy_calls = 0;
    cr_assert_eq(dh_write_all(fd, lines, strlen(lines), stingy_write), 0);
    cr_assert_gt(stingy_calls, 6, "the write really was cut up");
    close(fd);
    char *text = cap_read(path, NULL);
    cr_assert_str_eq(text, lines, "every byte once, in order: whole lines");
    free(text);
    cr_assert_eq(dh_write_all(1, "x\n", 2, full_write), -1);
    cr_assert_eq(errno, ENOSPC);
    unlink(path);
}

Test(sinks, file_sink_writes_whole_lines_only_until_flush)
{
    char path[64];
    cap_temp_path(path, sizeof(path), "sink-batch");
    dh_options_t o;
    dh_options_default(&o);
    const dh_sink_type_t *t = dh_sink_for(path);
    char err[256];
    void *s = t->open(path, dh_options_component(&o, t->options), o.logger, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    /* 3000 lines of 35 bytes: more than one batch goes out before flush */
    char line[64];
    int n = 0;
    for (int i = 0; i < 3000; i++) {
        n = snprintf(line, sizeof(line), "{\"n\":%05d,\"pad\":\"xxxxxxxxxxxxxx\"}\n", i);
        cr_assert_eq(t->write(s, line, (size_t)n, NULL), 0);
        if (i % 500 == 0) { /* what is on disk so far ends with a whole line */
            size_t len;
            char *text = cap_read(path, &len);
            cr_assert(len == 0 || text[len - 1] == '\n', "a partial line after %d writes", i);
            cr_assert_eq(len % (size_t)n, 0);
            free(text);
        }
    }
    cr_assert_eq(t->flush(s, 0), 0);
    size_t len;
    free(cap_read(path, &len));
    cr_assert_eq(len, 3000u * (size_t)n, "flush writes everything");
    cr_assert_eq(t->close(s), 0);
    unlink(path);
}

Test(sinks, appending_drops_a_partial_last_line_first)
{
    char path[64];
    cap_temp_path(path, sizeof(path), "sink-torn");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"run\":1}\n{\"run\":1,\"cut", f); /* killed mid-line */
    fclose(f);
    FILE *log = tmpfile();
    dh_log_t lg;
    dh_log_init(&lg, log);
    dh_options_t o;
    dh_options_default(&o);
    o.sink.append = true;
    const dh_sink_type_t *t = dh_sink_for(path);
    char err[256];
    void *s = t->open(path, dh_options_component(&o, t->options), &lg, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "{\"run\":2}\n", 10, NULL), 0);
    cr_assert_eq(t->close(s), 0);
    char *text = cap_read(path, NULL);
    cr_assert_str_eq(text, "{\"run\":1}\n{\"run\":2}\n");
    free(text);
    /* a file that is one partial line is emptied; a whole one is kept */
    f = fopen(path, "w");
    fputs("{\"cut", f);
    fclose(f);
    write_through_sink(path, true, "{\"run\":3}\n");
    write_through_sink(path, true, "{\"run\":4}\n");
    text = cap_read(path, NULL);
    cr_assert_str_eq(text, "{\"run\":3}\n{\"run\":4}\n");
    free(text);
    char line[256] = "";
    rewind(log);
    cr_assert_not_null(fgets(line, sizeof(line), log));
    cr_assert_not_null(strstr(line, "dropped a partial last line of 13 bytes"), "%s", line);
    dh_log_close(&lg);
    fclose(log);
    unlink(path);
}

/* The fsyncs of a file target (--stats output_file.fsyncs). */
static unsigned long fsyncs_of(const dh_sink_type_t *t, void *s)
{
    cr_assert_not_null(t->stats, "the file sink reports its fsyncs");
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_sb_putc(&sb, '{');
    t->stats(s, &sb);
    const char *at = strstr(sb.buf, "\"fsyncs\":");
    cr_assert_not_null(at, "%s", sb.buf);
    unsigned long n = strtoul(at + strlen("\"fsyncs\":"), NULL, 10);
    dh_sb_free(&sb);
    return n;
}

/* A live run flushes (without waiting) after every detection so it goes out
   at once: that writes it, but fsyncs at most once a second; a flush that
   waits (before a checkpoint or a Kafka commit) and the close fsync what was
   written since the last fsync, and nothing when nothing was. */
Test(sinks, a_flush_that_does_not_wait_writes_and_fsyncs_at_most_once_a_second)
{
    char path[64];
    cap_temp_path(path, sizeof(path), "sink-fsync");
    dh_options_t o;
    dh_options_default(&o);
    const dh_sink_type_t *t = dh_sink_for(path);
    char err[256];
    void *s = t->open(path, dh_options_component(&o, t->options), o.logger, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    for (int i = 0; i < 100; i++) { /* 100 early alerts in a burst */
        cr_assert_eq(t->write(s, "{\"a\":1}\n", 8, NULL), 0);
        cr_assert_eq(t->flush(s, 0), 0);
    }
    char *text = cap_read(path, NULL);
    cr_assert_eq(strlen(text), 800, "every line written at once");
    free(text);
    unsigned long burst = fsyncs_of(t, s);
    cr_assert_leq(burst, 1, "%lu fsyncs for a burst of 100", burst);
    cr_assert_eq(t->flush(s, 1000), 0);
    cr_assert_eq(fsyncs_of(t, s), burst + 1, "a waiting flush makes it durable");
    cr_assert_eq(t->flush(s, 1000), 0);
    cr_assert_eq(fsyncs_of(t, s), burst + 1, "nothing new: nothing to sync");
    cr_assert_eq(t->write(s, "{\"b\":2}\n", 8, NULL), 0);
    cr_assert_eq(t->close(s), 0);
    text = cap_read(path, NULL);
    cr_assert_eq(strlen(text), 808);
    free(text);
    unlink(path);
}
