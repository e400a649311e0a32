#!/usr/bin/python3
"""The web dashboard in headless Chromium against a real 3-node cluster (docs/OPERATIONS.md,
"Dashboard"): the page every node serves at / renders the three members as up and the ring as one
arc per partition coloured by owner, a node killed with SIGKILL turns down on the page, and a
screenshot is kept as ARTIFACT_DIR/dashboard.png.

usage: dashboard_test.py RINGKV_BINARY ARTIFACT_DIR
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ringkv_cluster import Cluster  # noqa: E402

RINGKV = None
ARTIFACTS = None


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Dom(html.parser.HTMLParser):
    """The attributes of every member row and ring partition of a dumped page."""

    def __init__(self):
        super().__init__()
        self.members = {}
        self.partitions = []
        self.loaded = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body" and attrs.get("data-loaded") == "true":
            self.loaded = True
        if tag == "tr" and "data-node" in attrs:
            self.members[attrs["data-node"]] = attrs.get("data-alive")
        if tag == "path" and "partition" in attrs.get("class", ""):
            self.partitions.append(attrs.get("data-owner"))


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.browser = chromium()
        if cls.browser is None:
            raise unittest.SkipTest("chromium is not installed (Debian package chromium)")
        cls.cluster = Cluster(RINGKV, prefix="ringkv-dashboard-")
        cls.profile = tempfile.mkdtemp(prefix="ringkv-chromium-")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()
        shutil.rmtree(cls.profile, ignore_errors=True)

    def browse(self, *args):
        url = f"http://127.0.0.1:{self.cluster.http[0]}/"
        command = [self.browser, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-dev-shm-usage", f"--user-data-dir={self.profile}",
                   "--virtual-time-budget=4000", *args, url]
        return subprocess.run(command, capture_output=True, timeout=120)

    def dom(self):
        result = self.browse("--dump-dom")
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace")[-2000:])
        page = Dom()
        page.feed(result.stdout.decode(errors="replace"))
        return page

    def cluster_view(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.cluster.http[0]}/cluster") as r:
            return json.loads(r.read())

    def test_members_and_ring_render_and_a_killed_node_turns_down(self):
        # The assets come from the binary, with their types.
        with urllib.request.urlopen(f"http://127.0.0.1:{self.cluster.http[1]}/dashboard.js") as r:
            self.assertTrue(r.headers["Content-Type"].startswith("text/javascript"))
        deadline = time.time() + 30
        while time.time() < deadline and not all(m["alive"] for m in self.cluster_view()["members"]):
            time.sleep(0.2)
        page = self.dom()
        self.assertTrue(page.loaded, "the page never finished a poll")
        self.assertEqual(page.members, {"n1": "true", "n2": "true", "n3": "true"})
        partitions = self.cluster_view()["partition_count"]
        self.assertEqual(len(page.partitions), partitions)
        self.assertEqual(set(page.partitions), {"n1", "n2", "n3"})

        self.cluster.procs[2].kill()
        self.cluster.procs[2].wait()
        deadline = time.time() + 30
        while time.time() < deadline:
            n3 = [m for m in self.cluster_view()["members"] if m["id"] == "n3"][0]
            if not n3["alive"]:
                break
            time.sleep(0.3)
        page = self.dom()
        self.assertEqual(page.members.get("n3"), "false", page.members)
        self.assertEqual(page.members.get("n1"), "true")

        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, "dashboard.png")
        if os.path.exists(shot):
            os.remove(shot)
        result = self.browse(f"--screenshot={shot}", "--window-size=1280,1100")
        self.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace")[-2000:])
        self.assertTrue(os.path.getsize(shot) > 10000, "the screenshot is empty")


if __name__ == "__main__":
    RINGKV = sys.argv.pop(1)
    ARTIFACTS = sys.argv.pop(1)
    unittest.main(verbosity=2)
