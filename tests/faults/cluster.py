"""The ringkv processes of a run: one `ringkv serve` per host namespace, and what the nemesis
does to them (kill -9, restart, SIGSTOP/SIGCONT, wipe, join, leave), plus `ringkv status`.

Node ids are never reused: n1..nK start on h1..hK; a joiner gets the next id on a host with no
node (the spare host hK+1, or the host of a node that left: a departed id is retired, so the host
comes back under a new id with a fresh data directory, as docs/OPERATIONS.md says).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

NATIVE_PORT = 7001
RESP_PORT = 6379


class Node:
    def __init__(self, node_id, host, data_dir, auto_join):
        self.id = node_id
        self.host = host
        self.data_dir = data_dir
        self.auto_join = auto_join
        self.proc = None
        self.incarnation = 0
        self.paused = False
        self.killed = False       # The nemesis killed this incarnation (it restarts it).
        self.stopping = False     # SIGTERM at the end of the run.
        self.leaving = False      # `ringkv leave` was accepted: it exits 0 once handed off.
        self.gone = False         # Left the cluster, or never became a member.
        self.crash_restarts = 0
        self.log_paths = []

    def running(self):
        return self.proc is not None and self.proc.poll() is None


class Cluster:
    def __init__(self, net, binary, run_dir, hosts, log, seeds_count=3, extra_args=()):
        self.net = net
        self.binary = binary
        self.run_dir = run_dir
        self.log = log
        self.extra_args = list(extra_args)
        self.lock = threading.RLock()
        self.nodes = {}      # id -> Node, every node ever started (gone ones stay)
        self.next_id = 1
        self.crashes = []    # (node id, exit code, log path) of exits nobody caused
        self.initial_hosts = hosts
        self.seed_ids = [f"n{i}" for i in range(1, min(seeds_count, hosts) + 1)]
        self.seeds = ",".join(f"n{i}={net.address(i)}:{NATIVE_PORT}"
                              for i in range(1, min(seeds_count, hosts) + 1))

    # ----- addresses -----
    def native(self, node):
        return f"{self.net.address(node.host)}:{NATIVE_PORT}"

    def resp(self, node):
        return (self.net.address(node.host), RESP_PORT)

    # ----- membership as the harness knows it -----
    def members(self):
        """Nodes that are (or are becoming / still leaving) cluster members."""
        with self.lock:
            return [n for n in self.nodes.values() if not n.gone]

    def member_ids(self):
        return sorted(n.id for n in self.members())

    def free_hosts(self):
        with self.lock:
            used = {n.host for n in self.nodes.values() if not n.gone}
        return [h for h in range(1, self.net.count + 1) if h not in used]

    # ----- processes -----
    def _spawn(self, node):
        node.incarnation += 1
        log_path = os.path.join(self.run_dir, f"{node.id}.{node.incarnation}.log")
        node.log_paths.append(log_path)
        address = self.native(node)
        args = ["ip", "netns", "exec", self.net.ns(node.host), self.binary, "serve",
                "--node-id", node.id, "--listen", address,
                "--resp-listen", f"{self.net.address(node.host)}:{RESP_PORT}",
                "--seeds", self.seeds, "--data-dir", node.data_dir,
                "--auto-join", "true" if node.auto_join else "false", *self.extra_args]
        with open(log_path, "w") as log_file:
            # `ip netns exec` execs the program, so proc.pid is ringkv's own pid.
            node.proc = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        node.paused = False
        node.killed = False

    def start_initial(self):
        for i in range(1, self.initial_hosts + 1):
            self.add_node(i, auto_join=True)

    def add_node(self, host, auto_join):
        with self.lock:
            node_id = f"n{self.next_id}"
            self.next_id += 1
            node = Node(node_id, host, os.path.join(self.run_dir, f"data-{node_id}"), auto_join)
            self.nodes[node_id] = node
            self._spawn(node)
        return node

    def wait_listening(self, node, timeout=30):
        deadline = time.time() + timeout
        host = self.net.address(node.host)
        while time.time() < deadline:
            if not node.running():
                return False
            for port in (NATIVE_PORT, RESP_PORT):
                try:
                    socket.create_connection((host, port), timeout=1).close()
                except OSError:
                    break
            else:
                return True
            time.sleep(0.1)
        return False

    def kill(self, node):
        with self.lock:
            node.killed = True
            if node.running():
                if node.paused:
                    os.kill(node.proc.pid, signal.SIGCONT)
                node.proc.kill()
            if node.proc is not None:
                node.proc.wait()
            node.paused = False

    def restart(self, node):
        with self.lock:
            if not node.running() and not node.gone:
                self._spawn(node)

    def pause(self, node):
        with self.lock:
            if node.running() and not node.paused:
                os.kill(node.proc.pid, signal.SIGSTOP)
                node.paused = True

    def resume(self, node):
        with self.lock:
            if node.running() and node.paused:
                os.kill(node.proc.pid, signal.SIGCONT)
                node.paused = False

    def wipe(self, node):
        """kill -9, delete the data directory, restart under the same id."""
        self.kill(node)
        shutil.rmtree(node.data_dir, ignore_errors=True)
        self.restart(node)

    def cli(self, *args, timeout=20):
        """Runs `ringkv ARGS...` from the root namespace (over the client links)."""
        try:
            result = subprocess.run([self.binary, *args], capture_output=True, text=True,
                                    timeout=timeout)
        except subprocess.TimeoutExpired:
            return 124, f"ringkv {' '.join(args)}: no answer within {timeout} s"
        return result.returncode, (result.stdout + result.stderr).strip()

    def join(self, host, timeout_s=30):
        """Starts a new node on host with auto_join off, then `ringkv join` (no --wait). A node
        just started has not heard from a seed yet and refuses to join: retried until timeout.
        A node that could not join is stopped and never counted as a member."""
        node = self.add_node(host, auto_join=False)
        if not self.wait_listening(node):
            code, out = 1, "the new node did not start listening"
        else:
            deadline = time.time() + timeout_s
            attempts = 0
            while True:
                attempts += 1
                code, out = self.cli("join", "--server", self.native(node))
                if code == 0 or "not heard from a seed" not in out or time.time() > deadline:
                    break
                time.sleep(0.5)
            if attempts > 1:
                out += f" (attempt {attempts})"
        if code != 0:
            self.kill(node)
            node.gone = True
        return node, code, out

    def leave(self, node):
        code, out = self.cli("leave", "--server", self.native(node))
        if code == 0:
            node.leaving = True
        return code, out

    def check_exits(self, max_restarts=3):
        """Records nodes that exited although nobody killed or stopped them; a leaver's exit 0
        is expected (it becomes gone). Returns the crashed nodes to restart (at most
        max_restarts times each: a node that cannot start stays down, the run fails)."""
        crashed = []
        with self.lock:
            for node in self.nodes.values():
                if (node.proc is None or node.gone or node.killed or node.stopping
                        or node.proc.poll() is None):
                    continue
                code = node.proc.returncode
                if node.leaving and code == 0:
                    node.gone = True
                    self.log(f"node {node.id} left the cluster and exited 0")
                    continue
                if any(c[0] == node.id and c[3] == node.incarnation for c in self.crashes):
                    continue  # Already recorded (not restarted any more).
                self.crashes.append((node.id, code, node.log_paths[-1], node.incarnation))
                self.log(f"CRASH: node {node.id} exited with {code}"
                         f"{' while leaving' if node.leaving else ''} "
                         f"(log {node.log_paths[-1]})")
                if node.crash_restarts < max_restarts:
                    node.crash_restarts += 1
                    crashed.append(node)
        return crashed

    def status(self, via=None):
        """`ringkv status --json` through via (default: the first running member); None on
        failure."""
        candidates = [via] if via else [n for n in self.members() if n.running() and not n.paused]
        for node in candidates:
            code, out = self.cli("status", "--json", "--server", self.native(node), timeout=30)
            if code != 0:
                continue
            try:
                return json.loads(out)
            except json.JSONDecodeError:
                continue
        return None

    def settled(self):
        """(True, why) when every member the harness expects is up, reachable, holds no hints and
        has no pending transfers, and the cluster lists exactly those members."""
        status = self.status()
        if status is None:
            return False, "no member answered ringkv status"
        expected = set(self.member_ids())
        listed = {m["id"] for m in status["members"]}
        if listed != expected:
            return False, f"members {sorted(listed)}, expected {sorted(expected)}"
        for member in status["members"]:
            if not member["reachable"] or member["state"] != "up":
                return False, f"{member['id']} is {member['state']}"
            if member["hints_held"] or member["transfers_pending"] or \
                    member["transfer_keys_in_flight"]:
                return False, (f"{member['id']} holds {member['hints_held']} hints, "
                               f"{member['transfers_pending']} transfers pending")
        return True, "settled"

    def stop_all(self):
        """SIGTERM every running node; returns [(id, exit code)] of those that did not exit 0."""
        bad = []
        with self.lock:
            running = [node for node in self.nodes.values() if node.running()]
            for node in running:
                self.resume(node)
                node.stopping = True
                node.proc.terminate()
            for node in running:
                try:
                    code = node.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    node.proc.kill()
                    node.proc.wait()
                    code = "hung at SIGTERM (killed after 30 s)"
                if code != 0:
                    bad.append((node.id, code, node.log_paths[-1]))
        return bad
