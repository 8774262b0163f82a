// Worker-thread entry of the autoscale bench: runs one group of policies and posts the results.
import { parentPort, workerData } from 'node:worker_threads';
import { runGroup, type PolicySpec, type RunConfig } from './run.js';

const { cfg, specs } = workerData as { cfg: RunConfig; specs: PolicySpec[] };
try {
  const result = await runGroup(cfg, specs, (line) => parentPort?.postMessage({ progress: line }));
  parentPort?.postMessage({ result });
} catch (err) {
  parentPort?.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
}
