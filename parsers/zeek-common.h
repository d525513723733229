/*
 * zeek-common.h - what Zeek's two log encodings (TSV and JSON) share.
 *
 * Zeek logs answers as text without their RR type. Both parsers infer the
 * type the same way, here, so that one log gives the same events whichever
 * writer produced it.
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

#endif
