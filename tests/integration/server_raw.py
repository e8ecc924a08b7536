"""Raw-socket checks of `vouch serve` (what curl cannot send): limits,
malformed requests, slowloris, pipelining, abrupt disconnects, and a soak of
10,000 sequential connections watching the server's descriptors and memory.

Usage: server_raw.py limits PORT PID ATTEST_BODY_FILE
       server_raw.py soak PORT PID ATTEST_BODY_FILE CONNECTIONS
Prints one "ok: ..." or "FAIL: ..." line per check; exits 1 on any failure.
"""
import socket
import struct
import sys
import time

PORT = int(sys.argv[2])
PID = int(sys.argv[3])
BODY = open(sys.argv[4], "rb").read()
failures = 0


def check(what, cond, detail=""):
    global failures
    if cond:
        print(f"ok: {what}")
    else:
        failures += 1
        print(f"FAIL: {what} {detail}", file=sys.stderr)


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, timeout=5.0):
    """Everything until EOF (or the timeout)."""
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def exchange(data, timeout=5.0):
    s = connect()
    s.sendall(data)
    out = read_all(s, timeout)
    s.close()
    return out


def responses(data):
    """Split a byte stream into (status, headers dict, body) responses."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower().decode()] = v.strip().decode()
        n = int(headers.get("content-length", "0"))
        if status == 100:
            n = 0
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out


def statuses(data):
    return [r[0] for r in responses(data)]


def get(path, extra=b"", close=True):
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + extra +
            (b"Connection: close\r\n" if close else b"") + b"\r\n")


def attest(close=False):
    return (b"POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\nHost: t\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(BODY) +
            (b"Connection: close\r\n" if close else b"") + b"\r\n" + BODY)


def rst_close(s):
    """Close with a reset (SO_LINGER 0): an abrupt disconnect."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def healthy():
    r = responses(exchange(get("/healthz")))
    return len(r) == 1 and r[0][0] == 200 and r[0][2] == b"ok\n"


def fds():
    import os
    return len(os.listdir(f"/proc/{PID}/fd"))


def rss_kib():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def limits():
    # Header limits (the server runs with --max-header-bytes 4096 --max-headers 16).
    r = responses(exchange(get("/healthz", b"X-Big: " + b"a" * 5000 + b"\r\n")))
    check("header bytes over the limit: 431 and close",
          [x[0] for x in r] == [431] and r[0][1].get("connection") == "close", r)
    r = statuses(exchange(get("/healthz", b"".join(b"X-%d: v\r\n" % i for i in range(20)))))
    check("header count over the limit: 431", r == [431], r)
    r = statuses(exchange(b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"))
    check("a request target over the header limit: 431", r == [431], r)
    # Body limits (--max-body-bytes 65536): refused from Content-Length before
    # the body is sent, and while reading a chunked body.
    s = connect()
    s.sendall(b"POST /attest/SgxEnclave HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
    r = responses(read_all(s))
    s.close()
    check("Content-Length over the body limit: 413 before the body", [x[0] for x in r] == [413], r)
    chunk = b"a" * 30000
    r = statuses(exchange(b"POST /attest/SgxEnclave HTTP/1.1\r\nHost: t\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n" +
                          (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 3 + b"0\r\n\r\n"))
    check("a chunked body over the limit: 413", r == [413], r)
    # Malformed requests: 400 and close.
    for what, data in [("malformed request line", b"GET /healthz HTTP/1.1 extra\r\n\r\n"),
                       ("invalid method", b"G@T /healthz HTTP/1.1\r\nHost: t\r\n\r\n"),
                       ("garbage", b"\x00\x01\x02\r\n\r\n"),
                       ("bad chunked encoding", b"POST /attest/SgxEnclave HTTP/1.1\r\nHost: t\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
                       ("Content-Length and chunked both", b"POST /attest/SgxEnclave HTTP/1.1\r\n"
                        b"Host: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"3\r\nabc\r\n0\r\n\r\n"),
                       ("a header line without a colon", b"GET /healthz HTTP/1.1\r\nHost: t\r\n"
                        b"NoColon\r\n\r\n"),
                       ("a bare LF inside the request line", b"GET /he\nalthz HTTP/1.1\r\n\r\n")]:
        r = responses(exchange(data))
        check(f"{what}: 400 and close", [x[0] for x in r] == [400] and
              r[0][1].get("connection") == "close", r)
    r = statuses(exchange(b"GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n"))
    check("HTTP/2.0 on the HTTP/1.1 port: 505", r == [505], r)
    # Slowloris: headers one byte at a time; --header-timeout 1.
    s = connect()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
    t0 = time.time()
    got = b""
    s.settimeout(0.2)
    while time.time() - t0 < 4:
        try:
            s.send(b"X")
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            d = s.recv(4096)
            if not d:
                break
            got += d
        except socket.timeout:
            pass
    got += read_all(s, 1)
    s.close()
    waited = time.time() - t0
    r = statuses(got)
    check(f"slowloris headers: 408 after the header timeout ({waited:.1f} s), then close",
          r == [408] and waited < 3.5, r)
    # Slow body: --body-timeout 1.
    s = connect()
    s.sendall(b"POST /attest/SgxEnclave HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{")
    t0 = time.time()
    r = statuses(read_all(s, 5))
    s.close()
    check(f"a body that stalls: 408 after the body timeout ({time.time() - t0:.1f} s)", r == [408], r)
    # A connection that sends nothing is closed (no response) after the header timeout.
    s = connect()
    t0 = time.time()
    out = read_all(s, 5)
    s.close()
    check(f"a silent connection is closed after the header timeout ({time.time() - t0:.1f} s)",
          out == b"" and time.time() - t0 < 4, out[:100])
    # Pipelining: three requests in one write, answered in order.
    r = responses(exchange(get("/healthz", close=False) + attest() + get("/nope")))
    check("pipelining: 3 requests on one connection answered in order",
          [x[0] for x in r] == [200, 200, 404] and r[0][2] == b"ok\n" and
          r[1][2].startswith(b'{"token":"ey'), [x[0] for x in r])
    ids = [x[1].get("x-ms-request-id") for x in r]
    check("every response has its own x-ms-request-id", len(set(ids)) == 3 and None not in ids, ids)
    # More than --max-pipeline 4 at once: the rest waits in the buffer, all answered.
    r = statuses(exchange(get("/healthz", close=False) * 9 + get("/nope")))
    check("a pipeline deeper than --max-pipeline: all 10 answered in order", r == [200] * 9 + [404], r)
    # --max-requests-per-connection 50: the 50th response closes.
    r = responses(exchange(get("/healthz", close=False) * 60))
    check("--max-requests-per-connection: 50 answered, the last with Connection: close",
          len(r) == 50 and r[-1][1].get("connection") == "close", len(r))
    # --max-in-flight 1: a second attest while one is in the engine gets 503 + Retry-After.
    r = responses(exchange(attest() + attest(close=True)))
    check("over --max-in-flight: 503 with Retry-After: 1",
          [x[0] for x in r] == [200, 503] and r[1][1].get("retry-after") == "1",
          [(x[0], x[1].get("retry-after")) for x in r])
    # HEAD, HTTP/1.0, Expect: 100-continue.
    r = responses(exchange(b"HEAD /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))
    check("HEAD: headers only", len(r) == 1 and r[0][0] == 200 and r[0][2] == b"" and
          r[0][1].get("content-length") == "3", r)
    out = exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
    check("HTTP/1.0 without keep-alive: answered, then closed", statuses(out) == [200], out[:100])
    s = connect()
    s.sendall(b"POST /attest/SgxEnclave HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n"
              b"Expect: 100-continue\r\nConnection: close\r\n\r\n" % len(BODY))
    s.settimeout(5)
    interim = s.recv(4096)
    s.sendall(BODY)
    r = statuses(interim + read_all(s))
    s.close()
    check("Expect: 100-continue gets 100 Continue, then the answer", r == [100, 200], r)
    # Over --max-connections 4: 503 with Retry-After, then close.
    held = []
    for _ in range(4):
        s = connect()
        s.sendall(get("/healthz", close=False))
        s.settimeout(5)
        s.recv(4096)
        held.append(s)
    r = responses(exchange(get("/healthz")))
    check("over --max-connections: 503 with Retry-After",
          [x[0] for x in r] == [503] and "retry-after" in r[0][1], r)
    for s in held:
        s.close()
    time.sleep(0.3)
    check("connections below the limit again: served", healthy())
    # Abrupt disconnects: mid-request, mid-response, with a pipeline unread.
    s = connect()
    s.sendall(attest()[:len(attest()) // 2])
    time.sleep(0.05)
    rst_close(s)
    s = connect()
    s.sendall(attest())
    rst_close(s)
    s = connect()
    s.sendall((get("/metrics", close=False)) * 4)
    time.sleep(0.05)
    rst_close(s)
    # Mid-response: a client with a tiny receive window stops reading after
    # a few bytes of a long pipelined answer, then resets; the server's
    # send fails part way.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.connect(("127.0.0.1", PORT))
    s.sendall(get("/metrics", close=False) * 12)
    s.settimeout(5)
    s.recv(1000)
    time.sleep(0.2)
    rst_close(s)
    s = connect()
    s.sendall(attest())
    s.shutdown(socket.SHUT_WR)  # a half-close: the response must still come
    r = statuses(read_all(s))
    s.close()
    check("a client that half-closes after its request still gets the response", r == [200], r)
    time.sleep(0.3)
    check("after abrupt disconnects mid-request and mid-response the server keeps serving",
          healthy() and statuses(exchange(attest(close=True))) == [200])


def soak(n):
    def one(i):
        s = connect()
        if i % 10 == 0:
            s.sendall(attest(close=True))
        else:
            s.sendall(get("/healthz"))
        out = read_all(s)
        s.close()
        return statuses(out)
    for i in range(500):  # warm up: caches, allocator arenas
        one(i)
    time.sleep(0.3)
    fd0, rss0 = fds(), rss_kib()
    t0 = time.time()
    bad = 0
    for i in range(n):
        r = one(i)
        if r != [200]:
            bad += 1
    secs = time.time() - t0
    time.sleep(0.5)
    fd1, rss1 = fds(), rss_kib()
    check(f"{n} sequential connections in {secs:.1f} s, every one answered 200", bad == 0,
          f"{bad} failed")
    check(f"descriptors before/after: {fd0}/{fd1}", fd1 <= fd0 + 2)
    check(f"RSS before/after: {rss0}/{rss1} KiB (slack 4 MiB)", rss1 <= rss0 + 4096)


if sys.argv[1] == "limits":
    limits()
else:
    soak(int(sys.argv[5]))
sys.exit(1 if failures else 0)
