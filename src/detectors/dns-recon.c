/*
 * dns-recon.c - reconnaissance and abuse through the DNS itself: zone
 * transfers from hosts that are not secondaries (T1590.002, TA0043), PTR
 * sweeps (T1018, TA0007) and ANY floods (T1498.002, TA0040).
 *
 * Three kinds of finding, each per client and tumbling event-time window,
 * each with its own table in the shared state and its own ATT&CK mapping:
 *
 *   zone_transfer  any AXFR (252) or IXFR (251) query from a client outside
 *                  `secondaries` (1 h windows). A legitimate zone transfer
 *                  only ever comes from a secondary; anyone else asking for
 *                  the whole zone is mapping the network (dnsrecon, fierce,
 *                  "dig axfr"). The evidence lists the zones asked, the
 *                  servers and the response codes: when every response seen
 *                  was REFUSED or NOTAUTH the server turned the attempt
 *                  down, and the finding carries the lower
 *                  `refused_risk_score` (the attempt is still reported).
 *   ptr_sweep      >= ptr_sweep_min (80, Splunk's threshold) distinct PTR
 *                  query names in 5 minutes: a host resolving a range of
 *                  addresses back to names (nmap -sL, dnsrecon -r). The
 *                  distinct names are counted exactly up to the threshold
 *                  (a fingerprint array sized by it: a HyperLogLog's 6 %
 *                  error would move the boundary), beyond it by a
 *                  dh_distinct_t. Reverse names (*.in-addr.arpa,
 *                  *.ip6.arpa) are parsed to the /24 or /64 they fall in:
 *                  a sweep covers a few prefixes densely, a mail or log
 *                  server resolving its peers covers many thinly; dense
 *                  coverage and a high NXDOMAIN share (addresses without a
 *                  name) each raise the confidence. registered_domain is
 *                  not used (the Public Suffix List makes it meaningless
 *                  for reverse names).
 *   any_flood      >= any_flood_min (50) ANY (255; Zeek writes "*")
 *                  queries in one minute: the DNS reflection/amplification
 *                  pattern (the source may be the spoofed victim) or ANY-
 *                  based enumeration.
 *
 * The rule file's `attack` block maps the main finding (zone transfer); the
 * thresholds' `findings` map gives each finding its title, scores and, for
 * the PTR sweep and ANY flood, its own mapping: a copy of the rule per
 * finding carries it (strings stay owned by the rule's YAML tree). Each
 * finding is its own entity (detection.entity), so ids and suppression are
 * per client x finding x window. Queries of known resolvers are not
 * dropped: their findings say client_is_resolver. Queries of other types
 * create no state.
 *
 * Each finding's window and evidence is its own file (dns-recon-xfr.c,
 * dns-recon-ptr.c, dns-recon-any.c, through dns-recon.h); this one reads the
 * rule, routes the queries and holds what the three share.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util-mem.h"
#include "dns-recon.h"

const char *const recon_finding_names[N_FINDINGS] = {"zone_transfer", "ptr_sweep", "any_flood"};

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, xfr_window, ptr_window, any_window,
    ptr_sweep_min, any_flood_min, refused_risk_score, sweep_nxdomain_share,
    dense_names_per_prefix);

/* ---- the rule file ------------------------------------------------------ */

static bool valid_id(const char *s, const char *kind)
{
    size_t len = strlen(s);
    if (strcmp(kind, "tactic") == 0)
        return len == 6 && strncmp(s, "TA", 2) == 0 && recon_digits(s + 2, 4);
    if (strcmp(kind, "technique") == 0)
        return len == 5 && s[0] == 'T' && recon_digits(s + 1, 4);
    return len == 9 && s[0] == 'T' && recon_digits(s + 1, 4) && s[5] == '.' && recon_digits(s + 6, 3);
}

static int bad_key(dh_yaml_node_t *m, const char *key, const char *what, char *err, size_t errlen)
{
    dh_yaml_node_t *n = dh_yaml_get(m, key);
    snprintf(err, errlen, "%s:%zu: %s: %s", n ? n->file : m->file, n ? n->line : m->line, key,
             what);
    return -1;
}

/* One entry of thresholds.findings into a copy of the rule. */
static int read_finding(recon_t *r, dh_yaml_node_t *findings, int f, char *err, size_t errlen)
{
    dh_rule_t *out = &r->frule[f];
    *out = *r->kit.rule;
    r->enabled[f] = true;
    dh_yaml_node_t *m = dh_yaml_get(findings, recon_finding_names[f]);
    if (!m || m->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: findings: expected a map '%s' (title, mapping...)",
                 m ? m->file : findings->file, m ? m->line : findings->line, recon_finding_names[f]);
        return -1;
    }
    const char *tech = NULL, *tech_name = NULL, *sub = NULL, *sub_name = NULL, *tac = NULL,
               *tac_name = NULL, *det = NULL;
    if (dh_yaml_str(m, "title", true, &out->title, err, errlen) ||
        dh_yaml_bool(m, "enabled", false, &r->enabled[f], err, errlen) ||
        dh_yaml_double(m, "risk_score", false, 0, 100, &out->risk_score, err, errlen) ||
        dh_yaml_double(m, "confidence", false, 0, 1, &out->confidence, err, errlen) ||
        dh_yaml_str(m, "detection_strategy", false, &det, err, errlen) ||
        dh_yaml_str(m, "technique_id", false, &tech, err, errlen) ||
        dh_yaml_str(m, "technique_name", false, &tech_name, err, errlen) ||
        dh_yaml_str(m, "subtechnique_id", false, &sub, err, errlen) ||
        dh_yaml_str(m, "subtechnique_name", false, &sub_name, err, errlen) ||
        dh_yaml_str(m, "tactic_id", false, &tac, err, errlen) ||
        dh_yaml_str(m, "tactic_name", false, &tac_name, err, errlen))
        return -1;
    bool any_mapping = tech || tech_name || sub || sub_name || tac || tac_name || det;
    if (!any_mapping && f == F_XFR)
        return 0; /* the rule's own `attack` block */
    if (!tech || !tech_name || !tac || !tac_name) {
        const char *miss = !tech ? "technique_id" : !tech_name ? "technique_name"
                           : !tac ? "tactic_id" : "tactic_name";
        snprintf(err, errlen, "%s:%zu: %s: missing '%s' (the finding's ATT&CK mapping)", m->file,
                 m->line, recon_finding_names[f], miss);
        return -1;
    }
    if (!sub != !sub_name)
        return bad_key(m, sub ? "subtechnique_id" : "subtechnique_name",
                       "subtechnique_id and subtechnique_name go together", err, errlen);
    if (!valid_id(tech, "technique"))
        return bad_key(m, "technique_id", "expected Tnnnn", err, errlen);
    if (!valid_id(tac, "tactic"))
        return bad_key(m, "tactic_id", "expected TAnnnn", err, errlen);
    if (sub && (!valid_id(sub, "subtechnique") || strncmp(sub, tech, 5) != 0))
        return bad_key(m, "subtechnique_id", "expected Tnnnn.nnn extending technique_id", err,
                       errlen);
    if (det && !(strlen(det) == 7 && strncmp(det, "DET", 3) == 0 && recon_digits(det + 3, 4)))
        return bad_key(m, "detection_strategy", "expected DETnnnn", err, errlen);
    dh_attack_t a = {.version = r->kit.rule->attack.version, .detection_strategy = det};
    a.tactics[0] = (dh_attack_ref_t){tac, tac_name};
    a.n_tactics = 1;
    a.techniques[0] = (dh_attack_ref_t){tech, tech_name};
    a.n_techniques = 1;
    if (sub) {
        a.subtechniques[0] = (dh_attack_ref_t){sub, sub_name};
        a.n_subtechniques = 1;
    }
    out->attack = a;
    return 0;
}

static int read_secondaries(recon_t *r, char *err, size_t errlen)
{
    return dh_yaml_cidrs(r->kit.rule->thresholds, "secondaries", MAX_SECONDARIES, r->secondaries,
                         &r->n_secondaries, err, errlen);
}

static int read_rule(recon_t *r, char *err, size_t errlen)
{
    dh_rule_t *rule = r->kit.rule;
    r->p.reverse_only = true;
    if (dh_yaml_bool(rule->thresholds, "reverse_only", false, &r->p.reverse_only, err, errlen) ||
        read_secondaries(r, err, errlen))
        return -1;
    dh_yaml_node_t *findings = dh_yaml_get(rule->thresholds, "findings");
    if (!findings || findings->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: thresholds: expected a map 'findings' (zone_transfer, "
                 "ptr_sweep, any_flood)", rule->path,
                 findings ? findings->line : rule->thresholds ? rule->thresholds->line
                                                              : rule->root->line);
        return -1;
    }
    for (int f = 0; f < N_FINDINGS; f++)
        if (read_finding(r, findings, f, err, errlen))
            return -1;
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

bool recon_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The client as a key: family and its 4 or 16 bytes (no padding bytes). */
size_t recon_addr_key(const dh_addr_t *a, uint8_t key[17])
{
    size_t n = a->family == DH_AF_INET ? 4 : 16;
    key[0] = a->family;
    memcpy(key + 1, a->bytes, n);
    return 1 + n;
}

void recon_add_server(servers_t *s, const dh_addr_t *a)
{
    if (a->family == DH_AF_UNSET)
        return;
    uint8_t key[17];
    if (!dh_distinct_add(&s->distinct, dh_hash64(key, recon_addr_key(a, key))) ||
        s->n >= MAX_SERVERS)
        return;
    dh_addr_t c = {.family = a->family};
    memcpy(c.bytes, a->bytes, a->family == DH_AF_INET ? 4 : 16);
    s->addr[s->n++] = c;
}

/* The name without a trailing dot. */
size_t recon_name_len(const dh_event_t *ev)
{
    size_t n = ev->qname_len;
    return n && ev->qname_lc[n - 1] == '.' ? n - 1 : n;
}

dh_strbuf_t *recon_evidence(recon_t *r, int f, int64_t window_s)
{
    dh_strbuf_t *sb = &r->kit.ev;
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "finding", recon_finding_names[f]);
    dh_json_kv_int(sb, "window_seconds", window_s);
    return sb;
}

void recon_json_servers(dh_strbuf_t *sb, const servers_t *s)
{
    dh_json_kv_double(sb, "distinct_servers", dh_distinct_count(&s->distinct));
    dh_kit_json_addrs(sb, "servers", s->addr, s->n);
}

void recon_emit(recon_t *r, int f, dh_detection_t d, double risk, double confidence)
{
    d.rule = &r->frule[f];
    d.registered_domain = NULL;
    d.entity = recon_finding_names[f]; /* ids and suppression per finding */
    d.risk_score = risk;
    d.confidence = dh_kit_confidence(confidence);
    dh_kit_emit(&r->kit, &d);
}

/* ---- on_event ----------------------------------------------------------- */

static void recon_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                           const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    recon_t *r = state;
    if (!ev->has_qname || ev->client.family == DH_AF_UNSET)
        return;
    int f = ev->qtype == DH_QTYPE_AXFR || ev->qtype == DH_QTYPE_IXFR ? F_XFR
            : ev->qtype == DH_QTYPE_PTR                               ? F_PTR
            : ev->qtype == DH_QTYPE_ANY                               ? F_ANY
                                                                      : -1;
    if (f < 0 || !r->enabled[f])
        return;
    uint8_t key[17];
    size_t keylen = recon_addr_key(&ev->client, key);
    if (f == F_XFR)
        recon_xfr_event(r, ev, v, key, keylen);
    else if (f == F_PTR)
        recon_ptr_event(r, ev, v, key, keylen);
    else
        recon_any_event(r, ev, v, key, keylen);
}

/* ---- create / destroy --------------------------------------------------- */

static void finding_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                          dh_close_t why)
{
    (void)key;
    (void)keylen;
    (void)why; /* a finding reads the same at an early check and at its close */
    const recon_closer_t *c = ctx;
    c->close(c->r, value, ws);
}

/* Finding f's table (name: a literal, the table keeps it), its windows
   checked early on every event the finding's file asks for. */
static dh_table_t *finding_table(recon_t *r, int f, const char *name, size_t value_size,
                                 int64_t window_s, recon_close_fn *close)
{
    r->closers[f] = (recon_closer_t){r, close};
    dh_kit_etable_opts_t o = {.name = name, .value_size = value_size, .window_s = window_s,
                              .on_close = finding_close, .ctx = &r->closers[f], .pace = {1, 0}};
    return dh_kit_early_table(&r->kit, &o);
}

/* After the thresholds: the rest of the rule, the three findings' tables. */
static int recon_setup(void *state, char *err, size_t errlen)
{
    recon_t *r = state;
    if (read_rule(r, err, errlen))
        return -1;
    /* a zone transfer is complete on its query: checked on every one; the
       sweep and the flood are asked once their count reached the threshold
       (their close's O(1) first test) */
    r->xfr = finding_table(r, F_XFR, "dns_recon.zone_transfer", recon_xfr_value_size(),
                           r->p.xfr_window, recon_xfr_close);
    r->ptr = finding_table(r, F_PTR, "dns_recon.ptr_sweep", recon_ptr_value_size(r),
                           r->p.ptr_window, recon_ptr_close);
    r->any = finding_table(r, F_ANY, "dns_recon.any_flood", recon_any_value_size(),
                           r->p.any_window, recon_any_close);
    return 0;
}

static const dh_kit_spec_t spec = {.size = sizeof(recon_t), .params = &params,
                                   .setup = recon_setup};

const dh_detector_type_t dh_detector_dns_recon = {
    .name = "dns_recon",
    .description = "DNS reconnaissance: zone transfers from non-secondaries (T1590.002), "
                   "PTR sweeps (T1018), ANY floods (T1498.002)",
    .sees_excluded = true, /* reverse-lookup sweeps are *.arpa PTRs, excluded for the others */
    .kit = &spec,
    .on_event = recon_on_event,
};
