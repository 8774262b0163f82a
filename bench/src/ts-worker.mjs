// Entry of a worker thread that runs a TypeScript module (workerData.module) through tsx.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
