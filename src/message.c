/*
 * message.c - a detection's one-sentence message from its rule's template
 * (see message.h for the syntax).
 *
 * Why the evidence is parsed back from JSON: detectors write their evidence
 * once, as JSON members (detection.h); a template names those members, so a
 * new evidence field is usable in a message without touching C. Detections
 * are rare next to events, so the parse costs nothing that shows.
 */
#include "message.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util-ip.h"

#define NAME_MAX_LEN 64
#define LIST_SHOWN 4

typedef struct {
    const dh_detection_t *d;
    cJSON *evidence; /* the parsed evidence object; NULL when there is none */
} render_t;

typedef enum { V_MISSING, V_STR, V_NUM, V_BOOL, V_JSON } val_kind_t;

typedef struct {
    val_kind_t kind;
    const char *s;
    size_t len;
    double num;
    const cJSON *j;        /* V_JSON: an array or object */
    char buf[DH_ADDR_STRLEN];
} val_t;

static const char *const formats[] = {"int", "bytes", "secs", "pct", "first", "keys", "list"};

/* ---- syntax -------------------------------------------------------------- */

static int known_format(const char *f, size_t n)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strlen(formats[i]) == n && memcmp(formats[i], f, n) == 0)
            return 1;
    return 0;
}

int dh_message_check(const char *tmpl, char *err, size_t errlen)
{
    int depth = 0;
    for (const char *p = tmpl; *p; p++) {
        if (*p == '\\') {
            if (!p[1] || !strchr("{}[]\\", p[1])) {
                snprintf(err, errlen, "'\\' at %zu must be followed by one of {}[]\\",
                         (size_t)(p - tmpl));
                return -1;
            }
            p++;
        } else if (*p == '[') {
            depth++;
        } else if (*p == ']') {
            if (--depth < 0) {
                snprintf(err, errlen, "']' at %zu closes no '['", (size_t)(p - tmpl));
                return -1;
            }
        } else if (*p == '}') {
            snprintf(err, errlen, "'}' at %zu closes no '{'", (size_t)(p - tmpl));
            return -1;
        } else if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *colon = memchr(p, ':', close ? (size_t)(close - p) : 0);
            size_t name_len = (size_t)((colon ? colon : close ? close : p) - p - 1);
            if (!close || name_len == 0 || name_len > NAME_MAX_LEN ||
                strcspn(p + 1, "{[]\\ ") < (size_t)(close - p - 1)) {
                snprintf(err, errlen, "'{' at %zu: expected {NAME} or {NAME:FORMAT}",
                         (size_t)(p - tmpl));
                return -1;
            }
            if (colon && !known_format(colon + 1, (size_t)(close - colon - 1))) {
                snprintf(err, errlen,
                         "{%.*s}: unknown format (int, bytes, secs, pct, first, keys, list)",
                         (int)(close - p - 1), p + 1);
                return -1;
            }
            p = close;
        }
    }
    if (depth) {
        snprintf(err, errlen, "'[' without its ']'");
        return -1;
    }
    return 0;
}

/* ---- values -------------------------------------------------------------- */

static val_t from_json(const cJSON *j)
{
    val_t v = {.kind = V_MISSING};
    if (!j || cJSON_IsNull(j))
        return v;
    if (cJSON_IsString(j)) {
        v.kind = V_STR;
        v.s = j->valuestring;
        v.len = strlen(j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        v.kind = V_NUM;
        v.num = j->valuedouble;
    } else if (cJSON_IsBool(j)) {
        v.kind = V_BOOL;
        v.num = cJSON_IsTrue(j);
    } else {
        v.kind = V_JSON;
        v.j = j;
    }
    return v;
}

/* A member of the evidence, a.b reaching into nested objects. */
static const cJSON *evidence_member(const render_t *r, const char *name)
{
    const cJSON *j = r->evidence;
    char part[NAME_MAX_LEN + 1];
    while (j && *name) {
        size_t n = strcspn(name, ".");
        memcpy(part, name, n);
        part[n] = '\0';
        j = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, part) : NULL;
        name += n + (name[n] == '.');
    }
    return j;
}

/* Into *v (not returned by value: a client address lives in v->buf, which
   v->s points at). */
static void builtin_or_evidence(const render_t *r, const char *name, val_t *v)
{
    const dh_detection_t *d = r->d;
    *v = (val_t){.kind = V_STR};
    if (strcmp(name, "client") == 0) {
        if (!d->client || d->client->family == DH_AF_UNSET) {
            v->kind = V_MISSING;
            return;
        }
        v->s = dh_addr_format(d->client, v->buf);
        v->len = strlen(v->s);
    } else if (strcmp(name, "domain") == 0 && (d->registered_domain || d->qname)) {
        v->s = d->registered_domain ? d->registered_domain : d->qname;
        v->len = d->registered_domain ? strlen(v->s) : d->qname_len;
    } else if (strcmp(name, "qname") == 0 && d->qname) {
        v->s = d->qname;
        v->len = d->qname_len;
    } else if (strcmp(name, "rule") == 0) {
        v->s = d->rule_name;
        v->len = strlen(v->s);
    } else if (strcmp(name, "title") == 0) {
        v->s = d->rule->title;
        v->len = strlen(v->s);
    } else if (strcmp(name, "duration") == 0) {
        v->kind = V_NUM;
        v->num = (double)(d->end_us - d->start_us) / 1e6;
    } else {
        *v = from_json(evidence_member(r, name));
    }
}

/* Missing, null, false, 0, "" or empty: an optional part holding it goes. */
static int is_empty(const val_t *v)
{
    switch (v->kind) {
    case V_MISSING:
        return 1;
    case V_STR:
        return v->len == 0;
    case V_NUM:
    case V_BOOL:
        return v->num == 0;
    case V_JSON:
        return cJSON_GetArraySize(v->j) == 0;
    }
    return 1;
}

/* ---- formats ------------------------------------------------------------- */

/* A number for people: integers as they are, else 3 significant digits
   without an exponent and without trailing zeros. */
static void put_number(dh_strbuf_t *out, double x)
{
    char b[64];
    if (!isfinite(x)) {
        dh_sb_putc(out, '?');
        return;
    }
    double a = fabs(x);
    if (a >= 100 || x == floor(x))
        snprintf(b, sizeof(b), "%.0f", x);
    else
        snprintf(b, sizeof(b), a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.2g", x);
    if (strchr(b, '.') && !strchr(b, 'e')) {
        size_t n = strlen(b);
        while (b[n - 1] == '0')
            b[--n] = '\0';
        if (b[n - 1] == '.')
            b[n - 1] = '\0';
    }
    dh_sb_puts(out, b);
}

static void put_scaled(dh_strbuf_t *out, double x, double unit, const char *suffix)
{
    put_number(out, x / unit >= 100 ? round(x / unit) : round(x / unit * 10) / 10);
    dh_sb_puts(out, suffix);
}

static void put_bytes(dh_strbuf_t *out, double x)
{
    if (x < 1024)
        put_scaled(out, round(x), 1, " B");
    else if (x < 1024.0 * 1024)
        put_scaled(out, x, 1024, " KB");
    else if (x < 1024.0 * 1024 * 1024)
        put_scaled(out, x, 1024.0 * 1024, " MB");
    else
        put_scaled(out, x, 1024.0 * 1024 * 1024, " GB");
}

static void put_secs(dh_strbuf_t *out, double s)
{
    if (s < 120)
        put_scaled(out, round(s), 1, " s");
    else if (s < 7200)
        put_scaled(out, round(s / 60), 1, " min");
    else if (s < 2 * 86400)
        put_scaled(out, s, 3600, " h");
    else
        put_scaled(out, s, 86400, " d");
}

static void put_value(dh_strbuf_t *out, const val_t *v, const char *fmt);

static void put_json_element(dh_strbuf_t *out, const cJSON *e)
{
    if (cJSON_IsObject(e))
        e = cJSON_GetObjectItemCaseSensitive(e, "name");
    val_t v = from_json(e);
    put_value(out, &v, "");
}

static void put_list(dh_strbuf_t *out, const cJSON *arr)
{
    int n = cJSON_GetArraySize(arr), i = 0;
    for (const cJSON *e = arr->child; e && i < LIST_SHOWN; e = e->next, i++) {
        if (i)
            dh_sb_puts(out, ", ");
        put_json_element(out, e);
    }
    if (n > LIST_SHOWN)
        dh_sb_printf(out, " and %d more", n - LIST_SHOWN);
}

/* An object's keys by descending numeric value (ties in their order). */
static void put_keys(dh_strbuf_t *out, const cJSON *obj)
{
    const cJSON *shown[16];
    int n = 0;
    for (const cJSON *e = obj->child; e && n < 16; e = e->next) {
        int i = n++;
        while (i > 0 && shown[i - 1]->valuedouble < e->valuedouble) {
            shown[i] = shown[i - 1];
            i--;
        }
        shown[i] = e;
    }
    for (int i = 0; i < n; i++) {
        if (i)
            dh_sb_putc(out, '/');
        dh_sb_puts(out, shown[i]->string);
    }
}

static void put_value(dh_strbuf_t *out, const val_t *v, const char *fmt)
{
    switch (v->kind) {
    case V_MISSING:
        dh_sb_putc(out, '?');
        return;
    case V_STR:
        dh_sb_put(out, v->s, v->len);
        return;
    case V_BOOL:
        dh_sb_puts(out, v->num ? "yes" : "no");
        return;
    case V_NUM:
        if (strcmp(fmt, "bytes") == 0)
            put_bytes(out, v->num);
        else if (strcmp(fmt, "secs") == 0)
            put_secs(out, v->num);
        else if (strcmp(fmt, "pct") == 0)
            dh_sb_printf(out, "%.0f %%", v->num * 100);
        else if (strcmp(fmt, "int") == 0)
            put_number(out, round(v->num));
        else
            put_number(out, v->num);
        return;
    case V_JSON:
        if (strcmp(fmt, "first") == 0 && cJSON_IsArray(v->j))
            put_json_element(out, v->j->child);
        else if (cJSON_IsArray(v->j))
            put_list(out, v->j);
        else
            put_keys(out, v->j);
        return;
    }
}

/* ---- rendering ----------------------------------------------------------- */

/* Render from *p up to the end or the ']' closing this part; *empty is set
   when a value in it was empty (the caller drops an optional part then). */
static void render_part(const render_t *r, const char **p, dh_strbuf_t *out, int *empty)
{
    while (**p && **p != ']') {
        const char *c = *p;
        if (*c == '\\' && c[1]) {
            dh_sb_putc(out, c[1]);
            *p = c + 2;
        } else if (*c == '[') {
            dh_strbuf_t part;
            int part_empty = 0;
            dh_sb_init(&part);
            *p = c + 1;
            render_part(r, p, &part, &part_empty);
            if (**p == ']')
                (*p)++;
            if (!part_empty)
                dh_sb_put(out, part.buf, part.len);
            dh_sb_free(&part);
        } else if (*c == '{' && strchr(c, '}')) {
            const char *close = strchr(c, '}');
            char name[NAME_MAX_LEN + 1] = "", fmt[16] = "";
            const char *colon = memchr(c, ':', (size_t)(close - c));
            size_t n = (size_t)((colon ? colon : close) - c - 1);
            snprintf(name, sizeof(name), "%.*s", (int)(n < NAME_MAX_LEN ? n : NAME_MAX_LEN), c + 1);
            if (colon)
                snprintf(fmt, sizeof(fmt), "%.*s", (int)(close - colon - 1), colon + 1);
            val_t v;
            builtin_or_evidence(r, name, &v);
            if (v.kind == V_NUM && strcmp(name, "duration") == 0 && !*fmt)
                snprintf(fmt, sizeof(fmt), "secs");
            *empty |= is_empty(&v);
            put_value(out, &v, fmt);
            *p = close + 1;
        } else {
            dh_sb_putc(out, *c);
            *p = c + 1;
        }
    }
}

/* Cut a long message at a character boundary, marked with an ellipsis. */
static void cap_length(dh_strbuf_t *out, size_t start)
{
    if (out->len - start <= DH_MESSAGE_MAX)
        return;
    size_t cut = start + DH_MESSAGE_MAX - 3;
    while (cut > start && ((unsigned char)out->buf[cut] & 0xC0) == 0x80)
        cut--;
    out->len = cut;
    dh_sb_puts(out, "\xe2\x80\xa6"); /* U+2026 */
}

void dh_message_render(const char *tmpl, const dh_detection_t *d, dh_strbuf_t *out)
{
    size_t start = out->len;
    render_t r = {.d = d};
    if (d->evidence && d->evidence->len) {
        dh_strbuf_t obj;
        dh_sb_init(&obj);
        dh_sb_putc(&obj, '{');
        dh_sb_put(&obj, d->evidence->buf, d->evidence->len);
        dh_sb_putc(&obj, '}');
        r.evidence = cJSON_ParseWithLength(obj.buf, obj.len);
        dh_sb_free(&obj);
    }
    const char *fallback = "[{client}: ]{title}[ ({domain})]";
    const char *p = tmpl ? tmpl : fallback;
    int empty = 0;
    while (*p) {
        render_part(&r, &p, out, &empty);
        if (*p == ']') { /* unbalanced (dh_message_check refuses it): literal */
            dh_sb_putc(out, ']');
            p++;
        }
    }
    cJSON_Delete(r.evidence);
    cap_length(out, start);
}
