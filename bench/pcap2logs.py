#!/usr/bin/python3
"""Render the DNS of a pcap as the logs real sensors write: a stand-in for
Zeek and Suricata, neither of which installs on this machine.

    python3 bench/pcap2logs.py IN.pcap OUT_PREFIX

writes OUT_PREFIX.zeek.log   Zeek 6 dns.log, ASCII (TSV) writer
       OUT_PREFIX.zeek.json  the same rows through Zeek's JSON writer
       OUT_PREFIX.eve.json   Suricata 7 EVE JSON, dns records version 2

Input: a classic pcap, plain or gzip (tcpdump -w; microsecond or nanosecond magic, either
byte order) with link type Ethernet (1, VLAN tags skipped), Linux cooked
(113, SLL2 276), raw IP (101, 12, 14) or BSD loopback (0). IPv4 and IPv6
(no extension headers). Not read: pcapng, IP fragments, IPv6 extension
headers.

DNS over UDP, and over TCP only where a segment holds whole length-prefixed
messages: TCP streams are NOT reassembled, so a message split over two
segments is skipped and counted in the summary on stderr.

What the renderers copy from the sensors (the behaviours dnshound must cope
with, issue 11):
  * Zeek lower-cases the query name (ASCII A-Z only, as its to_lower), keeps
    answers as they are, and writes bytes outside printable ASCII as \\xNN:
    in TSV always (and '\\', and ',' inside vectors); in JSON when they are
    not part of valid UTF-8.
  * Zeek pairs a query and its response (by connection and DNS id) into one
    row, written at response time (an unanswered query some 60 s later); rtt,
    AA and RA are set only when an answer RR was logged; NULL, KEY and other
    types it has no handler for are "<unknown type=N>"; TXT answers are
    "TXT <len> <string>" per string; rejected is T for a failed response
    without any RR or EDNS.
  * Suricata keeps the original case and writes names that are not valid
    UTF-8 with bytes above 0x7f as \\xNN; it writes a query record at query
    time and an answer record (answers, grouped, authorities) at response
    time; client and server keep their flow direction in both.
"""
import gzip
import hashlib
import ipaddress
import json
import struct
import sys
import time

ZEEK_FIELDS = ('ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass qclass_name '
               'qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected').split()
ZEEK_TYPES = ('time string addr port addr port enum count interval string count string count string count '
              'string bool bool bool bool count vector[string] vector[interval] bool').split()
QTYPES = {1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 10: 'NULL', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT',
          25: 'KEY', 28: 'AAAA', 33: 'SRV', 41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY',
          64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 252: 'AXFR', 255: '*'}
RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED'}
ZEEK_UDP_TIMEOUT = 60.0   # a UDP "connection" (one uid) ends after this much silence
ZEEK_EXPIRE = 60.0        # an unanswered query is written this long after it was seen
NAME_NAMES = (2, 5, 12)   # NS, CNAME, PTR: rdata is one name


class Skip(Exception):
    """A packet or message this converter does not read (counted, not fatal)."""


# ---------------------------------------------------------------- pcap

def read_pcap(path):
    """Yield (timestamp in microseconds, link type, frame) for each packet."""
    with open(path, 'rb') as raw:
        gz = raw.read(2) == b'\x1f\x8b'
    with (gzip.open(path, 'rb') if gz else open(path, 'rb')) as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise SystemExit(f"{path}: not a pcap (too short)")
        magic = hdr[:4]
        table = {b'\xd4\xc3\xb2\xa1': ('<', 1), b'\xa1\xb2\xc3\xd4': ('>', 1),
                 b'\x4d\x3c\xb2\xa1': ('<', 1000), b'\xa1\xb2\x3c\x4d': ('>', 1000)}
        if magic not in table:
            raise SystemExit(f"{path}: not a classic pcap (pcapng is not read; convert it with editcap -F pcap)")
        end, div = table[magic]
        linktype = struct.unpack(end + 'I', hdr[20:24])[0] & 0x0fffffff
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            sec, frac, incl, _ = struct.unpack(end + 'IIII', ph)
            data = f.read(incl)
            if len(data) < incl:
                return
            us = sec * 1000000 + frac // div
            yield us, linktype, data


def l3_payload(linktype, frame):
    """(ethertype-ish version, l3 bytes) from a link-layer frame."""
    if linktype == 1:
        off, et = 14, struct.unpack('!H', frame[12:14])[0]
        while et in (0x8100, 0x88a8):
            et = struct.unpack('!H', frame[off + 2:off + 4])[0]
            off += 4
        return et, frame[off:]
    if linktype == 113:
        return struct.unpack('!H', frame[14:16])[0], frame[16:]
    if linktype == 276:
        return struct.unpack('!H', frame[0:2])[0], frame[20:]
    if linktype in (101, 12, 14):
        return (0x0800 if frame[0] >> 4 == 4 else 0x86dd), frame
    if linktype == 0:
        fam = struct.unpack('<I', frame[:4])[0]
        return (0x0800 if fam == 2 else 0x86dd), frame[4:]
    raise SystemExit(f"link type {linktype} is not read")


def l4(et, pkt):
    """(proto 'udp'|'tcp', src, sport, dst, dport, payload)."""
    if et == 0x0800:
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack('!H', pkt[2:4])[0]
        if struct.unpack('!H', pkt[6:8])[0] & 0x3fff:
            raise Skip('ip fragment')
        proto, src, dst = pkt[9], str(ipaddress.IPv4Address(pkt[12:16])), str(ipaddress.IPv4Address(pkt[16:20]))
        body = pkt[ihl:total]
    elif et == 0x86dd:
        plen, proto = struct.unpack('!HB', pkt[4:7])
        src, dst = str(ipaddress.IPv6Address(pkt[8:24])), str(ipaddress.IPv6Address(pkt[24:40]))
        body = pkt[40:40 + plen]
    else:
        raise Skip('not ip')
    if proto == 17:
        sport, dport = struct.unpack('!HH', body[:4])
        return 'udp', src, sport, dst, dport, body[8:]
    if proto == 6:
        sport, dport = struct.unpack('!HH', body[:4])
        return 'tcp', src, sport, dst, dport, body[(body[12] >> 4) * 4:]
    raise Skip('not udp/tcp')


# ---------------------------------------------------------------- DNS

def read_name(msg, off):
    """(list of label bytes, offset after the name), following compression."""
    labels, jumps, end = [], 0, None
    while True:
        if off >= len(msg):
            raise Skip('name past end')
        n = msg[off]
        if n & 0xc0 == 0xc0:
            if end is None:
                end = off + 2
            off = ((n & 0x3f) << 8) | msg[off + 1]
            jumps += 1
            if jumps > 64:
                raise Skip('compression loop')
            continue
        if n == 0:
            return labels, (end if end is not None else off + 1)
        labels.append(msg[off + 1:off + 1 + n])
        off += 1 + n


def parse_rr(msg, off):
    labels, off = read_name(msg, off)
    rtype, rclass, ttl, rdlen = struct.unpack('!HHIH', msg[off:off + 10])
    off += 10
    rdata = msg[off:off + rdlen]
    rr = {'name': b'.'.join(labels), 'type': rtype, 'class': rclass, 'ttl': ttl, 'raw': rdata}
    if rtype == 1 and rdlen == 4:
        rr['addr'] = str(ipaddress.IPv4Address(rdata))
    elif rtype == 28 and rdlen == 16:
        rr['addr'] = str(ipaddress.IPv6Address(rdata))
    elif rtype in NAME_NAMES:
        rr['target'] = b'.'.join(read_name(msg, off)[0])
    elif rtype == 15:
        rr['pref'] = struct.unpack('!H', rdata[:2])[0]
        rr['target'] = b'.'.join(read_name(msg, off + 2)[0])
    elif rtype == 33:
        rr['prio'], rr['weight'], rr['port'] = struct.unpack('!HHH', rdata[:6])
        rr['target'] = b'.'.join(read_name(msg, off + 6)[0])
    elif rtype == 16:
        strs, i = [], 0
        while i < len(rdata):
            strs.append(rdata[i + 1:i + 1 + rdata[i]])
            i += 1 + rdata[i]
        rr['strings'] = strs
    elif rtype == 6:
        mname, o = read_name(msg, off)
        rname, o = read_name(msg, o)
        rr['soa'] = (b'.'.join(mname), b'.'.join(rname)) + struct.unpack('!IIIII', msg[o:o + 20])
    return rr, off + rdlen


def parse_dns(msg):
    if len(msg) < 12:
        raise Skip('short dns')
    qid, flags, qd, an, ns, ar = struct.unpack('!HHHHHH', msg[:12])
    if qd < 1:
        raise Skip('no question')
    labels, off = read_name(msg, 12)
    qtype, qclass = struct.unpack('!HH', msg[off:off + 4])
    off += 4
    for _ in range(qd - 1):
        off = read_name(msg, off)[1] + 4
    secs = []
    for count in (an, ns, ar):
        rrs = []
        for _ in range(count):
            rr, off = parse_rr(msg, off)
            rrs.append(rr)
        secs.append(rrs)
    return {'id': qid, 'flags': flags, 'qr': flags >> 15, 'rcode': flags & 15, 'qname': b'.'.join(labels),
            'qtype': qtype, 'qclass': qclass, 'an': secs[0], 'ns': secs[1], 'ar': secs[2]}


def dns_messages(proto, payload, stats):
    """DNS messages in one UDP datagram or one TCP segment."""
    if proto == 'udp':
        return [payload]
    out, i = [], 0
    while i + 2 <= len(payload):
        n = struct.unpack('!H', payload[i:i + 2])[0]
        if i + 2 + n > len(payload):
            stats['tcp_not_reassembled'] += 1
            break
        out.append(payload[i + 2:i + 2 + n])
        i += 2 + n
    if 0 < len(payload) < 2:
        stats['tcp_not_reassembled'] += 1
    return out


# ---------------------------------------------------------------- transactions

def transactions(path):
    """Pair queries and responses by (client, server, proto, DNS id); yield txns in query order."""
    stats = {'packets': 0, 'dns_messages': 0, 'skipped': 0, 'tcp_not_reassembled': 0, 'unmatched_responses': 0}
    pending, txns, n = {}, [], 0
    for us, lt, frame in read_pcap(path):
        n += 1
        stats['packets'] += 1
        try:
            proto, src, sport, dst, dport, payload = l4(*l3_payload(lt, frame))
        except (Skip, struct.error, IndexError, ValueError):
            stats['skipped'] += 1
            continue
        if 53 not in (sport, dport) or not payload:
            continue
        for raw in dns_messages(proto, payload, stats):
            try:
                m = parse_dns(raw)
            except (Skip, struct.error, IndexError, ValueError):
                stats['skipped'] += 1
                continue
            stats['dns_messages'] += 1
            if not m['qr']:
                t = {'ts': us, 'pkt': n, 'proto': proto, 'cli': src, 'cport': sport, 'srv': dst, 'sport': dport,
                     'q': m, 'r': None}
                key = (proto, src, sport, dst, dport, m['id'])
                pending.setdefault(key, []).append(t)
                txns.append(t)
                continue
            key = (proto, dst, dport, src, sport, m['id'])
            waiting = pending.get(key)
            if not waiting:
                stats['unmatched_responses'] += 1
                continue
            t = waiting.pop(0)
            t['r'], t['rts'], t['rpkt'] = m, us, n
    return txns, stats


def flow_ids(txns):
    """Zeek uid and Suricata flow_id per txn: one flow per 5-tuple until 60 s of silence."""
    last = {}
    for t in txns:
        key = (t['proto'], t['cli'], t['cport'], t['srv'], t['sport'])
        seen = last.get(key)
        if seen is None or t['ts'] - seen[1] > ZEEK_UDP_TIMEOUT * 1e6:
            seed = repr(key + (t['ts'],)).encode()
            h = hashlib.sha256(seed).digest()
            alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
            uid = 'C' + ''.join(alphabet[b % 62] for b in h[:17])
            flow = int.from_bytes(h[17:24], 'big') & ((1 << 51) - 1)
            seen = [uid, t['ts'], flow, 0]
            last[key] = seen
        seen[1] = t.get('rts', t['ts'])
        t['uid'], t['flow'], t['tx_id'] = seen[0], seen[2], seen[3]
        seen[3] += 1


# ---------------------------------------------------------------- text escaping

def zeek_lower(b):
    return bytes(c + 32 if 65 <= c <= 90 else c for c in b)


def zeek_tsv_str(b, in_vec=False):
    if not b:
        return '(empty)'
    if b == b'-' and not in_vec:
        return '\\x2d'
    out = []
    for c in b:
        if c < 0x20 or c >= 0x7f or c == 0x5c or (in_vec and c == 0x2c):
            out.append('\\x%02x' % c)
        else:
            out.append(chr(c))
    return ''.join(out)


def utf8_len(b, i):
    """Length of a valid UTF-8 multi-byte sequence at b[i], or 0."""
    c = b[i]
    n = 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef else 4 if 0xf0 <= c <= 0xf4 else 0
    if not n or i + n > len(b):
        return 0
    try:
        b[i:i + n].decode('utf-8')
    except UnicodeDecodeError:
        return 0
    return n


def zeek_json_str(b):
    """Zeek's JSON writer: printable ASCII and valid UTF-8 as they are, other bytes as \\xNN."""
    out, i = [], 0
    while i < len(b):
        c = b[i]
        if 0x20 <= c < 0x7f:
            out.append(chr(c))
            i += 1
            continue
        n = utf8_len(b, i) if c >= 0x80 else 0
        if n:
            out.append(b[i:i + n].decode('utf-8'))
            i += n
        else:
            out.append('\\x%02x' % c)
            i += 1
    return ''.join(out)


def eve_str(b):
    """Suricata: valid UTF-8 as it is, else ASCII bytes kept and bytes above 0x7f as \\xNN."""
    try:
        return b.decode('utf-8')
    except UnicodeDecodeError:
        return ''.join(chr(c) if c < 0x80 else '\\x%02x' % c for c in b)


def type_name(t):
    return QTYPES.get(t, f'query-{t}')


# ---------------------------------------------------------------- Zeek

def zeek_answer(rr):
    """Zeek's answers entry for one answer RR, as bytes; None when Zeek logs nothing for it."""
    t = rr['type']
    if 'addr' in rr:
        return rr['addr'].encode()
    if t == 16:
        return b' '.join(b'TXT %d ' % len(s) + s for s in rr['strings'])
    if t == 6:
        return rr['soa'][0]
    if t in (64, 65):
        return None  # no script-level handler for SVCB/HTTPS
    if 'target' in rr:
        return rr['target']
    return b'<unknown type=%d>' % t


def zeek_row(t):
    """Zeek dns.log fields of one txn as a dict of Python values (None = unset)."""
    q, r = t['q'], t['r']
    answers, ttls = [], []
    if r:
        for rr in r['an']:
            a = zeek_answer(rr)
            if a is not None:
                answers.append(a)
                ttls.append(float(rr['ttl']))
    logged = bool(answers)
    rejected = bool(r) and r['rcode'] != 0 and not (r['an'] or r['ns'] or r['ar'])
    return {
        'ts': t['ts'], 'uid': t['uid'], 'id.orig_h': t['cli'], 'id.orig_p': t['cport'],
        'id.resp_h': t['srv'], 'id.resp_p': t['sport'], 'proto': t['proto'], 'trans_id': q['id'],
        'rtt': ((t['rts'] - t['ts']) / 1e6) if logged else None,
        'query': zeek_lower(q['qname']), 'qclass': q['qclass'], 'qclass_name': 'C_INTERNET' if q['qclass'] == 1
        else f"C_{q['qclass']}", 'qtype': q['qtype'], 'qtype_name': type_name(q['qtype']),
        'rcode': r['rcode'] if r else None, 'rcode_name': RCODES.get(r['rcode'], f"rcode-{r['rcode']}") if r else None,
        'AA': bool(logged and r['flags'] & 0x400), 'TC': bool(r and r['flags'] & 0x200),
        'RD': bool(q['flags'] & 0x100), 'RA': bool(logged and r['flags'] & 0x80), 'Z': 0,
        'answers': answers if logged else None, 'TTLs': ttls if logged else None, 'rejected': rejected,
    }


def zeek_write_order(txns):
    def key(t):
        return t['rts'] if t['r'] else t['ts'] + ZEEK_EXPIRE * 1e6
    return sorted(txns, key=key)


def zeek_time(us):
    return us // 1000000 + (us % 1000000) / 1e6


def tsv_value(k, v):
    if v is None:
        return '-'
    if isinstance(v, bool):
        return 'T' if v else 'F'
    if k == 'ts':
        return '%d.%06d' % (v // 1000000, v % 1000000)
    if k == 'rtt':
        return '%.6f' % v
    if k == 'answers':
        return ','.join(zeek_tsv_str(a, True) for a in v)
    if k == 'TTLs':
        return ','.join('%.6f' % x for x in v)
    if isinstance(v, bytes):
        return zeek_tsv_str(v)
    return str(v)


def write_zeek_tsv(path, txns):
    stamp = time.strftime('%Y-%m-%d-%H-%M-%S', time.gmtime(txns[0]['ts'] / 1e6 if txns else 0))
    last = max((t.get('rts', t['ts']) for t in txns), default=0)
    with open(path, 'w', encoding='ascii', newline='\n') as f:
        f.write('#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n')
        f.write(f'#open\t{stamp}\n#fields\t' + '\t'.join(ZEEK_FIELDS) + '\n#types\t' + '\t'.join(ZEEK_TYPES) + '\n')
        for t in zeek_write_order(txns):
            row = zeek_row(t)
            f.write('\t'.join(tsv_value(k, row[k]) for k in ZEEK_FIELDS) + '\n')
        f.write('#close\t' + time.strftime('%Y-%m-%d-%H-%M-%S', time.gmtime(last / 1e6)) + '\n')


def write_zeek_json(path, txns):
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        for t in zeek_write_order(txns):
            row = zeek_row(t)
            out = {}
            for k in ZEEK_FIELDS:
                v = row[k]
                if v is None:
                    continue  # the JSON writer leaves unset fields out
                if k == 'ts':
                    v = zeek_time(v)
                elif k == 'answers':
                    v = [zeek_json_str(a) for a in v]
                elif isinstance(v, bytes):
                    v = zeek_json_str(v)
                out[k] = v
            f.write(json.dumps(out, ensure_ascii=False, separators=(',', ':')) + '\n')


# ---------------------------------------------------------------- EVE

def eve_ts(us):
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(us // 1000000)) + '.%06d+0000' % (us % 1000000)


def eve_rdata(rr):
    """(key, value) of an answer's data in EVE, or None."""
    t = rr['type']
    if 'addr' in rr:
        return 'rdata', rr['addr']
    if t == 33:
        return 'srv', {'priority': rr['prio'], 'weight': rr['weight'], 'port': rr['port'],
                       'name': eve_str(rr['target'])}
    if t == 6:
        s = rr['soa']
        return 'soa', {'mname': eve_str(s[0]), 'rname': eve_str(s[1]), 'serial': s[2], 'refresh': s[3],
                       'retry': s[4], 'expire': s[5], 'minimum': s[6]}
    if t == 16:
        return 'rdata', eve_str(b''.join(rr['strings']))
    if 'target' in rr:
        return 'rdata', eve_str(rr['target'])
    if t in (64, 65):
        return None
    return 'rdata', eve_str(rr['raw'])


def eve_rr(rr):
    out = {'rrname': eve_str(rr['name']), 'rrtype': type_name(rr['type']), 'ttl': rr['ttl']}
    d = eve_rdata(rr)
    if d:
        out[d[0]] = d[1]
    return out


def eve_head(t, us, pkt):
    return {'timestamp': eve_ts(us), 'flow_id': t['flow'], 'pcap_cnt': pkt, 'event_type': 'dns',
            'src_ip': t['cli'], 'src_port': t['cport'], 'dest_ip': t['srv'], 'dest_port': t['sport'],
            'proto': t['proto'].upper()}


def eve_answer(t):
    r = t['r']
    d = {'version': 2, 'type': 'answer', 'id': r['id'], 'flags': '%x' % r['flags'], 'qr': True}
    for bit, name in ((0x400, 'aa'), (0x200, 'tc'), (0x100, 'rd'), (0x80, 'ra')):
        if r['flags'] & bit:
            d[name] = True
    d.update({'opcode': (r['flags'] >> 11) & 15, 'rrname': eve_str(r['qname']), 'rrtype': type_name(r['qtype']),
              'rcode': RCODES.get(r['rcode'], str(r['rcode']))})
    if r['an']:
        d['answers'] = [eve_rr(rr) for rr in r['an']]
        grouped = {}
        for rr in r['an']:
            v = eve_rdata(rr)
            if v:
                grouped.setdefault(type_name(rr['type']), []).append(v[1])
        d['grouped'] = grouped
    if r['ns']:
        d['authorities'] = [eve_rr(rr) for rr in r['ns']]
    return d


def write_eve(path, txns):
    recs = []
    for t in txns:
        q = t['q']
        rec = eve_head(t, t['ts'], t['pkt'])
        rec['dns'] = {'version': 2, 'type': 'query', 'id': q['id'], 'rrname': eve_str(q['qname']),
                      'rrtype': type_name(q['qtype']), 'tx_id': t['tx_id'], 'opcode': (q['flags'] >> 11) & 15}
        recs.append((t['pkt'], rec))
        if t['r']:
            rec = eve_head(t, t['rts'], t['rpkt'])
            rec['dns'] = eve_answer(t)
            recs.append((t['rpkt'], rec))
    recs.sort(key=lambda x: x[0])
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        for _, rec in recs:
            f.write(json.dumps(rec, ensure_ascii=False, separators=(',', ':')) + '\n')


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split('\n\n')[1])
    txns, stats = transactions(sys.argv[1])
    flow_ids(txns)
    prefix = sys.argv[2]
    write_zeek_tsv(prefix + '.zeek.log', txns)
    write_zeek_json(prefix + '.zeek.json', txns)
    write_eve(prefix + '.eve.json', txns)
    answered = sum(1 for t in txns if t['r'])
    print(f"pcap2logs: {sys.argv[1]}: {stats['packets']} packets, {stats['dns_messages']} DNS messages, "
          f"{len(txns)} queries ({answered} answered), {stats['unmatched_responses']} unmatched responses, "
          f"{stats['skipped']} skipped, {stats['tcp_not_reassembled']} TCP messages not reassembled",
          file=sys.stderr)


main()
