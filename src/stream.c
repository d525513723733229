/*
 * stream.c - input streams: one per file, stdin or Kafka partition. A stream
 * turns the lines its source hands it into records: it sniffs the format
 * (or takes --format), keeps its parser's state and its own transaction
 * assembler, rejects what is not text, and reports malformed records as
 * NAME:LINE: reason, up to --max-reports per input.
 *
 * Why sniffing holds lines back: a probe answers yes, need more, or no
 * (parser.h), never a guess, so the first lines of an input may be held
 * until some parser is certain; they are then parsed in order, or reported
 * as malformed when no parser claims them. The pipeline's core never knows
 * a format: even what an over-long line was is asked of the parsers.
 */
#include "pipeline-int.h"

#include <string.h>

#include "util-mem.h"
#include "util-json.h"

static void report_malformed(dh_stream_t *s, uint64_t line_no, const char *reason)
{
    s->malformed++;
    s->pl->c.malformed++;
    if (s->reported++ < s->pl->opt.input.max_reports)
        fprintf(s->pl->opt.log, "%s:%llu: %s\n", s->name, (unsigned long long)line_no, reason);
}

/* A record too far ahead of the recent ones (--max-future) that the next
   record did not confirm: counted, reported like a malformed record (same
   --max-reports budget), dropped. */
static void report_future(dh_stream_t *s, uint64_t line_no)
{
    s->pl->c.future_events++;
    s->future_dropped++;
    if (s->reported++ < s->pl->opt.input.max_reports)
        fprintf(s->pl->opt.log, "%s:%llu: event time more than %llds ahead of the recent "
                "records and of the next one (--max-future), dropped\n", s->name,
                (unsigned long long)line_no,
                (long long)(s->pl->opt.core.max_future_us / 1000000));
}

static void choose_parser(dh_stream_t *s, const dh_parser_type_t *p)
{
    s->parser = p;
    s->pstate = p->create();
    if (s->stat)
        s->stat->format = p->name;
}

dh_stream_t *dh_stream_open(dh_pipeline_t *pl, const char *name)
{
    dh_stream_t *s = dh_calloc(1, sizeof(*s));
    s->pl = pl;
    s->name = dh_strdup(name);
    dh_sb_init(&s->held);
    dh_sb_init(&s->ahead);
    dh_sb_init(&s->sample);
    s->max_ts = INT64_MIN;
    s->last_record_ts = INT64_MIN;
    s->next = pl->streams;
    if (pl->streams)
        pl->streams->prev = s;
    pl->streams = s;
    pl->c.inputs++;
    if (pl->n_inputs < MAX_INPUT_STATS) {
        s->stat = &pl->inputs[pl->n_inputs++];
        s->stat->name = dh_strdup(name);
    }
    if (pl->opt.input.format)
        choose_parser(s, dh_parser_find(pl->opt.input.format));
    return s;
}

static void parse_judged(dh_stream_t *s, uint64_t line_no, const char *line, size_t len,
                         bool judged);

/* Why a far-ahead record is held rather than dropped at once: a record
   with a bad clock (a day ahead) and a quiet network's next record (a Zeek
   log with one query an hour) look the same until the record after them.
   A bad clock is followed by records back near the median; a real gap by
   records at or after the held one's time. So the line (not the parsed
   event: the event buffer is reused) waits for the next record: confirmed,
   it is parsed again and processed before that record; refuted, it is
   dropped. The clock is safe either way: a kept record moves it only once
   the median of the ring has followed (clock.c). One line is held at a
   time; at the end of the input it is kept (nothing refuted it). */
static void hold_ahead(dh_stream_t *s, uint64_t line_no, const char *line, size_t len,
                       int64_t ts)
{
    dh_sb_reset(&s->ahead);
    dh_sb_put(&s->ahead, line, len);
    s->ahead_line_no = line_no;
    s->ahead_ts = ts;
    s->has_ahead = true;
}

/* The record at ts follows a held one: time really jumped when it is not
   back before the held time by more than --max-future. Confirmed, the held
   record is processed (true); refuted, it is dropped. */
static bool judge_ahead(dh_stream_t *s, int64_t ts)
{
    if (ts >= s->ahead_ts - s->pl->opt.core.max_future_us) {
        dh_stream_keep_ahead(s);
        return true;
    }
    s->has_ahead = false;
    report_future(s, s->ahead_line_no);
    return false;
}

void dh_stream_keep_ahead(dh_stream_t *s)
{
    if (!s->has_ahead)
        return;
    s->has_ahead = false;
    s->pl->c.future_confirmed++;
    parse_judged(s, s->ahead_line_no, s->ahead.buf, s->ahead.len, true);
}

/* A parsed record: to the transaction assembler, or as an event. */
static void take_record(dh_stream_t *s)
{
    dh_pipeline_t *pl = s->pl;
    s->last_record_ts = pl->evbuf->ev.ts_us;
    if (pl->evbuf->part == DH_PART_COMPLETE) {
        dh_clock_stream_event(s, &pl->evbuf->ev);
        return;
    }
    if (!s->txn)
        s->txn = dh_txn_new(pl->opt.core.max_pending, pl->opt.core.txn_timeout_us,
                            dh_clock_stream_event, s);
    dh_txn_add(s->txn, pl->evbuf);
}

static void parse(dh_stream_t *s, uint64_t line_no, const char *line, size_t len)
{
    parse_judged(s, line_no, line, len, false);
}

/* judged: the line is a held record being released (already counted and
   entered in the ring). */
static void parse_judged(dh_stream_t *s, uint64_t line_no, const char *line, size_t len,
                         bool judged)
{
    dh_pipeline_t *pl = s->pl;
    char reason[DH_REASON_MAX];
    reason[0] = '\0';
    s->last_record_ts = INT64_MIN;
    switch (dh_parser_parse_line(s->parser, s->pstate, line, len, pl->evbuf, reason)) {
    case DH_LINE_RECORD:
        if (judged) {
            take_record(s);
            break;
        }
        if (dh_clock_beyond_wall(pl, pl->evbuf->ev.ts_us)) {
            s->records++;
            pl->c.records++;
            report_malformed(s, line_no, "event time more than a day after the wall clock "
                                         "(live input)");
            break;
        }
        s->records++;
        pl->c.records++;
        pl->c.dns_records++; /* a future one too: records == dns + skipped + malformed */
        int64_t ts = pl->evbuf->ev.ts_us;
        bool ahead = dh_clock_is_future(s, ts);
        if (s->has_ahead && judge_ahead(s, ts)) {
            /* the held record went first and took the event buffer: this
               one, which confirmed the jump, is parsed again */
            parse_judged(s, line_no, line, len, true);
            break;
        }
        /* a held record is in no window yet, so it must not hold back its
           group's commit (checkpoints.h): last_record_ts stays unset */
        if (ahead) {
            hold_ahead(s, line_no, line, len, ts);
            break;
        }
        take_record(s);
        break;
    case DH_LINE_HEADER:
        break;
    case DH_LINE_SKIPPED:
        s->records++;
        s->skipped++;
        pl->c.records++;
        pl->c.skipped++;
        break;
    case DH_LINE_MALFORMED:
        s->records++;
        pl->c.records++;
        report_malformed(s, line_no, reason[0] ? reason : "malformed record");
        break;
    }
}

static void replay_held(dh_stream_t *s)
{
    for (size_t i = 0; i < s->n_held; i++) {
        size_t end = i + 1 < s->n_held ? s->held_off[i + 1] : s->held.len;
        parse(s, s->held_line_no[i], s->held.buf + s->held_off[i], end - s->held_off[i]);
    }
    s->n_held = 0;
    dh_sb_reset(&s->held);
}

/* Held lines that no parser claimed: each is a malformed record. */
static void reject_held(dh_stream_t *s, const char *reason)
{
    for (size_t i = 0; i < s->n_held; i++) {
        s->records++;
        s->pl->c.records++;
        report_malformed(s, s->held_line_no[i], reason);
    }
    s->n_held = 0;
    dh_sb_reset(&s->held);
}

/* Three-state sniffing over the first records of the stream. */
static void probe(dh_stream_t *s, uint64_t line_no, const char *line, size_t len)
{
    bool maybe = false;
    for (size_t i = 0; dh_parsers[i]; i++) {
        dh_probe_t r = dh_parsers[i]->probe(line, len);
        if (r == DH_PROBE_YES) {
            choose_parser(s, dh_parsers[i]);
            replay_held(s);
            parse(s, line_no, line, len);
            return;
        }
        maybe |= r == DH_PROBE_NEED_MORE;
    }
    if (!maybe) {
        s->records++;
        s->pl->c.records++;
        report_malformed(s, line_no, "not a Zeek or Suricata DNS log record");
        return;
    }
    if (s->n_held == PROBE_MAX_LINES || s->held.len + len > PROBE_MAX_BYTES)
        reject_held(s, "format not recognised (no parser claimed the first records)");
    s->held_off[s->n_held] = s->held.len;
    s->held_line_no[s->n_held++] = line_no;
    dh_sb_put(&s->held, line, len);
}

static bool blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return false;
    return true;
}

/* true when a parser knows the head of an over-long line for a valid
   record of its format that is not DNS (parser.h skips_truncated). */
static bool skippable_head(const char *line, size_t len)
{
    for (size_t i = 0; dh_parsers[i]; i++)
        if (dh_parsers[i]->skips_truncated && dh_parsers[i]->skips_truncated(line, len))
            return true;
    return false;
}

/* An over-long line: a record a parser knows to be no DNS (big EVE stats
   lines) is skipped, anything else is malformed. */
static void too_long(dh_stream_t *s, uint64_t line_no, const char *line, size_t len)
{
    dh_pipeline_t *pl = s->pl;
    pl->c.too_long++;
    s->records++;
    pl->c.records++;
    if (skippable_head(line, len)) {
        s->skipped++;
        pl->c.skipped++;
        return;
    }
    char reason[96];
    snprintf(reason, sizeof(reason), "line longer than %zu bytes (--max-line)",
             pl->opt.input.max_line);
    report_malformed(s, line_no, reason);
}

/* The first lines of the stream, for looks_like. */
static void keep_sample(dh_stream_t *s, const char *line, size_t len)
{
    if (s->n_sample == SAMPLE_LINES || s->sample.len + len > SAMPLE_BYTES)
        return;
    s->sample_off[s->n_sample++] = s->sample.len;
    dh_sb_put(&s->sample, line, len);
}

/* The parser whose probe says yes to one of the first lines (in line
   order, then registry order, as sniffing asks), NULL when none does. */
static const dh_parser_type_t *looks_like(const dh_stream_t *s)
{
    for (size_t l = 0; l < s->n_sample; l++) {
        size_t end = l + 1 < s->n_sample ? s->sample_off[l + 1] : s->sample.len;
        const char *line = s->sample.buf + s->sample_off[l];
        for (size_t i = 0; dh_parsers[i]; i++)
            if (dh_parsers[i]->probe(line, end - s->sample_off[l]) == DH_PROBE_YES)
                return dh_parsers[i];
    }
    return NULL;
}

bool dh_stream_mostly_malformed(uint64_t records, uint64_t malformed,
                                const dh_input_options_t *in)
{
    return records >= in->malformed_min_records &&
           (double)malformed > (double)records * ((double)in->max_malformed_millionths / 1e6);
}

/* An input almost all malformed (a wrong --format, not a log at all) is
   an input that failed: say what it looks like and how to read it. */
static void check_mostly_malformed(dh_stream_t *s, char *why, size_t len)
{
    const dh_parser_type_t *like = looks_like(s);
    int n = snprintf(why, len, "%llu of %llu records malformed", (unsigned long long)s->malformed,
                     (unsigned long long)s->records);
    if (n < 0 || (size_t)n >= len)
        return;
    if (s->parser)
        n += snprintf(why + n, len - (size_t)n, " as %s", s->parser->name);
    if (like && like != s->parser)
        snprintf(why + n, len - (size_t)n, "; it looks like %s (try --format %s)", like->name,
                 like->name);
    else
        snprintf(why + n, len - (size_t)n, "; it looks like no known format");
}

void dh_stream_line(dh_stream_t *s, uint64_t line_no, const char *line, size_t len, bool is_long)
{
    dh_pipeline_poll(s->pl);
    if (is_long) {
        too_long(s, line_no, line, len);
        return;
    }
    if (len && line[len - 1] == '\r')
        len--;
    if (blank(line, len))
        return;
    const char *why = memchr(line, '\0', len) ? "NUL byte in record"
                      : !dh_utf8_valid(line, len) ? "invalid UTF-8"
                                                   : NULL;
    if (why) {
        s->records++;
        s->pl->c.records++;
        report_malformed(s, line_no, why);
        return;
    }
    keep_sample(s, line, len);
    if (s->parser)
        parse(s, line_no, line, len);
    else
        probe(s, line_no, line, len);
}

static void add_txn_stats(dh_txn_stats_t *sum, const dh_txn_stats_t *t)
{
    sum->merged += t->merged;
    sum->unanswered += t->unanswered;
    sum->orphan_responses += t->orphan_responses;
    sum->evicted_full += t->evicted_full;
    if (t->pending_peak > sum->pending_peak)
        sum->pending_peak = t->pending_peak;
}

void dh_stream_close(dh_stream_t *s, const char *error)
{
    dh_pipeline_t *pl = s->pl;
    if (!s->parser)
        reject_held(s, "format not recognised (no parser claimed the first records)");
    dh_stream_keep_ahead(s); /* the last record: nothing came to refute it */
    if (s->reported > pl->opt.input.max_reports) {
        char future[64] = "";
        if (s->future_dropped)
            snprintf(future, sizeof(future), ", %llu dropped by --max-future",
                     (unsigned long long)s->future_dropped);
        fprintf(pl->opt.log, "%s: %llu malformed records%s (%u shown)\n", s->name,
                (unsigned long long)s->malformed, future, pl->opt.input.max_reports);
    }
    char why[160];
    if (!error && dh_stream_mostly_malformed(s->records, s->malformed, &pl->opt.input)) {
        check_mostly_malformed(s, why, sizeof(why));
        pl->c.inputs_malformed++;
        error = why;
    }
    if (error) {
        pl->c.inputs_failed++;
        fprintf(pl->opt.log, "%s: %s\n", s->name, error);
    }
    if (s->stat) {
        s->stat->records = s->records;
        s->stat->malformed = s->malformed;
        s->stat->skipped = s->skipped;
        s->stat->error = error ? dh_strdup(error) : NULL;
    }
    if (s->txn) {
        dh_txn_flush(s->txn);
        add_txn_stats(&pl->txn_stats, dh_txn_stats(s->txn));
        dh_txn_free(s->txn);
    }
    if (s->parser) {
        if (s->parser->end_of_input)
            s->parser->end_of_input(s->pstate);
        s->parser->destroy(s->pstate);
    }
    if (s->prev)
        s->prev->next = s->next;
    else
        pl->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    dh_sb_free(&s->held);
    dh_sb_free(&s->ahead);
    dh_sb_free(&s->sample);
    free(s->name);
    free(s);
    if (pl->concurrent)
        dh_clock_advance_concurrent(pl);
}

void dh_stream_set_gzip(dh_stream_t *s, bool gzip)
{
    if (s->stat)
        s->stat->gzip = gzip;
}

int64_t dh_stream_last_record_ts(const dh_stream_t *s)
{
    return s->last_record_ts;
}
