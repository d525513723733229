/*
 * fuzz-parsers.c - libFuzzer target for every input parser.
 *
 * Why one target walks the registry (dh_parsers[], from parsers/parsers.def)
 * instead of one hand-written target per format: a parser added to the
 * registry is fuzzed from its first commit, with nothing else to edit.
 *
 * The input is a stream of lines, fed to each parser the way src/stream.c
 * does: every line goes to skips_truncated (which must take any bytes) and,
 * after the reader's and stream's checks (no NUL, valid UTF-8, not blank,
 * CR stripped), to probe and dh_parser_parse_line; end_of_input and destroy
 * close the stream. The strings a record hands out are read back so that ASan sees a
 * pointer that escapes the event buffer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evbuf.h"
#include "parser.h"
#include "util-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void touch(const char *s, size_t len)
{
    for (size_t i = 0; s && i < len; i++)
        sink += (unsigned char)s[i];
}

static void touch_event(const dh_evbuf_t *b)
{
    const dh_event_t *ev = &b->ev;
    touch(ev->uid, ev->uid_len);
    if (ev->has_qname) {
        touch(ev->qname, ev->qname_len);
        touch(ev->qname_lc, ev->qname_len);
    }
    if (ev->registered_domain)
        sink += strlen(ev->registered_domain);
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        touch(ev->answers[i].rrname, ev->answers[i].rrname_len);
        touch(ev->answers[i].data, ev->answers[i].data_len);
    }
}

/* The checks src/stream.c makes before a parser sees a line. */
static bool parser_may_see(const char *line, size_t *len)
{
    if (*len && line[*len - 1] == '\r')
        (*len)--;
    bool blank = true;
    for (size_t i = 0; i < *len && blank; i++)
        blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
    return !blank && !memchr(line, '\0', *len) && dh_utf8_valid(line, *len);
}

static void run_parser(const dh_parser_type_t *p, const char *data, size_t size,
                       dh_evbuf_t *out)
{
    void *state = p->create();
    const char *end = data + size;
    for (const char *line = data; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = (size_t)((nl ? nl : end) - line);
        const char *next = nl ? nl + 1 : end;
        if (p->skips_truncated)
            sink += p->skips_truncated(line, len);
        if (parser_may_see(line, &len)) {
            sink += p->probe(line, len);
            char reason[DH_REASON_MAX];
            reason[0] = '\0';
            dh_line_t r = dh_parser_parse_line(p, state, line, len, out, reason);
            if (r == DH_LINE_RECORD)
                touch_event(out);
            else if (r == DH_LINE_MALFORMED)
                sink += strnlen(reason, DH_REASON_MAX - 1);
        }
        line = next;
    }
    if (p->end_of_input)
        p->end_of_input(state);
    p->destroy(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* As the pipeline sizes it: for lines up to --max-line; here the input. */
    dh_evbuf_t *out = dh_evbuf_new(size);
    for (size_t i = 0; dh_parsers[i]; i++)
        run_parser(dh_parsers[i], (const char *)data, size, out);
    dh_evbuf_free(out);
    return 0;
}
