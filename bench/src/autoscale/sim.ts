import { copyRing, grow, ringCapacity, siftDown, siftUp } from './arrays.js';
import type { JobBatch } from './jobs.js';
import type { PoolSimOptions, PoolSnapshot, PoolView } from './types.js';
import { WaitSample } from './wait-sample.js';

export type { PoolSimOptions, PoolSnapshot, PoolView } from './types.js';

const NO_JOBS: JobBatch = { times: new Float64Array(0), services: new Float64Array(0), n: 0 };

/**
 * A discrete-event simulation of one FIFO queue served by a pool of identical workers.
 *
 * - A job is taken by an idle ready worker at once, else it waits in the queue; a worker that
 *   finishes takes the oldest waiting job. Its wait is start − arrival.
 * - Scaling up first cancels pending retirements, then starts new workers, which take jobs only
 *   `startupDelay` s later. Scaling down cancels starting workers first (newest first), then
 *   removes idle ones, then retires busy ones: a retiring worker finishes its job and leaves.
 * - Cost is ∫ (idle + busy + starting) workers dt: a starting worker costs from the moment it is
 *   asked for, a retiring one until it leaves.
 * - Simultaneous events run in this order: completions, workers becoming ready, arrivals.
 *
 * Times are seconds (doubles). The caller feeds arrivals in order ({@link feed}) and advances the
 * clock ({@link advance}) to each decision time.
 */
export class PoolSim implements PoolView {
  now = 0;
  arrivals = 0;
  completions = 0;
  busySeconds = 0;
  readySeconds = 0;
  workerSeconds = 0;
  /** Target changes. */
  scaleEvents = 0;
  /** Jobs started, and those among them that waited longer than the target. */
  started = 0;
  startedOverTarget = 0;
  totalWait = 0;
  maxWorkers = 0;

  readonly startupDelay: number;
  readonly targetWait: number;
  readonly #sampleWaits: boolean;
  #heap = new Float64Array(64);
  #hn = 0;
  #idle = 0;
  #retire = 0;
  #start = new Float64Array(64);
  #sHead = 0;
  #sLen = 0;
  #qT = new Float64Array(1024);
  #qS = new Float64Array(1024);
  #qHead = 0;
  #qLen = 0;
  #jobs: JobBatch = NO_JOBS;
  #ai = 0;
  #an = 0;
  // Per minute (closeMinute) and per sampling interval (takeWaitP95).
  #mStarts = 0;
  #mOver = 0;
  readonly #waits = new WaitSample();

  constructor(opts: PoolSimOptions) {
    if (!(opts.startupDelay >= 0)) throw new RangeError(`startupDelay must be >= 0, got ${opts.startupDelay}`);
    if (!(Number.isInteger(opts.initialWorkers) && opts.initialWorkers >= 0)) throw new RangeError(`initialWorkers must be an integer >= 0, got ${opts.initialWorkers}`);
    this.startupDelay = opts.startupDelay;
    this.targetWait = opts.targetWait;
    this.#sampleWaits = opts.sampleWaits ?? false;
    this.#idle = opts.initialWorkers;
    this.maxWorkers = opts.initialWorkers;
  }

  get busy(): number {
    return this.#hn;
  }
  get idle(): number {
    return this.#idle;
  }
  get starting(): number {
    return this.#sLen;
  }
  get retiring(): number {
    return this.#retire;
  }
  get ready(): number {
    return this.#idle + this.#hn - this.#retire;
  }
  get target(): number {
    return this.#idle + this.#hn - this.#retire + this.#sLen;
  }
  get backlog(): number {
    return this.#qLen;
  }
  /** Workers costing money now: idle, busy (retiring included) and starting. */
  get workers(): number {
    return this.#idle + this.#hn + this.#sLen;
  }

  /** Jobs arriving next, in order, none before {@link now}; the previous batch must be used up. */
  feed(batch: JobBatch): void {
    if (this.#ai < this.#an) throw new Error('feed: the previous batch still has jobs');
    if (batch.n > 0 && (batch.times[0] as number) < this.now) throw new Error(`feed: job at ${batch.times[0]} is before now (${this.now})`);
    this.#jobs = batch;
    this.#an = batch.n;
    this.#ai = 0;
  }

  /** Runs every event up to and including `until`, then sets the clock to `until`. */
  advance(until: number): void {
    // The hot loop works on locals and writes them back at the end.
    const times = this.#jobs.times;
    const services = this.#jobs.services;
    const an = this.#an;
    const target = this.targetWait;
    const sample = this.#sampleWaits;
    const start = this.#start;
    const sMask = start.length - 1;
    let heap = this.#heap;
    let qT = this.#qT;
    let qS = this.#qS;
    let qMask = qT.length - 1;
    let hn = this.#hn;
    let idle = this.#idle;
    let retire = this.#retire;
    let sHead = this.#sHead;
    let sLen = this.#sLen;
    let qHead = this.#qHead;
    let qLen = this.#qLen;
    let ai = this.#ai;
    let now = this.now;
    let busySec = this.busySeconds;
    let readySec = this.readySeconds;
    let workerSec = this.workerSeconds;
    let arrivals = this.arrivals;
    let completions = this.completions;
    let started = 0;
    let over = 0;
    let totalWait = 0;
    for (;;) {
      const tc = hn > 0 ? (heap[0] as number) : Infinity;
      const tr = sLen > 0 ? (start[sHead] as number) : Infinity;
      const ta = ai < an ? (times[ai] as number) : Infinity;
      let t: number;
      let kind: number;
      if (tc <= tr && tc <= ta) {
        t = tc;
        kind = 0;
      } else if (tr <= ta) {
        t = tr;
        kind = 1;
      } else {
        t = ta;
        kind = 2;
      }
      if (t > until) break;
      const dt = t - now;
      if (dt > 0) {
        busySec += hn * dt;
        readySec += (idle + hn) * dt;
        workerSec += (idle + hn + sLen) * dt;
        now = t;
      }
      // The job to start now, if any: its completion time replaces the heap top (kind 0) or is pushed.
      let startSvc = -1;
      let wait = 0;
      if (kind === 0) {
        completions++;
        if (retire === 0 && qLen > 0) {
          wait = t - (qT[qHead] as number);
          startSvc = qS[qHead] as number;
          qHead = (qHead + 1) & qMask;
          qLen--;
        } else {
          if (retire > 0) retire--;
          else idle++;
          // Pop the heap top.
          hn--;
          if (hn > 0) siftDown(heap, heap[hn] as number, hn);
        }
      } else if (kind === 1) {
        sHead = (sHead + 1) & sMask;
        sLen--;
        if (qLen > 0) {
          wait = t - (qT[qHead] as number);
          startSvc = qS[qHead] as number;
          qHead = (qHead + 1) & qMask;
          qLen--;
        } else idle++;
      } else {
        arrivals++;
        const svc = services[ai] as number;
        ai++;
        if (idle > 0) {
          idle--;
          startSvc = svc;
        } else {
          if (qLen === qT.length) {
            qT = copyRing(qT, qHead, qLen, qLen + 1);
            qS = copyRing(qS, qHead, qLen, qLen + 1);
            qHead = 0;
            qMask = qT.length - 1;
          }
          const i = (qHead + qLen) & qMask;
          qT[i] = t;
          qS[i] = svc;
          qLen++;
        }
      }
      if (startSvc >= 0) {
        started++;
        totalWait += wait;
        if (wait > target) over++;
        if (sample) this.#waits.add(wait);
        if (kind === 0) siftDown(heap, t + startSvc, hn);
        else {
          if (hn === heap.length) heap = grow(heap);
          siftUp(heap, t + startSvc, hn);
          hn++;
        }
      }
    }
    const dt = until - now;
    if (dt > 0) {
      busySec += hn * dt;
      readySec += (idle + hn) * dt;
      workerSec += (idle + hn + sLen) * dt;
      now = until;
    }
    this.#heap = heap;
    this.#qT = qT;
    this.#qS = qS;
    this.#hn = hn;
    this.#idle = idle;
    this.#retire = retire;
    this.#sHead = sHead;
    this.#sLen = sLen;
    this.#qHead = qHead;
    this.#qLen = qLen;
    this.#ai = ai;
    this.now = now;
    this.busySeconds = busySec;
    this.readySeconds = readySec;
    this.workerSeconds = workerSec;
    this.arrivals = arrivals;
    this.completions = completions;
    this.started += started;
    this.startedOverTarget += over;
    this.#mStarts += started;
    this.#mOver += over;
    this.totalWait += totalWait;
  }

  /**
   * Asks for `n` workers (see the class comment for how). With `prestarted`, new workers are
   * ready at once but cost `startupDelay` s each up front, as if started that long ago (the
   * oracle's way of starting ahead).
   */
  setTarget(n: number, prestarted = false): void {
    const want = Math.max(0, Math.round(n));
    let delta = want - this.target;
    if (delta === 0) return;
    this.scaleEvents++;
    if (delta < 0) {
      let remove = -delta;
      const cancel = Math.min(remove, this.#sLen);
      this.#sLen -= cancel;
      remove -= cancel;
      const idle = Math.min(remove, this.#idle);
      this.#idle -= idle;
      remove -= idle;
      this.#retire += Math.min(remove, this.#hn - this.#retire);
      return;
    }
    const keep = Math.min(delta, this.#retire);
    this.#retire -= keep;
    delta -= keep;
    if (delta === 0) return;
    if (prestarted || this.startupDelay === 0) {
      if (prestarted) this.workerSeconds += delta * this.startupDelay;
      this.#idle += delta;
      this.#dispatch();
    } else {
      if (this.#start.length < this.#sLen + delta) {
        this.#start = copyRing(this.#start, this.#sHead, this.#sLen, this.#sLen + delta);
        this.#sHead = 0;
      }
      const ready = this.now + this.startupDelay;
      for (let i = 0; i < delta; i++) {
        this.#start[(this.#sHead + this.#sLen) & (this.#start.length - 1)] = ready;
        this.#sLen++;
      }
    }
    this.maxWorkers = Math.max(this.maxWorkers, this.workers);
  }

  /**
   * Closes the current minute for the SLO: the waits of the jobs that started in it, plus one
   * value per job still waiting whose wait already exceeds the target (so a stuck queue counts).
   * Returns how many values there were, how many exceeded the target, and how many of those were
   * still waiting. The minute's p95 (by nearest rank) is within the target iff
   * over ≤ n − ceil(0.95 n).
   */
  closeMinute(): { n: number; over: number; waitingOver: number } {
    let waitingOver = 0;
    if (this.#qLen > 0) {
      // The queue is in arrival order: count the jobs that arrived before now − target.
      const cutoff = this.now - this.targetWait;
      let lo = 0;
      let hi = this.#qLen;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((this.#qT[(this.#qHead + mid) & (this.#qT.length - 1)] as number) < cutoff) lo = mid + 1;
        else hi = mid;
      }
      waitingOver = lo;
    }
    const out = { n: this.#mStarts + waitingOver, over: this.#mOver + waitingOver, waitingOver };
    this.#mStarts = 0;
    this.#mOver = 0;
    return out;
  }

  /**
   * The wait p95 since the previous call, as awo's BullMQ monitor computes it: the waits of the
   * jobs that started in the interval together with the age of the oldest waiting job (when one
   * waits), interpolated between ranks; 0 when there is neither. Needs `sampleWaits`.
   */
  takeWaitP95(): number {
    return this.#waits.takeP95(this.#qLen > 0 ? this.now - (this.#qT[this.#qHead] as number) : undefined);
  }

  snapshot(): PoolSnapshot {
    return {
      scalars: Float64Array.of(this.now, this.arrivals, this.completions, this.busySeconds, this.readySeconds, this.workerSeconds, this.scaleEvents, this.started, this.startedOverTarget, this.totalWait, this.maxWorkers, this.#idle, this.#retire, this.#mStarts, this.#mOver, this.#hn, this.#ai, this.#an),
      heap: this.#heap.slice(0, this.#hn),
      starting: Float64Array.from({ length: this.#sLen }, (_, i) => this.#start[(this.#sHead + i) & (this.#start.length - 1)] as number),
      queueTimes: Float64Array.from({ length: this.#qLen }, (_, i) => this.#qT[(this.#qHead + i) & (this.#qT.length - 1)] as number),
      queueServices: Float64Array.from({ length: this.#qLen }, (_, i) => this.#qS[(this.#qHead + i) & (this.#qS.length - 1)] as number),
    };
  }

  /** Restores a snapshot taken from this simulator (the fed batch and its position included). */
  restore(s: PoolSnapshot): void {
    const v = (i: number) => s.scalars[i] as number;
    this.now = v(0);
    this.arrivals = v(1);
    this.completions = v(2);
    this.busySeconds = v(3);
    this.readySeconds = v(4);
    this.workerSeconds = v(5);
    this.scaleEvents = v(6);
    this.started = v(7);
    this.startedOverTarget = v(8);
    this.totalWait = v(9);
    this.maxWorkers = v(10);
    this.#idle = v(11);
    this.#retire = v(12);
    this.#mStarts = v(13);
    this.#mOver = v(14);
    this.#hn = v(15);
    this.#ai = v(16);
    this.#an = v(17);
    while (this.#heap.length < this.#hn) this.#heap = grow(this.#heap);
    this.#heap.set(s.heap);
    if (this.#start.length < s.starting.length) this.#start = new Float64Array(ringCapacity(s.starting.length));
    this.#start.set(s.starting);
    this.#sHead = 0;
    this.#sLen = s.starting.length;
    if (this.#qT.length < s.queueTimes.length) {
      this.#qT = new Float64Array(ringCapacity(s.queueTimes.length));
      this.#qS = new Float64Array(this.#qT.length);
    }
    this.#qT.set(s.queueTimes);
    this.#qS.set(s.queueServices);
    this.#qHead = 0;
    this.#qLen = s.queueTimes.length;
    this.#waits.clear();
  }

  /** Idle workers take waiting jobs (after workers were added). */
  #dispatch(): void {
    while (this.#idle > 0 && this.#qLen > 0) {
      const wait = this.now - (this.#qT[this.#qHead] as number);
      const svc = this.#qS[this.#qHead] as number;
      this.#qHead = (this.#qHead + 1) & (this.#qT.length - 1);
      this.#qLen--;
      this.#idle--;
      this.started++;
      this.#mStarts++;
      this.totalWait += wait;
      if (wait > this.targetWait) {
        this.startedOverTarget++;
        this.#mOver++;
      }
      if (this.#sampleWaits) this.#waits.add(wait);
      if (this.#hn === this.#heap.length) this.#heap = grow(this.#heap);
      siftUp(this.#heap, this.now + svc, this.#hn);
      this.#hn++;
    }
  }
}
