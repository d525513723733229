/*
 * lookalike.h - the parts of the lookalike_domain detector
 * (lookalike-domain.c) that stand on their own: visually confusable
 * characters (lookalike-confusables.c: homoglyph skeletons, IDN labels read
 * as the ASCII they imitate) and the typo generator (lookalike-permute.c).
 * Private to that detector: these files register nothing (detectors.def).
 * All functions are pure: no state, no allocation.
 */
#ifndef DH_LOOKALIKE_H
#define DH_LOOKALIKE_H

#include <stdbool.h>
#include <stddef.h>

#define LOOKALIKE_LABEL_MAX 63

/* The look-alike families, in the order of the rule's family names. */
enum {
    F_HOMOGLYPH,
    F_IDN_HOMOGRAPH,
    F_BRAND_IN_SUBDOMAIN,
    F_COMBOSQUAT,
    F_TLD_SWAP,
    F_OMISSION,
    F_REPETITION,
    F_TRANSPOSITION,
    F_REPLACEMENT,
    F_INSERTION,
    F_ADDITION,
    F_HYPHENATION,
    F_BITSQUATTING,
    F_VOWEL_SWAP,
    F_EDIT_DISTANCE,
    N_FAMILIES
};

/* A host-name character of a lowercased label: a-z, 0-9, '-'. */
static inline bool lookalike_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* ---- lookalike-confusables.c ---- */

/* Fold visually confusable characters to one representative: the label's
   "skeleton". Two labels with the same skeleton read alike. out holds at
   least len bytes; returns the skeleton's length. */
size_t lookalike_fold(const char *s, size_t len, char *out);

/* An xn-- label decoded (libidn2) and mapped to the ASCII it imitates, into
   out (LOOKALIKE_LABEL_MAX bytes); its length, 0 when it is not valid
   punycode or holds a character that imitates none. */
size_t lookalike_idn_ascii(const char *label, size_t len, char *out);

/* ---- lookalike-permute.c ---- */

/* Receives one generated label (s borrowed for the call) and its family. */
typedef void (*lookalike_put_fn)(void *ctx, const char *s, size_t len, int family);

/* Every single-edit typo of the label s[0..n) (n <= LOOKALIKE_LABEL_MAX):
   transposition, omission, repetition, replacement and insertion of a
   QWERTY neighbour, vowel swap, hyphenation, bitsquatting, addition, in that
   order (the first family to produce a string keeps it). Strings may repeat
   and may not be valid labels: put filters. */
void lookalike_typos(const char *s, size_t n, lookalike_put_fn put, void *ctx);

/* The combosquats of brand label s[0..n) and word w[0..wn) (n + wn + 1 <=
   LOOKALIKE_LABEL_MAX): brand-word, brandword, word-brand and, when
   glued_word_brand, wordbrand. */
void lookalike_combos(const char *s, size_t n, const char *w, size_t wn, bool glued_word_brand,
                      lookalike_put_fn put, void *ctx);

#endif
