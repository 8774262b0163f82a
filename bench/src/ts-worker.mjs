// Entry of a worker thread that runs a TypeScript module (workerData.module) through tsx, with
// every @awo/* package from its sources (`@awo/cli/source`; loader hooks are per thread).
import { workerData } from 'node:worker_threads';
import '@awo/cli/source';

await import(workerData.module);
