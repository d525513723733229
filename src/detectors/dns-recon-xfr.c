/*
 * dns-recon-xfr.c - zone transfers (AXFR/IXFR) from hosts that are not
 * secondaries (T1590.002).
 * One of the three findings of the dns_recon detector (dns-recon.c,
 * dns-recon.h): its window, what each query adds, the evidence at close.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dns-recon.h"

typedef struct {
    dh_kit_window_t h; /* h.events: the queries */
    uint64_t axfr, ixfr, tcp, no_response, answers;
    uint64_t rcode[N_RCODE];
    uint8_t n_zones;
    uint8_t zone_len[MAX_ZONES];
    char zones[MAX_ZONES][ZONE_LEN];
    dh_distinct_t zones_distinct;
    servers_t servers;
} xfr_t;

size_t recon_xfr_value_size(void)
{
    return sizeof(xfr_t);
}

void recon_xfr_event(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v,
                     const uint8_t *key, size_t keylen)
{
    for (size_t i = 0; i < r->n_secondaries; i++)
        if (dh_cidr_contains(&r->secondaries[i], &ev->client))
            return;
    xfr_t *w = dh_kit_touch_window(r->xfr, key, keylen, ev, v);
    if (!w)
        return;
    w->axfr += ev->qtype == DH_QTYPE_AXFR;
    w->ixfr += ev->qtype == DH_QTYPE_IXFR;
    w->tcp += ev->transport == DH_TRANSPORT_TCP;
    if (ev->rcode < 0)
        w->no_response++;
    else
        w->rcode[ev->rcode <= 10 ? ev->rcode : RCODE_OTHER]++;
    w->answers += ev->n_answers + ev->answers_dropped;
    size_t len = recon_name_len(ev);
    if (dh_distinct_add(&w->zones_distinct, dh_hash64(ev->qname_lc, len)) &&
        w->n_zones < MAX_ZONES) {
        size_t n = len < ZONE_LEN ? len : ZONE_LEN;
        memcpy(w->zones[w->n_zones], ev->qname_lc, n);
        w->zone_len[w->n_zones++] = (uint8_t)n;
    }
    recon_add_server(&w->servers, &ev->server);
    dh_kit_early_check(&r->kit, r->xfr, key, keylen, w, ev->ts_us); /* one AXFR is the finding */
}

void recon_xfr_close(recon_t *r, void *window, int64_t ws)
{
    xfr_t *w = window;
    if (!w->h.events)
        return;
    uint64_t responded = w->h.events - w->no_response;
    uint64_t refused = w->rcode[DH_RCODE_REFUSED] + w->rcode[RCODE_NOTAUTH];
    const char *outcome = responded == 0                ? "no_response"
                          : w->rcode[DH_RCODE_NOERROR]  ? "answered"
                          : refused == responded        ? "refused"
                                                        : "failed";
    bool was_refused = responded && refused == responded;
    dh_strbuf_t *sb = recon_evidence(r, F_XFR, r->p.xfr_window);
    dh_json_kv_uint(sb, "queries", w->h.events);
    dh_json_kv_uint(sb, "axfr", w->axfr);
    dh_json_kv_uint(sb, "ixfr", w->ixfr);
    dh_json_kv_uint(sb, "tcp", w->tcp);
    dh_json_kv_double(sb, "distinct_zones", dh_distinct_count(&w->zones_distinct));
    dh_json_open_arr(sb, "zones");
    for (int i = 0; i < w->n_zones; i++) {
        dh_json_sep(sb);
        if (w->zone_len[i])
            dh_json_string(sb, w->zones[i], w->zone_len[i]);
        else
            dh_json_string(sb, ".", 1); /* the root zone */
    }
    dh_sb_putc(sb, ']');
    dh_json_open_obj(sb, "rcodes");
    for (int i = 0; i < N_RCODE; i++)
        if (w->rcode[i]) {
            const char *n = i == RCODE_OTHER ? "other" : dh_rcode_name(i);
            dh_json_kv_uint(sb, n ? n : "other", w->rcode[i]);
        }
    dh_sb_putc(sb, '}');
    dh_json_kv_uint(sb, "no_response", w->no_response);
    dh_json_kv_uint(sb, "answer_records", w->answers);
    dh_json_kv_str(sb, "outcome", outcome);
    dh_json_kv_bool(sb, "refused_by_server", was_refused);
    if (was_refused)
        dh_json_kv_str(sb, "note", "every response was REFUSED or NOTAUTH: the server turned "
                                   "the transfer down (lower risk; the attempt is still "
                                   "reconnaissance)");
    recon_json_servers(sb, &w->servers);
    const dh_rule_t *fr = &r->frule[F_XFR];
    dh_detection_t d =
        dh_kit_named_detection(&w->h, ws, w->n_zones ? (w->zone_len[0] ? w->zones[0] : ".") : NULL,
                               w->n_zones ? (w->zone_len[0] ? w->zone_len[0] : 1) : 0);
    recon_emit(r, F_XFR, d, was_refused ? r->p.refused_risk_score : fr->risk_score, fr->confidence);
}
