/*
 * event-view.h - the facts about one event that several detectors need,
 * computed once per event by the pipeline and handed to every detector.
 *
 * Today each detector recomputes them: strlen(registered_domain), the
 * subdomain and its longest label, that label's encoding and entropy, the
 * client x domain key and its hash, a rehash of every parent suffix for each
 * list lookup. The view holds them, computed the same way (same functions,
 * same bytes, same hash), so a detector switching to it changes no result.
 *
 * Ownership: the view *borrows* the event. Its pointers (ev, rd, sub,
 * longest) point into the event's strings and are valid while the event is:
 * one on_event call. The view itself lives on the pipeline's stack for that
 * call; a detector that keeps a fact copies it (as it copies event fields).
 * dh_event_view_init allocates nothing and cannot fail.
 *
 * Eager and lazy: every struct field below is computed by dh_event_view_init
 * (linear in the name's length, no allocation). Two groups are lazy, computed
 * on first request and cached in the view, because most events never need
 * them or they cost more than the rest together:
 *  - the longest subdomain label's encoding (dh_event_view_encoding) and
 *    entropy (dh_event_view_entropy);
 *  - the suffix hashes (dh_event_view_suffix_hash), one per label boundary,
 *    each filled on first use, so list lookups of every parent suffix in any
 *    number of sets hash each suffix at most once per event.
 *
 * Why a mutable cache member and not accessors taking a non-const view: the
 * pipeline hands detectors a `const dh_event_view_t *`, so the compiler
 * keeps any detector from changing a fact another detector reads. The lazy
 * values are logically const (the same value whichever detector asks first,
 * so detector order cannot change a result); they are written through
 * v->lazy, a pointer that init aims at v->lazy_store inside the same
 * (non-const) object. The price: a view must not be copied (the copy's cache
 * pointer would still aim at the original); pass it by pointer.
 *
 * Threading: the pipeline thread. A view is built and read by one thread;
 * the lazy cache is filled without synchronization. Should detectors ever
 * run on several threads for one event, each thread builds its own view.
 *
 * Names beyond the DNS limits (more than 253 characters or 127 labels; logs
 * carry whatever the sensor saw): beyond_limits is set, label[] holds the
 * rightmost DH_EVENT_VIEW_MAX_LABELS labels (the parents, which list lookups
 * need; labels_dropped counts the leftmost ones left out), every other field
 * is as for any name, and suffix lookups still try every boundary.
 *
 * How a detector uses it (dns_tunnel's on_event, rewritten; vw is the view,
 * v the noise verdict, as today):
 *
 *     if (v->benign_service || vw->sub_len == 0 || ev->client.family == DH_AF_UNSET)
 *         return;
 *     unsigned enc = dh_event_view_encoding(vw);    // first caller computes,
 *     double entropy = dh_event_view_entropy(vw);   // dns_exfil gets it cached
 *     bool encoded = enc && entropy >= t->p.min_entropy;
 *     ...
 *     if (vw->pair_len == 0 || vw->rd_len >= DOMAIN_MAX)
 *         return;                                   // the detector's own limit
 *     window_t *w = dh_table_touch_h(t->table, vw->pair_key, vw->pair_len,
 *                                    vw->pair_hash, ev->ts_us, NULL);
 *     ...
 *     w->long_labels += vw->longest_len >= (size_t)t->p.long_label_len;
 *
 * and a list lookup (new_domain's dynamic-DNS suffixes):
 *
 *     if (dh_event_view_has_suffix(vw, t->dyndns))  // was dh_strset_has_suffix(
 *         return;                                   //   t->dyndns, qname_lc, qname_len)
 */
#ifndef DH_EVENT_VIEW_H
#define DH_EVENT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "state.h"
#include "util-strset.h"

#define DH_EVENT_VIEW_MAX_LABELS 127 /* RFC 1035: 255 bytes on the wire */
#define DH_EVENT_VIEW_MAX_NAME 253   /* characters, without the trailing dot */

/* One label: qname[off .. off + len) (qname_lc has the same offsets). */
typedef struct {
    size_t off, len;
} dh_event_view_label_t;

/* The lazy part; read it through the accessors only. */
typedef struct {
    unsigned have; /* which lazy values are filled (bits private to event-view.c) */
    unsigned encoding;
    double entropy;
    uint64_t suffix_have[2]; /* bit i: suffix_hash[i] is filled */
    uint64_t suffix_hash[DH_EVENT_VIEW_MAX_LABELS];
} dh_event_view_lazy_t;

typedef struct {
    const dh_event_t *ev; /* borrowed: the event the view describes */

    /* The query name. name_len is qname_len without one trailing dot (the
       span dh_strset_get_suffix and dh_lex_subdomain judge). Without a query
       (has_qname false) both are 0. */
    size_t qname_len;
    size_t name_len;
    /* Labels: name[0..name_len) split at every '.', so "a..b" has an empty
       label; 0 for the root ("" or ".") and without a query. label[i] is
       label number labels_dropped + i, i < n_labels - labels_dropped. */
    size_t n_labels;
    size_t labels_dropped;
    bool beyond_limits; /* name_len > DH_EVENT_VIEW_MAX_NAME or n_labels > _MAX_LABELS */
    dh_event_view_label_t label[DH_EVENT_VIEW_MAX_LABELS];

    /* The registered domain (ev->registered_domain, NUL-terminated) and its
       strlen; NULL and 0 when the event has none. */
    const char *rd;
    size_t rd_len;

    /* The subdomain, as dh_lex_subdomain gives it: exact bytes of qname (case
       kept) left of the registered domain, without the joining dot; sub_len 0
       when none (sub is then ev->qname). */
    const char *sub;
    size_t sub_len;
    /* Its longest label, as dh_lex_longest_label_at(sub, sub_len) gives it
       (the first of that length; longest_len 0 when sub_len is 0). */
    const char *longest;
    size_t longest_len;

    /* Hashes, as the detectors compute them (dh_hash64, sketch.h):
       client_hash = dh_hash64(&ev->client, sizeof(dh_addr_t)), for any
       client family (test ev->client.family first, as the detectors do);
       domain_hash = dh_hash64(rd, rd_len), 0 without rd. */
    uint64_t client_hash;
    uint64_t domain_hash;
    /* The client x registered-domain state key: the dh_addr_t bytes, then the
       registered domain's bytes (no NUL), as dns_tunnel, dns_exfil,
       lookalike_domain and dns_beacon's domain table build it; pair_hash =
       dh_hash64(pair_key, pair_len), the hash dh_table_touch/find use, so
       dh_table_touch_h(t, pair_key, pair_len, pair_hash, ...) finds the same
       entries. pair_len 0 (and pair_hash 0) without rd or when the key would
       exceed DH_STATE_MAX_KEY; detectors keep their own tighter limits on
       rd_len (dns_tunnel and dns_exfil: below 256). */
    size_t pair_len;
    uint64_t pair_hash;
    unsigned char pair_key[DH_STATE_MAX_KEY];

    /* The mutable cache (see the top comment): lazy aims at lazy_store. */
    dh_event_view_lazy_t *lazy;
    dh_event_view_lazy_t lazy_store;
} dh_event_view_t;

/* Fill v for ev (borrowed; it must outlive every use of v). ev's
   registered_domain must already be set (the pipeline does it first). */
void dh_event_view_init(dh_event_view_t *v, const dh_event_t *ev);

/* dh_lex_encoding of the longest subdomain label (0 without a subdomain);
   computed on the first call, cached. */
unsigned dh_event_view_encoding(const dh_event_view_t *v);
/* dh_lex_entropy of the longest subdomain label; computed once, cached. */
double dh_event_view_entropy(const dh_event_view_t *v);

/* dh_strset_hash of the suffix starting at label[i]: qname_lc[label[i].off
   .. name_len). i < n_labels - labels_dropped. Computed once, cached. */
uint64_t dh_event_view_suffix_hash(const dh_event_view_t *v, size_t i);

/* dh_strset_get_suffix(s, ev->qname_lc, ev->qname_len, value, off), with the
   cached suffix hashes: the same answer, most specific member first. false
   without a query. */
bool dh_event_view_get_suffix(const dh_event_view_t *v, const dh_strset_t *s, uint32_t *value,
                              size_t *off);
/* dh_strset_has_suffix(s, ev->qname_lc, ev->qname_len), the same way. */
bool dh_event_view_has_suffix(const dh_event_view_t *v, const dh_strset_t *s);

#endif
