#!/usr/bin/env python3
"""Memory per idle connection: HTTP keep-alive and WebSocket, rt vs Bun.

usage: benches/conn_memory.py [--counts 5000] [--kinds http,ws] [--rt target/release/rt]
                              [--bun bun|'']

For each runtime and count N it starts ../shared/bench/servers/bun.js (the
shared harness's server, unchanged) on a free loopback port, opens N
connections that each complete one request (HTTP: GET /, then idle
keep-alive; WebSocket: the upgrade on /ws/echo and one echoed message), and
reads the server's VmRSS before and after from /proc. Prints the RSS growth
per connection in KiB. The server is stopped by its pid; every loop is
bounded. The fd limit is raised as far as the hard limit allows, for this
process and the server; a count that does not fit is skipped (these
sandboxes cap it at 20,000 per process, so 50,000 needs a machine whose
hard limit can be raised, and more than one loopback source address past
the ~28k ephemeral ports).
"""
import argparse
import asyncio
import base64
import os
import resource
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "..", "..", "shared", "bench", "servers", "bun.js")


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, want)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, max(hard, target)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, port):
    proc = subprocess.Popen(
        cmd + [SERVER, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: raise_fd_limit(200_000),
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(16).startswith(b"HTTP/1.1 200"):
                    return proc
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise SystemExit(f"server did not start: {cmd}")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


async def http_conn(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return writer


async def ws_conn(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16))
    writer.write(
        b"GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Key: " + key + b"\r\n\r\n"
    )
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    # One masked text frame "hi", then its echo.
    writer.write(bytes([0x81, 0x82, 1, 2, 3, 4, ord("h") ^ 1, ord("i") ^ 2]))
    await writer.drain()
    await reader.readexactly(4)
    return writer


async def open_many(kind, port, count):
    make = http_conn if kind == "http" else ws_conn
    writers = []
    batch = 500
    for start_at in range(0, count, batch):
        n = min(batch, count - start_at)
        writers += await asyncio.wait_for(
            asyncio.gather(*(make(port) for _ in range(n))), timeout=60
        )
    return writers


def measure(cmd, kind, count):
    port = free_port()
    proc = start(cmd, port)
    try:
        time.sleep(0.3)
        before = rss_kib(proc.pid)
        loop = asyncio.new_event_loop()
        writers = loop.run_until_complete(open_many(kind, port, count))
        time.sleep(1.0)  # let the server settle (buffers released, if ever)
        after = rss_kib(proc.pid)
        for w in writers:
            w.close()
        loop.close()
        return (after - before) / count, before, after
    finally:
        stop(proc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", default="5000")
    ap.add_argument("--rt", default=os.path.join(HERE, "..", "target", "release", "rt"))
    ap.add_argument("--bun", default="bun")
    ap.add_argument("--kinds", default="http,ws")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    limit = raise_fd_limit(2 * max(counts) + 1000)
    print(f"fd limit {limit}")
    for kind in args.kinds.split(","):
        for count in counts:
            if count + 100 > limit:
                print(f"{kind} {count}: skipped (fd limit {limit})")
                continue
            for name, cmd in (("rt", [args.rt]), ("bun", [args.bun])):
                if not cmd[0]:
                    continue  # --bun '' measures rt alone
                per, before, after = measure(cmd, kind, count)
                print(
                    f"{kind:4} {count:6} {name:4} {per:6.2f} KiB/conn"
                    f"  (RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB)",
                    flush=True,
                )


if __name__ == "__main__":
    sys.exit(main())
