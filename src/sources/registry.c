/*
 * registry.c - expands sources.def into the source table, and the few
 * steps every source shares (see source.h).
 */
#include "../source.h"
#include "../options-map.h"
#include "../util-registry.h"

#define DH_REG_TYPE dh_source_type_t
#define DH_REG_SYM(n) dh_source_##n
#define DH_REG_TABLE dh_sources
#define DH_REG_DEF "sources/sources.def"
#define SOURCE DH_REG_ENTRY
#include "../util-registry-table.h"
#undef SOURCE

const dh_source_type_t *dh_source_for(const char *spec)
{
    DH_REGISTRY_LOOKUP(dh_source_type_t, dh_sources, t, !t->claims, t->claims(spec));
}

void dh_source_request_stop(dh_source_ctl_t *ctl)
{
    ctl->stop = 1;
}

void dh_source_request_finish(dh_source_ctl_t *ctl)
{
    ctl->finish = 1;
}

bool dh_source_stop_requested(const dh_source_ctl_t *ctl)
{
    return ctl && (ctl->stop || ctl->finish);
}

void dh_source_add_stats(dh_pipeline_t *pl, const char *key, const char *path, const void *base,
                         const dh_json_counter_t *c, size_t n)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_json_open_obj(&sb, key);
    if (path)
        dh_json_kv_str(&sb, "path", path);
    dh_json_kv_counters(&sb, base, c, n);
    dh_sb_putc(&sb, '}');
    dh_pipeline_add_stats(pl, sb.buf);
    dh_sb_free(&sb);
}

int dh_source_read(const dh_source_type_t *t, const char *spec, dh_pipeline_t *pl,
                   const dh_options_t *o, dh_source_ctl_t *ctl, dh_source_end_t *end)
{
    char err[512];
    *end = DH_SOURCE_STOPPED;
    dh_source_args_t a = {.pl = pl, .ctl = ctl, .logger = o->logger, .input = &o->input,
                          .opts = dh_options_component(o, t->options)};
    void *st = t->open(spec, &a, err, sizeof(err));
    if (!st) {
        dh_log(o->logger, DH_LOG_ERROR, "source", t->name, "%s", err);
        return -1;
    }
    int rc = t->run(st, end);
    t->close(st);
    return rc;
}
