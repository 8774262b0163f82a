// An example pool processor: the default export runs one BullMQ job of the pool's queue.
// `executor.pools.<name>.processor` names this file (absolute, or relative to the working
// directory). It gets the job and an AbortSignal (aborted when the executor shuts down and the
// job did not finish in time) and returns the job's result, or throws to fail it (BullMQ retries
// per the job's own options).
import { createHash } from 'node:crypto';

export default async function work(job, signal) {
  if (signal.aborted) throw new Error('aborted before the job started');
  // Real work stands here: call a service, transform a record, write to a store.
  const body = JSON.stringify(job.data ?? null);
  return { bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') };
}
