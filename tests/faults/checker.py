"""The checker: strong final reads, then per workload attempted / acknowledged / failed /
indeterminate / lost, and the error messages grouped.

Final reads go through fault_client with r=3 (every home replica must answer, and their versions
are merged), so a replica that missed a write, a wiped replica not yet refilled, or a hint not yet
delivered cannot hide an acknowledged value. RESP offers no per-request r, hence the native
client for every workload's final read.

lost, per workload:
  unique-keys       an acknowledged SET whose key does not hold its value at the end
  set-add(-control) an acknowledged add whose element is in no sibling of its key at the end
  read-your-writes  for each key (one writer each), the last acknowledged value is missing and
                    no later write of that key (which may have superseded it, even if it failed)
                    is present either
phantom: a value (or set element) at the end that no operation ever tried to write.
"""

import collections
import json
import os
import re
import subprocess

from workloads import set_elements


def normalize(message):
    """Groups error texts: host addresses, node ids and numbers replaced."""
    text = message or "(no message)"
    text = re.sub(r"10\.77\.\d+\.\d+(:\d+)?", "HOST", text)
    text = re.sub(r"\bn\d+\b", "nX", text)
    text = re.sub(r"\d+", "N", text)
    return text[:220]


def strong_read(fault_client, server, keys, work_dir, name, r=3):
    """{key: {"values": [...]} or {"error": text}} for every key, read with r."""
    keys_path = os.path.join(work_dir, f"final-{name}.keys")
    out_path = os.path.join(work_dir, f"final-{name}.jsonl")
    with open(keys_path, "w") as keys_file:
        for key in sorted(keys):
            keys_file.write(key + "\n")
    result = subprocess.run([fault_client, "read", "--server", server, "--keys", keys_path,
                             "--out", out_path, "--r", str(r)],
                            capture_output=True, text=True, timeout=900)
    reads = {}
    if os.path.exists(out_path):
        with open(out_path) as out_file:
            for line in out_file:
                record = json.loads(line)
                reads[record["key"]] = record
    for key in keys:
        if key not in reads:
            reads[key] = {"error": f"fault_client read exited {result.returncode}: "
                                   f"{result.stderr.strip()[-300:]}"}
    return reads


class Summary:
    def __init__(self, name):
        self.name = name
        self.attempted = 0
        self.acknowledged = 0
        self.failed = 0
        self.indeterminate = 0
        self.lost = []              # descriptions of acknowledged writes missing at the end
        self.unreadable = []        # keys the final read could not read
        self.phantoms = []          # values nobody wrote
        self.present_unacked = 0    # failed or indeterminate writes present at the end
        self.errors = collections.Counter()   # (outcome, normalized message) -> count
        self.notes = {}             # workload-specific counts (stale reads, ...)

    def count(self, record):
        self.attempted += 1
        outcome = record["outcome"]
        if outcome == "ok":
            self.acknowledged += 1
        elif outcome == "failed":
            self.failed += 1
        else:
            self.indeterminate += 1
        if outcome != "ok":
            self.errors[(outcome, normalize(record.get("error")))] += 1

    def passed(self):
        return not self.lost and not self.unreadable and not self.phantoms

    def as_dict(self):
        return {"workload": self.name, "attempted": self.attempted,
                "acknowledged": self.acknowledged, "failed": self.failed,
                "indeterminate": self.indeterminate, "lost": len(self.lost),
                "unreadable": len(self.unreadable), "phantoms": len(self.phantoms),
                "unacknowledged_present": self.present_unacked, "notes": self.notes,
                "lost_examples": self.lost[:20],
                "errors": [{"outcome": o, "message": m, "count": c}
                           for (o, m), c in self.errors.most_common()]}


def check_unique(records, reads):
    summary = Summary("unique-keys")
    for record in records:
        summary.count(record)
        read = reads.get(record["key"], {})
        if "error" in read:
            if record["outcome"] == "ok":
                summary.unreadable.append(record["key"])
            continue
        values = read.get("values", [])
        present = record["value"] in values
        if record["outcome"] == "ok" and not present:
            summary.lost.append(f"{record['key']}={record['value']} (written via "
                                f"{record['host']} at {record['t']} s; read {values})")
        if record["outcome"] != "ok" and present:
            summary.present_unacked += 1
        if any(v != record["value"] for v in values):
            summary.phantoms.append(f"{record['key']}: {values}")
    return summary


def check_set(name, records, reads):
    summary = Summary(name)
    attempted = collections.defaultdict(set)
    for record in records:
        attempted[record["key"]].add(record["element"])
    finals = {}
    for key, read in reads.items():
        if "error" in read:
            summary.unreadable.append(f"{key}: {read['error']}")
        else:
            finals[key] = set_elements(read.get("values", []))
            summary.notes.setdefault("final_siblings", {})[key] = len(read.get("values", []))
    for record in records:
        summary.count(record)
        elements = finals.get(record["key"])
        if elements is None:
            continue
        present = record["element"] in elements
        if record["outcome"] == "ok" and not present:
            summary.lost.append(f"{record['key']} += {record['element']} (via {record['host']} "
                                f"at {record['t']} s)")
        if record["outcome"] != "ok" and present:
            summary.present_unacked += 1
    for key, elements in finals.items():
        for element in sorted(elements - attempted[key]):
            summary.phantoms.append(f"{key}: {element}")
    return summary


def check_ryw(records, reads):
    summary = Summary("read-your-writes")
    by_key = collections.defaultdict(list)
    stale, read_failed = [], 0
    for record in records:
        summary.count(record)
        by_key[record["key"]].append(record)
        if record["outcome"] == "ok":
            if record.get("read") == "missing":
                stale.append(f"{record['key']}={record['value']} at {record['ms'] / 1000:.1f} s "
                             f"(put sent first to {record.get('put_hint') or '?'}, read answered "
                             f"first by {record.get('read_by') or '?'}, "
                             f"{record['done_ms'] - record['ms']} ms): "
                             f"read {record.get('read_values')}")
            elif record.get("read") == "failed":
                read_failed += 1
                summary.errors[("read-back failed", normalize(record.get("read_error")))] += 1
    for key, writes in by_key.items():
        writes.sort(key=lambda r: r["seq"])
        read = reads.get(key, {})
        if "error" in read:
            if any(w["outcome"] == "ok" for w in writes):
                summary.unreadable.append(f"{key}: {read['error']}")
            continue
        values = set(read.get("values", []))
        written = {w["value"]: w for w in writes}
        for value in values:
            if value not in written:
                summary.phantoms.append(f"{key}: {value}")
            elif written[value]["outcome"] != "ok":
                summary.present_unacked += 1
        acked = [w for w in writes if w["outcome"] == "ok"]
        if not acked:
            continue
        last = acked[-1]
        later = {w["value"] for w in writes if w["seq"] >= last["seq"]}
        if not values & later:
            summary.lost.append(f"{key}={last['value']} (seq {last['seq']} at "
                                f"{last['ms'] / 1000:.1f} s; final {sorted(values)})")
    summary.notes["stale_reads"] = len(stale)
    summary.notes["stale_read_examples"] = stale[:10]
    summary.notes["read_back_failed"] = read_failed
    return summary


def print_report(summaries, out=print, top=8):
    header = (f"{'workload':<18} {'attempted':>9} {'acknowledged':>12} {'failed':>7} "
              f"{'indeterminate':>13} {'lost':>5}")
    out(header)
    out("-" * len(header))
    for s in summaries:
        out(f"{s.name:<18} {s.attempted:>9} {s.acknowledged:>12} {s.failed:>7} "
            f"{s.indeterminate:>13} {len(s.lost):>5}")
    for s in summaries:
        out("")
        extra = [f"unacknowledged writes present at the end: {s.present_unacked}"]
        if s.unreadable:
            extra.append(f"UNREADABLE at the end: {len(s.unreadable)} (e.g. {s.unreadable[:3]})")
        if s.phantoms:
            extra.append(f"PHANTOM values: {len(s.phantoms)} (e.g. {s.phantoms[:3]})")
        if "stale_reads" in s.notes:
            extra.append(f"stale reads (acknowledged write missing from the read-back): "
                         f"{s.notes['stale_reads']}; read-backs that failed: "
                         f"{s.notes['read_back_failed']}")
        if "final_siblings" in s.notes:
            extra.append(f"siblings per key at the end: {s.notes['final_siblings']}")
        out(f"{s.name}: " + "; ".join(extra))
        for example in s.lost[:5]:
            out(f"  LOST {example}")
        for example in s.notes.get("stale_read_examples", [])[:3]:
            out(f"  stale read {example}")
        for (outcome, message), count in s.errors.most_common(top):
            out(f"  {count:>6}  {outcome:<16} {message}")
        if len(s.errors) > top:
            rest = sum(c for _, c in s.errors.most_common()[top:])
            out(f"  {rest:>6}  (other messages: {len(s.errors) - top})")
    overall = collections.Counter()
    for s in summaries:
        for (outcome, message), count in s.errors.items():
            overall[(outcome, message.removeprefix("GETALL: "))] += count
    if overall:
        out("")
        out("every workload, by message (GETALL: the read before a set-add write):")
        for (outcome, message), count in overall.most_common(12):
            out(f"  {count:>6}  {outcome:<16} {message}")
