/*
 * intel-file.h - the reader of indicator files (every *.txt of
 * rules/intel/): one indicator a line (a domain, an address, a CIDR block,
 * maltrail's address:port, a hosts-file line), '#' comments, and a header of
 * '# key:' comments giving the file's ATT&CK mapping and scores. threat-intel.c
 * documents the format; this file only reads it into lookup sets, so that
 * other intel formats and detectors can share it.
 *
 * Ownership: dh_intel_load gives a dh_intel_t (free it with dh_intel_free);
 * file metadata goes into a dh_intel_metas_t owned by the caller, which is
 * append-only and de-duplicated across loads, so an index taken from one
 * load stays valid after the next (free it with dh_intel_metas_free, after
 * every dh_intel_t that refers to it). Not thread-safe; no global state.
 */
#ifndef DH_INTEL_FILE_H
#define DH_INTEL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "rules.h"
#include "util-ip.h"
#include "util-strset.h"

enum { DH_INTEL_DOMAIN, DH_INTEL_IP, DH_INTEL_CIDR };

/* "domain", "ip" or "cidr". */
const char *dh_intel_type_name(uint8_t type);

/* One indicator file's header: append-only, shared by reloads. */
typedef struct {
    char *file; /* basename */
    char *description, *source;
    double risk, confidence; /* <0: the rule's */
    bool has_attack;
    dh_attack_t attack; /* strings owned here */
    char *sig;          /* de-duplication key */
} dh_intel_meta_t;

typedef struct {
    dh_intel_meta_t **v;
    size_t n, cap;
} dh_intel_metas_t;

typedef struct {
    uint32_t meta; /* index in the dh_intel_metas_t */
    uint8_t type;  /* DH_INTEL_* */
    uint16_t len;
    char *text; /* normalized: "evil.example", "192.0.2.7", "192.0.2.0/24" */
} dh_intel_ind_t;

/* The lookup sets built from a directory; replaced whole by a reload. */
typedef struct {
    dh_strset_t *names; /* domain -> indicator index (dh_strset_get_suffix) */
    dh_strset_t *addrs; /* family, prefix, masked bytes -> indicator index */
    uint8_t plen4[33], plen6[129]; /* distinct prefix lengths, longest first */
    uint8_t n4, n6;
    /* prefilters, 2^24 bits each (2 MiB, only when the family is listed):
       bits4 marks every /24 that some IPv4 indicator covers, bits6 the hash
       of every /32 an IPv6 indicator covers (v6_wide: one is shorter than
       /32, bits6 is not used). Most answers stop at one bit test. */
    uint8_t *bits4, *bits6;
    bool v6_wide;
    dh_intel_ind_t *inds;
    size_t n, cap;
    size_t files, invalid, duplicates;
} dh_intel_t;

typedef struct {
    const char *dir;            /* every *.txt in it, in name order */
    const char *rule_path;      /* named in errors about the limits */
    const char *attack_version; /* for the files' ATT&CK mappings; must outlive the metas */
    int64_t max_indicators;     /* more is fatal */
    int64_t invalid_reports;    /* invalid lines reported per file */
    int64_t min_prefix_v4, min_prefix_v6; /* wider CIDR blocks are invalid lines */
    dh_log_t *log;              /* borrowed, for invalid lines; NULL: plain stderr */
    const char *log_kind, *log_name; /* who reports them: "detector", "threat_intel" */
} dh_intel_opts_t;

/* Read every indicator file of o->dir into new lookup sets, adding file
   metadata to metas. Invalid lines are counted, and the first
   o->invalid_reports of each file logged as FILE:LINE (warnings); they are
   never fatal. NULL with err ("FILE:LINE: ...") on an unreadable directory or
   file, a bad header, a file without a valid indicator, no *.txt file, or
   more than o->max_indicators indicators. */
dh_intel_t *dh_intel_load(const dh_intel_opts_t *o, dh_intel_metas_t *metas, char *err,
                          size_t errlen);
void dh_intel_free(dh_intel_t *in);
void dh_intel_metas_free(dh_intel_metas_t *metas);

/* The most specific indicator (address or block) covering a, into *idx. */
bool dh_intel_lookup_addr(const dh_intel_t *in, const dh_addr_t *a, uint32_t *idx);

#endif
