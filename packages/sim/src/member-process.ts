import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Config } from '@awo/shared';

/** What a demo member process tells its parent. */
export type MemberMessage = { kind: 'start'; waitMs: number; at: number } | { kind: 'started' };

export interface MemberProcess {
  id: string;
  child: ChildProcess;
  /** Resolves when the process exited (its code or signal). */
  exited: Promise<unknown>;
  /** Resolves when the member joined its step (its `start()` resolved); rejects if it exits first. */
  started: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface SpawnMemberOptions {
  id: string;
  config: Config;
  ttl: number;
  heartbeat: number;
  recheck: number;
  logLevel?: string;
  onMessage?: (m: MemberMessage) => void;
}

/**
 * Starts one `@awo/worker` member of the workers demo as a real process (`member-main`): the
 * compiled module, or the TypeScript source through tsx when running from source. Its logs go
 * to this process's stderr; job waits come back over IPC.
 */
export function spawnMember(o: SpawnMemberOptions): MemberProcess {
  const script = new URL(import.meta.url.endsWith('.ts') ? './member-main.ts' : './member-main.js', import.meta.url);
  const fromSource = script.pathname.endsWith('.ts');
  const { key: _key, previousKey: _previous, ...signing } = o.config.signing;
  const child = fork(fileURLToPath(script), [], {
    execArgv: fromSource ? ['--conditions', 'development', '--import', 'tsx'] : [],
    stdio: ['ignore', 2, 2, 'ipc'],
    env: {
      ...process.env,
      AWO_DEMO_CONFIG: JSON.stringify({ ...o.config, signing }),
      AWO_SIGNING_KEY: o.config.signing.key ?? '',
      AWO_MEMBER_ID: o.id,
      AWO_MEMBER_TTL: String(o.ttl),
      AWO_MEMBER_HEARTBEAT: String(o.heartbeat),
      AWO_MEMBER_RECHECK: String(o.recheck),
      AWO_LOG_LEVEL: o.logLevel ?? 'warn',
    },
  });
  const exited = once(child, 'exit');
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (m) => {
      const message = m as MemberMessage;
      if (message.kind === 'started') resolve();
      o.onMessage?.(message);
    });
    void exited.then(([code, signal]) => reject(new Error(`member ${o.id} exited (${String(signal ?? code)}) before it started`)));
  });
  started.catch(() => undefined);
  return {
    id: o.id,
    child,
    exited,
    started,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      // A member that does not end within its close grace (10 s) and 5 s more is killed.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
