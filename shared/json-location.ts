/** Where JSON.parse stopped, as a line and column a person can find in the file. */

/** The 1-based line and column of a character offset in a text. */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}

/** The line and column JSON.parse's error points at ("at position N" or "line N column M"), if it says. */
export function jsonErrorLocation(text: string, error: Error): { line: number; column: number; position: number } | undefined {
  const lineCol = /line (\d+) column (\d+)/.exec(error.message);
  if (lineCol) {
    const line = Number(lineCol[1]);
    const column = Number(lineCol[2]);
    const lines = text.split('\n');
    const position = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
    return { line, column, position };
  }
  const match = /position (\d+)/.exec(error.message);
  // Some V8 messages ("Unexpected token ',', ...") give no position: find it ourselves.
  const position = match ? Number(match[1]) : firstJsonError(text);
  return position === undefined ? undefined : { ...lineColumn(text, position), position };
}

/**
 * The offset of the first character that makes a text invalid JSON (a small recursive
 * descent over RFC 8259), or undefined when it parses.
 */
export function firstJsonError(text: string): number | undefined {
  return scanJson(text);
}

/** A place in a JSON document: object keys and array indexes from the top. */
export type JsonPath = ReadonlyArray<string | number>;

/**
 * Where the value at `path` starts in a JSON text (the character offset of its first
 * character), or undefined when the text has no such value or is not JSON.
 */
export function jsonValuePosition(text: string, path: JsonPath): number | undefined {
  let found: number | undefined;
  const wanted = JSON.stringify(path);
  if (scanJson(text, (at, start) => {
    if (found === undefined && at.length === path.length && JSON.stringify(at) === wanted) found = start;
  }) !== undefined) return undefined;
  return found;
}

/** Scans a JSON text, telling `visit` where each value starts; returns the offset of the first error. */
function scanJson(text: string, visit?: (path: JsonPath, start: number) => void): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = (): string => {
    const from = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
    return visit ? (JSON.parse(text.slice(from, i)) as string) : '';
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (path: Array<string | number>): void => {
    ws();
    visit?.(path, i);
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(visit ? [...path, key] : path);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let index = 0; ; index++) {
        value(visit ? [...path, index] : path);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') return void string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    return number();
  };
  try {
    value([]);
    ws();
    return i < text.length ? i : undefined;
  } catch (at) {
    return at as number;
  }
}

/** JSON.parse's message without where it stopped (said apart, as line:column or a byte offset). */
export function jsonProblem(error: Error): string {
  return error.message.replace(/,? (?:at )?(?:position \d+|line \d+ column \d+)(?: \(line \d+ column \d+\))?/, '');
}

/** The 1-based line of the first line containing `needle`, or undefined. */
export function lineOf(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle);
  return at < 0 ? undefined : lineColumn(text, at).line;
}
