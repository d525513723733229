/*
 * event.c - the normalized event's "all unknown" state.
 */
#include "event.h"

#include <string.h>

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
