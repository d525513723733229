/*
 * capture.c - see capture.h.
 */
#include "capture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cap_temp_path(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "/tmp/dh-%s.XXXXXX", tag);
    int fd = mkstemp(buf);
    cr_assert_geq(fd, 0, "mkstemp %s", buf);
    close(fd);
}

char *cap_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int cap_count(const char *text, const char *needle)
{
    int n = 0;
    while (*text) {
        const char *end = strchr(text, '\n');
        size_t len = end ? (size_t)(end - text) : strlen(text);
        char *line = strndup(text, len);
        cr_assert_not_null(line);
        n += strstr(line, needle) != NULL;
        free(line);
        text += len + (end != NULL);
    }
    return n;
}

void cap_options(dh_options_t *o, const char *output, FILE *log)
{
    dh_options_default(o);
    o->detect.rules_dir = DH_SOURCE_DIR "/rules";
    o->sink.output = output;
    o->history.no_state = true;
    if (log)
        o->log = log;
}

int cap_feed_file(dh_pipeline_t *pl, const char *path, const char *name)
{
    char full[512];
    snprintf(full, sizeof(full), "%s/%s", DH_SOURCE_DIR, path);
    FILE *f = fopen(full, "r");
    cr_assert_not_null(f, "open %s", full);
    dh_stream_t *s = dh_stream_open(pl, name);
    cr_assert_not_null(s);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lines = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            n--;
        dh_stream_line(s, (uint64_t)++lines, line, (size_t)n, false);
    }
    free(line);
    fclose(f);
    dh_stream_close(s, NULL);
    return lines;
}

void cap_feed_text(dh_pipeline_t *pl, const char *name, const char *text)
{
    dh_stream_t *s = dh_stream_open(pl, name);
    cr_assert_not_null(s);
    uint64_t no = 0;
    while (*text) {
        const char *end = strchr(text, '\n');
        size_t len = end ? (size_t)(end - text) : strlen(text);
        dh_stream_line(s, ++no, text, len, false);
        text += len + (end != NULL);
    }
    dh_stream_close(s, NULL);
}
