import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, inSlotOf, keySlot, startRedisServer, which, type RedisServer } from '@awo/shared';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Masters (default 3); each gets `replicas` replicas (default 1). */
  masters?: number;
  replicas?: number;
  /** `cluster-node-timeout` in ms (default 1000): how soon a dead master is failed over. */
  nodeTimeoutMs?: number;
  /** Extra redis-server arguments for every node, e.g. `['--cluster-require-full-coverage', 'no']`. */
  args?: string[];
  /** Bound on the wait for the cluster to form (default 60 s; the test machines are slow and shared). */
  readyTimeoutMs?: number;
}

export interface RedisClusterNode {
  port: number;
  pid: number;
  /** The role as last seen (refreshed by `refresh()`, `masterOf`, `waitFailover`). */
  role: 'master' | 'replica';
  /** False once killed (by `killMaster` or `stop`). */
  alive: boolean;
  /** `127.0.0.1:<port>`. */
  address: string;
}

export interface RedisClusterHandle {
  /** Seed addresses, `127.0.0.1:<port>`, for `redis.cluster` or ioredis' `Cluster`. */
  seeds: string[];
  nodes: RedisClusterNode[];
  /** The node that serves the key's slot now (its slot by `keySlot`, the slot's master by CLUSTER SLOTS of a live node). */
  masterOf(key: string): Promise<RedisClusterNode>;
  /** SIGKILLs the master serving the key's slot; resolves once it is dead, with the kill time (epoch ms). */
  killMaster(key: string): Promise<{ node: RedisClusterNode; killedAt: number }>;
  /** Waits (bounded) until another node is master of the key's slot and takes a write for it; resolves with that node and when it did (epoch ms). */
  waitFailover(key: string, timeoutMs?: number): Promise<{ node: RedisClusterNode; servedAt: number }>;
  /** Starts a killed node again (same port, bus port and nodes.conf); resolves once it has rejoined as a replica with its link up (bounded), with when (epoch ms). */
  restart(node: RedisClusterNode, timeoutMs?: number): Promise<{ rejoinedAt: number }>;
  /** Asks the live nodes for their roles. */
  refresh(): Promise<void>;
  /** Kills every node and removes the data directory (also done on process exit). Idempotent. */
  stop(): Promise<void>;
}

/** A free port whose partner (for the cluster bus) is free too. */
async function portPair(): Promise<[number, number]> {
  const port = await freePort();
  let bus = await freePort();
  while (bus === port) bus = await freePort();
  return [port, bus];
}

function client(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  return redis;
}

/** Runs one command on one node through a short-lived connection. */
async function ask<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = client(port);
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

async function askOr<T>(port: number, fn: (redis: Redis) => Promise<T>, fallback: T): Promise<T> {
  try {
    return await ask(port, fn);
  } catch {
    return fallback;
  }
}

type SlotRange = [number, number, [string, number, ...unknown[]], ...unknown[]];

/**
 * Starts a real Redis Cluster on loopback ports: `masters × (1 + replicas)` redis-server processes
 * with `--cluster-enabled yes`, joined by `redis-cli --cluster create`, and resolves once every
 * node says `cluster_state:ok` and every replica's link to its master is up (bounded).
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const cli = which('redis-cli');
  if (!cli) throw new Error('redis-cli is not on PATH (Debian/Ubuntu: apt-get install redis-tools)');
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const count = masters * (1 + replicas);
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'awo-cluster-'));
  const servers: RedisServer[] = [];
  /** Each node's cluster bus port, to start it again where its peers know it. */
  const busPorts = new Map<number, number>();
  const nodes: RedisClusterNode[] = [];
  const onExit = () => {
    for (const server of servers) server.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
      for (const node of nodes) node.alive = false;
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    for (let i = 0; i < count; i++) {
      const started = await startNode(dir, options);
      servers.push(started.server);
      busPorts.set(started.server.port, started.bus);
    }
    for (const s of servers) nodes.push({ port: s.port, pid: s.process.pid ?? -1, role: 'master', alive: true, address: `127.0.0.1:${s.port}` });
    await run(cli, ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: readyTimeoutMs });
    await waitFor(
      async () => {
        const states = await Promise.all(nodes.map((n) => nodeState(n.port)));
        return states.every(Boolean) && states.filter((s) => s === 'replica').length === masters * replicas;
      },
      'every cluster node to say cluster_state:ok, and every replica linked to its master',
      readyTimeoutMs,
      100,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const live = () => nodes.filter((n) => n.alive);
  const byPort = (port: number) => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node of this cluster on port ${port}`);
    return node;
  };

  /** The master port serving the slot in one live node's view (undefined if it does not know one). */
  const masterPortIn = async (port: number, slot: number): Promise<number | undefined> => {
    const ranges = await askOr(port, (r) => r.call('CLUSTER', 'SLOTS') as Promise<SlotRange[]>, []);
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    return range ? Number(range[2][1]) : undefined;
  };


  const refresh = async () => {
    await Promise.all(
      live().map(async (node) => {
        const role = await askOr(node.port, (r) => r.call('ROLE') as Promise<unknown[]>, []);
        if (role[0] === 'master') node.role = 'master';
        else if (role[0] === 'slave') node.role = 'replica';
      }),
    );
  };

  const masterOf = async (key: string): Promise<RedisClusterNode> => {
    const slot = keySlot(key);
    for (const node of live()) {
      const port = await masterPortIn(node.port, slot);
      if (port !== undefined && byPort(port).alive) return byPort(port);
    }
    throw new Error(`no live master serves slot ${slot} (of ${key})`);
  };

  const killMaster = async (key: string) => {
    const node = await masterOf(key);
    const server = servers.find((s) => s.port === node.port);
    if (!server) throw new Error(`no process for port ${node.port}`);
    const killedAt = Date.now();
    await server.stop('SIGKILL');
    node.alive = false;
    return { node, killedAt };
  };

  const waitFailover = async (key: string, timeoutMs = 30_000) => {
    const slot = keySlot(key);
    const probe = inSlotOf(key, 'awo-cluster-probe');
    if (keySlot(probe) !== slot) throw new Error(`cannot make a probe key in the slot of ${key}`);
    let served: RedisClusterNode | undefined;
    await waitFor(
      async () => {
        const views = await Promise.all(live().map((n) => masterPortIn(n.port, slot)));
        const port = views.find((p) => p !== undefined && nodes.find((n) => n.port === p)?.alive);
        if (port === undefined || views.some((p) => p !== port)) return false;
        const wrote = await askOr(port, (r) => r.set(probe, String(Date.now()), 'PX', 60_000), null);
        if (wrote !== 'OK') return false;
        served = byPort(port);
        return true;
      },
      `a replica to take over slot ${slot} (of ${key}) and take writes`,
      timeoutMs,
      50,
    );
    const servedAt = Date.now();
    await refresh();
    return { node: served!, servedAt };
  };

  const restart = async (node: RedisClusterNode, timeoutMs = 60_000) => {
    if (node.alive) throw new Error(`node ${node.address} is running`);
    const i = servers.findIndex((s) => s.port === node.port);
    const server = await nodeServer(dir, options, node.port, busPorts.get(node.port) ?? 0);
    servers[i] = server;
    node.pid = server.process.pid ?? -1;
    node.alive = true;
    // A master that was failed over comes back as a replica of the node that took its slots.
    await waitFor(async () => (await nodeState(node.port)) === 'replica', `${node.address} to rejoin as a replica`, timeoutMs, 50);
    const rejoinedAt = Date.now();
    await refresh();
    return { rejoinedAt };
  };

  await refresh();
  return { seeds: nodes.map((n) => n.address), nodes, masterOf, killMaster, waitFailover, restart, refresh, stop };
}

/** One node's redis-server on `port` with its cluster bus on `bus`, its cluster state in `<dir>/nodes-<port>.conf`. */
function nodeServer(dir: string, options: RedisClusterOptions, port: number, bus: number): Promise<RedisServer> {
  return startRedisServer({
    port,
    dir,
    args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-port', String(bus), '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000), ...(options.args ?? [])],
  });
}

async function startNode(dir: string, options: RedisClusterOptions): Promise<{ server: RedisServer; bus: number }> {
  for (let attempt = 1; ; attempt++) {
    const [port, bus] = await portPair();
    try {
      return { server: await nodeServer(dir, options, port, bus), bus };
    } catch (err) {
      // Another process can take a free port between the probe and the bind: try other ports.
      if (attempt >= 3) throw err;
    }
  }
}

/** The node's role once it says cluster_state:ok (and, for a replica, its link to its master is up); else false. */
async function nodeState(port: number): Promise<'master' | 'replica' | false> {
  return askOr<'master' | 'replica' | false>(
    port,
    async (redis) => {
      const info = (await redis.call('CLUSTER', 'INFO')) as string;
      if (!/cluster_state:ok/.test(info)) return false;
      const replication = await redis.info('replication');
      if (/role:master/.test(replication)) return 'master';
      return /master_link_status:up/.test(replication) ? 'replica' : false;
    },
    false,
  );
}
