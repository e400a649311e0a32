"""Unit tests of the fault harness's checker on made-up histories: each workload's checker must
count a lost acknowledged write, and must not count what a later write may have superseded.
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


class NormalizeTest(unittest.TestCase):
    def test_groups_addresses_ids_and_numbers(self):
        self.assertEqual(
            checker.normalize("Unavailable: forwarded to n12, no answer within 2000 ms"),
            "Unavailable: forwarded to nX, no answer within N ms")
        self.assertEqual(checker.normalize("connect: Error 111 connecting to 10.77.3.4:6379."),
                         "connect: Error N connecting to HOST.")


if __name__ == "__main__":
    unittest.main()
