/*
 * lookalike-confusables.c - characters that read like others, for the
 * lookalike_domain detector (lookalike.h): the ASCII homoglyph skeleton of a
 * label (0/o, 1/l/i, rn/m, vv/w...) and the ASCII an IDN label imitates,
 * through a small table of confusable code points (Latin-1, Latin
 * Extended-A, Cyrillic, Greek, IPA). Punycode is decoded by libidn2.
 */
#include <stdint.h>
#include <string.h>

#include <idn2.h>

#include "lookalike.h"

size_t lookalike_fold(const char *s, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i], d = i + 1 < len ? s[i + 1] : 0;
        if (c == 'r' && d == 'n') {
            out[n++] = 'm';
            i++;
            continue;
        }
        if (c == 'v' && d == 'v') {
            out[n++] = 'w';
            i++;
            continue;
        }
        if (c == 'c' && d == 'l') {
            out[n++] = 'd';
            i++;
            continue;
        }
        switch (c) {
        case '0': c = 'o'; break;
        case '1': case 'i': case '|': c = 'l'; break;
        case '3': c = 'e'; break;
        case '4': c = 'a'; break;
        case '5': c = 's'; break;
        case '6': case '8': c = 'b'; break;
        case '7': c = 't'; break;
        case '9': case 'q': c = 'g'; break;
        case '2': c = 'z'; break;
        default: break;
        }
        out[n++] = c;
    }
    return n;
}

/* The ASCII letter a code point is mistaken for, 0 when none. */
static char confusable(uint32_t c)
{
    static const char latin1[] = "aaaaaa?ceeeeiiiidnooooo?ouuuuy?y";        /* U+00E0..00FF */
    static const char ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii??jjkkkll"
                                "llllllllnnnnnnnnnoooooo??rrrrrrssssssssttttttuuuuuuuuuuuuwwyyy"
                                "zzzzzzs"; /* U+0100..017F */
    if (c < 128) {
        char a = (char)c;
        return lookalike_ldh(a) ? a : 0;
    }
    if (c >= 0xc0 && c <= 0xff) {
        char a = latin1[(c & 0xdf) - 0xc0]; /* upper case folds to lower */
        return a == '?' ? 0 : a;
    }
    if (c >= 0x100 && c <= 0x17f) {
        char a = ext_a[c - 0x100];
        return a == '?' ? 0 : a;
    }
    switch (c) {
    /* Cyrillic */
    case 0x430: case 0x410: return 'a';
    case 0x432: return 'b';
    case 0x435: case 0x415: case 0x450: case 0x451: return 'e';
    case 0x43e: case 0x41e: return 'o';
    case 0x440: case 0x420: return 'p';
    case 0x441: case 0x421: return 'c';
    case 0x443: case 0x423: case 0x45e: return 'y';
    case 0x445: case 0x425: return 'x';
    case 0x456: case 0x406: case 0x457: return 'i';
    case 0x458: case 0x408: return 'j';
    case 0x455: case 0x405: return 's';
    case 0x501: return 'd';
    case 0x4bb: return 'h';
    case 0x4cf: case 0x4c0: return 'l';
    case 0x51b: return 'q';
    case 0x51d: return 'w';
    case 0x43a: return 'k';
    case 0x43c: return 'm';
    case 0x433: return 'r';
    case 0x44c: return 'b';
    case 0x43f: return 'n';
    case 0x442: return 't';
    /* Greek */
    case 0x3b1: return 'a';
    case 0x3b5: return 'e';
    case 0x3b9: return 'i';
    case 0x3ba: return 'k';
    case 0x3bd: return 'v';
    case 0x3bf: return 'o';
    case 0x3c1: return 'p';
    case 0x3c4: return 't';
    case 0x3c5: return 'u';
    case 0x3c7: return 'x';
    case 0x3b3: return 'y';
    case 0x3c9: return 'w';
    /* Latin extended-B / IPA look-alikes */
    case 0x180: return 'b';
    case 0x188: return 'c';
    case 0x257: return 'd';
    case 0x261: return 'g';
    case 0x269: return 'i';
    case 0x251: return 'a';
    default: return 0;
    }
}

/* The code points of the xn-- label (whole, prefix included) into
   cps[LOOKALIKE_LABEL_MAX]; their number, 0 when it is not valid punycode,
   decodes to nothing or to more than LOOKALIKE_LABEL_MAX. A label whose
   punycode ends with the delimiter encodes nothing: its basic characters are
   the decoded label (libidn2 refuses it as an A-label; it is still read as
   what it imitates). */
static size_t idn_decode(const char *label, size_t len, uint32_t *cps)
{
    if (len <= 4 || len > 255 || memcmp(label, "xn--", 4) != 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!lookalike_ldh(label[i]))
            return 0;
    if (label[len - 1] == '-') {
        size_t n = len - 5;
        if (n > LOOKALIKE_LABEL_MAX)
            return 0;
        for (size_t i = 0; i < n; i++)
            cps[i] = (unsigned char)label[4 + i];
        return n;
    }
    uint32_t in[255], out[LOOKALIKE_LABEL_MAX + 1];
    for (size_t i = 0; i < len; i++)
        in[i] = (unsigned char)label[i];
    size_t n = LOOKALIKE_LABEL_MAX + 1;
    if (idn2_to_unicode_44i(in, len, out, &n, 0) != IDN2_OK || n > LOOKALIKE_LABEL_MAX)
        return 0;
    memcpy(cps, out, n * sizeof(*cps));
    return n;
}

size_t lookalike_idn_ascii(const char *label, size_t len, char *out)
{
    uint32_t cps[LOOKALIKE_LABEL_MAX];
    size_t n = idn_decode(label, len, cps);
    for (size_t i = 0; i < n; i++) {
        char a = confusable(cps[i]);
        if (!a)
            return 0;
        out[i] = a;
    }
    return n;
}
