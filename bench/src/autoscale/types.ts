/** What a policy may look at when it decides (a read-only view of the simulator). */
export interface PoolView {
  /** Simulated time, s. */
  readonly now: number;
  /** The pool size asked for: ready workers (not retiring) + starting ones. */
  readonly target: number;
  /** Workers that take jobs: idle + busy, retiring ones excluded. */
  readonly ready: number;
  readonly starting: number;
  readonly busy: number;
  readonly idle: number;
  /** Jobs waiting in the queue. */
  readonly backlog: number;
  /** Cumulative counters since the start. */
  readonly arrivals: number;
  readonly completions: number;
  /** ∫ busy workers dt and ∫ (idle + busy) workers dt, worker-seconds. */
  readonly busySeconds: number;
  readonly readySeconds: number;
}

export interface PoolSimOptions {
  /** Seconds from asking for a worker to the worker taking jobs. */
  startupDelay: number;
  initialWorkers: number;
  /** Wait target, s: waits above it count against the minute's p95 (see {@link PoolSim.closeMinute}). */
  targetWait: number;
  /** Keep the waits of each sampling interval for {@link PoolSim.takeWaitP95} (the monitor's wait_p95). */
  sampleWaits?: boolean;
}

/** The state a snapshot restores (see {@link PoolSim.snapshot}). */
export interface PoolSnapshot {
  scalars: Float64Array;
  heap: Float64Array;
  starting: Float64Array;
  queueTimes: Float64Array;
  queueServices: Float64Array;
}
