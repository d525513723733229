/*
 * test-dns-tunnel.c - the NULL/PRIVATE tunnel detector on crafted event
 * sequences: threshold boundaries, one finding per client x domain x window,
 * event-time windows, and the serialized record.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "detector.h"
#include "util-ip.h"

extern const dh_detector_type_t dh_detector_dns_tunnel;

typedef struct {
    int n;
    char json[8][4096];
} sink_t;

static void collect(void *ctx, const dh_detection_t *d)
{
    sink_t *s = ctx;
    cr_assert_lt(s->n, 8);
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_detection_to_json(d, &sb);
    snprintf(s->json[s->n++], 4096, "%s", sb.buf);
    dh_sb_free(&sb);
}

typedef struct {
    dh_rule_t *rule;
    void *st;
    sink_t sink;
    dh_detect_env_t env;
} fixture_t;

static void open_detector(fixture_t *f)
{
    char err[256];
    memset(f, 0, sizeof(*f));
    f->rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(f->rule, "%s", err);
    f->st = dh_detector_dns_tunnel.create(f->rule, err, sizeof(err));
    cr_assert_not_null(f->st, "%s", err);
    f->env.emit = collect;
    f->env.pipeline = &f->sink;
}

static void close_detector(fixture_t *f)
{
    dh_detector_dns_tunnel.destroy(f->st);
    dh_rule_free(f->rule);
}

static void query(fixture_t *f, const char *client, int64_t ts_us, const char *qname,
                  const char *regdom, int32_t qtype)
{
    dh_event_t ev;
    dh_event_init(&ev);
    ev.ts_us = ts_us;
    cr_assert_eq(dh_addr_parse(client, strlen(client), &ev.client), 0);
    ev.has_qname = true;
    ev.qname = ev.qname_lc = qname;
    ev.qname_len = strlen(qname);
    ev.registered_domain = regdom;
    ev.qtype = qtype;
    dh_detector_dns_tunnel.on_event(f->st, &ev, &f->env);
}

#define T0 1700000100000000LL /* inside a 300 s window starting at 1700000100 */

Test(dns_tunnel, threshold_boundary)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 4; i++) /* min_queries is 5: one short */
        query(&f, "10.1.1.1", T0 + i * 1000000, "aaaa.t1.example.com", "example.com", 10);
    for (int i = 0; i < 5; i++) /* exactly at the threshold */
        query(&f, "10.1.1.2", T0 + i * 1000000, "bbbb.t1.example.com", "example.com", 65399);
    dh_detector_dns_tunnel.flush(f.st, &f.env);
    cr_assert_eq(f.sink.n, 1);
    cr_assert(strstr(f.sink.json[0], "\"source\":{\"ip\":\"10.1.1.2\"}"), "%s", f.sink.json[0]);
    cr_assert(strstr(f.sink.json[0], "\"queries\":5"));
    cr_assert(strstr(f.sink.json[0], "\"queries_by_qtype\":{\"65399\":5}"));
    close_detector(&f);
}

Test(dns_tunnel, other_qtypes_do_not_count)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 50; i++)
        query(&f, "10.1.1.1", T0 + i, "x.example.com", "example.com", i % 2 ? 16 : 1);
    dh_detector_dns_tunnel.flush(f.st, &f.env);
    cr_assert_eq(f.sink.n, 0);
    close_detector(&f);
}

Test(dns_tunnel, once_per_client_domain_window_and_windows_close_in_event_time)
{
    fixture_t f;
    open_detector(&f);
    for (int i = 0; i < 40; i++) /* 40 queries in one window: one detection */
        query(&f, "10.1.1.3", T0 + i * 1000000, "q.t1.tun.example", "tun.example", 10);
    cr_assert_eq(f.sink.n, 0, "nothing before the window closes");
    dh_detector_dns_tunnel.on_watermark(f.st, T0 + 100000000, &f.env);
    cr_assert_eq(f.sink.n, 0, "watermark still inside the window");
    dh_detector_dns_tunnel.on_watermark(f.st, T0 + 300000000, &f.env);
    cr_assert_eq(f.sink.n, 1, "closed once the watermark passed its end");
    cr_assert(strstr(f.sink.json[0], "\"queries\":40"));
    cr_assert(strstr(f.sink.json[0], "\"start\":\"2023-11-14T22:15:00.000000Z\""), "%s",
              f.sink.json[0]);
    cr_assert(strstr(f.sink.json[0], "\"end\":\"2023-11-14T22:15:39.000000Z\""));
    cr_assert(strstr(f.sink.json[0], "\"technique\":{\"id\":[\"T1071\"]"));
    cr_assert(strstr(f.sink.json[0], "\"subtechnique\":{\"id\":[\"T1071.004\"],\"name\":[\"DNS\"]}"));
    cr_assert(strstr(f.sink.json[0], "\"tactic\":{\"id\":[\"TA0011\"]"));
    cr_assert(strstr(f.sink.json[0], "\"detection_strategy\":\"DET0400\""));
    /* the next window is a new finding */
    for (int i = 0; i < 5; i++)
        query(&f, "10.1.1.3", T0 + 400000000 + i, "q.t1.tun.example", "tun.example", 10);
    dh_detector_dns_tunnel.flush(f.st, &f.env);
    cr_assert_eq(f.sink.n, 2);
    char id0[40], id1[40];
    sscanf(strstr(f.sink.json[0], "\"id\":\"") + 6, "%32s", id0);
    sscanf(strstr(f.sink.json[1], "\"id\":\"") + 6, "%32s", id1);
    cr_assert_str_neq(id0, id1, "event.id differs per window");
    close_detector(&f);
}

Test(dns_tunnel, ids_are_deterministic)
{
    char first[4096];
    for (int run = 0; run < 2; run++) {
        fixture_t f;
        open_detector(&f);
        for (int i = 0; i < 6; i++)
            query(&f, "2001:db8::7", T0 + i, "\x01\x02weird\".t1.example.org", "example.org", 10);
        dh_detector_dns_tunnel.flush(f.st, &f.env);
        cr_assert_eq(f.sink.n, 1);
        if (run == 0)
            strcpy(first, f.sink.json[0]);
        else
            cr_assert_str_eq(first, f.sink.json[0], "same input, same bytes");
        cr_assert(strstr(f.sink.json[0], "\\u0001\\u0002weird\\\""), "control bytes escaped");
        close_detector(&f);
    }
}
