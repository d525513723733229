/*
 * view.c - detections in event-time order, as JSON or for people (view.h).
 */
#include "view.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util-mem.h"
#include "util-time.h"

#define MAX_HOSTS 10000   /* hosts the summary keeps; more are counted */
#define MAX_TECHNIQUES 8  /* per host in the summary */
#define DOMAIN_WIDTH 32   /* text/table: longer domains are cut with '~' */

typedef struct {
    int64_t ts_us;
    uint64_t seq;
    char *line;
    size_t len;
    char key[64];
} held_t;

typedef struct {
    char host[64];
    uint64_t findings, incidents;
    double max_risk;  /* of its findings and incidents */
    double host_risk; /* the highest 24 h roll-up (host_risk), 0: none */
    char techniques[MAX_TECHNIQUES][16];
    unsigned n_techniques;
    char top_rule[40];
} host_t;

struct dh_view {
    dh_view_format_t fmt;
    size_t max_bytes;
    dh_view_write_fn write;
    void *ctx;
    dh_log_t *log;
    held_t *held;
    size_t n_held, cap_held, held_bytes;
    uint64_t seq;
    bool header_done;
    host_t *hosts;
    size_t n_hosts, cap_hosts;
    uint64_t no_client_findings;
    dh_strbuf_t sb;
    dh_view_stats_t st;
};

dh_view_t *dh_view_new(dh_view_format_t fmt, size_t max_bytes, dh_view_write_fn write, void *ctx,
                       dh_log_t *log)
{
    dh_view_t *v = dh_calloc(1, sizeof(*v));
    v->fmt = fmt == DH_VIEW_AUTO ? DH_VIEW_JSON : fmt;
    v->max_bytes = max_bytes;
    v->write = write;
    v->ctx = ctx;
    v->log = log;
    dh_sb_init(&v->sb);
    return v;
}

/* ---- text for people ------------------------------------------------------ */

void dh_view_safe_text(dh_strbuf_t *out, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            dh_sb_printf(out, "\\x%02x", u[i]);
        else if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            dh_sb_printf(out, "\\x%02x", u[++i]); /* a C1 control, as its code point */
        else
            dh_sb_putc(out, (char)u[i]);
    }
}

static const char *str_at(const cJSON *root, const char *a, const char *b, const char *c)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, a);
    if (b)
        j = cJSON_GetObjectItemCaseSensitive(j, b);
    if (c)
        j = cJSON_GetObjectItemCaseSensitive(j, c);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static double num_at(const cJSON *root, const char *a, const char *b)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, a), b);
    return cJSON_IsNumber(j) ? j->valuedouble : 0;
}

/* The most specific technique: the first sub-technique, else technique. */
static const char *technique(const cJSON *d)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(d, "threat"), "technique");
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(t, "subtechnique"), "id");
    const cJSON *id = cJSON_GetArrayItem(sub, 0);
    if (!cJSON_IsString(id))
        id = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t, "id"), 0);
    return cJSON_IsString(id) ? id->valuestring : "-";
}

static const char *severity_name(double sev)
{
    static const char *const names[] = {"-", "info", "low", "medium", "high", "critical"};
    int i = (int)sev;
    return i >= 1 && i <= 5 ? names[i] : names[0];
}

static const char *domain_of(const cJSON *d)
{
    const char *dom = str_at(d, "dns", "question", "registered_domain");
    if (!dom)
        dom = str_at(d, "dns", "question", "name");
    return dom ? dom : "-";
}

/* A column of at most width characters (cut with '~'), padded when pad. */
static void put_column(dh_strbuf_t *out, const char *s, int width, bool pad)
{
    size_t n = strlen(s);
    if (width > 0 && n > (size_t)width) {
        dh_view_safe_text(out, s, (size_t)width - 1);
        dh_sb_putc(out, '~');
        n = (size_t)width;
    } else {
        dh_view_safe_text(out, s, n);
    }
    for (; pad && n < (size_t)width; n++)
        dh_sb_putc(out, ' ');
}

static void render_row(dh_view_t *v, const cJSON *d, dh_strbuf_t *out)
{
    const char *sep = v->fmt == DH_VIEW_TABLE ? " | " : "  ";
    const char *ts = str_at(d, "@timestamp", NULL, NULL);
    char when[32];
    /* to the second: 2023-11-08T09:52:44.665272Z -> 2023-11-08 09:52:44 */
    snprintf(when, sizeof(when), "%.10s %.8s", ts ? ts : "-", ts && strlen(ts) > 11 ? ts + 11 : "");
    const char *client = str_at(d, "source", "ip", NULL);
    const char *msg = str_at(d, "message", NULL, NULL);
    bool update = cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "dnshound"), "update"));
    put_column(out, when, 19, true);
    dh_sb_puts(out, sep);
    put_column(out, severity_name(num_at(d, "event", "severity")), 8, true);
    dh_sb_puts(out, sep);
    put_column(out, str_at(d, "rule", "name", NULL) ? str_at(d, "rule", "name", NULL) : "-", 16, true);
    dh_sb_puts(out, sep);
    put_column(out, technique(d), 9, true);
    dh_sb_puts(out, sep);
    put_column(out, client ? client : "-", 15, true);
    dh_sb_puts(out, sep);
    put_column(out, domain_of(d), DOMAIN_WIDTH, true);
    dh_sb_puts(out, sep);
    if (update)
        dh_sb_puts(out, "(update) ");
    put_column(out, msg ? msg : "", 0, false);
    dh_sb_putc(out, '\n');
}

static void table_header(dh_view_t *v, dh_strbuf_t *out)
{
    char dash[DOMAIN_WIDTH + 1];
    memset(dash, '-', DOMAIN_WIDTH);
    dash[DOMAIN_WIDTH] = '\0';
    dh_sb_printf(out, "%-19s | %-8s | %-16s | %-9s | %-15s | %-*s | %s\n", "time (UTC)", "severity",
                 "rule", "technique", "client", DOMAIN_WIDTH, "domain", "message");
    dh_sb_printf(out, "%.19s-+-%.8s-+-%.16s-+-%.9s-+-%.15s-+-%s-+-%s\n", dash, dash, dash, dash, dash,
                 dash, "-------");
    v->header_done = true;
}

/* ---- the per-host summary --------------------------------------------------- */

static host_t *host_find(dh_view_t *v, const char *ip)
{
    for (size_t i = 0; i < v->n_hosts; i++)
        if (strcmp(v->hosts[i].host, ip) == 0)
            return &v->hosts[i];
    if (v->n_hosts >= MAX_HOSTS) {
        v->st.hosts_omitted++;
        return NULL;
    }
    if (v->n_hosts == v->cap_hosts) {
        v->cap_hosts = v->cap_hosts ? v->cap_hosts * 2 : 16;
        v->hosts = dh_realloc(v->hosts, v->cap_hosts * sizeof(*v->hosts));
    }
    host_t *h = &v->hosts[v->n_hosts++];
    memset(h, 0, sizeof(*h));
    snprintf(h->host, sizeof(h->host), "%s", ip);
    return h;
}

/* Incidents and host risk (incidents.h) are counted apart: they are about
   the findings, not more of them. True when d was one. */
static bool correlation_count(host_t *h, const cJSON *d, bool update)
{
    const char *kind = str_at(d, "dnshound", "kind", NULL);
    double risk = num_at(d, "event", "risk_score");
    if (kind && strcmp(kind, "host_risk") == 0) {
        if (risk > h->host_risk) /* its updates are rises */
            h->host_risk = risk;
        return true;
    }
    if (!kind || strcmp(kind, "incident") != 0)
        return false;
    h->incidents += !update;
    if (risk > h->max_risk)
        h->max_risk = risk;
    return true;
}

static void host_count(dh_view_t *v, const cJSON *d)
{
    const char *ip = str_at(d, "source", "ip", NULL);
    bool update = cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "dnshound"), "update"));
    host_t *h = ip ? host_find(v, ip) : NULL;
    if (h && correlation_count(h, d, update))
        return;
    if (update)
        return; /* an update is the same finding again */
    if (!ip) {
        v->no_client_findings++;
        return;
    }
    if (!h)
        return;
    h->findings++;
    double risk = num_at(d, "event", "risk_score");
    if (risk > h->max_risk || (h->findings == 1 && !h->incidents)) {
        h->max_risk = risk;
        const char *rule = str_at(d, "rule", "name", NULL);
        snprintf(h->top_rule, sizeof(h->top_rule), "%s", rule ? rule : "-");
    }
    const char *t = technique(d);
    for (unsigned i = 0; i < h->n_techniques; i++)
        if (strcmp(h->techniques[i], t) == 0)
            return;
    if (h->n_techniques < MAX_TECHNIQUES)
        snprintf(h->techniques[h->n_techniques++], sizeof(h->techniques[0]), "%s", t);
}

static int by_risk(const void *a, const void *b)
{
    const host_t *x = a, *y = b;
    if (x->max_risk != y->max_risk)
        return x->max_risk < y->max_risk ? 1 : -1;
    if (x->findings != y->findings)
        return x->findings < y->findings ? 1 : -1;
    return strcmp(x->host, y->host);
}

static unsigned put(dh_view_t *v, const char *line, size_t len, const char *key)
{
    return v->write(v->ctx, line, len, key) != 0;
}

static unsigned summary(dh_view_t *v)
{
    dh_strbuf_t *sb = &v->sb;
    dh_sb_reset(sb);
    if (v->n_hosts)
        qsort(v->hosts, v->n_hosts, sizeof(*v->hosts), by_risk);
    dh_sb_printf(sb, "\n%zu host%s with findings", v->n_hosts, v->n_hosts == 1 ? "" : "s");
    if (v->no_client_findings)
        dh_sb_printf(sb, "; %llu finding%s about domains, not hosts (fast flux)",
                     (unsigned long long)v->no_client_findings, v->no_client_findings == 1 ? "" : "s");
    dh_sb_puts(sb, ":\n");
    if (v->n_hosts)
        dh_sb_printf(sb, "  %-15s  %8s  %9s  %4s  %9s  %-16s  %s\n", "host", "findings",
                     "incidents", "risk", "host risk", "top rule", "techniques");
    for (size_t i = 0; i < v->n_hosts; i++) {
        const host_t *h = &v->hosts[i];
        char hr[16] = "-";
        if (h->host_risk > 0)
            snprintf(hr, sizeof(hr), "%.0f", h->host_risk);
        dh_sb_printf(sb, "  %-15s  %8llu  %9llu  %4.0f  %9s  %-16s  ", h->host,
                     (unsigned long long)h->findings, (unsigned long long)h->incidents, h->max_risk,
                     hr, h->top_rule);
        for (unsigned t = 0; t < h->n_techniques; t++)
            dh_sb_printf(sb, "%s%s", t ? ", " : "", h->techniques[t]);
        dh_sb_putc(sb, '\n');
    }
    if (v->st.hosts_omitted)
        dh_sb_printf(sb, "  (and findings of more hosts than the %d shown: %llu)\n", MAX_HOSTS,
                     (unsigned long long)v->st.hosts_omitted);
    return put(v, sb->buf, sb->len, "");
}

/* ---- output ----------------------------------------------------------------- */

static unsigned write_line(dh_view_t *v, const char *line, size_t len, const char *key)
{
    if (v->fmt == DH_VIEW_JSON)
        return put(v, line, len, key);
    cJSON *d = cJSON_ParseWithLength(line, len);
    dh_sb_reset(&v->sb);
    if (v->fmt == DH_VIEW_TABLE && !v->header_done)
        table_header(v, &v->sb);
    if (d) {
        render_row(v, d, &v->sb);
        host_count(v, d);
    } else { /* cannot happen (we wrote it); shown rather than lost */
        dh_sb_put(&v->sb, line, len);
    }
    cJSON_Delete(d);
    return put(v, v->sb.buf, v->sb.len, key);
}

static int by_time(const void *a, const void *b)
{
    const held_t *x = a, *y = b;
    if (x->ts_us != y->ts_us)
        return x->ts_us < y->ts_us ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

unsigned dh_view_release(dh_view_t *v)
{
    unsigned failed = 0;
    if (!v->n_held)
        return 0; /* (qsort wants a non-NULL base even for no element) */
    qsort(v->held, v->n_held, sizeof(*v->held), by_time);
    for (size_t i = 0; i < v->n_held; i++) {
        failed += write_line(v, v->held[i].line, v->held[i].len, v->held[i].key);
        free(v->held[i].line);
    }
    v->n_held = 0;
    v->held_bytes = 0;
    return failed;
}

/* "{"@timestamp":"...Z"": the serializer writes it first (detection.c). */
static int64_t line_time(const char *line, size_t len)
{
    static const char head[] = "{\"@timestamp\":\"";
    int64_t us = 0;
    size_t h = sizeof(head) - 1;
    if (len > h && memcmp(line, head, h) == 0) {
        const char *end = memchr(line + h, '"', len - h);
        if (end && dh_time_parse_iso8601(line + h, (size_t)(end - line - h), &us) == 0)
            return us;
    }
    return INT64_MAX; /* unknown: last */
}

unsigned dh_view_line(dh_view_t *v, const char *line, size_t len, const char *key, bool ordered)
{
    unsigned failed = 0;
    if (!ordered) {
        failed += dh_view_release(v); /* a run that turned live: what it held first */
        return failed + write_line(v, line, len, key);
    }
    if (v->held_bytes + len > v->max_bytes && v->n_held) {
        if (!v->st.order_spills)
            dh_log(v->log, DH_LOG_WARN, "output", NULL,
                   "more detections than --max-state-mb allows to hold for sorting: "
                   "the output is in event-time order within each batch of %zu bytes",
                   v->max_bytes);
        v->st.order_spills++;
        failed += dh_view_release(v);
    }
    if (v->n_held == v->cap_held) {
        v->cap_held = v->cap_held ? v->cap_held * 2 : 64;
        v->held = dh_realloc(v->held, v->cap_held * sizeof(*v->held));
    }
    held_t *h = &v->held[v->n_held++];
    h->ts_us = line_time(line, len);
    h->seq = v->seq++;
    h->line = dh_strndup(line, len);
    h->len = len;
    snprintf(h->key, sizeof(h->key), "%s", key ? key : "");
    v->held_bytes += len + sizeof(*h);
    v->st.held++;
    return failed;
}

unsigned dh_view_finish(dh_view_t *v)
{
    unsigned failed = dh_view_release(v);
    if (v->fmt != DH_VIEW_JSON)
        failed += summary(v);
    return failed;
}

dh_view_stats_t dh_view_stats(const dh_view_t *v)
{
    return v->st;
}

void dh_view_free(dh_view_t *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_held; i++)
        free(v->held[i].line);
    free(v->held);
    free(v->hosts);
    dh_sb_free(&v->sb);
    free(v);
}
