"""The checker: strong final reads, then per workload attempted / acknowledged / failed /
indeterminate / lost, and the error messages grouped.

Final reads go through fault_client with r=3 (every home replica must answer, and their versions
are merged), so a replica that missed a write, a wiped replica not yet refilled, or a hint not yet
delivered cannot hide an acknowledged value. RESP offers no per-request r, hence the native
client for every workload's final read.

lost, per workload (for counter: final reads, one per member and key, below the bound):
  unique-keys       an acknowledged SET whose key does not hold its value at the end
  set-add(-control) an acknowledged add whose element is in no sibling of its key at the end
  read-your-writes  for each key (one writer each), the last acknowledged value is missing and
                    no later write of that key (which may have superseded it, even if it failed)
                    is present either
phantom: a value (or set element) at the end that no operation ever tried to write.

The counter and set workloads use Redis types whose replicas merge (CRDTs), so they are read at
the end through RESP on every member, in rounds (converged_reads), until every member answers
every key, all agree, and a round reads what the one before it read; a member's GET or SMEMBERS
merges r=2 replicas and read-repairs them. The counter keys are also read with r=3 through the
native client. Each of those reads is judged on its own:
  counter  with A the sum of the acknowledged deltas and U+ / U- the sums of the positive /
           negative deltas that may have been applied (workloads.may_be_applied: sent but not
           acknowledged), every final value must lie in [A + U-, A + U+]; below it, acknowledged
           increments were lost; above it, an increment was applied that nobody sent or one was
           applied twice. An intermediate read (GET, or the value INCRBY/DECRBY answered) answered
           at time T can only hold deltas sent before T, so it lies between the sums of the
           negative and of the positive deltas sent before T.
  set      every element of an acknowledged SADD is present unless an SREM of it was sent (a
           removal that failed or went unanswered may still have been applied); no element
           appears that no SADD sent, at the end or in an intermediate SMEMBERS answered before
           the SADD was sent. An element whose acknowledged SREM answered 1 but that is present
           at the end is counted, not failed: add wins, and an add forwarded to a second
           coordinator after the first went silent is two adds.
diverged: the members still disagreed (or could not all be read) when the convergence wait ended.
implausible: an intermediate read outside the bounds above.
"""

import bisect
import collections
import json
import os
import re
import subprocess
import time

from workloads import RespLink, may_be_applied, set_elements


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
        self.diverged = []          # keys the members did not agree on at the end
        self.implausible = []       # intermediate reads outside what the history allows
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
        return (not self.lost and not self.unreadable and not self.phantoms and
                not self.diverged and not self.implausible)

    def as_dict(self):
        return {"workload": self.name, "attempted": self.attempted,
                "acknowledged": self.acknowledged, "failed": self.failed,
                "indeterminate": self.indeterminate, "lost": len(self.lost),
                "unreadable": len(self.unreadable), "phantoms": len(self.phantoms),
                "diverged": len(self.diverged), "implausible": len(self.implausible),
                "examples": {"unreadable": self.unreadable[:5], "phantoms": self.phantoms[:5],
                             "diverged": self.diverged[:5],
                             "implausible": self.implausible[:5]},
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


def resp_read(link, command, key):
    """One final RESP read: ("ok", value) with an int for GET (absent: 0) or a sorted list for
    SMEMBERS, or ("error", text)."""
    outcome, reply = link.command(command, key)
    if outcome != "ok":
        return "error", f"{outcome}: {reply}"
    if command == "GET":
        if reply is None:
            return "ok", 0
        try:
            return "ok", int(reply)
        except (TypeError, ValueError):
            return "error", f"not an integer: {reply!r}"
    if not isinstance(reply, (list, set)):
        return "error", f"unexpected reply {reply!r}"
    return "ok", sorted(reply)


def converged_reads(targets, keys, command, timeout_s=60.0, interval_s=2.0, read_timeout_s=3.0,
                    log=None, clock=time.time, sleep=time.sleep, read=resp_read):
    """Reads every key on every target ((node id, (host, port)), RESP) in rounds until a round in
    which every read succeeded, every target answered the same per key, and that equals the round
    before it; or until timeout_s. Returns (reads {node id: {key: value or {"error": text}}},
    rounds, converged, seconds). A lagging replica is read-repaired by the reads themselves, and
    anti-entropy runs meanwhile."""
    start = clock()
    links = {node_id: RespLink(address, read_timeout_s) for node_id, address in targets}
    previous, rounds = None, 0
    try:
        while True:
            rounds += 1
            current = {}
            for node_id, _ in targets:
                current[node_id] = {}
                for key in sorted(keys):
                    outcome, value = read(links[node_id], command, key)
                    current[node_id][key] = value if outcome == "ok" else {"error": value}
            agreed = all(
                not isinstance(current[n][k], dict) and current[n][k] == current[targets[0][0]][k]
                for n, _ in targets for k in keys)
            if agreed and current == previous:
                return current, rounds, True, round(clock() - start, 1)
            if clock() - start >= timeout_s:
                return current, rounds, False, round(clock() - start, 1)
            if log and rounds > 1 and not agreed:
                log(f"{command} final reads: the members do not agree yet (round {rounds})")
            previous = current
            sleep(0 if agreed else interval_s)
    finally:
        for link in links.values():
            link.close()


def _sent_before(times, values, t):
    """Sum of values[i] for times[i] <= t; times sorted, values the prefix sums."""
    i = bisect.bisect_right(times, t)
    return values[i - 1] if i else 0


def _prefix_sums(pairs):
    """(sorted times, prefix sums) of (time, amount) pairs."""
    pairs = sorted(pairs)
    times, sums, total = [], [], 0
    for t, amount in pairs:
        total += amount
        times.append(t)
        sums.append(total)
    return times, sums


# Times are rounded to the ms when recorded: a write counts as sent before a read that was
# answered up to this long before it, which only widens the bounds.
_TIME_SLACK_S = 0.002


def _final_values(final_reads):
    """{key: {reader: value or {"error"}}} from {reader: {key: ...}}."""
    by_key = collections.defaultdict(dict)
    for reader, reads in final_reads.items():
        for key, value in reads.items():
            by_key[key][reader] = value
    return by_key


class CounterHistory:
    """A counter history indexed per key: the acknowledged sum, the deltas that may have been
    applied, and (time sent, delta) of every sent write for the intermediate-read bounds."""

    def __init__(self, records, summary):
        self.reads = collections.Counter()
        self.acked = collections.Counter()
        self.maybe_pos, self.maybe_neg = collections.Counter(), collections.Counter()
        sent_pos, sent_neg = collections.defaultdict(list), collections.defaultdict(list)
        for record in records:
            key = record["key"]
            if record["op"] == "get":
                self.reads[record["outcome"]] += 1
                if record["outcome"] != "ok":
                    summary.errors[("read " + record["outcome"],
                                    normalize(record.get("error")))] += 1
                continue
            summary.count(record)
            delta = record["delta"]
            if record["outcome"] == "ok":
                self.acked[key] += delta
            elif may_be_applied(record):
                (self.maybe_pos if delta > 0 else self.maybe_neg)[key] += delta
            if record["outcome"] == "ok" or may_be_applied(record):
                (sent_pos if delta > 0 else sent_neg)[key].append((record["t"], delta))
        self.prefix_pos = {key: _prefix_sums(pairs) for key, pairs in sent_pos.items()}
        self.prefix_neg = {key: _prefix_sums(pairs) for key, pairs in sent_neg.items()}

    def final_bounds(self, key):
        """[A + U-, A + U+]: what the key may hold once every write has landed."""
        return (self.acked[key] + self.maybe_neg[key], self.acked[key] + self.maybe_pos[key])

    def sent_bounds(self, key, t):
        """What a read answered at t may hold: the sums of the negative and of the positive
        deltas sent by then."""
        return (_sent_before(*self.prefix_neg.get(key, ([], [])), t),
                _sent_before(*self.prefix_pos.get(key, ([], [])), t))

    def describe(self, key):
        return (f"acknowledged {self.acked[key]}, unacknowledged "
                f"{self.maybe_neg[key]}..+{self.maybe_pos[key]}")


def check_counter(records, final_reads, converged=True, name="counter"):
    """final_reads: {reader (node id, or "r=3"): {key: int or {"error": text}}}."""
    summary = Summary(name)
    history = CounterHistory(records, summary)
    checked = 0
    for record in records:  # GET answers and the values INCRBY/DECRBY answered.
        if record["outcome"] != "ok" or record.get("reply") is None:
            continue
        checked += 1
        key, value = record["key"], record["reply"]
        answered = record["t"] + record.get("dt", 0)
        low, high = history.sent_bounds(key, answered + _TIME_SLACK_S)
        if not low <= value <= high:
            summary.implausible.append(
                f"{key}: {record['op']} via {record['host']} answered {value} at "
                f"{answered:.3f} s, but only deltas summing to [{low}, {high}] had been sent by "
                "then")
    finals = {}
    for key, by_reader in sorted(_final_values(final_reads).items()):
        low, high = history.final_bounds(key)
        values = {}
        for reader, value in sorted(by_reader.items()):
            if isinstance(value, dict):
                summary.unreadable.append(f"{key} on {reader}: {value['error']}")
                continue
            values[reader] = value
            if value < low:
                summary.notes["missing_max"] = max(summary.notes.get("missing_max", 0),
                                                   low - value)
                summary.lost.append(f"{key} on {reader}: {value}, below the lower bound {low} "
                                    f"({history.describe(key)}): at least {low - value} "
                                    "acknowledged increments missing")
            elif value > high:
                summary.phantoms.append(f"{key} on {reader}: {value}, above the upper bound "
                                        f"{high} ({history.describe(key)})")
        if len(set(values.values())) > 1 or not converged:
            summary.diverged.append(f"{key}: {values}")
        finals[key] = {"acknowledged": history.acked[key], "lower": low, "upper": high,
                       "values": sorted(set(values.values()))}
    summary.notes["final"] = finals
    summary.notes["reads"] = dict(history.reads)
    summary.notes["intermediate_reads_checked"] = checked
    return summary


def _add_and_removals(records, key, element):
    """The operations of one element, for a report: "SADD via n1 at 3.2 s ok 1; SREM ..."."""
    return f"{key} {element}: " + "; ".join(
        f"{r['op'].upper()} via {r['host']} at {r['t']} s (+{r.get('dt', 0)} s) {r['outcome']} "
        f"{r.get('reply') if r['outcome'] == 'ok' else r.get('error')}"
        for r in records if r["key"] == key and r.get("element") == element)


class SetHistory:
    """A set history indexed per key: every SADD, when each sent SADD was sent, the elements an
    SREM of which was sent, and those an acknowledged SREM answered 1 for."""

    def __init__(self, records, summary):
        self.reads = collections.Counter()
        self.ops = collections.Counter()
        self.adds = collections.defaultdict(dict)         # key -> element -> the SADD record
        self.add_sent = collections.defaultdict(dict)     # key -> element -> when it was sent
        self.removed = collections.defaultdict(set)       # key -> elements an SREM of was sent
        self.removed_one = collections.defaultdict(set)   # key -> acknowledged SREMs of 1
        for record in records:
            key, op, outcome = record["key"], record["op"], record["outcome"]
            if op == "smembers":
                self.reads[outcome] += 1
                if outcome != "ok":
                    summary.errors[("read " + outcome, normalize(record.get("error")))] += 1
                continue
            summary.count(record)
            self.ops[(op, outcome)] += 1
            sent = outcome == "ok" or may_be_applied(record)
            if op == "sadd":
                self.adds[key][record["element"]] = record
                if sent:
                    self.add_sent[key][record["element"]] = record["t"]
                if outcome == "ok" and record.get("reply") == 0:
                    self.ops[("sadd", "answered 0")] += 1
            elif sent:
                self.removed[key].add(record["element"])
                if outcome == "ok" and record.get("reply") == 1:
                    self.removed_one[key].add(record["element"])

    def must_hold(self, key):
        """The elements every final read of key must hold: acknowledged, no SREM sent."""
        return {element for element, record in self.adds[key].items()
                if record["outcome"] == "ok" and element not in self.removed[key]}


def _check_set_intermediate_reads(records, history, summary):
    """Every element an SMEMBERS answered was in an SADD sent before the answer."""
    checked = 0
    for record in records:
        if record["op"] != "smembers" or record["outcome"] != "ok":
            continue
        checked += 1
        answered = record["t"] + record.get("dt", 0)
        sent = history.add_sent[record["key"]]
        early = [e for e in record["reply"]
                 if sent.get(e, float("inf")) > answered + _TIME_SLACK_S]
        if early:
            summary.implausible.append(
                f"{record['key']}: SMEMBERS via {record['host']} answered at {answered:.3f} s "
                f"holds {len(early)} elements no SADD had sent by then (e.g. {early[:3]})")
    return checked


def check_crdt_set(records, final_reads, converged=True, name="set"):
    """final_reads: {reader (node id): {key: sorted members or {"error": text}}}."""
    summary = Summary(name)
    history = SetHistory(records, summary)
    checked = _check_set_intermediate_reads(records, history, summary)
    missing = collections.defaultdict(list)   # (key, element) -> readers missing it
    resurrected = set()
    for key, by_reader in sorted(_final_values(final_reads).items()):
        values = {}
        for reader, members in sorted(by_reader.items()):
            if isinstance(members, dict):
                summary.unreadable.append(f"{key} on {reader}: {members['error']}")
                continue
            members = frozenset(members)
            values[reader] = members
            for element in sorted(history.must_hold(key) - members):
                missing[(key, element)].append(reader)
            for element in sorted(members - set(history.add_sent[key])):
                summary.phantoms.append(f"{key} on {reader}: {element}")
            resurrected.update((key, e) for e in members & history.removed_one[key])
            summary.present_unacked = max(summary.present_unacked, sum(
                1 for e in members
                if e in history.adds[key] and history.adds[key][e]["outcome"] != "ok"))
        if len(set(values.values())) > 1 or not converged:
            sizes = {reader: len(members) for reader, members in values.items()}
            summary.diverged.append(f"{key}: sizes {sizes}")
    for (key, element), readers in sorted(missing.items()):
        record = history.adds[key][element]
        summary.lost.append(f"{key} += {element} (SADD via {record['host']} at {record['t']} s, "
                            f"acknowledged; never removed) missing on {','.join(readers)}")
    summary.notes["operations"] = {f"{op} {outcome}": count
                                   for (op, outcome), count in sorted(history.ops.items())}
    summary.notes["reads"] = dict(history.reads)
    summary.notes["intermediate_reads_checked"] = checked
    summary.notes["removed_but_present"] = len(resurrected)
    summary.notes["removed_but_present_examples"] = [
        _add_and_removals(records, key, element) for key, element in sorted(resurrected)[:5]]
    summary.notes["final_sizes"] = {
        key: sorted({len(m) for m in by_reader.values() if not isinstance(m, dict)})
        for key, by_reader in sorted(_final_values(final_reads).items())}
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
        if s.diverged:
            extra.append(f"DIVERGED at the end: {len(s.diverged)} keys (e.g. {s.diverged[:2]})")
        if s.implausible:
            extra.append(f"IMPLAUSIBLE intermediate reads: {len(s.implausible)}")
        if "intermediate_reads_checked" in s.notes:
            extra.append(f"intermediate reads checked: {s.notes['intermediate_reads_checked']}"
                         f" (reads {s.notes['reads']})")
        if "operations" in s.notes:
            extra.append(f"operations {s.notes['operations']}")
            extra.append(f"removed (SREM answered 1) but present at the end: "
                         f"{s.notes['removed_but_present']} "
                         f"(e.g. {s.notes['removed_but_present_examples'][:2]})")
        if "final_sizes" in s.notes:
            extra.append(f"members per key at the end: {s.notes['final_sizes']}")
        out(f"{s.name}: " + "; ".join(extra))
        for key, final in sorted(s.notes.get("final", {}).items()):
            out(f"  {key}: final {final['values']}, acknowledged {final['acknowledged']}, "
                f"allowed [{final['lower']}, {final['upper']}]")
        for example in s.lost[:5]:
            out(f"  LOST {example}")
        for example in s.phantoms[:3]:
            out(f"  PHANTOM {example}")
        for example in s.implausible[:3]:
            out(f"  IMPLAUSIBLE {example}")
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
