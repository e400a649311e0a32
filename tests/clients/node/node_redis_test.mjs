// node-redis (the npm package `redis`, version pinned in package-lock.json) against a real
// 3-node ringkv cluster: the connection handshake (HELLO 3, so RESP3), strings, expiry,
// counters incremented concurrently through every node, sets, hashes, batching, transactions,
// errors and connection commands. Run by run_node_test.py (CTest `node_redis_client`), which
// starts the cluster and sets RINGKV_RESP_PORTS and RINGKV_NODE_MODULES.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  LPUSH_UNSUPPORTED,
  NOT_AN_INTEGER,
  WRONGTYPE,
  assert_redis_error,
  eventually,
  installed_version,
  key_prefix,
  require_client_library,
  resp_ports,
} from './cluster_env.mjs';

const { createClient } = require_client_library('redis');
const version = installed_version('@redis/client');
const k = key_prefix('node-redis');

const opened = [];
const connection_errors = [];

// A client connected to node `i` (0, 1, 2). No reconnection: a dropped connection is a failure
// here, not something to paper over.
async function connect(i, options = {}) {
  const client = createClient({
    socket: {
      host: '127.0.0.1', port: resp_ports[i], connectTimeout: 5000, reconnectStrategy: false,
    },
    ...options,
  });
  client.on('error', (error) => connection_errors.push(`node ${i}: ${error.message}`));
  await client.connect();
  opened.push(client);
  return client;
}

// node-redis returns RESP3 maps as objects without a prototype; a plain copy compares with
// deepEqual against a literal.
const plain = (object) => ({ ...object });
const sorted = (array) => [...array].sort();

describe(`node-redis ${version} against a 3-node ringkv cluster`, () => {
  let nodes; // one client per node

  before(async () => {
    console.log(`node ${process.version}, redis ${installed_version('redis')}, ` +
                `@redis/client ${version}, RESP ports ${resp_ports}`);
    nodes = await Promise.all([0, 1, 2].map((i) => connect(i)));
  });

  after(async () => {
    await Promise.all(opened.map((client) => client.close()));
    assert.deepEqual(connection_errors, []);
  });

  it('connects with HELLO 3: the connection speaks RESP3 and names its library', async () => {
    const [client] = nodes;
    const id = await client.clientId();
    assert.equal(typeof id, 'number');
    // HELLO without a version answers the server map in the connection's current protocol.
    const hello = plain(await client.sendCommand(['HELLO']));
    assert.deepEqual(hello, {
      server: 'ringkv', version: '7.0.0', proto: 3, id, mode: 'standalone', role: 'master',
      modules: [],
    });
    const info = await client.sendCommand(['CLIENT', 'INFO']);
    assert.match(String(info), new RegExp(`^id=${id} .* resp=3 lib-name=node-redis lib-ver=${
      version.replaceAll('.', '\\.')}\\n?$`));
    assert.equal(await client.ping(), 'PONG');
    assert.equal(await client.ping('hi'), 'hi');
  });

  it('SET, GET and DEL through different nodes', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.set(`${k}s`, 'v1'), 'OK');
    assert.equal(await b.get(`${k}s`), 'v1');
    assert.equal(await c.set(`${k}s`, 'v2', { condition: 'NX' }), null);
    assert.equal(await c.set(`${k}s`, 'v2', { condition: 'XX' }), 'OK');
    assert.equal(await a.set(`${k}s`, 'v3', { GET: true }), 'v2');
    assert.equal(await b.get(`${k}s`), 'v3');
    assert.equal(await c.del([`${k}s`, `${k}missing`]), 1);
    assert.equal(await a.get(`${k}s`), null);
    assert.equal(await b.del(`${k}s`), 0);
    assert.equal(await c.exists(`${k}s`), 0);
    // Binary-safe values: bytes that are not UTF-8 come back unchanged as a Buffer.
    const bytes = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]);
    assert.equal(await a.set(`${k}bin`, bytes), 'OK');
    const read = await b.withTypeMapping({ 36: Buffer }).get(`${k}bin`); // 36: '$', bulk
    assert.deepEqual(read, bytes);
  });

  it('SET EX, TTL, PTTL, PERSIST and EXPIRE', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.set(`${k}e`, 'v', { expiration: { type: 'EX', value: 100 } }), 'OK');
    const ttl = await b.ttl(`${k}e`);
    assert.ok(ttl === 100 || ttl === 99, `TTL ${ttl}`);
    const pttl = await c.pTTL(`${k}e`);
    assert.ok(pttl > 95000 && pttl <= 100000, `PTTL ${pttl}`);
    assert.equal(await a.persist(`${k}e`), 1);
    assert.equal(await b.ttl(`${k}e`), -1);
    assert.equal(await b.pTTL(`${k}e`), -1);
    assert.equal(await c.persist(`${k}e`), 0);
    assert.equal(await c.expire(`${k}e`, 50), 1);
    const after_expire = await a.ttl(`${k}e`);
    assert.ok(after_expire === 50 || after_expire === 49, `TTL ${after_expire}`);
    assert.equal(await a.expire(`${k}e`, 40, 'GT'), 0);
    assert.equal(await a.expire(`${k}missing`, 50), 0);
    assert.equal(await b.ttl(`${k}missing`), -2);
    assert.equal(await b.pTTL(`${k}missing`), -2);
    assert.equal(await c.get(`${k}e`), 'v');
    // A short expiry: gone on every node once it passed.
    assert.equal(await a.set(`${k}short`, 'v', { PX: 300 }), 'OK');
    assert.equal(await c.get(`${k}short`), 'v');
    await sleep(600);
    for (const node of nodes) {
      assert.equal(await node.get(`${k}short`), null);
      assert.equal(await node.exists(`${k}short`), 0);
      assert.equal(await node.ttl(`${k}short`), -2);
    }
  });

  it('GETDEL, MSET/MGET, APPEND/STRLEN', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.set(`${k}gd`, 'once'), 'OK');
    assert.equal(await b.getDel(`${k}gd`), 'once');
    assert.equal(await c.get(`${k}gd`), null);
    assert.equal(await a.getDel(`${k}gd`), null);

    assert.equal(await a.mSet({ [`${k}m1`]: 'one', [`${k}m2`]: 'two' }), 'OK');
    assert.equal(await b.mSet([[`${k}m3`, 'three']]), 'OK');
    assert.deepEqual(await c.mGet([`${k}m1`, `${k}missing`, `${k}m2`, `${k}m3`]),
                     ['one', null, 'two', 'three']);

    assert.equal(await a.append(`${k}ap`, 'hello'), 5);
    assert.equal(await b.append(`${k}ap`, ' world'), 11);
    assert.equal(await c.strLen(`${k}ap`), 11);
    assert.equal(await a.get(`${k}ap`), 'hello world');
    assert.equal(await b.strLen(`${k}missing`), 0);
  });

  it('INCR, INCRBY, DECR, DECRBY and INCRBYFLOAT', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.incr(`${k}n`), 1);
    assert.equal(await a.incrBy(`${k}n`, 10), 11);
    assert.equal(await a.decr(`${k}n`), 10);
    assert.equal(await a.decrBy(`${k}n`, 3), 7);
    assert.equal(await b.get(`${k}n`), '7');
    assert.equal(await c.incrBy(`${k}n`, -17), -10);
    assert.equal(await a.incrByFloat(`${k}f`, 10.5), '10.5');
    assert.equal(await a.incrByFloat(`${k}f`, 0.1), '10.6');
    assert.equal(await b.incrByFloat(`${k}f`, -0.6), '10');
    assert.equal(await c.incr(`${k}f`), 11); // prints as an integer again, so INCR works
    assert.equal(await a.incrByFloat(`${k}f`, 0.25), '11.25');
    await assert_redis_error(b.incr(`${k}f`), NOT_AN_INTEGER);
    assert.equal(await a.set(`${k}word`, 'ten'), 'OK');
    await assert_redis_error(c.incr(`${k}word`), NOT_AN_INTEGER);
    await assert_redis_error(c.incrByFloat(`${k}word`, 1), 'ERR value is not a valid float');
    await assert_redis_error(a.incrByFloat(`${k}f`, Infinity),
                             'ERR increment would produce NaN or Infinity');
    assert.equal(await a.set(`${k}max`, '9223372036854775807'), 'OK');
    await assert_redis_error(b.incr(`${k}max`), 'ERR increment or decrement would overflow');
  });

  it('counts every increment sent concurrently through all three nodes', async () => {
    const per_node = 150;
    const key = `${k}counter`;
    // One client per node, each with all of its increments in flight at once (node-redis
    // pipelines them on its connection), the three nodes at the same time.
    const replies = await Promise.all(nodes.map((node, i) => Promise.all(
      Array.from({ length: per_node }, (_, j) => (j % 3 === 2 ? node.incrBy(key, i + 1)
                                                               : node.incr(key))))));
    const expected = nodes.reduce((sum, _, i) => sum + 100 * 1 + 50 * (i + 1), 0);
    assert.equal(expected, 600);
    for (const node_replies of replies) {
      assert.equal(node_replies.length, per_node);
      for (const reply of node_replies) {
        assert.ok(Number.isInteger(reply) && reply >= 1 && reply <= expected, `reply ${reply}`);
      }
    }
    // Each node's reads converge on the total once the increments in flight elsewhere landed.
    for (const node of nodes) {
      await eventually(async () => assert.equal(await node.get(key), String(expected)));
    }
    assert.equal(await nodes[1].incr(key), expected + 1);
  });

  it('sets: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD', async () => {
    const [a, b, c] = nodes;
    const key = `${k}set`;
    assert.equal(await a.sAdd(key, ['x', 'y', 'z']), 3);
    assert.equal(await b.sAdd(key, ['x', 'w']), 1);
    assert.deepEqual(sorted(await c.sMembers(key)), ['w', 'x', 'y', 'z']);
    assert.equal(await a.sRem(key, ['y', 'nope']), 1);
    assert.equal(await b.sIsMember(key, 'x'), 1);
    assert.equal(await b.sIsMember(key, 'y'), 0);
    assert.deepEqual(await c.smIsMember(key, ['w', 'y', 'z', 'nope']), [1, 0, 1, 0]);
    assert.equal(await a.sCard(key), 3);
    assert.deepEqual(await a.sMembers(`${k}missing`), []);
    assert.equal(await b.sCard(`${k}missing`), 0);

    // Members added concurrently through every node are all kept.
    const shared = `${k}shared-set`;
    await Promise.all(nodes.map((node, i) => Promise.all(
      Array.from({ length: 50 }, (_, j) => node.sAdd(shared, `m${i}-${j}`)))));
    const expected = [];
    for (let i = 0; i < 3; ++i) {
      for (let j = 0; j < 50; ++j) expected.push(`m${i}-${j}`);
    }
    for (const node of nodes) {
      await eventually(async () => {
        assert.deepEqual(sorted(await node.sMembers(shared)), sorted(expected));
        assert.equal(await node.sCard(shared), 150);
      });
    }
  });

  it('hashes: HSET, HGET, HMGET, HGETALL, HDEL, HINCRBY, HLEN, HKEYS, HVALS, HEXISTS', async () => {
    const [a, b, c] = nodes;
    const key = `${k}h`;
    assert.equal(await a.hSet(key, { name: 'ada', visits: '1' }), 2);
    assert.equal(await b.hSet(key, 'lang', 'en'), 1);
    assert.equal(await b.hSet(key, 'lang', 'fr'), 0);
    assert.equal(await c.hIncrBy(key, 'visits', 2), 3);
    assert.equal(await a.hGet(key, 'name'), 'ada');
    assert.equal(await a.hGet(key, 'none'), null);
    assert.deepEqual(await b.hmGet(key, ['name', 'none', 'lang']), ['ada', null, 'fr']);
    assert.deepEqual(plain(await c.hGetAll(key)), { name: 'ada', visits: '3', lang: 'fr' });
    assert.equal(await a.hLen(key), 3);
    assert.deepEqual(sorted(await b.hKeys(key)), ['lang', 'name', 'visits']);
    assert.deepEqual(sorted(await c.hVals(key)), ['3', 'ada', 'fr']);
    assert.equal(await a.hExists(key, 'visits'), 1);
    assert.equal(await a.hExists(key, 'none'), 0);
    assert.equal(await b.hDel(key, ['name', 'none']), 1);
    assert.equal(await c.hExists(key, 'name'), 0);
    assert.deepEqual(plain(await a.hGetAll(key)), { visits: '3', lang: 'fr' });
    assert.deepEqual(plain(await a.hGetAll(`${k}missing`)), {});
    await assert_redis_error(b.hIncrBy(key, 'lang', 1), 'ERR hash value is not an integer');
  });

  it('batches commands without MULTI: Promise.all and multi().execAsPipeline()', async () => {
    const [a, b] = nodes;
    const writes = Array.from({ length: 100 }, (_, i) => a.set(`${k}p${i}`, String(i)));
    assert.deepEqual(await Promise.all(writes), Array(100).fill('OK'));
    const reads = await Promise.all(Array.from({ length: 100 }, (_, i) => b.get(`${k}p${i}`)));
    assert.deepEqual(reads, Array.from({ length: 100 }, (_, i) => String(i)));
    // Commands of one connection run in order: each GET reads the SET sent just before it.
    const interleaved = await Promise.all(Array.from({ length: 200 }, (_, i) => (
      i % 2 ? a.get(`${k}rw`) : a.set(`${k}rw`, String(i)))));
    assert.deepEqual(interleaved,
                     Array.from({ length: 200 }, (_, i) => (i % 2 ? String(i - 1) : 'OK')));
    const counted = await Promise.all(Array.from({ length: 300 }, () => b.incr(`${k}seq`)));
    assert.deepEqual(counted, Array.from({ length: 300 }, (_, i) => i + 1));
    const results = await b.multi()
      .set(`${k}pp`, 'a')
      .append(`${k}pp`, 'b')
      .get(`${k}pp`)
      .incr(`${k}pc`)
      .sAdd(`${k}ps`, ['a', 'b'])
      .execAsPipeline();
    assert.deepEqual(results, ['OK', 2, 'ab', 1, 2]);
  });

  it('MULTI/EXEC: queued commands run at EXEC, in order', async () => {
    const [a, b] = nodes;
    const key = `${k}tx`;
    const results = await a.multi()
      .incr(key)
      .sAdd(`${k}txset`, 'a')
      .incrBy(key, 4)
      .get(key)
      .exec();
    assert.deepEqual(results, [1, 1, 5, '5']);

    // By hand on one connection: nothing runs before EXEC.
    const tx = await connect(2);
    assert.equal(await tx.sendCommand(['MULTI']), 'OK');
    assert.equal(await tx.sendCommand(['SET', `${k}queued`, 'v']), 'QUEUED');
    assert.equal(await tx.sendCommand(['INCR', key]), 'QUEUED');
    assert.equal(await b.get(`${k}queued`), null);
    assert.equal(await b.get(key), '5');
    assert.deepEqual(await tx.sendCommand(['EXEC']), ['OK', 6]);
    assert.equal(await b.get(`${k}queued`), 'v');
    assert.equal(await b.get(key), '6');
  });

  it('MULTI/EXEC: a command refused while queueing aborts the transaction', async () => {
    const [a, b] = nodes;
    const key = `${k}tx-abort`;
    assert.equal(await a.set(key, '5'), 'OK');
    // node-redis sends MULTI, the commands and EXEC together and rejects with the first error.
    await assert_redis_error(
      a.multi().incr(key).addCommand(['GET']).incr(key).exec(),
      "ERR wrong number of arguments for 'get' command");
    assert.equal(await b.get(key), '5');

    const tx = await connect(1);
    assert.equal(await tx.sendCommand(['MULTI']), 'OK');
    assert.equal(await tx.sendCommand(['INCR', key]), 'QUEUED');
    await assert_redis_error(tx.sendCommand(['SET', key]),
                             "ERR wrong number of arguments for 'set' command");
    await assert_redis_error(tx.sendCommand(['EXEC']),
                             'EXECABORT Transaction discarded because of previous errors.');
    assert.equal(await b.get(key), '5');
    // The connection is out of the transaction: commands run at once again.
    assert.equal(await tx.incr(key), 6);
  });

  it('MULTI/EXEC: a command failing at EXEC keeps its error in place, the others run', async () => {
    const [a, b] = nodes;
    assert.equal(await a.set(`${k}tx-str`, 'text'), 'OK');
    const error = await assert_redis_error(
      a.multi().incr(`${k}tx-ok`).sAdd(`${k}tx-str`, 'm').incr(`${k}tx-ok`).exec(),
      '1 commands failed, see .replies and .errorIndexes for more information');
    assert.deepEqual(error.errorIndexes, [1]);
    assert.equal(error.replies[0], 1);
    assert.equal(error.replies[1].message, WRONGTYPE);
    assert.equal(error.replies[2], 2);
    assert.equal(await b.get(`${k}tx-ok`), '2');
  });

  it('WRONGTYPE errors are surfaced as errors', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.set(`${k}wt-str`, 'v'), 'OK');
    assert.equal(await b.sAdd(`${k}wt-set`, 'm'), 1);
    assert.equal(await c.hSet(`${k}wt-hash`, 'f', 'v'), 1);
    await assert_redis_error(a.sAdd(`${k}wt-str`, 'm'), WRONGTYPE);
    await assert_redis_error(b.hGet(`${k}wt-str`, 'f'), WRONGTYPE);
    await assert_redis_error(c.get(`${k}wt-set`), WRONGTYPE);
    await assert_redis_error(a.incr(`${k}wt-hash`), WRONGTYPE);
    await assert_redis_error(b.sMembers(`${k}wt-hash`), WRONGTYPE);
    await assert_redis_error(c.append(`${k}wt-set`, 'x'), WRONGTYPE);
    // SET and DEL work on any type, as in Redis.
    assert.equal(await a.set(`${k}wt-set`, 'now a string'), 'OK');
    assert.equal(await b.get(`${k}wt-set`), 'now a string');
    assert.equal(await c.del(`${k}wt-hash`), 1);
    assert.equal(await a.sAdd(`${k}wt-hash`, 'm'), 1);
  });

  it('CLIENT SETNAME/GETNAME, a name given at connect, and SELECT 0', async () => {
    const [a] = nodes;
    assert.equal(await a.clientGetName(), null);
    assert.equal(await a.clientSetName('node-redis-test'), 'OK');
    assert.equal(await a.clientGetName(), 'node-redis-test');
    await assert_redis_error(
      a.clientSetName('has space'),
      'ERR Client names cannot contain spaces, newlines or special characters.');
    assert.equal(await a.clientSetName(''), 'OK');
    assert.equal(await a.clientGetName(), null);
    // `name` travels in HELLO 3 SETNAME, `database` as SELECT 0 after the handshake.
    const named = await connect(1, { name: 'named-at-connect', database: 0 });
    assert.equal(await named.clientGetName(), 'named-at-connect');
    assert.equal(await named.select(0), undefined);
    assert.equal(await named.set(`${k}db0`, 'v'), 'OK');
    assert.equal(await a.get(`${k}db0`), 'v');
    await assert_redis_error(named.select(1), 'ERR DB index is out of range');
  });

  it('an unsupported command gets a Redis-style error naming its family', async () => {
    const [a, b] = nodes;
    await assert_redis_error(a.lPush(`${k}list`, 'x'), LPUSH_UNSUPPORTED);
    await assert_redis_error(b.sendCommand(['LPUSH', `${k}list`, 'x']), LPUSH_UNSUPPORTED);
    await assert_redis_error(a.sendCommand(['NOSUCHCOMMAND', 'x']),
                             /^ERR unknown command 'NOSUCHCOMMAND'/);
    // The connection carries on after the errors.
    assert.equal(await a.ping(), 'PONG');
    assert.equal(await a.exists(`${k}list`), 0);
  });

  it('a RESP2 connection (RESP: 2) reads the same data', async () => {
    const resp2 = await connect(2, { RESP: 2 });
    const hello = await resp2.sendCommand(['HELLO']);
    assert.deepEqual(hello.slice(0, 6), ['server', 'ringkv', 'version', '7.0.0', 'proto', 2]);
    assert.equal(await resp2.hSet(`${k}r2`, { a: '1', b: '2' }), 2);
    assert.deepEqual(plain(await resp2.hGetAll(`${k}r2`)), { a: '1', b: '2' });
    assert.equal(await resp2.get(`${k}missing`), null);
    assert.deepEqual(await resp2.mGet([`${k}missing`]), [null]);
    assert.equal(await resp2.incrByFloat(`${k}r2f`, 1.5), '1.5');
    assert.equal(await resp2.sAdd(`${k}r2s`, ['a']), 1);
    assert.equal(await resp2.sIsMember(`${k}r2s`, 'a'), 1);
  });

  it('scanIterator, SCAN TYPE, KEYS and DBSIZE see every key once across the cluster', async () => {
    const [a, b, c] = nodes;
    const expected = [];
    for (let i = 0; i < 25; ++i) expected.push(`${k}scan:${i}`);
    await Promise.all(expected.map((key, i) => a.set(key, String(i))));
    assert.equal(await a.hSet(`${k}scanh`, { f: 'v' }), 1);
    // node-redis 5+ yields a page (an array of keys) per SCAN call; older versions one key.
    const seen = [];
    for await (const page of b.scanIterator({ MATCH: `${k}scan:*`, COUNT: 5 })) {
      seen.push(...(Array.isArray(page) ? page : [page]));
    }
    assert.deepEqual(sorted(seen), sorted(expected));  // Every key, each exactly once.
    const hashes = [];
    for await (const page of c.scanIterator({ MATCH: `${k}scan*`, TYPE: 'hash' })) {
      hashes.push(...(Array.isArray(page) ? page : [page]));
    }
    assert.deepEqual(hashes, [`${k}scanh`]);
    assert.deepEqual(sorted(await c.keys(`${k}scan:*`)), sorted(expected));
    assert.ok((await a.dbSize()) >= 26, 'DBSIZE counts at least the keys written here');
    await assert_redis_error(a.sendCommand(['SCAN', '123456789']), /^ERR invalid cursor/);
  });
});
