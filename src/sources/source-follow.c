/*
 * source-follow.c - follow a growing log file (--follow, as tail -F).
 *
 * The file is read to its end, then polled: every POLL_MS (a stat poll, as
 * tail -F's portable fallback; inotify would save at most a quarter of a
 * second of latency on a log that Zeek flushes in bursts anyway) the
 * follower reads what was appended. Lines go through the shared line reader
 * (reader.h, dh_file_reader_open_follow), which holds a partial last line
 * until its newline arrives, so a record is never parsed half.
 *
 * Rotation (Zeek: dns.log renamed to dns.DATE.log, a new dns.log created):
 * the path names another inode. The old file is read once more to its end
 * (what was written before the rename), its last line handed out even
 * without a newline, then the new file is read from its start. Truncation
 * (the file is shorter than the position reached): reported, then read from
 * the start; a partial line of the old content is dropped. Each file read
 * is one pipeline stream, named by the path.
 *
 * The checkpoint: position (device, inode, a hash of the first bytes to
 * tell a reused inode, offset, line number) written atomically (temporary
 * file, fsync, rename) at most once a second and at exit. As the Kafka
 * source commits offsets, it only covers records whose findings are safe:
 * lines are kept in groups with the newest event time of each, and the
 * checkpoint is the start of the first group that may still count in an
 * open window or a pending transaction (dh_pipeline_safe_time), written only
 * after the sink delivered everything. A stop (SIGINT/SIGTERM) is therefore
 * DH_SOURCE_STOPPED: the windows stay open, the restart re-reads from the
 * checkpoint and rebuilds them, so no finding is lost; the finding of a
 * window that closed over lines after the checkpoint may come again, with
 * the same event.id (at-least-once, as Kafka; README "Following a log").
 * A finish (SIGUSR1: main routes it when --follow is set) closes every
 * window and checkpoints the end of what was read.
 *
 * A restart resumes at the checkpoint when the path is the same file (same
 * device and inode, at least as long, same head); a Zeek TSV log's header
 * lines (#fields...) are read again first so the parser knows the columns.
 * When the path names another file now (rotated while stopped, or the
 * checkpoint was still in the old file), the old one is looked for in the
 * same directory by device, inode and head; its rest is read first, then
 * the path's file from 0. Otherwise (gone, truncated) it starts at 0 and
 * says so.
 */
#include "source-follow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util-json.h"
#include "../util-mem.h"
#include "checkpoints.h"
#include "reader.h"

#define POLL_MS 250
#define TICK_US 1000000       /* live ticks and checkpoints at most this often */
#define GROUP_LINES 1000      /* lines per checkpoint group */
#define CLOCK_EVERY 4096      /* lines between wall-clock reads while reading */
#define CHECK_BYTES (256 * 1024) /* bytes read between truncation checks without a pause */
#define CHECKPOINT_MAGIC "dnshound follow checkpoint 1"

/* Why the reader of the current file ended. */
typedef enum { FILE_READING, FILE_ROTATED, FILE_TRUNCATED } file_end_t;

typedef struct {
    dh_pipeline_t *pl;
    const dh_source_ctl_t *ctl;
    dh_log_t *logger;
    const dh_follow_options_t *fo;
    const char *path;
    size_t max_line;
    /* the file being read */
    int fd;
    dh_file_reader_t *r;
    dh_stream_t *s;
    dh_follow_pos_t base; /* the file and where its reader started */
    file_end_t why;
    bool draining;        /* rotated: one more read to the end of the old file */
    bool partial_held;    /* truncated: a partial last line was dropped */
    bool have_pos;        /* a file was opened: next is a position in it */
    uint32_t gen;         /* openings so far: base.gen of the current one */
    char rotated_name[4096]; /* restart: the checkpoint's file, renamed since */
    char key[4096];       /* the path in the checkpoint: absolute, symlinks resolved
                             (the same file named from another directory) */
    bool data_since_tick;
    /* what was handed over: groups of lines of one file with the position
       of the first (dh_follow_pos_t), oldest first (checkpoints.h) */
    dh_checkpoints_t marks;
    dh_follow_pos_t next; /* just past the last line handed over */
    dh_follow_pos_t written; /* the last checkpoint written */
    bool have_written;
    int64_t last_tick_us, last_ckpt_us;
    uint64_t lines_since_clock;
    /* tests */
    dh_follow_idle_fn idle_hook;
    void *idle_arg;
    int poll_ms;
    /* --stats "follow" */
    uint64_t lines, rotations, truncations, checkpoints, checkpoint_errors;
    uint64_t resumed_offset, partial_dropped;
} follower_t;

#define LOG(f, lvl, ...) dh_log((f)->logger, lvl, "source", "follow", __VA_ARGS__)

/* ---- the checkpoint file ------------------------------------------------------ */

uint64_t dh_follow_head_hash(const void *bytes, size_t len)
{
    const unsigned char *b = bytes;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The directory of file, created when missing (as the history's). */
static int make_parent_dir(const char *file)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* fsync the directory holding file, so the rename itself is durable. */
static void sync_parent_dir(const char *file)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: the file's own fsync is what matters */
        close(fd);
    }
}

int dh_follow_checkpoint_write(const char *file, const char *path, const dh_follow_pos_t *p,
                               char *err, size_t errlen)
{
    if (strchr(path, '\n')) {
        snprintf(err, errlen, "a path with a newline cannot be checkpointed");
        return -1;
    }
    char body[4096 + 512], tmp[4096 + 8];
    int len = snprintf(body, sizeof(body),
                       CHECKPOINT_MAGIC "\ndev %" PRIu64 "\nino %" PRIu64 "\noffset %" PRIu64
                                        "\nline %" PRIu64 "\nhead_len %" PRIu32
                                        "\nhead_fnv1a64 %016" PRIx64 "\npath %s\n",
                       p->dev, p->ino, p->offset, p->line, p->head_len, p->head_hash, path);
    if (len < 0 || (size_t)len >= sizeof(body) ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= sizeof(tmp)) {
        snprintf(err, errlen, "%s: path too long", file);
        return -1;
    }
    if (make_parent_dir(file) != 0) {
        snprintf(err, errlen, "%s: cannot create its directory: %s", file, strerror(errno));
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = write_all(fd, body, (size_t)len) == 0 && fsync(fd) == 0 ? 0 : -1;
    int saved = errno;
    if (close(fd) != 0 && rc == 0)
        rc = -1, saved = errno;
    if (rc == 0 && rename(tmp, file) != 0)
        rc = -1, saved = errno;
    if (rc != 0) {
        unlink(tmp);
        snprintf(err, errlen, "%s: %s", file, strerror(saved));
        return -1;
    }
    sync_parent_dir(file);
    return 0;
}

/* One "key value" line of a checkpoint into p; false when unknown. */
static bool parse_ckpt_line(const char *key, const char *val, char *path, size_t pathlen,
                            dh_follow_pos_t *p, unsigned *seen)
{
    static const char *const keys[] = {"dev", "ino", "offset", "line", "head_len",
                                       "head_fnv1a64", "path"};
    for (unsigned i = 0; i < 7; i++) {
        if (strcmp(key, keys[i]) != 0)
            continue;
        char *end = NULL;
        errno = 0;
        uint64_t v = i == 6 ? 0 : strtoull(val, &end, i == 5 ? 16 : 10);
        if (i != 6 && (errno || end == val || *end))
            return false;
        switch (i) {
        case 0: p->dev = v; break;
        case 1: p->ino = v; break;
        case 2: p->offset = v; break;
        case 3: p->line = v; break;
        case 4:
            if (v > DH_FOLLOW_HEAD_MAX)
                return false;
            p->head_len = (uint32_t)v;
            break;
        case 5: p->head_hash = v; break;
        default:
            if (strlen(val) >= pathlen)
                return false;
            memcpy(path, val, strlen(val) + 1);
        }
        *seen |= 1u << i;
        return true;
    }
    return false;
}

int dh_follow_checkpoint_read(const char *file, char *path, size_t pathlen, dh_follow_pos_t *p,
                              char *err, size_t errlen)
{
    FILE *in = fopen(file, "r");
    if (!in) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    memset(p, 0, sizeof(*p));
    char line[4096 + 64];
    unsigned seen = 0;
    bool ok = fgets(line, sizeof(line), in) && strcmp(line, CHECKPOINT_MAGIC "\n") == 0;
    while (ok && fgets(line, sizeof(line), in)) {
        size_t n = strlen(line);
        char *sp = strchr(line, ' ');
        ok = n > 0 && line[n - 1] == '\n' && sp;
        if (ok) {
            line[n - 1] = '\0';
            *sp = '\0';
            ok = parse_ckpt_line(line, sp + 1, path, pathlen, p, &seen);
        }
    }
    fclose(in);
    if (!ok || seen != 0x7f) {
        snprintf(err, errlen, "%s: not a dnshound follow checkpoint", file);
        return -1;
    }
    return 1;
}

/* ---- files ----------------------------------------------------------------- */

/* The first bytes of fd (at most DH_FOLLOW_HEAD_MAX) into p's head. */
static void read_head(int fd, dh_follow_pos_t *p)
{
    unsigned char head[DH_FOLLOW_HEAD_MAX];
    ssize_t n;
    do
        n = pread(fd, head, sizeof(head), 0);
    while (n < 0 && errno == EINTR);
    p->head_len = n > 0 ? (uint32_t)n : 0;
    p->head_hash = dh_follow_head_hash(head, p->head_len);
}

/* fd's first head_len bytes hash to p's head. */
static bool same_head(int fd, const dh_follow_pos_t *p)
{
    unsigned char head[DH_FOLLOW_HEAD_MAX];
    ssize_t n = pread(fd, head, p->head_len, 0);
    return n == (ssize_t)p->head_len && dh_follow_head_hash(head, p->head_len) == p->head_hash;
}

static bool same_file(const struct stat *st, const dh_follow_pos_t *p)
{
    return (uint64_t)st->st_dev == p->dev && (uint64_t)st->st_ino == p->ino;
}

/* Open the path: -1 with errno, or when it is missing, after waiting for it
   (as tail -F) until a stop request (then -1 with errno 0). */
static int open_path(follower_t *f)
{
    bool told = false;
    for (;;) {
        int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0 || errno != ENOENT)
            return fd;
        if (!told)
            LOG(f, DH_LOG_WARN, "%s: not there (yet): waiting for it", f->path);
        told = true;
        if (dh_source_stop_requested(f->ctl)) {
            errno = 0;
            return -1;
        }
        dh_pipeline_live_tick(f->pl, dh_wall_now_us());
        (void)poll(NULL, 0, f->poll_ms);
    }
}

/* Why fd cannot be followed, or NULL: only plain regular files can. */
static const char *unfollowable(int fd)
{
    struct stat st;
    unsigned char magic[2];
    if (fstat(fd, &st) != 0)
        return strerror(errno);
    if (!S_ISREG(st.st_mode))
        return "not a regular file: --follow follows files (a pipe is read as it arrives "
               "without it)";
    if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        return "gzip-compressed: a gzip file cannot be followed (it is complete only when "
               "closed); read it without --follow";
    return NULL;
}

/* The checkpoint's file when it was renamed (rotated) in the path's
   directory while dnshound was stopped: same device, inode and head, at
   least as long. Its descriptor (its name in f->rotated_name), or -1. */
static int find_rotated(follower_t *f, const dh_follow_pos_t *c)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", f->path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    DIR *d = opendir(slash ? dir : ".");
    int found = -1;
    for (struct dirent *e; d && found < 0 && (e = readdir(d));) {
        char name[4096 + 256];
        struct stat st;
        if ((size_t)snprintf(name, sizeof(name), "%s/%s", slash ? dir : ".", e->d_name) >=
                sizeof(f->rotated_name) ||
            stat(name, &st) != 0 || !same_file(&st, c) || (uint64_t)st.st_size < c->offset)
            continue;
        int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0 && !unfollowable(fd) && same_head(fd, c)) {
            found = fd;
            memcpy(f->rotated_name, name, strlen(name) + 1);
        } else if (fd >= 0) {
            close(fd);
        }
    }
    if (d)
        closedir(d);
    return found;
}

static bool same_path_other_file(const char *cpath, const char *path, const struct stat *st,
                                 const dh_follow_pos_t *c)
{
    return strcmp(cpath, path) == 0 && !same_file(st, c);
}

/* The checkpoint's name of the path, once it exists: resolved (realpath),
   else as given. */
static void set_key(follower_t *f)
{
    char real[PATH_MAX];
    const char *k = realpath(f->path, real) ? real : f->path;
    snprintf(f->key, sizeof(f->key), "%s", k);
}

/* Where to start in the file open as f->fd: the checkpoint when it is this
   file's; when it is a file rotated away since, that file's rest first
   (f->fd replaced by it; the path follows from its start); else 0 (said
   why). */
static dh_follow_pos_t start_position(follower_t *f)
{
    int fd = f->fd;
    struct stat st;
    dh_follow_pos_t p = {0};
    if (fstat(fd, &st) == 0)
        p.dev = (uint64_t)st.st_dev, p.ino = (uint64_t)st.st_ino;
    if (!f->fo->checkpoint || f->fo->from_start)
        return p;
    char cpath[4096], err[256];
    dh_follow_pos_t c;
    int rc = dh_follow_checkpoint_read(f->fo->checkpoint, cpath, sizeof(cpath), &c, err,
                                       sizeof(err));
    if (rc < 0)
        LOG(f, DH_LOG_WARN, "%s; reading %s from its start", err, f->path);
    if (rc <= 0)
        return p;
    const char *why = strcmp(cpath, f->key) != 0 ? "the checkpoint is another file's"
                      : !same_file(&st, &c)       ? "it was replaced (rotated) since"
                      : (uint64_t)st.st_size < c.offset ? "it was truncated since"
                      : !same_head(fd, &c)        ? "its inode holds another file now"
                                                  : NULL;
    int old = why && same_path_other_file(cpath, f->key, &st, &c) ? find_rotated(f, &c) : -1;
    if (old >= 0) {
        LOG(f, DH_LOG_INFO, "%s: rotated since the checkpoint: the rest of %s from byte %" PRIu64
            " first", f->path, f->rotated_name, c.offset);
        close(f->fd);
        f->fd = old;
        f->resumed_offset = c.offset;
        return c;
    }
    if (why) {
        LOG(f, DH_LOG_WARN, "%s: %s: reading it from its start", f->path, why);
        return p;
    }
    LOG(f, DH_LOG_INFO, "%s: resuming at byte %" PRIu64 " (line %" PRIu64 ")", f->path,
        c.offset, c.line);
    f->resumed_offset = c.offset;
    return c;
}

/* A Zeek TSV log's header (#separator ... #types) comes before the first
   record only: when resuming after it, hand it over again so the parser
   knows the columns. Leaves fd at offset. */
static int replay_header(follower_t *f, uint64_t offset)
{
    if (lseek(f->fd, 0, SEEK_SET) < 0)
        return -1;
    dh_file_reader_t *h = dh_file_reader_open_follow(f->fd, f->max_line);
    const char *line;
    size_t len;
    while (dh_file_reader_next(h, &line, &len) == DH_READ_LINE && len && line[0] == '#' &&
           dh_file_reader_consumed(h) <= offset)
        dh_stream_line(f->s, dh_file_reader_line_no(h), line, len, false);
    dh_file_reader_close(h);
    return lseek(f->fd, (off_t)offset, SEEK_SET) < 0 ? -1 : 0;
}

/* ---- checkpoints ------------------------------------------------------------ */

/* Record one line handed over, which began at start. A group holds lines
   of one file only: positions in two files do not compare. */
static void add_line(follower_t *f, const dh_follow_pos_t *start, int64_t ts)
{
    const dh_follow_pos_t *first = dh_checkpoints_last(&f->marks);
    bool same_file = first && first->ino == start->ino && first->dev == start->dev &&
                     first->gen == start->gen && first->head_hash == start->head_hash &&
                     first->offset <= start->offset;
    dh_checkpoints_note(&f->marks, start, ts, !same_file);
}

/* Up to where everything is accounted for: the start of the first group
   whose newest event is not older than safe_ts (dropping the safe ones). */
static dh_follow_pos_t safe_position(follower_t *f, int64_t safe_ts)
{
    const dh_follow_pos_t *first_unsafe = dh_checkpoints_safe(&f->marks, safe_ts);
    return first_unsafe ? *first_unsafe : f->next;
}

/* The head of a file that was short when opened grows with it: hash what
   is there now, as long as p is in the opening being read. A position of an
   earlier opening of the same inode is in content truncated since (gone):
   it becomes the start of the content there now, whose records are all
   after it; given the new head instead, the restart's "same file" check
   would pass by construction and resume mid-way into the new content. */
static void refresh_head(follower_t *f, dh_follow_pos_t *p)
{
    if (!f->r || p->ino != f->base.ino || p->dev != f->base.dev)
        return;
    if (p->gen != f->base.gen) {
        *p = f->base;
        p->offset = p->line = 0;
    }
    if (p->head_len < DH_FOLLOW_HEAD_MAX)
        read_head(f->fd, p);
}

static bool same_pos(const dh_follow_pos_t *a, const dh_follow_pos_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->offset == b->offset &&
           a->line == b->line && a->head_len == b->head_len && a->head_hash == b->head_hash;
}

/* Write the checkpoint: after the sink delivered everything, at the safe
   position (all: at the end of what was read, every window being closed). */
static void checkpoint(follower_t *f, bool all)
{
    if (!f->fo->checkpoint || !f->have_pos)
        return;
    f->last_ckpt_us = dh_wall_now_us();
    if (dh_pipeline_flush_output(f->pl, 30000) != 0) {
        f->checkpoint_errors++;
        LOG(f, DH_LOG_ERROR, "output not delivered; position not checkpointed");
        return;
    }
    dh_follow_pos_t p = safe_position(f, all ? INT64_MAX : dh_pipeline_safe_time(f->pl));
    refresh_head(f, &p);
    if (f->have_written && same_pos(&p, &f->written))
        return;
    char err[512];
    if (dh_follow_checkpoint_write(f->fo->checkpoint, f->key, &p, err, sizeof(err)) != 0) {
        f->checkpoint_errors++;
        LOG(f, DH_LOG_ERROR, "checkpoint not written: %s", err);
        return;
    }
    f->checkpoints++;
    f->written = p;
    f->have_written = true;
}

static void tick(follower_t *f, int64_t now)
{
    dh_pipeline_live_tick(f->pl, now);
    f->last_tick_us = now;
    f->data_since_tick = false;
}

/* Between lines, every CLOCK_EVERY of them: the tick and the checkpoint of a
   file that grows faster than it is read. */
static void while_reading(follower_t *f)
{
    f->data_since_tick = true;
    if (++f->lines_since_clock < CLOCK_EVERY)
        return;
    f->lines_since_clock = 0;
    int64_t now = dh_wall_now_us();
    if (now - f->last_tick_us >= TICK_US)
        tick(f, now);
    if (now - f->last_ckpt_us >= TICK_US)
        checkpoint(f, false);
}

/* ---- following ---------------------------------------------------------------- */

/* The file read is shorter than where it is read, or was truncated and
   written again past that before we looked (copytruncate): its first bytes
   are others. */
static bool truncated(follower_t *f, int fd)
{
    struct stat st;
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (fstat(fd, &st) == 0 && pos >= 0 && st.st_size < pos)
        return true;
    if (!same_head(fd, &f->base))
        return true;
    if (f->base.head_len < DH_FOLLOW_HEAD_MAX) /* opened short: compare more next time */
        read_head(fd, &f->base);
    return false;
}

/* A truncation seen: a stop for the reader, so that a partial line of the
   old content is dropped, not handed out. */
static int stop_truncated(follower_t *f, int fd)
{
    f->why = FILE_TRUNCATED;
    off_t pos = lseek(fd, 0, SEEK_CUR);
    f->partial_held = pos >= 0 && (uint64_t)pos > f->base.offset + dh_file_reader_consumed(f->r);
    return DH_FOLLOW_STOP;
}

/* The reader's check before it reads on after a wait, and every CHECK_BYTES
   read without one (reader.h): new bytes at our offset after a truncation
   are not a continuation. One fstat and one pread of the head. */
static int follow_check(void *arg, int fd)
{
    follower_t *f = arg;
    return truncated(f, fd) ? stop_truncated(f, fd) : DH_FOLLOW_READ;
}

/* The file at the path is another than the one read, or the one read was
   truncated: FILE_ROTATED / FILE_TRUNCATED. */
static file_end_t changed(follower_t *f, int fd)
{
    struct stat st;
    if (truncated(f, fd))
        return FILE_TRUNCATED;
    /* a missing path: renamed, the new file not created yet; keep reading */
    if (stat(f->path, &st) == 0 && !same_file(&st, &f->base))
        return FILE_ROTATED;
    return FILE_READING;
}

/* The reader's callback at the end of the data (reader.h, DH_FOLLOW_*). */
static int follow_wait(void *arg, int fd)
{
    follower_t *f = arg;
    if (dh_source_stop_requested(f->ctl))
        return DH_FOLLOW_STOP;
    if (f->draining)
        return DH_FOLLOW_END; /* the old file read to its end after the rename */
    f->why = changed(f, fd);
    if (f->why == FILE_TRUNCATED)
        return stop_truncated(f, fd);
    if (f->why == FILE_ROTATED) {
        f->draining = true; /* bytes written before the rename may have come */
        return DH_FOLLOW_READ;
    }
    int64_t now = dh_wall_now_us();
    if (f->data_since_tick || now - f->last_tick_us >= TICK_US)
        tick(f, now);
    if (now - f->last_ckpt_us >= TICK_US)
        checkpoint(f, false);
    dh_pipeline_poll(f->pl); /* a SIGHUP while the log is quiet */
    if (f->idle_hook)
        f->idle_hook(f->idle_arg);
    if (dh_source_stop_requested(f->ctl))
        return DH_FOLLOW_STOP;
    (void)poll(NULL, 0, f->poll_ms); /* a signal cuts it short: seen above */
    return DH_FOLLOW_READ;
}

/* Open the path (on the first, where the checkpoint says), a stream for
   it, the header replayed when resuming. 0; 1 stopped while waiting for
   the file; -1 it cannot be followed (reported as that input's error). */
static int begin_file(follower_t *f, bool first)
{
    f->fd = open_path(f);
    const char *bad = f->fd < 0 ? (errno ? strerror(errno) : NULL) : unfollowable(f->fd);
    if (f->fd < 0 || bad) {
        if (bad)
            dh_stream_close(dh_stream_open(f->pl, f->path), bad);
        if (f->fd >= 0)
            close(f->fd);
        f->fd = -1;
        return bad ? -1 : 1;
    }
    f->rotated_name[0] = '\0';
    dh_follow_pos_t p = {0};
    struct stat st;
    if (first) {
        set_key(f);
        p = start_position(f); /* may swap f->fd for the file rotated away */
    } else if (fstat(f->fd, &st) == 0) {
        p.dev = (uint64_t)st.st_dev, p.ino = (uint64_t)st.st_ino;
    }
    int fl = fcntl(f->fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(f->fd, F_SETFL, fl & ~O_NONBLOCK);
    f->s = dh_stream_open(f->pl, f->rotated_name[0] ? f->rotated_name : f->path);
    if (p.offset > 0 && replay_header(f, p.offset) != 0) {
        p.offset = p.line = 0;
        (void)lseek(f->fd, 0, SEEK_SET);
    }
    uint64_t off = p.offset, line = p.line;
    read_head(f->fd, &p);
    p.offset = off, p.line = line;
    p.gen = ++f->gen;
    f->base = f->next = p;
    f->have_pos = true;
    f->r = dh_file_reader_open_follow(f->fd, f->max_line);
    dh_file_reader_set_wait(f->r, follow_wait, f);
    dh_file_reader_set_check(f->r, follow_check, CHECK_BYTES);
    f->why = FILE_READING;
    f->draining = false;
    return 0;
}

static void end_file(follower_t *f, const char *error)
{
    dh_stream_close(f->s, error);
    dh_file_reader_close(f->r);
    close(f->fd);
    f->s = NULL;
    f->r = NULL;
    f->fd = -1;
}

/* Hand every line of the current file over until it ends (rotated,
   truncated), a stop, or an error. */
static dh_read_t read_file(follower_t *f)
{
    const char *line;
    size_t len;
    dh_read_t rc;
    for (;;) {
        dh_follow_pos_t start = f->next;
        rc = dh_file_reader_next(f->r, &line, &len);
        if (rc != DH_READ_LINE && rc != DH_READ_TOO_LONG)
            return rc;
        uint64_t line_no = f->base.line + dh_file_reader_line_no(f->r);
        dh_stream_line(f->s, line_no, line, len, rc == DH_READ_TOO_LONG);
        f->lines++;
        add_line(f, &start, dh_stream_last_record_ts(f->s));
        f->next.offset = f->base.offset + dh_file_reader_consumed(f->r);
        if (rc == DH_READ_LINE) /* an over-long one counts once skipped */
            f->next.line = line_no;
        while_reading(f);
        if (dh_source_stop_requested(f->ctl))
            return DH_READ_STOPPED;
    }
}

/* After a rotation or truncation: say it, then read the path from its start. */
static void switch_file(follower_t *f)
{
    if (f->why == FILE_TRUNCATED) {
        f->truncations++;
        f->partial_dropped += f->partial_held;
        LOG(f, DH_LOG_WARN, "%s: truncated at byte %" PRIu64 ": reading it from its start%s",
            f->path, f->next.offset, f->partial_held ? " (a partial last line dropped)" : "");
    } else {
        f->rotations++;
        LOG(f, DH_LOG_INFO, "%s: rotated after %" PRIu64 " lines: reading the new file",
            f->path, f->next.line);
    }
}

static void add_stats(follower_t *f)
{
    static const dh_json_counter_t counters[] = {
        DH_JSON_COUNTERS(follower_t, lines, rotations, truncations)
        DH_JSON_COUNTER(follower_t, "partial_lines_dropped", partial_dropped),
        DH_JSON_COUNTERS(follower_t, resumed_offset, checkpoints, checkpoint_errors)
    };
    dh_source_add_stats(f->pl, "follow", NULL, f, counters, DH_JSON_N_COUNTERS(counters));
}

/* Finish (SIGUSR1): every window closes, everything read is accounted for. */
static int finish_input(follower_t *f)
{
    int rc = dh_pipeline_finish(f->pl);
    checkpoint(f, rc == 0);
    return rc;
}

int dh_follow_source_run(void *state, dh_source_end_t *end)
{
    follower_t *f = state;
    *end = DH_SOURCE_STOPPED;
    dh_pipeline_set_live(f->pl, true);
    f->last_tick_us = f->last_ckpt_us = dh_wall_now_us();
    int rc = 0;
    for (bool first = true;; first = false) {
        int b = begin_file(f, first);
        if (b != 0) {
            rc = b < 0 ? -1 : 0;
            break;
        }
        dh_read_t r = read_file(f);
        if (r == DH_READ_ERROR) {
            end_file(f, dh_file_reader_errmsg(f->r));
            rc = -1;
            break;
        }
        if (dh_source_stop_requested(f->ctl)) {
            /* before the stream closes: closing flushes its pending
               transactions, which the restart must read again */
            if (!f->ctl->finish)
                checkpoint(f, false);
            end_file(f, NULL);
            break;
        }
        switch_file(f);
        end_file(f, NULL);
    }
    if (f->ctl && f->ctl->finish && rc == 0) {
        *end = DH_SOURCE_END_OF_INPUT;
        rc = finish_input(f);
    } else if (!f->have_written) {
        checkpoint(f, false); /* stopped waiting for the file, or failed */
    }
    add_stats(f);
    return rc;
}

void *dh_follow_source_new(const dh_source_args_t *a, const dh_follow_options_t *fo,
                           const char *path, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0) {
        snprintf(err, errlen, "--follow follows files; standard input is read as it arrives");
        return NULL;
    }
    follower_t *f = dh_calloc(1, sizeof(*f));
    dh_checkpoints_init(&f->marks, sizeof(dh_follow_pos_t), GROUP_LINES);
    f->pl = a->pl;
    f->ctl = a->ctl;
    f->logger = a->logger;
    f->fo = fo;
    f->path = path;
    f->max_line = a->input->max_line;
    f->fd = -1;
    f->poll_ms = POLL_MS;
    return f;
}

void dh_follow_source_set_idle_hook(void *state, dh_follow_idle_fn fn, void *arg, int poll_ms)
{
    follower_t *f = state;
    f->idle_hook = fn;
    f->idle_arg = arg;
    f->poll_ms = poll_ms;
}

void dh_follow_source_close(void *state)
{
    follower_t *f = state;
    if (!f)
        return;
    dh_checkpoints_free(&f->marks);
    free(f);
}
