#!/usr/bin/python3
"""Runs one Node.js client test (node_redis_test.mjs, ioredis_test.mjs) against a real 3-node
ringkv cluster: makes sure the client libraries are installed (npm_deps.sh, a no-op when they
are), starts the cluster (tests/clients/ringkv_cluster.py, as redis_py_test.py does), runs the
script with `node` and the cluster's RESP ports in RINGKV_RESP_PORTS, and exits with its status;
on a failure it prints the tail of every node's log.

usage: run_node_test.py RINGKV_BINARY NPM_DIR TEST_SCRIPT
  NPM_DIR       where the libraries are installed (CTest passes BUILD_DIR/npm)
  RINGKV_NODE   environment: the node executable to run the test with (default: node on PATH)
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from ringkv_cluster import Cluster  # noqa: E402

TEST_SECONDS_MAX = 240


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ringkv, npm_dir, script = sys.argv[1:]
    npm_dir = os.path.abspath(npm_dir)
    subprocess.run([os.path.join(HERE, "npm_deps.sh"), npm_dir], check=True)
    node = os.environ.get("RINGKV_NODE") or shutil.which("node")
    if not node:
        sys.exit("node not found: ./scripts/install-deps.sh installs Debian's nodejs")
    name = os.path.splitext(os.path.basename(script))[0]
    with Cluster(ringkv, prefix=f"ringkv-{name}-") as cluster:
        env = dict(os.environ,
                   RINGKV_RESP_PORTS=",".join(str(p) for p in cluster.resp),
                   RINGKV_NODE_MODULES=os.path.join(npm_dir, "node_modules"))
        try:
            result = subprocess.run([node, "--test-reporter=spec", script], env=env,
                                    timeout=TEST_SECONDS_MAX)
            status = result.returncode
        except subprocess.TimeoutExpired:
            print(f"{script} did not finish within {TEST_SECONDS_MAX} s", flush=True)
            status = 1
        if status != 0:
            print(f"{script} failed (exit status {status}); the nodes' logs:\n" + cluster.logs(),
                  flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
