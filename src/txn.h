/*
 * txn.h - transaction assembly: one event per DNS transaction.
 *
 * Zeek already logs one row per transaction (DH_PART_COMPLETE: passed through).
 * Suricata logs the request and the response separately, and EVE v1 even
 * writes one record per answer RR. The assembler keeps requests (and v1
 * response RRs) pending under their transaction key (flow + DNS id) and
 *  - merges a response into its pending request and emits the merged event;
 *  - emits a response without a request as one event;
 *  - emits a request that got no response as one event (rcode unknown) once
 *    it is older than `timeout` in *event* time (the newest timestamp seen),
 *    so replaying an archive gives the same events as reading it live;
 *  - v1 RRs are gathered until the transaction times out.
 * Pending transactions are bounded by max_pending: when full, the oldest is
 * emitted early and counted. dh_txn_flush emits everything (end of input).
 *
 * The pipeline keeps one assembler per input stream (see pipeline.c).
 *
 * Ownership: the assembler copies what it keeps. Emitted events are valid
 * during the emit callback only.
 */
#ifndef DH_TXN_H
#define DH_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "evbuf.h"

typedef void (*dh_txn_emit_fn)(void *ctx, const dh_event_t *ev);

typedef struct {
    uint64_t merged;            /* request + response merged into one event */
    uint64_t unanswered;        /* requests emitted without a response */
    uint64_t orphan_responses;  /* responses emitted without a request */
    uint64_t evicted_full;      /* pending emitted early because the table was full */
    uint64_t pending_peak;
} dh_txn_stats_t;

typedef struct dh_txn dh_txn_t;

dh_txn_t *dh_txn_new(size_t max_pending, int64_t timeout_us, dh_txn_emit_fn emit, void *ctx);
void dh_txn_free(dh_txn_t *t);

/* Take one parsed record (out of a dh_evbuf_t). */
void dh_txn_add(dh_txn_t *t, const dh_evbuf_t *rec);

/* Emit every pending transaction, oldest first. */
void dh_txn_flush(dh_txn_t *t);

const dh_txn_stats_t *dh_txn_stats(const dh_txn_t *t);

/* Event time of the oldest pending transaction, INT64_MAX when none. */
int64_t dh_txn_oldest_ts(const dh_txn_t *t);

#endif
