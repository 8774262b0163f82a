import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClient } from '@awo/shared';
import { applyChanges, keys, signRevision, type Plan, type PlanRevision, type PlanStore } from '@awo/shared';
import { readMembers } from '@awo/worker';
import { freePort, REDIS_URL, waitFor, which } from '@awo/testkit';

export const KEY = 'test-worker-signing-key-0123456789';
const FIXTURE = new URL('./fixtures/member.ts', import.meta.url).pathname;
const TEST_DIR = new URL('.', import.meta.url).pathname;

/** A config file for one step `work` (desired concurrency in `params.concurrency`), signed plans required. */
export function writeConfig(prefix: string, concurrency: number, extra = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'awo-workers-')), 'awo.yaml');
  writeFileSync(
    file,
    `prefix: ${prefix}
redis: { url: "${REDIS_URL}" }
signing: { required: true }
workflow: { steps: { work: { queue: work, params: { concurrency: ${concurrency} } } } }
${extra}`,
  );
  return file;
}

export interface MemberProcess {
  id: string;
  child: ChildProcess;
  output(): string;
}

/** Starts one member as a real child process (the fixture through tsx). */
export function startMember(id: string, configFile: string, env: Record<string, string> = {}): MemberProcess {
  const child = spawn(process.execPath, ['--conditions', 'development', '--import', 'tsx', FIXTURE], {
    cwd: TEST_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWO_CONFIG: configFile, AWO_SIGNING_KEY: KEY, MEMBER_ID: id, ...env },
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { id, child, output: () => out };
}

export async function stopMembers(members: MemberProcess[]): Promise<void> {
  await Promise.all(
    members.map(async (m) => {
      if (m.child.exitCode !== null || m.child.signalCode !== null) return;
      const exited = once(m.child, 'exit');
      m.child.kill('SIGKILL');
      await exited;
    }),
  );
}

/** A signed (or, with `key` null, unsigned) revision setting work.concurrency. */
export function revise(plan: Plan, to: number, key: string | null = KEY): PlanRevision {
  const version = plan.version + 1;
  const change = { op: 'set' as const, step: 'work', param: 'concurrency', from: plan.steps.work?.params.concurrency ?? null, to };
  const revision: PlanRevision = { v: 1, version, parentVersion: plan.version, plan: applyChanges(plan, [change], version), changes: [change], goal: 'test', reason: 'test', insightIds: [], at: Date.now(), leader: 'test' };
  return key ? signRevision(revision, key) : revision;
}

export async function commitConcurrency(store: PlanStore, to: number, key: string | null = KEY): Promise<number> {
  const revision = revise(await store.current(), to, key);
  await store.commit(revision);
  return revision.version;
}

/** The live members' concurrency by id, as they wrote it in Redis. */
export async function shares(redis: RedisClient, prefix: string, step = 'work'): Promise<Record<string, number>> {
  const m = await readMembers(redis, keys(prefix), step);
  return Object.fromEntries(m.members.map((x) => [x.id, x.info.concurrency]));
}

/** Waits until the live members run exactly `want` (by id); returns how long it took (ms). */
export async function waitShares(redis: RedisClient, prefix: string, want: Record<string, number>, what: string, timeoutMs = 15_000): Promise<number> {
  const t0 = Date.now();
  const wanted = JSON.stringify(Object.entries(want).sort());
  let last: Record<string, number> = {};
  try {
    await waitFor(async () => JSON.stringify(Object.entries((last = await shares(redis, prefix))).sort()) === wanted, what, timeoutMs, 25);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last)}`, { cause: err });
  }
  return Date.now() - t0;
}

/** A private nats-server on a free port (stopped with `stop()`). */
export async function privateNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = which('nats-server');
  if (!bin) throw new Error('nats-server is not on PATH');
  const port = await freePort();
  const child = spawn(bin, ['-js', '-p', String(port), '-a', '127.0.0.1', '-sd', mkdtempSync(join(tmpdir(), 'awo-nats-'))], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(() => out.includes('Server is ready'), `nats-server on port ${port}`, 10_000, 20);
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
