/**
 * UTF-8 without Node's Buffer or the DOM lib: TextEncoder/TextDecoder exist as globals in
 * Node, browsers and Electron, but shared/ compiles against plain ES2022, so they are
 * reached through a narrow local type instead of a lib.
 */

interface TextCodecGlobals {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (
    label?: string,
    options?: { fatal?: boolean },
  ) => { decode(bytes: Uint8Array): string };
}

const globals = globalThis as unknown as TextCodecGlobals;
const encoder = new globals.TextEncoder();
const lenientDecoder = new globals.TextDecoder('utf-8');
const strictDecoder = new globals.TextDecoder('utf-8', { fatal: true });

/** Encodes a string as UTF-8 bytes. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, replacing invalid sequences with U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return lenientDecoder.decode(bytes);
}

/** Decodes UTF-8, or returns undefined when the bytes are not valid UTF-8. */
export function utf8DecodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}
