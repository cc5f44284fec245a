#!/usr/bin/python3
"""Independent MS-PAC decoder for PacImpacketIT: decodes a PAC with impacket (not our code).

stdin: JSON {"pac": hex, "serverKey": {"etype": n, "key": hex}, "kdcKey": {...}} (keys optional)
stdout: JSON with the decoded values and whether impacket's crypto verifies each signature.
"""
import json
import sys

from impacket.krb5.crypto import Key, _checksum_table
from impacket.krb5.pac import (PAC_CLIENT_INFO, PAC_INFO_BUFFER, PAC_SIGNATURE_DATA, PACTYPE,
                               UPN_DNS_INFO, VALIDATION_INFO)

KERB_NON_KERB_CKSUM_SALT = 17


def filetime(ft):
    return (ft['dwHighDateTime'] << 32) | ft['dwLowDateTime']


def ustr(s):
    # impacket's RPC_UNICODE_STRING item reads back as str; a null pointer is not a str.
    return s if isinstance(s, str) else ''


def main():
    req = json.load(sys.stdin)
    pac = bytes.fromhex(req['pac'])
    pactype = PACTYPE(pac)
    out = {'cBuffers': pactype['cBuffers'], 'version': pactype['Version'], 'buffers': []}
    buffers = pactype['Buffers']
    sig_pos = {}
    for i in range(pactype['cBuffers']):
        info = PAC_INFO_BUFFER(buffers[16 * i:16 * (i + 1)])
        t, size, off = info['ulType'], info['cbBufferSize'], info['Offset']
        data = pac[off:off + size]
        out['buffers'].append({'type': t, 'size': size, 'offset': off})
        if t == 1:
            vi = VALIDATION_INFO()
            vi.fromString(data)  # the headers and the top-level pointer
            vi.fromStringReferents(data, len(vi.getData()))  # the structure and its pointees
            d = vi['Data']
            out['logonInfo'] = {
                'effectiveName': ustr(d['EffectiveName']),
                'fullName': ustr(d['FullName']),
                'logonDomainName': ustr(d['LogonDomainName']),
                'logonDomainId': d['LogonDomainId'].formatCanonical(),
                'userId': d['UserId'],
                'primaryGroupId': d['PrimaryGroupId'],
                'groupIds': [g['RelativeId'] for g in d['GroupIds']],
                'groupAttributes': [g['Attributes'] for g in d['GroupIds']],
                'userFlags': d['UserFlags'],
                'sidCount': d['SidCount'],
                'extraSids': [e['Sid'].formatCanonical() for e in d['ExtraSids']],
                'extraSidAttributes': [e['Attributes'] for e in d['ExtraSids']],
                'logonTime': filetime(d['LogonTime']),
                'logoffTime': filetime(d['LogoffTime']),
                'kickOffTime': filetime(d['KickOffTime']),
                'passwordMustChange': filetime(d['PasswordMustChange']),
            }
        elif t == 10:
            ci = PAC_CLIENT_INFO(data)
            out['clientInfo'] = {
                'clientId': ci['ClientId'],
                'name': ci['Name'][:ci['NameLength']].decode('utf-16-le'),
            }
        elif t == 12:
            u = UPN_DNS_INFO(data)
            out['upnDnsInfo'] = {
                'upn': data[u['UpnOffset']:u['UpnOffset'] + u['UpnLength']].decode('utf-16-le'),
                'dnsDomainName': data[u['DnsDomainNameOffset']:u['DnsDomainNameOffset']
                                      + u['DnsDomainNameLength']].decode('utf-16-le'),
                'flags': u['Flags'],
            }
        elif t in (6, 7):
            s = PAC_SIGNATURE_DATA(data)
            ctype = s['SignatureType']
            if ctype >= 1 << 31:  # read as unsigned: make it signed, as in Kerberos (-138)
                ctype -= 1 << 32
            siglen = 16 if ctype == -138 else 12
            sig = data[4:4 + siglen]
            name = 'serverChecksum' if t == 6 else 'kdcChecksum'
            out[name] = {'type': ctype, 'signature': sig.hex()}
            sig_pos[t] = (off + 4, siglen, out[name]['type'], sig)

    if 'serverKey' in req and 6 in sig_pos and 7 in sig_pos:
        zeroed = bytearray(pac)
        for t in (6, 7):
            start, n, _, _ = sig_pos[t]
            zeroed[start:start + n] = b'\0' * n
        k = Key(req['serverKey']['etype'], bytes.fromhex(req['serverKey']['key']))
        _, _, ctype, sig = sig_pos[6]
        try:
            expected = _checksum_table[ctype].checksum(k, KERB_NON_KERB_CKSUM_SALT, bytes(zeroed))
            out['serverChecksum']['verifies'] = expected == sig
        except Exception as e:  # noqa: BLE001 - report, the Java test asserts
            out['serverChecksum']['verifies'] = False
            out['serverChecksum']['error'] = repr(e)
    if 'kdcKey' in req and 6 in sig_pos and 7 in sig_pos:
        k = Key(req['kdcKey']['etype'], bytes.fromhex(req['kdcKey']['key']))
        _, _, ctype, sig = sig_pos[7]
        server_sig = sig_pos[6][3]
        expected = _checksum_table[ctype].checksum(k, KERB_NON_KERB_CKSUM_SALT, server_sig)
        out['kdcChecksum']['verifies'] = expected == sig
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
