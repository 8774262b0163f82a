/** Where commands write: injected so commands stay testable and only main.ts touches the process. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Emits `hangup` on SIGHUP (re-read the config); absent where nothing delivers it. */
  hangups?: EventTarget;
}
