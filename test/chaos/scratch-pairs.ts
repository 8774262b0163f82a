import { Cluster } from './harness.js';
import { account, killAgent } from './scenarios.js';
import { waitFor } from '@awo/testkit';
const c = new Cluster({ partitions: 4, perAgent: 2 });
const t0 = Date.now();
try {
  await c.start();
  c.startLoad(200);
  c.ledger.arrival = 2;
  await waitFor(() => c.ledger.total > 0, 'first action', 90_000, 50);
  console.log('ready', (Date.now() - t0) / 1000);
  await waitFor(() => c.drained(), 'drain', 60_000, 50);
  for (const agent of ['analyzer', 'monitor', 'planner', 'executor'] as const) console.log(JSON.stringify(await killAgent(c, agent, 2000)));
  console.log(JSON.stringify(await account(c, 'steady load between scenarios')));
  console.log('dups', c.ledger.duplicates(), 'total', c.ledger.total, (Date.now() - t0) / 1000);
} catch (e) {
  console.log('FAIL', (e as Error).message);
  for (const p of c.procs) console.log('---', p.agent, p.pid, p.alive, p.output.split('\n').filter((l) => /"level":"(warn|error|fatal)"/.test(l)).slice(-5).join('\n'));
} finally {
  await c.close();
}
