/*
 * fuzz-envelope.c - libFuzzer target for dh_envelope_unwrap
 * (src/sources/envelope.c), which sees every Kafka message before a parser
 * does and runs cJSON on bytes from the network.
 *
 * Why the result is checked and not only computed: the record it returns
 * must point into the input or into the caller's buffer and be readable
 * for its whole length; reading it back lets ASan catch a bad pointer or
 * length. The buffer is reused across two calls, as the Kafka source does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sources/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void check(const char *in, size_t size, const dh_strbuf_t *out, const char *rec,
                  size_t rlen)
{
    if (!(rec == in && rlen == size) && !(rec == out->buf && rlen == out->len))
        abort();
    for (size_t i = 0; i < rlen; i++)
        sink += (unsigned char)rec[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so that reading past it is an ASan error. */
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    for (size_t i = 0; i < size; i++)
        in[i] = (char)data[i];
    dh_strbuf_t out;
    dh_sb_init(&out);
    const char *rec;
    size_t rlen;
    for (int round = 0; round < 2; round++) {
        dh_envelope_unwrap(in, size, &out, &rec, &rlen);
        check(in, size, &out, rec, rlen);
    }
    dh_sb_free(&out);
    free(in);
    return 0;
}
