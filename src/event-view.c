/*
 * event-view.c - the per-event view (see event-view.h).
 *
 * Every eager field is computed by the function it stands for (dh_lex_*,
 * dh_hash64) or by the same arithmetic on the same bytes, so that a detector
 * reading the view sees exactly what it computed before.
 */
#include "event-view.h"

#include <string.h>

#include "lexical.h"
#include "sketch.h"

enum {
    HAVE_ENCODING = 1u << 0,
    HAVE_ENTROPY = 1u << 1,
};

static size_t count_labels(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    size_t labels = 1;
    for (const char *p = s, *end = s + n; (p = memchr(p, '.', (size_t)(end - p))); p++)
        labels++;
    return labels;
}

/* Split name[0..n) at dots; keep the rightmost DH_EVENT_VIEW_MAX_LABELS.
   Two passes (count, then store): for names beyond the label limit. */
static void split_all_labels(dh_event_view_t *v, const char *s, size_t n)
{
    v->n_labels = count_labels(s, n);
    v->labels_dropped =
        v->n_labels > DH_EVENT_VIEW_MAX_LABELS ? v->n_labels - DH_EVENT_VIEW_MAX_LABELS : 0;
    size_t k = 0, start = 0;
    for (size_t i = 0; k < v->n_labels; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (k >= v->labels_dropped)
            v->label[k - v->labels_dropped] = (dh_event_view_label_t){start, i - start};
        k++;
        start = i + 1;
    }
}

/* The same split in one pass, dot to dot (memchr): every name within the
   label limit; a name beyond it starts over with split_all_labels. */
static void split_labels(dh_event_view_t *v, const char *s, size_t n)
{
    v->n_labels = v->labels_dropped = 0;
    if (n == 0)
        return;
    size_t k = 0, start = 0;
    for (;;) {
        if (k == DH_EVENT_VIEW_MAX_LABELS) {
            split_all_labels(v, s, n);
            return;
        }
        const char *dot = memchr(s + start, '.', n - start);
        size_t stop = dot ? (size_t)(dot - s) : n;
        v->label[k++] = (dh_event_view_label_t){start, stop - start};
        if (!dot)
            break;
        start = stop + 1;
    }
    v->n_labels = k;
}

static void name_facts(dh_event_view_t *v, const dh_event_t *ev)
{
    bool named = ev->has_qname && ev->qname && ev->qname_lc;
    v->qname_len = named ? ev->qname_len : 0;
    v->name_len = v->qname_len;
    if (v->name_len && ev->qname_lc[v->name_len - 1] == '.')
        v->name_len--;
    split_labels(v, named ? ev->qname_lc : "", v->name_len);
    v->beyond_limits =
        v->name_len > DH_EVENT_VIEW_MAX_NAME || v->n_labels > DH_EVENT_VIEW_MAX_LABELS;
}

/* dh_lex_subdomain's definition, on the lengths already known. */
static void subdomain_facts(dh_event_view_t *v, const dh_event_t *ev)
{
    v->sub = ev->qname;
    v->sub_len = 0;
    if (ev->has_qname && v->rd && v->name_len > v->rd_len + 1)
        v->sub_len = v->name_len - v->rd_len - 1;
    v->longest_len = dh_lex_longest_label_at(v->sub, v->sub_len, &v->longest);
}

static void key_facts(dh_event_view_t *v, const dh_event_t *ev)
{
    v->client_hash = dh_hash64(&ev->client, sizeof(dh_addr_t));
    v->domain_hash = v->rd ? dh_hash64(v->rd, v->rd_len) : 0;
    v->pair_len = 0;
    v->pair_hash = 0;
    if (!v->rd || v->rd_len > DH_STATE_MAX_KEY - sizeof(dh_addr_t))
        return;
    memcpy(v->pair_key, &ev->client, sizeof(dh_addr_t));
    memcpy(v->pair_key + sizeof(dh_addr_t), v->rd, v->rd_len);
    v->pair_len = sizeof(dh_addr_t) + v->rd_len;
    v->pair_hash = dh_hash64(v->pair_key, v->pair_len);
}

void dh_event_view_init(dh_event_view_t *v, const dh_event_t *ev)
{
    v->ev = ev;
    v->rd = ev->registered_domain;
    v->rd_len = v->rd ? strlen(v->rd) : 0;
    name_facts(v, ev);
    subdomain_facts(v, ev);
    key_facts(v, ev);
    v->lazy_store.have = 0;
    v->lazy_store.suffix_have[0] = v->lazy_store.suffix_have[1] = 0;
    v->lazy = &v->lazy_store;
}

/* The lazy facts of the longest label: FN(longest, longest_len), computed on
   first use and then read from the cache, where bit HAVE says it is filled.
   One body for each such accessor. */
#define LONGEST_LABEL_FACT(NAME, T, FIELD, HAVE, FN)                                          \
    T NAME(const dh_event_view_t *v)                                                          \
    {                                                                                         \
        dh_event_view_lazy_t *c = v->lazy;                                                    \
        if (!(c->have & HAVE)) {                                                              \
            c->FIELD = FN(v->longest, v->longest_len);                                        \
            c->have |= HAVE;                                                                  \
        }                                                                                     \
        return c->FIELD;                                                                      \
    }

LONGEST_LABEL_FACT(dh_event_view_encoding, unsigned, encoding, HAVE_ENCODING, dh_lex_encoding)
LONGEST_LABEL_FACT(dh_event_view_entropy, double, entropy, HAVE_ENTROPY, dh_lex_entropy)

uint64_t dh_event_view_suffix_hash(const dh_event_view_t *v, size_t i)
{
    dh_event_view_lazy_t *c = v->lazy;
    uint64_t bit = 1ull << (i % 64);
    if (!(c->suffix_have[i / 64] & bit)) {
        size_t off = v->label[i].off;
        c->suffix_hash[i] = dh_strset_hash(v->ev->qname_lc + off, v->name_len - off);
        c->suffix_have[i / 64] |= bit;
    }
    return c->suffix_hash[i];
}

/* The boundaries of the dropped labels (a name beyond the DNS limits):
   looked up the plain way, as dh_strset_get_suffix would. */
static bool dropped_suffix(const dh_event_view_t *v, const dh_strset_t *s, uint32_t *value,
                           size_t *off)
{
    const char *name = v->ev->qname_lc;
    for (size_t i = 0; i < v->label[0].off; i++) {
        if (i && name[i - 1] != '.')
            continue;
        if (dh_strset_get(s, name + i, v->name_len - i, value)) {
            *off = i;
            return true;
        }
    }
    return false;
}

static bool view_suffix(const dh_event_view_t *v, const dh_strset_t *s, uint32_t *value,
                        size_t *off)
{
    const char *name = v->ev->qname_lc;
    if (v->n_labels == 0) { /* the root: dh_strset_get_suffix tries "" */
        *off = 0;
        return dh_strset_get(s, name, 0, value);
    }
    if (v->labels_dropped && dropped_suffix(v, s, value, off))
        return true;
    size_t stored = v->n_labels - v->labels_dropped;
    for (size_t i = 0; i < stored; i++) {
        size_t o = v->label[i].off, len = v->name_len - o;
        if (!dh_strset_has_length(s, len))
            continue; /* no member this long: no hash needed, none computed */
        if (dh_strset_get_h(s, name + o, len, dh_event_view_suffix_hash(v, i), value)) {
            *off = o;
            return true;
        }
    }
    return false;
}

bool dh_event_view_get_suffix(const dh_event_view_t *v, const dh_strset_t *s, uint32_t *value,
                              size_t *off)
{
    size_t o = 0;
    if (!v->ev->has_qname || !v->ev->qname_lc)
        return false;
    if (dh_strset_size(s) == 0 || !view_suffix(v, s, value, &o))
        return false;
    if (off)
        *off = o;
    return true;
}

bool dh_event_view_has_suffix(const dh_event_view_t *v, const dh_strset_t *s)
{
    return dh_event_view_get_suffix(v, s, NULL, NULL);
}
