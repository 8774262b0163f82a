import { AwoError, type Action, type ParamValue } from '@awo/shared';

/** The names a config template may use. */
export type TemplateName = 'step' | 'param' | 'value' | 'version';
export type TemplateVars = Partial<Record<TemplateName, string>>;

const PLACEHOLDER = /\{\{(step|param|value|version)\}\}/g;

/** A parameter value as text: strings as they are, numbers and booleans as JSON. */
export function valueText(value: ParamValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Replaces `{{step}}`, `{{param}}`, `{{value}}` and `{{version}}` in one string. The result is
 * still one string: no splitting, no globbing, and `$` sequences in values are taken literally.
 * Unknown or missing names are left as they are.
 */
export function substitute(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (match, name: TemplateName) => vars[name] ?? match);
}

/** The template variables of an action. */
export function actionVars(action: Pick<Action, 'step' | 'param' | 'value' | 'version'>): Required<TemplateVars> {
  return { step: action.step, param: action.param, value: valueText(action.value), version: String(action.version) };
}

/**
 * A command's arguments with the action substituted; each argument stays exactly one argument.
 * An argument that a placeholder starts and whose substituted text starts with `-` would be read
 * by the program as an option (`--exec=…`, `-rf`): it is refused, unless an earlier argument is
 * `--` (the end of options). Write `--size={{value}}`, or put `--` before positional values.
 */
export function commandArgs(args: readonly string[], action: Pick<Action, 'step' | 'param' | 'value' | 'version'>): string[] {
  const vars = actionVars(action);
  let optionsEnded = false;
  return args.map((arg, i) => {
    const out = substitute(arg, vars);
    if (!optionsEnded && out.startsWith('-') && !arg.startsWith('-')) {
      throw new AwoError('AWO_ACTION_NOT_ALLOWED', `command argument ${i} ("${truncate(arg, 64)}") would become the option "${truncate(out, 64)}"; put "--" before it or write it as --name=${arg}`);
    }
    if (arg === '--') optionsEnded = true;
    return out;
  });
}

/** Cuts text to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const mark = `…(${text.length} chars)`;
  return `${text.slice(0, Math.max(0, max - mark.length))}${mark}`;
}
