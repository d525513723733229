/*
 * event.c - the normalized event's "all unknown" state.
 */
#include "event.h"

#include <string.h>

#include "util-ip.h"

const char *dh_zone_source_name(unsigned source)
{
    switch (source) {
    case DH_ZONE_PUBLIC_SUFFIX: return "public_suffix";
    case DH_ZONE_INTERNAL: return "internal_zone";
    case DH_ZONE_LAST_TWO: return "last_two_labels";
    default: return NULL;
    }
}

void dh_event_init(dh_event_t *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->client_port = -1;
    ev->server_port = -1;
    ev->trans_id = -1;
    ev->qtype = -1;
    ev->qclass = -1;
    ev->rcode = -1;
    ev->opcode = -1;
    ev->rejected = -1;
    ev->rtt_us = -1;
}

bool dh_event_answer_addr(const dh_event_t *ev, uint32_t i, dh_addr_t *out)
{
    if (ev->answer_addrs) {
        *out = ev->answer_addrs[i];
        return out->family != DH_AF_UNSET;
    }
    const dh_answer_t *a = &ev->answers[i];
    return a->data && dh_addr_parse(a->data, a->data_len, out) == 0;
}
