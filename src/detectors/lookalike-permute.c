/*
 * lookalike-permute.c - the typo generator of the lookalike_domain detector
 * (lookalike.h): dnstwist's single-edit fuzzers (re-implemented from their
 * definitions) and brand x word combosquats, run once per brand at load
 * time; the detector keeps what they generate in one hash map.
 */
#include <string.h>

#include "lookalike.h"

/* QWERTY neighbours of each host-name character (the key row above and the
   keys left, right and below). */
static const char *keyboard(char c)
{
    static const char *const letters[26] = {
        "qwsz",   "vghn",   "xdfv",   "serfcx", "wsdr34", "drtgvc", "ftyhbv", "gyujnb",
        "ujko89", "huikmn", "jiolm",  "kop",    "njk",    "bhjm",   "iklp90", "ol0",
        "wa12",   "edft45", "waedxz", "rfgy56", "yhji78", "cfgb",   "qase23", "zsdc",
        "tghu67", "asx"};
    static const char *const digits[10] = {"9op", "2q", "13qw", "24we", "35er",
                                           "46rt", "57ty", "68yu", "79ui", "80io"};
    if (c >= 'a' && c <= 'z')
        return letters[c - 'a'];
    if (c >= '0' && c <= '9')
        return digits[c - '0'];
    return "";
}

static bool is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Every single-edit permutation family of s, in priority order (the first
   family to produce a string keeps it). */
void lookalike_typos(const char *s, size_t n, lookalike_put_fn put, void *ctx)
{
    char buf[2 * LOOKALIKE_LABEL_MAX + 40];
    for (size_t i = 0; i + 1 < n; i++) { /* transposition */
        if (s[i] == s[i + 1])
            continue;
        memcpy(buf, s, n);
        buf[i] = s[i + 1];
        buf[i + 1] = s[i];
        put(ctx, buf, n, F_TRANSPOSITION);
    }
    for (size_t i = 0; i < n; i++) { /* omission */
        memcpy(buf, s, i);
        memcpy(buf + i, s + i + 1, n - i - 1);
        put(ctx, buf, n - 1, F_OMISSION);
    }
    for (size_t i = 0; i < n; i++) { /* repetition */
        memcpy(buf, s, i + 1);
        memcpy(buf + i + 1, s + i, n - i);
        put(ctx, buf, n + 1, F_REPETITION);
    }
    for (size_t i = 0; i < n; i++) /* replacement by a keyboard neighbour */
        for (const char *k = keyboard(s[i]); *k; k++) {
            memcpy(buf, s, n);
            buf[i] = *k;
            put(ctx, buf, n, F_REPLACEMENT);
        }
    for (size_t i = 0; i < n; i++) /* insertion of a neighbour, before or after */
        for (const char *k = keyboard(s[i]); *k; k++)
            for (size_t at = i; at <= i + 1; at++) {
                memcpy(buf, s, at);
                buf[at] = *k;
                memcpy(buf + at + 1, s + at, n - at);
                put(ctx, buf, n + 1, F_INSERTION);
            }
    for (size_t i = 0; i < n; i++) /* vowel swap */
        if (is_vowel(s[i]))
            for (const char *v = "aeiou"; *v; v++)
                if (*v != s[i]) {
                    memcpy(buf, s, n);
                    buf[i] = *v;
                    put(ctx, buf, n, F_VOWEL_SWAP);
                }
    for (size_t i = 1; i < n; i++) { /* hyphenation */
        memcpy(buf, s, i);
        buf[i] = '-';
        memcpy(buf + i + 1, s + i, n - i);
        put(ctx, buf, n + 1, F_HYPHENATION);
    }
    for (size_t i = 0; i < n; i++) /* bitsquatting */
        for (int bit = 0; bit < 8; bit++) {
            char c = (char)(s[i] ^ (1 << bit));
            if (c >= 'A' && c <= 'Z')
                continue; /* the same name once lowercased */
            if (!lookalike_ldh(c))
                continue;
            memcpy(buf, s, n);
            buf[i] = c;
            put(ctx, buf, n, F_BITSQUATTING);
        }
    for (const char *a = "abcdefghijklmnopqrstuvwxyz0123456789"; *a; a++) { /* addition */
        memcpy(buf, s, n);
        buf[n] = *a;
        put(ctx, buf, n + 1, F_ADDITION);
    }
}

/* brand x word combosquats (the caller decides whether wordbrand without a
   separator counts: short brands end many plain words). */
void lookalike_combos(const char *s, size_t n, const char *w, size_t wn, bool glued_word_brand,
                      lookalike_put_fn put, void *ctx)
{
    char buf[2 * LOOKALIKE_LABEL_MAX + 2];
    memcpy(buf, s, n); /* brand-word, brandword */
    buf[n] = '-';
    memcpy(buf + n + 1, w, wn);
    put(ctx, buf, n + 1 + wn, F_COMBOSQUAT);
    memmove(buf + n, buf + n + 1, wn);
    put(ctx, buf, n + wn, F_COMBOSQUAT);
    memcpy(buf, w, wn); /* word-brand, wordbrand */
    buf[wn] = '-';
    memcpy(buf + wn + 1, s, n);
    put(ctx, buf, wn + 1 + n, F_COMBOSQUAT);
    if (glued_word_brand) {
        memmove(buf + wn, buf + wn + 1, n);
        put(ctx, buf, wn + n, F_COMBOSQUAT);
    }
}
