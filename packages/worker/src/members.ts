import { z } from 'zod';
import { runScript, type Keys, type RedisClient } from '@awo/shared';

const LUA_DIR = new URL('./lua/', import.meta.url);

/** What a member says about itself in `worker:{<step>}:info`. Read back as untrusted (zod). */
export const memberInfoSchema = z.strictObject({
  /** Its warm-up is over: it counts in the split. */
  ready: z.boolean(),
  /** The BullMQ concurrency it runs now (0: paused). */
  concurrency: z.number().int().min(0).max(100_000),
  /** The plan version (and epoch) its share was computed from; 0 before a trusted plan. */
  version: z.number().int().min(0),
  epoch: z.string().max(64).optional(),
  host: z.string().max(255),
  pid: z.number().int().min(0),
  /** When it wrote this (its clock, ms). */
  at: z.number(),
});

export type MemberInfo = z.infer<typeof memberInfoSchema>;

export interface Member {
  id: string;
  info: MemberInfo;
}

/** The live members of a step, by id; entries whose info fails its schema are left out and counted. */
export interface Members {
  members: Member[];
  /** Live entries whose info did not parse (someone wrote the hash by hand). */
  invalid: number;
  /** Redis's time (ms) when read. */
  now: number;
}

export type BeatResult = ({ joined: true } & Members) | { joined: false; now: number; refused: number };

function parseMembers(flat: readonly string[], now: number): Members {
  const members: Member[] = [];
  let invalid = 0;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const info = parseInfo(flat[i + 1] as string);
    if (info) members.push({ id: flat[i] as string, info });
    else invalid++;
  }
  return { members, invalid, now };
}

function parseInfo(json: string): MemberInfo | undefined {
  try {
    const r = memberInfoSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One heartbeat (also the join): drops expired members, adds or refreshes `id` with `info` and
 * an expiry `ttl` ms from now (Redis time), unless the step already has `max` live members.
 * Returns the live members, or the refusal with the step's refusal count.
 */
export async function beat(redis: RedisClient, keys: Keys, step: string, id: string, info: MemberInfo, ttl: number, max: number): Promise<BeatResult> {
  const reply = (await runScript(redis, 'member-beat-3', [keys.workerMembers(step), keys.workerInfo(step), keys.workerRefused(step)], [id, ttl, max, JSON.stringify(info)], LUA_DIR)) as (string | number)[];
  const now = Number(reply[1]);
  if (Number(reply[0]) !== 1) return { joined: false, now, refused: Number(reply[2]) };
  return { joined: true, ...parseMembers(reply.slice(2).map(String), now) };
}

/** Removes a member at once (a clean close), so the others take its share without waiting for its TTL. */
export async function leave(redis: RedisClient, keys: Keys, step: string, id: string): Promise<void> {
  await redis.multi().zrem(keys.workerMembers(step), id).hdel(keys.workerInfo(step), id).exec();
}

/** The live members of a step (expiry after Redis's time now), read only: what the executor observes. */
export async function readMembers(redis: RedisClient, keys: Keys, step: string): Promise<Members> {
  const [sec, micro] = await redis.time();
  const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
  const ids = await redis.zrangebyscore(keys.workerMembers(step), `(${now}`, '+inf');
  if (ids.length === 0) return { members: [], invalid: 0, now };
  const infos = await redis.hmget(keys.workerInfo(step), ...ids);
  return parseMembers(ids.flatMap((id, i) => [id, infos[i] ?? '']), now);
}

/** How many joins the step refused at its member bound. */
export async function refusedJoins(redis: RedisClient, keys: Keys, step: string): Promise<number> {
  return Number((await redis.get(keys.workerRefused(step))) ?? 0);
}
