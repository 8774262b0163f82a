import { randomUUID } from 'node:crypto';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { describe, expect, it } from 'vitest';
import { natsSource, type Sample, type Source } from '@awo/monitor';
import { natsSourceSchema } from '@awo/shared';
import { quietLogger, waitFor } from './helpers.js';

const NATS_URL = process.env.AWO_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const signal = () => new AbortController().signal;

/** A NATS source with a clock the test moves, and a publisher connection; both closed after. */
async function setup(fields: Record<string, unknown>) {
  let clock = 1_000_000;
  const config = natsSourceSchema.parse({ kind: 'nats', name: 'events', servers: NATS_URL, ...fields });
  const source: Source = natsSource(config, { connect: () => { throw new Error('no Redis here'); }, log: quietLogger(), now: () => clock });
  const nc: NatsConnection = await connect({ servers: NATS_URL });
  const streams: string[] = [];
  return {
    source,
    nc,
    streams,
    tick(ms: number) {
      clock += ms;
    },
    async [Symbol.asyncDispose]() {
      await source.close();
      const jsm = await nc.jetstreamManager();
      for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
      await nc.close();
    },
  };
}

const find = (samples: Sample[], metric: string) => samples.find((s) => s.series === `nats.events.${metric}`);

describe('nats source', () => {
  it('counts the messages of a subject per second between samples', async () => {
    const subject = `awo.test.${randomUUID().slice(0, 8)}`;
    await using t = await setup({ subject: `${subject}.>` });
    await t.source.start?.();
    for (let i = 0; i < 50; i++) t.nc.publish(`${subject}.a`, 'x');
    for (let i = 0; i < 30; i++) t.nc.publish(`${subject}.b.c`, 'x');
    t.nc.publish('awo.test.elsewhere', 'x');
    await t.nc.flush();
    // Each sample covers one second of the test's clock: its rate is the count of that sample.
    let total = 0;
    await waitFor(async () => {
      t.tick(1000);
      const rate = find(await t.source.sample(signal()), 'rate');
      expect(rate?.labels).toEqual({ subject: `${subject}.>` });
      total += rate?.value ?? 0;
      return total >= 80;
    }, 'the 80 messages counted');
    expect(total).toBe(80);
    t.tick(500);
    expect(find(await t.source.sample(signal()), 'rate')?.value).toBe(0);
  });

  it('reports a JetStream consumer\'s pending and ack-pending messages', async () => {
    const id = randomUUID().slice(0, 8);
    const stream = `AWO_TEST_${id}`;
    await using t = await setup({ stream, consumer: 'work' });
    const jsm = await t.nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`awo.js.${id}.>`] });
    t.streams.push(stream);
    await jsm.consumers.add(stream, { durable_name: 'work', ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 });
    const js = t.nc.jetstream();
    for (let i = 0; i < 20; i++) await js.publish(`awo.js.${id}.order`, `m${i}`);

    await t.source.start?.();
    let samples = await t.source.sample(signal());
    expect(find(samples, 'pending')).toMatchObject({ value: 20, labels: { stream, consumer: 'work' } });
    expect(find(samples, 'ack_pending')?.value).toBe(0);
    expect(find(samples, 'rate')).toBeUndefined();

    // A consumer takes 5 and does not ack them yet.
    const consumer = await js.consumers.get(stream, 'work');
    let taken = 0;
    for await (const _m of await consumer.fetch({ max_messages: 5, expires: 5000 })) if (++taken === 5) break;
    samples = await t.source.sample(signal());
    expect(find(samples, 'pending')?.value).toBe(15);
    expect(find(samples, 'ack_pending')?.value).toBe(5);
  });

  it('fails to start with the reason when no server answers, and closes anyway', async () => {
    const source = natsSource(natsSourceSchema.parse({ kind: 'nats', name: 'down', servers: 'nats://127.0.0.1:1', subject: 'x' }), {
      connect: () => { throw new Error('unused'); },
      log: quietLogger(),
      now: () => Date.now(),
    });
    await expect(source.start?.()).rejects.toThrow('cannot connect to NATS at nats://127.0.0.1:1: CONNECTION_REFUSED');
    await expect(source.sample(signal())).rejects.toThrow('not connected to NATS');
    await source.close();
  });
});
