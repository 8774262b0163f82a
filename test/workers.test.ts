import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanNotifier } from '@awo/planner';
import { keys, loadConfig, PlanStore } from '@awo/shared';
import { cleanup, quietLogger, REDIS_URL, testPrefix, waitFor } from './helpers.js';
import { readMembers } from '@awo/worker';
import { commitConcurrency, KEY, privateNats, shares, startMember, stopMembers, waitShares, writeConfig, type MemberProcess } from './workers-helpers.js';

const NATS_URL = process.env.AWO_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const TTL = 2000;

interface Fixture {
  prefix: string;
  redis: Redis;
  store: PlanStore;
  file: string;
  members: MemberProcess[];
  notifier: PlanNotifier | undefined;
}

let fixture: Fixture | undefined;

async function setUp(concurrency: number, natsUrl: string | undefined): Promise<Fixture> {
  const prefix = testPrefix();
  const file = writeConfig(prefix, concurrency);
  const config = await loadConfig(file, { AWO_SIGNING_KEY: KEY });
  const redis = new Redis(REDIS_URL);
  // The planner's own notifier: what a leading planner publishes after each commit.
  const notifier = natsUrl ? new PlanNotifier(natsUrl, prefix, 'test-planner', quietLogger()) : undefined;
  notifier?.start();
  fixture = { prefix, redis, store: new PlanStore(redis, keys(prefix), config), file, members: [], notifier };
  return fixture;
}

afterEach(async () => {
  const f = fixture;
  fixture = undefined;
  if (!f) return;
  await stopMembers(f.members);
  await f.notifier?.close();
  await cleanup(f.redis, f.prefix);
  await f.redis.quit();
});

/** Commits a signed revision and tells the members, as the leading planner does. */
async function commit(f: Fixture, to: number, key: string | null = KEY): Promise<number> {
  const version = await commitConcurrency(f.store, to, key);
  f.notifier?.notify(version, undefined);
  return version;
}

function member(f: Fixture, id: string, env: Record<string, string> = {}): MemberProcess {
  const m = startMember(id, f.file, { MEMBER_TTL: String(TTL), MEMBER_HEARTBEAT: '400', ...env });
  f.members.push(m);
  return m;
}

describe('@awo/worker members as real processes', () => {
  it('three members share 12 as 4/4/4; after SIGKILL of one the two others reach 6/6 within the TTL + 1 s; a joining member brings back 4/4/4', async () => {
    const f = await setUp(3, NATS_URL);
    await waitFor(() => f.notifier?.connected === true, 'the notifier connected to NATS');
    // A long re-check: the notice, not the timer, must carry the plan change.
    const env = { MEMBER_NATS: NATS_URL, MEMBER_RECHECK: '60000' };
    const [a, b] = [member(f, 'm-a', env), member(f, 'm-b', env), member(f, 'm-c', env)];
    await waitShares(f.redis, f.prefix, { 'm-a': 1, 'm-b': 1, 'm-c': 1 }, 'the config\'s 3 split 1/1/1', 30_000);
    // Wait for the members' NATS subscriptions, so the notice is not sent before anyone listens.
    await waitFor(() => f.members.every((m) => /listening for plan and member notices/.test(m.output())), 'members listening on NATS', 15_000);
    const t0 = Date.now();
    await commit(f, 12);
    await waitShares(f.redis, f.prefix, { 'm-a': 4, 'm-b': 4, 'm-c': 4 }, '12 split 4/4/4', 10_000);
    const noticeMs = Date.now() - t0;
    expect(noticeMs, 'the notice, not the 60 s re-check, moved them').toBeLessThan(5000);

    const victim = f.members[2] as MemberProcess;
    const exited = once(victim.child, 'exit');
    victim.child.kill('SIGKILL');
    await exited;
    const killed = Date.now();
    await waitShares(f.redis, f.prefix, { 'm-a': 6, 'm-b': 6 }, 'the two left at 6/6', TTL + 5000);
    const afterKill = Date.now() - killed;
    expect(afterKill, 'converged within the TTL + 1 s').toBeLessThanOrEqual(TTL + 1000);

    const joined = Date.now();
    member(f, 'm-d', env);
    await waitShares(f.redis, f.prefix, { 'm-a': 4, 'm-b': 4, 'm-d': 4 }, 'a new member brings back 4/4/4', 20_000);
    const afterJoin = Date.now() - joined;
    console.log(JSON.stringify({ test: 'workers', noticeMs, convergeAfterKillMs: afterKill, convergeAfterJoinMs: afterJoin }));
    expect(a.output()).toMatch(/"concurrency":6/);
    expect(b.output()).toMatch(/"concurrency":4/);
  }, 90_000);

  it('with NATS stopped, the members still converge through the re-check', async () => {
    const nats = await privateNats();
    try {
      const f = await setUp(2, nats.url);
      const env = { MEMBER_NATS: nats.url, MEMBER_RECHECK: '500' };
      member(f, 'n-a', env);
      member(f, 'n-b', env);
      await waitShares(f.redis, f.prefix, { 'n-a': 1, 'n-b': 1 }, '2 split 1/1', 30_000);
      await waitFor(() => f.members.every((m) => /listening for plan and member notices/.test(m.output())), 'members listening on NATS', 15_000);
      await nats.stop();
      const t0 = Date.now();
      await commit(f, 8);
      await waitShares(f.redis, f.prefix, { 'n-a': 4, 'n-b': 4 }, '8 split 4/4 without NATS', 10_000);
      console.log(JSON.stringify({ test: 'workers-no-nats', convergeMs: Date.now() - t0 }));
    } finally {
      await nats.stop();
    }
  }, 90_000);

  it('a forged, unsigned plan never changes a member\'s concurrency; the next signed one does', async () => {
    const f = await setUp(2, NATS_URL);
    await waitFor(() => f.notifier?.connected === true, 'the notifier connected to NATS');
    const env = { MEMBER_NATS: NATS_URL, MEMBER_RECHECK: '300' };
    member(f, 'f-a', env);
    member(f, 'f-b', env);
    await commit(f, 6);
    await waitShares(f.redis, f.prefix, { 'f-a': 3, 'f-b': 3 }, 'signed 6 split 3/3', 30_000);
    const refused = (pattern: RegExp) => waitFor(() => f.members.every((m) => pattern.test(m.output())), `both members refused: ${pattern}`, 10_000);
    // A hand edit of the plan hash behind the signed revision.
    const k = keys(f.prefix);
    const forged = JSON.parse((await f.redis.hget(k.plan, 'plan')) as string) as { steps: { work: { params: { concurrency: number } } } };
    forged.steps.work.params.concurrency = 50;
    await f.redis.hset(k.plan, 'plan', JSON.stringify(forged));
    f.notifier?.notify(1, undefined);
    await refused(/differs from its signed revision/);
    await sameAfterNextBeat(f, { 'f-a': 3, 'f-b': 3 });
    // An unsigned revision, through the normal write path, with a notice.
    await commit(f, 40, null);
    await refused(/revision v2 is not signed/);
    await sameAfterNextBeat(f, { 'f-a': 3, 'f-b': 3 });
    for (const m of f.members) expect(m.output()).not.toMatch(/"concurrency":(20|25)\b/);
    // The next signed revision moves them.
    await commit(f, 10);
    await waitShares(f.redis, f.prefix, { 'f-a': 5, 'f-b': 5 }, 'the next signed revision moves them to 5/5', 10_000);
  }, 90_000);
});

/** After every member beat once more (its info is newer than now), they still run `want`. */
async function sameAfterNextBeat(f: Fixture, want: Record<string, number>): Promise<void> {
  const t = Date.now();
  await waitFor(async () => (await readMembers(f.redis, keys(f.prefix), 'work')).members.every((m) => m.info.at > t + 50), 'a beat after the refusal', 5000, 25);
  expect(await shares(f.redis, f.prefix)).toEqual(want);
}
