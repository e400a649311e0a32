// What the node client tests share: the cluster's RESP ports and the client libraries, both
// handed over by run_node_test.py in environment variables, and small assertion helpers.
//
// The libraries are loaded with createRequire from RINGKV_NODE_MODULES (the build directory's
// npm install, see npm_deps.sh) because an ES module's imports resolve from the importing file's
// own folder, and the source tree holds no node_modules.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function required_env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this test through run_node_test.py`);
  }
  return value;
}

// The RESP port of each node, in node order (n1, n2, n3).
export const resp_ports = required_env('RINGKV_RESP_PORTS').split(',').map(Number);
assert.ok(resp_ports.length >= 3, `three nodes expected, got ports ${resp_ports}`);

const require_from_modules = createRequire(
  path.resolve(required_env('RINGKV_NODE_MODULES'), '..', 'package.json'));

export function require_client_library(name) {
  return require_from_modules(name);
}

// The installed version of a library, from its package.json: printed, and what the library
// reports in CLIENT SETINFO LIB-VER.
export function installed_version(name) {
  return require_from_modules(`${name}/package.json`).version;
}

// Unique key names per run and library, so a rerun against a live cluster never reads old state.
const run_tag = `${process.pid}-${Date.now().toString(36)}`;
export function key_prefix(library) {
  return `${library}:${run_tag}:`;
}

// Retries `check` (an async function that throws on a mismatch) until it passes or
// `timeout_ms` passed, then rethrows the last mismatch. For state that converges across nodes
// (every node answers from its own coordination, which may not yet include increments still
// in flight through another node).
export async function eventually(check, timeout_ms = 5000, interval_ms = 50) {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) {
        throw error;
      }
      await sleep(interval_ms);
    }
  }
}

// Awaits `promise` and checks that it rejected with a Redis error whose message matches
// `pattern` exactly (a RegExp anchored by the caller, or a string compared whole).
export async function assert_redis_error(promise, pattern) {
  let error;
  try {
    const value = await promise;
    assert.fail(`expected a Redis error matching ${pattern}, got the reply ${
      JSON.stringify(value)}`);
  } catch (caught) {
    if (caught instanceof assert.AssertionError) {
      throw caught;
    }
    error = caught;
  }
  if (pattern instanceof RegExp) {
    assert.match(error.message, pattern);
  } else {
    assert.equal(error.message, pattern);
  }
  return error;
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';
export const LPUSH_UNSUPPORTED =
  'ERR LPUSH is not supported by ringkv: lists are not implemented (see docs/REDIS.md)';
