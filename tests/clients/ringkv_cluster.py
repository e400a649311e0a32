"""A cluster of real `ringkv serve` processes on loopback for the client-library tests
(redis_py_test.py, node/run_node_test.py): memory engine, every node a seed of the others, a
RESP and an HTTP port per node, free ports picked by the kernel. Needs only the standard library, so a test
that drives another language's client can start it too.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

NODE_START_SECONDS_MAX = 20
NODE_STOP_SECONDS_MAX = 20
LOG_TAIL_BYTES = 3000


_HANDED_OUT = set()


def free_port():
    """A port bound and released; never the same one twice in this process (the kernel may hand
    a released port out again, and two nodes given one port fail in confusing ways)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def wait_for_port(port, seconds=NODE_START_SECONDS_MAX):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class Cluster:
    """Starts `size` nodes n1..nSIZE in a temporary directory (each with `extra_args` on its command
    line); stop() ends them and removes it.
    Each node's output goes to nI.log there; logs() returns their tails for a failure message."""

    def __init__(self, ringkv, size=3, prefix="ringkv-clients-", extra_args=()):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.native = [free_port() for _ in range(size)]
        self.resp = [free_port() for _ in range(size)]
        self.http = [free_port() for _ in range(size)]
        peers = ",".join(f"n{i + 1}=127.0.0.1:{p}" for i, p in enumerate(self.native))
        self.procs = []
        self.log_files = []
        try:
            for i in range(size):
                log = open(os.path.join(self.dir, f"n{i + 1}.log"), "w")
                self.log_files.append(log)
                self.procs.append(subprocess.Popen(
                    [ringkv, "serve", "--node-id", f"n{i + 1}", "--listen",
                     f"127.0.0.1:{self.native[i]}", "--resp-listen", f"127.0.0.1:{self.resp[i]}",
                     "--http-listen", f"127.0.0.1:{self.http[i]}",
                     "--peers", peers, "--engine", "memory", "--request-timeout-ms", "2000",
                     "--data-dir", os.path.join(self.dir, f"n{i + 1}"), *extra_args],
                    stdout=log, stderr=subprocess.STDOUT))
            for port in self.resp:
                if not wait_for_port(port):
                    raise RuntimeError("a node did not start: " + self.logs())
        except BaseException:
            self.stop()
            raise

    def logs(self):
        out = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name)) as f:
                    out.append(f"--- {name}\n" + f.read()[-LOG_TAIL_BYTES:])
        return "\n".join(out)

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        hung = []
        for i, proc in enumerate(self.procs):
            try:
                proc.wait(timeout=NODE_STOP_SECONDS_MAX)
            except subprocess.TimeoutExpired:
                hung.append(f"n{i + 1}")
                proc.kill()
                proc.wait()
        for log in self.log_files:
            log.close()
        # A node that ignores SIGTERM is a shutdown bug: killed so nothing is left running, and
        # reported after the logs are read.
        message = f"nodes {hung} did not stop on SIGTERM: " + self.logs() if hung else None
        shutil.rmtree(self.dir, ignore_errors=True)
        if message:
            raise RuntimeError(message)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
