#!/usr/bin/env python3
"""Memory per idle TLS connection (benches/tls.sh).

usage: idle_conns.py PORT PID COUNT

Opens COUNT TLS connections to 127.0.0.1:PORT (TLS 1.3, ALPN http/1.1, the
server's certificate not checked: it is made for the run), each completes
one GET / and then stays open and idle; prints the growth of the server's
VmRSS (read from /proc/PID) divided by COUNT, in KiB. Connections are
opened 100 at a time and every wait is bounded.
"""
import asyncio
import ssl
import sys


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def one(port, context):
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="localhost"), 10)
    writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await asyncio.wait_for(reader.readexactly(length), 10)
    return writer


async def main(port, pid, count):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    # Warm the server (first-use allocations are not per connection).
    for w in await asyncio.gather(*(one(port, context) for _ in range(20))):
        w.close()
    await asyncio.sleep(0.5)
    before = rss_kib(pid)
    writers = []
    for i in range(0, count, 100):
        writers += await asyncio.gather(*(one(port, context) for _ in range(min(100, count - i))))
    await asyncio.sleep(1.0)
    after = rss_kib(pid)
    print(f"{(after - before) / count:.1f}")
    for w in writers:
        w.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
