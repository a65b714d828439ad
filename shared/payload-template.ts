/**
 * Payload templates: `{{timestamp}}`, `{{counter}}`, `{{uuid}}`, `{{random}}` (and
 * `{{random:MIN:MAX}}` for a whole number in a range) are replaced at each publish, so a
 * repeated publish sends fresh values; a saved collection adds its own variables
 * (`{{deviceId}}`) from the environment in use. Anything else in braces is reported, not
 * sent as is. The publish panel, saved collections and the CLI all expand through here.
 */

/** Where template values come from; injected so tests are deterministic. */
export interface TemplateContext {
  /** Publishes so far in this run, starting at 1 for the first. */
  counter: number;
  now: () => number;
  uuid: () => string;
  random: () => number;
  /** Named values (a collection's environment); they may not reuse a built-in's name. */
  variables?: Readonly<Record<string, string>>;
}

const HELP = 'use {{timestamp}}, {{counter}}, {{uuid}}, {{random}} or {{random:MIN:MAX}}';

/** Names a variable can take: letters, digits, _ and -, starting with a letter or _. */
export const VARIABLE_NAME = /^[A-Za-z_][\w-]*$/;

/** The built-in placeholders, which variables may not shadow. */
export const BUILT_IN_PLACEHOLDERS = ['timestamp', 'counter', 'uuid', 'random'] as const;

/**
 * Replaces every placeholder.
 * @throws Error naming the first unknown or malformed placeholder.
 */
export function expandTemplate(text: string, context: TemplateContext): string {
  return text.replace(/\{\{([^}]*)\}\}/g, (placeholder, inner: string) => {
    const key = inner.trim();
    if (context.variables && Object.prototype.hasOwnProperty.call(context.variables, key)) return context.variables[key]!;
    const match = /^\s*([a-zA-Z]+)((?::-?\d+){0,2})\s*$/.exec(inner);
    const name = match?.[1];
    const bounds = (match?.[2] ?? '').split(':').filter(Boolean).map(Number);
    if (name === 'random') {
      if (bounds.length === 0) return String(context.random());
      const [min, max] = bounds.length === 1 ? [0, bounds[0]!] : [bounds[0]!, bounds[1]!];
      if (min <= max) return String(min + Math.floor(context.random() * (max - min + 1)));
    } else if (bounds.length === 0) {
      if (name === 'timestamp') return String(context.now());
      if (name === 'counter') return String(context.counter);
      if (name === 'uuid') return context.uuid();
    }
    const names = Object.keys(context.variables ?? {});
    throw new Error(`Unknown placeholder ${placeholder}: ${HELP}${names.length ? `, or a variable: ${names.map((n) => `{{${n}}}`).join(', ')}` : ''}`);
  });
}

/** Whether the text contains anything that looks like a placeholder. */
export function hasPlaceholders(text: string): boolean {
  return /\{\{[^}]*\}\}/.test(text);
}
