/*
 * capture.h - helpers for in-process tests that push records through a
 * pipeline and read what came out: temporary files, whole-file reads, line
 * counts, and a pipeline fed from a sample file line by line through the
 * public stream API (pipeline.h), the way a source would.
 */
#ifndef DH_TEST_CAPTURE_H
#define DH_TEST_CAPTURE_H

#include <stddef.h>

#include "pipeline.h"

/* A fresh empty file "/tmp/dh-TAG.XXXXXX"; the path is written to buf. */
void cap_temp_path(char *buf, size_t len, const char *tag);

/* The whole file, NUL-terminated; gives a malloc'd buffer (free it). */
char *cap_read(const char *path, size_t *len);

/* Lines of text containing needle ("" counts every line). */
int cap_count(const char *text, const char *needle);

/* Options for a test run: rules from the source tree, output to path, no
   persistent history, diagnostics to log (may be NULL: stderr). */
void cap_options(dh_options_t *o, const char *output, FILE *log);

/* Feed every line of path (relative to the source tree) to a new stream of
   pl named name; returns the number of lines fed. */
int cap_feed_file(dh_pipeline_t *pl, const char *path, const char *name);

/* Feed lines given as one string (lines split at '\n'). */
void cap_feed_text(dh_pipeline_t *pl, const char *name, const char *text);

#endif
