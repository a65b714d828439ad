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
  if (!match) return undefined;
  const position = Number(match[1]);
  return { ...lineColumn(text, position), position };
}

/** The 1-based line of the first line containing `needle`, or undefined. */
export function lineOf(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle);
  return at < 0 ? undefined : lineColumn(text, at).line;
}
