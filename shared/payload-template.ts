/**
 * Payload templates: `{{timestamp}}`, `{{counter}}`, `{{uuid}}`, `{{random}}` (and
 * `{{random:MIN:MAX}}` for a whole number in a range) are replaced at each publish, so a
 * repeated publish sends fresh values. Anything else in braces is reported, not sent as is.
 */

/** Where template values come from; injected so tests are deterministic. */
export interface TemplateContext {
  /** Publishes so far in this run, starting at 1 for the first. */
  counter: number;
  now: () => number;
  uuid: () => string;
  random: () => number;
}

const HELP = 'use {{timestamp}}, {{counter}}, {{uuid}}, {{random}} or {{random:MIN:MAX}}';

/**
 * Replaces every placeholder.
 * @throws Error naming the first unknown or malformed placeholder.
 */
export function expandTemplate(text: string, context: TemplateContext): string {
  return text.replace(/\{\{([^}]*)\}\}/g, (placeholder, inner: string) => {
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
    throw new Error(`Unknown placeholder ${placeholder}: ${HELP}`);
  });
}

/** Whether the text contains anything that looks like a placeholder. */
export function hasPlaceholders(text: string): boolean {
  return /\{\{[^}]*\}\}/.test(text);
}
