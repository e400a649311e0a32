"""The workloads, run by threads of the harness (RESP, through redis-py's Connection) and by
fault_client (the C++ client library). Each operation becomes one record:

  {"workload", "key", "value" (unique) | "element" (set-add, set) | "delta" (counter),
   "op" (counter, set), "reply", "outcome", "error", "host", "t", "dt"}

t is when the request was sent (seconds since the workload started) and dt how long its answer
took, so t + dt is when the client had the answer: the checker bounds reads by what had been sent
before they were answered.

outcome is one of
  ok             the node acknowledged it (+OK)
  failed         a definite error: the node answered with an error (-ERR ...), or the request
                 was never sent (the connection could not be made; for the set workload, the
                 GETALL before the write failed, so nothing was written)
  indeterminate  the request was sent and no answer came: a timeout or a lost connection; the
                 write may or may not have been applied
Dynamo has no rollback: a failed write may still have reached some replica and can show up at
the end. The checker demands only that acknowledged writes are present. Only a request that was
never sent (error "connect: ...") is known to have done nothing; the checker counts every other
unacknowledged write as one that may have been applied (workloads.may_be_applied).
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


def may_be_applied(record):
    """True when a write may have taken effect although it was not acknowledged: it was sent and
    no answer came (indeterminate), or a node answered with an error. Dynamo has no rollback: an
    error such as `only 1 of the w=2 required replicas acknowledged` comes after the coordinator
    stored the write, and anti-entropy spreads it. Only a request that was never sent (the
    connection could not be made) is known to have done nothing."""
    if record["outcome"] == "ok":
        return False
    # connect: the request could not be sent. GET: / GETALL: the read before a control or
    # set-add write failed, so the write was never sent.
    return not (record.get("error") or "").startswith(("connect:", "GET:", "GETALL:"))


def as_integer_record(outcome, reply):
    """Maps a RespLink result whose answer must be an integer (INCRBY, SADD, SREM) to
    (outcome, error, reply)."""
    if outcome == "ok" and isinstance(reply, int):
        return "ok", None, reply
    if outcome == "ok":
        return "failed", f"unexpected reply {reply!r}", None
    outcome, error = as_record(outcome, reply)
    return outcome, error, None


class Counter(RespWorkload):
    """(c) The counter type (a PN-counter, docs/REDIS.md "Counters in detail"): INCRBY of a small
    random delta on one of a few shared keys through a random member; with probability
    `decrement_p` a DECRBY instead (delta negative in the record), with probability `read_p` a GET
    (an intermediate read). The reply of INCRBY/DECRBY is the coordinator's merged value, so it is
    an intermediate read too. Keys never change type, are never SET or deleted: the value must be
    the sum of the deltas that took effect."""

    name = "counter"

    def __init__(self, cluster, seed, threads, pace_s, keys, decrement_p=0.2, read_p=0.15,
                 timeout_s=3.0):
        super().__init__(cluster, seed, threads, pace_s, timeout_s)
        self.keys = keys
        self.decrement_p = decrement_p
        self.read_p = read_p

    def key_names(self):
        return [f"ctr-{k}" for k in range(self.keys)]

    def operation(self, t, n, rng, link):
        key = f"ctr-{rng.randrange(self.keys)}"
        roll = rng.random()
        if roll < self.read_p:
            outcome, reply = link.command("GET", key)
            record = {"key": key, "op": "get", "delta": 0, "reply": None}
            if outcome == "ok" and (reply is None or is_integer_text(reply)):
                record.update(outcome="ok", error=None, reply=0 if reply is None else int(reply))
            elif outcome == "ok":
                record.update(outcome="failed", error=f"unexpected reply {reply!r}")
            else:
                record.update(zip(("outcome", "error"), as_record(outcome, reply)))
            return record
        amount = rng.randint(1, 5)
        decrement = roll < self.read_p + self.decrement_p
        command = "DECRBY" if decrement else "INCRBY"
        outcome, error, reply = as_integer_record(*link.command(command, key, amount))
        return {"key": key, "op": command.lower(), "delta": -amount if decrement else amount,
                "outcome": outcome, "error": error, "reply": reply}


class CounterControl(Counter):
    """(control run only) The counter done wrong: GET, then SET of the value read plus the delta.
    A SET is an observed reset that the newest of two concurrent ones wins, so concurrent
    read-modify-writes lose increments: the counter checker must see acknowledged increments
    missing."""

    name = "counter-control"

    def __init__(self, cluster, seed, threads, pace_s, keys=1, timeout_s=3.0):
        super().__init__(cluster, seed, threads, pace_s, keys, timeout_s=timeout_s)

    def key_names(self):
        return [f"cctr-{k}" for k in range(self.keys)]

    def operation(self, t, n, rng, link):
        key = f"cctr-{rng.randrange(self.keys)}"
        amount = rng.randint(1, 5)
        record = {"key": key, "op": "incrby", "delta": amount, "reply": None}
        outcome, reply = link.command("GET", key)
        if outcome != "ok" or not (reply is None or is_integer_text(reply)):
            _, error = as_record(outcome, reply)
            record.update(outcome="failed", error=f"GET: {error or repr(reply)}")
            return record
        value = (0 if reply is None else int(reply)) + amount
        record.update(zip(("outcome", "error"),
                          as_record(*link.command("SET", key, str(value)), expected="OK")))
        return record


def is_integer_text(text):
    return isinstance(text, str) and text.lstrip("-").isdigit()


class CrdtSet(RespWorkload):
    """(d) The set type (an add-wins observed-remove set, docs/REDIS.md "Data types under
    concurrency"): SADD of a new element, unique over the run, to one of a few shared keys
    through a random member; with probability `remove_p` an SREM of an element this thread saw in
    a set before (its own acknowledged adds, or an SMEMBERS read), with probability `read_p` an
    SMEMBERS (an intermediate read). Keys rotate every `rotate_s` seconds (sset-EPOCH-K) so each
    object stays small: every update rewrites the whole set."""

    name = "set"

    def __init__(self, cluster, seed, threads, pace_s, keys, remove_p=0.1, read_p=0.1,
                 rotate_s=60, timeout_s=3.0):
        super().__init__(cluster, seed, threads, pace_s, timeout_s)
        self.keys = keys
        self.remove_p = remove_p
        self.read_p = read_p
        self.rotate_s = rotate_s
        self._seen = {}  # thread -> {key: [elements seen in it]}, touched by that thread only

    def operation(self, t, n, rng, link):
        epoch = int((time.time() - self.start_time) // self.rotate_s)
        key = f"sset-{epoch}-{rng.randrange(self.keys)}"
        seen = self._seen.setdefault(t, {}).setdefault(key, [])
        roll = rng.random()
        if roll < self.read_p:
            outcome, reply = link.command("SMEMBERS", key)
            record = {"key": key, "op": "smembers", "reply": None}
            if outcome == "ok" and isinstance(reply, (list, set)):
                members = sorted(reply)
                record.update(outcome="ok", error=None, reply=members)
                known = set(seen)
                seen.extend(m for m in members if m not in known)
            elif outcome == "ok":
                record.update(outcome="failed", error=f"unexpected reply {reply!r}")
            else:
                record.update(zip(("outcome", "error"), as_record(outcome, reply)))
            return record
        if roll < self.read_p + self.remove_p and seen:
            element = seen.pop(rng.randrange(len(seen)))
            outcome, error, reply = as_integer_record(*link.command("SREM", key, element))
            return {"key": key, "op": "srem", "element": element, "outcome": outcome,
                    "error": error, "reply": reply}
        element = f"{t}.{n}"
        outcome, error, reply = as_integer_record(*link.command("SADD", key, element))
        if outcome == "ok":
            seen.append(element)
        return {"key": key, "op": "sadd", "element": element, "outcome": outcome,
                "error": error, "reply": reply}
