// ioredis (version pinned in package-lock.json) against a real 3-node ringkv cluster: the
// handshake (ioredis 6 sends HELLO 3, and by default maps RESP3 replies to the RESP2 shapes
// ioredis 5 returned), strings, expiry, counters incremented concurrently through every node,
// sets, hashes, pipelines, transactions, errors and connection commands, then the same data
// through protocol: 2 and replyMapping: "resp3" connections. Run by run_node_test.py (CTest
// `ioredis_client`), which starts the cluster and sets RINGKV_RESP_PORTS and RINGKV_NODE_MODULES.
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

const Redis = require_client_library('ioredis');
const version = installed_version('ioredis');
const k = key_prefix('ioredis');

const opened = [];
const connection_errors = [];

// A client connected (and past ioredis's INFO ready check) to node `i` (0, 1, 2). No
// reconnection: a dropped connection is a failure here.
async function connect(i, options = {}) {
  const client = new Redis({
    host: '127.0.0.1', port: resp_ports[i], lazyConnect: true, connectTimeout: 5000,
    retryStrategy: () => null, maxRetriesPerRequest: 0, ...options,
  });
  client.on('error', (error) => connection_errors.push(`node ${i}: ${error.message}`));
  await client.connect();
  opened.push(client);
  return client;
}

const sorted = (array) => [...array].sort();

describe(`ioredis ${version} against a 3-node ringkv cluster`, () => {
  let nodes; // one client per node

  before(async () => {
    console.log(`node ${process.version}, ioredis ${version}, RESP ports ${resp_ports}`);
    nodes = await Promise.all([0, 1, 2].map((i) => connect(i)));
  });

  after(async () => {
    await Promise.all(opened.map((client) => client.quit()));
    assert.deepEqual(connection_errors, []);
  });

  it('connects with HELLO 3 and passes the ready check', async () => {
    const [client] = nodes;
    assert.equal(client.status, 'ready');
    const id = await client.client('ID');
    assert.equal(typeof id, 'number');
    // The default reply mapping flattens RESP3 maps into RESP2's key, value, ... arrays.
    assert.deepEqual(await client.call('HELLO'), [
      'server', 'ringkv', 'version', '7.0.0', 'proto', 3, 'id', id, 'mode', 'standalone',
      'role', 'master', 'modules', [],
    ]);
    const info = await client.client('INFO');
    assert.match(info, new RegExp(`^id=${id} .* resp=3 lib-name=ioredis lib-ver=${
      version.replaceAll('.', '\\.')}\\n?$`));
    assert.equal(await client.ping(), 'PONG');
    assert.equal(await client.ping('hi'), 'hi');
    assert.equal(await client.echo('echoed'), 'echoed');
  });

  it('SET, GET and DEL through different nodes', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.set(`${k}s`, 'v1'), 'OK');
    assert.equal(await b.get(`${k}s`), 'v1');
    assert.equal(await c.set(`${k}s`, 'v2', 'NX'), null);
    assert.equal(await c.set(`${k}s`, 'v2', 'XX'), 'OK');
    assert.equal(await a.set(`${k}s`, 'v3', 'GET'), 'v2');
    assert.equal(await b.get(`${k}s`), 'v3');
    assert.equal(await c.del(`${k}s`, `${k}missing`), 1);
    assert.equal(await a.get(`${k}s`), null);
    assert.equal(await b.del(`${k}s`), 0);
    assert.equal(await c.exists(`${k}s`), 0);
    const bytes = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]);
    assert.equal(await a.set(`${k}bin`, bytes), 'OK');
    assert.deepEqual(await b.getBuffer(`${k}bin`), bytes);
    assert.equal(await c.strlen(`${k}bin`), 5);
  });

  it('SET EX, TTL, PTTL, PERSIST and EXPIRE', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.set(`${k}e`, 'v', 'EX', 100), 'OK');
    const ttl = await b.ttl(`${k}e`);
    assert.ok(ttl === 100 || ttl === 99, `TTL ${ttl}`);
    const pttl = await c.pttl(`${k}e`);
    assert.ok(pttl > 95000 && pttl <= 100000, `PTTL ${pttl}`);
    assert.equal(await a.persist(`${k}e`), 1);
    assert.equal(await b.ttl(`${k}e`), -1);
    assert.equal(await b.pttl(`${k}e`), -1);
    assert.equal(await c.persist(`${k}e`), 0);
    assert.equal(await c.expire(`${k}e`, 50), 1);
    const after_expire = await a.ttl(`${k}e`);
    assert.ok(after_expire === 50 || after_expire === 49, `TTL ${after_expire}`);
    assert.equal(await a.expire(`${k}e`, 40, 'GT'), 0);
    assert.equal(await a.expire(`${k}e`, 40, 'LT'), 1);
    assert.equal(await a.expire(`${k}missing`, 50), 0);
    assert.equal(await b.ttl(`${k}missing`), -2);
    assert.equal(await b.pttl(`${k}missing`), -2);
    assert.equal(await c.get(`${k}e`), 'v');
    assert.equal(await a.setex(`${k}setex`, 100, 'v'), 'OK');
    assert.equal(await b.getex(`${k}setex`, 'PERSIST'), 'v');
    assert.equal(await c.ttl(`${k}setex`), -1);
    assert.equal(await a.set(`${k}short`, 'v', 'PX', 300), 'OK');
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
    assert.equal(await b.getdel(`${k}gd`), 'once');
    assert.equal(await c.get(`${k}gd`), null);
    assert.equal(await a.getdel(`${k}gd`), null);

    assert.equal(await a.mset({ [`${k}m1`]: 'one', [`${k}m2`]: 'two' }), 'OK');
    assert.equal(await b.mset(`${k}m3`, 'three', `${k}m4`, 4), 'OK');
    assert.deepEqual(await c.mget(`${k}m1`, `${k}missing`, `${k}m2`, `${k}m3`, `${k}m4`),
                     ['one', null, 'two', 'three', '4']);
    assert.equal(await a.msetnx(`${k}m1`, 'x', `${k}m5`, 'y'), 0);
    assert.equal(await b.exists(`${k}m5`), 0);
    // A key named twice gets its last value, as in Redis.
    assert.equal(await c.msetnx(`${k}m6`, 'first', `${k}m7`, 'x', `${k}m6`, 'last'), 1);
    assert.deepEqual(await a.mget(`${k}m6`, `${k}m7`), ['last', 'x']);

    assert.equal(await a.append(`${k}ap`, 'hello'), 5);
    assert.equal(await b.append(`${k}ap`, ' world'), 11);
    assert.equal(await c.strlen(`${k}ap`), 11);
    assert.equal(await a.get(`${k}ap`), 'hello world');
    assert.equal(await b.strlen(`${k}missing`), 0);
  });

  it('INCR, INCRBY, DECR, DECRBY and INCRBYFLOAT', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.incr(`${k}n`), 1);
    assert.equal(await a.incrby(`${k}n`, 10), 11);
    assert.equal(await a.decr(`${k}n`), 10);
    assert.equal(await a.decrby(`${k}n`, 3), 7);
    assert.equal(await b.get(`${k}n`), '7');
    assert.equal(await c.incrby(`${k}n`, -17), -10);
    assert.equal(await a.incrbyfloat(`${k}f`, 10.5), '10.5');
    assert.equal(await a.incrbyfloat(`${k}f`, 0.1), '10.6');
    assert.equal(await b.incrbyfloat(`${k}f`, -0.6), '10');
    assert.equal(await c.incr(`${k}f`), 11);
    assert.equal(await a.incrbyfloat(`${k}f`, '2.5e-1'), '11.25');
    await assert_redis_error(b.incr(`${k}f`), NOT_AN_INTEGER);
    assert.equal(await a.set(`${k}word`, 'ten'), 'OK');
    await assert_redis_error(c.incr(`${k}word`), NOT_AN_INTEGER);
    await assert_redis_error(c.incrby(`${k}n`, 'x'), NOT_AN_INTEGER);
    await assert_redis_error(c.incrbyfloat(`${k}word`, 1), 'ERR value is not a valid float');
    assert.equal(await a.set(`${k}min`, '-9223372036854775808'), 'OK');
    await assert_redis_error(b.decr(`${k}min`), 'ERR increment or decrement would overflow');
  });

  it('counts every increment sent concurrently through all three nodes', async () => {
    const key = `${k}counter`;
    const per_node = 150;
    // Per node: an auto-pipelining client and a plain one, all their increments in flight at
    // once, on the three nodes at the same time.
    const auto = await Promise.all(
      [0, 1, 2].map((i) => connect(i, { enableAutoPipelining: true })));
    const sends = [];
    for (let i = 0; i < 3; ++i) {
      for (let j = 0; j < per_node; ++j) {
        const client = j % 2 ? auto[i] : nodes[i];
        sends.push(j % 3 === 2 ? client.incrby(key, i + 1) : client.incr(key));
      }
    }
    const replies = await Promise.all(sends);
    const expected = 3 * 100 + 50 * (1 + 2 + 3);
    assert.equal(expected, 600);
    assert.equal(replies.length, 3 * per_node);
    for (const reply of replies) {
      assert.ok(Number.isInteger(reply) && reply >= 1 && reply <= expected, `reply ${reply}`);
    }
    for (const node of nodes) {
      await eventually(async () => assert.equal(await node.get(key), String(expected)));
    }
    assert.equal(await nodes[2].decr(key), expected - 1);
  });

  it('sets: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD', async () => {
    const [a, b, c] = nodes;
    const key = `${k}set`;
    assert.equal(await a.sadd(key, 'x', 'y', 'z'), 3);
    assert.equal(await b.sadd(key, ['x', 'w']), 1);
    assert.deepEqual(sorted(await c.smembers(key)), ['w', 'x', 'y', 'z']);
    assert.equal(await a.srem(key, 'y', 'nope'), 1);
    assert.equal(await b.sismember(key, 'x'), 1);
    assert.equal(await b.sismember(key, 'y'), 0);
    assert.deepEqual(await c.smismember(key, 'w', 'y', 'z', 'nope'), [1, 0, 1, 0]);
    assert.equal(await a.scard(key), 3);
    assert.deepEqual(await a.smembers(`${k}missing`), []);
    assert.equal(await b.scard(`${k}missing`), 0);

    const shared = `${k}shared-set`;
    await Promise.all(nodes.map((node, i) => {
      const pipeline = node.pipeline();
      for (let j = 0; j < 50; ++j) pipeline.sadd(shared, `m${i}-${j}`);
      return pipeline.exec();
    }));
    const expected = [];
    for (let i = 0; i < 3; ++i) {
      for (let j = 0; j < 50; ++j) expected.push(`m${i}-${j}`);
    }
    for (const node of nodes) {
      await eventually(async () => {
        assert.deepEqual(sorted(await node.smembers(shared)), sorted(expected));
        assert.equal(await node.scard(shared), 150);
      });
    }
  });

  it('hashes: HSET, HGET, HMGET, HGETALL, HDEL, HINCRBY, HLEN, HKEYS, HVALS, HEXISTS', async () => {
    const [a, b, c] = nodes;
    const key = `${k}h`;
    assert.equal(await a.hset(key, { name: 'ada', visits: 1 }), 2);
    assert.equal(await b.hset(key, 'lang', 'en'), 1);
    assert.equal(await b.hset(key, 'lang', 'fr'), 0);
    assert.equal(await c.hincrby(key, 'visits', 2), 3);
    assert.equal(await a.hget(key, 'name'), 'ada');
    assert.equal(await a.hget(key, 'none'), null);
    assert.deepEqual(await b.hmget(key, 'name', 'none', 'lang'), ['ada', null, 'fr']);
    assert.deepEqual(await c.hgetall(key), { name: 'ada', visits: '3', lang: 'fr' });
    assert.equal(await a.hlen(key), 3);
    assert.deepEqual(sorted(await b.hkeys(key)), ['lang', 'name', 'visits']);
    assert.deepEqual(sorted(await c.hvals(key)), ['3', 'ada', 'fr']);
    assert.equal(await a.hexists(key, 'visits'), 1);
    assert.equal(await a.hexists(key, 'none'), 0);
    assert.equal(await b.hdel(key, 'name', 'none'), 1);
    assert.equal(await c.hexists(key, 'name'), 0);
    assert.deepEqual(await a.hgetall(key), { visits: '3', lang: 'fr' });
    assert.deepEqual(await a.hgetall(`${k}missing`), {});
    assert.equal(await b.hincrbyfloat(key, 'score', 1.25), '1.25');
    assert.equal(await c.hsetnx(key, 'score', '9'), 0);
    await assert_redis_error(b.hincrby(key, 'lang', 1), 'ERR hash value is not an integer');
    await assert_redis_error(c.hincrbyfloat(key, 'score', '-inf'), 'ERR value is NaN or Infinity');
  });

  it('pipeline(): replies in order, errors in place, read-your-writes', async () => {
    const [a] = nodes;
    const pipeline = a.pipeline();
    for (let i = 0; i < 100; ++i) {
      pipeline.set(`${k}p`, String(i));
      pipeline.get(`${k}p`);
    }
    pipeline.sadd(`${k}p`, 'not a set'); // a string key: WRONGTYPE in place, the rest still run
    pipeline.incr(`${k}pc`);
    const results = await pipeline.exec();
    assert.equal(results.length, 202);
    for (let i = 0; i < 100; ++i) {
      assert.deepEqual(results[2 * i], [null, 'OK']);
      assert.deepEqual(results[2 * i + 1], [null, String(i)]);
    }
    assert.equal(results[200][0].message, WRONGTYPE);
    assert.equal(results[200][1], undefined);
    assert.deepEqual(results[201], [null, 1]);
    // The array form, through another node.
    assert.deepEqual(await nodes[1].pipeline([['get', `${k}p`], ['incrby', `${k}pc`, 9]]).exec(),
                     [[null, '99'], [null, 10]]);
  });

  it('MULTI/EXEC: queued commands run at EXEC, in order', async () => {
    const [a, b] = nodes;
    const key = `${k}tx`;
    assert.deepEqual(
      await a.multi().incr(key).sadd(`${k}txset`, 'a').incrby(key, 4).get(key).exec(),
      [[null, 1], [null, 1], [null, 5], [null, '5']]);

    // multi({ pipeline: false }) sends each command as it is called: each answers QUEUED and
    // nothing is applied before EXEC.
    const tx = await connect(2);
    assert.equal(await tx.multi({ pipeline: false }), 'OK');
    assert.equal(await tx.set(`${k}queued`, 'v'), 'QUEUED');
    assert.equal(await tx.incr(key), 'QUEUED');
    assert.equal(await b.get(`${k}queued`), null);
    assert.equal(await b.get(key), '5');
    assert.deepEqual(await tx.exec(), [[null, 'OK'], [null, 6]]);
    assert.equal(await b.get(`${k}queued`), 'v');
    assert.equal(await b.get(key), '6');
    // DISCARD drops the queue.
    assert.equal(await tx.multi({ pipeline: false }), 'OK');
    assert.equal(await tx.incr(key), 'QUEUED');
    assert.equal(await tx.discard(), 'OK');
    assert.equal(await b.get(key), '6');
  });

  it('MULTI/EXEC: a command refused while queueing aborts the transaction', async () => {
    const [a, b] = nodes;
    const key = `${k}tx-abort`;
    assert.equal(await a.set(key, '5'), 'OK');
    const error = await assert_redis_error(
      a.multi().incr(key).call('GET').incr(key).exec(),
      'EXECABORT Transaction discarded because of previous errors.');
    assert.deepEqual(error.previousErrors.map((e) => e.message),
                     ["ERR wrong number of arguments for 'get' command"]);
    assert.equal(await b.get(key), '5');
    // An unknown command aborts it too.
    await assert_redis_error(a.multi().incr(key).call('NOSUCHCOMMAND').exec(),
                             'EXECABORT Transaction discarded because of previous errors.');
    assert.equal(await b.get(key), '5');
    assert.equal(await a.incr(key), 6);
  });

  it('MULTI/EXEC: a command failing at EXEC keeps its error in place, the others run', async () => {
    const [a, b] = nodes;
    assert.equal(await a.set(`${k}tx-str`, 'text'), 'OK');
    const results = await a.multi().incr(`${k}tx-ok`).sadd(`${k}tx-str`, 'm').incr(`${k}tx-ok`)
      .exec();
    assert.equal(results.length, 3);
    assert.deepEqual(results[0], [null, 1]);
    assert.equal(results[1][0].message, WRONGTYPE);
    assert.deepEqual(results[2], [null, 2]);
    assert.equal(await b.get(`${k}tx-ok`), '2');
    await assert_redis_error(a.watch(`${k}tx-ok`),
                             'ERR WATCH is not supported: ringkv transactions are not isolated ' +
                             '(see docs/REDIS.md)');
  });

  it('WRONGTYPE errors are surfaced as errors', async () => {
    const [a, b, c] = nodes;
    assert.equal(await a.set(`${k}wt-str`, 'v'), 'OK');
    assert.equal(await b.sadd(`${k}wt-set`, 'm'), 1);
    assert.equal(await c.hset(`${k}wt-hash`, 'f', 'v'), 1);
    const error = await assert_redis_error(a.sadd(`${k}wt-str`, 'm'), WRONGTYPE);
    assert.equal(error.name, 'ReplyError');
    await assert_redis_error(b.hget(`${k}wt-str`, 'f'), WRONGTYPE);
    await assert_redis_error(c.get(`${k}wt-set`), WRONGTYPE);
    await assert_redis_error(a.incr(`${k}wt-hash`), WRONGTYPE);
    await assert_redis_error(b.smembers(`${k}wt-hash`), WRONGTYPE);
    await assert_redis_error(c.hgetall(`${k}wt-set`), WRONGTYPE);
    assert.equal(await a.type(`${k}wt-str`), 'string');
    assert.equal(await b.type(`${k}wt-set`), 'set');
    assert.equal(await c.type(`${k}wt-hash`), 'hash');
    assert.equal(await a.type(`${k}missing`), 'none');
    assert.equal(await a.set(`${k}wt-set`, 'now a string'), 'OK');
    assert.equal(await b.get(`${k}wt-set`), 'now a string');
    assert.equal(await c.del(`${k}wt-hash`), 1);
    assert.equal(await a.sadd(`${k}wt-hash`, 'm'), 1);
  });

  it('CLIENT SETNAME/GETNAME, connectionName, SELECT 0 and db', async () => {
    const [a] = nodes;
    assert.equal(await a.client('GETNAME'), null);
    assert.equal(await a.client('SETNAME', 'ioredis-test'), 'OK');
    assert.equal(await a.client('GETNAME'), 'ioredis-test');
    assert.equal(await a.select(0), 'OK');
    await assert_redis_error(a.select(1), 'ERR DB index is out of range');
    await assert_redis_error(a.select('x'), NOT_AN_INTEGER);
    const named = await connect(1, { connectionName: 'named-at-connect', db: 0 });
    assert.equal(await named.client('GETNAME'), 'named-at-connect');
    assert.equal(await named.set(`${k}db0`, 'v'), 'OK');
    assert.equal(await a.get(`${k}db0`), 'v');
  });

  it('an unsupported command gets a Redis-style error naming its family', async () => {
    const [a, b] = nodes;
    const error = await assert_redis_error(a.lpush(`${k}list`, 'x'), LPUSH_UNSUPPORTED);
    assert.equal(error.name, 'ReplyError');
    await assert_redis_error(b.call('LPUSH', `${k}list`, 'x'), LPUSH_UNSUPPORTED);
    await assert_redis_error(a.call('NOSUCHCOMMAND', 'x'), /^ERR unknown command 'NOSUCHCOMMAND'/);
    assert.equal(await a.ping(), 'PONG');
    assert.equal(await a.exists(`${k}list`), 0);
  });

  it('protocol: 2 and replyMapping: "resp3" connections read the same data', async () => {
    const resp2 = await connect(1, { protocol: 2 });
    assert.deepEqual((await resp2.call('HELLO')).slice(0, 6),
                     ['server', 'ringkv', 'version', '7.0.0', 'proto', 2]);
    assert.equal(await resp2.hset(`${k}r`, { a: '1', b: '2' }), 2);
    assert.deepEqual(await resp2.hgetall(`${k}r`), { a: '1', b: '2' });
    assert.equal(await resp2.get(`${k}missing`), null);
    assert.equal(await resp2.incrbyfloat(`${k}rf`, 1.5), '1.5');

    // Native RESP3 shapes: HELLO and HGETALL as objects.
    const resp3 = await connect(2, { replyMapping: 'resp3' });
    const hello = await resp3.call('HELLO');
    assert.equal(hello.server, 'ringkv');
    assert.equal(hello.proto, 3);
    assert.deepEqual({ ...(await resp3.hgetall(`${k}r`)) }, { a: '1', b: '2' });
    assert.deepEqual(await resp3.mget(`${k}missing`, `${k}rf`), [null, '1.5']);
    assert.equal(await resp3.sadd(`${k}rs`, 'a', 'b'), 2);
    assert.deepEqual(sorted(await resp3.smembers(`${k}rs`)), ['a', 'b']);
  });

  it('scanStream, SCAN TYPE, KEYS and DBSIZE see every key once across the cluster', async () => {
    const [a, b, c] = nodes;
    const expected = [];
    for (let i = 0; i < 25; ++i) expected.push(`${k}scan:${i}`);
    await Promise.all(expected.map((key, i) => a.set(key, String(i))));
    assert.equal(await a.sadd(`${k}scans`, 'x'), 1);
    const collect = (stream) => new Promise((resolve, reject) => {
      const keys = [];
      stream.on('data', (page) => keys.push(...page));
      stream.on('end', () => resolve(keys));
      stream.on('error', reject);
    });
    const seen = await collect(b.scanStream({ match: `${k}scan:*`, count: 5 }));
    assert.deepEqual(sorted(seen), sorted(expected));  // Every key, each exactly once.
    assert.deepEqual(await collect(c.scanStream({ match: `${k}scan*`, type: 'set' })),
                     [`${k}scans`]);
    assert.deepEqual(sorted(await c.keys(`${k}scan:*`)), sorted(expected));
    assert.ok((await a.dbsize()) >= 26, 'DBSIZE counts at least the keys written here');
    await assert_redis_error(a.call('SCAN', '123456789'), /^ERR invalid cursor/);
  });
});
