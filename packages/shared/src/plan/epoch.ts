import { randomBytes } from 'node:crypto';

/**
 * A plan lineage's epoch: a random id made with the lineage's first revision and kept by every
 * revision after it. Plan versions restart at 1 when Redis loses its data; the epoch does not
 * come back, so (epoch, version) names one plan for good and action ids stay unique.
 */
export function newEpoch(): string {
  return randomBytes(6).toString('hex');
}

/** The epoch of a plan, action or applied entry; '' for one written before epochs existed. */
export function epochOf(item: { epoch?: string | undefined }): string {
  return item.epoch ?? '';
}
