/*
 * util-dns.h - DNS numbers and the names sensors print for them.
 *
 * Zeek and Suricata name RR types, classes and response codes differently and
 * both changed their tables over the years (Zeek 5.2 renamed qtype 32 from NB
 * to NIMLOC; Suricata 6 prints unknown types as "65"). The number is the
 * stable identity; these functions map any known spelling to it.
 */
#ifndef DH_UTIL_DNS_H
#define DH_UTIL_DNS_H

#include <stddef.h>
#include <stdint.h>

enum {
    DH_QTYPE_A = 1, DH_QTYPE_NS = 2, DH_QTYPE_CNAME = 5, DH_QTYPE_SOA = 6,
    DH_QTYPE_NULL = 10, DH_QTYPE_PTR = 12, DH_QTYPE_MX = 15, DH_QTYPE_TXT = 16,
    DH_QTYPE_AAAA = 28, DH_QTYPE_SRV = 33, DH_QTYPE_HTTPS = 65, DH_QTYPE_IXFR = 251,
    DH_QTYPE_AXFR = 252, DH_QTYPE_ANY = 255, DH_QTYPE_PRIVATE = 65399,
};

enum { DH_RCODE_NOERROR = 0, DH_RCODE_SERVFAIL = 2, DH_RCODE_NXDOMAIN = 3, DH_RCODE_REFUSED = 5 };

/* RR type from a name ("A", "TXT", "*", "NB", "NBSTAT", "query-65534",
   "TYPE65", "65"); case-insensitive. -1 when unknown. */
int32_t dh_qtype_from_name(const char *s, size_t len);
/* Canonical (IANA) mnemonic or NULL when the number has none. */
const char *dh_qtype_name(int32_t qtype);

/* Class from "C_INTERNET", "IN", "C_CHAOS", "CH", "qclass-32769", "32769". */
int32_t dh_qclass_from_name(const char *s, size_t len);
const char *dh_qclass_name(int32_t qclass);

/* Response code from "NOERROR", "NXDOMAIN", "unknown-17", "17"... */
int32_t dh_rcode_from_name(const char *s, size_t len);
const char *dh_rcode_name(int32_t rcode);

/* Unsigned decimal of at most 10 digits into *v; 0 or -1. */
int dh_parse_uint(const char *s, size_t len, uint64_t *v);

#endif
