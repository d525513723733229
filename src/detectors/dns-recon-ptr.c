/*
 * dns-recon-ptr.c - PTR sweeps: many distinct reverse names in a short
 * window (T1018); reverse names parsed to the /24 or /64 they fall in.
 * One of the three findings of the dns_recon detector (dns-recon.c,
 * dns-recon.h): its window, what each query adds, the evidence at close.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dns-recon.h"

typedef struct {
    dh_kit_window_t h; /* h.events: the queries */
    uint64_t new_names, reverse_names, responses, nxdomain;
    uint8_t n_prefixes;
    dh_addr_t prefix[MAX_PREFIXES]; /* bytes of the network; /24 for v4, /64 for v6 */
    dh_distinct_t prefixes;
    dh_distinct_t names;
    DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);
    uint32_t n_exact;   /* distinct names counted exactly, up to ptr_sweep_min */
    uint64_t exact[];   /* their hashes (ptr_sweep_min slots) */
} ptr_t;

size_t recon_ptr_value_size(const recon_t *r)
{
    return offsetof(ptr_t, exact) + (size_t)r->p.ptr_sweep_min * sizeof(uint64_t);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && memcmp(s + len - k, suffix, k) == 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A reverse name: 0 when it is none, 1 reverse without a full prefix,
   2 reverse with its /24 (in-addr.arpa) or /64 (ip6.arpa) in *net. */
static int reverse_prefix(const char *s, size_t len, dh_addr_t *net)
{
    memset(net, 0, sizeof(*net));
    if (ends_with(s, len, ".in-addr.arpa")) {
        size_t end = len - 13; /* labels are s[0..end), rightmost = first octet */
        for (int octet = 0; octet < 3; octet++) {
            size_t start = end;
            while (start > 0 && s[start - 1] != '.')
                start--;
            size_t n = end - start;
            if (n == 0 || n > 3 || !recon_digits(s + start, n))
                return 1;
            int v = 0;
            for (size_t i = start; i < end; i++)
                v = v * 10 + (s[i] - '0');
            if (v > 255)
                return 1;
            net->bytes[octet] = (uint8_t)v;
            if (octet < 2 && start == 0)
                return 1;
            end = start ? start - 1 : 0;
        }
        net->family = DH_AF_INET;
        return 2;
    }
    if (ends_with(s, len, ".ip6.arpa")) {
        size_t end = len - 9; /* nibble labels "x." from the right, high nibble first */
        for (int i = 0; i < 16; i++) {
            if (end < 1 || (end >= 2 && s[end - 2] != '.'))
                return 1;
            int v = hexval(s[end - 1]);
            if (v < 0)
                return 1;
            net->bytes[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
            if (end < 2 && i < 15)
                return 1;
            end = end >= 2 ? end - 2 : 0;
        }
        net->family = DH_AF_INET6;
        return 2;
    }
    return 0;
}

void recon_ptr_event(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v,
                     const uint8_t *key, size_t keylen)
{
    size_t len = recon_name_len(ev);
    dh_addr_t net;
    int rev = reverse_prefix(ev->qname_lc, len, &net);
    if (!rev && r->p.reverse_only)
        return;
    ptr_t *w = dh_kit_touch_window(r->ptr, key, keylen, ev, v);
    if (!w)
        return;
    if (ev->rcode >= 0) {
        w->responses++;
        w->nxdomain += ev->rcode == DH_RCODE_NXDOMAIN;
    }
    uint64_t h = dh_hash64(ev->qname_lc, len);
    /* exact count up to the threshold; nothing more to decide beyond it */
    bool new_exact = false;
    if (w->n_exact < (uint64_t)r->p.ptr_sweep_min) {
        new_exact = true;
        for (uint32_t i = 0; i < w->n_exact; i++)
            if (w->exact[i] == h) {
                new_exact = false;
                break;
            }
        if (new_exact)
            w->exact[w->n_exact++] = h;
    }
    bool new_name = dh_distinct_add(&w->names, h);
    if (!new_exact && !new_name)
        return;
    w->new_names++;
    w->reverse_names += rev != 0;
    DH_KIT_ADD_SAMPLE(w, ev->qname_lc, len);
    if (rev == 2) {
        uint8_t pk[17];
        if (dh_distinct_add(&w->prefixes, dh_hash64(pk, recon_addr_key(&net, pk))) &&
            w->n_prefixes < MAX_PREFIXES)
            w->prefix[w->n_prefixes++] = net;
    }
    if (w->n_exact >= (uint64_t)r->p.ptr_sweep_min) /* the close's own first test */
        dh_kit_early_check(&r->kit, r->ptr, key, keylen, w, ev->ts_us);
}

void recon_ptr_close(recon_t *r, void *window, int64_t ws)
{
    ptr_t *w = window;
    if (w->n_exact < (uint64_t)r->p.ptr_sweep_min)
        return;
    /* exact up to the threshold; beyond it the sketch's estimate (rounded,
       never below the exact count) */
    double distinct = dh_distinct_count(&w->names);
    bool estimate = w->names.hll != 0;
    if (distinct < w->n_exact)
        distinct = w->n_exact;
    distinct = (double)(uint64_t)(distinct + 0.5);
    double prefixes = dh_distinct_count(&w->prefixes);
    /* the reverse share of the names (1 with reverse_only) over the prefixes */
    double reverse = distinct * (double)w->reverse_names / (double)w->new_names;
    double per_prefix = prefixes > 0 ? reverse / prefixes : 0;
    double nx_share = w->responses ? (double)w->nxdomain / (double)w->responses : 0;
    bool blind = w->responses && nx_share >= r->p.sweep_nxdomain_share;
    bool dense = prefixes > 0 && per_prefix >= r->p.dense_names_per_prefix;
    char ip[DH_ADDR_STRLEN];
    dh_strbuf_t *sb = recon_evidence(r, F_PTR, r->p.ptr_window);
    dh_json_kv_uint(sb, "ptr_queries", w->h.events);
    dh_json_kv_double(sb, "distinct_names", distinct);
    dh_json_kv_bool(sb, "distinct_is_estimate", estimate);
    dh_json_kv_uint(sb, "distinct_names_at_least", w->n_exact); /* exact, capped at the threshold */
    dh_json_kv_int(sb, "threshold", r->p.ptr_sweep_min);
    dh_json_kv_uint(sb, "responses", w->responses);
    dh_json_kv_uint(sb, "nxdomain", w->nxdomain);
    dh_json_kv_double(sb, "nxdomain_share", nx_share);
    dh_json_kv_double(sb, "distinct_prefixes", prefixes);
    dh_json_open_arr(sb, "prefixes");
    for (int i = 0; i < w->n_prefixes; i++) {
        char txt[DH_ADDR_STRLEN + 8];
        const dh_addr_t *p = &w->prefix[i];
        snprintf(txt, sizeof(txt), "%s/%d", dh_addr_format(p, ip),
                 p->family == DH_AF_INET ? 24 : 64);
        dh_json_sep(sb);
        dh_json_string(sb, txt, strlen(txt));
    }
    dh_sb_putc(sb, ']');
    dh_json_kv_double(sb, "names_per_prefix", per_prefix);
    dh_json_kv_bool(sb, "dense", dense);
    dh_json_kv_bool(sb, "mostly_nxdomain", blind);
    DH_KIT_JSON_SAMPLES(sb, "samples", w);
    const dh_rule_t *fr = &r->frule[F_PTR];
    recon_emit(r, F_PTR, DH_KIT_SAMPLES_DETECTION(w, ws), fr->risk_score,
               fr->confidence + 0.1 * blind + 0.1 * dense);
}
