/*
 * evbuf.h - fixed-capacity storage that a parser fills with one event.
 *
 * A parser never allocates per record: it resets the buffer, copies the
 * strings it needs into it and appends answers. The capacity is set once
 * (from the maximum line length: decoding never makes a record's text longer
 * than its line, and the lowercased query copy at most doubles that), so
 * pointers handed out stay valid until the next reset.
 *
 * Ownership: the caller owns the buffer (dh_evbuf_new/free); the event and
 * all strings in it belong to the buffer.
 */
#ifndef DH_EVBUF_H
#define DH_EVBUF_H

#include "event.h"

/* How one input record relates to a DNS transaction. */
typedef enum {
    DH_PART_COMPLETE = 0,  /* request and response in one record (Zeek) */
    DH_PART_REQUEST = 1,   /* the query only (EVE query/request) */
    DH_PART_RESPONSE = 2,  /* a whole response (EVE v2 answer, v3 response) */
    DH_PART_RESPONSE_RR = 3, /* one RR of a response (EVE v1: one record per RR) */
} dh_part_t;

#define DH_EVBUF_MAX_ANSWERS 64

typedef struct {
    dh_event_t ev;
    dh_part_t part;
    uint64_t txn_key; /* for parts: identifies the transaction (flow + DNS id) */
    char *bytes;
    size_t cap, len;
    dh_answer_t answers[DH_EVBUF_MAX_ANSWERS];
} dh_evbuf_t;

/* Allocate a buffer able to hold any record of up to max_line bytes. */
dh_evbuf_t *dh_evbuf_new(size_t max_line);
void dh_evbuf_free(dh_evbuf_t *b);

/* Forget the previous record and initialise ev to all-unknown. */
void dh_evbuf_reset(dh_evbuf_t *b);

/* Copy len bytes (plus a NUL) into the buffer; NULL when full. */
char *dh_evbuf_copy(dh_evbuf_t *b, const char *s, size_t len);

/* Reserve len+1 bytes (NUL-terminated) to be written by the caller; NULL when full. */
char *dh_evbuf_alloc(dh_evbuf_t *b, size_t len);

/* Set the query name (exact bytes) and its lowercased copy. -1 when full. */
int dh_evbuf_set_qname(dh_evbuf_t *b, const char *name, size_t len);

/* Append an answer. Its strings must already live in the buffer (or be
   static). Beyond DH_EVBUF_MAX_ANSWERS it is counted in answers_dropped. */
void dh_evbuf_add_answer(dh_evbuf_t *b, const dh_answer_t *a);

#endif
