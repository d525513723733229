/*
 * test-view.c - how detections reach the output: a batch run's lines come
 * out sorted by @timestamp (ties as found), within the memory bound; a live
 * run's at once; the text and table views and the per-host summary; and no
 * control character from the data reaches a terminal.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

typedef struct {
    dh_strbuf_t all;
    int writes;
} sink_t;

static int collect(void *ctx, const char *line, size_t len, const char *key)
{
    (void)key;
    sink_t *s = ctx;
    dh_sb_put(&s->all, line, len);
    s->writes++;
    return 0;
}

static char line_buf[2048];

/* A detection line as detection.c writes it (@timestamp first). */
static const char *det(const char *ts, const char *rule, const char *ip, const char *dom,
                       double risk, const char *tech, const char *msg, bool update)
{
    snprintf(line_buf, sizeof(line_buf),
             "{\"@timestamp\":\"%s\",\"message\":\"%s\",\"event\":{\"kind\":\"alert\","
             "\"risk_score\":%g,\"severity\":4},\"rule\":{\"name\":\"%s\"},\"threat\":"
             "{\"technique\":{\"id\":[\"T1071\"],\"subtechnique\":{\"id\":[\"%s\"]}}},"
             "\"source\":{\"ip\":\"%s\"},\"dns\":{\"question\":{\"registered_domain\":\"%s\"}},"
             "\"dnshound\":{%s}}\n",
             ts, msg, risk, rule, tech, ip, dom, update ? "\"update\":true" : "");
    return line_buf;
}

static void feed(dh_view_t *v, const char *ts, const char *tag, bool ordered)
{
    const char *l = det(ts, tag, "10.0.0.1", "x.com", 50, "T1071.004", tag, false);
    cr_assert_eq(dh_view_line(v, l, strlen(l), "k", ordered), 0);
}

static void terminate(sink_t *s)
{
    dh_sb_putc(&s->all, '\0');
    s->all.len--;
}

Test(view, a_batch_run_comes_out_in_event_time_order)
{
    sink_t s = {0};
    dh_view_t *v = dh_view_new(DH_VIEW_JSON, 1 << 20, collect, &s, NULL);
    feed(v, "2023-11-08T10:00:00.000000Z", "third", true);
    feed(v, "2023-11-08T09:00:00.000000Z", "first", true);
    feed(v, "2023-11-08T10:00:00.000000Z", "fourth", true); /* a tie: as found */
    feed(v, "2023-11-08T09:30:00.000000Z", "second", true);
    cr_assert_eq(s.writes, 0, "held until the end");
    cr_assert_eq(dh_view_finish(v), 0);
    terminate(&s);
    const char *a = strstr(s.all.buf, "first"), *b = strstr(s.all.buf, "second"),
               *c = strstr(s.all.buf, "third"), *d = strstr(s.all.buf, "fourth");
    cr_assert(a && b && c && d && a < b && b < c && c < d, "%s", s.all.buf);
    cr_assert_eq(s.writes, 4, "JSON: no summary");
    dh_view_free(v);
    dh_sb_free(&s.all);
}

Test(view, held_lines_stay_within_the_bound)
{
    sink_t s = {0};
    dh_view_t *v = dh_view_new(DH_VIEW_JSON, 1500, collect, &s, NULL);
    for (int i = 0; i < 10; i++) {
        char ts[40];
        snprintf(ts, sizeof(ts), "2023-11-08T%02d:00:00.000000Z", 20 - i);
        feed(v, ts, "x", true);
    }
    cr_assert_gt(s.writes, 0, "spilled before the end");
    cr_assert_gt(dh_view_stats(v).order_spills, 0);
    dh_view_finish(v);
    cr_assert_eq(s.writes, 10, "nothing lost");
    dh_view_free(v);
    dh_sb_free(&s.all);
}

Test(view, a_live_run_writes_at_once)
{
    sink_t s = {0};
    dh_view_t *v = dh_view_new(DH_VIEW_JSON, 1 << 20, collect, &s, NULL);
    feed(v, "2023-11-08T10:00:00.000000Z", "held", true);
    feed(v, "2023-11-08T09:00:00.000000Z", "live", false);
    cr_assert_eq(s.writes, 2, "the held line goes first, then the live one");
    terminate(&s);
    cr_assert(strstr(s.all.buf, "held") < strstr(s.all.buf, "live"));
    dh_view_free(v);
    dh_sb_free(&s.all);
}

Test(view, text_rows_and_the_summary_per_host)
{
    sink_t s = {0};
    dh_view_t *v = dh_view_new(DH_VIEW_TEXT, 1 << 20, collect, &s, NULL);
    const char *l = det("2023-11-08T09:52:44.665272Z", "dns_tunnel", "10.1.0.14", "towzifohi.com",
                        73, "T1071.004", "10.1.0.14 tunneled ~6.3 KB", false);
    dh_view_line(v, l, strlen(l), "", true);
    l = det("2023-11-08T09:59:03.000000Z", "dns_exfil", "10.1.0.14", "towzifohi.com", 68,
            "T1048.003", "sent", false);
    dh_view_line(v, l, strlen(l), "", true);
    l = det("2023-11-08T10:30:00.000000Z", "dns_exfil", "10.1.0.14", "towzifohi.com", 68,
            "T1048.003", "sent more", true);
    dh_view_line(v, l, strlen(l), "", true);
    l = det("2023-11-08T09:00:00.000000Z", "dga", "10.1.0.7", "a.biz", 40, "T1568.002", "dga",
            false);
    dh_view_line(v, l, strlen(l), "", true);
    dh_view_finish(v);
    terminate(&s);
    const char *t = s.all.buf;
    cr_assert(strstr(t, "2023-11-08 09:52:44  high      dns_tunnel        T1071.004  10.1.0.14"),
              "%s", t);
    cr_assert(strstr(t, "(update) sent more"), "%s", t);
    const char *sum = strstr(t, "2 hosts with findings");
    cr_assert(sum, "%s", t);
    const char *h14 = strstr(sum, "  10.1.0.14 "), *h7 = strstr(sum, "  10.1.0.7 ");
    cr_assert(h14 && h7 && h14 < h7, "the riskiest host first: %s", t);
    cr_assert(strstr(h14, "  10.1.0.14               2          0    73          -  dns_tunnel        "
                          "T1071.004, T1048.003"),
              "an update is not a finding of its own: %s", h14);
    dh_view_free(v);
    dh_sb_free(&s.all);
}

Test(view, the_table_has_one_header)
{
    sink_t s = {0};
    dh_view_t *v = dh_view_new(DH_VIEW_TABLE, 1 << 20, collect, &s, NULL);
    feed(v, "2023-11-08T10:00:00.000000Z", "a", true);
    feed(v, "2023-11-08T11:00:00.000000Z", "b", true);
    dh_view_finish(v);
    terminate(&s);
    const char *first = strstr(s.all.buf, "time (UTC)");
    cr_assert(first == s.all.buf, "%s", s.all.buf);
    cr_assert_null(strstr(first + 1, "time (UTC)"));
    cr_assert(strstr(s.all.buf, " | a"));
    dh_view_free(v);
    dh_sb_free(&s.all);
}

Test(view, no_control_character_reaches_a_terminal)
{
    dh_strbuf_t o;
    dh_sb_init(&o);
    dh_view_safe_text(&o, "a\x1b[31mb\x07\x7f" "c\xc2\x9b" "d\xc3\xa9", 15);
    dh_sb_putc(&o, '\0');
    cr_assert_str_eq(o.buf, "a\\x1b[31mb\\x07\\x7fc\\x9bd\xc3\xa9");
    dh_sb_free(&o);
    /* a message holding an escape (JSON \u001b) is shown escaped */
    sink_t s = {0};
    dh_view_t *v = dh_view_new(DH_VIEW_TEXT, 1 << 20, collect, &s, NULL);
    const char *l = det("2023-11-08T10:00:00.000000Z", "r", "10.0.0.1", "x.com", 1, "T1",
                        "evil\\u001b]0;title\\u0007", false);
    dh_view_line(v, l, strlen(l), "", false);
    terminate(&s);
    cr_assert(strstr(s.all.buf, "evil\\x1b]0;title\\x07"), "%s", s.all.buf);
    cr_assert_null(memchr(s.all.buf, 0x1b, s.all.len));
    dh_view_free(v);
    dh_sb_free(&s.all);
}
