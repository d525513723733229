/*
 * source-follow.h - following a growing log file (--follow, as tail -F): a
 * mode of the file source (source-file.c hands a file input here when
 * --follow is set; the source interface's claims() cannot see options).
 * See source-follow.c for rotation, truncation and the checkpoint.
 */
#ifndef DH_SOURCE_FOLLOW_H
#define DH_SOURCE_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../options.h"
#include "../source.h"

/* A followed file's instance (source.h's open/run/close for it). path, a,
   fo and everything they point to are borrowed and outlive it. NULL with
   err only on a bad setting (never for a file that is missing or
   unreadable: run() reports that). */
void *dh_follow_source_new(const dh_source_args_t *a, const dh_follow_options_t *fo,
                           const char *path, char *err, size_t errlen);
/* Follows until a stop (DH_SOURCE_STOPPED: windows stay open, the
   checkpoint is at the safe offset) or a finish (DH_SOURCE_END_OF_INPUT:
   every window closed, the checkpoint at the end of what was read). 0, or
   -1 when the file cannot be followed (gzip, not a regular file, read
   error). */
int dh_follow_source_run(void *state, dh_source_end_t *end);
void dh_follow_source_close(void *state);

/* Where a followed file was: which file (device, inode and a hash of its
   first head_len bytes, so a reused inode is not taken for the same file)
   and how far its records are accounted for. */
typedef struct {
    uint64_t dev, ino;
    uint64_t offset;  /* resume from this byte: a line boundary */
    uint64_t line;    /* lines before offset, so reports keep PATH:LINE */
    uint32_t head_len;
    uint64_t head_hash;
    uint32_t gen;     /* the follower's: which opening of the file (not written) */
} dh_follow_pos_t;

#define DH_FOLLOW_HEAD_MAX 256

/* The checkpoint file (text; README "Following a log"), written atomically:
   a temporary file next to it, fsync, rename. 0, or -1 with err. */
int dh_follow_checkpoint_write(const char *file, const char *path, const dh_follow_pos_t *p,
                               char *err, size_t errlen);
/* 1 read (path, of at most pathlen bytes with its NUL, and p filled), 0
   there is none, -1 unreadable or not a checkpoint (err filled). */
int dh_follow_checkpoint_read(const char *file, char *path, size_t pathlen, dh_follow_pos_t *p,
                              char *err, size_t errlen);

/* FNV-1a 64 of the first bytes of a file (the head of dh_follow_pos_t). */
uint64_t dh_follow_head_hash(const void *bytes, size_t len);

/* Tests: called each time the follower is idle (everything there read, no
   rotation or truncation seen), before it sleeps poll_ms (default 250), so
   a test can append, rotate, truncate and finally ask for a stop without
   timing anything. */
typedef void (*dh_follow_idle_fn)(void *arg);
void dh_follow_source_set_idle_hook(void *state, dh_follow_idle_fn fn, void *arg, int poll_ms);

#endif
