import { writeFileSync } from 'node:fs';
import { Cluster, groupState } from './harness.js';
import { masterFailover } from './cluster.js';
import { waitFor } from '@awo/testkit';
const c = new Cluster({ redisCluster: true });
const t0 = Date.now();
try {
  await c.start();
  c.startLoad(200);
  c.ledger.arrival = 2;
  await waitFor(() => c.ledger.total > 0, 'first action', 90_000, 50);
  console.log('ready', (Date.now() - t0) / 1000);
  await waitFor(() => c.drained(), 'drain', 60_000, 50);
  console.log('T0', Date.now());
  const tick = setInterval(() => console.log('tick', Date.now() - t0, c.lastSeq, c.lastPublished), 250);
  setTimeout(() => clearInterval(tick), 20000);
  console.log(JSON.stringify(await masterFailover(c, 2000)));
} catch (e) {
  console.log('FAIL', (e as Error).message, 'seq', c.lastSeq, 'published', c.lastPublished);
  for (const k of c.metricsStreams()) console.log(k, JSON.stringify(await groupState(c.redis, k, 'analyzer')), await c.redis.xlen(k).catch((er) => String(er)), (await c.nodes!.masterOf(k)).port);
  console.log(await c.redis.xinfo('GROUPS', c.metricsStreams()[0]!));
  console.log(await c.redis.xinfo('CONSUMERS', c.metricsStreams()[0]!, 'analyzer'));
} finally {
  for (const p of c.procs) writeFileSync(`/tmp/cc-fo-${p.agent}-${p.pid}.log`, p.output);
  await c.close();
}
