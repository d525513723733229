/*
 * evbuf.c - the parsers' per-record arena (see evbuf.h).
 */
#include "evbuf.h"

#include <string.h>

#include "util-mem.h"

dh_evbuf_t *dh_evbuf_new(size_t max_line)
{
    dh_evbuf_t *b = dh_calloc(1, sizeof(*b));
    /* decoded text <= line; lowercased qname copy <= line; NULs and slack */
    b->cap = 2 * max_line + 1024;
    b->bytes = dh_malloc(b->cap);
    dh_evbuf_reset(b);
    return b;
}

void dh_evbuf_free(dh_evbuf_t *b)
{
    if (!b)
        return;
    free(b->bytes);
    free(b);
}

void dh_evbuf_reset(dh_evbuf_t *b)
{
    b->len = 0;
    b->part = DH_PART_COMPLETE;
    b->txn_key = 0;
    dh_event_init(&b->ev);
    b->ev.answers = b->answers;
}

char *dh_evbuf_alloc(dh_evbuf_t *b, size_t len)
{
    if (len + 1 > b->cap - b->len)
        return NULL;
    char *p = b->bytes + b->len;
    b->len += len + 1;
    p[len] = '\0';
    return p;
}

char *dh_evbuf_copy(dh_evbuf_t *b, const char *s, size_t len)
{
    char *p = dh_evbuf_alloc(b, len);
    if (p && len)
        memcpy(p, s, len);
    return p;
}

int dh_evbuf_set_qname(dh_evbuf_t *b, const char *name, size_t len)
{
    char *exact = dh_evbuf_copy(b, name, len);
    char *lc = dh_evbuf_alloc(b, len);
    if (!exact || !lc)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = exact[i];
        lc[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    b->ev.has_qname = true;
    b->ev.qname = exact;
    b->ev.qname_lc = lc;
    b->ev.qname_len = len;
    return 0;
}

void dh_evbuf_add_answer(dh_evbuf_t *b, const dh_answer_t *a)
{
    if (b->ev.n_answers >= DH_EVBUF_MAX_ANSWERS) {
        b->ev.answers_dropped++;
        return;
    }
    b->answers[b->ev.n_answers++] = *a;
}
