/*
 * test-lexical.c - the alphabet of a data label, with and without its case
 * (lexical.c). The labels are 45 random bytes encoded as dns2tcp (base64),
 * iodine (base32, base128) and hex tools put them in a name.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <string.h>

#include "lexical.h"

static const char b64[] = "UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaGglfIPk5VlDPk4C47b";
static const char b32[] = "klzcmzngbqjnfciylwkq52ebgyerm33lce6rpdlmb7jzah7shgq2bfpsb6jzkzim7e4axdw3";
static const char hex[] = "52f22665a60c12d289185d950ee8813609166f6b113d178d6c0fd3901ff239a1a095f20f";

static dh_lex_alphabet_t alpha(const char *s)
{
    return dh_lex_alphabet(s, strlen(s));
}

Test(lexical, the_alphabets_of_encoded_labels)
{
    cr_assert_eq(alpha(b64), DH_ALPHA_BASE64);
    cr_assert_eq(alpha(b32), DH_ALPHA_BASE32);
    cr_assert_eq(alpha(hex), DH_ALPHA_HEX);
    char up[sizeof(hex)];
    for (size_t i = 0; i < sizeof(hex); i++)
        up[i] = (char)toupper((unsigned char)hex[i]);
    cr_assert_eq(alpha(up), DH_ALPHA_HEX, "hex in capitals");
    cr_assert_eq(alpha("www"), DH_ALPHA_NONE, "short");
    cr_assert_eq(alpha("documentation"), DH_ALPHA_NONE, "letters alone");
    cr_assert_eq(alpha("2023120114"), DH_ALPHA_NONE, "digits alone");
}

/* Zeek lower-cases names: base64 keeps 5.25 bits of its 6 a character in
   the log (within 13 %), where a case-sensitive test would call it nothing. */
Test(lexical, lower_cased_base64_is_still_data)
{
    char lc[sizeof(b64)];
    for (size_t i = 0; i < sizeof(b64); i++)
        lc[i] = (char)tolower((unsigned char)b64[i]);
    cr_assert_eq(dh_lex_encoding(lc, strlen(lc)), 0, "the case-sensitive test loses it");
    dh_lex_alphabet_t a = alpha(lc);
    cr_assert_eq(a, DH_ALPHA_BASE64, "'/' is base64's, case or no case");
    char url[sizeof(b64)]; /* base64url: '_' for '/' */
    for (size_t i = 0; i < sizeof(b64); i++)
        url[i] = lc[i] == '/' ? '_' : lc[i];
    cr_assert_eq(alpha(url), DH_ALPHA_FOLDED, "base64url lower-cased");
    double folded = dh_lex_alphabet_bits(DH_ALPHA_FOLDED), full = dh_lex_alphabet_bits(DH_ALPHA_BASE64);
    cr_assert(folded / full > 0.85 && folded < full, "%f of %f", folded, full);
    cr_assert_str_eq(dh_lex_alphabet_name(DH_ALPHA_FOLDED), "folded");
}

/* iodine's base128 and raw modes put bytes above 0x7f in labels (Zeek writes
   \xNN, the parsers give the bytes back): binary, 7 bits a character. */
Test(lexical, bytes_no_host_name_holds_are_binary)
{
    const char base128[] = "a\xc3\xa9\xbc\xfd" "0Zq\xe1\x81\x92\xf0yk\xd7\xc8";
    cr_assert_eq(alpha(base128), DH_ALPHA_BINARY);
    cr_assert_eq(dh_lex_alphabet_bits(DH_ALPHA_BINARY), 7);
    cr_assert_eq(alpha("abc def 123 xyz"), DH_ALPHA_BINARY, "a space is no host-name byte");
    cr_assert_eq(dh_lex_alphabet_bits(DH_ALPHA_NONE), 0);
    cr_assert_str_eq(dh_lex_alphabet_name(DH_ALPHA_NONE), "");
}

/* The old case-sensitive classes are unchanged (dns_tunnel's test). */
Test(lexical, the_case_sensitive_encodings_are_kept)
{
    cr_assert_eq(dh_lex_encoding(b64, strlen(b64)), DH_ENC_BASE64);
    cr_assert_eq(dh_lex_encoding(b32, strlen(b32)), DH_ENC_BASE32);
    cr_assert(dh_lex_encoding(hex, strlen(hex)) & DH_ENC_HEX);
}
