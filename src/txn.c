/*
 * txn.c - transaction assembly (see txn.h).
 *
 * Pending transactions live in a fixed pool of entries, found through a
 * chained hash on the transaction key and kept on a FIFO list (arrival order)
 * for expiry. Each entry owns one malloc'd blob holding a deep copy of its
 * event; merging builds a new blob from the two parts.
 */
#include "txn.h"

#include <string.h>

#include "util-mem.h"

#define NIL UINT32_MAX

typedef struct {
    uint64_t key;
    dh_event_t *ev; /* owned blob, NULL when the entry is free */
    uint32_t chain; /* next entry in the same hash bucket */
    uint32_t prev, next; /* FIFO (or free list through next) */
    uint8_t answered;    /* v1: a response RR is already merged */
} pending_t;

struct dh_txn {
    pending_t *pool;
    uint32_t *buckets;
    size_t cap, nbuckets, used;
    uint32_t head, tail, free_list;
    int64_t timeout_us;
    int64_t max_ts;
    dh_txn_emit_fn emit;
    void *ctx;
    dh_txn_stats_t st;
};

/* ---- deep copies ---------------------------------------------------- */

static size_t str_size(const char *s, size_t len)
{
    return s ? len + 1 : 0;
}

static const char *put_str(char **cursor, const char *s, size_t len)
{
    if (!s)
        return NULL;
    char *d = *cursor;
    memcpy(d, s, len);
    d[len] = '\0';
    *cursor += len + 1;
    return d;
}

static size_t answers_size(const dh_event_t *ev)
{
    size_t n = 0;
    for (uint32_t i = 0; i < ev->n_answers; i++)
        n += str_size(ev->answers[i].rrname, ev->answers[i].rrname_len) +
             str_size(ev->answers[i].data, ev->answers[i].data_len);
    return n;
}

static void copy_answers(dh_answer_t *dst, uint32_t *n, const dh_event_t *src, char **cursor)
{
    for (uint32_t i = 0; i < src->n_answers; i++) {
        dh_answer_t a = src->answers[i];
        a.rrname = put_str(cursor, a.rrname, a.rrname_len);
        a.data = put_str(cursor, a.data, a.data_len);
        dst[(*n)++] = a;
    }
}

/* Fill in from `resp` what a response adds to `m` (a copy of the base). */
static void apply_response(dh_event_t *m, const dh_event_t *base, const dh_event_t *resp)
{
    m->has_response = true;
    if (resp->rcode >= 0)
        m->rcode = resp->rcode;
    m->flags = (uint16_t)((base->flags & ~resp->flags_known) | (resp->flags & resp->flags_known));
    m->flags_known |= resp->flags_known;
    if (m->opcode < 0)
        m->opcode = resp->opcode;
    if (resp->rejected >= 0)
        m->rejected = resp->rejected;
    if (m->qtype < 0)
        m->qtype = resp->qtype;
    if (m->qclass < 0)
        m->qclass = resp->qclass;
    if (m->trans_id < 0)
        m->trans_id = resp->trans_id;
    if (m->transport == DH_TRANSPORT_UNKNOWN)
        m->transport = resp->transport;
    if (m->client.family == DH_AF_UNSET) {
        m->client = resp->client;
        m->client_port = resp->client_port;
    }
    if (m->server.family == DH_AF_UNSET) {
        m->server = resp->server;
        m->server_port = resp->server_port;
    }
    if (m->rtt_us < 0 && resp->rtt_us >= 0)
        m->rtt_us = resp->rtt_us;
    else if (m->rtt_us < 0 && !base->has_response && resp->ts_us >= base->ts_us)
        m->rtt_us = resp->ts_us - base->ts_us;
}

/* A new blob: base, plus resp's response fields and answers when resp. */
static dh_event_t *event_merge(const dh_event_t *base, const dh_event_t *resp)
{
    const dh_event_t *qsrc = base->has_qname || !resp ? base : resp;
    uint32_t n_ans = base->n_answers + (resp ? resp->n_answers : 0);
    uint32_t dropped = base->answers_dropped + (resp ? resp->answers_dropped : 0);
    if (n_ans > DH_EVBUF_MAX_ANSWERS) {
        dropped += n_ans - DH_EVBUF_MAX_ANSWERS;
        n_ans = DH_EVBUF_MAX_ANSWERS;
    }
    size_t bytes = str_size(base->uid, base->uid_len) + 2 * str_size(qsrc->qname, qsrc->qname_len) +
                   answers_size(base) + (resp ? answers_size(resp) : 0);
    size_t total = sizeof(dh_event_t) + (size_t)n_ans * sizeof(dh_answer_t) + bytes;
    char *blob = dh_malloc(total);
    dh_event_t *m = (dh_event_t *)blob;
    dh_answer_t *ans = (dh_answer_t *)(blob + sizeof(dh_event_t));
    char *cursor = (char *)(ans + n_ans);

    *m = *base;
    m->registered_domain = NULL;
    m->zone_source = DH_ZONE_NONE;
    m->uid = put_str(&cursor, base->uid, base->uid_len);
    m->has_qname = qsrc->has_qname;
    m->qname_len = qsrc->qname_len;
    m->qname = put_str(&cursor, qsrc->qname, qsrc->qname_len);
    m->qname_lc = put_str(&cursor, qsrc->qname_lc, qsrc->qname_len);

    uint32_t n = 0;
    dh_answer_t tmp[DH_EVBUF_MAX_ANSWERS * 2];
    copy_answers(tmp, &n, base, &cursor);
    if (resp)
        copy_answers(tmp, &n, resp, &cursor);
    memcpy(ans, tmp, (size_t)n_ans * sizeof(dh_answer_t));
    m->answers = ans;
    m->n_answers = n_ans;
    m->answers_dropped = dropped;
    if (resp)
        apply_response(m, base, resp);
    return m;
}

/* ---- the pending table ----------------------------------------------- */

static uint32_t bucket_of(const dh_txn_t *t, uint64_t key)
{
    key ^= key >> 31;
    key *= 0x7fb5d329728ea185ULL;
    key ^= key >> 27;
    return (uint32_t)(key & (t->nbuckets - 1));
}

dh_txn_t *dh_txn_new(size_t max_pending, int64_t timeout_us, dh_txn_emit_fn emit, void *ctx)
{
    dh_txn_t *t = dh_calloc(1, sizeof(*t));
    t->cap = max_pending ? max_pending : 1;
    t->nbuckets = 16;
    while (t->nbuckets < t->cap * 2)
        t->nbuckets *= 2;
    t->pool = dh_calloc(t->cap, sizeof(pending_t));
    t->buckets = dh_malloc(t->nbuckets * sizeof(uint32_t));
    for (size_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = NIL;
    for (size_t i = 0; i < t->cap; i++)
        t->pool[i].next = i + 1 < t->cap ? (uint32_t)(i + 1) : NIL;
    t->free_list = 0;
    t->head = t->tail = NIL;
    t->timeout_us = timeout_us;
    t->max_ts = INT64_MIN;
    t->emit = emit;
    t->ctx = ctx;
    return t;
}

static uint32_t find(const dh_txn_t *t, uint64_t key)
{
    for (uint32_t i = t->buckets[bucket_of(t, key)]; i != NIL; i = t->pool[i].chain)
        if (t->pool[i].key == key)
            return i;
    return NIL;
}

static void unlink_entry(dh_txn_t *t, uint32_t i)
{
    pending_t *p = &t->pool[i];
    uint32_t *link = &t->buckets[bucket_of(t, p->key)];
    while (*link != i)
        link = &t->pool[*link].chain;
    *link = p->chain;
    if (p->prev != NIL)
        t->pool[p->prev].next = p->next;
    else
        t->head = p->next;
    if (p->next != NIL)
        t->pool[p->next].prev = p->prev;
    else
        t->tail = p->prev;
    free(p->ev);
    p->ev = NULL;
    p->next = t->free_list;
    t->free_list = i;
    t->used--;
}

/* Emit and drop one pending transaction. */
static void emit_entry(dh_txn_t *t, uint32_t i)
{
    const dh_event_t *ev = t->pool[i].ev;
    if (!ev->has_response)
        t->st.unanswered++;
    t->emit(t->ctx, ev);
    unlink_entry(t, i);
}

static void insert(dh_txn_t *t, uint64_t key, dh_event_t *ev, int answered)
{
    if (t->free_list == NIL) {
        t->st.evicted_full++;
        emit_entry(t, t->head);
    }
    uint32_t i = t->free_list;
    pending_t *p = &t->pool[i];
    t->free_list = p->next;
    p->key = key;
    p->ev = ev;
    p->answered = (uint8_t)answered;
    uint32_t b = bucket_of(t, key);
    p->chain = t->buckets[b];
    t->buckets[b] = i;
    p->prev = t->tail;
    p->next = NIL;
    if (t->tail != NIL)
        t->pool[t->tail].next = i;
    else
        t->head = i;
    t->tail = i;
    if (++t->used > t->st.pending_peak)
        t->st.pending_peak = t->used;
}

/* Replace entry i's event with a merge of it and resp (keeps its FIFO place). */
static void merge_into(dh_txn_t *t, uint32_t i, const dh_event_t *resp)
{
    dh_event_t *m = event_merge(t->pool[i].ev, resp);
    free(t->pool[i].ev);
    t->pool[i].ev = m;
    t->pool[i].answered = 1;
}

static void expire(dh_txn_t *t)
{
    while (t->head != NIL && t->pool[t->head].ev->ts_us < t->max_ts - t->timeout_us)
        emit_entry(t, t->head);
}

static void add_request(dh_txn_t *t, const dh_evbuf_t *rec)
{
    uint32_t i = find(t, rec->txn_key);
    if (i != NIL)
        emit_entry(t, i); /* the same flow + id asked again: the old one is done */
    insert(t, rec->txn_key, event_merge(&rec->ev, NULL), 0);
}

static void add_response(dh_txn_t *t, const dh_evbuf_t *rec)
{
    uint32_t i = find(t, rec->txn_key);
    if (i != NIL && !t->pool[i].answered) {
        dh_event_t *m = event_merge(t->pool[i].ev, &rec->ev);
        t->st.merged++;
        t->emit(t->ctx, m);
        free(m);
        unlink_entry(t, i);
        return;
    }
    if (i != NIL)
        emit_entry(t, i);
    t->st.orphan_responses++;
    t->emit(t->ctx, &rec->ev);
}

static void add_response_rr(dh_txn_t *t, const dh_evbuf_t *rec)
{
    uint32_t i = find(t, rec->txn_key);
    if (i == NIL) {
        dh_event_t *ev = event_merge(&rec->ev, NULL);
        ev->has_response = true;
        t->st.orphan_responses++;
        insert(t, rec->txn_key, ev, 1);
        return;
    }
    if (!t->pool[i].answered)
        t->st.merged++;
    merge_into(t, i, &rec->ev);
}

void dh_txn_add(dh_txn_t *t, const dh_evbuf_t *rec)
{
    if (rec->ev.ts_us > t->max_ts)
        t->max_ts = rec->ev.ts_us;
    switch (rec->part) {
    case DH_PART_COMPLETE:
        t->emit(t->ctx, &rec->ev);
        break;
    case DH_PART_REQUEST:
        add_request(t, rec);
        break;
    case DH_PART_RESPONSE:
        add_response(t, rec);
        break;
    case DH_PART_RESPONSE_RR:
        add_response_rr(t, rec);
        break;
    }
    expire(t);
}

void dh_txn_flush(dh_txn_t *t)
{
    while (t->head != NIL)
        emit_entry(t, t->head);
}

int64_t dh_txn_oldest_ts(const dh_txn_t *t)
{
    int64_t oldest = INT64_MAX;
    for (uint32_t i = t->head; i != NIL; i = t->pool[i].next)
        if (t->pool[i].ev->ts_us < oldest)
            oldest = t->pool[i].ev->ts_us;
    return oldest;
}

const dh_txn_stats_t *dh_txn_stats(const dh_txn_t *t)
{
    return &t->st;
}

void dh_txn_free(dh_txn_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++)
        free(t->pool[i].ev);
    free(t->pool);
    free(t->buckets);
    free(t);
}
