import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mergePatch, PLURAL, scaleOf, status, statusFor, workloadOf, type Plural, type Workload, type WorkloadKind } from './kube-objects.js';

export type { Workload, WorkloadKind } from './kube-objects.js';

/**
 * A local HTTP(S) server that answers the part of the Kubernetes API awo uses, as the API
 * reference defines it — no cluster:
 * - `GET /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}/scale` → a `Scale`
 *   (autoscaling/v1) with metadata (resourceVersion), spec.replicas, status.replicas, status.selector;
 * - `PATCH` of the same path, only with `Content-Type: application/merge-patch+json` (else 415),
 *   an RFC 7386 merge patch; a `metadata.resourceVersion` in the patch is a precondition (409 when
 *   stale); spec.replicas must be an integer ≥ 0 (else 422 Invalid);
 * - `GET /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}` → the workload;
 * - every error as a v1 `Status` with reason, code and message; an unknown object 404s.
 * Faults (401, 403, 404, 409, 429, 5xx) can be injected, and a bearer token required.
 */
export interface KubeApiOptions {
  /** When set, every request must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Serve HTTPS with this certificate (paths of PEM files); else plain HTTP. */
  tls?: { cert: string; key: string };
  /**
   * When set, RBAC as a Role's `rules` grant it: a request whose verb (`get`, `patch`) on its
   * resource (`deployments`, `deployments/scale`, …) in API group `apps` no rule allows is
   * answered 403, as the API server's authorizer does.
   */
  rules?: readonly KubeRule[];
}

/** One rule of a Kubernetes Role (the fields the fake server checks). */
export interface KubeRule {
  apiGroups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
  resourceNames?: readonly string[];
}

function allowed(rules: readonly KubeRule[], verb: string, resource: string, name: string): boolean {
  const has = (list: readonly string[], x: string) => list.includes(x) || list.includes('*');
  return rules.some((r) => has(r.apiGroups, 'apps') && has(r.resources, resource) && has(r.verbs, verb) && (!r.resourceNames || r.resourceNames.length === 0 || r.resourceNames.includes(name)));
}

/** An error answer to give instead of the real one, `times` times (default 1), to matching requests. */
export interface KubeFault {
  status: 401 | 403 | 404 | 409 | 429 | 500 | 502 | 503;
  method?: 'GET' | 'PATCH';
  /** Only requests whose path contains this. */
  path?: string;
  times?: number;
  /** Seconds, sent as `Retry-After` (429, 503). */
  retryAfter?: number;
  /** Answer only after this many ms (a server that hangs: the client's timeout or abort must cut it). */
  delayMs?: number;
}

/** One request the server answered. */
export interface KubeApiRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  status: number;
  body?: unknown;
}

const MAX_BODY = 1024 * 1024;
const MAX_REQUESTS = 10_000;
const ROUTE = /^\/apis\/apps\/v1\/namespaces\/([a-z0-9][-a-z0-9]*)\/(deployments|statefulsets)\/([a-z0-9][-a-z0-9.]*)(\/scale)?$/;

/** Emits `request` (a {@link KubeApiRequest}) after answering each request. */
export class KubeApiServer extends EventEmitter<{ request: [KubeApiRequest] }> {
  /** The requests answered, oldest first (at most 10,000; older ones are dropped and counted). */
  readonly requests: KubeApiRequest[] = [];
  requestsDropped = 0;
  /** TCP connections accepted (each a TLS handshake over HTTPS): how well clients reuse them. */
  connections = 0;
  readonly #workloads = new Map<string, Workload>();
  readonly #faults: (KubeFault & { left: number })[] = [];
  #revision = 1000;
  #rules: readonly KubeRule[] | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: KubeApiOptions,
  ) {
    super();
  }

  static async start(options: KubeApiOptions = {}): Promise<KubeApiServer> {
    const tls = options.tls ? { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) } : undefined;
    // The handler needs the server object, made once the port is known.
    const holder: { api?: KubeApiServer } = {};
    const handler = (req: IncomingMessage, res: ServerResponse) => void holder.api?.handle(req, res);
    const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const api = new KubeApiServer(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, options);
    api.#rules = options.rules;
    holder.api = api;
    server.on('connection', () => api.connections++);
    return api;
  }

  /** Creates (or replaces) a workload. */
  add(w: { kind: WorkloadKind; namespace: string; name: string; replicas: number; statusReplicas?: number; readyReplicas?: number }): Workload {
    const workload: Workload = {
      ...w,
      statusReplicas: w.statusReplicas ?? w.replicas,
      readyReplicas: w.readyReplicas ?? w.statusReplicas ?? w.replicas,
      uid: randomUUID(),
      resourceVersion: this.#nextRevision(),
      generation: 1,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    this.#workloads.set(this.#key(w.kind, w.namespace, w.name), workload);
    return workload;
  }

  /** The workload's state now, or undefined. */
  get(kind: WorkloadKind, namespace: string, name: string): Workload | undefined {
    const w = this.#workloads.get(this.#key(kind, namespace, name));
    return w && { ...w };
  }

  /** Sets what a controller would report (status.replicas, status.readyReplicas); a new resourceVersion. */
  setStatus(kind: WorkloadKind, namespace: string, name: string, s: { replicas?: number; readyReplicas?: number }): void {
    const w = this.#workloads.get(this.#key(kind, namespace, name));
    if (!w) throw new Error(`no ${kind} ${namespace}/${name}`);
    if (s.replicas !== undefined) w.statusReplicas = s.replicas;
    if (s.readyReplicas !== undefined) w.readyReplicas = s.readyReplicas;
    w.resourceVersion = this.#nextRevision();
  }

  /** Sets spec.replicas as another writer would (an HPA, a person): a new resourceVersion. */
  setReplicas(kind: WorkloadKind, namespace: string, name: string, replicas: number): void {
    const w = this.#workloads.get(this.#key(kind, namespace, name));
    if (!w) throw new Error(`no ${kind} ${namespace}/${name}`);
    w.replicas = replicas;
    w.generation++;
    w.resourceVersion = this.#nextRevision();
  }

  /** Answers the next `times` matching requests with this error instead. */
  inject(fault: KubeFault): void {
    this.#faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Replaces the RBAC rules the server enforces (undefined: allow everything). */
  setRules(rules: readonly KubeRule[] | undefined): void {
    this.#rules = rules;
  }

  /** Forgets every injected fault not used up yet. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Injected faults not used up yet. */
  faultsLeft(): number {
    return this.#faults.reduce((n, f) => n + f.left, 0);
  }

  /** Requests answered with this method (and status). */
  count(method: string, statusCode?: number): number {
    return this.requests.filter((r) => r.method === method && (statusCode === undefined || r.status === statusCode)).length;
  }

  /**
   * Writes a kubeconfig (as JSON, which is YAML) that points at this server, with the CA for
   * HTTPS and the bearer token, as context `context` (default `fake`), plus a context `other`
   * pointing at a closed port, so that choosing the context matters.
   */
  writeKubeconfig(file: string, opts: { token?: string; ca?: string; context?: string } = {}): string {
    const context = opts.context ?? 'fake';
    const cluster = { server: this.url, ...(opts.ca ? { 'certificate-authority-data': readFileSync(opts.ca).toString('base64') } : {}) };
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'fake', cluster },
        { name: 'other', cluster: { server: 'https://127.0.0.1:1' } },
      ],
      users: [{ name: 'awo', user: opts.token ? { token: opts.token } : {} }],
      contexts: [
        { name: context, context: { cluster: 'fake', user: 'awo', namespace: 'default' } },
        { name: 'other', context: { cluster: 'other', user: 'awo' } },
      ],
      'current-context': 'other',
      preferences: {},
    };
    writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    return file;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  #key(kind: WorkloadKind, namespace: string, name: string): string {
    return `${PLURAL[kind]}/${namespace}/${name}`;
  }

  #nextRevision(): string {
    return String(++this.#revision);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const contentType = req.headers['content-type'];
    let body: unknown;
    const answer = (code: number, object: Record<string, unknown>, headers: Record<string, string> = {}) => {
      if (this.requests.length >= MAX_REQUESTS) {
        this.requests.shift();
        this.requestsDropped++;
      }
      const seen: KubeApiRequest = { method, path, contentType, status: code, ...(body !== undefined ? { body } : {}) };
      this.requests.push(seen);
      res.writeHead(code, { 'content-type': 'application/json', 'audit-id': randomUUID(), ...headers });
      res.end(JSON.stringify(object));
      this.emit('request', seen);
    };
    if (this.options.token !== undefined && req.headers.authorization !== `Bearer ${this.options.token}`) return answer(401, status(401, 'Unauthorized', 'Unauthorized'));
    const m = ROUTE.exec(path);
    if (!m) return answer(404, status(404, 'NotFound', 'the server could not find the requested resource', {}));
    const [, namespace, plural, name, sub] = m as unknown as [string, string, Plural, string, string | undefined];
    const subresource = sub !== undefined;
    if (method !== 'GET' && !(method === 'PATCH' && subresource)) return answer(405, status(405, 'MethodNotAllowed', `${method} is not supported on ${path} by this test server`));
    const verb = method === 'GET' ? 'get' : 'patch';
    if (this.#rules && !allowed(this.#rules, verb, `${plural}${subresource ? '/scale' : ''}`, name)) {
      return answer(403, statusFor(403, { verb, plural, namespace, name, subresource }));
    }
    const fault = this.#faults.find((f) => f.left > 0 && (f.method === undefined || f.method === method) && (f.path === undefined || path.includes(f.path)));
    if (fault) {
      fault.left--;
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      if (fault.delayMs !== undefined) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => (this.#timers.delete(t), resolve()), fault.delayMs);
          this.#timers.add(t);
        });
        if (res.destroyed) return;
      }
      return answer(fault.status, statusFor(fault.status, { verb, plural, namespace, name, subresource, ...(fault.retryAfter !== undefined ? { retryAfter: fault.retryAfter } : {}) }), headers);
    }
    const kind: WorkloadKind = plural === 'deployments' ? 'Deployment' : 'StatefulSet';
    const w = this.#workloads.get(this.#key(kind, namespace, name));
    if (!w) return answer(404, statusFor(404, { verb, plural, namespace, name, subresource }));
    if (method === 'GET') return answer(200, subresource ? scaleOf(w) : workloadOf(w));
    // PATCH of the scale subresource.
    if (contentType?.split(';')[0]?.trim() !== 'application/merge-patch+json') {
      return answer(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (this server), got ${contentType ?? 'none'}`));
    }
    const text = await readBody(req);
    if (text === undefined) return answer(413, status(413, 'RequestEntityTooLarge', `the request body is larger than ${MAX_BODY} bytes`));
    try {
      body = JSON.parse(text);
    } catch (err) {
      return answer(400, status(400, 'BadRequest', `error decoding patch: ${(err as Error).message}`));
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return answer(400, status(400, 'BadRequest', 'a merge patch must be a JSON object'));
    const current = scaleOf(w);
    const patched = mergePatch(current, body) as { metadata?: { name?: unknown; resourceVersion?: unknown }; spec?: { replicas?: unknown } };
    const wanted = (body as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== w.resourceVersion) return answer(409, statusFor(409, { verb, plural, namespace, name, subresource }));
    if (patched.metadata?.name !== name) return answer(400, status(400, 'BadRequest', `the name of the object (${String(patched.metadata?.name)}) does not match the name on the URL (${name})`));
    const replicas = patched.spec?.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > 2 ** 31 - 1) {
      return answer(422, status(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, { name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: 'must be greater than or equal to 0', field: 'spec.replicas' }] }));
    }
    if (replicas !== w.replicas) {
      w.replicas = replicas;
      w.generation++;
      w.resourceVersion = this.#nextRevision();
    }
    return answer(200, scaleOf(w));
  }
}

/** The request body as text, or undefined when it is larger than MAX_BODY. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
