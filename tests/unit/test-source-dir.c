/*
 * test-source-dir.c - the directory source (src/sources/source-dir.c): it
 * claims directories, walks them recursively, takes only log names, reads
 * every file once whatever links point where (no loops), orders the files
 * by their first record (ties by path) and reads them as one replay, with
 * non-DNS Zeek logs skipped rather than malformed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "options-map.h"
#include "source.h"
#include "sources/source-dir.h"
#include "util-json.h"

#define HEADER "#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\t" \
               "id.resp_h\tid.resp_p\tproto\ttrans_id\tquery\n"

/* A fresh directory /tmp/dh-dir.XXXXXX. */
static void temp_dir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/dh-dir.XXXXXX");
    cr_assert_not_null(mkdtemp(buf));
}

static void write_file(const char *root, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* A Zeek dns.log whose only record is at time ts. */
static void write_dns_log(const char *root, const char *rel, const char *ts)
{
    char text[1024];
    snprintf(text, sizeof(text), HEADER "%s\tC1\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\texample.com\n",
             ts);
    write_file(root, rel, text);
}

static void remove_tree(const char *root)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

/* The plan, as paths relative to root, joined by spaces. */
static char *plan(const char *root, dh_dir_walk_stats_t *st)
{
    dh_options_t o;
    dh_options_default(&o);
    dh_log_t quiet; /* INFO: the walk's debug lines are not shown */
    dh_log_init(&quiet, NULL);
    size_t n;
    char **paths = dh_dir_source_list(root, &o.input, &quiet, &n, st);
    static char out[4096];
    out[0] = '\0';
    size_t skip = strlen(root) + 1;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(strncmp(paths[i], root, skip - 1), 0);
        if (i)
            strcat(out, " ");
        strcat(out, paths[i] + skip);
    }
    cr_assert_null(paths[n]);
    dh_dir_source_free_list(paths);
    return out;
}

Test(source_dir, claims_directories_only)
{
    cr_assert_str_eq(dh_source_for(DH_SOURCE_DIR "/samples")->name, "dir");
    cr_assert_str_eq(dh_source_for(DH_SOURCE_DIR "/samples/")->name, "dir");
    cr_assert_str_eq(dh_source_for(DH_SOURCE_DIR "/samples/demo-eve.json")->name, "file");
    cr_assert_str_eq(dh_source_for("/nonexistent/dir")->name, "file", "the file source reports it");
    cr_assert_str_eq(dh_source_for("-")->name, "stdin");
}

Test(source_dir, log_names_are_the_issues_patterns)
{
    static const char *const logs[] = {"dns.log", "dns.09:00:00-10:00:00.log.gz", "conn.log",
                                       "eve.json", "eve.json.1", "eve.json.2.gz", NULL};
    static const char *const others[] = {"README", "stats.json", "dns.log.1", "dns.log.bz2",
                                         "loaded_scripts.txt", "my-eve.json", "dns.logs", NULL};
    for (size_t i = 0; logs[i]; i++)
        cr_expect(dh_dir_source_is_log_name(logs[i]), "%s", logs[i]);
    for (size_t i = 0; others[i]; i++)
        cr_expect_not(dh_dir_source_is_log_name(others[i]), "%s", others[i]);
}

Test(source_dir, files_are_ordered_by_first_record_then_path)
{
    char root[64];
    temp_dir(root, sizeof(root));
    /* names and directories sort the other way round from the times */
    write_dns_log(root, "a/dns.log", "1700000300.0");
    write_dns_log(root, "b/dns.log", "1700000200.0");
    write_dns_log(root, "c/deeper/still/dns.log", "1700000100.0");
    write_dns_log(root, "z.log", "1700000100.0"); /* a tie: by path */
    write_file(root, "empty.log", "");            /* no record: last */
    cr_assert_str_eq(plan(root, NULL),
                     "c/deeper/still/dns.log z.log b/dns.log a/dns.log empty.log");
    remove_tree(root);
}

Test(source_dir, recursion_skips_other_names_and_counts_them)
{
    char root[64];
    temp_dir(root, sizeof(root));
    write_dns_log(root, "2026-11-01/dns.00:00:00-01:00:00.log", "1700000000.0");
    write_file(root, "2026-11-01/loaded_scripts.txt", "x\n");
    write_file(root, "2026-11-01/stats.json", "{}\n");
    write_file(root, "README", "hello\n");
    dh_dir_walk_stats_t st;
    cr_assert_str_eq(plan(root, &st), "2026-11-01/dns.00:00:00-01:00:00.log");
    cr_assert_eq(st.skipped_names, 3);
    cr_assert_eq(st.seen_twice, 0);
    remove_tree(root);
}

Test(source_dir, symlink_loops_and_second_links_are_taken_once)
{
    char root[64], link[128], target[128];
    temp_dir(root, sizeof(root));
    write_dns_log(root, "a/b/dns.log", "1700000000.0");
    snprintf(link, sizeof(link), "%s/a/b/loop", root);
    cr_assert_eq(symlink("../..", link), 0); /* back to root */
    snprintf(link, sizeof(link), "%s/again.log", root);
    snprintf(target, sizeof(target), "%s/a/b/dns.log", root);
    cr_assert_eq(symlink(target, link), 0); /* the same file under another name */
    dh_dir_walk_stats_t st;
    cr_assert_str_eq(plan(root, &st), "a/b/dns.log", "once, under the name that sorts first");
    cr_assert_eq(st.seen_twice, 2, "the loop and the second name");
    remove_tree(root);
}

/* A Zeek conn.log among the logs: sniffed as Zeek, every row skipped by
   its #path, none malformed, and the input does not fail. */
Test(source_dir, a_zeek_conn_log_is_skipped_not_malformed)
{
    char root[64];
    temp_dir(root, sizeof(root));
    write_dns_log(root, "dns.log", "1700000000.0");
    dh_strbuf_t conn;
    dh_sb_init(&conn);
    dh_sb_puts(&conn, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                      "#unset_field\t-\n#path\tconn\n#open\t2026-11-01-00-00-00\n"
                      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
                      "service\tduration\n"
                      "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\n");
    for (int i = 0; i < 500; i++)
        dh_sb_puts(&conn, "1700000001.0\tCx\t10.0.0.1\t40000\t10.0.0.2\t443\ttcp\tssl\t1.5\n");
    dh_sb_puts(&conn, "#close\t2026-11-01-01-00-00\n");
    dh_sb_putc(&conn, '\0');
    write_file(root, "conn.log", conn.buf);
    dh_sb_free(&conn);

    dh_options_t o;
    FILE *log = tmpfile();
    cap_options(&o, "/dev/null", log);
    dh_log_t lg;
    dh_log_init(&lg, log);
    o.logger = &lg;
    o.core.emit = DH_EMIT_EVENTS;
    char err[256];
    dh_pipeline_t *pl = dh_pipeline_new(&o, err, sizeof(err));
    cr_assert_not_null(pl, "%s", err);
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end;
    cr_assert_eq(dh_source_read(dh_source_for(root), root, pl, &o, &ctl, &end), 0);
    cr_assert_eq(end, DH_SOURCE_END_OF_INPUT);
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    const dh_counters_t *c = dh_pipeline_counters(pl);
    cr_expect_eq(c->inputs, 2);
    cr_expect_eq(c->skipped, 500);
    cr_expect_eq(c->malformed, 0);
    cr_expect_eq(c->dns_events, 1);
    cr_expect_eq(c->inputs_failed, 0);
    dh_pipeline_free(pl);
    dh_log_close(&lg);
    fclose(log);
    remove_tree(root);
}

/* An unreadable file is reported as its input, the others are read, and
   the run fails (exit status 1). */
Test(source_dir, an_unreadable_file_is_reported_and_the_rest_read)
{
    char root[64], link[128];
    temp_dir(root, sizeof(root));
    write_dns_log(root, "dns.log", "1700000000.0");
    snprintf(link, sizeof(link), "%s/gone.log", root);
    cr_assert_eq(symlink("/nonexistent/x.log", link), 0);
    dh_options_t o;
    FILE *log = tmpfile();
    cap_options(&o, "/dev/null", log);
    dh_log_t lg;
    dh_log_init(&lg, log);
    o.logger = &lg;
    o.core.emit = DH_EMIT_EVENTS;
    char err[256];
    dh_pipeline_t *pl = dh_pipeline_new(&o, err, sizeof(err));
    cr_assert_not_null(pl, "%s", err);
    dh_source_ctl_t ctl = {0};
    dh_source_end_t end;
    cr_assert_eq(dh_source_read(dh_source_for(root), root, pl, &o, &ctl, &end), -1);
    cr_assert_eq(dh_pipeline_finish(pl), 0);
    const dh_counters_t *c = dh_pipeline_counters(pl);
    cr_expect_eq(c->inputs_failed, 1);
    cr_expect_eq(c->dns_events, 1, "the readable file was read");
    long n = ftell(log);
    char *text = calloc(1, (size_t)n + 1);
    rewind(log);
    cr_assert_eq(fread(text, 1, (size_t)n, log), (size_t)n);
    cr_expect_not_null(strstr(text, "gone.log: No such file or directory"), "%s", text);
    free(text);
    dh_pipeline_free(pl);
    dh_log_close(&lg);
    fclose(log);
    remove_tree(root);
}

/* Suricata writes fast.log and stats.log beside eve.json: named like logs,
   known to no parser, they are skipped, not read as malformed input that
   would fail the run. An empty log stays (it has nothing to report). */
Test(source_dir, logs_of_no_known_format_are_skipped)
{
    char root[64];
    temp_dir(root, sizeof(root));
    write_dns_log(root, "dns.log", "1700000000.0");
    dh_strbuf_t fast;
    dh_sb_init(&fast);
    for (int i = 0; i < 150; i++)
        dh_sb_puts(&fast, "11/01/2026-10:00:00.123456  [**] [1:2000:1] ET POLICY x [**] "
                          "{UDP} 10.0.0.1:53 -> 10.0.0.2:5353\n");
    dh_sb_putc(&fast, '\0');
    write_file(root, "fast.log", fast.buf);
    dh_sb_free(&fast);
    write_file(root, "empty.log", "");
    dh_dir_walk_stats_t st;
    cr_assert_str_eq(plan(root, &st), "dns.log empty.log");
    cr_assert_eq(st.skipped_formats, 1);
    dh_options_t o;
    dh_options_default(&o);
    o.input.format = "zeek";
    size_t n;
    dh_log_t quiet;
    dh_log_init(&quiet, NULL);
    char **paths = dh_dir_source_list(root, &o.input, &quiet, &n, NULL);
    cr_assert_eq(n, 3, "with --format every log name is read");
    dh_dir_source_free_list(paths);
    remove_tree(root);
}
