#!/usr/bin/python3
"""The python3 study's workload: one part per run, named on the command line.

threads     a pool of threads sharing a queue, a lock and a condition
subprocess  children through subprocess (a pipe, a shell, a timeout) and os.fork
sockets     a TCP server and client on loopback, a Unix socket pair, UDP, select
extension   C extension modules loaded with dlopen: sqlite3, ctypes calling libc, zlib, bz2
files       temporary files and directories, os.scandir, mmap, file locks
"""
import sys


def threads():
    import queue
    import threading

    work, done = queue.Queue(), []
    lock, ready = threading.Lock(), threading.Condition()

    def worker():
        while (item := work.get()) is not None:
            with lock:
                done.append(item * item)
        with ready:
            ready.notify()

    pool = [threading.Thread(target=worker) for _ in range(4)]
    for thread in pool:
        thread.start()
    for item in range(1000):
        work.put(item)
    for _ in pool:
        work.put(None)
    for thread in pool:
        thread.join()
    assert len(done) == 1000


def subprocesses():
    import os
    import subprocess

    out = subprocess.run(["echo", "child"], capture_output=True, text=True, check=True).stdout
    assert out == "child\n"
    subprocess.run("exit 3", shell=True)
    try:
        subprocess.run(["sleep", "5"], timeout=0.2)
    except subprocess.TimeoutExpired:
        pass
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    assert os.waitpid(pid, 0)[1] >> 8 == 7


def sockets():
    import select
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        connection, _ = server.accept()
        with connection:
            connection.sendall(connection.recv(100).upper())

    thread = threading.Thread(target=serve)
    thread.start()
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"hello")
        select.select([client], [], [], 5)
        assert client.recv(100) == b"HELLO"
    thread.join()
    server.close()
    a, b = socket.socketpair()
    a.sendall(b"x")
    assert b.recv(1) == b"x"
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.sendto(b"datagram", udp.getsockname())
    assert udp.recvfrom(100)[0] == b"datagram"


def extension():
    import bz2
    import ctypes
    import ctypes.util
    import sqlite3
    import zlib

    database = sqlite3.connect(":memory:")
    database.execute("create table t (x integer)")
    database.executemany("insert into t values (?)", [(i,) for i in range(100)])
    assert database.execute("select sum(x) from t").fetchone()[0] == 4950
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    assert libc.getpid() > 0
    assert zlib.decompress(zlib.compress(b"z" * 1000)) == b"z" * 1000
    assert bz2.decompress(bz2.compress(b"b" * 1000)) == b"b" * 1000


def files():
    import fcntl
    import mmap
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "data")
        with open(path, "wb") as f:
            f.write(b"0123456789" * 1000)
        with open(path, "r+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            with mmap.mmap(f.fileno(), 0) as mapped:
                assert mapped[:10] == b"0123456789"
            fcntl.flock(f, fcntl.LOCK_UN)
        assert [entry.name for entry in os.scandir(directory)] == ["data"]


PARTS = {"threads": threads, "subprocess": subprocesses, "sockets": sockets,
         "extension": extension, "files": files}

if __name__ == "__main__":
    PARTS[sys.argv[1]]()
