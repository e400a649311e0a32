"""The nemesis: seeded episodes of one fault each, every action logged with a timestamp.

An episode applies one fault, holds it for a few seconds while the workloads run, undoes it (heals
the network, resumes, restarts) and waits a little before the next. The first episodes are a
seeded shuffle of every kind, so even a short run sees each once; later ones are drawn at random.

  partition-halves   the members split in two halves (floor/ceil), no link between them
  partition-ring     majority ring: members on a shuffled ring, each linked to the neighbours
                     within distance d so that it sees a majority (itself included), but no two
                     members see the same majority
  partition-bridge   two halves plus one bridge member linked to both
  partition-isolate  one member cut from every other
  kill               kill -9 a member, restart it on the same data directory after the hold
  pause              SIGSTOP a member, SIGCONT after the hold
  wipe               kill -9 a member (not a seed: a seed that finds no other seed founds a new
                     cluster), delete its data directory, restart it under the same id; at most
                     one wipe per `wipe_every_s` and only when the cluster is settled, so no key
                     can lose two replicas before anti-entropy refilled the first
  join               start a new node on a free host (--auto-join false), `ringkv join` it
  leave              `ringkv leave` a member that is not a seed, while more than n=3 remain;
                     it hands its data off and exits by itself (under the next episodes' faults)

Partitions cut only links between hosts that run members; client links are never cut.
"""

import math
import random
import time

KINDS = ["partition-halves", "partition-ring", "partition-bridge", "partition-isolate",
         "kill", "pause", "wipe", "join", "leave"]


class Nemesis:
    def __init__(self, cluster, seed, log, hold=(3.0, 6.0), gap=(2.0, 4.0), wipe_every_s=120,
                 kinds=None):
        self.cluster = cluster
        self.rng = random.Random(seed)
        self.log = log
        self.hold = hold
        self.gap = gap
        self.wipe_every_s = wipe_every_s
        self.kinds = kinds or KINDS
        self.last_wipe = None
        self.counts = {}

    # ----- helpers -----
    def _name(self, host):
        for node in self.cluster.members():
            if node.host == host:
                return node.id
        return f"h{host}"

    def _names(self, hosts):
        return "{" + ",".join(sorted((self._name(h) for h in hosts), key=lambda s: (len(s), s))) \
            + "}"

    def _member_hosts(self):
        return [n.host for n in self.cluster.members()]

    def _cut_between(self, a, b):
        return {(min(x, y), max(x, y)) for x in a for y in b}

    def _sleep(self, span, stop_at):
        time.sleep(max(0.0, min(self.rng.uniform(*span), stop_at - time.time())))

    def _running_members(self, exclude_seeds=False, exclude_leaving=False):
        nodes = [n for n in self.cluster.members() if n.running() and not n.paused]
        if exclude_seeds:
            nodes = [n for n in nodes if n.id not in self.cluster.seed_ids]
        if exclude_leaving:
            nodes = [n for n in nodes if not n.leaving]
        return sorted(nodes, key=lambda n: int(n.id[1:]))

    # ----- faults; each returns an undo function (or None), or False when not possible -----
    def partition_halves(self):
        hosts = self._member_hosts()
        self.rng.shuffle(hosts)
        a, b = hosts[: len(hosts) // 2], hosts[len(hosts) // 2:]
        self.log(f"nemesis: partition halves {self._names(a)} | {self._names(b)}")
        self.cluster.net.set_cuts(self._cut_between(a, b))
        return self.heal

    def partition_ring(self):
        hosts = self._member_hosts()
        self.rng.shuffle(hosts)
        count = len(hosts)
        majority = count // 2 + 1
        reach = math.ceil((majority - 1) / 2)
        cuts = set()
        for i in range(count):
            for j in range(i + 1, count):
                distance = min(j - i, count - (j - i))
                if distance > reach:
                    cuts.add((min(hosts[i], hosts[j]), max(hosts[i], hosts[j])))
        ring = " - ".join(self._name(h) for h in hosts + hosts[:1])
        self.log(f"nemesis: partition majority ring {ring} (each sees the members within "
                 f"{reach} on the ring)")
        self.cluster.net.set_cuts(cuts)
        return self.heal

    def partition_bridge(self):
        hosts = self._member_hosts()
        self.rng.shuffle(hosts)
        bridge, rest = hosts[0], hosts[1:]
        a, b = rest[: (len(rest) + 1) // 2], rest[(len(rest) + 1) // 2:]
        self.log(f"nemesis: partition bridge {self._names(a)} | {self._name(bridge)} | "
                 f"{self._names(b)}")
        self.cluster.net.set_cuts(self._cut_between(a, b))
        return self.heal

    def partition_isolate(self):
        hosts = self._member_hosts()
        victim = self.rng.choice(hosts)
        others = [h for h in hosts if h != victim]
        self.log(f"nemesis: isolate {self._name(victim)} from {self._names(others)}")
        self.cluster.net.set_cuts(self._cut_between([victim], others))
        return self.heal

    def heal(self):
        self.log("nemesis: heal (every link up)")
        self.cluster.net.heal()

    def kill(self):
        nodes = self._running_members()
        if not nodes:
            return False
        node = self.rng.choice(nodes)
        self.log(f"nemesis: kill -9 {node.id} (pid {node.proc.pid})")
        self.cluster.kill(node)

        def undo():
            self.cluster.restart(node)
            self.log(f"nemesis: restart {node.id} (pid {node.proc.pid})")
        return undo

    def pause(self):
        nodes = self._running_members()
        if not nodes:
            return False
        node = self.rng.choice(nodes)
        self.log(f"nemesis: SIGSTOP {node.id} (pid {node.proc.pid})")
        self.cluster.pause(node)

        def undo():
            self.cluster.resume(node)
            self.log(f"nemesis: SIGCONT {node.id}")
        return undo

    def wipe(self):
        if self.last_wipe is not None and time.time() - self.last_wipe < self.wipe_every_s:
            return False
        settled, why = self.cluster.settled()
        if not settled:
            self.log(f"nemesis: no wipe now, the cluster is not settled ({why})")
            return False
        nodes = self._running_members(exclude_seeds=True, exclude_leaving=True)
        if not nodes:
            return False
        node = self.rng.choice(nodes)
        self.last_wipe = time.time()
        self.log(f"nemesis: kill -9 {node.id} (pid {node.proc.pid}) to wipe its data directory")
        self.cluster.kill(node)

        def undo():
            self.cluster.wipe(node)
            self.log(f"nemesis: {node.id} restarted with a wiped data directory "
                     f"(pid {node.proc.pid})")
        return undo

    def join(self):
        free = self.cluster.free_hosts()
        if not free:
            return False
        host = self.rng.choice(free)
        node, code, out = self.cluster.join(host)
        self.log(f"nemesis: join {node.id} on h{host}: exit {code}: {out}")
        return None

    def leave(self):
        staying = [n for n in self.cluster.members() if not n.leaving]
        if len(staying) <= 4:
            return False
        nodes = self._running_members(exclude_seeds=True, exclude_leaving=True)
        if not nodes:
            return False
        node = self.rng.choice(nodes)
        code, out = self.cluster.leave(node)
        self.log(f"nemesis: leave {node.id}: exit {code}: {out}")
        return None

    # ----- the schedule -----
    def run(self, duration_s, should_stop=lambda: False):
        stop_at = time.time() + duration_s
        plan = list(self.kinds)
        self.rng.shuffle(plan)
        retries = {kind: 3 for kind in plan}
        while time.time() < stop_at and not should_stop():
            kind = plan.pop(0) if plan else self.rng.choice(self.kinds)
            undo = getattr(self, kind.replace("-", "_"))()
            if undo is False:
                # Not possible now (no free host, too few members, too soon to wipe, cluster not
                # settled): a planned kind is retried after the next episode, up to 3 times.
                if retries.get(kind, 0) > 0:
                    retries[kind] -= 1
                    plan.insert(min(1, len(plan)), kind)
                self._sleep((0.5, 1.0), stop_at)
                continue
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self._sleep(self.hold, stop_at)
            if undo is not None:
                undo()
            self._sleep(self.gap, stop_at)

    def heal_everything(self):
        """Every link up, every paused node resumed, every killed member restarted."""
        self.cluster.net.heal()
        for node in self.cluster.members():
            if node.paused:
                self.cluster.resume(node)
                self.log(f"nemesis: SIGCONT {node.id}")
            elif not node.running():
                self.cluster.restart(node)
                self.log(f"nemesis: restart {node.id} (pid {node.proc.pid})")
        self.log("nemesis: healed everything")
