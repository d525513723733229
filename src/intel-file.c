/*
 * intel-file.c - the indicator-file reader (intel-file.h): headers into
 * de-duplicated, append-only metadata, indicator lines into a suffix map of
 * domains and an exact-key map of masked addresses per prefix length, with a
 * one-bit-per-/24 prefilter so that most answered addresses cost one bit
 * test. The format is documented in src/detectors/threat-intel.c.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "intel-file.h"
#include "util-json.h"
#include "util-mem.h"

#define HDR_TEXT 256
#define MAX_LINE 4096

/* One load: the options and the metadata it adds to. */
typedef struct {
    const dh_intel_opts_t *o;
    dh_intel_metas_t *metas;
} loader_t;

const char *dh_intel_type_name(uint8_t type)
{
    static const char *const names[] = {"domain", "ip", "cidr"};
    return type < DH_N_OF(names) ? names[type] : "?";
}

void dh_intel_free(dh_intel_t *in)
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

static void meta_free(dh_intel_meta_t *m)
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
static int header_meta(loader_t *t, const header_t *h, const char *path, const char *base,
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
    for (size_t i = 0; i < t->metas->n; i++)
        if (strcmp(t->metas->v[i]->sig, sig.buf) == 0) {
            *out = (uint32_t)i;
            dh_sb_free(&sig);
            return 0;
        }
    dh_intel_meta_t *m = dh_calloc(1, sizeof(*m));
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
        a->version = t->o->attack_version; /* the rule outlives every meta */
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
    t->metas->v = dh_grow(t->metas->v, &t->metas->cap, t->metas->n, sizeof(*t->metas->v), 8);
    t->metas->v[t->metas->n] = m;
    *out = (uint32_t)t->metas->n++;
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
    const dh_intel_opts_t *o;
    const char *path, *base;
    size_t line, invalid, shown, valid;
    int64_t max_reports;
} file_ctx_t;

static void invalid(file_ctx_t *fc, dh_intel_t *in, const char *tok, size_t len, const char *why)
{
    fc->invalid++;
    in->invalid++;
    if ((int64_t)fc->shown >= fc->max_reports)
        return;
    fc->shown++;
    dh_log(fc->o->log, DH_LOG_WARN, fc->o->log_kind, fc->o->log_name, "%s:%zu: '%.*s': %s",
           fc->path, fc->line, (int)(len > 80 ? 80 : len), tok, why);
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

static void filter_add(dh_intel_t *in, const dh_cidr_t *c)
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
static int add_indicator(loader_t *t, dh_intel_t *in, file_ctx_t *fc, uint32_t meta, uint8_t type,
                         const char *text, size_t len, const dh_cidr_t *c, char *err,
                         size_t errlen)
{
    uint32_t idx = (uint32_t)in->n;
    bool added;
    if (type == DH_INTEL_DOMAIN) {
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
    if ((int64_t)in->n >= t->o->max_indicators) {
        snprintf(err, errlen,
                 "%s:%zu: more than max_indicators (%lld) indicators in %s; raise "
                 "thresholds.max_indicators in %s",
                 fc->path, fc->line, (long long)t->o->max_indicators, t->o->dir, t->o->rule_path);
        return -1;
    }
    in->inds = dh_grow(in->inds, &in->cap, in->n, sizeof(*in->inds), 256);
    in->inds[in->n++] =
        (dh_intel_ind_t){.meta = meta, .type = type, .len = (uint16_t)len, .text = dh_strndup(text, len)};
    return 0;
}

static int add_domain_token(loader_t *t, dh_intel_t *in, file_ctx_t *fc, uint32_t meta, char *tok,
                            size_t len, char *err, size_t errlen)
{
    char *name;
    const char *why = normalize_domain(tok, &len, &name);
    if (why) {
        invalid(fc, in, tok, len, why);
        return 0;
    }
    return add_indicator(t, in, fc, meta, DH_INTEL_DOMAIN, name, len, NULL, err, errlen);
}

static int add_addr_token(loader_t *t, dh_intel_t *in, file_ctx_t *fc, uint32_t meta, char *tok,
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
    if (c.prefix < (v4 ? t->o->min_prefix_v4 : t->o->min_prefix_v6)) {
        invalid(fc, in, tok, len, v4 ? "CIDR block wider than min_prefix_v4"
                                      : "CIDR block wider than min_prefix_v6");
        return 0;
    }
    char text[DH_ADDR_STRLEN + 8];
    dh_addr_format(&c.net, text);
    if (c.prefix != full)
        snprintf(text + strlen(text), 8, "/%u", c.prefix);
    return add_indicator(t, in, fc, meta, c.prefix == full ? DH_INTEL_IP : DH_INTEL_CIDR, text, strlen(text),
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

static int indicator_line(loader_t *t, dh_intel_t *in, file_ctx_t *fc, uint32_t meta, char *s,
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

static int load_file(loader_t *t, dh_intel_t *in, const char *path, const char *base, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    file_ctx_t fc = {.o = t->o, .path = path, .base = base, .max_reports = t->o->invalid_reports};
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
        dh_log(t->o->log, DH_LOG_WARN, t->o->log_kind, t->o->log_name,
               "%s: %zu invalid lines (%zu shown)", path, fc.invalid, fc.shown);
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
static dh_intel_t *load_all(loader_t *t, char *err, size_t errlen)
{
    DIR *d = opendir(t->o->dir);
    if (!d) {
        snprintf(err, errlen, "%s: intel_dir %s: %s", t->o->rule_path, t->o->dir, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        names = dh_grow(names, &cap, n, sizeof(*names), 16);
        names[n++] = dh_strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    dh_intel_t *in = dh_calloc(1, sizeof(*in));
    in->names = dh_strset_new();
    in->addrs = dh_strset_new();
    int rc = 0;
    if (!n) {
        snprintf(err, errlen, "%s: intel_dir %s holds no *.txt indicator file", t->o->rule_path,
                 t->o->dir);
        rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[8192];
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", t->o->dir, names[i]);
        if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
            continue;
        rc = load_file(t, in, path, names[i], err, errlen);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc) {
        dh_intel_free(in);
        return NULL;
    }
    return in;
}

bool dh_intel_lookup_addr(const dh_intel_t *in, const dh_addr_t *a, uint32_t *idx)
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

dh_intel_t *dh_intel_load(const dh_intel_opts_t *o, dh_intel_metas_t *metas, char *err,
                          size_t errlen)
{
    loader_t t = {.o = o, .metas = metas};
    return load_all(&t, err, errlen);
}

void dh_intel_metas_free(dh_intel_metas_t *metas)
{
    for (size_t i = 0; i < metas->n; i++)
        meta_free(metas->v[i]);
    free(metas->v);
    *metas = (dh_intel_metas_t){0};
}
