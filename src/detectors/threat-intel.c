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
 * first invalid_reports of each file are written to stderr as FILE:LINE;
 * they are never fatal. Fatal (no detector at start-up, the old lists kept on
 * reload): an unreadable file, a bad header, a file without one valid
 * indicator, no *.txt file at all, more than max_indicators indicators.
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
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../detector.h"
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
#define HDR_TEXT 256
#define MAX_LINE 4096

enum { T_DOMAIN, T_IP, T_CIDR };
static const char *const type_names[] = {"domain", "ip", "cidr"};

enum { M_QNAME = 1, M_CNAME = 2, M_ANSWER = 4 };

typedef struct {
    int64_t window, max_indicators, min_queries, invalid_reports, min_prefix_v4, min_prefix_v6;
} params_t;

/* One indicator file's header: append-only, shared by reloads. */
typedef struct {
    char *file; /* basename */
    char *description, *source;
    double risk, confidence; /* <0: the rule's */
    bool has_attack;
    dh_attack_t attack; /* strings owned here */
    char *sig;          /* de-duplication key */
} meta_t;

typedef struct {
    uint32_t meta;
    uint8_t type;
    uint16_t len;
    char *text;
} ind_t;

/* The lookup sets built from intel_dir; replaced whole by reload. */
typedef struct {
    dh_strset_t *names; /* domain -> indicator index */
    dh_strset_t *addrs; /* family, prefix, masked bytes -> indicator index */
    uint8_t plen4[33], plen6[129]; /* distinct prefix lengths, longest first */
    uint8_t n4, n6;
    /* prefilters, 2^24 bits each (2 MiB, only when the family is listed):
       bits4 marks every /24 that some IPv4 indicator covers, bits6 the hash
       of every /32 an IPv6 indicator covers (v6_wide: one is shorter than
       /32, bits6 is not used). Most answers stop at one bit test. */
    uint8_t *bits4, *bits6;
    bool v6_wide;
    ind_t *inds;
    size_t n, cap;
    size_t files, invalid, duplicates;
} intel_t;

typedef struct {
    dh_addr_t client;
    int64_t first_us, last_us;
    uint32_t meta;
    uint8_t seen, type, kinds, from_resolver;
    uint32_t events, qname_hits, cname_hits, answer_hits, resolved, nxdomain;
    uint16_t ind_len;
    char indicator[IND_LEN];
    uint8_t n_addrs, n_cnames, n_samples;
    dh_addr_t addrs[MAX_ADDRS];
    uint8_t cname_len[MAX_CNAMES];
    char cnames[MAX_CNAMES][SAMPLE_LEN];
    uint8_t sample_len[SAMPLES];
    char samples[SAMPLES][SAMPLE_LEN];
} window_t;

typedef struct {
    dh_rule_t *rule;
    const dh_detect_env_t *env;
    params_t p;
    bool match_answers, match_cnames;
    char dir[4096];
    intel_t *intel;
    meta_t **metas;
    size_t n_metas, cap_metas;
    dh_table_t *table;
    dh_strbuf_t ev;
} ti_t;

static const dh_int_param_t int_params[] = {
#define P(k, d, lo, hi) {#k, offsetof(params_t, k), d, lo, hi}
    P(window, 300, 10, 86400),
    P(max_indicators, 500000, 1, 50000000),
    P(min_queries, 1, 1, 1000000),
    P(invalid_reports, 5, 0, 1000),
    P(min_prefix_v4, 8, 0, 32),
    P(min_prefix_v6, 16, 0, 128),
#undef P
};

/* ---- lists ---------------------------------------------------------------- */

static void intel_free(intel_t *in)
{
    if (!in)
        return;
    dh_strset_free(in->names);
    dh_strset_free(in->addrs);
    free(in->bits4);
    free(in->bits6);
    for (size_t i = 0; i < in->n; i++)
        free(in->inds[i].text);
    free(in->inds);
    free(in);
}

static void meta_free(meta_t *m)
{
    if (!m)
        return;
    free(m->file);
    free(m->description);
    free(m->source);
    free((char *)m->attack.detection_strategy);
    for (size_t i = 0; i < m->attack.n_tactics; i++)
        free((char *)m->attack.tactics[i].id), free((char *)m->attack.tactics[i].name);
    for (size_t i = 0; i < m->attack.n_techniques; i++)
        free((char *)m->attack.techniques[i].id), free((char *)m->attack.techniques[i].name);
    for (size_t i = 0; i < m->attack.n_subtechniques; i++)
        free((char *)m->attack.subtechniques[i].id),
            free((char *)m->attack.subtechniques[i].name);
    free(m->sig);
    free(m);
}

/* A header being read. */
typedef struct {
    char tactic[DH_ATTACK_MAX][2][HDR_TEXT], tech[DH_ATTACK_MAX][2][HDR_TEXT],
        sub[DH_ATTACK_MAX][2][HDR_TEXT];
    size_t n_tactic, n_tech, n_sub;
    char ds[16], description[HDR_TEXT], source[HDR_TEXT];
    double risk, confidence;
} header_t;

static void trim(char **s, size_t *len)
{
    while (*len && isspace((unsigned char)(*s)[0]))
        (*s)++, (*len)--;
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

static bool is_id(const char *s, size_t len, const char *prefix, size_t digits, bool sub)
{
    size_t p = strlen(prefix);
    if (len != p + digits + (sub ? 4 : 0) || memcmp(s, prefix, p) != 0)
        return false;
    for (size_t i = 0; i < digits; i++)
        if (!isdigit((unsigned char)s[p + i]))
            return false;
    if (sub) {
        if (s[p + digits] != '.')
            return false;
        for (size_t i = 1; i < 4; i++)
            if (!isdigit((unsigned char)s[p + digits + i]))
                return false;
    }
    return true;
}

/* "ID Name" into ref; false when the id does not fit the kind. */
static bool parse_ref(char *v, size_t len, const char *prefix, bool sub, char out[2][HDR_TEXT])
{
    size_t idlen = 0;
    while (idlen < len && !isspace((unsigned char)v[idlen]))
        idlen++;
    if (!is_id(v, idlen, prefix, 4, sub))
        return false;
    char *name = v + idlen;
    size_t nlen = len - idlen;
    trim(&name, &nlen);
    if (!nlen || nlen >= HDR_TEXT)
        return false;
    snprintf(out[0], HDR_TEXT, "%.*s", (int)idlen, v);
    snprintf(out[1], HDR_TEXT, "%.*s", (int)nlen, name);
    return true;
}

static bool parse_number(const char *v, size_t len, double lo, double hi, double *out)
{
    char buf[64];
    if (!len || len >= sizeof(buf))
        return false;
    memcpy(buf, v, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end || errno || !(d >= lo && d <= hi))
        return false;
    *out = d;
    return true;
}

/* A '#' line: 1 a header key (applied), 0 an ordinary comment, -1 an error. */
static int header_line(header_t *h, char *s, size_t len, bool indicators_seen, const char *path,
                       size_t line, char *err, size_t errlen)
{
    s++, len--; /* '#' */
    trim(&s, &len);
    size_t k = 0;
    while (k < len && ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_'))
        k++;
    if (!k || k >= len || s[k] != ':')
        return 0;
    static const char *const keys[] = {"technique",  "subtechnique", "tactic",
                                       "detection_strategy", "confidence", "risk_score",
                                       "description", "source"};
    size_t which = DH_N_OF(keys);
    for (size_t i = 0; i < DH_N_OF(keys); i++)
        if (strlen(keys[i]) == k && memcmp(keys[i], s, k) == 0)
            which = i;
    if (which == DH_N_OF(keys))
        return 0; /* "# Reference: ..." and other free comments */
    if (indicators_seen) {
        snprintf(err, errlen, "%s:%zu: header key '%s' after the first indicator", path, line,
                 keys[which]);
        return -1;
    }
    char *v = s + k + 1;
    size_t vlen = len - k - 1;
    trim(&v, &vlen);
    bool ok = true;
    switch (which) {
    case 0:
        ok = h->n_tech < DH_ATTACK_MAX && parse_ref(v, vlen, "T", false, h->tech[h->n_tech++]);
        break;
    case 1:
        ok = h->n_sub < DH_ATTACK_MAX && parse_ref(v, vlen, "T", true, h->sub[h->n_sub++]);
        break;
    case 2:
        ok = h->n_tactic < DH_ATTACK_MAX &&
             parse_ref(v, vlen, "TA", false, h->tactic[h->n_tactic++]);
        break;
    case 3:
        ok = is_id(v, vlen, "DET", 4, false);
        if (ok)
            snprintf(h->ds, sizeof(h->ds), "%.*s", (int)vlen, v);
        break;
    case 4:
        ok = parse_number(v, vlen, 0, 1, &h->confidence);
        break;
    case 5:
        ok = parse_number(v, vlen, 0, 100, &h->risk);
        break;
    case 6:
    case 7: {
        char *dst = which == 6 ? h->description : h->source;
        ok = vlen > 0 && !dst[0];
        if (ok)
            snprintf(dst, HDR_TEXT, "%.*s", (int)vlen, v);
        break;
    }
    }
    if (!ok) {
        static const char *const expect[] = {
            "'T1234 Name' (at most 4)", "'T1234.001 Name' (at most 4)",
            "'TA0011 Name' (at most 4)", "DETnnnn", "a number from 0 to 1",
            "a number from 0 to 100", "one non-empty line", "one non-empty line"};
        snprintf(err, errlen, "%s:%zu: %s: expected %s", path, line, keys[which], expect[which]);
        return -1;
    }
    return 1;
}

/* Check a finished header; returns its metadata index (existing or new). */
static int header_meta(ti_t *t, const header_t *h, const char *path, const char *base,
                       uint32_t *out, char *err, size_t errlen)
{
    if ((h->n_tech || h->n_sub || h->ds[0]) && !h->n_tactic) {
        snprintf(err, errlen, "%s: the header names a technique but no 'tactic:'", path);
        return -1;
    }
    if (h->n_tactic && !h->n_tech) {
        snprintf(err, errlen, "%s: the header names a tactic but no 'technique:'", path);
        return -1;
    }
    for (size_t i = 0; i < h->n_sub; i++) {
        bool parent = false;
        for (size_t j = 0; j < h->n_tech; j++)
            parent |= strncmp(h->sub[i][0], h->tech[j][0], 5) == 0;
        if (!parent) {
            snprintf(err, errlen, "%s: subtechnique %s needs 'technique: %.5s ...' too", path,
                     h->sub[i][0], h->sub[i][0]);
            return -1;
        }
    }
    dh_strbuf_t sig;
    dh_sb_init(&sig);
    dh_sb_printf(&sig, "%s\x1f%s\x1f%s\x1f%.17g\x1f%.17g\x1f%s", base, h->description, h->source,
                 h->risk, h->confidence, h->ds);
    for (size_t i = 0; i < h->n_tactic; i++)
        dh_sb_printf(&sig, "\x1f%s %s", h->tactic[i][0], h->tactic[i][1]);
    for (size_t i = 0; i < h->n_tech; i++)
        dh_sb_printf(&sig, "\x1e%s %s", h->tech[i][0], h->tech[i][1]);
    for (size_t i = 0; i < h->n_sub; i++)
        dh_sb_printf(&sig, "\x1d%s %s", h->sub[i][0], h->sub[i][1]);
    for (size_t i = 0; i < t->n_metas; i++)
        if (strcmp(t->metas[i]->sig, sig.buf) == 0) {
            *out = (uint32_t)i;
            dh_sb_free(&sig);
            return 0;
        }
    meta_t *m = dh_calloc(1, sizeof(*m));
    m->sig = dh_strdup(sig.buf);
    dh_sb_free(&sig);
    m->file = dh_strdup(base);
    m->description = h->description[0] ? dh_strdup(h->description) : NULL;
    m->source = h->source[0] ? dh_strdup(h->source) : NULL;
    m->risk = h->risk;
    m->confidence = h->confidence;
    m->has_attack = h->n_tech > 0;
    if (m->has_attack) {
        dh_attack_t *a = &m->attack;
        a->version = t->rule->attack.version; /* the rule outlives every meta */
        a->detection_strategy = h->ds[0] ? dh_strdup(h->ds) : NULL;
        for (size_t i = 0; i < h->n_tactic; i++)
            a->tactics[i] = (dh_attack_ref_t){dh_strdup(h->tactic[i][0]), dh_strdup(h->tactic[i][1])};
        for (size_t i = 0; i < h->n_tech; i++)
            a->techniques[i] = (dh_attack_ref_t){dh_strdup(h->tech[i][0]), dh_strdup(h->tech[i][1])};
        for (size_t i = 0; i < h->n_sub; i++)
            a->subtechniques[i] = (dh_attack_ref_t){dh_strdup(h->sub[i][0]), dh_strdup(h->sub[i][1])};
        a->n_tactics = h->n_tactic;
        a->n_techniques = h->n_tech;
        a->n_subtechniques = h->n_sub;
    }
    if (t->n_metas == t->cap_metas) {
        t->cap_metas = t->cap_metas ? t->cap_metas * 2 : 8;
        t->metas = dh_realloc(t->metas, t->cap_metas * sizeof(*t->metas));
    }
    t->metas[t->n_metas] = m;
    *out = (uint32_t)t->n_metas++;
    return 0;
}

/* Lowercase, drop "*." / leading dots / trailing dots, check labels.
   NULL when valid, else the reason. */
static const char *normalize_domain(char *s, size_t *len, char **start)
{
    bool tld_ok = false;
    if (*len >= 2 && s[0] == '*' && s[1] == '.')
        s += 2, *len -= 2, tld_ok = true;
    while (*len && s[0] == '.')
        s++, (*len)--, tld_ok = true;
    while (*len && s[*len - 1] == '.')
        (*len)--;
    *start = s;
    if (!*len)
        return "empty name";
    if (*len > 253)
        return "name longer than 253 characters";
    if (memchr(s, '/', *len) || memchr(s, ':', *len))
        return "not a domain, address or CIDR block (URLs and ports do not appear in DNS)";
    size_t label = 0, labels = 1;
    for (size_t i = 0; i < *len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            s[i] = (char)(c - 'A' + 'a');
        else if (c == '.') {
            if (!label)
                return "empty label";
            label = 0;
            labels++;
            continue;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return "character not allowed in a domain name";
        if (++label > 63)
            return "label longer than 63 characters";
    }
    if (labels == 1 && !tld_ok)
        return "a single label (write .LABEL to mean a whole top-level domain)";
    return NULL;
}

/* hosts-file boilerplate names, never indicators */
static bool hosts_boilerplate(const char *s, size_t len)
{
    static const char *const names[] = {"localhost", "localhost.localdomain", "local",
                                        "broadcasthost", "ip6-localhost", "ip6-loopback",
                                        "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes",
                                        "ip6-allrouters", "ip6-allhosts", "0.0.0.0"};
    for (size_t i = 0; i < DH_N_OF(names); i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], s, len) == 0)
            return true;
    return false;
}

typedef struct {
    const char *path, *base;
    size_t line, invalid, shown, valid;
    int64_t max_reports;
} file_ctx_t;

static void invalid(file_ctx_t *fc, intel_t *in, const char *tok, size_t len, const char *why)
{
    fc->invalid++;
    in->invalid++;
    if ((int64_t)fc->shown >= fc->max_reports)
        return;
    fc->shown++;
    fprintf(stderr, "dnshound: threat_intel: %s:%zu: '%.*s': %s\n", fc->path, fc->line,
            (int)(len > 80 ? 80 : len), tok, why);
}

static void add_plen(uint8_t *list, uint8_t *n, uint8_t plen)
{
    for (uint8_t i = 0; i < *n; i++)
        if (list[i] == plen)
            return;
    uint8_t i = *n;
    while (i && list[i - 1] < plen) {
        list[i] = list[i - 1];
        i--;
    }
    list[i] = plen;
    (*n)++;
}

#define FILTER_BYTES (1u << 21)

static uint32_t v4_slash24(const dh_addr_t *a)
{
    return (uint32_t)a->bytes[0] << 16 | (uint32_t)a->bytes[1] << 8 | a->bytes[2];
}

static uint32_t v6_slash32_hash(const dh_addr_t *a)
{
    uint32_t x = (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
                 (uint32_t)a->bytes[2] << 8 | a->bytes[3];
    return (uint32_t)(((uint64_t)x * 0x9e3779b97f4a7c15ULL) >> 40); /* 24 bits */
}

static void set_bit(uint8_t *bits, uint32_t i)
{
    bits[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static bool get_bit(const uint8_t *bits, uint32_t i)
{
    return bits[i >> 3] & (1u << (i & 7));
}

static void filter_add(intel_t *in, const dh_cidr_t *c)
{
    if (c->net.family == DH_AF_INET) {
        if (!in->bits4)
            in->bits4 = dh_calloc(1, FILTER_BYTES);
        uint32_t base = v4_slash24(&c->net);
        uint32_t count = c->prefix >= 24 ? 1 : 1u << (24 - c->prefix);
        for (uint32_t i = 0; i < count; i++)
            set_bit(in->bits4, base + i); /* host bits of base are clear */
    } else if (c->prefix < 32) {
        in->v6_wide = true;
    } else {
        if (!in->bits6)
            in->bits6 = dh_calloc(1, FILTER_BYTES);
        set_bit(in->bits6, v6_slash32_hash(&c->net));
    }
}

static size_t addr_key(uint8_t key[18], const dh_addr_t *a, uint8_t plen)
{
    size_t nb = a->family == DH_AF_INET ? 4 : 16;
    key[0] = a->family;
    key[1] = plen;
    memcpy(key + 2, a->bytes, nb);
    for (unsigned bit = plen; bit < nb * 8; bit++)
        key[2 + bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
    return 2 + nb;
}

/* Add one indicator; -1 (fatal) when over max_indicators. */
static int add_indicator(ti_t *t, intel_t *in, file_ctx_t *fc, uint32_t meta, uint8_t type,
                         const char *text, size_t len, const dh_cidr_t *c, char *err,
                         size_t errlen)
{
    uint32_t idx = (uint32_t)in->n;
    bool added;
    if (type == T_DOMAIN) {
        added = dh_strset_put(in->names, text, len, idx);
    } else {
        uint8_t key[18];
        size_t kl = addr_key(key, &c->net, c->prefix);
        added = dh_strset_put(in->addrs, (const char *)key, kl, idx);
        if (added) {
            filter_add(in, c);
            if (c->net.family == DH_AF_INET)
                add_plen(in->plen4, &in->n4, c->prefix);
            else
                add_plen(in->plen6, &in->n6, c->prefix);
        }
    }
    fc->valid++;
    if (!added) {
        in->duplicates++; /* the first file (in name order) keeps it */
        return 0;
    }
    if ((int64_t)in->n >= t->p.max_indicators) {
        snprintf(err, errlen,
                 "%s:%zu: more than max_indicators (%lld) indicators in %s; raise "
                 "thresholds.max_indicators in %s",
                 fc->path, fc->line, (long long)t->p.max_indicators, t->dir, t->rule->path);
        return -1;
    }
    if (in->n == in->cap) {
        in->cap = in->cap ? in->cap * 2 : 256;
        in->inds = dh_realloc(in->inds, in->cap * sizeof(*in->inds));
    }
    in->inds[in->n++] =
        (ind_t){.meta = meta, .type = type, .len = (uint16_t)len, .text = dh_strndup(text, len)};
    return 0;
}

static int add_domain_token(ti_t *t, intel_t *in, file_ctx_t *fc, uint32_t meta, char *tok,
                            size_t len, char *err, size_t errlen)
{
    char *name;
    const char *why = normalize_domain(tok, &len, &name);
    if (why) {
        invalid(fc, in, tok, len, why);
        return 0;
    }
    return add_indicator(t, in, fc, meta, T_DOMAIN, name, len, NULL, err, errlen);
}

static int add_addr_token(ti_t *t, intel_t *in, file_ctx_t *fc, uint32_t meta, char *tok,
                          size_t len, char *err, size_t errlen)
{
    dh_cidr_t c;
    char buf[64];
    if (len >= sizeof(buf) || (snprintf(buf, sizeof(buf), "%.*s", (int)len, tok),
                               dh_cidr_parse(buf, &c) != 0)) {
        invalid(fc, in, tok, len, "not an address or CIDR block");
        return 0;
    }
    bool v4 = c.net.family == DH_AF_INET;
    int full = v4 ? 32 : 128;
    if (c.prefix < (v4 ? t->p.min_prefix_v4 : t->p.min_prefix_v6)) {
        invalid(fc, in, tok, len, v4 ? "CIDR block wider than min_prefix_v4"
                                      : "CIDR block wider than min_prefix_v6");
        return 0;
    }
    char text[DH_ADDR_STRLEN + 8];
    dh_addr_format(&c.net, text);
    if (c.prefix != full)
        snprintf(text + strlen(text), 8, "/%u", c.prefix);
    return add_indicator(t, in, fc, meta, c.prefix == full ? T_IP : T_CIDR, text, strlen(text),
                         &c, err, errlen);
}

/* "a.b.c.d:port" (maltrail): the address part, or 0 when not that shape. */
static size_t v4_with_port(const char *tok, size_t len)
{
    const char *colon = memchr(tok, ':', len);
    if (!colon || memchr(colon + 1, ':', len - (size_t)(colon - tok) - 1))
        return 0;
    size_t alen = (size_t)(colon - tok), plen = len - alen - 1;
    dh_addr_t a;
    if (!plen || plen > 5 || dh_addr_parse(tok, alen, &a) != 0 || a.family != DH_AF_INET)
        return 0;
    for (size_t i = 0; i < plen; i++)
        if (!isdigit((unsigned char)colon[1 + i]))
            return 0;
    return alen;
}

static bool looks_like_addr(const char *tok, size_t len)
{
    dh_addr_t a;
    size_t alen = len;
    const char *slash = memchr(tok, '/', len);
    if (slash)
        alen = (size_t)(slash - tok);
    return alen && alen < 64 && dh_addr_parse(tok, alen, &a) == 0;
}

static int indicator_line(ti_t *t, intel_t *in, file_ctx_t *fc, uint32_t meta, char *s,
                          char *err, size_t errlen)
{
    char *tok[8];
    size_t tl[8], n = 0;
    while (*s && n < 8) {
        s += strspn(s, " \t");
        if (!*s)
            break;
        tok[n] = s;
        tl[n] = strcspn(s, " \t");
        s += tl[n];
        n++;
    }
    if (!n)
        return 0;
    if (s[strspn(s, " \t")]) {
        invalid(fc, in, tok[0], tl[0], "more than 8 fields");
        return 0;
    }
    if (looks_like_addr(tok[0], tl[0])) {
        if (n == 1)
            return add_addr_token(t, in, fc, meta, tok[0], tl[0], err, errlen);
        if (memchr(tok[0], '/', tl[0])) {
            invalid(fc, in, tok[0], tl[0], "a CIDR block followed by more fields");
            return 0;
        }
        for (size_t i = 1; i < n; i++) /* hosts file: ADDRESS NAME... */
            if (!hosts_boilerplate(tok[i], tl[i]) &&
                add_domain_token(t, in, fc, meta, tok[i], tl[i], err, errlen))
                return -1;
        return 0;
    }
    if (n > 1) {
        invalid(fc, in, tok[0], tl[0], "extra fields after the indicator");
        return 0;
    }
    size_t alen = v4_with_port(tok[0], tl[0]);
    if (alen)
        return add_addr_token(t, in, fc, meta, tok[0], alen, err, errlen);
    return add_domain_token(t, in, fc, meta, tok[0], tl[0], err, errlen);
}

static int load_file(ti_t *t, intel_t *in, const char *path, const char *base, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    file_ctx_t fc = {.path = path, .base = base, .max_reports = t->p.invalid_reports};
    header_t *h = dh_calloc(1, sizeof(*h));
    h->risk = h->confidence = -1;
    bool have_meta = false;
    uint32_t meta = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        fc.line++;
        size_t len = (size_t)got;
        if (memchr(line, '\0', len)) {
            invalid(&fc, in, "", 0, "NUL byte in the line");
            continue;
        }
        if (len > MAX_LINE) {
            invalid(&fc, in, line, 40, "line too long");
            continue;
        }
        char *s = line;
        trim(&s, &len);
        s[len] = '\0';
        if (!len)
            continue;
        if (s[0] == '#') {
            if (header_line(h, s, len, have_meta, path, fc.line, err, errlen) < 0)
                rc = -1;
            continue;
        }
        if (!have_meta) {
            if (header_meta(t, h, path, base, &meta, err, errlen)) {
                rc = -1;
                break;
            }
            have_meta = true;
        }
        s[strcspn(s, "#")] = '\0';
        rc = indicator_line(t, in, &fc, meta, s, err, errlen);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc == 0 && !have_meta && header_meta(t, h, path, base, &meta, err, errlen))
        rc = -1; /* a bad header in a file without indicators is still reported as such */
    free(h);
    if (rc)
        return -1;
    if (fc.invalid > fc.shown)
        fprintf(stderr, "dnshound: threat_intel: %s: %zu invalid lines (%zu shown)\n", path,
                fc.invalid, fc.shown);
    if (fc.valid == 0) {
        snprintf(err, errlen, "%s: no valid indicator (%zu invalid lines)", path, fc.invalid);
        return -1;
    }
    in->files++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.txt of the intel directory, in name order, into a new set. */
static intel_t *load_all(ti_t *t, char *err, size_t errlen)
{
    DIR *d = opendir(t->dir);
    if (!d) {
        snprintf(err, errlen, "%s: intel_dir %s: %s", t->rule->path, t->dir, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = dh_realloc(names, cap * sizeof(*names));
        }
        names[n++] = dh_strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    intel_t *in = dh_calloc(1, sizeof(*in));
    in->names = dh_strset_new();
    in->addrs = dh_strset_new();
    int rc = 0;
    if (!n) {
        snprintf(err, errlen, "%s: intel_dir %s holds no *.txt indicator file", t->rule->path,
                 t->dir);
        rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[8192];
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", t->dir, names[i]);
        if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
            continue;
        rc = load_file(t, in, path, names[i], err, errlen);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc) {
        intel_free(in);
        return NULL;
    }
    return in;
}

/* ---- detector -------------------------------------------------------------- */

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);
static void ti_destroy(void *state);

static void *ti_create(dh_rule_t *rule, const dh_detect_env_t *env, char *err, size_t errlen)
{
    ti_t *t = dh_calloc(1, sizeof(*t));
    t->rule = rule;
    t->env = env;
    t->match_answers = t->match_cnames = true;
    dh_sb_init(&t->ev);
    const char *dir = "intel";
    if (dh_rule_read_params(rule, &t->p, int_params, DH_N_OF(int_params), NULL, 0, err,
                            errlen) ||
        dh_yaml_str(rule->thresholds, "intel_dir", false, &dir, err, errlen) ||
        dh_yaml_bool(rule->thresholds, "match_answers", false, &t->match_answers, err, errlen) ||
        dh_yaml_bool(rule->thresholds, "match_cnames", false, &t->match_cnames, err, errlen)) {
        ti_destroy(t);
        return NULL;
    }
    dh_rule_path(rule, dir, t->dir, sizeof(t->dir));
    t->intel = load_all(t, err, errlen);
    if (!t->intel) {
        ti_destroy(t);
        return NULL;
    }
    dh_table_opts_t o = {.name = "threat_intel.client_indicator",
                         .value_size = sizeof(window_t),
                         .window_us = t->p.window * 1000000,
                         .on_close = on_close,
                         .ctx = t};
    t->table = dh_table_new(env->state, &o);
    return t;
}

static bool lookup_addr(const intel_t *in, const dh_addr_t *a, uint32_t *idx)
{
    if (a->family == DH_AF_INET ? !in->bits4 || !get_bit(in->bits4, v4_slash24(a))
                                : !in->v6_wide && (!in->bits6 ||
                                                   !get_bit(in->bits6, v6_slash32_hash(a))))
        return false;
    const uint8_t *pl = a->family == DH_AF_INET ? in->plen4 : in->plen6;
    uint8_t n = a->family == DH_AF_INET ? in->n4 : in->n6;
    uint8_t key[18];
    for (uint8_t i = 0; i < n; i++) {
        size_t kl = addr_key(key, a, pl[i]);
        if (dh_strset_get(in->addrs, (const char *)key, kl, idx))
            return true;
    }
    return false;
}

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

static void keep_name(char names[][SAMPLE_LEN], uint8_t *lens, uint8_t *n, uint8_t max,
                      const char *s, size_t len)
{
    if (*n >= max)
        return;
    if (len > SAMPLE_LEN)
        len = SAMPLE_LEN;
    for (uint8_t i = 0; i < *n; i++)
        if (lens[i] == len && memcmp(names[i], s, len) == 0)
            return;
    memcpy(names[*n], s, len);
    lens[(*n)++] = (uint8_t)len;
}

static void record(ti_t *t, const dh_event_t *ev, const dh_verdict_t *v, const hit_t *h)
{
    const ind_t *ind = &t->intel->inds[h->idx];
    uint8_t key[sizeof(dh_addr_t) + 1 + IND_LEN];
    memcpy(key, &ev->client, sizeof(dh_addr_t));
    key[sizeof(dh_addr_t)] = ind->type;
    memcpy(key + sizeof(dh_addr_t) + 1, ind->text, ind->len);
    window_t *w = dh_table_touch(t->table, key, sizeof(dh_addr_t) + 1 + ind->len, ev->ts_us);
    if (!w)
        return;
    if (!w->seen) {
        w->seen = 1;
        w->client = ev->client;
        w->first_us = w->last_us = ev->ts_us;
        w->meta = ind->meta;
        w->type = ind->type;
        w->ind_len = ind->len;
        memcpy(w->indicator, ind->text, ind->len);
    }
    if (ev->ts_us < w->first_us)
        w->first_us = ev->ts_us;
    if (ev->ts_us > w->last_us)
        w->last_us = ev->ts_us;
    w->from_resolver |= v->from_resolver;
    w->kinds |= h->kinds;
    w->events++;
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
        keep_name(w->cnames, w->cname_len, &w->n_cnames, MAX_CNAMES, h->cname, h->cname_len);
    if (ev->has_qname)
        keep_name(w->samples, w->sample_len, &w->n_samples, SAMPLES, ev->qname, ev->qname_len);
}

static void ti_on_event(void *state, const dh_event_t *ev, const dh_verdict_t *v,
                        const dh_detect_env_t *env)
{
    (void)env;
    ti_t *t = state;
    const intel_t *in = t->intel;
    if (ev->client.family == DH_AF_UNSET)
        return;
    hit_t hits[MAX_HITS];
    size_t n = 0;
    uint32_t idx;
    /* CNAME targets are only looked at when the query name matched nothing
       (a listed service's own CNAME chain is the same lookup), and only the
       first matching target counts */
    bool want_cname = t->match_cnames && dh_strset_size(in->names);
    if (ev->has_qname && ev->qname_len &&
        dh_strset_get_suffix(in->names, ev->qname_lc, ev->qname_len, &idx, NULL)) {
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
                if (dh_event_answer_addr(ev, i, &x) && lookup_addr(in, &x, &idx))
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

static void str_arr(dh_strbuf_t *sb, const char *key, char names[][SAMPLE_LEN],
                    const uint8_t *lens, uint8_t n)
{
    dh_json_open_arr(sb, key);
    for (uint8_t i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_string(sb, names[i], lens[i]);
    }
    dh_sb_putc(sb, ']');
}

static void evidence(ti_t *t, window_t *w, const meta_t *m)
{
    dh_strbuf_t *sb = &t->ev;
    char a[DH_ADDR_STRLEN];
    dh_sb_reset(sb);
    dh_json_kv_strn(sb, "indicator", w->indicator, w->ind_len);
    dh_json_kv_str(sb, "indicator_type", type_names[w->type]);
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
    dh_json_kv_uint(sb, "queries", w->events);
    dh_json_kv_uint(sb, "query_name_matches", w->qname_hits);
    dh_json_kv_uint(sb, "cname_matches", w->cname_hits);
    dh_json_kv_uint(sb, "answer_matches", w->answer_hits);
    dh_json_kv_uint(sb, "resolved", w->resolved);
    dh_json_kv_uint(sb, "nxdomain", w->nxdomain);
    dh_json_open_arr(sb, "matched_addresses");
    for (uint8_t i = 0; i < w->n_addrs; i++) {
        dh_json_sep(sb);
        dh_addr_format(&w->addrs[i], a);
        dh_json_string(sb, a, strlen(a));
    }
    dh_sb_putc(sb, ']');
    str_arr(sb, "matched_cnames", w->cnames, w->cname_len, w->n_cnames);
    dh_json_kv_int(sb, "window_seconds", t->p.window);
    dh_json_open_obj(sb, "thresholds");
    dh_json_kv_int(sb, "min_queries", t->p.min_queries);
    dh_json_kv_bool(sb, "match_answers", t->match_answers);
    dh_json_kv_bool(sb, "match_cnames", t->match_cnames);
    dh_sb_putc(sb, '}');
    str_arr(sb, "samples", w->samples, w->sample_len, w->n_samples);
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    (void)key, (void)keylen, (void)why;
    ti_t *t = ctx;
    window_t *w = value;
    if (!w->seen || w->events < (uint64_t)t->p.min_queries)
        return;
    const meta_t *m = t->metas[w->meta];
    evidence(t, w, m);
    char entity[IND_LEN + 1];
    memcpy(entity, w->indicator, w->ind_len);
    entity[w->ind_len] = '\0';
    dh_detection_t d = {
        .rule_name = "threat_intel",
        .rule = t->rule,
        .attack = m->has_attack ? &m->attack : NULL,
        .fired_us = w->last_us,
        .start_us = w->first_us,
        .end_us = w->last_us,
        .window_start_us = ws,
        .client = &w->client,
        .client_is_resolver = w->from_resolver,
        .qname = w->n_samples ? w->samples[0] : NULL,
        .qname_len = w->n_samples ? w->sample_len[0] : 0,
        .entity = entity,
        .risk_score = m->risk,
        .confidence = m->confidence,
        .evidence = &t->ev,
    };
    t->env->emit(t->env->pipeline, &d);
}

static int ti_reload(void *state, char *info, size_t infolen, char *err, size_t errlen)
{
    ti_t *t = state;
    intel_t *in = load_all(t, err, errlen);
    if (!in)
        return -1;
    snprintf(info, infolen,
             "%zu files, %zu indicators (was %zu), %zu invalid lines, %zu "
             "duplicates",
             in->files, in->n, t->intel->n, in->invalid, in->duplicates);
    intel_free(t->intel);
    t->intel = in;
    return 0;
}

static void ti_destroy(void *state)
{
    ti_t *t = state;
    if (!t)
        return;
    intel_free(t->intel);
    for (size_t i = 0; i < t->n_metas; i++)
        meta_free(t->metas[i]);
    free(t->metas);
    dh_sb_free(&t->ev);
    free(t);
}

const dh_detector_type_t dh_detector_threat_intel = {
    .name = "threat_intel",
    .description = "queried names, CNAME targets and answered addresses matched against the "
                   "indicator files of rules/intel/ (mapping per file, default T1071.004)",
    .create = ti_create,
    .on_event = ti_on_event,
    .flush = NULL,
    .destroy = ti_destroy,
    .reload = ti_reload,
};
