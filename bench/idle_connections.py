#!/usr/bin/env python3
"""Opens N keep-alive connections to a server, makes one request on each so
it is a real HTTP connection, leaves them idle and reports how much the
server's resident memory grew.

    bench/idle_connections.py PID PORT [N]
"""
import socket
import sys
import time


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main() -> None:
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    request = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"
    before = rss_kib(pid)
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        sockets.append(s)
    answered = 0
    for s in sockets:
        s.settimeout(10)
        if s.recv(4096).startswith(b"HTTP/1.1 2"):
            answered += 1
    time.sleep(1)
    after = rss_kib(pid)
    grew = (after - before) / 1024
    print(f"idle connections: {count} open, {answered} answered; RSS {before / 1024:.1f} MiB -> {after / 1024:.1f} MiB "
          f"(+{grew:.1f} MiB, {(after - before) * 1024 / count:.0f} bytes each)")
    for s in sockets:
        s.close()


if __name__ == "__main__":
    main()
