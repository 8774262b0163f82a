import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { delay, freePort } from '@awo/shared';

const AWO = new URL('../../packages/cli/bin/awo.js', import.meta.url).pathname;

/** One `awo analyzer` process of the scale-out benchmark. */
export interface AnalyzerProcess {
  child: ChildProcess;
  pid: number;
  /** Its health port (`/readyz`, `/metrics`). */
  port: number;
  /** Its instance name, the holder part of its lease tokens: `analyzer-<pid>`. */
  instance: string;
}

/** Clock ticks per second of /proc's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * The CPU a process has used so far, µs, all its threads: the sum of /proc/<pid>/task/<tid>/schedstat
 * (ns on a CPU, exact), else utime + stime of /proc/<pid>/stat (in clock ticks, 10 ms).
 */
export function cpuMicros(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1000;
  } catch {
    // No schedstat (or a thread gone between the listing and the read): the ticks below.
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses: utime and stime are 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) / CLK_TCK) * 1e6;
}

/** Starts `n` analyzer processes on one config file, each with its own health port, and waits (bounded) until each is ready. */
export async function startAnalyzers(configFile: string, n: number, timeoutMs = 90_000): Promise<AnalyzerProcess[]> {
  const procs: AnalyzerProcess[] = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [AWO, 'analyzer', '--config', configFile], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, AWO_FROM_SOURCE: '1', AWO__analyzer__health__port: String(port) },
    });
    procs.push({ child, pid: child.pid as number, port, instance: `analyzer-${child.pid}` });
  }
  const until = Date.now() + timeoutMs;
  try {
    for (const p of procs) {
      for (;;) {
        if (p.child.exitCode !== null) throw new Error(`awo analyzer (pid ${p.pid}) exited with ${p.child.exitCode}`);
        const ok = await fetch(`http://127.0.0.1:${p.port}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > until) throw new Error(`awo analyzer (pid ${p.pid}) was not ready in ${timeoutMs / 1000} s`);
        await delay(100);
      }
    }
  } catch (err) {
    await stopAnalyzers(procs);
    throw err;
  }
  return procs;
}

/** One sample of a metric (summed over its label sets) from a process's `/metrics`; undefined when it does not answer. */
export async function scrape(port: number, name: string): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    let sum: number | undefined;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum = (sum ?? 0) + Number(m[1]);
    return sum;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after 20 s; resolves when every process has exited. A stopped process is continued first. */
export async function stopAnalyzers(procs: readonly AnalyzerProcess[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      const exited = once(p.child, 'exit');
      p.child.kill('SIGCONT');
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}
