#!/usr/bin/python3
"""redis-py (Debian's python3-redis) against a real 3-node ringkv cluster on loopback: connect,
pipelines, transactions, counters, sets, hashes and expiry through different nodes, concurrent
writers never making GET fail, WRONGTYPE, and redis-benchmark's data-type tests.

usage: redis_py_test.py RINGKV_BINARY
"""
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ringkv_cluster import Cluster  # noqa: E402

RINGKV = None


def client(cluster, i, **kwargs):
    return redis.Redis(host="127.0.0.1", port=cluster.resp[i], socket_timeout=10, **kwargs)


class RedisPy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(RINGKV, prefix="ringkv-redis-py-")
        cls.r = [client(cls.cluster, i) for i in range(3)]

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_strings_and_pipelines(self):
        r = self.r[0]
        self.assertTrue(r.ping())
        self.assertTrue(r.set("py:s", "v1"))
        self.assertEqual(self.r[1].get("py:s"), b"v1")
        self.assertIsNone(r.set("py:s", "v2", nx=True))
        self.assertTrue(r.set("py:s", "v2", xx=True))
        self.assertEqual(r.getset("py:s", "v3"), b"v2")
        self.assertEqual(r.append("py:s", "x"), 3)
        self.assertEqual(r.strlen("py:s"), 3)
        r.mset({"py:a": "1", "py:b": "2"})
        self.assertEqual(self.r[2].mget("py:a", "py:b", "py:none"), [b"1", b"2", None])
        self.assertEqual(r.type("py:a"), b"string")
        pipe = r.pipeline(transaction=False)
        for i in range(50):
            pipe.set(f"py:p{i}", i)
        pipe.incr("py:pc")
        pipe.get("py:p7")
        results = pipe.execute()
        self.assertEqual(results[-1], b"7")
        self.assertEqual(results[-2], 1)
        self.assertEqual(r.getdel("py:a"), b"1")
        self.assertEqual(r.exists("py:a", "py:b"), 1)
        self.assertEqual(r.delete("py:b", "py:none"), 1)

    def test_transactions_run_in_order_and_abort_cleanly(self):
        r = self.r[1]
        pipe = r.pipeline(transaction=True)
        pipe.incr("py:tx")
        pipe.sadd("py:txset", "a")
        pipe.incrby("py:tx", 4)
        self.assertEqual(pipe.execute(), [1, 1, 5])
        # A command refused while queueing aborts everything: nothing is applied.
        pipe = r.pipeline(transaction=True)
        pipe.incr("py:tx")
        pipe.execute_command("NOSUCHCOMMAND")
        with self.assertRaises(redis.ResponseError):
            pipe.execute()
        self.assertEqual(r.get("py:tx"), b"5")

    def test_counters_count_every_increment_through_every_node(self):
        threads = []
        per_client = 200

        def work(i):
            c = client(self.cluster, i)
            for _ in range(per_client):
                c.incr("py:counter")

        for i in range(3):
            threads.append(threading.Thread(target=work, args=(i,)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in self.r:
            self.assertEqual(c.get("py:counter"), str(3 * per_client).encode())
        self.assertEqual(self.r[0].incrbyfloat("py:counter", 0.5), 600.5)
        self.assertEqual(self.r[2].decrby("py:counter2", 3), -3)
        with self.assertRaises(redis.ResponseError):
            self.r[0].incr("py:counter")  # 600.5 is not an integer

    def test_sets_keep_every_member_added_through_any_node(self):
        threads = []

        def work(i):
            c = client(self.cluster, i)
            for j in range(100):
                c.sadd("py:set", f"m{i}-{j}")

        for i in range(3):
            threads.append(threading.Thread(target=work, args=(i,)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        expected = {f"m{i}-{j}".encode() for i in range(3) for j in range(100)}
        for c in self.r:
            self.assertEqual(c.smembers("py:set"), expected)
            self.assertEqual(c.scard("py:set"), 300)
        self.assertEqual(self.r[1].srem("py:set", "m0-0", "nope"), 1)
        self.assertFalse(self.r[2].sismember("py:set", "m0-0"))
        self.assertEqual(self.r[0].smismember("py:set", ["m1-1", "m0-0"]), [True, False])

    def test_hashes(self):
        r = self.r[0]
        self.assertEqual(r.hset("py:h", mapping={"name": "ada", "visits": 1}), 2)
        self.assertEqual(self.r[1].hincrby("py:h", "visits", 2), 3)
        self.assertEqual(self.r[2].hgetall("py:h"), {b"name": b"ada", b"visits": b"3"})
        self.assertEqual(r.hget("py:h", "name"), b"ada")
        self.assertEqual(r.hmget("py:h", ["name", "none"]), [b"ada", None])
        self.assertEqual(r.hlen("py:h"), 2)
        self.assertTrue(r.hexists("py:h", "visits"))
        self.assertEqual(sorted(r.hkeys("py:h")), [b"name", b"visits"])
        self.assertFalse(r.hsetnx("py:h", "name", "bob"))
        self.assertEqual(r.hdel("py:h", "name"), 1)
        self.assertEqual(r.hincrbyfloat("py:h", "score", 1.25), 1.25)
        with self.assertRaises(redis.ResponseError) as raised:
            r.sadd("py:h", "x")
        self.assertIn("WRONGTYPE", str(raised.exception))

    def test_expiry(self):
        r = self.r[0]
        self.assertTrue(r.set("py:e", "v", ex=100))
        self.assertTrue(95 <= self.r[1].ttl("py:e") <= 100)
        self.assertTrue(r.persist("py:e"))
        self.assertEqual(r.ttl("py:e"), -1)
        self.assertTrue(r.expire("py:e", 50))
        self.assertTrue(0 < r.pttl("py:e") <= 50000)
        self.assertTrue(r.set("py:short", "v", px=300))
        self.assertTrue(r.setex("py:setex", 100, "v"))
        self.assertEqual(r.getex("py:setex", persist=True), b"v")
        self.assertEqual(r.ttl("py:setex"), -1)
        time.sleep(0.6)
        for c in self.r:
            self.assertIsNone(c.get("py:short"))
            self.assertEqual(c.exists("py:short"), 0)
        self.assertEqual(r.ttl("py:missing"), -2)

    def test_concurrent_writers_never_make_get_fail(self):
        errors = []
        stop = threading.Event()

        def writer(i):
            c = client(self.cluster, i)
            n = 0
            while not stop.is_set():
                c.set("py:contended", f"w{i}-{n}")
                n += 1

        def reader(i):
            c = client(self.cluster, i)
            for _ in range(300):
                try:
                    value = c.get("py:contended")
                    if value is not None and not value.startswith(b"w"):
                        errors.append(value)
                except redis.ResponseError as error:
                    errors.append(str(error))

        writers = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
        readers = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
        for t in writers + readers:
            t.start()
        for t in readers:
            t.join()
        stop.set()
        for t in writers:
            t.join()
        self.assertEqual(errors, [])

    def test_redis_benchmark_data_type_tests_complete(self):
        benchmark = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"
        result = subprocess.run(
            [benchmark, "-p", str(self.cluster.resp[0]), "-t", "set,get,incr,mset,sadd,hset",
             "-n", "2000", "-q"], capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for test in ("SET:", "GET:", "INCR:", "MSET (10 keys):", "SADD:", "HSET:"):
            self.assertIn(test, result.stdout, result.stdout)
        # Every INCR counted: the benchmark's counter key holds n increments.
        self.assertEqual(self.r[1].get("counter:__rand_int__"), b"2000")


if __name__ == "__main__":
    RINGKV = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"])
