#!/usr/bin/python3
"""A tiny HTTP/1.1 stub target for `vouch loadgen` tests (stdlib only).

It answers every POST (POST /attest/SgxEnclave, or any path for --tokens)
with 200 {"token": "x"} after --delay-ms, keeps connections alive, and can
misbehave on a schedule so tests know exactly what loadgen must count:

  --plan N:ACTION,...   request number i (1-based, POSTs only) gets the
                        ACTION of the first rule whose N divides i:
      400       400 {"error":{"code":"PolicyEvaluationError",...}} with
                x-ms-error-code (as Azure Attestation answers a deny)
      400body   400 with the code only in the JSON body
      404       404, no error code
      500       500 InternalError
      503       503 with Retry-After: 1 (overload)
      503nr     503 without Retry-After
      close     read the request, close without a response
      reset     read the request, reset the connection
      garbage   answer "garbage" and close
      notoken   200 {"ok": true} (no token)
      chunked   200 with a chunked body
      continue  100 Continue, then 200
      http10    200 as HTTP/1.0 without keep-alive, then close
  --stall-after N --stall-ms MS
                        when request N arrives, stop answering anything for
                        MS milliseconds (N included)
  --save-bodies FILE    append each POST body, one per line
GET /__stats returns {"requests", "by_action": {...}, "bad_body"} (not counted).
The port (--port 0 picks one) is printed as "port N" on stdout.
"""
import argparse
import asyncio
import json
import signal
import sys
import time

STATS = {"requests": 0, "by_action": {}, "bad_body": 0}


def parse_plan(text):
    rules = []
    for item in filter(None, (text or "").split(",")):
        n, _, action = item.partition(":")
        rules.append((int(n), action))
    return rules


def response(status, reason, body, extra=b"", version=b"HTTP/1.1"):
    return (version + b" %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            % (status, reason, len(body)) + extra + b"\r\n" + body)


OK = response(200, b"OK", b'{"token": "x"}')
ERR400 = response(400, b"Bad Request",
                  b'{"error":{"code":"PolicyEvaluationError","message":"denied"}}',
                  b"x-ms-error-code: PolicyEvaluationError\r\n")
ERR400_BODY = response(400, b"Bad Request",
                       b'{"error":{"code":"InvalidParameter","message":"bad quote"}}')
ERR404 = response(404, b"Not Found", b"")
ERR500 = response(500, b"Internal Server Error",
                  b'{"error":{"code":"InternalError","message":"oops"}}',
                  b"x-ms-error-code: InternalError\r\n")
ERR503 = response(503, b"Service Unavailable",
                  b'{"error":{"code":"ServiceUnavailable","message":"busy"}}',
                  b"x-ms-error-code: ServiceUnavailable\r\nRetry-After: 1\r\n")
ERR503NR = response(503, b"Service Unavailable", b"")
NOTOKEN = response(200, b"OK", b'{"ok": true}')
CHUNKED = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"tok\r\n9;ext=1\r\nen\": \"x\"}\r\n0\r\n\r\n")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n" + OK
HTTP10 = response(200, b"OK", b'{"token": "x"}', version=b"HTTP/1.0")


class Stub:
    def __init__(self, args):
        self.delay = args.delay_ms / 1000.0
        self.plan = parse_plan(args.plan)
        self.stall_after = args.stall_after
        self.stall_s = args.stall_ms / 1000.0
        self.stall_until = 0.0
        self.save = open(args.save_bodies, "ab") if args.save_bodies else None

    def action_for(self, i):
        for n, action in self.plan:
            if n > 0 and i % n == 0:
                return action
        return "ok"


class Conn(asyncio.Protocol):
    def __init__(self, stub):
        self.stub = stub
        self.buf = b""
        self.t = None
        self.closed = False
        self.pending = 0
        self.queue = []

    def connection_made(self, transport):
        self.t = transport

    def connection_lost(self, exc):
        self.closed = True

    def data_received(self, data):
        self.buf += data
        while not self.closed:
            i = self.buf.find(b"\r\n\r\n")
            if i < 0:
                return
            head = self.buf[:i].decode("latin1").split("\r\n")
            try:
                method, path, _ = head[0].split(" ", 2)
            except ValueError:
                self.t.close()
                return
            length = 0
            for h in head[1:]:
                name, _, value = h.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buf) < i + 4 + length:
                return
            body = self.buf[i + 4:i + 4 + length]
            self.buf = self.buf[i + 4 + length:]
            self.request(method, path, body)

    def request(self, method, path, body):
        stub = self.stub
        if method == "GET" and path == "/__stats":
            out = json.dumps(STATS).encode()
            self.t.write(response(200, b"OK", out))
            return
        if method != "POST":
            self.t.write(ERR404)
            return
        STATS["requests"] += 1
        i = STATS["requests"]
        try:
            doc = json.loads(body)
            if not isinstance(doc, dict) or not ("quote" in doc or "token" in doc):
                STATS["bad_body"] += 1
        except ValueError:
            STATS["bad_body"] += 1
        if stub.save:
            stub.save.write(body + b"\n")
            stub.save.flush()
        action = stub.action_for(i)
        STATS["by_action"][action] = STATS["by_action"].get(action, 0) + 1
        now = time.monotonic()
        if stub.stall_after and i == stub.stall_after:
            stub.stall_until = now + stub.stall_s
        wait = stub.delay
        if stub.stall_until > now:
            wait = max(wait, stub.stall_until - now)
        if wait > 0:
            asyncio.get_running_loop().call_later(wait, self.answer, action)
        else:
            self.answer(action)

    def answer(self, action):
        if self.closed:
            return
        t = self.t
        if action == "close":
            t.close()
        elif action == "reset":
            t.abort()
        elif action == "garbage":
            t.write(b"garbage\r\n\r\n")
            t.close()
        elif action == "http10":
            t.write(HTTP10)
            t.close()
        else:
            t.write({"ok": OK, "400": ERR400, "400body": ERR400_BODY, "404": ERR404,
                     "500": ERR500, "503": ERR503, "503nr": ERR503NR, "notoken": NOTOKEN,
                     "chunked": CHUNKED, "continue": CONTINUE}[action])


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--plan", default="")
    ap.add_argument("--stall-after", type=int, default=0)
    ap.add_argument("--stall-ms", type=float, default=0)
    ap.add_argument("--save-bodies")
    args = ap.parse_args()
    stub = Stub(args)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Conn(stub), "127.0.0.1", args.port, backlog=1024)
    print("port %d" % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
