/*
 * zeek-common.h - what Zeek's two log encodings (TSV and JSON) share.
 *
 * Zeek logs answers as text without their RR type. Both parsers infer the
 * type the same way, here, so that one log gives the same events whichever
 * writer produced it. Both decode Zeek's byte escapes the same way, here.
 */
#ifndef DH_ZEEK_COMMON_H
#define DH_ZEEK_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* RR type of one Zeek answer text, as far as the text makes it certain:
   an address (A/AAAA); a canonical upper-case mnemonic at the start ending
   at a space, a colon or the end ("TXT 18 ...", "LOC: ...", "NSEC3"); a host
   name under a PTR/NS/MX query (that type) or an A/AAAA query (CNAME).
   -1 otherwise. */
int32_t dh_zeek_answer_rrtype(const char *s, size_t len, int32_t qtype);

/* Decode Zeek's "\xNN" byte escapes in the len bytes at src into dst, which
   holds len bytes or is src itself (decoding never grows); returns the
   decoded length. The rules are those of Zeek's own reader of its logs
   (get_unescaped_string): "\x" and two hex digits of either case is one
   byte; anything else stands for itself, "\\", "\q", "\xZZ" and a trailing
   "\x4" included. Zeek's TSV writer escapes the separators, unprintable bytes
   and the backslash itself (as \x5c), so it never writes "\\"; its JSON
   writer escapes invalid UTF-8 and control bytes as \xNN inside the JSON
   string (the caller decodes the JSON escapes first). */
size_t dh_zeek_unescape(char *dst, const char *src, size_t len);

#endif
