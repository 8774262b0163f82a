import type { MessageInput, StreamName } from '@awo/shared';

/** One valid message of every type. */
export function sampleMessages(now = Date.now()): { [S in StreamName]: MessageInput<S> } {
  const plan = { version: 3, steps: { work: { queue: 'work', after: [], params: { concurrency: 4 } } } };
  return {
    metrics: { v: 1, series: 'bullmq.work.waiting', value: 12, unit: 'jobs', ts: now, source: 'bullmq:work', labels: { queue: 'work' } },
    insights: { v: 1, id: 'i-1', kind: 'forecast', series: 'bullmq.work.arrival_rate', ts: now, metricIds: ['1-0'], model: 'holt-winters', value: 40, lower: 35, upper: 45, horizonMs: 10_000, observed: 30, error: 2.5 },
    revisions: { v: 1, version: 3, parentVersion: 2, plan, changes: [{ op: 'set', step: 'work', param: 'concurrency', from: 2, to: 4 }], goal: 'wait', reason: 'forecast 40/s needs 4 workers', insightIds: ['i-1'], at: now, leader: 'planner-1' },
    actions: { v: 1, id: 'v3.work.concurrency', key: 'work.concurrency', version: 3, action: 'scale-work', kind: 'scale-bullmq-workers', step: 'work', param: 'concurrency', value: 4, from: 2, at: now },
    results: { v: 1, id: 'v3.work.concurrency', version: 3, action: 'scale-work', step: 'work', param: 'concurrency', value: 4, ok: true, attempts: 1, durationMs: 3, at: now },
    deadletter: { v: 1, stream: 'awo:stream:metrics', id: '1-0', group: 'analyzer', code: 'AWO_MESSAGE_INVALID', reason: 'value: expected number', issues: [{ path: 'value', message: 'expected number' }], deliveries: 1, raw: { data: '{}' }, at: now },
  };
}
