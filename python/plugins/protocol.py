"""protocol.py: a tcpflow python plugin that names the application protocol of each flow.

Run it with:

    tcpflow -r capture.pcap -o out -e python \
        -S py_path=python/plugins -S py_module=protocol -S py_function=detect

detect(data) looks at the first bytes of one flow direction and returns one line such as

    tls client_hello version=1.2 sni=example.com alpn=h2,http/1.1
    tls server_hello version=1.3 cipher=0x1301
    http request method=GET host=example.com path=/index.html
    http response status=200 version=1.1
    ssh version=2.0 software=OpenSSH_9.2p1
    smtp server greeting=mail.example.com ESMTP Postfix
    dns query name=example.com type=A
    mysql handshake version=8.0.36
    redis command=SET

or None (no element in the report) when it recognises nothing.  It knows: TLS (SNI, ALPN and
version from the ClientHello/ServerHello; RFC 8446, RFC 6066, RFC 7301), HTTP/1.x requests and
responses (RFC 9112), the HTTP/2 connection preface (RFC 9113), SSH (RFC 4253 section 4.2),
SMTP, FTP, POP3 and IMAP greetings and client commands (RFC 5321, 959, 1939, 9051), DNS over
TCP (RFC 1035 section 4.2.2), Redis (RESP), the MySQL server handshake, PostgreSQL start-up,
SMB 1/2 (over NetBIOS session framing), TPKT/RDP, BitTorrent, MQTT, RTSP, SIP, XMPP and Telnet
negotiation.  Only the first bytes are looked at, and every length is checked against the
data, so a truncated or hostile flow gives a shorter answer or None, never an exception.

The checks can be run without tcpflow:  python3 tests/python/protocol_check.py
"""

import struct

# --------------------------------------------------------------------------------------------
# Small helpers


def _text(raw, limit=80):
    """Bytes as printable ASCII (others as '?'), cut to `limit` characters."""
    return "".join(chr(b) if 0x21 <= b < 0x7F or b == 0x20 else "?" for b in raw[:limit]).strip()


def _first_line(data, limit=512):
    """The first line (without CR LF), or None when there is no line end in the first bytes."""
    end = data.find(b"\n", 0, limit)
    if end < 0:
        return None
    return data[:end].rstrip(b"\r")


def _is_token(raw):
    return len(raw) > 0 and all(0x21 <= b < 0x7F for b in raw)


# --------------------------------------------------------------------------------------------
# TLS (RFC 8446 section 4, RFC 5246 section 7.4)

_TLS_VERSIONS = {0x0300: "ssl3", 0x0301: "1.0", 0x0302: "1.1", 0x0303: "1.2", 0x0304: "1.3"}
_TLS_CONTENT = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}


class _Reader:
    """Bounds-checked big-endian reader: every read past the end raises ValueError."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def left(self):
        return len(self.data) - self.pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u24(self):
        return int.from_bytes(self.take(3), "big")

    def vector(self, length_bytes):
        n = int.from_bytes(self.take(length_bytes), "big")
        return _Reader(self.take(n))


def _tls_extensions(reader):
    """{type: body bytes} for the extensions block at `reader`, or {} when there is none."""
    extensions = {}
    if reader.left() < 2:
        return extensions
    block = reader.vector(2)
    while block.left() >= 4:
        kind = block.u16()
        extensions[kind] = block.vector(2).data
    return extensions


def _tls_sni(body):
    names = _Reader(body).vector(2)
    while names.left() >= 3:
        kind = names.u8()
        name = names.vector(2).data
        if kind == 0:  # host_name
            return _text(name, 255)
    return None


def _tls_alpn(body):
    protocols = _Reader(body).vector(2)
    out = []
    while protocols.left() >= 1:
        out.append(_text(protocols.vector(1).data, 40))
    return ",".join(out)


def _tls_supported_version(body, in_client_hello):
    reader = _Reader(body)
    if in_client_hello:
        versions = reader.vector(1)
        best = 0
        while versions.left() >= 2:
            v = versions.u16()
            if v in _TLS_VERSIONS:  # skips GREASE values
                best = max(best, v)
        return best
    return reader.u16()


def _tls(data):
    if len(data) < 5 or data[0] not in _TLS_CONTENT or data[1] != 3 or data[2] > 4:
        return None
    record_version = struct.unpack(">H", data[1:3])[0]
    if data[0] != 22 or len(data) < 9:
        return "tls %s version=%s" % (_TLS_CONTENT[data[0]], _TLS_VERSIONS[record_version])
    # The first handshake message may run over several records; join the fragments we have.
    fragments = []
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 22:
        length = struct.unpack(">H", data[pos + 3 : pos + 5])[0]
        fragments.append(data[pos + 5 : pos + 5 + length])
        pos += 5 + length
    handshake = _Reader(b"".join(fragments))
    if handshake.left() < 1:
        return "tls handshake"
    kind = handshake.u8()
    if kind not in (1, 2):
        return "tls handshake type=%d" % kind
    words = ["tls", "client_hello" if kind == 1 else "server_hello"]
    try:
        body = _Reader(handshake.take(min(handshake.u24(), handshake.left())))
        legacy_version = body.u16()
        body.take(32)  # random
        body.vector(1)  # session id
        if kind == 1:
            body.vector(2)  # cipher suites
            body.vector(1)  # compression methods
            cipher = None
        else:
            cipher = body.u16()
            body.u8()  # compression method
        extensions = _tls_extensions(body)
    except ValueError:
        words.append("truncated")
        return " ".join(words)
    version = legacy_version
    if 43 in extensions:  # supported_versions
        try:
            version = _tls_supported_version(extensions[43], kind == 1) or version
        except ValueError:
            pass
    words.append("version=%s" % _TLS_VERSIONS.get(version, "0x%04x" % version))
    if cipher is not None:
        words.append("cipher=0x%04x" % cipher)
    for kind_id, name, parse in ((0, "sni", _tls_sni), (16, "alpn", _tls_alpn)):
        if kind_id in extensions:
            try:
                value = parse(extensions[kind_id])
            except ValueError:
                value = None
            if value:
                words.append("%s=%s" % (name, value))
    return " ".join(words)


# --------------------------------------------------------------------------------------------
# Text protocols

_HTTP_METHODS = (
    b"GET", b"POST", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"CONNECT", b"TRACE",
    b"PROPFIND", b"PROPPATCH", b"MKCOL", b"COPY", b"MOVE", b"LOCK", b"UNLOCK", b"REPORT",
)


def _headers(data, limit=8192):
    """{lower-case name: value} of the header lines after the first line (first value wins)."""
    end = data.find(b"\r\n\r\n", 0, limit)
    block = data[: end if end >= 0 else limit]
    out = {}
    for line in block.split(b"\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon and _is_token(name):
            out.setdefault(name.lower().decode("ascii"), _text(value.strip(), 120))
    return out


def _http(data, line):
    if data.startswith(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"):
        return "http2 preface"
    parts = line.split(b" ")
    if line.startswith(b"HTTP/1.") and len(parts) >= 2 and parts[1].isdigit():
        words = ["http", "response", "status=%s" % _text(parts[1]), "version=%s" % _text(parts[0][5:])]
        headers = _headers(data)
        if "server" in headers:
            words.append("server=%s" % headers["server"].replace(" ", "_"))
        if headers.get("upgrade", "").lower() == "websocket":
            words.append("upgrade=websocket")
        return " ".join(words)
    if len(parts) == 3 and parts[2].startswith(b"HTTP/1.") and parts[0] in _HTTP_METHODS:
        words = ["http", "request", "method=%s" % _text(parts[0])]
        headers = _headers(data)
        if "host" in headers:
            words.append("host=%s" % headers["host"].replace(" ", ""))
        words.append("path=%s" % _text(parts[1], 200))
        if headers.get("upgrade", "").lower() == "websocket":
            words.append("upgrade=websocket")
        return " ".join(words)
    if len(parts) == 3 and parts[2].startswith(b"RTSP/1."):
        return "rtsp request method=%s" % _text(parts[0])
    if line.startswith(b"RTSP/1.") and len(parts) >= 2:
        return "rtsp response status=%s" % _text(parts[1])
    if len(parts) == 3 and parts[2] == b"SIP/2.0":
        return "sip request method=%s" % _text(parts[0])
    if line.startswith(b"SIP/2.0 ") and len(parts) >= 2:
        return "sip response status=%s" % _text(parts[1])
    return None


def _ssh(line):
    if not line.startswith(b"SSH-"):
        return None
    version, _, rest = line[4:].partition(b"-")
    software, _, comment = rest.partition(b" ")
    words = ["ssh", "version=%s" % _text(version), "software=%s" % _text(software)]
    if comment:
        words.append("comment=%s" % _text(comment).replace(" ", "_"))
    return " ".join(words)


_SMTP_CLIENT = (b"EHLO", b"HELO", b"MAIL FROM:", b"STARTTLS")
_FTP_CLIENT = (b"SYST", b"FEAT", b"PASV", b"EPSV", b"RETR ", b"STOR ", b"CWD ", b"TYPE ", b"AUTH TLS")
_POP3_CLIENT = (b"CAPA", b"STLS", b"APOP ", b"UIDL", b"STAT")
_IMAP_COMMANDS = (b"CAPABILITY", b"LOGIN", b"STARTTLS", b"AUTHENTICATE", b"SELECT", b"NOOP", b"ID")


def _mail_and_files(data, line):
    """SMTP, FTP, POP3, IMAP: server greetings and client commands."""
    upper = line.upper()
    if line.startswith(b"220 ") or line.startswith(b"220-"):
        greeting = _text(line[4:])
        if b"SMTP" in upper or b"MAIL" in upper or b"POSTFIX" in upper or b"EXIM" in upper:
            return "smtp server greeting=%s" % greeting
        if b"FTP" in upper:
            return "ftp server greeting=%s" % greeting
        # A bare 220: SMTP and FTP both use it; FTP servers usually answer a USER next.
        return "smtp_or_ftp server greeting=%s" % greeting
    if line.startswith(b"+OK "):  # a bare "+OK" is more likely a Redis reply
        return "pop3 server greeting=%s" % _text(line[4:])
    if line.startswith(b"* OK") or line.startswith(b"* PREAUTH"):
        return "imap server greeting=%s" % _text(line[2:])
    if upper.startswith(_SMTP_CLIENT):
        return "smtp client command=%s" % _text(upper.split(b" ")[0])
    if upper.startswith(_FTP_CLIENT):
        return "ftp client command=%s" % _text(upper.split(b" ")[0])
    if upper.startswith(_POP3_CLIENT):
        return "pop3 client command=%s" % _text(upper.split(b" ")[0])
    if upper.startswith(b"USER "):
        # FTP and POP3 both log in with USER/PASS.
        return "ftp_or_pop3 client command=USER"
    tag, _, rest = line.partition(b" ")
    if _is_token(tag) and len(tag) <= 20 and rest.upper().split(b" ")[0] in _IMAP_COMMANDS:
        return "imap client command=%s" % _text(rest.upper().split(b" ")[0])
    return None


# --------------------------------------------------------------------------------------------
# Binary protocols

_DNS_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
              33: "SRV", 65: "HTTPS", 252: "AXFR", 251: "IXFR", 255: "ANY"}


def _dns(data):
    """DNS over TCP: a 2-byte length, then the message (RFC 1035 section 4.2.2)."""
    if len(data) < 2 + 12 + 5:
        return None
    length = struct.unpack(">H", data[:2])[0]
    if length < 12 + 5:
        return None
    _, flags, qdcount, ancount, nscount, arcount = struct.unpack(">HHHHHH", data[2:14])
    opcode = (flags >> 11) & 0xF
    if qdcount != 1 or opcode > 6 or (flags & 0x0040) or max(ancount, nscount, arcount) > 1000:
        return None
    labels = []
    pos = 14
    end = min(len(data), 2 + length)
    while True:
        if pos >= end:
            return None
        n = data[pos]
        pos += 1
        if n == 0:
            break
        if n > 63 or pos + n > end:
            return None
        label = data[pos : pos + n]
        if not all(0x21 <= b < 0x7F for b in label):
            return None
        labels.append(label.decode("ascii"))
        pos += n
        if len(labels) > 127:
            return None
    if pos + 4 > end:
        return None
    qtype, qclass = struct.unpack(">HH", data[pos : pos + 4])
    if qclass not in (1, 3, 4, 255):
        return None
    kind = "response" if flags & 0x8000 else "query"
    return "dns %s name=%s type=%s" % (kind, ".".join(labels) or ".", _DNS_TYPES.get(qtype, qtype))


def _redis(data, line):
    if line is None:
        return None
    if data[:1] == b"*" and line[1:].isdigit():
        parts = data.split(b"\r\n", 4)
        if len(parts) >= 3 and parts[1][:1] == b"$" and parts[1][1:].isdigit():
            return "redis command=%s" % _text(parts[2].upper(), 40)
        return "redis"
    if line in (b"+OK", b"+PONG", b"+QUEUED") or line.startswith(b"-ERR ") or line.startswith(b"-WRONGTYPE"):
        return "redis reply=%s" % _text(line[1:].split(b" ")[0])
    if data[:1] == b"$" and line[1:].lstrip(b"-").isdigit():
        return "redis reply=bulk"
    return None


def _mysql(data):
    """The server's Handshake V10 packet: 3-byte length, sequence 0, protocol 10, version\\0."""
    if len(data) < 6 or data[3] != 0 or data[4] != 10:
        return None
    length = int.from_bytes(data[:3], "little")
    if length < 20 or length > 1024:
        return None
    end = data.find(b"\0", 5, min(len(data), 4 + length))
    if end < 0:
        return None
    version = data[5:end]
    if not version[:1].isdigit() or not _is_token(version):
        return None
    return "mysql handshake version=%s" % _text(version)


def _postgres(data):
    if len(data) < 8:
        return None
    length, code = struct.unpack(">II", data[:8])
    if code == 80877103 and length == 8:
        return "postgresql ssl_request"
    if code == 196608 and 8 < length < 10000:  # protocol 3.0 start-up message
        fields = data[8:length].split(b"\0")
        params = dict(zip(fields[0::2], fields[1::2]))
        words = ["postgresql", "startup"]
        for key in (b"user", b"database"):
            if params.get(key):
                words.append("%s=%s" % (key.decode(), _text(params[key])))
        return " ".join(words)
    return None


def _binary_misc(data):
    if len(data) >= 8 and data[0] == 0 and data[4:8] in (b"\xffSMB", b"\xfeSMB"):
        return "smb%s" % ("1" if data[4] == 0xFF else "2")
    if data.startswith(b"\x13BitTorrent protocol"):
        return "bittorrent handshake"
    if len(data) >= 11 and data[0] == 3 and data[1] == 0 and data[5] in (0xE0, 0xD0):
        tpkt_length = struct.unpack(">H", data[2:4])[0]
        if tpkt_length >= 11:
            if b"Cookie: mstshash=" in data[:tpkt_length] or data[5] == 0xD0:
                return "rdp connection_%s" % ("request" if data[5] == 0xE0 else "confirm")
            return "tpkt x224 connection_request"
    if len(data) >= 10 and data[0] == 0x10 and data[2:4] == b"\x00\x04" and data[4:8] == b"MQTT":
        return "mqtt connect"
    if len(data) >= 3 and data[0] == 0xFF and data[1] in (0xFB, 0xFC, 0xFD, 0xFE):
        return "telnet negotiation"
    if data.lstrip().startswith(b"<?xml") or data.lstrip().startswith(b"<stream:stream"):
        if b"jabber:client" in data[:1024] or b"jabber:server" in data[:1024]:
            return "xmpp stream"
    return None


# --------------------------------------------------------------------------------------------
# The plugin function


def detect(data):
    """Name the protocol of one flow direction from its first bytes; None if unknown."""
    if not data:
        return None
    head = bytes(data[:65536])
    line = _first_line(head)
    checks = [lambda: _tls(head)]
    if line is not None:
        checks += [lambda: _http(head, line), lambda: _ssh(line), lambda: _mail_and_files(head, line)]
    checks += [lambda: _mysql(head), lambda: _postgres(head), lambda: _dns(head)]
    checks += [lambda: _binary_misc(head), lambda: _redis(head, line)]
    for check in checks:
        try:
            answer = check()
        except (ValueError, IndexError, struct.error):
            answer = None  # a check that ran off malformed data: not this protocol
        if answer:
            return answer
    return None
