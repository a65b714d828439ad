/**
 * UTF-8 without Node's Buffer or the DOM lib: TextEncoder/TextDecoder exist as globals in
 * Node, browsers and Electron, but shared/ compiles against plain ES2022, so they are
 * reached through a narrow local type instead of a lib.
 */

interface TextCodecGlobals {
  TextEncoder: new () => { encode(text: string): Uint8Array; encodeInto(text: string, into: Uint8Array): { read: number; written: number } };
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

/** Writes a string as UTF-8 into `into` (which must have room: 3 bytes per UTF-16 unit) and returns the bytes written. */
export function utf8EncodeInto(text: string, into: Uint8Array): number {
  return encoder.encodeInto(text, into).written;
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
