/**
 * `--format`: payloads through the desk's own codecs (shared/payload.ts and
 * shared/payload-binary.ts, the ones the message detail and the publish panel use), for
 * printing received messages and for turning a typed message into bytes to publish.
 */

import { encodeBinary, formatBinary } from '../../shared/payload-binary';
import { formatPayload, parsePayload } from '../../shared/payload';
import { utf8Decode, utf8DecodeStrict } from '../../shared/utf8';

/** The formats `--format` takes. */
export const CLI_FORMATS = ['text', 'json', 'hex', 'base64', 'msgpack', 'cbor', 'sparkplug', 'protobuf'] as const;
/** One of {@link CLI_FORMATS}. */
export type CliFormat = (typeof CLI_FORMATS)[number];

/** Whether a `--format` value is one the CLI knows; the error line when not. */
export function checkCliFormat(format: string | undefined): string | undefined {
  if (format === undefined || (CLI_FORMATS as readonly string[]).includes(format)) return undefined;
  return `Error: --format must be one of ${CLI_FORMATS.join(', ')} (got '${format}').\n`;
}

/** The payload as text in the format (for stdout); throws with the decoder's reason. */
export function showPayload(bytes: Uint8Array, format: CliFormat): string {
  switch (format) {
    case 'text':
    case 'json':
    case 'hex':
    case 'base64':
      return formatPayload(bytes, format);
    case 'msgpack':
    case 'cbor':
      return formatBinary(bytes, format);
    default:
      throw new Error(`--format ${format} needs the desk's ${format} decoder`);
  }
}

/** The payload as a JSON value for `--output` lines: decoded structures stay structures. */
export function payloadValue(bytes: Uint8Array, format: CliFormat | undefined): unknown {
  if (format === 'msgpack' || format === 'cbor' || format === 'json') {
    try {
      return JSON.parse(format === 'json' ? (utf8DecodeStrict(bytes) ?? '') : showPayload(bytes, format));
    } catch {
      return utf8Decode(bytes);
    }
  }
  if (format === 'hex' || format === 'base64') return showPayload(bytes, format);
  return utf8Decode(bytes);
}

/** Text typed on the command line turned into payload bytes in the format. */
export function encodePayload(text: string, format: CliFormat): Uint8Array {
  switch (format) {
    case 'text':
    case 'json':
    case 'hex':
    case 'base64':
      return parsePayload(text, format);
    case 'msgpack':
    case 'cbor':
      return encodeBinary(text, format);
    default:
      throw new Error(`--format ${format} needs the desk's ${format} encoder`);
  }
}
