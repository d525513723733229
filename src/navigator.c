/*
 * navigator.c - ATT&CK Navigator layers from detections or from the enabled
 * rules (see navigator.h).
 *
 * Why here and not a script: the layer must use exactly the mapping the
 * binary applies (rule files, indicator file headers), and an analyst
 * should get it from the same tool that produced the detections.
 */
#include "navigator.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "intel-file.h"
#include "rules.h"
#include "sketch.h"
#include "util-json.h"
#include "util-mem.h"

#define MAX_RULES_LISTED 12
#define MAX_BAD_REPORTS 10

/* Techniques carry no "tactic" in the layer: a rule lists its tactics and
   techniques apart (new_domain: TA0042, TA0011; T1583.001, T1568), so which
   tactic goes with which technique is ATT&CK's to say, and the Navigator
   shows an entry without one under every tactic of its technique. The
   tactics named by the rules are kept in the entry's metadata. */
typedef struct {
    char id[16];      /* T1071.004 */
    char tactics[160]; /* "command-and-control, exfiltration" as the rules name them */
    bool scored;      /* false: a parent shown only to open its sub-techniques */
    uint64_t findings;
    double max_risk;
    char rules[MAX_RULES_LISTED][40];
    unsigned n_rules;
    dh_distinct_t hosts;
    char first[40], last[40];
} tech_t;

typedef struct {
    tech_t *v;
    size_t n, cap;
    char attack_version[16];
    uint64_t detections, updates, correlations, bad_lines;
    char first[40], last[40];
} layer_t;

/* "Command and Control" -> "command-and-control", the Navigator's tactic
   short name. */
static void tactic_shortname(const char *name, char *out, size_t outlen)
{
    size_t j = 0;
    for (const char *p = name; *p && j + 1 < outlen; p++)
        out[j++] = *p == ' ' ? '-' : (char)tolower((unsigned char)*p);
    out[j] = '\0';
}

static tech_t *tech_get(layer_t *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return &l->v[i];
    l->v = dh_grow(l->v, &l->cap, l->n, sizeof(*l->v), 16);
    tech_t *t = &l->v[l->n++];
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", id);
    return t;
}

static void tech_add_tactic(tech_t *t, const char *tactic_name)
{
    char tactic[48];
    tactic_shortname(tactic_name, tactic, sizeof(tactic));
    size_t n = strlen(tactic), have = strlen(t->tactics);
    for (const char *p = t->tactics; (p = strstr(p, tactic)); p += n)
        if ((p == t->tactics || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return;
    if (have + n + 3 < sizeof(t->tactics))
        snprintf(t->tactics + have, sizeof(t->tactics) - have, "%s%s", have ? ", " : "", tactic);
}

static void tech_add_rule(tech_t *t, const char *rule)
{
    for (unsigned i = 0; i < t->n_rules; i++)
        if (strcmp(t->rules[i], rule) == 0)
            return;
    if (t->n_rules < MAX_RULES_LISTED)
        snprintf(t->rules[t->n_rules++], sizeof(t->rules[0]), "%s", rule);
}

static void keep_span(char first[40], char last[40], const char *ts)
{
    if (!ts)
        return;
    if (!*first || strcmp(ts, first) < 0)
        snprintf(first, 40, "%s", ts);
    if (!*last || strcmp(ts, last) > 0)
        snprintf(last, 40, "%s", ts);
}

/* One finding (or one rule's mapping) for a technique. */
typedef struct {
    const char *rule, *host, *ts;
    double risk;
    bool finding;
    const char *const *tactics; /* names, n_tactics of them */
    size_t n_tactics;
} hit_t;

static void add_hit(layer_t *l, const char *id, const hit_t *h)
{
    tech_t *t = tech_get(l, id);
    t->scored = true;
    for (size_t i = 0; i < h->n_tactics; i++)
        tech_add_tactic(t, h->tactics[i]);
    t->findings += h->finding;
    if (h->risk > t->max_risk)
        t->max_risk = h->risk;
    tech_add_rule(t, h->rule);
    if (h->host)
        dh_distinct_add(&t->hosts, dh_hash64(h->host, strlen(h->host)));
    keep_span(t->first, t->last, h->ts);
    const char *dot = strchr(id, '.');
    if (dot) { /* its parent, so the Navigator opens the sub-techniques */
        char parent[16];
        snprintf(parent, sizeof(parent), "%.*s", (int)(dot - id), id);
        (void)tech_get(l, parent);
    }
}

/* ---- from detections ------------------------------------------------------ */

/* A technique id that a listed sub-technique refines (T1071 of T1071.004)
   is shown through the sub-technique; any other technique stands alone. */
static bool refined_by(const char *tech, const char *const *subs, size_t n)
{
    size_t len = strlen(tech);
    for (size_t i = 0; i < n; i++)
        if (strncmp(subs[i], tech, len) == 0 && subs[i][len] == '.')
            return true;
    return false;
}

static void add_techniques(layer_t *l, const char *const *techs, size_t n_techs,
                           const char *const *subs, size_t n_subs, const hit_t *h)
{
    for (size_t i = 0; i < n_subs; i++)
        add_hit(l, subs[i], h);
    for (size_t i = 0; i < n_techs; i++)
        if (!refined_by(techs[i], subs, n_subs))
            add_hit(l, techs[i], h);
}

#define MAX_IDS 16

/* The strings of a JSON array, at most max. */
static size_t json_strings(const cJSON *arr, const char **out, size_t max)
{
    size_t n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
        if (cJSON_IsString(e) && n < max)
            out[n++] = e->valuestring;
    return n;
}

static const char *json_str(const cJSON *j)
{
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static const cJSON *path(const cJSON *j, const char *a, const char *b)
{
    j = cJSON_GetObjectItemCaseSensitive(j, a);
    return b ? cJSON_GetObjectItemCaseSensitive(j, b) : j;
}

static void add_detection(layer_t *l, const cJSON *d)
{
    const cJSON *dh = path(d, "dnshound", NULL);
    if (cJSON_IsTrue(path(dh, "update", NULL))) {
        l->updates++; /* the same finding again: not counted twice */
        return;
    }
    const char *kind = json_str(path(dh, "kind", NULL));
    if (kind && strcmp(kind, "finding") != 0) {
        l->correlations++; /* an incident or host roll-up is about findings counted */
        return;
    }
    l->detections++;
    const char *ver = json_str(path(dh, "attack_version", NULL));
    if (ver && !*l->attack_version)
        snprintf(l->attack_version, sizeof(l->attack_version), "%s", ver);
    hit_t h = {.rule = json_str(path(d, "rule", "name")),
               .host = json_str(path(d, "source", "ip")),
               .ts = json_str(path(d, "@timestamp", NULL)),
               .risk = cJSON_GetNumberValue(path(d, "event", "risk_score")),
               .finding = true};
    if (!h.rule)
        h.rule = "?";
    keep_span(l->first, l->last, h.ts);
    const cJSON *threat = path(d, "threat", NULL);
    const char *tactics[MAX_IDS], *techs[MAX_IDS], *subs[MAX_IDS];
    h.n_tactics = json_strings(path(path(threat, "tactic", NULL), "name", NULL), tactics, MAX_IDS);
    h.tactics = tactics;
    size_t n_techs = json_strings(path(threat, "technique", "id"), techs, MAX_IDS);
    size_t n_subs =
        json_strings(path(path(threat, "technique", "subtechnique"), "id", NULL), subs, MAX_IDS);
    add_techniques(l, techs, n_techs, subs, n_subs, &h);
}

static int read_detections(layer_t *l, FILE *f, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t line_no = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        line_no++;
        if (n == 0 || line[0] == '\n')
            continue;
        cJSON *d = cJSON_ParseWithLength(line, (size_t)n);
        if (d && cJSON_IsObject(path(d, "threat", NULL))) {
            add_detection(l, d);
        } else if (++l->bad_lines <= MAX_BAD_REPORTS) {
            fprintf(stderr, "dnshound: navigator: %s:%llu: not a detection (JSON with threat)\n",
                    name, (unsigned long long)line_no);
        }
        cJSON_Delete(d);
    }
    free(line);
    return ferror(f) ? -1 : 0;
}

/* ---- from the rules ------------------------------------------------------- */

static void add_mapping(layer_t *l, const dh_attack_t *a, const char *rule)
{
    const char *tactics[DH_ATTACK_MAX], *techs[DH_ATTACK_MAX], *subs[DH_ATTACK_MAX];
    for (size_t i = 0; i < a->n_tactics; i++)
        tactics[i] = a->tactics[i].name;
    for (size_t i = 0; i < a->n_techniques; i++)
        techs[i] = a->techniques[i].id;
    for (size_t i = 0; i < a->n_subtechniques; i++)
        subs[i] = a->subtechniques[i].id;
    hit_t h = {.rule = rule, .tactics = tactics, .n_tactics = a->n_tactics};
    if (!*l->attack_version && a->version)
        snprintf(l->attack_version, sizeof(l->attack_version), "%s", a->version);
    add_techniques(l, techs, a->n_techniques, subs, a->n_subtechniques, &h);
}

static const char *scalar(dh_yaml_node_t *map, const char *key)
{
    dh_yaml_node_t *n = dh_yaml_get(map, key);
    return n && n->kind == DH_YAML_SCALAR ? n->value : NULL;
}

/* Findings with their own mapping inside a rule's thresholds (dns_recon's
   findings: a map with technique_id, tactic_id/name and an optional
   subtechnique_id), wherever they are: the rule file is the data. */
static void add_finding_mappings(layer_t *l, dh_yaml_node_t *n, const char *rule)
{
    if (!n || n->kind == DH_YAML_SCALAR)
        return;
    const char *tech = n->kind == DH_YAML_MAP ? scalar(n, "technique_id") : NULL;
    const char *enabled = tech ? scalar(n, "enabled") : NULL;
    if (tech && !(enabled && strcmp(enabled, "false") == 0)) {
        const char *sub = scalar(n, "subtechnique_id"), *tactic = scalar(n, "tactic_name");
        char who[48];
        snprintf(who, sizeof(who), "%s:%s", rule, n->key ? n->key : "finding");
        hit_t h = {.rule = who, .tactics = &tactic, .n_tactics = tactic != NULL};
        add_techniques(l, &tech, 1, &sub, sub != NULL, &h);
        return;
    }
    for (size_t i = 0; i < n->n_items; i++)
        add_finding_mappings(l, n->items[i], rule);
}

/* The indicator files' own mappings (threat_intel maps per file). */
static int add_intel_mappings(layer_t *l, dh_rule_t *r, char *err, size_t errlen)
{
    const char *dir_name = NULL;
    if (dh_yaml_str(r->thresholds, "intel_dir", false, &dir_name, err, errlen) || !dir_name)
        return 0;
    char dir[PATH_MAX];
    dh_rule_path(r, dir_name, dir, sizeof(dir));
    dh_intel_metas_t metas = {0};
    dh_intel_opts_t o = {.dir = dir, .rule_path = r->path, .attack_version = r->attack.version,
                         .max_indicators = INT32_MAX, .invalid_reports = 0,
                         .min_prefix_v4 = 0, .min_prefix_v6 = 0, .log_kind = "navigator"};
    dh_intel_t *in = dh_intel_load(&o, &metas, err, errlen);
    if (!in)
        return -1;
    for (size_t i = 0; i < metas.n; i++)
        if (metas.v[i]->has_attack) {
            char who[40];
            snprintf(who, sizeof(who), "%s:%s", r->path ? "threat_intel" : "intel",
                     metas.v[i]->file);
            add_mapping(l, &metas.v[i]->attack, who);
        }
    dh_intel_free(in);
    dh_intel_metas_free(&metas);
    return 0;
}

static int read_coverage(layer_t *l, const char *rules_dir)
{
    char err[512];
    for (size_t i = 0; dh_detectors[i]; i++) {
        dh_rule_t *r = dh_rule_load(rules_dir, dh_detectors[i]->name, err, sizeof(err));
        if (!r) {
            fprintf(stderr, "dnshound: navigator: %s\n", err);
            return -1;
        }
        if (r->enabled) {
            add_mapping(l, &r->attack, dh_detectors[i]->name);
            add_finding_mappings(l, r->thresholds, dh_detectors[i]->name);
            if (add_intel_mappings(l, r, err, sizeof(err))) {
                fprintf(stderr, "dnshound: navigator: %s\n", err);
                dh_rule_free(r);
                return -1;
            }
        }
        dh_rule_free(r);
    }
    return 0;
}

/* ---- the layer ------------------------------------------------------------ */

static int by_id(const void *a, const void *b)
{
    const tech_t *x = a, *y = b;
    return strcmp(x->id, y->id);
}

static void meta(dh_strbuf_t *sb, const char *name, const char *value)
{
    dh_json_sep(sb);
    dh_sb_putc(sb, '{');
    dh_json_kv_str(sb, "name", name);
    dh_json_kv_str(sb, "value", value);
    dh_sb_putc(sb, '}');
}

static void rules_text(const tech_t *t, char *out, size_t outlen)
{
    size_t j = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < t->n_rules && j < outlen; i++)
        j += (size_t)snprintf(out + j, outlen - j, "%s%s", i ? ", " : "", t->rules[i]);
}

static double score_of(const tech_t *t, bool coverage, bool by_risk)
{
    return coverage ? t->n_rules : by_risk ? t->max_risk : (double)t->findings;
}

static void technique_json(dh_strbuf_t *sb, const tech_t *t, bool coverage, bool by_risk)
{
    char rules[512], buf[640];
    dh_json_sep(sb);
    dh_sb_putc(sb, '{');
    dh_json_kv_str(sb, "techniqueID", t->id);
    dh_json_kv_bool(sb, "enabled", true);
    if (!t->scored) {
        dh_json_kv_bool(sb, "showSubtechniques", true);
        dh_sb_putc(sb, '}');
        return;
    }
    dh_json_kv_double(sb, "score", score_of(t, coverage, by_risk));
    rules_text(t, rules, sizeof(rules));
    double hosts = dh_distinct_count(&t->hosts);
    if (coverage)
        snprintf(buf, sizeof(buf), "detected by %s", rules);
    else
        snprintf(buf, sizeof(buf), "%llu finding%s by %s on %.0f host%s, %s to %s",
                 (unsigned long long)t->findings, t->findings == 1 ? "" : "s", rules, hosts,
                 hosts == 1 ? "" : "s", t->first, t->last);
    dh_json_kv_str(sb, "comment", buf);
    dh_json_open_arr(sb, "metadata");
    meta(sb, "rules", rules);
    meta(sb, "tactics", t->tactics);
    if (!coverage) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)t->findings);
        meta(sb, "findings", buf);
        snprintf(buf, sizeof(buf), "%.0f", hosts);
        meta(sb, dh_distinct_is_estimate(&t->hosts) ? "hosts (estimate)" : "hosts", buf);
        snprintf(buf, sizeof(buf), "%.0f", t->max_risk);
        meta(sb, "highest risk score", buf);
        meta(sb, "first seen", t->first);
        meta(sb, "last seen", t->last);
    }
    dh_sb_puts(sb, "]}");
}

static void layer_json(layer_t *l, dh_strbuf_t *sb, bool coverage, bool by_risk, const char *src)
{
    char buf[512], major[16];
    if (l->n)
        qsort(l->v, l->n, sizeof(*l->v), by_id);
    double max = 1;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].scored && score_of(&l->v[i], coverage, by_risk) > max)
            max = score_of(&l->v[i], coverage, by_risk);
    /* the Navigator's "attack" version is the release's major number */
    snprintf(major, sizeof(major), "%.*s", (int)strcspn(l->attack_version, "."),
             *l->attack_version ? l->attack_version : "18");
    dh_sb_putc(sb, '{');
    dh_json_kv_str(sb, "name", coverage ? "dnshound coverage" : "dnshound detections");
    dh_json_open_obj(sb, "versions");
    dh_json_kv_str(sb, "attack", major);
    dh_json_kv_str(sb, "navigator", DH_NAVIGATOR_VERSION);
    dh_json_kv_str(sb, "layer", DH_NAVIGATOR_LAYER);
    dh_sb_putc(sb, '}');
    dh_json_kv_str(sb, "domain", "enterprise-attack");
    if (coverage)
        snprintf(buf, sizeof(buf), "What the enabled rules of %s can detect in DNS logs, scored by "
                                   "the number of rules (ATT&CK %s)", src, l->attack_version);
    else
        snprintf(buf, sizeof(buf), "Techniques in %llu dnshound detections of %s, %s to %s, scored "
                                   "by %s (ATT&CK %s)", (unsigned long long)l->detections, src,
                 l->first, l->last, by_risk ? "highest risk score" : "number of findings",
                 l->attack_version);
    dh_json_kv_str(sb, "description", buf);
    dh_json_kv_int(sb, "sorting", 3); /* by score, descending */
    dh_json_open_obj(sb, "layout");
    dh_json_kv_str(sb, "layout", "side");
    dh_json_kv_bool(sb, "showID", true);
    dh_json_kv_bool(sb, "showName", true);
    dh_json_kv_str(sb, "expandedSubtechniques", "annotated");
    dh_sb_putc(sb, '}');
    dh_json_kv_bool(sb, "hideDisabled", false);
    dh_json_open_arr(sb, "techniques");
    for (size_t i = 0; i < l->n; i++)
        technique_json(sb, &l->v[i], coverage, by_risk);
    dh_sb_putc(sb, ']');
    dh_json_open_obj(sb, "gradient");
    dh_json_open_arr(sb, "colors");
    dh_sb_puts(sb, coverage ? "\"#e5f5e0\",\"#31a354\"]" : "\"#ffe766\",\"#ff6666\"]");
    dh_json_kv_double(sb, "minValue", 0);
    dh_json_kv_double(sb, "maxValue", max);
    dh_sb_putc(sb, '}');
    dh_json_open_arr(sb, "legendItems");
    dh_sb_putc(sb, '{');
    dh_json_kv_str(sb, "label", coverage ? "more rules" : by_risk ? "higher risk" : "more findings");
    dh_json_kv_str(sb, "color", coverage ? "#31a354" : "#ff6666");
    dh_sb_puts(sb, "}]");
    dh_json_open_arr(sb, "metadata");
    meta(sb, "generated by", "dnshound navigator");
    meta(sb, "ATT&CK release", *l->attack_version ? l->attack_version : "unknown");
    if (!coverage) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->detections);
        meta(sb, "detections", buf);
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->updates);
        meta(sb, "updates (not counted)", buf);
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->correlations);
        meta(sb, "incidents and host risk (not counted)", buf);
    }
    dh_sb_puts(sb, "]}\n");
}

/* ---- the command ---------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: dnshound navigator [--score count|risk] [-o FILE] [DETECTIONS.jsonl...]\n"
                    "       dnshound navigator --coverage [--rules DIR] [-o FILE]\n");
    return 2;
}

int dh_navigator_main(int argc, char **argv, const char *rules_dir)
{
    bool coverage = false, by_risk = false;
    const char *out_path = "-";
    int first_input = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--coverage") == 0) {
            coverage = true;
        } else if (strcmp(argv[i], "--score") == 0 && i + 1 < argc) {
            if (strcmp(argv[i + 1], "risk") != 0 && strcmp(argv[i + 1], "count") != 0)
                return usage();
            by_risk = strcmp(argv[++i], "risk") == 0;
        } else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
            rules_dir = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage();
        } else {
            first_input = i;
            break;
        }
    }
    if (coverage && first_input < argc)
        return usage();
    layer_t l = {0};
    int rc = 0;
    char src[256] = "stdin";
    if (coverage) {
        snprintf(src, sizeof(src), "%s", rules_dir);
        rc = read_coverage(&l, rules_dir);
    } else if (first_input == argc) {
        rc = read_detections(&l, stdin, "-");
    } else {
        snprintf(src, sizeof(src), "%s%s", argv[first_input], argc - first_input > 1 ? " ..." : "");
        for (int i = first_input; i < argc && rc == 0; i++) {
            FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
            if (!f) {
                perror(argv[i]);
                rc = -1;
                break;
            }
            rc = read_detections(&l, f, argv[i]);
            if (f != stdin)
                fclose(f);
        }
    }
    if (l.bad_lines)
        fprintf(stderr, "dnshound: navigator: %llu line(s) were not detections\n",
                (unsigned long long)l.bad_lines);
    if (rc == 0) {
        dh_strbuf_t sb;
        dh_sb_init(&sb);
        layer_json(&l, &sb, coverage, by_risk, src);
        FILE *out = strcmp(out_path, "-") == 0 ? stdout : fopen(out_path, "w");
        if (!out || fwrite(sb.buf, 1, sb.len, out) != sb.len || (out != stdout && fclose(out))) {
            perror(out_path);
            rc = -1;
        }
        dh_sb_free(&sb);
    }
    free(l.v);
    return rc ? 1 : l.bad_lines ? 1 : 0;
}
