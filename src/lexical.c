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

unsigned dh_lex_encoding(const char *s, size_t n)
{
    if (n < 8)
        return 0;
    bool hex = true, b32 = true, b32hex = true, b64 = true;
    bool digit = false, lower = false, upper = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool d = c >= '0' && c <= '9', lo = c >= 'a' && c <= 'z', up = c >= 'A' && c <= 'Z';
        digit |= d;
        lower |= lo;
        upper |= up;
        unsigned char l = up ? (unsigned char)(c - 'A' + 'a') : c;
        bool ll = lo || up;
        hex &= d || (l >= 'a' && l <= 'f');
        b32 &= (ll) || (c >= '2' && c <= '7');
        b32hex &= d || (l >= 'a' && l <= 'v');
        b64 &= d || ll || c == '+' || c == '/' || c == '_' || c == '-' || c == '=';
    }
    unsigned r = 0;
    if (hex && digit && (lower || upper))
        r |= DH_ENC_HEX;
    if ((b32 || b32hex) && digit && (lower || upper) && !(lower && upper))
        r |= DH_ENC_BASE32;
    if (b64 && digit && lower && upper)
        r |= DH_ENC_BASE64;
    return r;
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
