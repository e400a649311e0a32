#!/usr/bin/python3
"""ringkv's real-process fault harness: a cluster of K hosts as Linux network namespaces, a
seeded nemesis, concurrent workloads, and a checker. Entry point: scripts/fault-harness.sh.

Design
------
Hosts (net.py). Each host is a network namespace rkvS-hI (S: the run's slot, so concurrent runs
and leftovers of dead runs are told apart; I: 1..K, plus one spare host for joins) with one
address, 10.77.S.I/32 on its loopback device, and a full mesh of veth links, one per pair of
hosts, each carrying the one /32 route to the peer. A host's address belongs to no link, so
`ip link set toJ down` in hI (and toI in hJ) removes exactly the route between I and J: that cuts
exactly that pair and nothing else, which is what makes the partitions below precise (tc netem is
not available; veth and link state are). No host has a default route, so nothing leaks around a
cut. The clients (this program's threads, fault_client, the ringkv CLI) run in the root namespace
and reach every host over its own veth (root address 10.77.S.254), which the nemesis never cuts.

Nodes (cluster.py). Each host runs `ringkv serve --listen 10.77.S.I:7001 --resp-listen
10.77.S.I:6379 --seeds n1,n2,n3 --data-dir RUN/data-nX` (a non-loopback address; there is no
protected mode), inside its namespace, started by `ip netns exec`.

Nemesis (nemesis.py). Seeded episodes of one fault each, every action printed with a timestamp:
partitions (two halves; a majority ring, each node seeing a majority; a bridge node seeing both
halves; one node isolated) then heal; kill -9 and restart; SIGSTOP/SIGCONT; a wiped data
directory restarted under the same id; a join of a new node and a leave of a member, under load.

A partition maps to links as a set of host pairs to cut: halves cut every pair across the halves;
the ring keeps only pairs within ring distance d (each node keeps d neighbours on each side, so
it sees a majority counting itself); the bridge cuts the pairs across the halves but keeps the
bridge's links to both; isolation cuts the victim's links. Net.set_cuts applies the difference.

Workloads (workloads.py, fault_client.cc), concurrently with the nemesis:
  unique-keys       RESP SET of a new key each time, to a random member host
  set-add           RESP GETALL, union of the siblings plus a new element, SETCTX with the
                    context, on a few shared keys (Dynamo's shopping cart)
  read-your-writes  the C++ client library: put with the last read's context, then a get
                    through the same client must contain the value (fault_client ryw)
  counter           RESP INCRBY/DECRBY of small deltas and GETs on a few counter keys (the
                    counter type, a CRDT): every final value lies between the acknowledged sum
                    and that plus what unacknowledged writes may have added or taken away
  set               RESP SADD of unique elements, SREM of elements seen before, SMEMBERS, on a
                    few keys (the set type, an add-wins CRDT): every acknowledged element is
                    present at the end unless an SREM of it was sent; nothing else appears
  set-add-control   (control run only) the same adds written with plain SET, which supersedes
                    whatever the coordinator knows: it must lose adds, so the checker is seen
                    to fail
  counter-control   (control run only) increments done as GET then SET of the sum: concurrent
                    ones overwrite each other, so the counter checker must see losses
--workloads picks a real run's workloads (default: every one but the controls).

Outcomes. acknowledged: the node said OK. failed: a definite error (the node answered with an
error, or the request could not be sent). indeterminate: the request was sent and no answer came
(a timeout, or the connection was lost): the outcome is unknown, the write may or may not have
been applied. lost: acknowledged, but missing at the end. A failed write is not known to have
done nothing either (no rollback: `only 1 of the w=2 required replicas acknowledged` comes after
the coordinator stored the write): the counter and set checkers count every sent, unacknowledged
write as one that may have been applied, and only a request never sent as one that was not.

Checker (checker.py). After the nemesis, everything is healed (links up, paused nodes resumed,
killed nodes restarted) and the workloads stop; the harness waits until the cluster has settled
(`ringkv status --json`: every expected member up and reachable, no hints held, no transfers
pending) and then reads every key with r=3 through the native client, so a replica that missed a
write cannot hide data. The counter and set keys are read through RESP on every member, in rounds
until all agree twice in a row (checker.converged_reads, --converge-timeout), and counters also
with r=3. A real run passes when no workload lost an acknowledged write, no value
appeared that nobody wrote, every key could be read, no node crashed or failed to stop cleanly on
SIGTERM, the cluster settled, the members agree on every counter and set, and no intermediate
counter or set read was impossible. Stale reads (read-your-writes violations: the read right after
an acknowledged write, through the same client, did not contain it) are reported, and fail the
run only with --strict-ryw. A control run passes when each control workload lost writes.

Every run starts by removing leftovers of dead runs (net.SlotLock) and cleans up after itself in
a finally block, also on SIGINT/SIGTERM: processes killed, namespaces and links deleted.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checker  # noqa: E402
import cluster as cluster_mod  # noqa: E402
import net  # noqa: E402
import nemesis as nemesis_mod  # noqa: E402
import workloads  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = 77  # CTest's SKIP_RETURN_CODE


class Log:
    """Timestamped lines to stdout and to RUN/harness.log."""

    def __init__(self):
        self.start = time.time()
        self.file = None
        self.lock = threading.Lock()

    def __call__(self, message):
        now = time.time()
        stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"
        line = f"[{now - self.start:7.2f}s {stamp}] {message}"
        with self.lock:
            print(line, flush=True)
            if self.file:
                self.file.write(line + "\n")
                self.file.flush()


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def wait_until(condition, timeout_s, interval_s=1.0, progress=None, every_s=10):
    deadline = time.time() + timeout_s
    last_report = time.time()
    while True:
        ok, why = condition()
        if ok or time.time() >= deadline:
            return ok, why
        if progress and time.time() - last_report >= every_s:
            progress(why)
            last_report = time.time()
        time.sleep(interval_s)


def run_once(args, control, log):
    """One run: a fresh cluster, the nemesis and the workloads, the checker. Returns (passed,
    summary dict)."""
    seed = args.seed
    label = "control run" if control else "run"
    log(f"==== {label}: seed {seed}, {args.hosts} hosts, {args.duration} s of faults, "
        f"ringkv {args.ringkv}")
    lock = net.SlotLock(log)
    slot = lock.acquire()
    network = net.Network(slot, args.hosts + 1)  # one spare host for joins
    run_dir = tempfile.mkdtemp(prefix=f"ringkv-faults-{slot}-")
    log.file = open(os.path.join(run_dir, "harness.log"), "a")
    log(f"slot {slot}: namespaces {network.ns(1)}..{network.ns(args.hosts + 1)}, "
        f"addresses 10.77.{slot}.1-{args.hosts + 1}, run directory {run_dir}")
    cluster = None
    passed = False
    result = {"seed": seed, "control": control, "hosts": args.hosts, "duration_s": args.duration}
    ryw_proc = None
    resp_workloads = []
    try:
        network.setup()
        cluster = cluster_mod.Cluster(
            network, args.ringkv, run_dir, args.hosts, log,
            extra_args=["--partition-count", "64", "--anti-entropy-interval-ms", "10000",
                        *args.node_arg])
        cluster.start_initial()
        for node in cluster.members():
            if not cluster.wait_listening(node, timeout=60):
                raise RuntimeError(f"{node.id} did not start listening; log {node.log_paths[-1]}")
        ok, why = wait_until(cluster.settled, 90, progress=lambda w: log(f"forming: {w}"))
        if not ok:
            raise RuntimeError(f"the cluster did not form: {why}")
        log(f"cluster formed: {' '.join(cluster.member_ids())}")

        # Workloads.
        if control:
            resp_workloads = [workloads.SetAdd(cluster, seed, threads=args.control_threads,
                                               pace_s=0, keys=args.control_keys, control=True),
                              workloads.CounterControl(cluster, seed,
                                                       threads=args.counter_control_threads,
                                                       pace_s=0)]
        else:
            resp_workloads = [make(cluster, seed, args) for name, make in RESP_WORKLOADS.items()
                              if name in args.workloads]
        ryw_out = os.path.join(run_dir, "ryw.jsonl")
        if not control and "read-your-writes" in args.workloads:
            servers = ",".join(cluster.native(n) for n in cluster.members())
            ryw_proc = subprocess.Popen(
                [args.fault_client, "ryw", "--servers", servers, "--out", ryw_out,
                 "--threads", str(args.ryw_threads), "--keys-per-thread", "8",
                 "--pace-ms", "10",
                 "--duration-s", str(args.duration + 600)],
                stdout=open(os.path.join(run_dir, "ryw.out"), "w"), stderr=subprocess.STDOUT)
        for workload in resp_workloads:
            workload.start()
        log("workloads started: " + ", ".join(
            [w.name for w in resp_workloads] + (["read-your-writes"] if ryw_proc else [])))

        # Crash monitor: a node that exits without the nemesis' doing is a finding; restart it.
        monitor_stop = threading.Event()

        def monitor():
            while not monitor_stop.is_set():
                for node in cluster.check_exits():
                    cluster.restart(node)
                    log(f"restarted crashed node {node.id}")
                monitor_stop.wait(0.5)
        monitor_thread = threading.Thread(target=monitor, daemon=True)
        monitor_thread.start()

        kinds = args.kinds.split(",") if args.kinds else (
            ["partition-halves", "partition-bridge", "partition-isolate", "kill", "pause"]
            if control else None)
        nemesis = nemesis_mod.Nemesis(cluster, seed, log, hold=(args.hold_min, args.hold_max),
                                      kinds=kinds)
        nemesis.run(args.duration)
        nemesis.heal_everything()
        time.sleep(3)  # The workloads see the healed cluster for a moment.
        for workload in resp_workloads:
            workload.stop()
        if ryw_proc:
            ryw_proc.terminate()
            ryw_proc.wait(timeout=60)
        log("workloads stopped")
        result["nemesis"] = nemesis.counts

        settle_start = time.time()
        settled, why = wait_until(cluster.settled, args.settle_timeout,
                                  progress=lambda w: log(f"settling: {w}"))
        result["settle_s"] = round(time.time() - settle_start, 1)
        log(f"settled after {result['settle_s']} s" if settled else
            f"NOT SETTLED after {args.settle_timeout} s: {why}")

        # Final strong reads and the checker.
        reader = next(n for n in cluster.members() if n.running())
        server = cluster.native(reader)
        summaries = []
        for workload in resp_workloads:
            with open(os.path.join(run_dir, f"{workload.name}.jsonl"), "w") as history:
                for record in workload.records:
                    history.write(json.dumps(record) + "\n")
            summaries.append(final_check(workload, cluster, server, args, run_dir, log, result))
        if ryw_proc:
            records = []
            if os.path.exists(ryw_out):
                with open(ryw_out) as ryw_file:
                    records = [json.loads(line) for line in ryw_file if line.strip()]
            for record in records:
                record["workload"] = "read-your-writes"
            keys = {r["key"] for r in records}
            reads = checker.strong_read(args.fault_client, server, keys, run_dir, "ryw")
            summaries.append(checker.check_ryw(records, reads))
        log("final reads done")
        nemesis_line = ", ".join(f"{k} x{v}" for k, v in sorted(nemesis.counts.items()))
        log(f"nemesis episodes: {nemesis_line}")
        checker.print_report(summaries, out=log)

        monitor_stop.set()
        monitor_thread.join()
        cluster.check_exits()
        bad_exits = cluster.stop_all()
        crashes = cluster.crashes
        for node_id, code, path in bad_exits:
            log(f"node {node_id} did not stop cleanly on SIGTERM: {code} (log {path})")
        for node_id, code, path, _ in crashes:
            log(f"CRASH: node {node_id} exited with {code} (log {path})")
        for node_id, code, path in [c[:3] for c in crashes] + bad_exits:
            tail = open(path, errors="replace").read().splitlines()[-15:]
            for line in tail:
                log(f"  {node_id}| {line}")
        result["workloads"] = [s.as_dict() for s in summaries]
        result["settled"] = settled
        result["crashes"] = [list(c) for c in crashes]
        result["bad_exits"] = [list(map(str, b)) for b in bad_exits]
        if control:
            # Each control workload must lose something: each checker is seen to fail.
            for s in summaries:
                missing = s.notes.get("missing_max")
                log(f"control run: {s.name}: {len(s.lost)} losses" +
                    (f" (up to {missing} acknowledged increments missing)" if missing else "") +
                    ": " +
                    ("the checker sees the loss (expected)" if s.lost else
                     "NO LOSS SEEN: the control workload is not contended enough"))
            passed = all(s.lost for s in summaries)
        else:
            reasons = []
            for s in summaries:
                if s.lost:
                    reasons.append(f"{s.name} lost {len(s.lost)} acknowledged writes")
                if s.notes.get("stale_reads"):
                    message = (f"{s.name}: {s.notes['stale_reads']} reads missed the client's "
                               "own acknowledged write")
                    if args.strict_ryw:
                        reasons.append(message)
                    else:
                        log(f"WARNING (not a failure without --strict-ryw): {message}")
                if s.unreadable:
                    reasons.append(f"{s.name}: {len(s.unreadable)} keys unreadable")
                if s.phantoms:
                    reasons.append(f"{s.name}: {len(s.phantoms)} phantom values")
                if s.diverged:
                    reasons.append(f"{s.name}: members disagree on {len(s.diverged)} keys after "
                                   f"{args.converge_timeout} s")
                if s.implausible:
                    reasons.append(f"{s.name}: {len(s.implausible)} implausible reads")
            if not settled:
                reasons.append(f"the cluster did not settle: {why}")
            if crashes:
                reasons.append(f"{len(crashes)} node crashes")
            if bad_exits:
                reasons.append(f"{len(bad_exits)} nodes did not stop cleanly")
            passed = not reasons
            log("run PASSED: no acknowledged write lost" if passed else
                "run FAILED: " + "; ".join(reasons))
        result["passed"] = passed
        with open(os.path.join(run_dir, "summary.json"), "w") as summary_file:
            json.dump(result, summary_file, indent=2)
        return passed, result
    finally:
        for workload in resp_workloads:
            workload._stop.set()
        if ryw_proc and ryw_proc.poll() is None:
            ryw_proc.kill()
            ryw_proc.wait()
        if cluster is not None:
            for node in cluster.nodes.values():
                if node.running():
                    cluster.kill(node)
        network.teardown()
        lock.release()
        if log.file:
            log.file.close()
            log.file = None
        if passed and not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            print(f"run directory kept: {run_dir}", flush=True)


# The RESP workloads a real run can select (--workloads), each made from the options.
RESP_WORKLOADS = {
    "unique-keys": lambda cluster, seed, args: workloads.UniqueKeys(
        cluster, seed, threads=args.unique_threads, pace_s=0.02),
    "set-add": lambda cluster, seed, args: workloads.SetAdd(
        cluster, seed, threads=args.set_threads, pace_s=0.02, keys=args.set_keys),
    "counter": lambda cluster, seed, args: workloads.Counter(
        cluster, seed, threads=args.counter_threads, pace_s=0.02, keys=args.counter_keys),
    "set": lambda cluster, seed, args: workloads.CrdtSet(
        cluster, seed, threads=args.crdt_set_threads, pace_s=0.02, keys=args.crdt_set_keys),
}
WORKLOADS = ["unique-keys", "set-add", "read-your-writes", "counter", "set"]


def final_check(workload, cluster, server, args, run_dir, log, result):
    """The final reads of one RESP workload and its checker's summary. unique-keys and set-add:
    r=3 through the native client. counter and set (merging types): RESP reads on every running
    member until they agree (checker.converged_reads); counters also with r=3 natively."""
    keys = {r["key"] for r in workload.records}
    if isinstance(workload, workloads.UniqueKeys):
        reads = checker.strong_read(args.fault_client, server, keys, run_dir, workload.name)
        return checker.check_unique(workload.records, reads)
    if isinstance(workload, workloads.SetAdd):
        reads = checker.strong_read(args.fault_client, server, keys, run_dir, workload.name)
        return checker.check_set(workload.name, workload.records, reads)
    targets = [(n.id, cluster.resp(n)) for n in cluster.members() if n.running()]
    counter = isinstance(workload, workloads.Counter)
    if counter:
        keys |= set(workload.key_names())
    finals, rounds, converged, seconds = checker.converged_reads(
        targets, keys, "GET" if counter else "SMEMBERS", timeout_s=args.converge_timeout,
        log=log)
    log(f"{workload.name}: final reads on {len(targets)} members "
        f"{'agreed' if converged else 'DID NOT AGREE'} after {rounds} rounds, {seconds} s")
    result.setdefault("converge", {})[workload.name] = {
        "rounds": rounds, "converged": converged, "seconds": seconds}
    if not counter:
        dump_json(os.path.join(run_dir, f"final-{workload.name}.json"), finals)
        return checker.check_crdt_set(workload.records, finals, converged)
    if isinstance(workload, workloads.CounterControl):
        # Its SETs leave plain values, siblings when concurrent: no r=3 counter read.
        dump_json(os.path.join(run_dir, f"final-{workload.name}.json"), finals)
        return checker.check_counter(workload.records, finals, converged, name=workload.name)
    strong = checker.strong_read(args.fault_client, server, keys, run_dir, workload.name)
    finals["r=3"] = {}
    for key, read in strong.items():
        values = read.get("values")
        if "error" in read or values is None or len(values) > 1:
            finals["r=3"][key] = {"error": read.get("error") or f"values {values}"}
        else:
            text = values[0] if values else "0"
            finals["r=3"][key] = int(text) if workloads.is_integer_text(text) else {
                "error": f"not an integer: {text!r}"}
    dump_json(os.path.join(run_dir, f"final-{workload.name}.json"), finals)
    return checker.check_counter(workload.records, finals, converged, name=workload.name)


def dump_json(path, value):
    with open(path, "w") as out:
        json.dump(value, out, indent=1, sort_keys=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="ringkv fault harness: namespaces, nemesis, workloads, checker")
    parser.add_argument("--duration", type=int, default=60, help="seconds of faults (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="nemesis/workload seed")
    parser.add_argument("--hosts", type=int, default=5, help="cluster size K (default 5)")
    parser.add_argument("--control", action="store_true",
                        help="control run only: plain SET must lose adds (exit 0 if it does)")
    parser.add_argument("--ci", action="store_true",
                        help="the CTest run: a real run then a control run, about 3 minutes")
    parser.add_argument("--ringkv", default=os.path.join(REPO, "build-test/src/cli/ringkv"))
    parser.add_argument("--fault-client",
                        default=os.path.join(REPO, "build-test/tests/faults/fault_client"))
    parser.add_argument("--build", help="build directory to take ringkv and fault_client from")
    parser.add_argument("--keep", action="store_true", help="keep the run directory")
    parser.add_argument("--settle-timeout", type=int, default=180)
    parser.add_argument("--hold-min", type=float, default=3.0)
    parser.add_argument("--hold-max", type=float, default=6.0)
    parser.add_argument("--kinds", help="comma-separated nemesis kinds (default: all)")
    parser.add_argument("--unique-threads", type=int, default=3)
    parser.add_argument("--set-threads", type=int, default=4)
    parser.add_argument("--set-keys", type=int, default=3)
    parser.add_argument("--ryw-threads", type=int, default=3)
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help="comma-separated workloads of a real run (default: all of "
                             f"{','.join(WORKLOADS)})")
    parser.add_argument("--counter-threads", type=int, default=3)
    parser.add_argument("--counter-keys", type=int, default=3)
    parser.add_argument("--crdt-set-threads", type=int, default=3)
    parser.add_argument("--crdt-set-keys", type=int, default=3)
    parser.add_argument("--converge-timeout", type=int, default=60,
                        help="seconds the counter and set final reads wait for every member to "
                             "read the same (default 60)")
    parser.add_argument("--control-threads", type=int, default=6)
    parser.add_argument("--control-keys", type=int, default=1)
    parser.add_argument("--counter-control-threads", type=int, default=3)
    parser.add_argument("--control-duration", type=int, default=25,
                        help="seconds of faults of the control run with --ci")
    parser.add_argument("--strict-ryw", action="store_true",
                        help="fail a real run on stale reads (an acknowledged write missing from "
                             "the read that followed it through the same client); without it "
                             "they are reported only, losses decide")
    parser.add_argument("--json", help="write the summaries of the runs to this file")
    parser.add_argument("--node-arg", action="append", default=[],
                        help="extra argument for every `ringkv serve` (repeatable)")
    args = parser.parse_args(argv)
    if args.build:
        args.ringkv = os.path.join(args.build, "src/cli/ringkv")
        args.fault_client = os.path.join(args.build, "tests/faults/fault_client")
    args.workloads = [w for w in args.workloads.split(",") if w]
    unknown = sorted(set(args.workloads) - set(WORKLOADS))
    if unknown or not args.workloads:
        parser.error(f"--workloads: unknown {unknown}; choose from {','.join(WORKLOADS)}")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 1_000_000)
    if args.ci and args.duration == 60:
        args.duration = 90
    return args


def main(argv):
    args = parse_args(argv)
    if not net.can_make_namespaces():
        print("fault harness skipped: needs root and network namespaces (ip netns)")
        return SKIP
    for path in (args.ringkv, args.fault_client):
        if not os.access(path, os.X_OK):
            print(f"error: {path} is not an executable (build first)", file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log = Log()
    # The command to reproduce a failure: these arguments, the seed replaced by the run's.
    kept, skip = [], False
    for arg in argv:
        if skip or arg == "--seed" or arg.startswith("--seed="):
            skip = arg == "--seed"
            continue
        kept.append(arg)
    command = " ".join(["scripts/fault-harness.sh", *kept])
    results = []
    ok = True
    try:
        if args.ci or not args.control:
            passed, result = run_once(args, control=False, log=log)
            results.append(result)
            ok = ok and passed
        if args.ci or args.control:
            control_args = argparse.Namespace(**vars(args))
            if args.ci:
                control_args.duration = args.control_duration
            passed, result = run_once(control_args, control=True, log=log)
            results.append(result)
            ok = ok and passed
    except Interrupted as stop:
        log(f"interrupted ({stop}); cleaned up")
        return 130
    if args.json:
        with open(args.json, "w") as json_file:
            json.dump(results, json_file, indent=2)
    log(f"total wall time {time.time() - log.start:.0f} s; "
        + ("PASSED" if ok else f"FAILED (reproduce: {command} --seed {args.seed})"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
