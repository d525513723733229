/*
 * view.h - how detections reach the output: in event-time order on a batch
 * run, and as JSON lines (machines) or a text/table view (people).
 *
 * Alert suppression (alerts.c) hands over finished JSON lines; the view
 *  - on a batch run (not live) holds them and writes them sorted by
 *    @timestamp at the end (ties in the order they were found), so the
 *    output of a replay reads as a timeline whichever inputs and windows
 *    produced the findings; the held lines are bounded by max_bytes: past
 *    it the held lines go out sorted and holding starts again (counted in
 *    `order_spills`, said once on the log);
 *  - on a live run writes every line at once (a detection within seconds
 *    beats an ordered one);
 *  - renders each line as text or a table row when asked (the JSON stays
 *    the contract; the view is derived from it), and at the end of the run
 *    writes a summary per host: findings, techniques, highest risk.
 *
 * Text never carries a control character from the data: bytes below 0x20,
 * DEL and the C1 controls (which a terminal would obey) are written \xNN.
 *
 * Ownership: dh_view_new allocates, dh_view_free frees; lines are copied.
 */
#ifndef DH_VIEW_H
#define DH_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "util-json.h"

/* --output-format; the enum order is the option's values' order */
typedef enum {
    DH_VIEW_AUTO = 0, /* text when the output is a terminal, else json */
    DH_VIEW_JSON = 1,
    DH_VIEW_TEXT = 2,
    DH_VIEW_TABLE = 3,
} dh_view_format_t;

/* Where a finished line goes (the sink's write); non-zero is a failure. */
typedef int (*dh_view_write_fn)(void *ctx, const char *line, size_t len, const char *key);

typedef struct dh_view dh_view_t;

typedef struct {
    uint64_t held, order_spills, hosts_omitted;
} dh_view_stats_t;

/* fmt must be resolved (not AUTO). */
dh_view_t *dh_view_new(dh_view_format_t fmt, size_t max_bytes, dh_view_write_fn write, void *ctx,
                       dh_log_t *log);

/* One detection JSON line (with its '\n'); ordered: hold it for the sorted
   output (a batch run), else write it now. Returns the number of failed
   writes (0 when all went well). */
unsigned dh_view_line(dh_view_t *v, const char *line, size_t len, const char *key, bool ordered);

/* Write every held line, sorted (before a flush that must see them all).
   Returns the number of failed writes. */
unsigned dh_view_release(dh_view_t *v);

/* End of the run: release, then the per-host summary (text and table). */
unsigned dh_view_finish(dh_view_t *v);

dh_view_stats_t dh_view_stats(const dh_view_t *v);
void dh_view_free(dh_view_t *v);

/* Append s to out as terminal-safe text (controls as \xNN). */
void dh_view_safe_text(dh_strbuf_t *out, const char *s, size_t len);

#endif
