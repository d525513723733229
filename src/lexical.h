/*
 * lexical.h - what a DNS name looks like: entropy, encoding alphabet, label
 * lengths, the part left of the registered domain. Shared by the tunnel,
 * exfiltration and DGA detectors so that they judge names the same way.
 */
#ifndef DH_LEXICAL_H
#define DH_LEXICAL_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"

/* Shannon entropy in bits per character. */
double dh_lex_entropy(const char *s, size_t n);

/* Encodings a label's characters are consistent with (and that look like
   data, not words: at least 8 characters mixing digits and letters, or
   upper and lower case for base64). */
enum {
    DH_ENC_HEX = 1u << 0,    /* [0-9a-f] */
    DH_ENC_BASE32 = 1u << 1, /* [a-z2-7] (RFC 4648), or base32hex [0-9a-v] */
    DH_ENC_BASE64 = 1u << 2, /* [A-Za-z0-9+/_-] with both cases and digits */
};
unsigned dh_lex_encoding(const char *s, size_t n);

/* The alphabet a data label is drawn from, judged without its case: Zeek
   lower-cases query names (unless the site loads
   policy/protocols/dns/original_case), which turns base64 into [a-z0-9_-],
   and writes bytes outside printable ASCII as \xNN (the parsers decode them
   back to bytes). A label of n characters from an alphabet of A symbols
   carries at most n * log2(A) bits; that is what the log can show of the
   payload, whatever the tool encoded. DH_ALPHA_NONE: shorter than 8, or
   letters alone or digits alone (words, CamelCase, counters), not data;
   whether a label of an alphabet is data is the caller's entropy test. */
typedef enum {
    DH_ALPHA_NONE = 0,
    DH_ALPHA_HEX,    /* [0-9a-f], one case: 4 bits a character */
    DH_ALPHA_BASE32, /* [a-z2-7] or base32hex [0-9a-v], one case: 5 bits */
    DH_ALPHA_FOLDED, /* [a-z0-9_-] one case, wider than base32: base64 or
                        base36 as the log shows it: log2(38) = 5.25 bits */
    DH_ALPHA_BASE64, /* [A-Za-z0-9+/=_-] with both cases: 6 bits */
    DH_ALPHA_BINARY, /* bytes no host name holds (above 0x7f, or punctuation
                        outside base64's): base128 and raw modes, 7 bits */
} dh_lex_alphabet_t;

dh_lex_alphabet_t dh_lex_alphabet(const char *s, size_t n);

/* Bits a character of that alphabet carries at most (0 for NONE). */
double dh_lex_alphabet_bits(dh_lex_alphabet_t a);

/* The alphabet's name as evidence says it: "hex", "base32", "folded",
   "base64", "binary" ("" for NONE). */
const char *dh_lex_alphabet_name(dh_lex_alphabet_t a);

/* The labels left of the registered domain, without the joining dot: for
   "a1b2.t1.example.com" with registered domain "example.com", "a1b2.t1".
   Length 0 when the name is the registered domain or there is none. Uses
   the exact bytes (case kept) of ev->qname. */
size_t dh_lex_subdomain(const dh_event_t *ev, const char **sub);

/* Length of the longest label of s. */
size_t dh_lex_longest_label(const char *s, size_t n);
/* The same, and where that label starts (the first one of that length). */
size_t dh_lex_longest_label_at(const char *s, size_t n, const char **label);

/* Longest run of consonants (ASCII letters other than aeiouy). */
size_t dh_lex_consonant_run(const char *s, size_t n);

/* Share of ASCII digits in s (0..1). */
double dh_lex_digit_share(const char *s, size_t n);

#endif
