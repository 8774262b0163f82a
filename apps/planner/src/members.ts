/** The series an `@awo/worker` member publishes for its step, each with its `member` label. */
export function workerSeries(step: string): { jobsPerS: string; concurrency: string } {
  return { jobsPerS: `worker.${step}.jobs_per_s`, concurrency: `worker.${step}.concurrency` };
}

interface Report {
  jobsPerS?: { value: number; ts: number };
  concurrency?: { value: number; ts: number };
}

/**
 * The step's total throughput and total concurrency, summed over the `@awo/worker` members that
 * reported lately. Each member publishes its own `jobs_per_s` and `concurrency` (label `member`)
 * at one timestamp; when a member's pair is complete, the totals over the members whose last
 * pair is younger than `staleAfter` are one sample of X(N). Bounded: at most `maxMembers`
 * members are tracked; a report from one more is refused and counted. Pure: no I/O.
 */
export class MemberTotals {
  readonly #members = new Map<string, Report>();
  #refused = 0;

  constructor(
    private readonly staleAfter: number,
    private readonly maxMembers = 1024,
  ) {}

  /** One member series value; returns the step's totals when it completes that member's pair. */
  observe(kind: 'jobsPerS' | 'concurrency', member: string | undefined, value: number, ts: number): { n: number; x: number } | undefined {
    if (member === undefined || !Number.isFinite(value) || value < 0) return undefined;
    this.#expire(ts);
    let report = this.#members.get(member);
    if (!report) {
      if (this.#members.size >= this.maxMembers) {
        this.#refused++;
        return undefined;
      }
      report = {};
      this.#members.set(member, report);
    }
    report[kind] = { value, ts };
    if (report.jobsPerS?.ts !== ts || report.concurrency?.ts !== ts) return undefined;
    let n = 0;
    let x = 0;
    for (const r of this.#members.values()) {
      if (!r.jobsPerS || !r.concurrency || r.jobsPerS.ts !== r.concurrency.ts) continue;
      n += r.concurrency.value;
      x += r.jobsPerS.value;
    }
    return { n, x };
  }

  /** Reports from new members refused because `maxMembers` members are tracked already. */
  get refused(): number {
    return this.#refused;
  }

  /** Members that went silent for longer than `staleAfter` are forgotten (a dead member adds nothing). */
  #expire(now: number): void {
    for (const [member, r] of this.#members) {
      const last = Math.max(r.jobsPerS?.ts ?? -Infinity, r.concurrency?.ts ?? -Infinity);
      if (now - last > this.staleAfter) this.#members.delete(member);
    }
  }
}
