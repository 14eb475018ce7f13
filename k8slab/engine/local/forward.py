"""A TCP forwarder from an address inside the lab's network to the host's 127.0.0.1.

The API server listens on the host's loopback only (as on the simulated engine).
Nodes and pods reach it at the control-plane address (172.18.0.2), where this
process listens: its listening socket is made inside the control-plane network
namespace, then the process returns to the host's namespace to connect to
127.0.0.1. No port of the host other than loopback is opened.

Run as ``python -m k8slab.engine.local.forward --netns /proc/PID/ns/net
--listen 172.18.0.2:PORT --to 127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import socket
import sys

CLONE_NEWNET = 0x40000000


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def listen_in(netns_path: str, host: str, port: int) -> socket.socket:
    """A listening socket bound in another network namespace (the caller's stays as it was)."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(netns_path, os.O_RDONLY)
    try:
        _setns(target)
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(256)
            sock.setblocking(False)
        finally:
            _setns(home)
    finally:
        os.close(home)
        os.close(target)
    return sock


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def serve(sock: socket.socket, to_host: str, to_port: int) -> None:
    async def handle(reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(to_host, to_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(handle, sock=sock)
    async with server:
        await server.serve_forever()


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--netns", required=True, help="network namespace file to listen in")
    p.add_argument("--listen", required=True, help="HOST:PORT inside that namespace")
    p.add_argument("--to", required=True, help="HOST:PORT in this process's namespace")
    args = p.parse_args(argv)
    host, port = _addr(args.listen)
    if host in ("", "0.0.0.0", "::"):
        print("refusing to listen on all addresses", file=sys.stderr)
        return 2
    try:
        sock = listen_in(args.netns, host, port)
    except OSError as exc:
        print(f"cannot listen on {args.listen} in {args.netns}: {exc}", file=sys.stderr)
        return 1
    print(f"forwarding {args.listen} (in {args.netns}) to {args.to}", flush=True)
    try:
        asyncio.run(serve(sock, *_addr(args.to)))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
