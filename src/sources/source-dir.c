/*
 * source-dir.c - a directory as input: every log file under it, read as one
 * replay (a Zeek archive tree such as /opt/zeek/logs/2026-11-*).
 *
 * The walk goes down every directory (symlinks followed) and keeps files
 * named like logs: *.log, *.log.gz and eve.json* (eve.json.1.gz ...). Other
 * names (loaded_scripts, stats.json, a README) are skipped: counted, and
 * listed at -v. A Zeek archive also holds conn.*.log.gz and friends: they
 * match, are sniffed as Zeek and their records skipped by #path (counted as
 * skipped, never as malformed: parse-zeek-tsv.c).
 *
 * Why the order is the files' first record time: names do not sort by time
 * (one sensor writes dns.09:00:00-10:00:00.log.gz, another eve.json.1.gz
 * for the newer file, a rotated "current" directory sorts anywhere), and
 * the pipeline keeps windows open across inputs only while event time goes
 * forward (an input that starts in the past begins a replay epoch). So each
 * file's first parseable record is peeked with the parsers' own probes and
 * dh_parser_parse_line, the files are sorted by that time (ties, and files
 * without a record, by path), and the run is the same replay, byte for
 * byte, however the tree was named or listed.
 *
 * Loops: a symlink to an ancestor (or two links to one directory or file)
 * would read the same logs twice; every directory and file is identified by
 * device and inode and taken once (the second sighting is counted).
 *
 * A file named like a log that no parser knows (Suricata's fast.log,
 * stats.log and suricata.log sit beside eve.json) is skipped too, with a
 * line on the log (sniffing its first lines says so; with --format nothing
 * is skipped this way): fed to a stream, it would fail the run as almost
 * all malformed (--max-malformed-ratio).
 *
 * Errors: a directory that cannot be listed is reported and the rest is
 * read; a file that cannot be read is reported by its stream, as the file
 * source does (each file goes through dh_file_source_read). Either makes
 * run() return -1 (exit status 1) after everything else was read.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source-dir.h"

#include "reader.h"
#include "source-file.h"
#include "../evbuf.h"
#include "../util-json.h"
#include "../util-mem.h"

/* Peeking a file for its first record reads at most this many lines: a
   Zeek header and a few rows, or the flow records before an EVE file's
   first DNS record. A file without a record there sorts last. */
#define PEEK_LINES 10000
/* Sniffing gives up as a stream does (stream.c): after this many lines
   held without a parser being sure of one. */
#define PEEK_HELD_LINES 64
#define PEEK_HELD_BYTES (1024 * 1024)

/* Names read as logs (the patterns). */
static const char *const log_patterns[] = {"*.log", "*.log.gz", "eve.json*", NULL};

typedef struct {
    dev_t dev;
    ino_t ino;
} file_id_t;

typedef struct {
    char *path;
    file_id_t id;     /* {0, 0}: a dangling link (its read reports it) */
    int64_t first_ts; /* INT64_MAX: no record found */
} log_file_t;

typedef struct {
    dh_pipeline_t *pl;
    const dh_source_ctl_t *ctl;
    dh_log_t *logger;
    const dh_input_options_t *input;
    const char *root; /* the spec, borrowed */
    log_file_t *files;
    size_t n_files, cap_files;
    file_id_t *seen; /* directories taken (few: a linear search will do) */
    size_t n_seen, cap_seen;
    uint64_t skipped_names, skipped_formats, seen_twice, dir_errors, files_failed;
} dir_source_t;

bool dh_dir_source_is_log_name(const char *name)
{
    for (size_t i = 0; log_patterns[i]; i++)
        if (fnmatch(log_patterns[i], name, 0) == 0)
            return true;
    return false;
}

/* true the first time the directory (dev, ino) is seen. */
static bool first_sighting(dir_source_t *d, const struct stat *st)
{
    for (size_t i = 0; i < d->n_seen; i++)
        if (d->seen[i].dev == st->st_dev && d->seen[i].ino == st->st_ino) {
            d->seen_twice++;
            return false;
        }
    if (d->n_seen == d->cap_seen) {
        d->cap_seen = d->cap_seen ? 2 * d->cap_seen : 64;
        d->seen = dh_realloc(d->seen, d->cap_seen * sizeof(*d->seen));
    }
    d->seen[d->n_seen++] = (file_id_t){st->st_dev, st->st_ino};
    return true;
}

static void add_file(dir_source_t *d, const char *path, file_id_t id)
{
    if (d->n_files == d->cap_files) {
        d->cap_files = d->cap_files ? 2 * d->cap_files : 64;
        d->files = dh_realloc(d->files, d->cap_files * sizeof(*d->files));
    }
    d->files[d->n_files++] = (log_file_t){dh_strdup(path), id, INT64_MAX};
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = dh_malloc(a + b + 2);
    memcpy(p, dir, a);
    size_t n = a;
    if (n == 0 || p[n - 1] != '/')
        p[n++] = '/';
    memcpy(p + n, name, b + 1);
    return p;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry names of dir, sorted, without . and ..; NULL when it cannot
   be listed (reported). */
static char **list_dir(dir_source_t *d, const char *dir, size_t *n)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        dh_log(d->logger, DH_LOG_ERROR, "source", "dir", "%s: %s", dir, strerror(errno));
        d->dir_errors++;
        return NULL;
    }
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 32;
            names = dh_realloc(names, cap * sizeof(*names));
        }
        names[(*n)++] = dh_strdup(e->d_name);
    }
    closedir(dp);
    if (*n)
        qsort(names, *n, sizeof(*names), compare_names);
    return names;
}

static void walk(dir_source_t *d, const char *dir);

static void visit(dir_source_t *d, const char *path, const char *name)
{
    struct stat st;
    if (stat(path, &st) != 0) { /* a dangling link: its read reports it */
        if (dh_dir_source_is_log_name(name))
            add_file(d, path, (file_id_t){0, 0});
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        if (first_sighting(d, &st))
            walk(d, path);
        else
            dh_log(d->logger, DH_LOG_DEBUG, "source", "dir", "%s: seen before (a link), once is enough",
                   path);
        return;
    }
    if (!dh_dir_source_is_log_name(name) || !S_ISREG(st.st_mode)) {
        d->skipped_names++;
        dh_log(d->logger, DH_LOG_DEBUG, "source", "dir", "%s: skipped (%s)", path,
               S_ISREG(st.st_mode) ? "not *.log, *.log.gz, eve.json*" : "not a regular file");
        return;
    }
    add_file(d, path, (file_id_t){st.st_dev, st.st_ino});
}

static void walk(dir_source_t *d, const char *dir)
{
    size_t n;
    char **names = list_dir(d, dir, &n);
    if (!names)
        return;
    for (size_t i = 0; i < n; i++) {
        char *path = join(dir, names[i]);
        visit(d, path, names[i]);
        free(path);
        free(names[i]);
    }
    free(names);
}

/* ---- the first record of a file ------------------------------------------- */

/* What peeking one file needs: its lines held until a parser is sure. */
typedef struct {
    const dh_parser_type_t *parser;
    void *pstate;
    dh_evbuf_t *evbuf;
    dh_strbuf_t held;
    size_t held_off[PEEK_HELD_LINES];
    size_t n_held;
    uint64_t n_unknown; /* lines every parser said no to */
    int64_t ts;
} peek_t;

/* Parse one line; true once a record gave the time. */
static bool peek_parse(peek_t *p, const char *line, size_t len)
{
    char reason[DH_REASON_MAX];
    dh_line_t r = dh_parser_parse_line(p->parser, p->pstate, line, len, p->evbuf, reason);
    if (r != DH_LINE_RECORD)
        return false;
    p->ts = p->evbuf->ev.ts_us;
    return true;
}

static void peek_choose(peek_t *p, const dh_parser_type_t *parser)
{
    p->parser = parser;
    p->pstate = parser->create();
}

/* Sniff as a stream does (stream.c): the first parser to say yes to a line
   reads every line held so far, then the rest. 1 once a record gave the
   time, 0 to read on, -1 to give up (no parser is sure of the first lines). */
static int peek_line(peek_t *p, const char *line, size_t len)
{
    if (len && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return 0;
    if (p->parser)
        return peek_parse(p, line, len);
    if (p->n_held == PEEK_HELD_LINES || p->held.len + len > PEEK_HELD_BYTES)
        return -1;
    bool maybe = false;
    for (size_t i = 0; dh_parsers[i] && !p->parser; i++) {
        dh_probe_t r = dh_parsers[i]->probe(line, len);
        if (r == DH_PROBE_YES)
            peek_choose(p, dh_parsers[i]);
        maybe |= r == DH_PROBE_NEED_MORE;
    }
    if (!p->parser && !maybe) { /* the stream reports it, and sniffs on */
        p->n_unknown++;
        return 0;
    }
    p->held_off[p->n_held++] = p->held.len;
    dh_sb_put(&p->held, line, len);
    if (!p->parser)
        return 0;
    for (size_t i = 0; i < p->n_held; i++) {
        size_t end = i + 1 < p->n_held ? p->held_off[i + 1] : p->held.len;
        if (peek_parse(p, p->held.buf + p->held_off[i], end - p->held_off[i]))
            return 1;
    }
    return 0;
}

/* The event time of the first record of path in *ts (INT64_MAX: none in
   its first PEEK_LINES lines, or it cannot be read: its own read will say
   why). false when it has lines but no parser knows them (Suricata's
   fast.log and stats.log are named *.log too): not a log of ours. */
static bool first_record_ts(const char *path, const dh_input_options_t *in, int64_t *ts)
{
    char err[160];
    *ts = INT64_MAX;
    dh_file_reader_t *r = dh_file_reader_open(path, in->max_line, err, sizeof(err));
    if (!r)
        return true;
    peek_t *p = dh_calloc(1, sizeof(*p));
    p->ts = INT64_MAX;
    p->evbuf = dh_evbuf_new(in->max_line);
    dh_sb_init(&p->held);
    if (in->format)
        peek_choose(p, dh_parser_find(in->format));
    const char *line;
    size_t len;
    for (size_t n = 0; n < PEEK_LINES; n++) {
        dh_read_t rc = dh_file_reader_next(r, &line, &len);
        if (rc == DH_READ_TOO_LONG)
            continue;
        if (rc != DH_READ_LINE || peek_line(p, line, len) != 0)
            break;
    }
    *ts = p->ts;
    bool known = p->parser || (p->n_held == 0 && p->n_unknown == 0);
    if (p->parser)
        p->parser->destroy(p->pstate);
    dh_sb_free(&p->held);
    dh_evbuf_free(p->evbuf);
    free(p);
    dh_file_reader_close(r);
    return known;
}

static int compare_ids(const void *a, const void *b)
{
    const log_file_t *x = a, *y = b;
    if (x->id.dev != y->id.dev)
        return x->id.dev < y->id.dev ? -1 : 1;
    if (x->id.ino != y->id.ino)
        return x->id.ino < y->id.ino ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* A file reached under two names (a link) is read once, under the name
   that sorts first; sorting by (dev, ino) keeps this O(n log n) for an
   archive of a year of hourly logs. */
static void drop_second_names(dir_source_t *d)
{
    if (d->n_files < 2)
        return;
    qsort(d->files, d->n_files, sizeof(*d->files), compare_ids);
    size_t kept = 1;
    for (size_t i = 1; i < d->n_files; i++) {
        const file_id_t *prev = &d->files[kept - 1].id, *id = &d->files[i].id;
        bool dangling = id->dev == 0 && id->ino == 0;
        if (!dangling && id->dev == prev->dev && id->ino == prev->ino) {
            dh_log(d->logger, DH_LOG_DEBUG, "source", "dir", "%s: the same file as %s, read once",
                   d->files[i].path, d->files[kept - 1].path);
            d->seen_twice++;
            free(d->files[i].path);
            continue;
        }
        d->files[kept++] = d->files[i];
    }
    d->n_files = kept;
}

static int compare_files(const void *a, const void *b)
{
    const log_file_t *x = a, *y = b;
    if (x->first_ts != y->first_ts)
        return x->first_ts < y->first_ts ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* ---- the source (source.h) -------------------------------------------------- */

static bool dir_claims(const char *spec)
{
    struct stat st;
    return stat(spec, &st) == 0 && S_ISDIR(st.st_mode);
}

static void *dir_open(const char *spec, const dh_source_args_t *a, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    dir_source_t *d = dh_calloc(1, sizeof(*d));
    d->pl = a->pl;
    d->ctl = a->ctl;
    d->logger = a->logger;
    d->input = a->input;
    d->root = spec;
    return d;
}

/* Walk, peek and sort: the files in the order they are read. */
static void plan(dir_source_t *d)
{
    struct stat st;
    if (stat(d->root, &st) == 0)
        first_sighting(d, &st);
    walk(d, d->root);
    drop_second_names(d);
    size_t kept = 0;
    for (size_t i = 0; i < d->n_files; i++) {
        log_file_t *f = &d->files[i];
        if (!first_record_ts(f->path, d->input, &f->first_ts)) {
            dh_log(d->logger, DH_LOG_INFO, "source", "dir",
                   "%s: skipped, no known format in its first lines", f->path);
            d->skipped_formats++;
            free(f->path);
            continue;
        }
        d->files[kept++] = *f;
    }
    d->n_files = kept;
    if (d->n_files)
        qsort(d->files, d->n_files, sizeof(*d->files), compare_files);
}

char **dh_dir_source_list(const char *root, const dh_input_options_t *in, dh_log_t *logger,
                          size_t *n, dh_dir_walk_stats_t *stats)
{
    dir_source_t d = {.logger = logger, .input = in, .root = root};
    plan(&d);
    char **paths = dh_calloc(d.n_files + 1, sizeof(*paths));
    for (size_t i = 0; i < d.n_files; i++)
        paths[i] = d.files[i].path;
    *n = d.n_files;
    if (stats)
        *stats = (dh_dir_walk_stats_t){d.skipped_names, d.skipped_formats, d.seen_twice,
                                       d.dir_errors};
    free(d.files);
    free(d.seen);
    return paths;
}

void dh_dir_source_free_list(char **paths)
{
    for (size_t i = 0; paths && paths[i]; i++)
        free(paths[i]);
    free(paths);
}

static void add_stats(dir_source_t *d)
{
    static const dh_json_counter_t counters[] = {
        DH_JSON_COUNTER(dir_source_t, "files", n_files),
        DH_JSON_COUNTERS(dir_source_t, files_failed, skipped_names, skipped_formats, seen_twice,
                         dir_errors)
    };
    dh_source_add_stats(d->pl, "dir", d->root, d, counters, DH_JSON_N_COUNTERS(counters));
}

static int dir_run(void *state, dh_source_end_t *end)
{
    dir_source_t *d = state;
    *end = DH_SOURCE_END_OF_INPUT; /* a stop ends the input, as for a file */
    plan(d);
    for (size_t i = 0; i < d->n_files && !dh_source_stop_requested(d->ctl); i++)
        if (dh_file_source_read(d->pl, d->ctl, d->files[i].path, d->files[i].path,
                                d->input->max_line) != 0)
            d->files_failed++;
    dh_log(d->logger, DH_LOG_DEBUG, "source", "dir",
           "%s: %zu log files read in order of their first record, %llu other names skipped, "
           "%llu links to what was already taken", d->root, d->n_files,
           (unsigned long long)d->skipped_names, (unsigned long long)d->seen_twice);
    add_stats(d);
    return d->files_failed || d->dir_errors ? -1 : 0;
}

static void dir_close(void *state)
{
    dir_source_t *d = state;
    if (!d)
        return;
    for (size_t i = 0; i < d->n_files; i++)
        free(d->files[i].path);
    free(d->files);
    free(d->seen);
    free(d);
}

const dh_source_type_t dh_source_dir = {
    .name = "dir",
    .description = "a directory: every *.log, *.log.gz and eve.json* under it, in order of "
                   "their first record",
    .claims = dir_claims,
    .open = dir_open,
    .run = dir_run,
    .close = dir_close,
};
