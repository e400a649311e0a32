"""Unit tests of the fault harness's checker on made-up histories: each workload's checker must
count a lost acknowledged write (an acknowledged increment, an acknowledged set element) and an
element or increment nobody sent, and must not count what a later or unacknowledged write may
have done.
Run by CTest (fault_checker) or: python3 -m unittest discover -s tests/faults -p '*_test.py'."""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checker  # noqa: E402


def op(key, outcome="ok", error=None, **fields):
    return {"key": key, "outcome": outcome, "error": error, "host": "n1", "t": 0.0, **fields}


class UniqueKeysTest(unittest.TestCase):
    def test_counts_outcomes_and_losses(self):
        records = [op("a", value="va"), op("b", value="vb"),
                   op("c", "failed", "Unavailable: ring mismatch: n3 is not a home replica",
                      value="vc"),
                   op("d", "indeterminate", "TimeoutError: Timeout reading from socket",
                      value="vd")]
        reads = {"a": {"values": ["va"]}, "b": {"values": []}, "c": {"values": ["vc"]},
                 "d": {"values": []}}
        summary = checker.check_unique(records, reads)
        self.assertEqual((summary.attempted, summary.acknowledged, summary.failed,
                          summary.indeterminate), (4, 2, 1, 1))
        self.assertEqual(len(summary.lost), 1)
        self.assertIn("b=vb", summary.lost[0])
        self.assertEqual(summary.present_unacked, 1)
        self.assertFalse(summary.passed())

    def test_phantoms_and_unreadable_fail(self):
        summary = checker.check_unique([op("a", value="va"), op("b", value="vb")],
                                       {"a": {"values": ["va", "other"]},
                                        "b": {"error": "Unavailable: only 2 of the r=3"}})
        self.assertEqual(len(summary.phantoms), 1)
        self.assertEqual(summary.unreadable, ["b"])
        self.assertEqual(summary.lost, [])
        self.assertFalse(summary.passed())


class SetAddTest(unittest.TestCase):
    def test_union_of_siblings_must_hold_every_acknowledged_element(self):
        records = [op("s", element="0.0"), op("s", element="1.0"), op("s", element="0.1"),
                   op("s", "failed", "GETALL: connect: refused", element="1.1")]
        ok = checker.check_set("set-add", records, {"s": {"values": ["0.0,0.1", "0.0,1.0"]}})
        self.assertEqual(ok.lost, [])
        self.assertTrue(ok.passed())
        lossy = checker.check_set("set-add", records, {"s": {"values": ["0.0,0.1"]}})
        self.assertEqual(len(lossy.lost), 1)
        self.assertIn("1.0", lossy.lost[0])
        phantom = checker.check_set("set-add", records, {"s": {"values": ["0.0,0.1,1.0,9.9"]}})
        self.assertEqual(phantom.phantoms, ["s: 9.9"])


class ReadYourWritesTest(unittest.TestCase):
    def writes(self, outcomes):
        return [op("k", outcome, None if outcome == "ok" else "x", value=f"v{seq}", seq=seq,
                   ms=seq * 10, done_ms=seq * 10 + 5, read="contains" if outcome == "ok"
                   else "skipped")
                for seq, outcome in enumerate(outcomes)]

    def test_last_acknowledged_value_must_survive(self):
        records = self.writes(["ok", "ok"])
        self.assertEqual(checker.check_ryw(records, {"k": {"values": ["v1"]}}).lost, [])
        self.assertEqual(len(checker.check_ryw(records, {"k": {"values": ["v0"]}}).lost), 1)

    def test_a_later_unacknowledged_write_may_have_superseded_it(self):
        records = self.writes(["ok", "failed", "indeterminate"])
        summary = checker.check_ryw(records, {"k": {"values": ["v2"]}})
        self.assertEqual(summary.lost, [])
        self.assertEqual(summary.present_unacked, 1)

    def test_stale_read_is_counted(self):
        records = self.writes(["ok", "ok"])
        records[1]["read"] = "missing"
        records[1]["read_values"] = ["v0"]
        summary = checker.check_ryw(records, {"k": {"values": ["v1"]}})
        self.assertEqual(summary.notes["stale_reads"], 1)
        self.assertEqual(summary.lost, [])


def incr(key, delta, outcome="ok", t=0.0, dt=0.01, reply=None, error=None, host="n1"):
    if error is None and outcome != "ok":
        error = ("TimeoutError: Timeout reading from socket" if outcome == "indeterminate" else
                 "Unavailable: only 1 of the w=2 required replicas acknowledged the write")
    return {"key": key, "op": "incrby" if delta > 0 else "decrby", "delta": delta,
            "outcome": outcome, "error": error, "reply": reply, "host": host, "t": t, "dt": dt}


def get(key, value, t, dt=0.01, host="n1"):
    return {"key": key, "op": "get", "delta": 0, "outcome": "ok", "error": None, "reply": value,
            "host": host, "t": t, "dt": dt}


def everywhere(values, readers=("n1", "n2", "n3")):
    """The same final reads on every reader: {reader: {key: value}}."""
    return {reader: dict(values) for reader in readers}


class CounterTest(unittest.TestCase):
    # Acknowledged 3 + 4 - 2 = 5; may have been applied: +5 (timeout), +1 (an error reply after
    # the coordinator stored it), -3 (timeout); never sent: +7. Allowed: [5 - 3, 5 + 6] = [2, 11].
    history = [incr("c", 3), incr("c", 4), incr("c", -2), incr("c", 5, "indeterminate"),
               incr("c", 1, "failed"), incr("c", -3, "indeterminate"),
               incr("c", 7, "failed", error="connect: Error 111 connecting to 10.77.1.2:6379.")]

    def test_final_values_within_the_bounds_pass(self):
        for value in (2, 5, 11):
            summary = checker.check_counter(self.history, everywhere({"c": value}))
            self.assertTrue(summary.passed(), (value, summary.as_dict()))
        summary = checker.check_counter(self.history, everywhere({"c": 6}))
        self.assertEqual((summary.attempted, summary.acknowledged, summary.failed,
                          summary.indeterminate), (7, 3, 2, 2))
        self.assertEqual(summary.notes["final"]["c"],
                         {"acknowledged": 5, "lower": 2, "upper": 11, "values": [6]})

    def test_a_lost_acknowledged_increment_fails(self):
        # Only n2 lost it: one read below the bound is enough.
        reads = everywhere({"c": 5})
        reads["n2"]["c"] = 1
        summary = checker.check_counter(self.history, reads)
        self.assertEqual(len(summary.lost), 1)
        self.assertIn("c on n2: 1, below the lower bound 2", summary.lost[0])
        self.assertEqual(len(summary.diverged), 1)
        self.assertFalse(summary.passed())
        # Without unknown deltas the lower bound is exactly the acknowledged sum.
        acked_only = [incr("c", 3), incr("c", 4)]
        lossy = checker.check_counter(acked_only, everywhere({"c": 4}))
        self.assertEqual(len(lossy.lost), 3)
        self.assertIn("at least 3 acknowledged increments missing", lossy.lost[0])

    def test_a_value_above_every_sent_delta_fails(self):
        # 12 would need the never-sent +7, or an increment applied twice.
        summary = checker.check_counter(self.history, everywhere({"c": 12}))
        self.assertEqual(len(summary.phantoms), 3)
        self.assertIn("above the upper bound 11", summary.phantoms[0])
        self.assertFalse(summary.passed())

    def test_a_control_increment_whose_read_failed_was_never_sent(self):
        # counter-control: GET then SET; a failed GET means the SET was not sent.
        history = [incr("c", 3), incr("c", 4, "failed", error="GET: Unavailable: only 1 of r=2")]
        self.assertTrue(checker.check_counter(history, everywhere({"c": 3})).passed())
        summary = checker.check_counter(history, everywhere({"c": 7}))
        self.assertEqual(len(summary.phantoms), 3)

    def test_keys_never_written_must_read_zero(self):
        summary = checker.check_counter(self.history, everywhere({"c": 5, "untouched": 0}))
        self.assertTrue(summary.passed())
        summary = checker.check_counter(self.history, everywhere({"c": 5, "untouched": 1}))
        self.assertEqual(len(summary.phantoms), 3)

    def test_members_that_disagree_or_cannot_be_read_fail(self):
        reads = everywhere({"c": 5})
        reads["n3"]["c"] = 6
        summary = checker.check_counter(self.history, reads)
        self.assertEqual(summary.lost, [])
        self.assertEqual(len(summary.diverged), 1)
        self.assertFalse(summary.passed())
        reads["n3"]["c"] = {"error": "indeterminate: TimeoutError"}
        summary = checker.check_counter(self.history, reads)
        self.assertEqual(len(summary.unreadable), 1)
        self.assertFalse(summary.passed())
        not_converged = checker.check_counter(self.history, everywhere({"c": 5}), converged=False)
        self.assertFalse(not_converged.passed())

    def test_an_intermediate_read_may_hold_only_deltas_sent_before_its_answer(self):
        history = [incr("c", 2, t=1.0, reply=2), incr("c", 3, "indeterminate", t=2.0),
                   get("c", 5, t=2.5), incr("c", -4, t=3.0, reply=1)]
        summary = checker.check_counter(history, everywhere({"c": 1}))
        self.assertTrue(summary.passed(), summary.as_dict())
        self.assertEqual(summary.notes["intermediate_reads_checked"], 3)
        # At 1.5 s only +2 had been sent: reading 5 then is impossible.
        early = history + [get("c", 5, t=1.5)]
        summary = checker.check_counter(early, everywhere({"c": 1}))
        self.assertEqual(len(summary.implausible), 1)
        self.assertIn("[0, 2]", summary.implausible[0])
        # Nor can a read go below the decrements sent so far.
        low = history + [get("c", -1, t=2.5)]
        self.assertEqual(len(checker.check_counter(low, everywhere({"c": 1})).implausible), 1)


def sadd(key, element, outcome="ok", t=0.0, reply=1, error=None, host="n1"):
    if error is None and outcome != "ok":
        error = "TimeoutError: Timeout reading from socket"
    return {"key": key, "op": "sadd", "element": element, "outcome": outcome, "error": error,
            "reply": reply if outcome == "ok" else None, "host": host, "t": t, "dt": 0.01}


def srem(key, element, outcome="ok", reply=1, error=None):
    record = sadd(key, element, outcome, reply=reply, error=error)
    record["op"] = "srem"
    return record


def smembers(key, members, t, host="n2"):
    return {"key": key, "op": "smembers", "outcome": "ok", "error": None,
            "reply": sorted(members), "host": host, "t": t, "dt": 0.01}


class CrdtSetTest(unittest.TestCase):
    history = [sadd("s", "0.0", t=1.0), sadd("s", "0.1", t=2.0), sadd("s", "1.0", t=3.0),
               sadd("s", "1.1", "indeterminate", t=4.0),
               sadd("s", "1.2", "failed", error="connect: Error 111 connecting", t=5.0),
               srem("s", "0.1", "indeterminate")]

    def test_acknowledged_elements_must_be_everywhere_unless_removed(self):
        # 0.1 may be gone: its SREM went unanswered; 1.1 may be there or not.
        for members in (["0.0", "1.0"], ["0.0", "0.1", "1.0", "1.1"]):
            summary = checker.check_crdt_set(self.history, everywhere({"s": members}))
            self.assertTrue(summary.passed(), (members, summary.as_dict()))
        summary = checker.check_crdt_set(self.history, everywhere({"s": ["0.0", "1.0", "1.1"]}))
        self.assertEqual(summary.present_unacked, 1)
        self.assertEqual((summary.attempted, summary.acknowledged, summary.failed,
                          summary.indeterminate), (6, 3, 1, 2))

    def test_a_lost_acknowledged_element_fails_and_names_the_members(self):
        reads = everywhere({"s": ["0.0", "1.0"]})
        reads["n2"]["s"] = ["0.0"]
        reads["n3"]["s"] = ["0.0"]
        summary = checker.check_crdt_set(self.history, reads)
        self.assertEqual(len(summary.lost), 1)
        self.assertIn("s += 1.0", summary.lost[0])
        self.assertIn("missing on n2,n3", summary.lost[0])
        self.assertFalse(summary.passed())

    def test_an_element_nobody_added_fails(self):
        summary = checker.check_crdt_set(self.history, everywhere({"s": ["0.0", "1.0", "9.9"]}))
        self.assertEqual(len(summary.phantoms), 3)
        self.assertIn("s on n1: 9.9", summary.phantoms[0])
        self.assertFalse(summary.passed())
        # An SADD that was never sent cannot have added its element either.
        summary = checker.check_crdt_set(self.history, everywhere({"s": ["0.0", "1.0", "1.2"]}))
        self.assertEqual(len(summary.phantoms), 3)

    def test_an_intermediate_read_holds_only_elements_already_sent(self):
        ok = self.history + [smembers("s", ["0.0", "0.1"], t=2.5)]
        self.assertEqual(checker.check_crdt_set(ok, everywhere({"s": ["0.0", "1.0"]})).implausible,
                         [])
        early = self.history + [smembers("s", ["0.0", "1.0"], t=2.5)]
        summary = checker.check_crdt_set(early, everywhere({"s": ["0.0", "1.0"]}))
        self.assertEqual(len(summary.implausible), 1)
        self.assertIn("1.0", summary.implausible[0])

    def test_an_acknowledged_removal_then_present_is_counted_not_failed(self):
        history = [sadd("s", "0.0"), srem("s", "0.0", reply=1)]
        summary = checker.check_crdt_set(history, everywhere({"s": ["0.0"]}))
        self.assertEqual(summary.notes["removed_but_present"], 1)
        self.assertTrue(summary.passed())

    def test_members_that_disagree_fail(self):
        reads = everywhere({"s": ["0.0", "1.0"]})
        reads["n1"]["s"] = ["0.0", "1.0", "1.1"]
        summary = checker.check_crdt_set(self.history, reads)
        self.assertEqual(summary.lost, [])
        self.assertEqual(len(summary.diverged), 1)
        self.assertFalse(summary.passed())


class ConvergedReadsTest(unittest.TestCase):
    """converged_reads with a scripted read and a fake clock (no sockets)."""

    def run_rounds(self, script, timeout_s=10.0):
        now = [0.0]
        calls = []

        def read(link, command, key):
            calls.append(link.address)
            node = link.address[0]
            round_ = sum(1 for a in calls if a == link.address) - 1
            values = script[node]
            return "ok", values[min(round_, len(values) - 1)]

        def sleep(seconds):
            now[0] += max(seconds, 0.5)

        targets = [(node, (node, 6379)) for node in sorted(script)]
        return checker.converged_reads(targets, {"k"}, "GET", timeout_s=timeout_s,
                                       clock=lambda: now[0], sleep=sleep, read=read)

    def test_waits_until_every_member_agrees_twice(self):
        # n2 lags for two rounds, then catches up; the third round agrees, the fourth confirms.
        reads, rounds, converged, _ = self.run_rounds({"n1": [5], "n2": [3, 4, 5]})
        self.assertTrue(converged)
        self.assertEqual(rounds, 4)
        self.assertEqual(reads, {"n1": {"k": 5}, "n2": {"k": 5}})

    def test_gives_up_at_the_timeout(self):
        reads, _, converged, _ = self.run_rounds({"n1": [5], "n2": [4]}, timeout_s=3.0)
        self.assertFalse(converged)
        self.assertEqual(reads["n2"], {"k": 4})


class NormalizeTest(unittest.TestCase):
    def test_groups_addresses_ids_and_numbers(self):
        self.assertEqual(
            checker.normalize("Unavailable: forwarded to n12, no answer within 2000 ms"),
            "Unavailable: forwarded to nX, no answer within N ms")
        self.assertEqual(checker.normalize("connect: Error 111 connecting to 10.77.3.4:6379."),
                         "connect: Error N connecting to HOST.")


if __name__ == "__main__":
    unittest.main()
