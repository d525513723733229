/*
 * test-follow.c - following a growing file (src/sources/source-follow.c) and
 * the reader's follow mode it reads through (reader.h).
 *
 * The follower is driven without timing anything: its idle hook runs each
 * time it has read everything and seen no change, and there the test takes
 * the next step (append, rotate, truncate, stop). Records are Zeek JSON
 * lines with unique query names qN.example.com; the events serializer
 * writes one line per record, so "exactly once" is counted in its output.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options-map.h"
#include "pipeline.h"
#include "source.h"
#include "sources/reader.h"
#include "sources/source-follow.h"

/* ---- helpers ---------------------------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/dh-follow.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *in_dir(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

/* One Zeek JSON record whose query is qN.example.com, appended to path;
   without its newline when partial. */
static void append_record(const char *path, int n, bool partial)
{
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    fprintf(f,
            "{\"ts\":%d.5,\"uid\":\"C%d\",\"id.orig_h\":\"10.1.0.19\",\"id.orig_p\":38864,"
            "\"id.resp_h\":\"10.0.1.53\",\"id.resp_p\":53,\"proto\":\"udp\",\"trans_id\":%d,"
            "\"query\":\"q%d.example.com\",\"qtype\":1,\"qtype_name\":\"A\",\"rcode\":0,"
            "\"rcode_name\":\"NOERROR\",\"answers\":[\"192.0.2.1\"],\"TTLs\":[60.0]}%s",
            1699430400 + n, n, n, n, partial ? "" : "\n");
    fclose(f);
}

static void append_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* How many times query qN appears in the events file. */
static int times_seen(const char *events, int n)
{
    FILE *f = fopen(events, "r");
    cr_assert_not_null(f);
    char needle[64], line[4096];
    snprintf(needle, sizeof(needle), "\"name\":\"q%d.example.com\"", n);
    int seen = 0;
    while (fgets(line, sizeof(line), f))
        seen += strstr(line, needle) != NULL;
    fclose(f);
    return seen;
}

static int lines_in(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* A run following `log`: events to `events`, checkpoint at `ckpt`. */
typedef struct {
    dh_options_t o;
    dh_pipeline_t *pl;
    dh_source_ctl_t ctl;
    FILE *log;
    dh_log_t lg;
    void *st;
} run_t;

/* The options of a run (the events serializer), before run_start. */
static void run_options(run_t *r, const char *events, const char *ckpt, bool from_start)
{
    memset(r, 0, sizeof(*r));
    dh_options_default(&r->o);
    r->o.core.emit = DH_EMIT_EVENTS;
    r->o.sink.output = events;
    r->log = tmpfile();
    r->o.log = r->log;
    r->o.follow.follow = true;
    r->o.follow.from_start = from_start;
    r->o.follow.checkpoint = ckpt;
}

/* The pipeline of r->o and the follower of log. */
static void run_start(run_t *r, const char *log)
{
    char err[256] = "";
    r->pl = dh_pipeline_new(&r->o, err, sizeof(err));
    cr_assert_not_null(r->pl, "%s", err);
    dh_log_init(&r->lg, r->log);
    dh_source_args_t a = {.pl = r->pl, .ctl = &r->ctl, .logger = &r->lg, .input = &r->o.input};
    r->st = dh_follow_source_new(&a, &r->o.follow, log, err, sizeof(err));
    cr_assert_not_null(r->st, "%s", err);
}

static void run_open(run_t *r, const char *log, const char *events, const char *ckpt,
                     bool from_start)
{
    run_options(r, events, ckpt, from_start);
    run_start(r, log);
}

/* Follow until the hook asks for a stop; output delivered, windows open. */
static int run_follow(run_t *r, dh_follow_idle_fn hook, void *arg, dh_source_end_t *end)
{
    dh_follow_source_set_idle_hook(r->st, hook, arg, 1);
    int rc = dh_follow_source_run(r->st, end);
    dh_follow_source_close(r->st);
    cr_assert_eq(dh_pipeline_close_output(r->pl), 0);
    return rc;
}

static void run_free(run_t *r)
{
    dh_pipeline_free(r->pl);
    dh_log_close(&r->lg);
    fclose(r->log);
}

/* ---- the checkpoint file ------------------------------------------------------ */

Test(follow, checkpoint_round_trips_and_leaves_no_temporary_file)
{
    make_dir();
    char ck[128], tmp[160], path[256], err[256] = "";
    in_dir(ck, sizeof(ck), "state/follow.checkpoint");
    dh_follow_pos_t p = {.dev = 2049, .ino = 123456789, .offset = 1ULL << 40, .line = 77,
                         .head_len = 256, .head_hash = 0xfedcba9876543210ULL};
    cr_assert_eq(dh_follow_checkpoint_write(ck, "/var/log/zeek/dns log", &p, err, sizeof(err)),
                 0, "%s", err);
    snprintf(tmp, sizeof(tmp), "%s.tmp", ck);
    cr_assert_neq(access(tmp, F_OK), 0, "the temporary file was renamed");
    dh_follow_pos_t q;
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &q, err, sizeof(err)), 1,
                 "%s", err);
    cr_assert_str_eq(path, "/var/log/zeek/dns log");
    cr_assert(q.dev == p.dev && q.ino == p.ino && q.offset == p.offset && q.line == p.line &&
              q.head_len == p.head_len && q.head_hash == p.head_hash);
    /* a second write replaces the first whole */
    p.offset = 5;
    cr_assert_eq(dh_follow_checkpoint_write(ck, "/x", &p, err, sizeof(err)), 0);
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &q, err, sizeof(err)), 1);
    cr_assert_eq(q.offset, 5);
    cr_assert_str_eq(path, "/x");
    remove_dir();
}

Test(follow, a_missing_checkpoint_is_none_and_a_damaged_one_an_error)
{
    make_dir();
    char ck[128], path[256], err[256] = "";
    dh_follow_pos_t q;
    in_dir(ck, sizeof(ck), "none");
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &q, err, sizeof(err)), 0);
    in_dir(ck, sizeof(ck), "bad");
    append_text(ck, "dnshound follow checkpoint 1\ndev 1\nino 2\noffset x\n");
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &q, err, sizeof(err)), -1);
    cr_assert(strstr(err, "not a dnshound follow checkpoint"), "%s", err);
    remove_dir();
}

/* ---- the reader's follow mode ---------------------------------------------------- */

typedef struct {
    const char *path;
    int calls;
    int second; /* what the second call says */
} grow_t;

/* First call: the partial line gets its newline and a partial one follows. */
static int grow_once(void *arg, int fd)
{
    (void)fd;
    grow_t *g = arg;
    if (++g->calls == 1) {
        append_text(g->path, "f\ng");
        return DH_FOLLOW_READ;
    }
    return g->second;
}

static void read_partial_lines(int second, dh_read_t last, uint64_t consumed_at_end)
{
    make_dir();
    char path[128];
    in_dir(path, sizeof(path), "grow.log");
    append_text(path, "abc\nde");
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    dh_file_reader_t *r = dh_file_reader_open_follow(fd, 1024);
    grow_t g = {.path = path, .second = second};
    dh_file_reader_set_wait(r, grow_once, &g);
    const char *line;
    size_t len;
    cr_assert_eq(dh_file_reader_next(r, &line, &len), DH_READ_LINE);
    cr_assert(len == 3 && memcmp(line, "abc", 3) == 0);
    cr_assert_eq(dh_file_reader_consumed(r), 4);
    cr_assert_eq(dh_file_reader_next(r, &line, &len), DH_READ_LINE, "de waits for its newline");
    cr_assert(len == 3 && memcmp(line, "def", 3) == 0, "%.*s", (int)len, line);
    cr_assert_eq(dh_file_reader_consumed(r), 8);
    dh_read_t rc = dh_file_reader_next(r, &line, &len);
    if (last == DH_READ_LINE) { /* END: the rest of a rotated file is a line */
        cr_assert_eq(rc, DH_READ_LINE);
        cr_assert(len == 1 && line[0] == 'g');
        rc = dh_file_reader_next(r, &line, &len);
        cr_assert_eq(rc, DH_READ_EOF);
    } else {
        cr_assert_eq(rc, last, "the partial g is never handed out");
    }
    cr_assert_eq(dh_file_reader_consumed(r), consumed_at_end);
    dh_file_reader_close(r);
    cr_assert_eq(close(fd), 0, "the descriptor is the caller's");
    remove_dir();
}

Test(follow, reader_holds_a_partial_line_until_its_newline_and_drops_it_on_stop)
{
    read_partial_lines(DH_FOLLOW_STOP, DH_READ_STOPPED, 8);
}

Test(follow, reader_hands_out_the_last_line_of_a_file_that_ended)
{
    read_partial_lines(DH_FOLLOW_END, DH_READ_LINE, 9);
}

/* ---- following -------------------------------------------------------------------- */

/* The writer of the rotation test: one step each time the follower idles. */
typedef struct {
    run_t *run;
    char log[128], rot1[128], rot2[128];
    int step;
} script_t;

static void rotate_twice_truncate_once(void *arg)
{
    script_t *s = arg;
    switch (s->step++) {
    case 0: /* the partial record 4 gets its end, 5 follows */
        append_text(s->log, "]}\n");
        append_record(s->log, 5, false);
        break;
    case 1: /* Zeek rotates: rename, a last record lands in the old file, a new file */
        cr_assert_eq(rename(s->log, s->rot1), 0);
        append_record(s->rot1, 6, false);
        append_record(s->log, 7, false);
        append_record(s->log, 8, false);
        break;
    case 2: /* again */
        cr_assert_eq(rename(s->log, s->rot2), 0);
        append_record(s->log, 9, false);
        append_record(s->log, 10, false);
        break;
    case 3: /* truncated, one shorter record written */
        cr_assert_eq(truncate(s->log, 0), 0);
        append_record(s->log, 11, false);
        break;
    default:
        dh_source_request_stop(&s->run->ctl);
    }
}

Test(follow, a_file_rotated_twice_and_truncated_loses_and_repeats_no_record)
{
    make_dir();
    char events[128], ck[128];
    script_t s = {0};
    in_dir(s.log, sizeof(s.log), "dns.log");
    in_dir(s.rot1, sizeof(s.rot1), "dns.2026-12-03-13-00-00.log");
    in_dir(s.rot2, sizeof(s.rot2), "dns.2026-12-03-14-00-00.log");
    in_dir(events, sizeof(events), "events.jsonl");
    in_dir(ck, sizeof(ck), "state/follow.checkpoint");
    for (int n = 1; n <= 3; n++)
        append_record(s.log, n, false);
    /* record 4 without its last bytes: must not be parsed half */
    append_record(s.log, 4, true);
    FILE *f = fopen(s.log, "r+");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long end = ftell(f);
    fclose(f);
    cr_assert_eq(truncate(s.log, end - 2), 0);

    run_t r;
    run_open(&r, s.log, events, ck, false);
    s.run = &r;
    dh_source_end_t e = DH_SOURCE_END_OF_INPUT;
    cr_assert_eq(run_follow(&r, rotate_twice_truncate_once, &s, &e), 0);
    cr_assert_eq(e, DH_SOURCE_STOPPED, "a stop keeps the windows for the resume");
    cr_assert(dh_pipeline_is_live(r.pl));
    for (int n = 1; n <= 11; n++)
        cr_assert_eq(times_seen(events, n), 1, "q%d seen %d times", n, times_seen(events, n));
    cr_assert_eq(lines_in(events), 11);
    const dh_counters_t *c = dh_pipeline_counters(r.pl);
    cr_assert_eq(c->malformed, 0, "no record was parsed half");
    run_free(&r);

    /* the checkpoint is at the end of the truncated file (events: all safe) */
    char path[256], err[256] = "";
    dh_follow_pos_t p;
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &p, err, sizeof(err)), 1,
                 "%s", err);
    struct stat st;
    cr_assert_eq(stat(s.log, &st), 0);
    cr_assert_str_eq(path, s.log);
    cr_assert_eq(p.ino, (uint64_t)st.st_ino);
    cr_assert_eq(p.offset, (uint64_t)st.st_size);
    cr_assert_eq(p.line, 1);
    remove_dir();
}

static void stop_at_once(void *arg)
{
    dh_source_request_stop(&((run_t *)arg)->ctl);
}

static void follow_once(const char *log, const char *events, const char *ck, bool from_start)
{
    run_t r;
    unlink(events);
    run_open(&r, log, events, ck, from_start);
    dh_source_end_t e;
    cr_assert_eq(run_follow(&r, stop_at_once, &r, &e), 0);
    run_free(&r);
}

/* A Zeek TSV log: the restart resumes after the checkpoint, with the
   header read again (the parser needs #fields), and --from-start re-reads. */
Test(follow, a_restart_resumes_at_the_checkpoint_and_from_start_rereads)
{
    make_dir();
    char log[128], events[128], ck[128];
    in_dir(log, sizeof(log), "dns.log");
    in_dir(events, sizeof(events), "events.jsonl");
    in_dir(ck, sizeof(ck), "follow.checkpoint");
    FILE *sample = fopen(DH_SOURCE_DIR "/samples/demo-zeek-dns.log", "r");
    cr_assert_not_null(sample);
    FILE *out = fopen(log, "w");
    char line[8192];
    for (int i = 0; i < 28 && fgets(line, sizeof(line), sample); i++) /* 8 header lines */
        fputs(line, out);
    fclose(out);
    follow_once(log, events, ck, false);
    cr_assert_eq(lines_in(events), 20);

    out = fopen(log, "a");
    for (int i = 0; i < 5 && fgets(line, sizeof(line), sample); i++)
        fputs(line, out);
    fclose(out);
    fclose(sample);
    follow_once(log, events, ck, false);
    cr_assert_eq(lines_in(events), 5, "only what was appended after the checkpoint");

    follow_once(log, events, ck, false);
    cr_assert_eq(lines_in(events), 0, "nothing before the checkpoint repeats");

    follow_once(log, events, ck, true);
    cr_assert_eq(lines_in(events), 25, "--from-start reads it all again");
    remove_dir();
}

/* A replaced file (another inode at the path, the old one gone) is read
   from its start. */
Test(follow, a_file_replaced_while_stopped_is_read_from_its_start)
{
    make_dir();
    char log[128], events[128], ck[128];
    in_dir(log, sizeof(log), "dns.log");
    in_dir(events, sizeof(events), "events.jsonl");
    in_dir(ck, sizeof(ck), "follow.checkpoint");
    for (int n = 1; n <= 4; n++)
        append_record(log, n, false);
    follow_once(log, events, ck, false);
    cr_assert_eq(lines_in(events), 4);
    cr_assert_eq(unlink(log), 0);
    append_record(log, 5, false);
    follow_once(log, events, ck, false);
    cr_assert_eq(lines_in(events), 1);
    cr_assert_eq(times_seen(events, 5), 1);
    remove_dir();
}

/* Rotated while stopped, after more was written: the rest of the rotated
   file (found in the directory by its inode and head) comes first, then
   the new file from its start. */
Test(follow, a_file_rotated_while_stopped_is_finished_before_the_new_one)
{
    make_dir();
    char log[128], events[128], ck[128], old[128];
    in_dir(log, sizeof(log), "dns.log");
    in_dir(old, sizeof(old), "dns.2026-12-03-13-00-00.log");
    in_dir(events, sizeof(events), "events.jsonl");
    in_dir(ck, sizeof(ck), "follow.checkpoint");
    for (int n = 1; n <= 4; n++)
        append_record(log, n, false);
    follow_once(log, events, ck, false);
    cr_assert_eq(lines_in(events), 4);
    append_record(log, 5, false);
    append_record(log, 6, false);
    cr_assert_eq(rename(log, old), 0);
    append_record(log, 7, false);
    follow_once(log, events, ck, false);
    for (int n = 5; n <= 7; n++)
        cr_assert_eq(times_seen(events, n), 1, "q%d", n);
    cr_assert_eq(lines_in(events), 3, "nothing before the checkpoint repeats");
    remove_dir();
}

/* A fresh directory with eve.json holding one Suricata request that waits
   for its response (a pending transaction); names the log, the events
   output and the checkpoint file in it (128 bytes each). */
static void pending_request_log(char *log, char *events, char *ck)
{
    make_dir();
    in_dir(log, 128, "eve.json");
    in_dir(events, 128, "events.jsonl");
    in_dir(ck, 128, "follow.checkpoint");
    append_text(log, "{\"timestamp\":\"2023-11-08T08:00:11.729939+0000\",\"flow_id\":1,"
                     "\"event_type\":\"dns\",\"src_ip\":\"10.1.0.19\",\"src_port\":38864,"
                     "\"dest_ip\":\"10.0.1.53\",\"dest_port\":53,\"proto\":\"UDP\","
                     "\"dns\":{\"version\":2,\"type\":\"query\",\"id\":64837,"
                     "\"rrname\":\"pending.example.com\",\"rrtype\":\"A\",\"tx_id\":0}}\n");
}

/* The checkpoint covers only records whose findings are safe: a Suricata
   request still waiting for its response (a pending transaction) holds it
   at the start of the request's group, so the restart reads the request
   again and pairs it with its response. */
Test(follow, the_checkpoint_stops_before_a_pending_transaction)
{
    char log[128], events[128], ck[128];
    pending_request_log(log, events, ck);
    follow_once(log, events, ck, false);
    char path[256], err[256] = "";
    dh_follow_pos_t p;
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &p, err, sizeof(err)), 1,
                 "%s", err);
    cr_assert_eq(p.offset, 0, "the request is not accounted for yet");
    cr_assert_eq(p.line, 0);
    remove_dir();
}

static void finish_at_once(void *arg)
{
    dh_source_request_finish(&((run_t *)arg)->ctl);
}

/* A finish (SIGUSR1) ends the input: every window and transaction closes,
   so the checkpoint moves to the end of what was read, pending request
   included. */
Test(follow, a_finish_ends_the_input_and_checkpoints_all)
{
    char log[128], events[128], ck[128];
    pending_request_log(log, events, ck);
    run_t r;
    run_open(&r, log, events, ck, false);
    dh_source_end_t e = DH_SOURCE_STOPPED;
    dh_follow_source_set_idle_hook(r.st, finish_at_once, &r, 1);
    cr_assert_eq(dh_follow_source_run(r.st, &e), 0);
    dh_follow_source_close(r.st);
    cr_assert_eq(e, DH_SOURCE_END_OF_INPUT);
    cr_assert_eq(dh_pipeline_counters(r.pl)->dns_events, 1, "the request became an event");
    run_free(&r);
    char path[256], err[256] = "";
    dh_follow_pos_t p;
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &p, err, sizeof(err)), 1,
                 "%s", err);
    struct stat st;
    cr_assert_eq(stat(log, &st), 0);
    cr_assert_eq(p.offset, (uint64_t)st.st_size);
    cr_assert_eq(p.line, 1);
    remove_dir();
}

Test(follow, a_gzip_file_cannot_be_followed)
{
    make_dir();
    char log[128], events[128];
    in_dir(log, sizeof(log), "dns.log.gz");
    in_dir(events, sizeof(events), "events.jsonl");
    append_text(log, "\x1f\x8b\x08\x00");
    run_t r;
    run_open(&r, log, events, NULL, false);
    dh_source_end_t e;
    cr_assert_eq(run_follow(&r, stop_at_once, &r, &e), -1);
    cr_assert_eq(dh_pipeline_counters(r.pl)->inputs_failed, 1);
    char msg[512] = "";
    rewind(r.log);
    cr_assert_not_null(fgets(msg, sizeof(msg), r.log));
    cr_assert(strstr(msg, "a gzip file cannot be followed"), "%s", msg);
    run_free(&r);
    remove_dir();
}

/* ---- positions across a truncation ------------------------------------------ */

/* n records (queries tagN.example.com) from ts, one each step_ds tenths
   of a second, appended. */
static void append_records_every(const char *path, char tag, int n, long ts, long step_ds)
{
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    for (int i = 0; i < n; i++)
        fprintf(f,
                "{\"ts\":%ld.%d,\"uid\":\"C%c%d\",\"id.orig_h\":\"10.1.0.%d\","
                "\"id.orig_p\":38864,\"id.resp_h\":\"10.0.1.53\",\"id.resp_p\":53,"
                "\"proto\":\"udp\",\"trans_id\":%d,\"query\":\"%c%d.example.com\","
                "\"qtype\":1,\"qtype_name\":\"A\",\"rcode\":0,\"rcode_name\":\"NOERROR\","
                "\"answers\":[\"192.0.2.1\"],\"TTLs\":[60.0]}\n",
                ts + i * step_ds / 10, (int)(i * step_ds % 10), tag, i, i % 50 + 1, i, tag, i);
    fclose(f);
}

/* n records from ts, one each tenth of a second. */
static void append_records_at(const char *path, char tag, int n, long ts)
{
    append_records_every(path, tag, n, ts, 1);
}

#define T_OLD 1699430400L              /* 2023-11-08T08:00:00Z */
#define T_NEW (T_OLD + 3 * 86400L)     /* three days later: the old windows closed */

typedef struct {
    run_t *run;
    const char *log;
    int step;
} trunc_script_t;

/* The log, empty when the follower opened it (so the head it hashed was
   short), gets a day of records and then, three days later, more: the
   first group of lines is safe, the second (in open windows) is not, nor
   are the records written after the truncation (in the same windows). Then
   it is truncated (copytruncate) and, once that was seen, written again,
   longer than before. */
static void copytruncate_after_two_groups(void *arg)
{
    trunc_script_t *s = arg;
    switch (s->step++) {
    case 0:
        append_records_at(s->log, 'a', 1000, T_OLD);
        append_records_at(s->log, 'b', 20, T_NEW);
        break;
    case 1:
        cr_assert_eq(truncate(s->log, 0), 0);
        break;
    case 2:
        append_records_at(s->log, 'c', 1500, T_NEW + 2);
        break;
    default:
        dh_source_request_stop(&s->run->ctl);
    }
}

/* A detecting run (the shipped rules, no history file, no wall-clock idle
   rule; no --max-future drop of the jump unless keep_max_future) of log. */
static void run_open_detecting_as(run_t *r, const char *log, const char *out, const char *ckpt,
                                  bool keep_max_future)
{
    run_options(r, out, ckpt, false);
    r->o.core.emit = DH_EMIT_DETECTIONS;
    r->o.detect.rules_dir = DH_SOURCE_DIR "/rules";
    r->o.history.no_state = true;
    r->o.core.idle_flush_us = 0;
    if (!keep_max_future)
        r->o.core.max_future_us = 0;
    run_start(r, log);
}

static void run_open_detecting(run_t *r, const char *log, const char *out, const char *ckpt)
{
    run_open_detecting_as(r, log, out, ckpt, false);
}

/* The paths of a scripted run in a fresh directory. */
typedef struct {
    char log[128], out[128], ck[128];
} script_paths_t;

/* A fresh directory whose dns.log, empty when the follower opens it, is
   written by script (a trunc_script_t) while a detecting run follows it;
   returns the records the run read. */
static uint64_t follow_scripted(script_paths_t *d, dh_follow_idle_fn script, bool keep_max_future)
{
    make_dir();
    in_dir(d->log, sizeof(d->log), "dns.log");
    in_dir(d->out, sizeof(d->out), "detections.jsonl");
    in_dir(d->ck, sizeof(d->ck), "follow.checkpoint");
    append_text(d->log, "");
    run_t r;
    run_open_detecting_as(&r, d->log, d->out, d->ck, keep_max_future);
    trunc_script_t s = {.run = &r, .log = d->log};
    dh_source_end_t e;
    cr_assert_eq(run_follow(&r, script, &s, &e), 0);
    uint64_t records = dh_pipeline_counters(r.pl)->records;
    run_free(&r);
    return records;
}

/* A position recorded before a copytruncate is in content that is gone: the
   checkpoint must not give it the new content's head (the restart's "same
   file" check would then pass and resume mid-way into the new records). */
Test(follow, a_position_from_before_a_copytruncate_is_not_resumed_in_the_new_content)
{
    script_paths_t d;
    cr_assert_eq(follow_scripted(&d, copytruncate_after_two_groups, false), 2520);
    const char *log = d.log, *out = d.out, *ck = d.ck;
    run_t r;
    dh_source_end_t e;

    run_open_detecting(&r, log, out, ck);
    cr_assert_eq(run_follow(&r, stop_at_once, &r, &e), 0);
    uint64_t again = dh_pipeline_counters(r.pl)->records;
    run_free(&r);
    cr_assert_eq(again, 1500, "the restart reads every record of the new content once "
                 "(read %" PRIu64 ")", again);
    remove_dir();
}

/* Truncated and written again past the position reached, all while the
   follower slept (copytruncate between two polls): the file is not shorter,
   so only its head tells. It is checked before the next read, so the new
   content is read from its start, not from the old offset as a
   continuation (a cut line, records repeated or skipped). */
static void copytruncate_and_regrow_at_once(void *arg)
{
    trunc_script_t *s = arg;
    switch (s->step++) {
    case 0:
        append_records_at(s->log, 'a', 100, T_OLD);
        break;
    case 1:
        cr_assert_eq(truncate(s->log, 0), 0);
        append_records_at(s->log, 'c', 150, T_OLD + 20);
        break;
    default:
        dh_source_request_stop(&s->run->ctl);
    }
}

Test(follow, a_file_truncated_and_regrown_between_two_polls_is_read_from_its_start)
{
    make_dir();
    char log[128], events[128], ck[128];
    in_dir(log, sizeof(log), "dns.log");
    in_dir(events, sizeof(events), "events.jsonl");
    in_dir(ck, sizeof(ck), "follow.checkpoint");
    append_text(log, "");
    run_t r;
    run_open(&r, log, events, ck, false);
    trunc_script_t s = {.run = &r, .log = log};
    dh_source_end_t e;
    cr_assert_eq(run_follow(&r, copytruncate_and_regrow_at_once, &s, &e), 0);
    const dh_counters_t *c = dh_pipeline_counters(r.pl);
    cr_assert_eq(c->malformed, 0, "no line was read from the middle");
    cr_assert_eq(c->records, 250);
    run_free(&r);
    cr_assert_eq(lines_in(events), 250);
    remove_dir();
}

/* The reader's check runs every so many bytes read without a pause (a file
   growing faster than it is read never reaches a wait) and after a wait;
   a stop from it hands out the whole lines read and drops a partial one. */
typedef struct {
    int checks, stop_at, waits;
} check_count_t;

static int count_check(void *arg, int fd)
{
    (void)fd;
    check_count_t *c = arg;
    return ++c->checks == c->stop_at ? DH_FOLLOW_STOP : DH_FOLLOW_READ;
}

static int count_wait(void *arg, int fd)
{
    (void)fd;
    check_count_t *c = arg;
    return ++c->waits == 1 ? DH_FOLLOW_READ : DH_FOLLOW_END;
}

static uint64_t read_all_checked(const char *path, check_count_t *c, dh_read_t *last)
{
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    dh_file_reader_t *r = dh_file_reader_open_follow(fd, 1024);
    dh_file_reader_set_wait(r, count_wait, c);
    dh_file_reader_set_check(r, count_check, 64 * 1024);
    const char *line;
    size_t len;
    uint64_t lines = 0;
    while ((*last = dh_file_reader_next(r, &line, &len)) == DH_READ_LINE)
        lines++;
    dh_file_reader_close(r);
    close(fd);
    return lines;
}

Test(follow, reader_checks_every_so_many_bytes_and_after_a_wait)
{
    make_dir();
    char path[128];
    in_dir(path, sizeof(path), "big.log");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 10000; i++) /* 100 bytes a line: 1,000,000 bytes */
        fprintf(f, "%099d\n", i);
    fputs("partial", f);
    fclose(f);
    check_count_t c = {0};
    dh_read_t last;
    cr_assert_eq(read_all_checked(path, &c, &last), 10001, "the partial line ends the file");
    cr_assert_eq(last, DH_READ_EOF);
    /* 1,000,007 bytes in 256 KiB reads: checks at 64 Ki, 320 Ki, 576 Ki and
       832 Ki read (one per read at most), then one after the wait */
    cr_assert_eq(c.checks, 5, "%d checks", c.checks);
    cr_assert_eq(c.waits, 2);

    check_count_t s = {.stop_at = 2};
    uint64_t lines = read_all_checked(path, &s, &last);
    cr_assert_eq(last, DH_READ_STOPPED);
    /* the second check comes before the third read: the whole lines of
       two reads of about 256 KiB each */
    cr_assert(lines > 5000 && lines < 5300, "%" PRIu64 " lines", lines);
    remove_dir();
}

/* A record dropped by --max-future is not an event: it must not hold back
   the checkpoint of its group of lines until event time reaches it. */
static void one_far_future_record_in_two_days(void *arg)
{
    trunc_script_t *s = arg;
    if (s->step++ == 0) {
        append_records_every(s->log, 'a', 500, T_OLD, 600);
        append_records_every(s->log, 'f', 1, T_OLD + 30 * 86400L, 10); /* line 501 */
        append_records_every(s->log, 'b', 2500, T_OLD + 500 * 60, 600);
    } else {
        dh_source_request_stop(&s->run->ctl);
    }
}

Test(follow, a_record_dropped_as_future_does_not_hold_back_the_checkpoint)
{
    script_paths_t d;
    cr_assert_eq(follow_scripted(&d, one_far_future_record_in_two_days, true), 3001);
    const char *ck = d.ck;
    char path[256], err[256] = "";
    dh_follow_pos_t p;
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &p, err, sizeof(err)), 1,
                 "%s", err);
    cr_assert_geq(p.line, 1000, "the first group (the dropped record in it) is accounted "
                  "for two days later (line %" PRIu64 ")", p.line);
    remove_dir();
}

/* n one-off lookups (tagN.siteN.org: a registered domain each, one client,
   so that noise control finds none common) from ts, one a second. */
static void append_one_off_lookups(const char *path, char tag, int n, long ts)
{
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    for (int i = 0; i < n; i++)
        fprintf(f,
                "{\"ts\":%ld.5,\"uid\":\"C%c%d\",\"id.orig_h\":\"10.1.0.19\","
                "\"id.orig_p\":38864,\"id.resp_h\":\"10.0.1.53\",\"id.resp_p\":53,"
                "\"proto\":\"udp\",\"trans_id\":%d,\"query\":\"%c%d.site%c%d.org\","
                "\"qtype\":1,\"qtype_name\":\"A\",\"rcode\":0,\"rcode_name\":\"NOERROR\","
                "\"answers\":[\"192.0.2.1\"],\"TTLs\":[60.0]}\n",
                ts + i, tag, i, i, tag, i, tag, i);
    fclose(f);
}

static void one_offs_then_three_days_later(void *arg)
{
    trunc_script_t *s = arg;
    if (s->step++ == 0) {
        append_one_off_lookups(s->log, 'a', 1000, T_OLD);
        append_one_off_lookups(s->log, 'b', 20, T_NEW);
    } else {
        dh_source_request_stop(&s->run->ctl);
    }
}

/* With the shipped rules, first check-ins waiting in the beacon gate hold
   the checkpoint back only while their window is open: three days later
   the first day's lines are accounted for. */
Test(follow, one_off_lookups_of_a_closed_window_do_not_hold_back_the_checkpoint)
{
    script_paths_t d;
    cr_assert_eq(follow_scripted(&d, one_offs_then_three_days_later, false), 1020);
    const char *ck = d.ck;
    char path[256], err[256] = "";
    dh_follow_pos_t p;
    cr_assert_eq(dh_follow_checkpoint_read(ck, path, sizeof(path), &p, err, sizeof(err)), 1,
                 "%s", err);
    cr_assert_eq(p.line, 1000, "the first day's group is accounted for (line %" PRIu64 ")",
                 p.line);
    remove_dir();
}
