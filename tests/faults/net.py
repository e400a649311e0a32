"""Hosts as Linux network namespaces, a full mesh of veth links, and cutting/healing links.

Layout of one run (slot S, hosts 1..H):

  namespace rkvS-hI     host I; address 10.77.S.I/32 on its `lo`
  veth  toJ (in hI)  <->  toI (in hJ)       one link per pair of hosts, route 10.77.S.J/32 dev toJ
  veth  rkvScI (root) <-> client (in hI)    the clients' link; root address 10.77.S.254/32

Why /32 addresses on `lo` with one route per peer: a host's address belongs to no link, so every
peer reaches it over exactly one device (the pair's veth) and `ip link set toJ down` takes away
exactly the route I -> J; no host has a default route and the root namespace has a route to every
host through its client link only, so a cut pair cannot reach each other around the cut (root's
own ip_forward is not involved: hosts route nothing to root but the client address).

A cut sets both ends of the pair's veth down (the kernel drops the routes through them: new
connections fail at once with "network unreachable", established ones stop hearing from each
other, as after a switch failure with ICMP on); a heal sets them up and adds the routes back.
Client links are never cut.

Slots: a run holds an exclusive flock on /run/ringkv-faults/slot-S.lock for its whole life. A
namespace or root link of a slot whose lock nobody holds is a leftover of a dead run, and is
removed (its processes killed by pid) before a new run picks the lowest free slot, so runs by
several engineers on one machine do not collide and a crashed run leaves nothing behind for long.
"""

import fcntl
import os
import re
import signal
import subprocess
import time

LOCK_DIR = "/run/ringkv-faults"
SLOTS = range(1, 200)
NS_PATTERN = re.compile(r"^rkv(\d+)-h(\d+)$")
LINK_PATTERN = re.compile(r"^rkv(\d+)[ct]\d+")


def run_ip(*args, check=True):
    """Runs `ip ARGS...`; raises with ip's message when check and it fails."""
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result


def namespaces():
    out = run_ip("netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def root_links():
    out = run_ip("-o", "link", "show", check=False).stdout
    names = []
    for line in out.splitlines():
        parts = line.split(":")
        if len(parts) > 1:
            names.append(parts[1].strip().split("@")[0])
    return names


def kill_namespace_processes(name):
    """SIGKILLs (after SIGCONT, in case the nemesis stopped them) every process in namespace."""
    pids = run_ip("netns", "pids", name, check=False).stdout.split()
    for pid in pids:
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(int(pid), sig)
            except (ProcessLookupError, ValueError):
                pass
    return len(pids)


def remove_slot(slot, log=print):
    """Deletes every namespace and root link of slot (killing what runs in its namespaces)."""
    for name in namespaces():
        match = NS_PATTERN.match(name)
        if match and int(match.group(1)) == slot:
            killed = kill_namespace_processes(name)
            run_ip("netns", "del", name, check=False)
            log(f"removed leftover namespace {name} ({killed} processes killed)")
    for name in root_links():
        match = LINK_PATTERN.match(name)
        if match and int(match.group(1)) == slot:
            run_ip("link", "del", name, check=False)
            log(f"removed leftover link {name}")


class SlotLock:
    """The exclusive lock of one slot; cleans leftovers of dead runs when acquired."""

    def __init__(self, log=print):
        os.makedirs(LOCK_DIR, exist_ok=True)
        self.slot = None
        self.file = None
        self.log = log

    def _try(self, slot):
        handle = open(os.path.join(LOCK_DIR, f"slot-{slot}.lock"), "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    def acquire(self):
        used = set()
        for name in namespaces():
            match = NS_PATTERN.match(name)
            if match:
                used.add(int(match.group(1)))
        for name in root_links():
            match = LINK_PATTERN.match(name)
            if match:
                used.add(int(match.group(1)))
        # Leftovers first: a slot in use whose lock is free belongs to a run that died.
        for slot in sorted(used):
            handle = self._try(slot)
            if handle is not None:
                remove_slot(slot, self.log)
                handle.close()
        for slot in SLOTS:
            handle = self._try(slot)
            if handle is not None:
                remove_slot(slot, self.log)  # Nothing should be left; make sure.
                self.slot, self.file = slot, handle
                return slot
        raise RuntimeError("no free slot for a fault-harness run (199 runs at once?)")

    def release(self):
        if self.file is not None:
            self.file.close()
            self.file = None


class Network:
    """The namespaces and links of one run; hosts are numbered 1..count."""

    def __init__(self, slot, count):
        self.slot = slot
        self.count = count
        self.cut_pairs = set()  # {(i, j)} with i < j

    def ns(self, i):
        return f"rkv{self.slot}-h{i}"

    def address(self, i):
        return f"10.77.{self.slot}.{i}"

    @property
    def client_address(self):
        return f"10.77.{self.slot}.254"

    def _in(self, i, *args, check=True):
        return run_ip("-n", self.ns(i), *args, check=check)

    def setup(self):
        for i in range(1, self.count + 1):
            run_ip("netns", "add", self.ns(i))
            self._in(i, "link", "set", "lo", "up")
            self._in(i, "addr", "add", f"{self.address(i)}/32", "dev", "lo")
        for i in range(1, self.count + 1):
            for j in range(i + 1, self.count + 1):
                a, b = f"rkv{self.slot}t{i}x{j}a", f"rkv{self.slot}t{i}x{j}b"
                run_ip("link", "add", a, "type", "veth", "peer", "name", b)
                run_ip("link", "set", a, "netns", self.ns(i), "name", f"to{j}")
                run_ip("link", "set", b, "netns", self.ns(j), "name", f"to{i}")
                self._link_up(i, j)
        for i in range(1, self.count + 1):
            root, inner = f"rkv{self.slot}c{i}", f"rkv{self.slot}c{i}x"
            run_ip("link", "add", root, "type", "veth", "peer", "name", inner)
            run_ip("link", "set", inner, "netns", self.ns(i), "name", "client")
            run_ip("addr", "add", f"{self.client_address}/32", "dev", root)
            run_ip("link", "set", root, "up")
            self._in(i, "link", "set", "client", "up")
            run_ip("route", "add", f"{self.address(i)}/32", "dev", root,
                   "src", self.client_address)
            self._in(i, "route", "add", f"{self.client_address}/32", "dev", "client",
                     "src", self.address(i))

    def _link_up(self, i, j):
        for a, b in ((i, j), (j, i)):
            self._in(a, "link", "set", f"to{b}", "up")
        for a, b in ((i, j), (j, i)):
            self._in(a, "route", "replace", f"{self.address(b)}/32", "dev", f"to{b}",
                     "src", self.address(a))

    def _link_down(self, i, j):
        self._in(i, "link", "set", f"to{j}", "down")
        self._in(j, "link", "set", f"to{i}", "down")

    def set_cuts(self, pairs):
        """Makes exactly `pairs` (a set of (i, j), i < j) cut; every other link up."""
        pairs = {(min(i, j), max(i, j)) for i, j in pairs}
        for i, j in sorted(self.cut_pairs - pairs):
            self._link_up(i, j)
        for i, j in sorted(pairs - self.cut_pairs):
            self._link_down(i, j)
        self.cut_pairs = pairs

    def heal(self):
        self.set_cuts(set())

    def teardown(self):
        for i in range(1, self.count + 1):
            kill_namespace_processes(self.ns(i))
        # Give the kernel a moment to reap, then delete (veth pairs go with their namespaces).
        time.sleep(0.2)
        remove_slot(self.slot, log=lambda _: None)


def can_make_namespaces():
    """True when this process may create network namespaces (root with iproute2)."""
    if os.geteuid() != 0:
        return False
    name = f"rkvprobe{os.getpid()}"
    result = run_ip("netns", "add", name, check=False)
    if result.returncode != 0:
        return False
    run_ip("netns", "del", name, check=False)
    return True
