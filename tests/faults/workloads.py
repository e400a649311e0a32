"""The workloads, run by threads of the harness (RESP, through redis-py's Connection) and by
fault_client (the C++ client library). Each operation becomes one record:

  {"workload", "key", "value" (unique) | "element" (set), "outcome", "error", "host", "t", "dt"}

outcome is one of
  ok             the node acknowledged it (+OK)
  failed         a definite error: the node answered with an error (-ERR ...), or the request
                 was never sent (the connection could not be made; for the set workload, the
                 GETALL before the write failed, so nothing was written)
  indeterminate  the request was sent and no answer came: a timeout or a lost connection; the
                 write may or may not have been applied
Dynamo has no rollback: a failed write may still have reached some replica and can show up at
the end. The checker demands only that acknowledged writes are present.
"""

import random
import threading
import time

import redis
from redis.connection import Connection


class RespLink:
    """One RESP connection to one host, reopened after any failure. command() tells apart
    "not sent" (connect failed), "answered with an error" and "sent, no answer"."""

    def __init__(self, address, timeout_s):
        self.address = address
        self.timeout_s = timeout_s
        self.conn = None

    def command(self, *args):
        if self.conn is None:
            conn = Connection(host=self.address[0], port=self.address[1],
                              socket_timeout=self.timeout_s, socket_connect_timeout=1.0,
                              retry_on_timeout=False, decode_responses=True)
            try:
                conn.connect()
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                    OSError) as error:
                return "failed", f"connect: {error}"
            self.conn = conn
        try:
            self.conn.send_command(*args)
            return "ok", self.conn.read_response()
        except redis.exceptions.ResponseError as error:
            return "error", str(error)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                OSError) as error:
            self.close()
            return "indeterminate", f"{type(error).__name__}: {error}"

    def close(self):
        if self.conn is not None:
            try:
                self.conn.disconnect()
            except Exception:  # noqa: BLE001 - closing a broken socket
                pass
            self.conn = None


class RespWorkload:
    """Threads issuing RESP operations to random member hosts until stop()."""

    name = "resp"

    def __init__(self, cluster, seed, threads, pace_s, timeout_s=6.0):
        self.cluster = cluster
        self.seed = seed
        self.threads = threads
        self.pace_s = pace_s
        self.timeout_s = timeout_s
        self.records = []
        self._stop = threading.Event()
        self._workers = []
        self.start_time = None

    def _targets(self):
        return [(n.id, self.cluster.resp(n)) for n in self.cluster.members()]

    def start(self):
        self.start_time = time.time()
        for t in range(self.threads):
            worker = threading.Thread(target=self._run, args=(t,), daemon=True,
                                      name=f"{self.name}-{t}")
            worker.start()
            self._workers.append(worker)

    def stop(self):
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def _run(self, t):
        rng = random.Random(f"{self.seed}-{self.name}-{t}")
        links = {}
        avoid_until = {}  # address -> time: a host that refused a connection is skipped for 1 s
        n = 0
        while not self._stop.is_set():
            now = time.time()
            targets = self._targets()
            if not targets:
                time.sleep(0.1)
                continue
            healthy = [t for t in targets if avoid_until.get(t[1], 0) <= now]
            node_id, address = rng.choice(healthy or targets)
            link = links.get(address)
            if link is None:
                link = links[address] = RespLink(address, self.timeout_s)
            started = time.time()
            record = self.operation(t, n, rng, link)
            record.update(workload=self.name, host=node_id,
                          t=round(started - self.start_time, 3),
                          dt=round(time.time() - started, 3))
            self.records.append(record)
            error = record.get("error") or ""
            if error.startswith(("connect:", "GETALL: connect:")):
                avoid_until[address] = time.time() + 1.0
            n += 1
            if self.pace_s:
                time.sleep(self.pace_s)
        for link in links.values():
            link.close()

    def operation(self, t, n, rng, link):
        raise NotImplementedError


def as_record(outcome, reply, expected=None):
    """Maps a RespLink result to (outcome, error)."""
    if outcome == "ok":
        if expected is not None and reply != expected:
            return "failed", f"unexpected reply {reply!r}"
        return "ok", None
    if outcome == "error":
        return "failed", reply
    return outcome, reply


class UniqueKeys(RespWorkload):
    """(a) SET of a new key each time; at the end every acknowledged key must hold its value."""

    name = "unique-keys"

    def operation(self, t, n, rng, link):
        key = f"u{t}-{n}"
        value = f"v{t}-{n}-{rng.randrange(1_000_000)}"
        outcome, error = as_record(*link.command("SET", key, value), expected="OK")
        return {"key": key, "value": value, "outcome": outcome, "error": error}


class SetAdd(RespWorkload):
    """(b) Dynamo's shopping cart: add an element to one of a few shared sets. GETALL (context
    and every sibling), union of the siblings plus the new element, SETCTX with that context: the
    write supersedes exactly what was read, so a concurrent add stays as a sibling. The control
    variant writes with plain SET (supersede whatever the coordinator knows), which discards
    concurrent siblings it has not seen: it must lose adds.

    Keys rotate every `rotate_s` seconds (set-EPOCH-K) so values stay small in long runs."""

    def __init__(self, cluster, seed, threads, pace_s, keys, control=False, rotate_s=60,
                 timeout_s=6.0):
        super().__init__(cluster, seed, threads, pace_s, timeout_s)
        self.keys = keys
        self.control = control
        self.rotate_s = rotate_s
        self.name = "set-add-control" if control else "set-add"
        self.key_prefix = "cset" if control else "set"

    def operation(self, t, n, rng, link):
        epoch = int((time.time() - self.start_time) // self.rotate_s)
        key = f"{self.key_prefix}-{epoch}-{rng.randrange(self.keys)}"
        element = f"{t}.{n}"
        record = {"key": key, "element": element}
        outcome, reply = link.command("GETALL", key)
        if outcome != "ok":
            # Nothing was written: a definite failure of this add, whatever the read's fate.
            _, error = as_record(outcome, reply)
            record.update(outcome="failed", error=f"GETALL: {error}")
            return record
        context, siblings = reply[0], reply[1:]
        members = {element}
        for value in siblings:
            members.update(e for e in value.split(",") if e)
        value = ",".join(sorted(members))
        record["siblings"] = len(siblings)
        if self.control:
            result = link.command("SET", key, value)
        else:
            result = link.command("SETCTX", key, context, value)
        outcome, error = as_record(*result, expected="OK")
        record.update(outcome=outcome, error=error)
        return record


def set_elements(values):
    """The union of the elements of every sibling value."""
    elements = set()
    for value in values:
        elements.update(e for e in value.split(",") if e)
    return elements
