import type { Action, ParamValue } from '@awo/shared';

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

/** A command's arguments with the action substituted; each argument stays exactly one argument. */
export function commandArgs(args: readonly string[], action: Pick<Action, 'step' | 'param' | 'value' | 'version'>): string[] {
  const vars = actionVars(action);
  return args.map((arg) => substitute(arg, vars));
}

/** Cuts text to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const mark = `…(${text.length} chars)`;
  return `${text.slice(0, Math.max(0, max - mark.length))}${mark}`;
}
