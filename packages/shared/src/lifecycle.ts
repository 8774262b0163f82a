import { AwoError, errorMessage } from './errors.js';

export type AgentState = 'idle' | 'starting' | 'running' | 'draining' | 'closed' | 'failed';

export interface AgentStatus {
  name: string;
  state: AgentState;
  ready: boolean;
  detail?: Record<string, unknown>;
}

/**
 * The lifecycle every agent shares. The constructor validates and does no I/O; `start()` runs
 * once; `close()` is idempotent (the same promise on every call) and ordered by the subclass.
 */
export abstract class Agent implements AsyncDisposable {
  #state: AgentState = 'idle';
  #closing: Promise<void> | undefined;
  #failure: string | undefined;
  #onFailed: ((failure: string) => void) | undefined;
  /** Resolves with the failure's message when the agent becomes `failed`; never rejects. */
  readonly failed: Promise<string> = new Promise((resolve) => (this.#onFailed = resolve));

  constructor(readonly name: string) {}

  get state(): AgentState {
    return this.#state;
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new AwoError('AWO_AGENT_STATE', `${this.name} cannot start: it is ${this.#state}`);
    this.#state = 'starting';
    try {
      await this.onStart();
      // close() may have been called while starting.
      if (this.#state === 'starting') this.#state = 'running';
    } catch (err) {
      this.#markFailed(err);
      await this.onClose().catch(() => undefined);
      throw err;
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state === 'idle') {
        this.#state = 'closed';
        return;
      }
      if (this.#state !== 'failed') this.#state = 'draining';
      try {
        await this.onClose();
      } finally {
        if (this.#state === 'draining') this.#state = 'closed';
      }
    })();
    return this.#closing;
  }

  /** Marks the agent failed (a fatal error in a background loop); `/healthz` then reports it. */
  protected fail(err: unknown): void {
    this.#markFailed(err);
  }

  #markFailed(err: unknown): void {
    this.#state = 'failed';
    this.#failure = errorMessage(err);
    this.#onFailed?.(this.#failure);
  }

  status(): AgentStatus {
    const detail = { ...this.detail(), ...(this.#failure ? { failure: this.#failure } : {}) };
    return { name: this.name, state: this.#state, ready: this.#state === 'running' && this.isReady(), detail };
  }

  /** The agent's counts by name, read in-process (tests, status); `/metrics` serves what it declares on `deps.metrics`. */
  metrics(): Record<string, number> {
    return {};
  }

  protected isReady(): boolean {
    return true;
  }

  protected detail(): Record<string, unknown> {
    return {};
  }

  protected abstract onStart(): Promise<void>;
  /** Stop taking work → wait for in-flight work (bounded) → close connections; each step guarded. */
  protected abstract onClose(): Promise<void>;

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Runs close steps in order, each in its own try/catch, and reports what failed. */
export async function closeInOrder(steps: [name: string, fn: () => unknown][], onError: (step: string, err: unknown) => void): Promise<void> {
  for (const [name, fn] of steps) {
    try {
      await fn();
    } catch (err) {
      onError(name, err);
    }
  }
}
