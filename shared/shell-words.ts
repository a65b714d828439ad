/**
 * Command lines as a POSIX shell splits them (for a pasted mosquitto_sub line) and words
 * quoted so a shell reads them back unchanged (for "Copy as mosquitto_sub command").
 */

/** A command line cut into words, or why it cannot be. */
export type SplitResult = { ok: true; words: string[] } | { ok: false; reason: string };

/**
 * Splits like sh: blanks separate words; '…' keeps everything; "…" keeps everything but
 * \", \\, \$, \` and a backslash-newline; a backslash outside quotes escapes the next
 * character; backslash-newline continues the line; `$'…'` understands C escapes.
 */
export function splitCommandLine(text: string): SplitResult {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return { ok: false, reason: 'The line ends with a lone backslash' };
      i++;
      if (next === '\n' || (next === '\r' && text[i + 1] === '\n')) {
        if (next === '\r') i++;
        continue;
      }
      word += next;
      inWord = true;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, reason: 'A single quote (\') is not closed' };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '$' && text[i + 1] === "'") {
      const read = ansiC(text, i + 2);
      if (!read) return { ok: false, reason: "A $'…' quote is not closed" };
      word += read.value;
      inWord = true;
      i = read.end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== '\n') word += text[j + 1];
          j++;
        } else word += text[j];
      }
      if (j >= text.length) return { ok: false, reason: 'A double quote (") is not closed' };
      inWord = true;
      i = j;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      // A comment runs to the end of the line.
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}

/** Reads a $'…' body from `start`; the value and the index of the closing quote. */
function ansiC(text: string, start: number): { value: string; end: number } | undefined {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };
  let value = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") return { value, end: i };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = text[++i] ?? '';
    if (next in simple) value += simple[next];
    else if (next === 'x') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1))?.[0] ?? '';
      value += String.fromCharCode(parseInt(hex || '0', 16));
      i += hex.length;
    } else value += `\\${next}`;
  }
  return undefined;
}

/** Quotes a word for sh only when it needs it: 'it'\''s'. */
export function quoteShellWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Joins words into a line a shell splits back into the same words. */
export function joinCommandLine(words: readonly string[]): string {
  return words.map(quoteShellWord).join(' ');
}
