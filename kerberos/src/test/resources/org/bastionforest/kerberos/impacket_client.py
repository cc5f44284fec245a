"""A Windows-like Kerberos client (impacket): AS-REQ with PA-PAC-REQUEST, then a TGS-REQ.

usage: impacket_client.py PORT REALM USER PASSWORD SPN
Prints "TGT <etype>" and "TGS <etype>" on success, "ERROR <code>" on a KRB-ERROR.
"""
import socket
import sys

PORT = int(sys.argv[1])
_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, port, *args, **kwargs):
    # impacket always connects to port 88
    return _real_getaddrinfo(host, PORT if port == 88 else port, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo

from impacket.krb5 import constants  # noqa: E402
from impacket.krb5.kerberosv5 import KerberosError, getKerberosTGS, getKerberosTGT  # noqa: E402
from impacket.krb5.types import Principal  # noqa: E402

realm, user, password, spn = sys.argv[2:6]
try:
    client = Principal(user, type=constants.PrincipalNameType.NT_PRINCIPAL.value)
    tgt, cipher, _, session_key = getKerberosTGT(
        client, password, realm, "", "", kdcHost="127.0.0.1"
    )
    print("TGT", cipher.enctype)
    server = Principal(spn, type=constants.PrincipalNameType.NT_SRV_INST.value)
    tgs, cipher, _, _ = getKerberosTGS(server, realm, "127.0.0.1", tgt, cipher, session_key)
    print("TGS", cipher.enctype)
except KerberosError as e:
    print("ERROR", e.getErrorCode())
    sys.exit(3)
