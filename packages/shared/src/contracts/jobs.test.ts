import { describe, expect, it } from 'vitest';
import { jobData, JOB_CATALOG, parseJob } from './jobs.js';
import { QUEUES } from './streams.js';

const action = { v: 1, id: 'v1.work.mode', key: 'work.mode', version: 1, action: 'notify', kind: 'http', step: 'work', param: 'mode', value: 'slow', from: null, at: 1 } as const;

describe('the job catalog', () => {
  it('names the queue of each job kind', () => {
    expect(JOB_CATALOG.action.queue).toBe(QUEUES.actions);
    expect(JOB_CATALOG.record.queue).toBe('wf.<step>');
  });

  it('parses a good job and defaults its trace', () => {
    const parsed = parseJob('record', { id: 'r1', record: { a: 1 } }, 'j1');
    expect(parsed).toEqual({ ok: true, data: { id: 'r1', record: { a: 1 }, trace: {} } });
    expect(jobData('action', { action, trace: {} })).toEqual({ action, trace: {} });
  });

  it('refuses a bad job with AWO_MESSAGE_INVALID, its id and the paths that failed', () => {
    const bad = parseJob('action', { action: { ...action, version: -1 }, extra: 1 }, 'j2');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe('AWO_MESSAGE_INVALID');
    expect(bad.error.retryable).toBe(false);
    expect(bad.error.message).toMatch(/^job j2 is not an action job: /);
    expect(bad.error.message).toMatch(/action\.version/);
    const record = parseJob('record', null, 'j3');
    expect(!record.ok && record.error.message).toMatch(/^job j3 is not a workflow record job: \(root\)/);
    expect(() => jobData('record', { id: '', record: 1, trace: {} })).toThrow(/is not a workflow record job: id/);
  });
});
