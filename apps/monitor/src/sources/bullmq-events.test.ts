import { describe, expect, it } from 'vitest';
import { EventTally, idTime, type StreamEntry } from './bullmq-events.js';

const e = (ms: number, event: string, jobId?: string, seq = 0): StreamEntry => [`${ms}-${seq}`, jobId === undefined ? ['event', event] : ['event', event, 'jobId', jobId, 'prev', 'x']];

describe('EventTally', () => {
  it('counts completions and failures and measures waits from waiting to active', () => {
    const tally = new EventTally();
    const fold = tally.fold([
      e(1000, 'added', '1'),
      e(1000, 'waiting', '1', 1),
      e(1010, 'waiting', '2'),
      e(1050, 'active', '1'),
      e(1100, 'completed', '1'),
      e(1300, 'active', '2'),
      e(1400, 'failed', '2'),
      e(1400, 'drained'),
    ]);
    expect(fold.completed).toBe(1);
    expect(fold.failed).toBe(1);
    expect(fold.started).toEqual([
      { jobId: '1', startedAt: 1050, wait: 50 },
      { jobId: '2', startedAt: 1300, wait: 290 },
    ]);
    expect(tally.tracked).toBe(0);
  });

  it('remembers waiting jobs across folds, and a retry waits from its new waiting event', () => {
    const tally = new EventTally();
    expect(tally.fold([e(100, 'waiting', '7')]).started).toEqual([]);
    expect(tally.readyAt('7')).toBe(100);
    const fold = tally.fold([e(150, 'active', '7'), e(160, 'failed', '7'), e(500, 'waiting', '7'), e(520, 'active', '7')]);
    expect(fold.started.map((s) => s.wait)).toEqual([50, 20]);
  });

  it('reports a start whose waiting event it never saw without a wait', () => {
    expect(new EventTally().fold([e(900, 'active', '3')]).started).toEqual([{ jobId: '3', startedAt: 900 }]);
  });

  it('forgets removed jobs and stays bounded', () => {
    const tally = new EventTally(3);
    tally.fold([e(1, 'waiting', 'a'), e(2, 'waiting', 'b'), e(3, 'removed', 'a'), e(4, 'waiting', 'c'), e(5, 'waiting', 'd'), e(6, 'waiting', 'e')]);
    expect(tally.tracked).toBe(3);
    expect(tally.readyAt('a')).toBeUndefined();
    expect(tally.readyAt('b')).toBeUndefined();
    expect(tally.readyAt('e')).toBe(6);
  });

  it('reads the time of a stream id', () => {
    expect(idTime('1700000000123-7')).toBe(1700000000123);
    expect(idTime('42')).toBe(42);
  });
});
