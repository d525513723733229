/*
 * util-dns.c - tables of RR types, classes and rcodes (IANA DNS parameters
 * registry, plus the aliases Zeek and Suricata have printed).
 */
#include "util-dns.h"

#include <string.h>
#include <strings.h>

typedef struct {
    int32_t num;
    const char *name;
} dns_name_t;

/* Canonical names first: dh_qtype_name returns the first entry of a number.
   Common types lead so that lookups by name stay short. */
static const dns_name_t qtypes[] = {
    {1, "A"}, {28, "AAAA"}, {12, "PTR"}, {5, "CNAME"}, {16, "TXT"}, {15, "MX"},
    {2, "NS"}, {6, "SOA"}, {33, "SRV"}, {65, "HTTPS"}, {64, "SVCB"}, {255, "ANY"},
    {10, "NULL"}, {3, "MD"}, {4, "MF"}, {7, "MB"}, {8, "MG"}, {9, "MR"}, {11, "WKS"},
    {13, "HINFO"}, {14, "MINFO"}, {17, "RP"}, {18, "AFSDB"}, {19, "X25"}, {20, "ISDN"},
    {21, "RT"}, {22, "NSAP"}, {23, "NSAP-PTR"}, {24, "SIG"}, {25, "KEY"}, {26, "PX"},
    {27, "GPOS"}, {29, "LOC"}, {30, "NXT"}, {31, "EID"}, {32, "NIMLOC"}, {34, "ATMA"},
    {35, "NAPTR"}, {36, "KX"}, {37, "CERT"}, {38, "A6"}, {39, "DNAME"}, {40, "SINK"},
    {41, "OPT"}, {42, "APL"}, {43, "DS"}, {44, "SSHFP"}, {45, "IPSECKEY"}, {46, "RRSIG"},
    {47, "NSEC"}, {48, "DNSKEY"}, {49, "DHCID"}, {50, "NSEC3"}, {51, "NSEC3PARAM"},
    {52, "TLSA"}, {53, "SMIMEA"}, {55, "HIP"}, {56, "NINFO"}, {57, "RKEY"}, {58, "TALINK"},
    {59, "CDS"}, {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {62, "CSYNC"}, {63, "ZONEMD"},
    {99, "SPF"}, {100, "UINFO"}, {101, "UID"}, {102, "GID"}, {103, "UNSPEC"}, {104, "NID"},
    {105, "L32"}, {106, "L64"}, {107, "LP"}, {108, "EUI48"}, {109, "EUI64"}, {249, "TKEY"},
    {250, "TSIG"}, {251, "IXFR"}, {252, "AXFR"}, {253, "MAILB"}, {254, "MAILA"},
    {256, "URI"}, {257, "CAA"}, {32768, "TA"}, {32769, "DLV"}, {65399, "PRIVATE"},
    /* aliases printed by sensors */
    {255, "*"}, {32, "NB"}, {33, "NBSTAT"}, {65281, "WINS"}, {65282, "WINS-R"},
};

static const dns_name_t qclasses[] = {
    {1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"},
    {1, "C_INTERNET"}, {3, "C_CHAOS"}, {4, "C_HESIOD"}, {254, "C_NONE"}, {255, "C_ANY"},
    {2, "C_CSNET"}, {2, "CS"},
};

static const dns_name_t rcodes[] = {
    {0, "NOERROR"}, {1, "FORMERR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"}, {4, "NOTIMP"},
    {5, "REFUSED"}, {6, "YXDOMAIN"}, {7, "YXRRSET"}, {8, "NXRRSET"}, {9, "NOTAUTH"},
    {10, "NOTZONE"}, {11, "DSOTYPENI"}, {16, "BADVERS"}, {17, "BADKEY"}, {18, "BADTIME"},
    {19, "BADMODE"}, {20, "BADNAME"}, {21, "BADALG"}, {22, "BADTRUNC"}, {23, "BADCOOKIE"},
    {16, "BADSIG"}, {4, "NOTIMPL"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int dh_parse_uint(const char *s, size_t len, uint64_t *v)
{
    if (len == 0 || len > 10)
        return -1;
    uint64_t r = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        r = r * 10 + (uint64_t)(s[i] - '0');
    }
    *v = r;
    return 0;
}

/* "<prefix><digits>" (case-insensitive prefix) or plain digits. */
static int32_t number_after_prefix(const char *s, size_t len, const char *prefix, uint64_t max)
{
    size_t pl = strlen(prefix);
    uint64_t v;
    if (len > pl && strncasecmp(s, prefix, pl) == 0 && dh_parse_uint(s + pl, len - pl, &v) == 0 &&
        v <= max)
        return (int32_t)v;
    if (dh_parse_uint(s, len, &v) == 0 && v <= max)
        return (int32_t)v;
    return -1;
}

/* One name<->number table: its names, then the two spellings of a number
   without a name that sensors print ("query-65399", "TYPE65399"), each also
   accepted as plain digits, up to max. */
typedef struct {
    const dns_name_t *names;
    size_t n;
    const char *prefix[2];
    uint64_t max;
} name_table_t;

static const name_table_t QTYPES = {qtypes, N_OF(qtypes), {"query-", "TYPE"}, 65535};
static const name_table_t QCLASSES = {qclasses, N_OF(qclasses), {"qclass-", "CLASS"}, 65535};
static const name_table_t RCODES = {rcodes, N_OF(rcodes), {"unknown-", "RCODE"}, 4095};

/* The number of a name (case-insensitive) or of a numeric spelling; -1 if none. */
static int32_t number_of(const name_table_t *t, const char *s, size_t len)
{
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->names[i].name) == len && strncasecmp(t->names[i].name, s, len) == 0)
            return t->names[i].num;
    for (size_t k = 0; k < N_OF(t->prefix); k++) {
        int32_t v = number_after_prefix(s, len, t->prefix[k], t->max);
        if (v >= 0)
            return v;
    }
    return -1;
}

/* The first (canonical) name of a number, NULL if it has none. */
static const char *name_of(const name_table_t *t, int32_t num)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->names[i].num == num)
            return t->names[i].name;
    return NULL;
}

int32_t dh_qtype_from_name(const char *s, size_t len)
{
    return number_of(&QTYPES, s, len);
}

const char *dh_qtype_name(int32_t qtype)
{
    return name_of(&QTYPES, qtype);
}

int32_t dh_qclass_from_name(const char *s, size_t len)
{
    return number_of(&QCLASSES, s, len);
}

const char *dh_qclass_name(int32_t qclass)
{
    return name_of(&QCLASSES, qclass);
}

int32_t dh_rcode_from_name(const char *s, size_t len)
{
    return number_of(&RCODES, s, len);
}

const char *dh_rcode_name(int32_t rcode)
{
    return name_of(&RCODES, rcode);
}
