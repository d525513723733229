/*
 * test-txn.c - transaction assembly: merging EVE parts into one event per
 * DNS transaction, in event time.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "txn.h"
#include "util-ip.h"

typedef struct {
    int n;
    int64_t ts[16];
    int32_t rcode[16];
    uint32_t n_answers[16];
    int64_t rtt[16];
    char qname[16][64];
    char client[16][DH_ADDR_STRLEN];
} seen_t;

static void collect(void *ctx, const dh_event_t *ev)
{
    seen_t *s = ctx;
    cr_assert_lt(s->n, 16);
    s->ts[s->n] = ev->ts_us;
    s->rcode[s->n] = ev->rcode;
    s->n_answers[s->n] = ev->n_answers;
    s->rtt[s->n] = ev->rtt_us;
    snprintf(s->qname[s->n], 64, "%.*s", (int)ev->qname_len, ev->qname ? ev->qname : "");
    dh_addr_format(&ev->client, s->client[s->n]);
    s->n++;
}

static void part(dh_evbuf_t *b, dh_part_t p, uint64_t key, int64_t ts, const char *qname,
                 int32_t rcode, const char *answer)
{
    dh_evbuf_reset(b);
    b->part = p;
    b->txn_key = key;
    b->ev.ts_us = ts;
    b->ev.sensor = DH_SENSOR_SURICATA;
    dh_addr_parse("10.0.0.5", 8, &b->ev.client);
    if (qname)
        cr_assert_eq(dh_evbuf_set_qname(b, qname, strlen(qname)), 0);
    if (p != DH_PART_REQUEST) {
        b->ev.has_response = true;
        b->ev.rcode = rcode;
        b->ev.flags = DH_FLAG_QR | DH_FLAG_RA;
        b->ev.flags_known = DH_FLAG_QR | DH_FLAG_RA;
    } else {
        b->ev.flags = DH_FLAG_RD;
        b->ev.flags_known = DH_FLAG_RD | DH_FLAG_QR;
    }
    if (answer) {
        dh_answer_t a = {.rrtype = 1, .ttl = 60, .data = dh_evbuf_copy(b, answer, strlen(answer)),
                         .data_len = strlen(answer)};
        dh_evbuf_add_answer(b, &a);
    }
}

Test(txn, request_and_response_become_one_event)
{
    seen_t s = {0};
    dh_evbuf_t *b = dh_evbuf_new(4096);
    dh_txn_t *t = dh_txn_new(16, 30000000, collect, &s);
    part(b, DH_PART_REQUEST, 7, 1000000, "example.com", -1, NULL);
    dh_txn_add(t, b);
    cr_assert_eq(s.n, 0, "a request waits for its response");
    part(b, DH_PART_RESPONSE, 7, 1113504, "example.com", 0, "93.184.216.34");
    dh_txn_add(t, b);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.ts[0], 1000000, "event time is the request's");
    cr_assert_eq(s.rcode[0], 0);
    cr_assert_eq(s.n_answers[0], 1);
    cr_assert_eq(s.rtt[0], 113504, "rtt derived from the two timestamps");
    cr_assert_str_eq(s.qname[0], "example.com");
    cr_assert_eq(dh_txn_stats(t)->merged, 1);
    dh_txn_free(t);
    dh_evbuf_free(b);
}

Test(txn, unanswered_request_expires_in_event_time)
{
    seen_t s = {0};
    dh_evbuf_t *b = dh_evbuf_new(4096);
    dh_txn_t *t = dh_txn_new(16, 30000000, collect, &s);
    part(b, DH_PART_REQUEST, 1, 0, "lost.example", -1, NULL);
    dh_txn_add(t, b);
    part(b, DH_PART_COMPLETE, 0, 29000000, "other.example", 0, NULL);
    dh_txn_add(t, b);
    cr_assert_eq(s.n, 1, "29 s later the request is still pending");
    part(b, DH_PART_COMPLETE, 0, 31000000, "third.example", 0, NULL);
    dh_txn_add(t, b);
    cr_assert_eq(s.n, 3);
    cr_assert_str_eq(s.qname[2], "lost.example", "expired after the event that moved time on");
    cr_assert_eq(s.rcode[2], -1, "rcode unknown");
    cr_assert_eq(dh_txn_stats(t)->unanswered, 1);
    dh_txn_free(t);
    dh_evbuf_free(b);
}

Test(txn, response_without_request_is_one_event)
{
    seen_t s = {0};
    dh_evbuf_t *b = dh_evbuf_new(4096);
    dh_txn_t *t = dh_txn_new(16, 30000000, collect, &s);
    part(b, DH_PART_RESPONSE, 9, 5, "orphan.example", 3, NULL);
    dh_txn_add(t, b);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.rcode[0], 3);
    cr_assert_eq(dh_txn_stats(t)->orphan_responses, 1);
    dh_txn_free(t);
    dh_evbuf_free(b);
}

Test(txn, eve_v1_answer_rrs_are_gathered)
{
    seen_t s = {0};
    dh_evbuf_t *b = dh_evbuf_new(4096);
    dh_txn_t *t = dh_txn_new(16, 30000000, collect, &s);
    part(b, DH_PART_REQUEST, 4, 100, "multi.example", -1, NULL);
    dh_txn_add(t, b);
    part(b, DH_PART_RESPONSE_RR, 4, 200, "multi.example", 0, "192.0.2.1");
    dh_txn_add(t, b);
    part(b, DH_PART_RESPONSE_RR, 4, 200, "multi.example", 0, "192.0.2.2");
    dh_txn_add(t, b);
    cr_assert_eq(s.n, 0, "more RRs may follow");
    dh_txn_flush(t);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.n_answers[0], 2);
    cr_assert_eq(s.ts[0], 100);
    dh_txn_free(t);
    dh_evbuf_free(b);
}

Test(txn, pending_table_is_bounded)
{
    seen_t s = {0};
    dh_evbuf_t *b = dh_evbuf_new(4096);
    dh_txn_t *t = dh_txn_new(2, 30000000, collect, &s);
    for (uint64_t k = 1; k <= 3; k++) {
        part(b, DH_PART_REQUEST, k, (int64_t)k, "q.example", -1, NULL);
        dh_txn_add(t, b);
    }
    cr_assert_eq(s.n, 1, "the oldest is emitted when the table is full");
    cr_assert_eq(s.ts[0], 1);
    cr_assert_eq(dh_txn_stats(t)->evicted_full, 1);
    dh_txn_flush(t);
    cr_assert_eq(s.n, 3);
    dh_txn_free(t);
    dh_evbuf_free(b);
}
