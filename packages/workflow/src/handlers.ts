import { pathToFileURL } from 'node:url';
import { AwoError, checkRecord, errorMessage, recordPasses, type HandlerName, type ParamValue, type QualitySpec } from '@awo/shared';

/** What a handler makes of a record: passed on (possibly changed), or refused with a reason. */
export type HandlerResult = { ok: true; record: unknown } | { ok: false; reason: string };

export interface HandlerContext {
  step: string;
  /** The step's parameters in the record's plan version. */
  params: Readonly<Record<string, ParamValue>>;
  /** `workflow.schema`. */
  schema: QualitySpec | undefined;
  /** Aborted when the step's `timeout` is over (or the runner is closing): stop and let the attempt fail. */
  signal?: AbortSignal;
}

/** A step's work on one record. A throw is a failure to retry (with the step's backoff), not a refusal. */
export type RecordHandler = (record: unknown, ctx: HandlerContext) => HandlerResult | Promise<HandlerResult>;

const isObject = (r: unknown): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r);

/** Passes every record on unchanged (also what a `sink` runs; the runner writes the record). */
const pass: RecordHandler = (record) => ({ ok: true, record });

/** The lenient check: a JSON object that carries its key (when the schema names one). */
const validate: RecordHandler = (record, { schema }) => {
  if (!isObject(record)) return { ok: false, reason: 'not a JSON object' };
  const key = schema?.key;
  if (key !== undefined) {
    const id = Object.hasOwn(record, key) ? record[key] : undefined;
    if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) return { ok: false, reason: `${key} is missing` };
  }
  return { ok: true, record };
};

/** Every rule of the schema: required fields, types, ranges. */
const strictValidation: RecordHandler = (record, { schema }) => {
  if (!schema) throw new AwoError('AWO_CONFIG_INVALID', 'strict-validation needs workflow.schema');
  const check = checkRecord(record, schema);
  if (recordPasses(check)) return { ok: true, record };
  const reasons = [...check.schemaViolations, ...check.outOfRangeFields.map((f) => `${f} is out of range`)];
  return { ok: false, reason: reasons.join('; ') };
};

/** Sets the fields named by the step's `field.<name>` parameters, e.g. `field.region: eu`. */
const enrich: RecordHandler = (record, { params }) => {
  if (!isObject(record)) return { ok: false, reason: 'not a JSON object' };
  const out: Record<string, unknown> = { ...record };
  for (const [param, value] of Object.entries(params)) if (param.startsWith('field.')) out[param.slice(6)] = value;
  return { ok: true, record: out };
};

const BUILTIN: Readonly<Record<string, RecordHandler>> = { pass, validate, 'strict-validation': strictValidation, enrich, sink: pass };

const loaded = new Map<string, Promise<RecordHandler>>();

/** The handler of a name: a built-in, or the default export of the module at an absolute path (loaded once). */
export function loadHandler(name: HandlerName): Promise<RecordHandler> {
  const builtin = Object.hasOwn(BUILTIN, name) ? BUILTIN[name] : undefined;
  if (builtin) return Promise.resolve(builtin);
  let handler = loaded.get(name);
  if (!handler) {
    handler = import(pathToFileURL(name).href).then(
      (mod: { default?: unknown }) => {
        if (typeof mod.default !== 'function') throw new AwoError('AWO_CONFIG_INVALID', `handler ${name}: expected a default export that is a function`);
        return mod.default as RecordHandler;
      },
      (err: unknown) => {
        throw new AwoError('AWO_CONFIG_INVALID', `handler ${name} could not be loaded: ${errorMessage(err)}`, { cause: err });
      },
    );
    loaded.set(name, handler);
  }
  return handler;
}
