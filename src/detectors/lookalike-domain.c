/*
 * lookalike-domain.c - queried names that imitate protected brands
 * (T1583.001 Acquire Infrastructure: Domains, TA0042 Resource Development).
 *
 * Phishing and typosquatting infrastructure lives on registered domains that
 * look like a brand the users trust: the organisation's own domains and the
 * common targets (mail, cloud, banks, shipping...) listed in
 * thresholds.brands_list. A client querying such a name has been lured to it
 * (a phishing mail, a malvertising redirect) or mistyped the real name.
 *
 * The registered domain of every event (eTLD+1, ev->registered_domain) is
 * split into its registrable LABEL ("paypa1" of paypa1.com) and its public
 * suffix, and the label is compared with the brands' labels. The families
 * (dnstwist's fuzzers, re-implemented from their definitions):
 *
 *   homoglyph        the label reads like a brand once visually confusable
 *                    characters are folded (0/o, 1/l/i, 3/e, 5/s, rn/m,
 *                    vv/w, cl/d, q/g...), any number of them: "g00gle",
 *                    "rnicrosoft", "paypa1". Brands shorter than
 *                    min_brand_label only match when the label holds a digit.
 *   idn_homograph    an IDN label (xn--, punycode) whose decoded characters
 *                    (Cyrillic, Greek, accented Latin) fold to a brand.
 *   brand_in_subdomain  the whole brand domain as labels left of another
 *                    registered domain ("paypal.com.secure-login.xyz"), or
 *                    "paypal.com-verify.xyz". Only answered or unanswered
 *                    queries count: NXDOMAIN / NODATA is a client's DNS search
 *                    list appending its own domain to a brand name.
 *   combosquat       brand and a dictionary word (words_list), joined or
 *                    hyphenated ("paypal-login", "securepaypal",
 *                    "dhl-tracking"), or hyphenated tokens that are the brand,
 *                    words and the brand's own suffix ("www-paypal-com-verify").
 *   tld_swap         the brand's exact label under another suffix: a typo of
 *                    the brand's suffix (one edit: com -> co, cm, om, con) or
 *                    a TLD in tld_swap_tlds (the most abused cheap TLDs:
 *                    paypal.xyz). Big brands register their name under most
 *                    other TLDs themselves (microsoft.net, google.dev,
 *                    amazon.science, barclays.com), so those do not count.
 *   omission, repetition, transposition, replacement (QWERTY neighbour),
 *   insertion (QWERTY neighbour), addition (a character appended),
 *   hyphenation, bitsquatting (one bit of one character flipped, the result
 *   still a host-name character), vowel_swap: single-edit typos of brand
 *   labels of at least min_brand_label characters, precomputed at load time
 *   into one hash map (permutation -> brand, family).
 *   edit_distance    what the permutations miss: optimal-string-alignment
 *                    distance 1 for labels of at least min_label_for_distance
 *                    characters, 2 (max_edit_distance) from
 *                    min_label_for_distance_2; with same_first_char (also for
 *                    bitsquatting and vowel_swap by default),
 *                    the first character must be kept (typos rarely hit the
 *                    first character, and unrelated words differ there:
 *                    binance / finance).
 *
 * Never reported: the brand domains and their subdomains, the
 * legitimate_list (brand-owned look-alikes such as microsoftonline.com), names
 * noise control calls popular (a look-alike that is itself a top site is a
 * different real site) or benign services. Whether a name is a look-alike
 * never depends on how many clients queried it: that count depends on the
 * order in which a split input (Kafka partitions, several analyzers)
 * arrives. Only the typo gate below reads it, to report more, never less:
 * an instance that sees fewer clients stays on the counted side.
 *
 * Typo gate (issue 11): a window whose look-alike never resolved, of a
 * family in typo_families (what fingers type), from one client in one burst
 * (no gap above typo_burst_gap) while fewer than typo_min_clients clients
 * queried the domain, is a user's typo: counted (look_stats_t), not
 * reported. Brand infrastructure: the answers (addresses, CNAME targets) of
 * the brands' own domains seen in the traffic are kept in a direct-mapped
 * table (brand_answers slots, answer -> brand); a look-alike sharing one
 * with its brand, or CNAMEd into the brand's domain, is the brand's own
 * registration: counted, not reported. A resolved look-alike with answers
 * none of which is the brand's is live foreign infrastructure: it takes
 * foreign_risk_score and foreign_confidence more. Both are judged when the
 * window closes, so a brand answer seen after the look-alike in the same
 * window still counts.
 *
 * Confusable characters (homoglyph skeletons, IDN labels decoded by libidn2)
 * are in lookalike-confusables.c, the typo generator in lookalike-permute.c
 * (lookalike.h); this file holds the lists, the matcher and the windows.
 *
 * Per event: at most a few hash lookups on the label (permutation map,
 * folded-brand map, brand labels) plus, for labels with subdomains, one lookup
 * per label on the left; the bounded edit distance runs only for labels
 * that match nothing else. What a registered domain gives is kept in a
 * direct-mapped verdict cache (VERDICT_SLOTS), so a repeated domain costs
 * one hash and one compare. No allocation
 * except the window entry of a look-alike (dh_table_touch).
 *
 * State: one entry per client x look-alike registered domain and window
 * (default one hour). At close, one detection: brand, family, edit distance,
 * the queries and how they were answered. A look-alike that never resolved
 * (NXDOMAIN or no data, nothing answered) is a user's typo, reported with the
 * lower nxdomain_risk_score; one that resolved is live infrastructure.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector-kit.h"
#include "../sketch.h"
#include "../util-ip.h"
#include "../util-mem.h"
#include "../util-strset.h"
#include "lookalike.h"

#define LABEL_MAX LOOKALIKE_LABEL_MAX
#define DOMAIN_LEN 128
#define SAMPLES 3
#define SAMPLE_LEN 128
#define MAX_BRANDS 4096
#define MAX_TOKENS 8
#define VERDICT_SLOTS 16384 /* power of two: the verdict on a registered domain */
#define LINE_MAX_LEN 512
#define BRAND_LABEL 0xff /* perms value family: the label of a brand itself */
#define WIN_ANSWERS 6    /* answers of a look-alike window kept for the brand overlap */
#define CLIENT_SLOTS 4096 /* power of two: distinct clients of recent look-alikes */
#define MAX_GATE_CLIENTS 16 /* typo_min_clients' upper limit (clients kept a slot) */

static const char *const family_names[N_FAMILIES] = {
    "homoglyph",   "idn_homograph", "brand_in_subdomain", "combosquat",   "tld_swap",
    "omission",    "repetition",    "transposition",      "replacement",  "insertion",
    "addition",    "hyphenation",   "bitsquatting",       "vowel_swap",   "edit_distance"};

/* default confidence of each family (the rule's families map overrides) */
static const double family_default_conf[N_FAMILIES] = {
    0.8, 0.85, 0.8, 0.7, 0.5, 0.6, 0.6, 0.65, 0.6, 0.6, 0.5, 0.65, 0.5, 0.55, 0.4};

typedef struct {
    int64_t window, min_queries, min_brand_label, min_combo_label, min_label_for_distance,
        min_label_for_distance_2, max_edit_distance, typo_burst_gap, typo_min_clients,
        brand_answers;
    double nxdomain_risk_score, foreign_risk_score, foreign_confidence;
} params_t;

typedef struct {
    char *domain;  /* registered domain, lowercase */
    char *suffix;  /* points into domain, after the label's dot */
    uint8_t label_len;
    uint64_t h;    /* dh_hash64 of domain: the brand in the answer table, which
                      outlives a reload (indices change, domains do not) */
    bool word;     /* the label is an ordinary word: only homoglyphs with a digit,
                      IDN homographs and brand_in_subdomain */
} brand_t;


/* What classify concluded from a registered domain alone (everything but
   brand_in_subdomain): most events repeat a domain, so most cost one hash
   and one compare in this small table instead of lookups in the big maps. */
typedef struct {
    uint64_t h;
    uint32_t brand;
    int16_t family; /* -1: no match */
    uint16_t len;
} verdict_slot_t;

typedef struct {
    dh_kit_window_t h; /* h.events: the queries */
    uint32_t resolved, negative, unanswered;
    uint32_t brand;
    uint16_t bursts;      /* runs of queries with gaps of at most typo_burst_gap */
    uint8_t n_answers;    /* distinct answer hashes kept in answers[] */
    uint8_t name_mask;    /* bit j: answers[j] is a host name (CNAME target) */
    bool cname_brand;     /* some CNAME target is under the brand's own domain */
    uint64_t answers[WIN_ANSWERS];
    uint8_t family;
    uint8_t domain_len;
    char domain[DOMAIN_LEN];
    DH_KIT_SAMPLES(SAMPLES, SAMPLE_LEN);
} window_t;

/* One answer (address or CNAME target) seen for a brand's own domain: the
   answer's hash and the brand's (brand_t.h; 0: empty slot). Direct-mapped:
   a newer answer overwrites. */
typedef struct {
    uint64_t h;
    uint64_t brand_h;
} infra_slot_t;

/* The distinct clients that queried one look-alike registered domain: the
   typo gate's "several clients". Each client's first and latest query time;
   the gate counts the clients whose first query falls in the judged window
   or the window before it. Why first, not "lately": every query before the
   window's end has been read when the window closes (the watermark passed
   it), whatever order a split input (Kafka partitions) arrived in, so the
   count is the same for a file and for its partitions; a "last query" or a
   reset on a time gap would depend on what was read beyond the window. A
   slot taken by another domain starts over (the gate then stays shut: the
   conservative side); a full slot replaces its oldest first query. */
typedef struct {
    uint64_t domain_h;
    uint8_t n;
    uint32_t client[MAX_GATE_CLIENTS];
    int64_t client_first_us[MAX_GATE_CLIENTS];
    int64_t client_last_us[MAX_GATE_CLIENTS]; /* each one's latest query */
} client_slot_t;

/* What was decided without an alert (--stats detectors.lookalike_domain). */
typedef struct {
    uint64_t typos_counted;        /* unresolved one-burst typo windows, gated */
    uint64_t brand_infrastructure; /* look-alikes sharing the brand's answers */
    uint64_t foreign_answers;      /* reported look-alikes resolving elsewhere */
    uint64_t brand_answers_learned; /* answers of brand domains remembered */
} look_stats_t;

/* The lists, swapped as one on reload. */
typedef struct {
    brand_t *brands;
    size_t n_brands;
    dh_strset_t *domains;   /* brand registered domains -> brand */
    dh_strset_t *labels;    /* brand labels -> brand (first brand with that label) */
    dh_strset_t *folded;    /* folded (homoglyph skeleton) brand labels -> brand */
    dh_strset_t *perms;     /* permuted labels -> brand << 8 | family */
    dh_strset_t *words;     /* combosquat dictionary */
    dh_strset_t *legit;     /* legitimate look-alike registered domains */
    dh_strset_t *exempt;    /* brands and legitimate domains: one lookup per event */
    size_t n_words, n_legit;
    char **wordv;           /* the words in file order, while building perms */
    size_t wordv_cap;
} lists_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
    double conf[N_FAMILIES]; /* 0: family off */
    bool same_first[N_FAMILIES]; /* only when the first character is the brand's */
    bool platform[N_FAMILIES];   /* also under a hosting platform's suffix */
    dh_strset_t *swap_tlds; /* TLDs where the brand's exact label counts */
    const char *brands_path_key, *words_path_key, *legit_path_key;
    char brands_path[4096], words_path[4096], legit_path[4096];
    size_t brands_line, words_line, legit_line; /* rule-file lines of the keys */
    lists_t *l;
    verdict_slot_t *verdicts;
    bool typo_fam[N_FAMILIES];   /* gated when unresolved (typo_families) */
    infra_slot_t *infra;         /* brand answers: brand_answers slots */
    size_t infra_mask;
    uint32_t *brand_learned;     /* answers learned of each brand (MAX_BRANDS) */
    client_slot_t *clients;      /* CLIENT_SLOTS: clients of recent look-alikes */
    look_stats_t stats;
} look_t;
DH_KIT_STATE_LAYOUT(look_t, p);

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, min_queries,
    min_brand_label, min_combo_label, min_label_for_distance, min_label_for_distance_2,
    max_edit_distance, nxdomain_risk_score, typo_burst_gap, typo_min_clients, brand_answers,
    foreign_risk_score, foreign_confidence);

/* Optimal string alignment distance, or max + 1 when it exceeds max. */
static unsigned osa_distance(const char *a, size_t n, const char *b, size_t m, unsigned max)
{
    if (n > LABEL_MAX || m > LABEL_MAX)
        return max + 1;
    if ((n > m ? n - m : m - n) > max)
        return max + 1;
    unsigned rows[3][LABEL_MAX + 1];
    unsigned *pp = rows[0], *p = rows[1], *c = rows[2];
    for (size_t j = 0; j <= m; j++)
        p[j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        c[0] = (unsigned)i;
        unsigned best = c[0];
        for (size_t j = 1; j <= m; j++) {
            unsigned cost = a[i - 1] != b[j - 1];
            unsigned v = p[j - 1] + cost;
            if (p[j] + 1 < v)
                v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
            if (v < best)
                best = v;
        }
        if (best > max)
            return max + 1;
        unsigned *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[m] <= max ? p[m] : max + 1;
}

/* ---- lists ----------------------------------------------------------- */

static void lists_free(lists_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_brands; i++)
        free(l->brands[i].domain);
    free(l->brands);
    if (l->wordv)
        for (size_t w = 0; w < l->n_words; w++)
            free(l->wordv[w]);
    free(l->wordv);
    dh_strset_free(l->domains);
    dh_strset_free(l->labels);
    dh_strset_free(l->folded);
    dh_strset_free(l->perms);
    dh_strset_free(l->words);
    dh_strset_free(l->legit);
    dh_strset_free(l->exempt);
    free(l);
}

/* Read a list file: one entry a line (lowercased, trailing dots dropped),
   '#' comments. fn is called for each entry with its line number; it
   returns -1 (err filled) to stop. */
typedef int (*entry_fn)(lists_t *l, char *s, size_t len, const char *rest, size_t restlen,
                        const char *path, size_t line, char *err, size_t errlen);

static int read_list(look_t *t, lists_t *l, const char *key, const char *path, size_t keyline,
                     entry_fn fn, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s:%zu: %s: cannot open %s", t->kit.rule->path, keyline, key, path);
        return -1;
    }
    char line[LINE_MAX_LEN];
    size_t lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = line + strspn(line, " \t");
        size_t len = strcspn(s, " \t\r\n#");
        for (size_t i = 0; i < len; i++)
            if (s[i] >= 'A' && s[i] <= 'Z')
                s[i] = (char)(s[i] - 'A' + 'a');
        while (len && s[0] == '.')
            s++, len--;
        const char *rest = s + len;
        rest += strspn(rest, " \t");
        size_t restlen = strcspn(rest, "#\r\n");
        while (restlen && (rest[restlen - 1] == ' ' || rest[restlen - 1] == '\t'))
            restlen--;
        while (len && s[len - 1] == '.')
            len--;
        if (len)
            rc = fn(l, s, len, rest, restlen, path, lineno, err, errlen);
    }
    fclose(f);
    return rc;
}

static bool valid_name(const char *s, size_t len, bool dots)
{
    if (!len || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!lookalike_ldh(s[i]) && !(dots && s[i] == '.'))
            return false;
    return true;
}

static int add_brand(lists_t *l, char *s, size_t len, const char *rest, size_t restlen,
                     const char *path, size_t line, char *err, size_t errlen)
{
    const char *dot = memchr(s, '.', len);
    size_t ll = dot ? (size_t)(dot - s) : 0;
    if (!dot || ll == 0 || ll > LABEL_MAX || dot + 1 == s + len || !valid_name(s, len, true) ||
        len >= DOMAIN_LEN) {
        snprintf(err, errlen, "%s:%zu: '%.*s' is not a registered domain (label.suffix)", path,
                 line, (int)len, s);
        return -1;
    }
    bool word = restlen == 4 && memcmp(rest, "word", 4) == 0;
    if (restlen && !word) {
        snprintf(err, errlen, "%s:%zu: '%.*s': unknown flag (only 'word' may follow the domain)",
                 path, line, (int)restlen, rest);
        return -1;
    }
    if (dh_strset_has(l->domains, s, len))
        return 0;
    if (l->n_brands >= MAX_BRANDS) {
        snprintf(err, errlen, "%s:%zu: more than %d brands", path, line, MAX_BRANDS);
        return -1;
    }
    brand_t *b = &l->brands[l->n_brands];
    b->domain = dh_strndup(s, len);
    b->suffix = b->domain + ll + 1;
    b->label_len = (uint8_t)ll;
    b->h = dh_hash64(s, len) | 1; /* never 0, the empty slot */
    b->word = word;
    dh_strset_put(l->domains, s, len, (uint32_t)l->n_brands);
    dh_strset_add(l->exempt, s, len);
    l->n_brands++;
    return 0;
}

/* The words and legitimate lists take nothing after the entry. */
static int no_rest(const char *rest, size_t restlen, const char *path, size_t line, char *err,
                   size_t errlen)
{
    if (!restlen)
        return 0;
    snprintf(err, errlen, "%s:%zu: '%.*s': one entry a line", path, line, (int)restlen, rest);
    return -1;
}

static int add_word(lists_t *l, char *s, size_t len, const char *rest, size_t restlen,
                    const char *path, size_t line, char *err, size_t errlen)
{
    if (no_rest(rest, restlen, path, line, err, errlen) != 0)
        return -1;
    if (len > 32 || !valid_name(s, len, false) || memchr(s, '-', len)) {
        snprintf(err, errlen, "%s:%zu: '%.*s' is not a word (letters and digits)", path, line,
                 (int)len, s);
        return -1;
    }
    if (dh_strset_has(l->words, s, len))
        return 0;
    dh_strset_add(l->words, s, len);
    l->wordv = dh_grow(l->wordv, &l->wordv_cap, l->n_words, sizeof(*l->wordv), 64);
    l->wordv[l->n_words++] = dh_strndup(s, len);
    return 0;
}

static int add_legit(lists_t *l, char *s, size_t len, const char *rest, size_t restlen,
                    const char *path, size_t line, char *err, size_t errlen)
{
    if (no_rest(rest, restlen, path, line, err, errlen) != 0)
        return -1;
    if (!valid_name(s, len, true) || !memchr(s, '.', len)) {
        snprintf(err, errlen, "%s:%zu: '%.*s' is not a domain name", path, line, (int)len, s);
        return -1;
    }
    dh_strset_add(l->legit, s, len);
    dh_strset_add(l->exempt, s, len);
    l->n_legit++;
    return 0;
}

/* Add one permutation of brand bi's label (when it is a valid label and
   not itself a brand label). */
static void put_perm(lists_t *l, const char *s, size_t len, size_t bi, int family)
{
    if (!len || len > LABEL_MAX || !valid_name(s, len, false) || dh_strset_has(l->labels, s, len))
        return;
    dh_strset_put(l->perms, s, len, (uint32_t)bi << 8 | (uint32_t)family);
}

typedef struct {
    lists_t *l;
    size_t bi;
} perm_ctx_t;

static void put_brand_perm(void *ctx, const char *s, size_t len, int family)
{
    perm_ctx_t *c = ctx;
    put_perm(c->l, s, len, c->bi, family);
}

/* Every single-edit typo of brand bi's label (lookalike-permute.c). */
static void permute(lists_t *l, const look_t *t, size_t bi)
{
    const brand_t *b = &l->brands[bi];
    perm_ctx_t c = {l, bi};
    if ((int64_t)b->label_len >= t->p.min_brand_label && !b->word)
        lookalike_typos(b->domain, b->label_len, put_brand_perm, &c);
}

/* brand x word combosquats; word+brand without a separator only for brands
   of min_brand_label characters (short brands end many plain words). */
static void combos(lists_t *l, const look_t *t, size_t bi, const char *w, size_t wn)
{
    const brand_t *b = &l->brands[bi];
    size_t n = b->label_len;
    if (b->word || (int64_t)n < t->p.min_combo_label || n + wn + 1 > LABEL_MAX)
        return;
    perm_ctx_t c = {l, bi};
    lookalike_combos(b->domain, n, w, wn, (int64_t)n >= t->p.min_brand_label, put_brand_perm,
                     &c);
}

static lists_t *load_lists(look_t *t, char *err, size_t errlen)
{
    lists_t *l = dh_calloc(1, sizeof(*l));
    l->brands = dh_calloc(MAX_BRANDS, sizeof(brand_t));
    l->domains = dh_strset_new();
    l->labels = dh_strset_new();
    l->folded = dh_strset_new();
    l->perms = dh_strset_new();
    l->words = dh_strset_new();
    l->legit = dh_strset_new();
    l->exempt = dh_strset_new();
    int rc = read_list(t, l, "brands_list", t->brands_path, t->brands_line, add_brand, err,
                       errlen);
    if (!rc && l->n_brands == 0) {
        snprintf(err, errlen, "%s:%zu: brands_list: %s holds no domains", t->kit.rule->path,
                 t->brands_line, t->brands_path);
        rc = -1;
    }
    if (!rc && t->words_path[0])
        rc = read_list(t, l, "words_list", t->words_path, t->words_line, add_word, err,
                       errlen);
    if (!rc && t->legit_path[0])
        rc = read_list(t, l, "legitimate_list", t->legit_path, t->legit_line, add_legit, err,
                       errlen);
    if (!rc) {
        char f[LABEL_MAX];
        for (size_t i = 0; i < l->n_brands; i++) {
            const brand_t *b = &l->brands[i];
            dh_strset_put(l->labels, b->domain, b->label_len, (uint32_t)i);
            /* the perms map also answers "is a brand label" (family BRAND_LABEL):
               one lookup of the event's label for both */
            dh_strset_put(l->perms, b->domain, b->label_len, (uint32_t)i << 8 | BRAND_LABEL);
            size_t fl = lookalike_fold(b->domain, b->label_len, f);
            dh_strset_put(l->folded, f, fl, (uint32_t)i);
        }
        for (size_t i = 0; i < l->n_brands; i++) {
            permute(l, t, i);
            for (size_t w = 0; w < l->n_words; w++)
                combos(l, t, i, l->wordv[w], strlen(l->wordv[w]));
        }
    }
    for (size_t w = 0; w < l->n_words; w++)
        free(l->wordv[w]);
    free(l->wordv);
    l->wordv = NULL;
    if (rc) {
        lists_free(l);
        return NULL;
    }
    return l;
}

/* ---- rule ------------------------------------------------------------ */

static int list_path(look_t *t, const char *key, bool required, char *out, size_t *line,
                     char *err, size_t errlen)
{
    const char *name = NULL;
    out[0] = '\0';
    if (dh_yaml_str(t->kit.rule->thresholds, key, required, &name, err, errlen))
        return -1;
    if (!name || !name[0])
        return 0;
    *line = dh_yaml_get(t->kit.rule->thresholds, key)->line;
    dh_rule_path(t->kit.rule, name, out, 4096);
    return 0;
}

/* A list of family names under key (absent: the defaults) into out[]. */
static int family_list(look_t *t, const char *key, const int *def, size_t n_def, bool *out,
                       char *err, size_t errlen)
{
    dh_yaml_node_t *w = dh_yaml_get(t->kit.rule->thresholds, key);
    if (!w) {
        for (size_t i = 0; i < n_def; i++)
            out[def[i]] = true;
        return 0;
    }
    if (w->kind != DH_YAML_SEQ) {
        snprintf(err, errlen, "%s:%zu: %s: expected a list of family names", w->file, w->line,
                 key);
        return -1;
    }
    for (size_t j = 0; j < w->n_items; j++) {
        dh_yaml_node_t *it = w->items[j];
        int f = -1;
        for (int i = 0; it->kind == DH_YAML_SCALAR && i < N_FAMILIES; i++)
            if (strcmp(it->value, family_names[i]) == 0)
                f = i;
        if (f < 0) {
            snprintf(err, errlen, "%s:%zu: %s: '%s' is not a family", it->file, it->line, key,
                     it->kind == DH_YAML_SCALAR ? it->value : "(not a name)");
            return -1;
        }
        out[f] = true;
    }
    return 0;
}

static int read_swap_tlds(look_t *t, char *err, size_t errlen)
{
    dh_yaml_node_t *seq;
    if (dh_yaml_seq(t->kit.rule->thresholds, "tld_swap_tlds", "TLDs", 0, &seq, err, errlen))
        return -1;
    for (size_t i = 0; seq && i < seq->n_items; i++) {
        dh_yaml_node_t *it = seq->items[i];
        const char *v = it->kind == DH_YAML_SCALAR ? it->value : "";
        size_t n = strlen(v);
        while (n && v[0] == '.')
            v++, n--;
        if (!valid_name(v, n, true)) {
            snprintf(err, errlen, "%s:%zu: tld_swap_tlds: '%s' is not a TLD", it->file, it->line,
                     it->kind == DH_YAML_SCALAR ? it->value : "(list)");
            return -1;
        }
        dh_strset_add(t->swap_tlds, v, n);
    }
    return 0;
}

static int read_families(look_t *t, char *err, size_t errlen)
{
    for (int i = 0; i < N_FAMILIES; i++)
        t->conf[i] = family_default_conf[i];
    dh_yaml_node_t *m = dh_yaml_get(t->kit.rule->thresholds, "families");
    if (m) {
        if (m->kind != DH_YAML_MAP) {
            snprintf(err, errlen, "%s:%zu: families: expected a map of family: confidence",
                     m->file, m->line);
            return -1;
        }
        for (int i = 0; i < N_FAMILIES; i++)
            if (dh_yaml_double(m, family_names[i], false, 0, 1, &t->conf[i], err, errlen))
                return -1;
        /* an unknown family is an unused key: dh_rule_finish reports it */
    }
    static const int def_first[] = {F_OMISSION, F_BITSQUATTING, F_VOWEL_SWAP, F_EDIT_DISTANCE};
    static const int def_platform[] = {F_HOMOGLYPH, F_IDN_HOMOGRAPH, F_COMBOSQUAT,
                                       F_HYPHENATION};
    static const int def_typo[] = {F_OMISSION,    F_REPETITION,  F_TRANSPOSITION, F_REPLACEMENT,
                                   F_INSERTION,   F_ADDITION,    F_HYPHENATION,   F_BITSQUATTING,
                                   F_VOWEL_SWAP,  F_EDIT_DISTANCE, F_TLD_SWAP};
    return family_list(t, "same_first_char", def_first, DH_N_OF(def_first),
                               t->same_first, err, errlen) ||
                   family_list(t, "platform_families", def_platform, DH_N_OF(def_platform),
                               t->platform, err, errlen) ||
                   family_list(t, "typo_families", def_typo, DH_N_OF(def_typo), t->typo_fam,
                               err, errlen)
               ? -1
               : 0;
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why);

static void look_release(void *state);

static int look_setup(void *state, char *err, size_t errlen)
{
    look_t *t = state;
    const dh_rule_t *rule = t->kit.rule;
    t->swap_tlds = dh_strset_new();
    if (read_families(t, err, errlen) ||
        read_swap_tlds(t, err, errlen) ||
        list_path(t, "brands_list", true, t->brands_path, &t->brands_line, err, errlen) ||
        list_path(t, "words_list", false, t->words_path, &t->words_line, err, errlen) ||
        list_path(t, "legitimate_list", false, t->legit_path, &t->legit_line, err, errlen))
        return -1;
    if (t->p.min_label_for_distance_2 < t->p.min_label_for_distance) {
        dh_yaml_node_t *n = dh_yaml_get(rule->thresholds, "min_label_for_distance_2");
        snprintf(err, errlen, "%s:%zu: min_label_for_distance_2: must be >= min_label_for_distance",
                 rule->path, n ? n->line : rule->thresholds->line);
        return -1;
    }
    if (t->p.typo_min_clients > MAX_GATE_CLIENTS) {
        dh_yaml_node_t *n = dh_yaml_get(rule->thresholds, "typo_min_clients");
        snprintf(err, errlen, "%s:%zu: typo_min_clients: at most %d", rule->path,
                 n ? n->line : rule->thresholds->line, MAX_GATE_CLIENTS);
        return -1;
    }
    t->l = load_lists(t, err, errlen);
    if (!t->l)
        return -1;
    t->verdicts = dh_calloc(VERDICT_SLOTS, sizeof(verdict_slot_t));
    size_t slots = 64;
    while (slots < (size_t)t->p.brand_answers)
        slots <<= 1;
    t->infra = dh_calloc(slots, sizeof(infra_slot_t));
    t->infra_mask = slots - 1;
    t->brand_learned = dh_calloc(MAX_BRANDS, sizeof(uint32_t));
    t->clients = dh_calloc(CLIENT_SLOTS, sizeof(client_slot_t));
    return 0;
}

static const dh_kit_spec_t spec = {
    .size = sizeof(look_t),
    .params = &params,
    .required = "brands_list",
    .setup = look_setup,
    .release = look_release,
    /* a look-alike that resolves is complete on its record: every event */
    .table = {.name = "lookalike_domain.client_domain", .value_size = sizeof(window_t),
              .on_close = on_close, .pace = {1, 0}},
};

static int look_reload(void *state, char *info, size_t infolen, char *err, size_t errlen)
{
    look_t *t = state;
    lists_t *l = load_lists(t, err, errlen);
    if (!l)
        return -1;
    lists_free(t->l);
    t->l = l;
    memset(t->verdicts, 0, VERDICT_SLOTS * sizeof(verdict_slot_t));
    /* the answer table names brands by their domain's hash and stays; the
       per-brand counts (evidence) follow the new indices: they start over */
    memset(t->brand_learned, 0, MAX_BRANDS * sizeof(uint32_t));
    snprintf(info, infolen, "%zu brands, %zu words, %zu legitimate, %zu permutations",
             l->n_brands, l->n_words, l->n_legit, dh_strset_size(l->perms));
    return 0;
}

/* ---- matching --------------------------------------------------------- */

typedef struct {
    int family; /* -1: none */
    uint32_t brand;
} match_t;

static bool has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return true;
    return false;
}

/* A suffix one edit from the brand's (com -> co, cm, om, con): a typo of the
   TLD rather than a country the brand registered in. */
static bool suffix_typo(const char *a, size_t an, const char *b, size_t bn)
{
    return osa_distance(a, an, b, bn, 1) <= 1;
}

static bool cctld_suffix(const char *suffix, size_t n)
{
    /* the last label of the suffix has two letters: a country code */
    const char *dot = NULL;
    for (size_t i = 0; i < n; i++)
        if (suffix[i] == '.')
            dot = suffix + i;
    size_t last = dot ? (size_t)(suffix + n - dot - 1) : n;
    return last == 2;
}

/* The registered domain sits under a multi-label suffix whose last label is
   not a country code (map.fastly.net, s3.amazonaws.com, herokuapp.com; not
   github.io, whose .io is a country code): the Public Suffix List's private
   section, hosting platforms and CDNs. Its "label" is an account or bucket name on the
   platform, often the brand's own (github.map.fastly.net), not a domain
   someone registered; ICANN's multi-label suffixes (co.uk, com.au) end in a
   country code. */
static bool platform_suffix(const char *rd, size_t n)
{
    const char *dot = memchr(rd, '.', n);
    if (!dot)
        return false;
    const char *suffix = dot + 1;
    size_t sn = n - (size_t)(suffix - rd);
    return memchr(suffix, '.', sn) != NULL && !cctld_suffix(suffix, sn);
}

/* The full brand domain as labels left of the registered domain. left is
   the part of the query name before the registered domain (without its
   final dot); rd the registered domain. */
static match_t in_subdomain(const lists_t *l, const char *left, size_t n, const char *rd,
                            size_t rdlen)
{
    match_t m = {-1, 0};
    size_t starts = 0;
    for (size_t s = 0; s < n && starts < 16; starts++) {
        size_t e = s;
        while (e < n && left[e] != '.')
            e++;
        uint32_t bi;
        if (dh_strset_get(l->labels, left + s, e - s, &bi)) {
            /* label.suffix[...] fully inside left */
            size_t e2 = e;
            for (int k = 0; k < 3 && e2 < n; k++) {
                e2++;
                while (e2 < n && left[e2] != '.')
                    e2++;
                uint32_t di;
                if (dh_strset_get(l->domains, left + s, e2 - s, &di))
                    return (match_t){F_BRAND_IN_SUBDOMAIN, di};
            }
            /* "paypal" + "com-verify.xyz": the brand's suffix then a hyphen */
            if (e == n) {
                const brand_t *b = &l->brands[bi];
                size_t sl = strlen(b->suffix);
                if (rdlen > sl + 1 && memcmp(rd, b->suffix, sl) == 0 && rd[sl] == '-')
                    return (match_t){F_BRAND_IN_SUBDOMAIN, bi};
            }
        }
        s = e + 1;
    }
    return m;
}

/* Hyphenated tokens: one is a brand label (or folds to one), the others are
   dictionary words or the brand's own suffix labels. */
static match_t hyphen_tokens(const look_t *t, const lists_t *l, const char *s, size_t n)
{
    match_t m = {-1, 0};
    if (!memchr(s, '-', n))
        return m;
    const char *tok[MAX_TOKENS];
    size_t tl[MAX_TOKENS], nt = 0;
    for (size_t i = 0; i <= n;) {
        size_t e = i;
        while (e < n && s[e] != '-')
            e++;
        if (e > i) {
            if (nt >= MAX_TOKENS)
                return m;
            tok[nt] = s + i;
            tl[nt++] = e - i;
        }
        i = e + 1;
    }
    if (nt < 2)
        return m;
    int brand_tok = -1;
    uint32_t bi = 0;
    for (size_t i = 0; i < nt && brand_tok < 0; i++) {
        if ((int64_t)tl[i] < t->p.min_combo_label)
            continue;
        if (dh_strset_get(l->labels, tok[i], tl[i], &bi)) {
            if (!l->brands[bi].word)
                brand_tok = (int)i;
            continue;
        }
        char f[LABEL_MAX];
        size_t fl = lookalike_fold(tok[i], tl[i], f);
        if ((int64_t)tl[i] >= t->p.min_brand_label && dh_strset_get(l->folded, f, fl, &bi) &&
            l->brands[bi].label_len >= t->p.min_brand_label && !l->brands[bi].word)
            brand_tok = (int)i;
    }
    if (brand_tok < 0)
        return m;
    const char *suffix = l->brands[bi].suffix;
    for (size_t i = 0; i < nt; i++) {
        if ((int)i == brand_tok || dh_strset_has(l->words, tok[i], tl[i]))
            continue;
        /* a label of the brand's suffix ("com" of paypal.com, "co"/"uk") */
        bool in_suffix = false;
        for (const char *p = suffix; *p && !in_suffix;) {
            size_t e = strcspn(p, ".");
            in_suffix = e == tl[i] && memcmp(p, tok[i], e) == 0;
            p += e + (p[e] == '.');
        }
        if (!in_suffix)
            return m;
    }
    return (match_t){F_COMBOSQUAT, bi};
}

/* The closest brand within the allowed distance (the caller caches the
   verdict per registered domain). */
static match_t by_distance(look_t *t, const lists_t *l, const char *s, size_t n)
{
    match_t m = {-1, 0};
    if (t->p.max_edit_distance == 0 || n + 2 < (size_t)t->p.min_label_for_distance ||
        n > LABEL_MAX)
        return m;
    unsigned best = 3;
    uint32_t bi = 0;
    for (size_t i = 0; i < l->n_brands; i++) {
        const brand_t *b = &l->brands[i];
        if (b->label_len < t->p.min_label_for_distance || b->word)
            continue;
        unsigned max = b->label_len >= t->p.min_label_for_distance_2 ? 2 : 1;
        if (max > (unsigned)t->p.max_edit_distance)
            max = (unsigned)t->p.max_edit_distance;
        if (max >= best)
            max = best - 1;
        if (max == 0)
            continue;
        if ((b->label_len > n ? b->label_len - n : n - b->label_len) > max)
            continue;
        if (t->same_first[F_EDIT_DISTANCE] && b->domain[0] != s[0])
            continue;
        unsigned d = osa_distance(s, n, b->domain, b->label_len, max);
        if (d >= 1 && d <= max && d < best) {
            best = d;
            bi = (uint32_t)i;
        }
    }
    return best <= 2 ? (match_t){F_EDIT_DISTANCE, bi} : m;
}

static match_t classify_label(look_t *t, const lists_t *l, const char *label, size_t n,
                              const char *suffix, size_t sn);

static match_t classify(look_t *t, const dh_event_t *ev, const char *rd, size_t rdlen,
                        const char *q, size_t qlen)
{
    const lists_t *l = t->l;
    match_t none = {-1, 0};
    /* the label and suffix of the registered domain */
    const char *dot = memchr(rd, '.', rdlen);
    if (!dot)
        return none;
    const char *label = rd;
    size_t n = (size_t)(dot - rd);
    const char *suffix = dot + 1;
    size_t sn = rdlen - n - 1;
    if (n == 0 || n > LABEL_MAX)
        return none;

    /* brand_in_subdomain: the left part of the query name */
    if (t->conf[F_BRAND_IN_SUBDOMAIN] > 0 && qlen > rdlen + 1) {
        bool negative = ev->rcode > 0 || (ev->rcode == 0 && ev->n_answers == 0 &&
                                           ev->answers_dropped == 0);
        if (!negative) {
            match_t m = in_subdomain(l, q, qlen - rdlen - 1, rd, rdlen);
            if (m.family >= 0)
                return m;
        }
    }

    uint64_t h = dh_hash64(rd, rdlen);
    verdict_slot_t *vs = &t->verdicts[h & (VERDICT_SLOTS - 1)];
    if (vs->h == h && vs->len == rdlen)
        return (match_t){vs->family, vs->brand};
    match_t m = classify_label(t, l, label, n, suffix, sn);
    *vs = (verdict_slot_t){.h = h, .brand = m.brand, .family = (int16_t)m.family,
                           .len = (uint16_t)rdlen};
    return m;
}

/* The families judged on the registered domain's label and suffix. */
static match_t classify_label(look_t *t, const lists_t *l, const char *label, size_t n,
                              const char *suffix, size_t sn)
{
    match_t none = {-1, 0};
    uint32_t bi, v;
    bool perm = dh_strset_get(l->perms, label, n, &v);
    /* tld_swap: a brand's exact label under another suffix */
    if (perm && (v & 0xff) == BRAND_LABEL) {
        bi = v >> 8;
        const brand_t *b = &l->brands[bi];
        if (t->conf[F_TLD_SWAP] > 0 && (int64_t)n >= t->p.min_combo_label && !b->word &&
            (dh_strset_has(t->swap_tlds, suffix, sn) ||
             suffix_typo(suffix, sn, b->suffix, strlen(b->suffix))))
            return (match_t){F_TLD_SWAP, bi};
        return none; /* most likely the brand's own registration */
    }

    char f[LABEL_MAX];
    /* idn_homograph */
    if (t->conf[F_IDN_HOMOGRAPH] > 0 && n > 4 && label[0] == 'x' && label[1] == 'n' &&
        label[2] == '-' && label[3] == '-') {
        char a[LABEL_MAX];
        size_t an = lookalike_idn_ascii(label, n, a);
        if (an) {
            if (dh_strset_get(l->labels, a, an, &bi))
                return (match_t){F_IDN_HOMOGRAPH, bi};
            size_t fl = lookalike_fold(a, an, f);
            if (dh_strset_get(l->folded, f, fl, &bi))
                return (match_t){F_IDN_HOMOGRAPH, bi};
        }
    }

    /* homoglyph: the folded label is a folded brand label (an unchanged
       label would be a brand label itself, handled above) */
    if (t->conf[F_HOMOGLYPH] > 0) {
        size_t fl = lookalike_fold(label, n, f);
        if ((fl != n || memcmp(f, label, n) != 0) && dh_strset_get(l->folded, f, fl, &bi) &&
            (((int64_t)l->brands[bi].label_len >= t->p.min_brand_label && !l->brands[bi].word) ||
             has_digit(label, n)) &&
            (int64_t)l->brands[bi].label_len >= t->p.min_combo_label)
            return (match_t){F_HOMOGLYPH, bi};
    }

    /* precomputed single-edit permutations and combosquats */
    if (perm && t->conf[v & 0xff] > 0 &&
        (!t->same_first[v & 0xff] || l->brands[v >> 8].domain[0] == label[0]))
        return (match_t){(int)(v & 0xff), v >> 8};

    if (t->conf[F_COMBOSQUAT] > 0) {
        match_t m = hyphen_tokens(t, l, label, n);
        if (m.family >= 0)
            return m;
    }
    if (t->conf[F_EDIT_DISTANCE] > 0)
        return by_distance(t, l, label, n);
    return none;
}

/* ---- answers: the brands' infrastructure ------------------------------ */

/* An answer's text for the overlap (an address, or a host name such as a
   CNAME target), lowercased, without the final dot, into out (256 bytes):
   its length, 0 for answers that are neither (TXT, MX, other sections). */
static size_t answer_text(const dh_answer_t *a, char *out, bool *is_name)
{
    if (a->section != DH_SECTION_ANSWER || !a->data || a->data_len == 0 || a->data_len >= 256)
        return 0;
    if (a->rrtype != 1 && a->rrtype != 28 && a->rrtype != 5 && a->rrtype != -1)
        return 0;
    size_t n = a->data_len;
    while (n && a->data[n - 1] == '.')
        n--;
    for (size_t i = 0; i < n; i++) {
        char c = a->data[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!lookalike_ldh(c) && c != '.' && c != ':' && c != '_')
            return 0;
        out[i] = c;
    }
    dh_addr_t addr;
    *is_name = dh_addr_parse(out, n, &addr) != 0;
    return n;
}

/* fn(ctx, text, its length, is_name) for each answer text of a resolved
   ev (answer_text), in order. */
typedef void (*answer_fn)(void *ctx, const char *text, size_t n, bool is_name);

static void each_answer_text(const dh_event_t *ev, answer_fn fn, void *ctx)
{
    if (ev->rcode != 0)
        return;
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        char buf[256];
        bool is_name;
        size_t n = answer_text(&ev->answers[i], buf, &is_name);
        if (n)
            fn(ctx, buf, n, is_name);
    }
}

typedef struct {
    look_t *t;
    uint32_t bi;
} learning_t;

static void learn_answer(void *ctx, const char *text, size_t n, bool is_name)
{
    (void)is_name;
    learning_t *c = ctx;
    look_t *t = c->t;
    uint64_t h = dh_hash64(text, n), bh = t->l->brands[c->bi].h;
    infra_slot_t *s = &t->infra[h & t->infra_mask];
    if (s->h == h && s->brand_h == bh)
        return;
    *s = (infra_slot_t){.h = h, .brand_h = bh};
    t->brand_learned[c->bi]++;
    t->stats.brand_answers_learned++;
}

/* Remember the answers of brand bi's own domain (or a subdomain of it). */
static void learn_brand(look_t *t, const dh_event_t *ev, uint32_t bi)
{
    learning_t c = {t, bi};
    each_answer_text(ev, learn_answer, &c);
}

/* A host name under brand bi's own registered domain (www.paypal.com,
   paypal.com itself): a CNAME into the brand. */
static bool under_brand(const lists_t *l, const char *s, size_t n, uint32_t bi)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && s[i - 1] != '.')
            continue;
        uint32_t di;
        if (dh_strset_get(l->domains, s + i, n - i, &di))
            return di == bi;
    }
    return false;
}

typedef struct {
    const lists_t *l;
    window_t *w;
} noting_t;

static void note_answer(void *ctx, const char *text, size_t n, bool is_name)
{
    noting_t *c = ctx;
    window_t *w = c->w;
    if (is_name && under_brand(c->l, text, n, w->brand))
        w->cname_brand = true;
    uint64_t h = dh_hash64(text, n);
    bool seen = false;
    for (uint8_t j = 0; j < w->n_answers && !seen; j++)
        seen = w->answers[j] == h;
    if (!seen && w->n_answers < WIN_ANSWERS) {
        w->name_mask |= (uint8_t)(is_name << w->n_answers);
        w->answers[w->n_answers++] = h;
    }
}

/* Keep the look-alike's answers in its window: hashes for the overlap at
   close, and whether a CNAME points into the brand itself. */
static void note_answers(const lists_t *l, window_t *w, const dh_event_t *ev)
{
    noting_t c = {l, w};
    each_answer_text(ev, note_answer, &c);
}

/* The look-alike shares an answer with its brand's own domains, or CNAMEs
   into the brand: the brand's own registration. A shared address alone does
   not count when the look-alike CNAMEs elsewhere: CDN edges (CloudFront,
   Cloudflare) answer the same addresses for every customer, and the CNAME
   target names the customer (dabc.cloudfront.net is not the brand's
   dxyz.cloudfront.net). */
static bool brand_overlap(const look_t *t, const window_t *w)
{
    if (w->cname_brand)
        return true;
    uint64_t bh = t->l->brands[w->brand].h;
    bool addr_hit = false;
    for (uint8_t j = 0; j < w->n_answers; j++) {
        const infra_slot_t *s = &t->infra[w->answers[j] & t->infra_mask];
        if (s->h != w->answers[j] || s->brand_h != bh)
            continue;
        if (w->name_mask >> j & 1)
            return true; /* the brand's own CNAME target */
        addr_hit = true;
    }
    return addr_hit && w->name_mask == 0;
}

/* ---- the typo gate ---------------------------------------------------- */

/* Count the client among the recent clients of the look-alike domain; the
   time of this client's previous query of it (0: none lately), so that a
   repeat across a window boundary is still a second burst. */
static int64_t note_client(look_t *t, const dh_event_view_t *view)
{
    client_slot_t *c = &t->clients[view->domain_hash & (CLIENT_SLOTS - 1)];
    int64_t ts = view->ev->ts_us;
    if (c->domain_h != view->domain_hash) {
        memset(c, 0, sizeof(*c));
        c->domain_h = view->domain_hash;
    }
    uint32_t ch = (uint32_t)(view->client_hash ^ (view->client_hash >> 32));
    for (uint8_t i = 0; i < c->n; i++)
        if (c->client[i] == ch) {
            int64_t prev = c->client_last_us[i];
            if (ts > prev)
                c->client_last_us[i] = ts;
            if (ts < c->client_first_us[i])
                c->client_first_us[i] = ts;
            /* a query more than a window after the last one: a new burst
               of this client, as the window boundary rule wants */
            return ts - prev > t->p.window * 1000000LL ? 0 : prev;
        }
    uint8_t i = c->n;
    if (c->n < MAX_GATE_CLIENTS) {
        c->n++;
    } else { /* full: the client whose first query is oldest gives way */
        i = 0;
        for (uint8_t k = 1; k < c->n; k++)
            if (c->client_first_us[k] < c->client_first_us[i])
                i = k;
    }
    c->client[i] = ch;
    c->client_first_us[i] = c->client_last_us[i] = ts;
    return 0;
}

/* Distinct clients that queried the window's domain lately (0 when its
   slot went to another domain). */
static unsigned gate_clients(const look_t *t, const window_t *w, int64_t ws)
{
    uint64_t h = dh_hash64(w->domain, w->domain_len);
    const client_slot_t *c = &t->clients[h & (CLIENT_SLOTS - 1)];
    if (c->domain_h != h)
        return 0;
    int64_t from = ws - t->p.window * 1000000LL, to = ws + t->p.window * 1000000LL;
    unsigned n = 0;
    for (uint8_t i = 0; i < c->n; i++)
        n += c->client_first_us[i] >= from && c->client_first_us[i] < to;
    return n;
}

static void look_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                          const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    look_t *t = state;
    const lists_t *l = t->l;
    const char *rd = ev->registered_domain;
    /* a name under the site's internal zones (noise.yaml internal_zones) is
       no acquired domain: "www.youtube.com.corp.lan" is a search list
       appending the site's zone, unanswered when the resolver drops it */
    if (!rd || ev->zone_source == DH_ZONE_INTERNAL || !ev->has_qname)
        return;
    size_t rdlen = view->rd_len;
    if (rdlen == 0 || rdlen >= DOMAIN_LEN)
        return;
    /* a brand's own domain: its answers are the brand's infrastructure
       (before the popular exemption: the brands are popular) */
    uint32_t own;
    if (ev->n_answers && dh_strset_get(l->domains, rd, rdlen, &own))
        learn_brand(t, ev, own);
    if (ev->client.family == DH_AF_UNSET || v->popular || v->benign_service)
        return;
    /* the brands themselves (and their subdomains), the legitimate list */
    if (dh_strset_has(l->exempt, rd, rdlen))
        return;
    const char *q = ev->qname_lc;
    size_t qlen = ev->qname_len;
    while (qlen && q[qlen - 1] == '.')
        qlen--;
    if (qlen < rdlen || memcmp(q + qlen - rdlen, rd, rdlen) != 0 ||
        (qlen > rdlen && q[qlen - rdlen - 1] != '.'))
        qlen = rdlen, q = rd; /* not a suffix as expected: judge the domain alone */
    match_t m = classify(t, ev, rd, rdlen, q, qlen);
    if (m.family < 0 || t->conf[m.family] <= 0)
        return;
    if (!t->platform[m.family] && platform_suffix(rd, rdlen))
        return;

    window_t *w = dh_kit_touch_pair(t->kit.table, view, DOMAIN_LEN, NULL);
    if (!w)
        return;
    int64_t gap = t->p.typo_burst_gap * 1000000LL;
    int64_t prev = note_client(t, view);
    if (w->h.events == 0) {
        w->brand = m.brand;
        w->family = (uint8_t)m.family;
        memcpy(w->domain, rd, rdlen);
        w->domain_len = (uint8_t)rdlen;
        /* the client's previous query fell in the window before */
        w->bursts = prev > 0 && ev->ts_us - prev > gap ? 2 : 1;
    } else if (ev->ts_us - w->h.last_us > gap && w->bursts < UINT16_MAX) {
        w->bursts++; /* queried again after a pause: not one slip of the finger */
    }
    note_answers(l, w, ev);
    dh_kit_window_update(&w->h, ev, v);
    if (ev->rcode == 0 && (ev->n_answers > 0 || ev->answers_dropped > 0))
        w->resolved++;
    else if (ev->rcode >= 0 || ev->has_response)
        w->negative++;
    else
        w->unanswered++;
    DH_KIT_ADD_DISTINCT_SAMPLE(w, ev->qname, ev->qname_len);
    dh_kit_early_check(&t->kit, t->kit.table, view->pair_key, view->pair_len, w, ev->ts_us);
}

/* ---- reporting --------------------------------------------------------- */

/* How the look-alike's answers relate to its brand (the evidence). */
typedef struct {
    bool foreign;     /* resolved, and no answer is the brand's */
    unsigned clients; /* distinct recent clients of the domain */
} judged_t;

static void evidence(look_t *t, const window_t *w, const brand_t *b, double conf,
                     const judged_t *j)
{
    const params_t *p = &t->p;
    dh_strbuf_t *sb = &t->kit.ev;
    dh_sb_reset(sb);
    const char *dot = memchr(w->domain, '.', w->domain_len);
    size_t ln = dot ? (size_t)(dot - w->domain) : w->domain_len;
    dh_json_kv_int(sb, "window_seconds", p->window);
    dh_json_kv_str(sb, "brand", b->domain);
    dh_json_kv_str(sb, "family", family_names[w->family]);
    dh_json_kv_strn(sb, "lookalike_label", w->domain, ln);
    dh_json_kv_int(sb, "edit_distance",
                   (int64_t)osa_distance(w->domain, ln, b->domain, b->label_len, LABEL_MAX));
    dh_json_kv_uint(sb, "queries", w->h.events);
    dh_json_kv_uint(sb, "resolved_queries", w->resolved);
    dh_json_kv_uint(sb, "negative_queries", w->negative);
    dh_json_kv_uint(sb, "unanswered_queries", w->unanswered);
    dh_json_kv_bool(sb, "resolved", w->resolved > 0);
    /* foreign: resolved to answers none of which the brand's own domains
       gave in this traffic (brand_answers_known of them were seen) */
    dh_json_kv_str(sb, "answers", w->resolved == 0 ? "unresolved"
                                  : j->foreign      ? "foreign"
                                                    : "not_kept");
    dh_json_kv_uint(sb, "brand_answers_known", t->brand_learned[w->brand]);
    dh_json_kv_uint(sb, "bursts", w->bursts);
    /* only where the typo gate read it (a look-alike that never resolved):
       the count depends on the order a split input arrives in, so it is no
       evidence of a finding the gate did not judge */
    if (w->resolved == 0)
        dh_json_kv_uint(sb, "clients", j->clients);
    dh_json_open_obj(sb, "thresholds");
    dh_json_kv_double(sb, "family_confidence", conf);
    static const char *const shown[] = {"min_queries",        "min_brand_label",
                                        "max_edit_distance",  "nxdomain_risk_score",
                                        "typo_burst_gap",     "typo_min_clients",
                                        "foreign_risk_score", "foreign_confidence"};
    dh_kit_json_params(sb, p, &params, shown, DH_N_OF(shown));
    dh_sb_putc(sb, '}');
    DH_KIT_JSON_SAMPLES(sb, "samples", w);
}

static void on_close(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                     dh_close_t why)
{
    (void)key, (void)keylen;
    look_t *t = ctx;
    window_t *w = value;
    if (w->h.events < (uint64_t)t->p.min_queries || w->brand >= t->l->n_brands)
        return;
    bool early = dh_kit_is_early(why);
    if (early && w->resolved == 0)
        return; /* a typo (NXDOMAIN) is not urgent: reported when the window closes */
    if (brand_overlap(t, w)) {
        t->stats.brand_infrastructure += !early;
        return; /* the brand's own payment, regional or defensive domain */
    }
    judged_t j = {.foreign = w->resolved > 0 && w->n_answers > 0, .clients = gate_clients(t, w, ws)};
    /* the typo gate: one client, one burst, never resolved */
    if (w->resolved == 0 && t->typo_fam[w->family] && w->bursts <= 1 &&
        j.clients < (unsigned)t->p.typo_min_clients) {
        t->stats.typos_counted++;
        return;
    }
    const brand_t *b = &t->l->brands[w->brand];
    double conf = t->conf[w->family];
    if (j.foreign) {
        conf = conf + t->p.foreign_confidence > 1 ? 1 : conf + t->p.foreign_confidence;
        t->stats.foreign_answers += !early;
    }
    evidence(t, w, b, conf, &j);
    char domain[DOMAIN_LEN + 1];
    memcpy(domain, w->domain, w->domain_len);
    domain[w->domain_len] = '\0';
    /* never resolved, and at least one negative answer: a user's typo */
    bool typo = w->resolved == 0 && w->negative > 0;
    dh_detection_t d = DH_KIT_SAMPLES_DETECTION(w, ws);
    d.registered_domain = domain;
    d.risk_score = typo ? t->p.nxdomain_risk_score : j.foreign ? t->p.foreign_risk_score : -1;
    d.confidence = conf;
    dh_kit_emit(&t->kit, &d);
}

static void look_release(void *state)
{
    look_t *t = state;
    lists_free(t->l);
    dh_strset_free(t->swap_tlds);
    free(t->verdicts);
    free(t->infra);
    free(t->brand_learned);
    free(t->clients);
}

static const dh_json_counter_t look_counters[] = {
    DH_JSON_COUNTERS(look_stats_t, typos_counted, brand_infrastructure, foreign_answers,
                     brand_answers_learned)
};

static void look_stats(const void *state, dh_strbuf_t *sb)
{
    const look_t *t = state;
    dh_json_kv_counters(sb, &t->stats, look_counters, DH_JSON_N_COUNTERS(look_counters));
}

const dh_detector_type_t dh_detector_lookalike_domain = {
    .name = "lookalike_domain",
    .description = "look-alike domains of protected brands: typos, homoglyphs, IDN homographs, "
                   "combosquats, TLD swaps, brand in subdomain (T1583.001)",
    .kit = &spec,
    .on_event = look_on_event,
    .reload = look_reload,
    .stats = look_stats,
};
