/*
 * source-file.h - the file source (dh_source_file, source.h): one path read
 * through one pipeline stream with the line reader (reader.h). The stdin
 * source is the same instance on "-" (dh_file_source_new, _run, _close).
 */
#ifndef DH_SOURCE_FILE_H
#define DH_SOURCE_FILE_H

#include <stddef.h>

#include "../pipeline.h"
#include "../source.h"

/* Read a whole file ("-" = stdin) through one stream named `name` (for
   FILE:LINE reports), as the file source does (a live input is read live;
   ctl, NULL allowed, can stop it between lines: the stream then ends as if
   at its end). 0, or -1 when it could not be opened or was cut short
   (reported on the log through the stream). The directory source reads
   each of its files with it. */
int dh_file_source_read(dh_pipeline_t *pl, const dh_source_ctl_t *ctl, const char *path,
                        const char *name, size_t max_line);

/* A source instance (source.h) that reads path ("-" = stdin) as the stream
   `name`, cut at a->input->max_line: what the file and stdin sources'
   open() return. path, name and a's pipeline are borrowed and outlive it.
   Its run() and close() are the two below. */
void *dh_file_source_new(const dh_source_args_t *a, const char *path, const char *name);
int dh_file_source_run(void *state, dh_source_end_t *end);
void dh_file_source_close(void *state);

#endif
