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

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)((?::-?\d+){0,2})\s*\}\}/g;

/**
 * Replaces every placeholder.
 * @throws Error naming the first unknown or malformed placeholder.
 */
export function expandTemplate(text: string, context: TemplateContext): string {
  const unknown = /\{\{([^}]*)\}\}/g;
  for (const match of text.matchAll(unknown)) {
    PLACEHOLDER.lastIndex = 0;
    if (!PLACEHOLDER.test(match[0]) || !isKnown(match[0])) {
      throw new Error(`Unknown placeholder ${match[0]}: use {{timestamp}}, {{counter}}, {{uuid}}, {{random}} or {{random:MIN:MAX}}`);
    }
  }
  return text.replace(PLACEHOLDER, (_all, name: string, args: string) => {
    switch (name) {
      case 'timestamp':
        return String(context.now());
      case 'counter':
        return String(context.counter);
      case 'uuid':
        return context.uuid();
      case 'random': {
        const bounds = args.split(':').filter(Boolean).map(Number);
        if (bounds.length === 0) return String(context.random());
        const [min, max] = bounds.length === 1 ? [0, bounds[0]!] : [bounds[0]!, bounds[1]!];
        return String(min + Math.floor(context.random() * (max - min + 1)));
      }
      default:
        return _all;
    }
  });
}

function isKnown(placeholder: string): boolean {
  const match = /\{\{\s*([a-zA-Z]+)((?::-?\d+){0,2})\s*\}\}/.exec(placeholder);
  if (!match) return false;
  const [, name, args] = match;
  if (name === 'random') {
    const bounds = (args ?? '').split(':').filter(Boolean).map(Number);
    return bounds.length < 2 || bounds[0]! <= bounds[1]!;
  }
  return (name === 'timestamp' || name === 'counter' || name === 'uuid') && !args;
}

/** Whether the text contains anything that looks like a placeholder. */
export function hasPlaceholders(text: string): boolean {
  return /\{\{[^}]*\}\}/.test(text);
}
