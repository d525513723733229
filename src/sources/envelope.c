/*
 * envelope.c - see envelope.h.
 */
#define _GNU_SOURCE /* memmem */
#include "envelope.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

static int has(const char *p, size_t len, const char *needle)
{
    return memmem(p, len, needle, strlen(needle)) != NULL;
}

/* Top-level key "name" whose value is a string or object; NULL if none. */
static const cJSON *member(const cJSON *root, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, name);
    return m && (cJSON_IsString(m) || cJSON_IsObject(m)) ? m : NULL;
}

void dh_envelope_unwrap(const char *p, size_t len, dh_strbuf_t *out, const char **rec,
                        size_t *rlen)
{
    *rec = p;
    *rlen = len;
    if (len < 2 || p[0] != '{')
        return;
    /* Zeek's Kafka plugin with the log-name wrapper: {"dns": {...}} */
    size_t i = 1;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    bool zeek_wrapper = len - i > 6 && memcmp(p + i, "\"dns\"", 5) == 0;
    /* records themselves: EVE, Zeek JSON, dnshound events (legacy, and ECS
       ones, whose "dns" object is no Zeek wrapper) */
    size_t head = len < 512 ? len : 512;
    if (!zeek_wrapper && (has(p, head, "\"event_type\"") || has(p, head, "\"id.orig_h\"") ||
                          has(p, head, "\"sensor\":\"") ||
                          has(p, head, "\"dataset\":\"dnshound.dns\"")))
        return;
    if (!has(p, len, "\"message\"") && !has(p, len, "\"log\"") && !has(p, head, "\"dns\""))
        return;
    cJSON *root = cJSON_ParseWithLength(p, len);
    if (!root)
        return; /* the parser will report it */
    const cJSON *inner = member(root, "dns");
    if (!inner || !cJSON_IsObject(inner))
        inner = member(root, "message");
    if (!inner)
        inner = member(root, "log");
    if (inner) {
        dh_sb_reset(out);
        if (cJSON_IsString(inner)) {
            dh_sb_puts(out, inner->valuestring);
        } else {
            char *s = cJSON_PrintUnformatted(inner);
            if (s) {
                dh_sb_puts(out, s);
                cJSON_free(s);
            }
        }
        while (out->len && (out->buf[out->len - 1] == '\n' || out->buf[out->len - 1] == '\r'))
            out->buf[--out->len] = '\0';
        if (out->len) {
            *rec = out->buf;
            *rlen = out->len;
        }
    }
    cJSON_Delete(root);
}
