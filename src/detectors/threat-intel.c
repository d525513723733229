/*
 * threat-intel.c - indicator matching: queried names, CNAME targets and
 * answered addresses against the indicator files of rules/intel/
 * (default T1071.004 Application Layer Protocol: DNS, TA0011; each file's
 * header may give its own ATT&CK mapping).
 *
 * Indicator files (thresholds.intel_dir, every *.txt in it, read in name
 * order): one indicator a line, '#' comments, blank lines. A line is
 *
 *   evil.example             a domain: matches itself and every name below it
 *   *.evil.example           at a label boundary (a.evil.example, not
 *   .evil.example            notevil.example); the three spellings are the
 *                            same; case and a trailing dot are ignored;
 *                            ".onion" (leading dot) may name a whole TLD, a
 *                            bare single label may not
 *   192.0.2.7   2001:db8::7  an address, matched against answered A/AAAA
 *   192.0.2.0/24             a CIDR block, likewise (v4 /min_prefix_v4 or
 *   2001:db8::/32            longer, v6 /min_prefix_v6 or longer)
 *   192.0.2.7:31337          maltrail's address:port; the port is ignored
 *                            (DNS shows none)
 *   0.0.0.0 evil.example     a hosts-file line: the names are the indicators
 *                            (localhost and similar boilerplate skipped)
 *   evil.example  # note     trailing comments anywhere
 *
 * Header keys, in comments before the first indicator: technique,
 * subtechnique, tactic (each "ID Name", repeatable up to 4), detection_strategy
 * (DETnnnn), confidence (0..1), risk_score (0..100), description, source.
 * A file with a technique must name its tactic; a subtechnique needs its
 * parent technique. A file without them maps to the rule's ATT&CK block.
 *
 * Invalid lines (URLs, bad names, prefixes too wide...) are counted and the
 * first invalid_reports of each file are logged (env->log) as FILE:LINE;
 * they are never fatal. Fatal (no detector at start-up, the old lists kept on
 * reload): an unreadable file, a bad header, a file without one valid
 * indicator, no *.txt file at all, more than max_indicators indicators.
 *
 * The files are read by src/intel-file.c (shared with intel formats to
 * come); this file matches events against what it built.
 *
 * Hot path: one most-specific-first suffix lookup of the query name in a
 * string map; for each answered address one exact-key lookup per distinct
 * prefix length present in the lists (the address masked to that length),
 * so the cost never depends on the number of indicators, after a one-bit
 * prefilter (the answer's /24, or its hashed IPv6 /32, is covered by no
 * indicator: most answers stop there); when the query name
 * matched nothing, a suffix lookup per CNAME target until one matches (a
 * listed service's own CNAME chain would otherwise report one lookup two or
 * three times). Nothing is allocated except by dh_table_touch.
 *
 * State: a window (default 300 s) per client x indicator, keyed by the
 * indicator's text, holding copies of everything the finding needs and the
 * index of the file's metadata. File metadata (name, mapping, scores) is
 * append-only and de-duplicated, never freed before destroy, so a window
 * opened before a SIGHUP reload still reports the mapping it started with,
 * even when the reload dropped its file. Reload builds new lookup sets and
 * swaps them in only when every file loaded.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector-kit.h"
#include "../intel-file.h"
#include "../util-dns.h"
#include "../util-ip.h"
#include "../util-mem.h"
#include "../util-strset.h"

#define IND_LEN 256     /* indicator text (a domain is at most 253) */
#define SAMPLES 3
#define SAMPLE_LEN 128
#define MAX_ADDRS 4     /* matched answer addresses kept per window */
#define MAX_CNAMES 2    /* matched CNAME targets kept per window */
#define MAX_HITS 16     /* distinct indicators matched by one event */

enum { M_QNAME = 1, M_CNAME = 2, M_ANSWER = 4 };

typedef struct {
    int64_t window, max_indicators, min_queries, invalid_reports, min_prefix_v4, min_prefix_v6;
} params_t;

typedef struct {
    dh_kit_window_t h; /* h.events: the matching queries */
    uint32_t meta;
    uint8_t type, kinds;
    uint32_t qname_hits, cname_hits, answer_hits, resolved, nxdomain;
    uint16_t ind_len;
    char indicator[IND_LEN];
    uint8_t n_addrs, n_cnames;
    dh_addr_t addrs[MAX_ADDRS];
    uint8_t cname_len[MAX_CNAMES];
    char cnames[MAX_CNAMES][SAMPLE_LEN];
    DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);
} window_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
    bool match_answers, match_cnames;
    char dir[4096];
    dh_intel_t *intel;
    dh_intel_metas_t metas;
} ti_t;
DH_KIT_STATE_LAYOUT(ti_t, p);

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, max_indicators, min_queries,
    invalid_reports, min_prefix_v4, min_prefix_v6);

/* ---- detector -------------------------------------------------------------- */

static dh_intel_t *load_intel(ti_t *t, char *err, size_t errlen)
{
    /* the rule outlives every meta: its ATT&CK version is borrowed */
    dh_intel_opts_t o = {.dir = t->dir,
                         .rule_path = t->kit.rule->path,
                         .attack_version = t->kit.rule->attack.version,
                         .max_indicators = t->p.max_indicators,
                         .invalid_reports = t->p.invalid_reports,
                         .min_prefix_v4 = t->p.min_prefix_v4,
                         .min_prefix_v6 = t->p.min_prefix_v6,
                         .log = t->kit.env->log,
                         .log_kind = "detector",
                         .log_name = t->kit.name};
    return dh_intel_load(&o, &t->metas, err, errlen);
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);

static void ti_release(void *state);

static int ti_setup(void *state, char *err, size_t errlen)
{
    ti_t *t = state;
    const dh_rule_t *rule = t->kit.rule;
    t->match_answers = t->match_cnames = true;
    const char *dir = "intel";
    if (dh_yaml_str(rule->thresholds, "intel_dir", false, &dir, err, errlen) ||
        dh_yaml_bool(rule->thresholds, "match_answers", false, &t->match_answers, err, errlen) ||
        dh_yaml_bool(rule->thresholds, "match_cnames", false, &t->match_cnames, err, errlen))
        return -1;
    dh_rule_path(rule, dir, t->dir, sizeof(t->dir));
    t->intel = load_intel(t, err, errlen);
    return t->intel ? 0 : -1;
}

static const dh_kit_spec_t spec = {
    .size = sizeof(ti_t),
    .params = &params,
    .setup = ti_setup,
    .release = ti_release,
    /* a match is complete on its record: checked on every one */
    .table = {.name = "threat_intel.client_indicator", .value_size = sizeof(window_t),
              .on_close = on_close, .pace = {1, 0}},
};

typedef struct {
    uint32_t idx;
    uint8_t kinds;
    bool has_addr;
    dh_addr_t addr;
    const char *cname;
    size_t cname_len;
} hit_t;

static void add_hit(hit_t *hits, size_t *n, uint32_t idx, uint8_t kind, const dh_addr_t *addr,
                    const char *cname, size_t cname_len)
{
    hit_t *h = NULL;
    for (size_t i = 0; i < *n; i++)
        if (hits[i].idx == idx)
            h = &hits[i];
    if (!h) {
        if (*n >= MAX_HITS)
            return;
        h = &hits[(*n)++];
        *h = (hit_t){.idx = idx};
    }
    h->kinds |= kind;
    if (addr && !h->has_addr) {
        h->has_addr = true;
        h->addr = *addr;
    }
    if (cname && !h->cname) {
        h->cname = cname;
        h->cname_len = cname_len;
    }
}

static void record(ti_t *t, const dh_event_t *ev, const dh_verdict_t *v, const hit_t *h)
{
    const dh_intel_ind_t *ind = &t->intel->inds[h->idx];
    uint8_t key[sizeof(dh_addr_t) + 1 + IND_LEN];
    memcpy(key, &ev->client, sizeof(dh_addr_t));
    key[sizeof(dh_addr_t)] = ind->type;
    memcpy(key + sizeof(dh_addr_t) + 1, ind->text, ind->len);
    window_t *w = dh_table_touch(t->kit.table, key, sizeof(dh_addr_t) + 1 + ind->len, ev->ts_us);
    if (!w)
        return;
    if (w->h.events == 0) {
        w->meta = ind->meta;
        w->type = ind->type;
        w->ind_len = ind->len;
        memcpy(w->indicator, ind->text, ind->len);
    }
    dh_kit_window_update(&w->h, ev, v);
    w->kinds |= h->kinds;
    w->qname_hits += !!(h->kinds & M_QNAME);
    w->cname_hits += !!(h->kinds & M_CNAME);
    w->answer_hits += !!(h->kinds & M_ANSWER);
    if (ev->rcode == DH_RCODE_NXDOMAIN)
        w->nxdomain++;
    else if (ev->n_answers)
        w->resolved++;
    if (h->has_addr && w->n_addrs < MAX_ADDRS) {
        bool dup = false;
        for (uint8_t i = 0; i < w->n_addrs; i++)
            dup |= dh_addr_equal(&w->addrs[i], &h->addr) != 0;
        if (!dup)
            w->addrs[w->n_addrs++] = h->addr;
    }
    if (h->cname)
        dh_kit_add_sample(&w->cnames[0][0], SAMPLE_LEN, w->cname_len, &w->n_cnames, MAX_CNAMES,
                          true, h->cname, h->cname_len);
    if (ev->has_qname)
        DH_KIT_ADD_DISTINCT_SAMPLE(w, ev->qname, ev->qname_len);
    dh_kit_early_check(&t->kit, t->kit.table, key, sizeof(dh_addr_t) + 1 + ind->len, w, ev->ts_us);
}

static void ti_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                        const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    ti_t *t = state;
    const dh_intel_t *in = t->intel;
    if (ev->client.family == DH_AF_UNSET)
        return;
    hit_t hits[MAX_HITS];
    size_t n = 0;
    uint32_t idx;
    /* CNAME targets are only looked at when the query name matched nothing
       (a listed service's own CNAME chain is the same lookup), and only the
       first matching target counts */
    bool want_cname = t->match_cnames && dh_strset_size(in->names);
    if (ev->has_qname && ev->qname_len && dh_event_view_get_suffix(view, in->names, &idx, NULL)) {
        add_hit(hits, &n, idx, M_QNAME, NULL, NULL, 0);
        want_cname = false;
    }
    if (t->match_answers || want_cname)
        for (uint32_t i = 0; i < ev->n_answers; i++) {
            const dh_answer_t *a = &ev->answers[i];
            if (a->section != DH_SECTION_ANSWER || !a->data || !a->data_len)
                continue;
            if (t->match_answers && (in->n4 || in->n6) &&
                (a->rrtype == DH_QTYPE_A || a->rrtype == DH_QTYPE_AAAA)) {
                dh_addr_t x;
                if (dh_event_answer_addr(ev, i, &x) && dh_intel_lookup_addr(in, &x, &idx))
                    add_hit(hits, &n, idx, M_ANSWER, &x, NULL, 0);
            } else if (want_cname && a->rrtype == DH_QTYPE_CNAME && a->data_len <= 253 + 1) {
                char lc[256];
                size_t len = a->data_len;
                for (size_t j = 0; j < len; j++)
                    lc[j] = (char)tolower((unsigned char)a->data[j]);
                if (dh_strset_get_suffix(in->names, lc, len, &idx, NULL)) {
                    add_hit(hits, &n, idx, M_CNAME, NULL, a->data, len);
                    want_cname = false;
                }
            }
        }
    for (size_t i = 0; i < n; i++)
        record(t, ev, v, &hits[i]);
}

static void evidence(ti_t *t, window_t *w, const dh_intel_meta_t *m)
{
    dh_strbuf_t *sb = &t->kit.ev;
    dh_sb_reset(sb);
    dh_json_kv_strn(sb, "indicator", w->indicator, w->ind_len);
    dh_json_kv_str(sb, "indicator_type", dh_intel_type_name(w->type));
    dh_json_kv_str(sb, "indicator_file", m->file);
    if (m->description)
        dh_json_kv_str(sb, "indicator_description", m->description);
    if (m->source)
        dh_json_kv_str(sb, "indicator_source", m->source);
    dh_json_open_arr(sb, "matched_on");
    static const char *const kinds[] = {"query_name", "cname", "answer"};
    for (int i = 0; i < 3; i++)
        if (w->kinds & (1u << i)) {
            dh_json_sep(sb);
            dh_json_string(sb, kinds[i], strlen(kinds[i]));
        }
    dh_sb_putc(sb, ']');
    dh_json_kv_uint(sb, "queries", w->h.events);
    dh_json_kv_uint(sb, "query_name_matches", w->qname_hits);
    dh_json_kv_uint(sb, "cname_matches", w->cname_hits);
    dh_json_kv_uint(sb, "answer_matches", w->answer_hits);
    dh_json_kv_uint(sb, "resolved", w->resolved);
    dh_json_kv_uint(sb, "nxdomain", w->nxdomain);
    dh_kit_json_addrs(sb, "matched_addresses", w->addrs, w->n_addrs);
    dh_kit_json_names(sb, "matched_cnames", &w->cnames[0][0], SAMPLE_LEN, w->cname_len,
                      w->n_cnames);
    dh_json_kv_int(sb, "window_seconds", t->p.window);
    dh_json_open_obj(sb, "thresholds");
    dh_json_kv_int(sb, "min_queries", t->p.min_queries);
    dh_json_kv_bool(sb, "match_answers", t->match_answers);
    dh_json_kv_bool(sb, "match_cnames", t->match_cnames);
    dh_sb_putc(sb, '}');
    DH_KIT_JSON_SAMPLES(sb, "samples", w);
}

/* Does name end with the indicator at a label boundary (the query name
   the match was made on)? */
static bool ends_with_indicator(const char *name, size_t len, const window_t *w)
{
    return name && len >= w->ind_len && memcmp(name + len - w->ind_len, w->indicator, w->ind_len) == 0 &&
           (len == w->ind_len || name[len - w->ind_len - 1] == '.');
}

/* The match for ECS threat.enrichments[] (detection.h): per part of the
   records that matched, its ECS field and the first value seen there (the
   representative query name when it is one that matched). */
static void intel_match(const window_t *w, const dh_intel_meta_t *m, const dh_detection_t *d,
                        char addr[DH_ADDR_STRLEN], dh_intel_match_t *x)
{
    static const uint8_t kind[] = {[DH_INTEL_DOMAIN] = DH_IND_DOMAIN,
                                   [DH_INTEL_IP] = DH_IND_ADDRESS, [DH_INTEL_CIDR] = DH_IND_NETWORK};
    *x = (dh_intel_match_t){.indicator = w->indicator, .indicator_len = w->ind_len,
                            .kind = kind[w->type], .feed = m->file,
                            .description = m->description, .provider = m->source};
    if (w->kinds & M_QNAME) {
        bool seen = ends_with_indicator(d->qname, d->qname_len, w);
        x->matched[x->n_matched++] = (dh_intel_matched_t){
            "dns.question.name", seen ? d->qname : w->indicator, seen ? d->qname_len : w->ind_len};
    }
    if ((w->kinds & M_CNAME) && w->n_cnames)
        x->matched[x->n_matched++] =
            (dh_intel_matched_t){"dns.answers.data", w->cnames[0], w->cname_len[0]};
    if ((w->kinds & M_ANSWER) && w->n_addrs)
        x->matched[x->n_matched++] =
            (dh_intel_matched_t){"dns.resolved_ip", addr, strlen(dh_addr_format(&w->addrs[0], addr))};
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    (void)key, (void)keylen, (void)why;
    ti_t *t = ctx;
    window_t *w = value;
    if (w->h.events < (uint64_t)t->p.min_queries) /* min_queries >= 1 */
        return;
    const dh_intel_meta_t *m = t->metas.v[w->meta];
    evidence(t, w, m);
    char entity[IND_LEN + 1];
    memcpy(entity, w->indicator, w->ind_len);
    entity[w->ind_len] = '\0';
    dh_detection_t d = DH_KIT_SAMPLES_DETECTION(w, ws);
    d.attack = m->has_attack ? &m->attack : NULL;
    d.entity = entity;
    d.risk_score = m->risk;
    d.confidence = m->confidence;
    char addr[DH_ADDR_STRLEN];
    dh_intel_match_t match;
    intel_match(w, m, &d, addr, &match);
    d.intel = &match;
    dh_kit_emit(&t->kit, &d);
}

static int ti_reload(void *state, char *info, size_t infolen, char *err, size_t errlen)
{
    ti_t *t = state;
    dh_intel_t *in = load_intel(t, err, errlen);
    if (!in)
        return -1;
    snprintf(info, infolen,
             "%zu files, %zu indicators (was %zu), %zu invalid lines, %zu "
             "duplicates",
             in->files, in->n, t->intel->n, in->invalid, in->duplicates);
    dh_intel_free(t->intel);
    t->intel = in;
    return 0;
}

static void ti_release(void *state)
{
    ti_t *t = state;
    dh_intel_free(t->intel);
    dh_intel_metas_free(&t->metas);
}

const dh_detector_type_t dh_detector_threat_intel = {
    .name = "threat_intel",
    .description = "queried names, CNAME targets and answered addresses matched against the "
                   "indicator files of rules/intel/ (mapping per file, default T1071.004)",
    .kit = &spec,
    .on_event = ti_on_event,
    .reload = ti_reload,
};
