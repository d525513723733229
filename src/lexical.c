/*
 * lexical.c - name features (see lexical.h).
 */
#include "lexical.h"

#include <math.h>
#include <string.h>

double dh_lex_entropy(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned count[256] = {0};
    for (size_t i = 0; i < n; i++)
        count[(unsigned char)s[i]]++;
    double h = 0;
    for (int c = 0; c < 256; c++)
        if (count[c]) {
            double p = (double)count[c] / (double)n;
            h -= p * log2(p);
        }
    return h;
}

/* What the characters of a label hold, case folded. */
typedef struct {
    bool digit, lower, upper, b64_punct, binary;
    bool hex, b32, b32hex; /* every character fits */
} label_chars_t;

static label_chars_t label_chars(const char *s, size_t n)
{
    label_chars_t k = {.hex = true, .b32 = true, .b32hex = true};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool d = c >= '0' && c <= '9', lo = c >= 'a' && c <= 'z', up = c >= 'A' && c <= 'Z';
        unsigned char l = up ? (unsigned char)(c - 'A' + 'a') : c;
        k.digit |= d;
        k.lower |= lo;
        k.upper |= up;
        bool punct = c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
        k.b64_punct |= c == '+' || c == '/' || c == '=';
        k.binary |= !(d || lo || up || punct);
        k.hex &= d || (l >= 'a' && l <= 'f');
        k.b32 &= lo || up || (c >= '2' && c <= '7');
        k.b32hex &= d || (l >= 'a' && l <= 'v');
    }
    return k;
}

unsigned dh_lex_encoding(const char *s, size_t n)
{
    if (n < 8)
        return 0;
    label_chars_t k = label_chars(s, n);
    bool letters = k.lower || k.upper;
    unsigned r = 0;
    if (k.hex && k.digit && letters)
        r |= DH_ENC_HEX;
    if ((k.b32 || k.b32hex) && k.digit && letters && !(k.lower && k.upper))
        r |= DH_ENC_BASE32;
    if (!k.binary && k.digit && k.lower && k.upper)
        r |= DH_ENC_BASE64;
    return r;
}

dh_lex_alphabet_t dh_lex_alphabet(const char *s, size_t n)
{
    if (n < 8)
        return DH_ALPHA_NONE;
    label_chars_t k = label_chars(s, n);
    if (k.binary)
        return DH_ALPHA_BINARY;
    bool letters = k.lower || k.upper;
    if (k.lower && k.upper) /* case kept; without a digit it is a CamelCase word */
        return k.digit || k.b64_punct ? DH_ALPHA_BASE64 : DH_ALPHA_NONE;
    if (!letters || !k.digit)
        return k.b64_punct && letters ? DH_ALPHA_BASE64 : DH_ALPHA_NONE;
    if (k.hex)
        return DH_ALPHA_HEX;
    if (k.b32 || k.b32hex)
        return DH_ALPHA_BASE32;
    return k.b64_punct ? DH_ALPHA_BASE64 : DH_ALPHA_FOLDED;
}

double dh_lex_alphabet_bits(dh_lex_alphabet_t a)
{
    static const double bits[] = {
        [DH_ALPHA_NONE] = 0, [DH_ALPHA_HEX] = 4, [DH_ALPHA_BASE32] = 5,
        [DH_ALPHA_FOLDED] = 5.248, /* log2(38) */
        [DH_ALPHA_BASE64] = 6, [DH_ALPHA_BINARY] = 7,
    };
    return (unsigned)a < sizeof(bits) / sizeof(bits[0]) ? bits[a] : 0;
}

const char *dh_lex_alphabet_name(dh_lex_alphabet_t a)
{
    static const char *const names[] = {
        [DH_ALPHA_NONE] = "", [DH_ALPHA_HEX] = "hex", [DH_ALPHA_BASE32] = "base32",
        [DH_ALPHA_FOLDED] = "folded", [DH_ALPHA_BASE64] = "base64", [DH_ALPHA_BINARY] = "binary",
    };
    return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "";
}

size_t dh_lex_subdomain(const dh_event_t *ev, const char **sub)
{
    *sub = ev->qname;
    if (!ev->has_qname || !ev->registered_domain)
        return 0;
    size_t rd = strlen(ev->registered_domain);
    size_t n = ev->qname_len;
    if (n && ev->qname[n - 1] == '.')
        n--;
    if (n <= rd + 1)
        return 0;
    return n - rd - 1;
}

size_t dh_lex_longest_label_at(const char *s, size_t n, const char **label)
{
    size_t best = 0, cur = 0;
    *label = s;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            cur = 0;
            continue;
        }
        if (++cur > best) {
            best = cur;
            *label = s + i + 1 - cur;
        }
    }
    return best;
}

size_t dh_lex_longest_label(const char *s, size_t n)
{
    const char *label;
    return dh_lex_longest_label_at(s, n, &label);
}

size_t dh_lex_consonant_run(const char *s, size_t n)
{
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        bool consonant = c >= 'a' && c <= 'z' && !strchr("aeiouy", c);
        cur = consonant ? cur + 1 : 0;
        if (cur > best)
            best = cur;
    }
    return best;
}

double dh_lex_digit_share(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += s[i] >= '0' && s[i] <= '9';
    return (double)d / (double)n;
}
