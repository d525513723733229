/*
 * dns-recon.h - the dns_recon detector's parts, private to it: dns-recon.c
 * (the rule, the shared helpers, the registration) and one file per finding
 * (dns-recon-xfr.c, dns-recon-ptr.c, dns-recon-any.c). Those files register
 * nothing: dns_recon stays one detector with one rule file.
 */
#ifndef DH_DNS_RECON_H
#define DH_DNS_RECON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../detector-kit.h"
#include "../sketch.h"
#include "../util-dns.h"
#include "../util-ip.h"
#include "../util-json.h"

#define SAMPLES 5
#define SAMPLE_LEN 128
#define MAX_ZONES 8
#define ZONE_LEN 128
#define MAX_SERVERS 8
#define MAX_PREFIXES 8
#define MAX_SECONDARIES 64
#define N_RCODE 12 /* rcodes 0..10 by number, 11: any other */
#define RCODE_OTHER 11
#define RCODE_NOTAUTH 9

enum { F_XFR, F_PTR, F_ANY, N_FINDINGS };
extern const char *const recon_finding_names[N_FINDINGS]; /* "zone_transfer"... */

typedef struct {
    int64_t xfr_window, ptr_window, any_window, ptr_sweep_min, any_flood_min;
    double refused_risk_score, sweep_nxdomain_share, dense_names_per_prefix;
    bool reverse_only;
} params_t;

/* Distinct servers: the first few kept for the evidence, all counted. */
typedef struct {
    uint8_t n;
    dh_addr_t addr[MAX_SERVERS];
    dh_distinct_t distinct;
} servers_t;

typedef struct recon recon_t;

/* A finding's window closes (or is checked early): emit it when it fires. */
typedef void recon_close_fn(recon_t *r, void *window, int64_t ws);

/* A finding's table closes its windows through this (its ctx). */
typedef struct {
    recon_t *r;
    recon_close_fn *close;
} recon_closer_t;

struct recon {
    dh_kit_t kit;
    params_t p;
    dh_rule_t frule[N_FINDINGS]; /* per-finding copies: title, scores, mapping */
    bool enabled[N_FINDINGS];
    dh_cidr_t secondaries[MAX_SECONDARIES];
    size_t n_secondaries;
    dh_table_t *xfr, *ptr, *any;
    recon_closer_t closers[N_FINDINGS];
};

/* ---- dns-recon.c: what the three findings share ---- */

bool recon_digits(const char *s, size_t n);
/* The client as a key: family and its 4 or 16 bytes (no padding bytes). */
size_t recon_addr_key(const dh_addr_t *a, uint8_t key[17]);
void recon_add_server(servers_t *s, const dh_addr_t *a);
/* The query name without a trailing dot. */
size_t recon_name_len(const dh_event_t *ev);
void recon_json_servers(dh_strbuf_t *sb, const servers_t *s);
/* r->kit.ev started afresh for finding f: its name and its window of
   window_s seconds. The evidence, for the finding's own keys. */
dh_strbuf_t *recon_evidence(recon_t *r, int f, int64_t window_s);
/* Finding f, d (its window's detection: dh_kit_named_detection or
   DH_KIT_SAMPLES_DETECTION) with r->kit.ev as evidence. */
void recon_emit(recon_t *r, int f, dh_detection_t d, double risk, double confidence);

/* ---- one file per finding: the query into its window, the window's close
   (through its table's recon_closer_t) ---- */

size_t recon_xfr_value_size(void);
void recon_xfr_event(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v,
                     const uint8_t *key, size_t keylen);
recon_close_fn recon_xfr_close;
size_t recon_ptr_value_size(const recon_t *r); /* its window holds ptr_sweep_min hashes */
void recon_ptr_event(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v,
                     const uint8_t *key, size_t keylen);
recon_close_fn recon_ptr_close;
size_t recon_any_value_size(void);
void recon_any_event(recon_t *r, const dh_event_t *ev, const dh_verdict_t *v,
                     const uint8_t *key, size_t keylen);
recon_close_fn recon_any_close;

#endif
