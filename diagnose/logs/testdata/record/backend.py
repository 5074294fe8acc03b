"""A misbehaving HTTP backend for recording real proxy logs (see record.sh).

Modes: ok, overloaded (backlog 1, slow accepts, one connection at a time), close-body (a POST's
body is cut after 64 KiB: the connection is reset), stall-body (a POST's body stops being read
after 64 KiB), idle-close (a request arriving on a connection idle for 1 s or more is closed
unanswered), fail-path (paths under /report never get an answer). Every wait is bounded.
"""
import socket, sys, threading, time

mode, port = sys.argv[1], int(sys.argv[2])
HOLD = 20  # longest a stalled or hung connection is kept, seconds
IDLE = 1.0


def answer(c, body=b"ok\n", conn=b"keep-alive"):
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n%s" % (len(body), conn, body))


def read_head(c, buf):
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None, b""
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def handle(c):
    c.settimeout(HOLD)
    buf = b""
    last = time.monotonic()
    try:
        while True:
            if buf == b"" and mode == "idle-close":
                c.settimeout(HOLD)
            head, rest = read_head(c, buf)
            if head is None:
                return
            idle = time.monotonic() - last
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split()[:2]
            length = 0
            for h in lines[1:]:
                k, _, v = h.partition(":")
                if k.strip().lower() == "content-length":
                    length = int(v.strip())
            if mode == "idle-close" and idle >= IDLE:
                c.close()
                return
            if method == "POST" and mode in ("close-body", "stall-body"):
                got = len(rest)
                while got < 64 << 10:
                    d = c.recv(65536)
                    if not d:
                        return
                    got += len(d)
                if mode == "close-body":
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    c.close()
                    return
                time.sleep(HOLD)
                return
            if mode == "fail-path" and path.startswith("/report"):
                time.sleep(HOLD)
                return
            got = len(rest)
            while got < length:
                d = c.recv(min(65536, length - got))
                if not d:
                    return
                got += len(d)
            buf = rest[length:] if len(rest) > length else b""
            if mode == "overloaded":
                # One request per connection: the single accept loop must not be held by an
                # idle keep-alive connection.
                time.sleep(0.2)
                answer(c, conn=b"close")
                return
            answer(c)
            last = time.monotonic()
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.bind(("127.0.0.1", port))
s.listen(1 if mode == "overloaded" else 64)
deadline = time.monotonic() + 150
while time.monotonic() < deadline:
    c, _ = s.accept()
    if mode == "overloaded":
        time.sleep(0.3)
        handle(c)
    else:
        threading.Thread(target=handle, args=(c,), daemon=True).start()
