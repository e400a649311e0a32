#!/usr/bin/python3
"""The HTTP/JSON API and Prometheus /metrics of a real 3-node ringkv cluster on loopback
(docs/HTTP.md): keys written through one node and read through another, contexts, siblings from
concurrent writers as 300 multipart and JSON, deletes, quorum parameters and their errors, limits
enforced by the listener (body, headers, malformed requests) with the node still serving, key
listings paged and streamed, the data-type endpoints, /stats and /cluster (a killed node turns
not-alive), and /metrics checked by `promtool check metrics` and read back.

usage: http_test.py RINGKV_BINARY
"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ringkv_cluster import Cluster  # noqa: E402

RINGKV = None


def request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def raw_exchange(port, data, timeout=10):
    """Sends raw bytes and returns everything the server answers before it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


class HttpApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(RINGKV, prefix="ringkv-http-")
        cls.http = cls.cluster.http
        # The HTTP listeners open with RESP's; wait for every one.
        for port in cls.http:
            deadline = time.time() + 20
            while time.time() < deadline:
                try:
                    if request(port, "GET", "/ping")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_put_on_one_node_get_on_another_with_contexts(self):
        status, _, _ = request(self.http[0], "PUT", "/buckets/web/keys/page%2F1", b"<html>")
        self.assertEqual(status, 204)
        status, headers, body = request(self.http[1], "GET", "/buckets/web/keys/page%2F1")
        self.assertEqual((status, body), (200, b"<html>"))
        context = headers["X-Ringkv-Context"]
        status, _, _ = request(self.http[2], "PUT", "/buckets/web/keys/page%2F1?w=all", b"v2",
                               {"X-Ringkv-Context": context})
        self.assertEqual(status, 204)
        status, _, body = request(self.http[0], "GET", "/buckets/web/keys/page%2F1?r=all")
        self.assertEqual((status, body), (200, b"v2"))
        # The same key through RESP's bucket is another key: buckets are namespaces.
        self.assertEqual(request(self.http[0], "GET", "/buckets/other/keys/page%2F1")[0], 404)

    def test_concurrent_writers_leave_siblings_a_context_write_resolves(self):
        status, headers, _ = request(self.http[0], "GET", "/buckets/b/keys/sib")
        self.assertEqual(status, 404)
        context = headers["X-Ringkv-Context"]
        # Two writers with the same (old) context through different nodes: concurrent.
        for i, port in enumerate(self.http[:2]):
            self.assertEqual(request(port, "PUT", "/buckets/b/keys/sib?w=all", f"w{i}".encode(),
                                     {"X-Ringkv-Context": context})[0], 204)
        status, headers, body = request(self.http[2], "GET", "/buckets/b/keys/sib?r=all")
        self.assertEqual(status, 300)
        self.assertTrue(headers["Content-Type"].startswith("multipart/mixed; boundary="))
        self.assertIn(b"w0", body)
        self.assertIn(b"w1", body)
        status, headers, body = request(self.http[2], "GET", "/buckets/b/keys/sib?r=all",
                                        headers={"Accept": "application/json"})
        self.assertEqual(status, 300)
        doc = json.loads(body)
        self.assertEqual(sorted(s["value"] for s in doc["siblings"]), ["w0", "w1"])
        self.assertEqual(request(self.http[1], "PUT", "/buckets/b/keys/sib?w=all", b"merged",
                                 {"X-Ringkv-Context": doc["context"]})[0], 204)
        self.assertEqual(request(self.http[0], "GET", "/buckets/b/keys/sib?r=all")[2], b"merged")

    def test_delete_answers_404_with_a_context(self):
        request(self.http[0], "PUT", "/buckets/b/keys/gone?w=all", b"x")
        self.assertEqual(request(self.http[1], "DELETE", "/buckets/b/keys/gone?w=all")[0], 204)
        status, headers, _ = request(self.http[2], "GET", "/buckets/b/keys/gone?r=all")
        self.assertEqual(status, 404)
        self.assertIn("X-Ringkv-Context", headers)

    def test_bad_parameters_and_limits_are_named(self):
        status, _, body = request(self.http[0], "GET", "/buckets/b/keys/k?r=most")
        self.assertEqual(status, 400)
        self.assertIn(b"r query parameter", body)
        status, _, body = request(self.http[0], "GET", "/buckets/b/keys/k?r=4")
        self.assertEqual(status, 400)
        self.assertIn(b"exceeds", body)
        status, _, body = request(self.http[0], "PUT", "/buckets/b/keys/big", b"x" * (1024 * 1024 + 1))
        self.assertEqual(status, 413)
        self.assertIn(b"value_max_bytes", body)
        # Past the listener's body limit the connection answers 413 and closes.
        answer = raw_exchange(self.http[0], b"PUT /buckets/b/keys/k HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: 5000000\r\n\r\n" + b"x" * 100000)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:80])
        answer = raw_exchange(self.http[0], b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer[:80])
        answer = raw_exchange(self.http[0], b"NOT HTTP AT ALL\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer[:80])
        self.assertEqual(request(self.http[0], "PATCH", "/buckets/b/keys/k")[0], 405)
        # The node still serves.
        self.assertEqual(request(self.http[0], "GET", "/ping")[2], b"OK\n")

    def test_key_listing_pages_and_streams(self):
        keys = {f"list-{i}" for i in range(60)}
        for key in keys:
            self.assertEqual(request(self.http[0], "PUT", f"/buckets/listing/keys/{key}?w=all",
                                     b"v")[0], 204)
        seen = set()
        continuation = None
        for _ in range(100):
            path = "/buckets/listing/keys?keys=true&max_results=7"
            if continuation:
                path += "&continuation=" + continuation
            status, _, body = request(self.http[1], "GET", path)
            self.assertEqual(status, 200, body)
            page = json.loads(body)
            self.assertLessEqual(len(page["keys"]), 7)
            seen.update(page["keys"])
            continuation = page.get("continuation")
            if not continuation:
                break
        self.assertEqual(seen, keys)
        status, headers, body = request(self.http[2], "GET",
                                        "/buckets/listing/keys?keys=stream&max_results=9")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Transfer-Encoding"), "chunked")
        streamed = set()
        for line in body.decode().splitlines():
            streamed.update(json.loads(line)["keys"])
        self.assertEqual(streamed, keys)

    def test_data_types_through_different_nodes(self):
        headers = {"Content-Type": "application/json"}
        for port in self.http:
            self.assertEqual(request(port, "POST", "/buckets/dt/datatypes/hits?w=all",
                                     b'{"increment": 2}', headers)[0], 204)
        status, _, body = request(self.http[0], "GET", "/buckets/dt/datatypes/hits?r=all")
        self.assertEqual((status, json.loads(body)), (200, {"type": "counter", "value": 6}))
        request(self.http[1], "POST", "/buckets/dt/datatypes/tags?w=all", b'{"add": ["a", "b"]}',
                headers)
        request(self.http[2], "POST", "/buckets/dt/datatypes/tags?w=all", b'{"remove": ["a"]}',
                headers)
        status, _, body = request(self.http[0], "GET", "/buckets/dt/datatypes/tags?r=all")
        self.assertEqual(json.loads(body), {"type": "set", "value": ["b"]})
        status, _, body = request(self.http[0], "POST", "/buckets/dt/datatypes/tags",
                                  b'{"increment": 1}', headers)
        self.assertEqual(status, 400)
        self.assertIn(b"WRONGTYPE", body)

    def test_bucket_properties_set_over_http_and_the_cli_reach_every_node(self):
        # Never set: the defaults, not its own.
        status, _, body = request(self.http[0], "GET", "/buckets/props1/props")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual((doc["own"], doc["props"]["n"], doc["props"]["w"]), (False, 3, 2))
        status, _, body = request(self.http[0], "PUT", "/buckets/props1/props",
                                  json.dumps({"props": {"w": "all", "conflict": "lww"}}),
                                  {"Content-Type": "application/json"})
        self.assertEqual(status, 204, body)
        # Gossip brings it to the other nodes within a few pings.
        deadline = time.time() + 10
        while time.time() < deadline:
            doc = json.loads(request(self.http[2], "GET", "/buckets/props1/props")[2])
            if doc["own"]:
                break
            time.sleep(0.1)
        self.assertEqual((doc["own"], doc["props"]["w"], doc["props"]["conflict"]),
                         (True, 3, "lww"), doc)
        self.assertEqual(doc["set_by"], "n1")
        # The bucket now runs with w=3: a write with every node up succeeds.
        self.assertEqual(request(self.http[1], "PUT", "/buckets/props1/keys/k", b"v")[0], 204)
        # Bad properties: 400 naming the property; the table is unchanged.
        for body, fragment in ((json.dumps({"props": {"r": 9}}), b"r must be in [1, n=3]"),
                               (json.dumps({"props": {"colour": "red"}}),
                                b"unknown bucket property 'colour'"),
                               (json.dumps({"props": {"n": -1}}), b"non-negative integer"),
                               ("[1]", b"JSON object"), ("{}", b"at least one property")):
            status, _, answer = request(self.http[0], "PUT", "/buckets/props1/props", body,
                                        {"Content-Type": "application/json"})
            self.assertEqual(status, 400, answer)
            self.assertIn(fragment, answer)
        self.assertEqual(request(self.http[0], "PUT", "/buckets/props1/props", "{}")[0], 415)
        # The CLI sees the same table through any node, and sets through it too.
        result = subprocess.run([RINGKV, "bucket", "get", "props1", "--server",
                                 f"127.0.0.1:{self.cluster.native[1]}"],
                                capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("w=3", result.stdout)
        self.assertIn("conflict=lww", result.stdout)
        self.assertIn("set through n1", result.stdout)
        result = subprocess.run([RINGKV, "bucket", "set", "props2", "n=2", "r=1", "--server",
                                 f"127.0.0.1:{self.cluster.native[2]}"],
                                capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr)
        result = subprocess.run([RINGKV, "bucket", "set", "props2", "w=7", "--server",
                                 f"127.0.0.1:{self.cluster.native[2]}"],
                                capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 1)
        self.assertIn("w must be in [1, n=2], got 7", result.stderr)
        deadline = time.time() + 10
        while time.time() < deadline:
            listing = json.loads(request(self.http[0], "GET", "/buckets")[2])
            if "props2" in listing["buckets"]:
                break
            time.sleep(0.1)
        self.assertIn("props1", listing["buckets"])
        self.assertIn("props2", listing["buckets"])
        self.assertEqual(listing["props"]["props2"]["props"]["n"], 2)
        self.assertEqual(listing["defaults"]["props"]["n"], 3)
        # A reset makes the bucket use the defaults again, everywhere.
        self.assertEqual(request(self.http[0], "DELETE", "/buckets/props1/props")[0], 204)
        self.assertEqual(request(self.http[0], "DELETE", "/buckets/props1/props")[0], 404)
        deadline = time.time() + 10
        while time.time() < deadline:
            doc = json.loads(request(self.http[1], "GET", "/buckets/props1/props")[2])
            if not doc["own"]:
                break
            time.sleep(0.1)
        self.assertEqual((doc["own"], doc["props"]["w"]), (False, 2))

    def test_metrics_pass_promtool_and_count_requests(self):
        for _ in range(5):
            request(self.http[0], "GET", "/buckets/b/keys/metric-probe")
        status, headers, body = request(self.http[0], "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool (Debian package prometheus) is not installed")
        check = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        text = body.decode()
        self.assertIn('ringkv_build_info{version="', text)
        self.assertIn('ringkv_members{state="up",alive="true"} 3', text)
        gets = [line for line in text.splitlines()
                if line.startswith('ringkv_requests_total{api="http",op="get",result="ok"}')]
        self.assertEqual(len(gets), 1)
        self.assertGreaterEqual(float(gets[0].split()[-1]), 5)
        self.assertIn('ringkv_request_duration_seconds_bucket{api="http",op="get",le="+Inf"}',
                      text)

    def test_z_stats_and_cluster_see_a_killed_node_go_down(self):
        status, _, body = request(self.http[0], "GET", "/stats")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["node_id"], "n1")
        status, _, body = request(self.http[0], "GET", "/cluster")
        cluster = json.loads(body)
        self.assertEqual([m["id"] for m in cluster["members"]], ["n1", "n2", "n3"])
        self.assertTrue(all(m["alive"] for m in cluster["members"]))
        self.assertEqual(len(cluster["partition_owners"]), cluster["partition_count"])
        self.cluster.procs[2].kill()
        self.cluster.procs[2].wait()
        deadline = time.time() + 30
        alive = True
        while time.time() < deadline and alive:
            cluster = json.loads(request(self.http[0], "GET", "/cluster")[2])
            alive = [m for m in cluster["members"] if m["id"] == "n3"][0]["alive"]
            time.sleep(0.3)
        self.assertFalse(alive, "n3 still alive in n1's /cluster 30 s after it was killed")


if __name__ == "__main__":
    RINGKV = sys.argv.pop(1)
    unittest.main(verbosity=2)
