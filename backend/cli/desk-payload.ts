/**
 * `--format`: payloads through the desk's own codecs, the ones the message detail and the
 * publish panel use: shared/payload.ts and shared/payload-binary.ts for text, JSON, hex,
 * base64, MessagePack and CBOR; shared/payload-decoder.ts for Sparkplug B (with the birth
 * certificates' metric names) and for protobuf with the schemas of the `--profile`.
 */

import type { DecodedPayload } from '../../shared/decoded';
import { DecodeFailure, toDecodeError } from '../../shared/decode-error';
import { encodeBinary, formatBinary } from '../../shared/payload-binary';
import { PayloadDecoder } from '../../shared/payload-decoder';
import { formatPayload, parsePayload } from '../../shared/payload';
import { findSchema, type SchemaMapping } from '../../shared/schema-mapping';
import { decodeSparkplug } from '../../shared/sparkplug/codec';
import { jsonable } from '../../shared/jsonable';
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

/**
 * Payloads in one `--format` for one run: decoding keeps state across messages (Sparkplug
 * births), so a run makes one and hands it every message in arrival order.
 */
export class DeskPayloads {
  private readonly decoder: PayloadDecoder;
  private readonly protobufSchemas: readonly SchemaMapping[];

  /** @param schemas the `--profile`'s schema mappings; only protobuf ones are used, for `--format protobuf`. */
  constructor(
    readonly format: CliFormat,
    schemas: readonly SchemaMapping[] = [],
  ) {
    this.protobufSchemas = format === 'protobuf' ? schemas.filter((s) => s.kind === 'protobuf') : [];
    this.decoder = new PayloadDecoder(this.protobufSchemas);
  }

  /** The payload as text in the format (for stdout); throws with the decoder's reason. */
  show(topic: string, bytes: Uint8Array): string {
    switch (this.format) {
      case 'text':
      case 'json':
      case 'hex':
      case 'base64':
        return formatPayload(bytes, this.format);
      case 'msgpack':
      case 'cbor':
        return formatBinary(bytes, this.format);
      default:
        return JSON.stringify(this.decoded(topic, bytes));
    }
  }

  /** The payload as a JSON value for `--output` lines: decoded structures stay structures. */
  value(topic: string, bytes: Uint8Array): unknown {
    switch (this.format) {
      case 'json':
        // Like the stdout line, JSON that does not parse is kept as its text.
        try {
          return JSON.parse(utf8DecodeStrict(bytes) ?? '');
        } catch {
          return utf8Decode(bytes);
        }
      case 'hex':
      case 'base64':
        return this.show(topic, bytes);
      case 'msgpack':
      case 'cbor':
      case 'sparkplug':
      case 'protobuf':
        try {
          return this.format === 'msgpack' || this.format === 'cbor' ? JSON.parse(this.show(topic, bytes)) : this.decoded(topic, bytes);
        } catch (error) {
          // The decoder's error, its byte offset and the bytes: nothing is lost.
          const { message, offset } = toDecodeError(error);
          return { error: message, ...(offset === undefined ? {} : { offset }), base64: formatPayload(bytes, 'base64') };
        }
      default:
        return utf8Decode(bytes);
    }
  }

  /** Text typed on the command line turned into payload bytes for the topic. */
  encode(topic: string, text: string): Uint8Array {
    switch (this.format) {
      case 'text':
      case 'json':
      case 'hex':
      case 'base64':
        return parsePayload(text, this.format);
      case 'msgpack':
      case 'cbor':
        return encodeBinary(text, this.format);
      case 'sparkplug':
        return this.decoder.encode(topic, text, 'sparkplug').payload;
      case 'protobuf':
        if (!findSchema(this.protobufSchemas, topic)) throw new Error(noSchema(topic));
        return this.decoder.encode(topic, text, 'schema').payload;
    }
  }

  /** Sparkplug or protobuf as plain data; throws with the decoder's reason. */
  private decoded(topic: string, bytes: Uint8Array): unknown {
    let decoded: DecodedPayload | undefined;
    if (this.format === 'sparkplug') {
      // On spBv1.0 topics the tracker names aliased metrics from the births it has seen;
      // on any other topic the bytes are still read as a Sparkplug B payload.
      decoded = this.decoder.decode(topic, bytes);
      if (!decoded) {
        try {
          return jsonable(decodeSparkplug(bytes));
        } catch (error) {
          const { message, offset } = toDecodeError(error);
          throw new DecodeFailure(`Sparkplug B: ${message}`, offset);
        }
      }
    } else {
      decoded = this.decoder.decode(topic, bytes);
      if (decoded?.kind !== 'protobuf') throw new Error(noSchema(topic));
    }
    if (decoded.error) throw new DecodeFailure(`${decoded.type}: ${decoded.error.message}`, decoded.error.offset);
    if (decoded.sparkplug) {
      const { group: _g, edgeNode: _e, device: _d, messageType: _m, host: _h, ...payload } = decoded.sparkplug;
      return payload;
    }
    return decoded.value;
  }
}

function noSchema(topic: string): string {
  return `--format protobuf: no protobuf schema of the --profile is mapped to ${topic} (add one under Schemas in the desk)`;
}
