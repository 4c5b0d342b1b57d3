"""protocol_check.py: checks for python/plugins/protocol.py on hand-built flows.

Runs two ways:
  * standalone:  python3 tests/python/protocol_check.py   (exit status 0 = all passed)
  * inside tcpflow's python scanner (scan_python_test): py_module=protocol_check,
    py_function=run; run() ignores the flow's bytes and returns "ok N checks" or raises
    AssertionError naming the first failing case.
"""

import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "plugins"))

import protocol  # noqa: E402  (after the path change)


def _vector(length_bytes, body):
    return len(body).to_bytes(length_bytes, "big") + body


def _extension(kind, body):
    return struct.pack(">H", kind) + _vector(2, body)


def client_hello(sni=None, alpn=None, versions=None):
    """A TLS record holding a ClientHello with the given extensions (RFC 8446 section 4.1.2)."""
    extensions = b""
    if sni is not None:
        name = b"\x00" + _vector(2, sni.encode())
        extensions += _extension(0, _vector(2, name))
    if alpn is not None:
        extensions += _extension(16, _vector(2, b"".join(_vector(1, p.encode()) for p in alpn)))
    if versions is not None:
        extensions += _extension(43, _vector(1, b"".join(struct.pack(">H", v) for v in versions)))
    body = (
        b"\x03\x03"
        + bytes(range(32))
        + _vector(1, b"\x01" * 32)
        + _vector(2, b"\x13\x01\x13\x02\xc0\x2f")
        + _vector(1, b"\x00")
        + _vector(2, extensions)
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + _vector(2, handshake)


def server_hello(cipher, version=None):
    extensions = b""
    if version is not None:
        extensions += _extension(43, struct.pack(">H", version))
    body = b"\x03\x03" + bytes(32) + _vector(1, b"") + struct.pack(">H", cipher) + b"\x00"
    body += _vector(2, extensions)
    handshake = b"\x02" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x03" + _vector(2, handshake)


def dns_query(name, qtype):
    qname = b"".join(_vector(1, label.encode()) for label in name.split(".")) + b"\x00"
    message = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", qtype, 1)
    return _vector(2, message)


def mysql_handshake(version):
    payload = b"\x0a" + version.encode() + b"\x00" + struct.pack("<I", 8) + b"abcdefgh\x00" + bytes(20)
    return len(payload).to_bytes(3, "little") + b"\x00" + payload


def postgres_startup(user, database):
    params = b"user\x00" + user.encode() + b"\x00database\x00" + database.encode() + b"\x00\x00"
    return struct.pack(">II", 8 + len(params), 196608) + params


CASES = [
    (b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\n\r\n",
     "http request method=GET host=example.com path=/index.html"),
    (b"POST /api HTTP/1.0\r\nhost: api.example.org:8080\r\n\r\n{}",
     "http request method=POST host=api.example.org:8080 path=/api"),
    (b"GET /chat HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
     "http request method=GET host=ws.example path=/chat upgrade=websocket"),
    (b"HTTP/1.1 404 Not Found\r\nServer: Apache/2.4\r\n\r\n",
     "http response status=404 version=1.1 server=Apache/2.4"),
    (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", "http2 preface"),
    (b"OPTIONS rtsp://cam.example/stream RTSP/1.0\r\nCSeq: 1\r\n\r\n", "rtsp request method=OPTIONS"),
    (b"INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n", "sip request method=INVITE"),
    (client_hello(sni="example.com"), "tls client_hello version=1.2 sni=example.com"),
    (client_hello(sni="www.example.org", alpn=["h2", "http/1.1"], versions=[0x0A0A, 0x0304, 0x0303]),
     "tls client_hello version=1.3 sni=www.example.org alpn=h2,http/1.1"),
    (client_hello(), "tls client_hello version=1.2"),
    (server_hello(0x1301, version=0x0304), "tls server_hello version=1.3 cipher=0x1301"),
    (server_hello(0xC02F), "tls server_hello version=1.2 cipher=0xc02f"),
    (b"\x17\x03\x03\x00\x10" + bytes(16), "tls application_data version=1.2"),
    (b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n", "ssh version=2.0 software=OpenSSH_9.2p1 comment=Debian-2+deb12u1"),
    (b"SSH-1.99-Cisco-1.25\n", "ssh version=1.99 software=Cisco-1.25"),
    (b"220 mail.example.com ESMTP Postfix (Debian)\r\n", "smtp server greeting=mail.example.com ESMTP Postfix (Debian)"),
    (b"220 (vsFTPd 3.0.3)\r\n", "ftp server greeting=(vsFTPd 3.0.3)"),
    (b"220 Welcome\r\n", "smtp_or_ftp server greeting=Welcome"),
    (b"EHLO client.example\r\nMAIL FROM:<a@b>\r\n", "smtp client command=EHLO"),
    (b"SYST\r\n", "ftp client command=SYST"),
    (b"USER anonymous\r\n", "ftp_or_pop3 client command=USER"),
    (b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n",
     "pop3 server greeting=POP3 server ready <1896.697170952@dbc.mtview.ca.us>"),
    (b"CAPA\r\n", "pop3 client command=CAPA"),
    (b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n", "imap server greeting=OK [CAPABILITY IMAP4rev1] Dovecot ready."),
    (b"a001 LOGIN user pass\r\n", "imap client command=LOGIN"),
    (dns_query("example.com", 1), "dns query name=example.com type=A"),
    (dns_query("_ldap._tcp.example.com", 33), "dns query name=_ldap._tcp.example.com type=SRV"),
    (b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "redis command=SET"),
    (b"+OK\r\n", "redis reply=OK"),
    (mysql_handshake("8.0.36"), "mysql handshake version=8.0.36"),
    (postgres_startup("alice", "shop"), "postgresql startup user=alice database=shop"),
    (struct.pack(">II", 8, 80877103), "postgresql ssl_request"),
    (b"\x00\x00\x00\x54\xfeSMB" + bytes(60), "smb2"),
    (b"\x13BitTorrent protocol" + bytes(48), "bittorrent handshake"),
    (b"\x03\x00\x00\x2b\x26\xe0\x00\x00\x00\x00\x00Cookie: mstshash=user\r\n\x01\x00\x08\x00\x03\x00\x00\x00",
     "rdp connection_request"),
    (b"\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04abcd", "mqtt connect"),
    (b"\xff\xfd\x18\xff\xfd\x20", "telnet negotiation"),
    (b"<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client'>", "xmpp stream"),
    (b"", None),
    (b"hello world, nothing to see here\n", None),
    (bytes(100), None),
]


def check():
    """Runs every case; returns the number of checks, raises AssertionError on a failure."""
    count = 0
    for data, expected in CASES:
        got = protocol.detect(data)
        assert got == expected, "detect(%r) = %r, expected %r" % (data[:40], got, expected)
        count += 1
        # Every prefix of every case, and a bytearray copy: never an exception.
        for cut in range(len(data)):
            result = protocol.detect(data[:cut])
            assert result is None or isinstance(result, str), (data[:cut], result)
        assert protocol.detect(bytearray(data)) == expected
        count += 1
    generator = random.Random(1)
    for _ in range(2000):
        noise = bytes(generator.randrange(256) for _ in range(generator.randrange(64)))
        result = protocol.detect(noise)
        assert result is None or isinstance(result, str), (noise, result)
        count += 1
    return count


def run(data):
    """Entry point for the python scanner: ignores the flow's bytes."""
    del data
    return "ok %d checks" % check()


if __name__ == "__main__":
    print("ok %d checks" % check())
