/*
 * dns-recon-any.c - ANY floods: many ANY queries in a minute, the DNS
 * amplification pattern (T1498.002).
 * One of the three findings of the dns_recon detector (dns-recon.c,
 * dns-recon.h): its window, what each query adds, the evidence at close.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dns-recon.h"

typedef struct {
    dh_kit_window_t h; /* h.events: the queries */
    uint64_t udp, tcp, responses, answers;
    dh_distinct_t names;
    servers_t servers;
    DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);
} any_t;

size_t recon_any_value_size(void)
{
    return sizeof(any_t);
}

void recon_any_event(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v,
                     const uint8_t *key, size_t keylen)
{
    any_t *w = dh_kit_touch_window(r->any, key, keylen, ev, v);
    if (!w)
        return;
    w->udp += ev->transport == DH_TRANSPORT_UDP;
    w->tcp += ev->transport == DH_TRANSPORT_TCP;
    if (ev->rcode >= 0 || ev->has_response) {
        w->responses++;
        w->answers += ev->n_answers + ev->answers_dropped;
    }
    size_t len = recon_name_len(ev);
    if (dh_distinct_add(&w->names, dh_hash64(ev->qname_lc, len)))
        DH_KIT_ADD_SAMPLE(w, ev->qname_lc, len);
    recon_add_server(&w->servers, &ev->server);
    if (w->h.events >= (uint64_t)r->p.any_flood_min) /* the close's own first test */
        dh_kit_early_check(&r->kit, r->any, key, keylen, w, ev->ts_us);
}

void recon_any_close(recon_t *r, void *window, int64_t ws)
{
    any_t *w = window;
    if (w->h.events < (uint64_t)r->p.any_flood_min)
        return;
    dh_strbuf_t *sb = recon_evidence(r, F_ANY, r->p.any_window);
    dh_json_kv_uint(sb, "any_queries", w->h.events);
    dh_json_kv_int(sb, "threshold", r->p.any_flood_min);
    dh_json_kv_double(sb, "distinct_names", dh_distinct_count(&w->names));
    dh_json_kv_uint(sb, "udp", w->udp);
    dh_json_kv_uint(sb, "tcp", w->tcp);
    dh_json_kv_uint(sb, "responses", w->responses);
    dh_json_kv_uint(sb, "answer_records", w->answers);
    dh_json_kv_double(sb, "answers_per_response",
                      w->responses ? (double)w->answers / (double)w->responses : 0);
    double span = (double)(w->h.last_us - w->h.first_us) / 1e6;
    dh_json_kv_double(sb, "queries_per_second", span > 0 ? (double)w->h.events / span
                                                         : (double)w->h.events);
    recon_json_servers(sb, &w->servers);
    DH_KIT_JSON_SAMPLES(sb, "samples", w);
    const dh_rule_t *fr = &r->frule[F_ANY];
    recon_emit(r, F_ANY, DH_KIT_SAMPLES_DETECTION(w, ws), fr->risk_score, fr->confidence);
}
