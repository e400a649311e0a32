#!/usr/bin/python3
"""redis-py (Debian's python3-redis) against a real 3-node ringkv cluster on loopback: connect,
pipelines, transactions, counters, sets, hashes and expiry through different nodes, concurrent
writers never making GET fail, WRONGTYPE, redis-benchmark's data-type tests, and the keyspace
commands: scan_iter (MATCH, COUNT, TYPE), KEYS within resp_keys_max, DBSIZE, INFO keyspace and
FLUSHDB refused by default; a second cluster started with allow_flush = true flushes.

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


def eventually(condition, seconds=15):
    """True once condition() is; False if it is not within `seconds` (a key deleted moments ago
    may still be listed while a replica has not seen the delete)."""
    deadline = time.time() + seconds
    while True:
        if condition():
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.1)


class RedisPy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Database 1 (bucket "scans") holds only test_scan_keys_dbsize_and_info's keys.
        cls.cluster = Cluster(RINGKV, prefix="ringkv-redis-py-",
                              extra_args=["--resp-databases", "default,scans",
                                          "--resp-keys-max", "300"])
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

    def test_scan_keys_dbsize_and_info(self):
        writer = client(self.cluster, 0, db=1)
        pipe = writer.pipeline(transaction=False)
        expected = set()
        for i in range(400):
            key = f"user:{i}" if i % 4 == 0 else f"order:{i}"
            pipe.set(key, i)
            expected.add(key.encode())
        pipe.hset("user:h", "f", "v")
        pipe.sadd("user:s", "m")
        pipe.execute()
        expected |= {b"user:h", b"user:s"}
        users = {key for key in expected if key.startswith(b"user:")}
        # Written through n1, scanned through n2: r=2 replicas of every page, so every
        # acknowledged key is found, each once while the ring stays the same.
        reader = client(self.cluster, 1, db=1)
        seen = list(reader.scan_iter(count=7))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(set(seen), expected)
        self.assertEqual(set(reader.scan_iter(match="user:*", count=50)), users)
        self.assertEqual(set(reader.scan_iter(match="user:*", _type="hash")), {b"user:h"})
        self.assertEqual(set(reader.scan_iter(_type="SET")), {b"user:s"})
        self.assertEqual(list(reader.scan_iter(_type="list")), [])
        # SSCAN and HSCAN answer a whole object at once; the iterators stop at cursor 0.
        writer.sadd("user:s", "n", "other")
        writer.hset("user:h", mapping={"g": "w", "x": "y"})
        self.assertEqual(set(reader.sscan_iter("user:s", match="[mn]")), {b"m", b"n"})
        self.assertEqual(dict(reader.hscan_iter("user:h", count=1)),
                         {b"f": b"v", b"g": b"w", b"x": b"y"})
        self.assertEqual(reader.hscan("user:h", 0, match="x"), (0, {b"x": b"y"}))
        cursor, keys = reader.scan(0, count=10)
        self.assertIsInstance(cursor, int)
        self.assertNotEqual(cursor, 0)
        self.assertLessEqual(len(keys), 10)
        with self.assertRaises(redis.ResponseError) as raised:
            client(self.cluster, 2, db=1).scan(cursor)  # Cursors are the node's own.
        self.assertIn("invalid cursor", str(raised.exception))
        self.assertEqual(client(self.cluster, 2, db=1).scan(0, count=1000)[1] != [], True)
        self.assertEqual(set(reader.keys("user:*")), users)  # 102 keys, within 300.
        with self.assertRaises(redis.ResponseError) as raised:
            reader.keys("*")  # 402 keys: past resp_keys_max.
        self.assertIn("resp_keys_max", str(raised.exception))
        # DBSIZE counts one replica per partition: exact once every replica has every write.
        for i in range(3):
            c = client(self.cluster, i, db=1)
            self.assertTrue(eventually(lambda: c.dbsize() == 402), c.dbsize())
        writer.delete("user:0")
        self.assertTrue(eventually(lambda: reader.dbsize() == 401), reader.dbsize())
        # INFO keyspace: a cached count, refreshed in the background at most every 5 s.
        self.assertTrue(eventually(
            lambda: reader.info("keyspace").get("db1", {}).get("keys") == 401, seconds=20),
            reader.info("keyspace"))

    def test_flush_is_refused_by_default(self):
        c = self.r[0]
        c.set("py:keep", "v")
        for flush in (c.flushdb, c.flushall):
            with self.assertRaises(redis.ResponseError) as raised:
                flush()
            self.assertIn("allow_flush", str(raised.exception))
        self.assertEqual(self.r[1].get("py:keep"), b"v")


class RedisPyFlush(unittest.TestCase):
    """A cluster whose nodes run with allow_flush = true."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(RINGKV, prefix="ringkv-redis-py-flush-",
                              extra_args=["--allow-flush", "true",
                                          "--resp-databases", "default,other"])

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_flushdb_and_flushall_delete_every_key(self):
        first = client(self.cluster, 0)
        other = client(self.cluster, 1, db=1)
        first.mset({f"f:{i}": i for i in range(300)})
        other.mset({f"o:{i}": i for i in range(50)})
        self.assertTrue(client(self.cluster, 2).flushdb())
        # Each delete was acknowledged by w=2 replicas: a get (r=2) sees it at once; a scan
        # may list a key until the third replica has it too.
        self.assertIsNone(first.get("f:7"))
        self.assertTrue(eventually(lambda: first.keys("*") == []), first.keys("*"))
        self.assertEqual(first.dbsize(), 0)
        self.assertEqual(len(other.keys("*")), 50)  # Another database: untouched.
        first.set("f:new", "v")
        self.assertTrue(client(self.cluster, 1).flushall(asynchronous=True))
        self.assertIsNone(first.get("f:new"))
        self.assertIsNone(other.get("o:3"))
        for c in (first, other):
            self.assertTrue(eventually(lambda: c.dbsize() == 0), c.dbsize())


if __name__ == "__main__":
    RINGKV = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"])
