/**
 * JSON Schema validation with ajv (draft-07, or 2020-12 when the schema says so): received
 * and published JSON get a valid/invalid mark and the failing path.
 */

import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import type { DecodedPayload } from '../decoded';
import { utf8Encode } from '../utf8';
import { decodeJsonBytes } from '../decode-error';
import { failed, parseJsonFile, parseJsonInput, SchemaError, type SchemaCodec } from './codec';
import type { SchemaFileText } from './protobuf';

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null };

/**
 * Compiles the first file as the schema; later files can be `$ref`-erred by their `$id`.
 * @throws SchemaError "file:line: problem" for JSON that does not parse, or ajv's complaint.
 */
export function compileJsonSchema(files: readonly SchemaFileText[]): SchemaCodec {
  const schemas = files.map((file) => parseJsonFile(file) as Record<string, unknown>);
  const main = schemas[0]!;
  const draft2020 = typeof main.$schema === 'string' && main.$schema.includes('2020-12');
  // Formats are not checked: ajv-formats is not bundled, and an unknown format must not refuse the schema.
  const options = { allErrors: false, strict: false, validateFormats: false };
  const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
  let validate: Validate;
  try {
    schemas.slice(1).forEach((schema) => ajv.addSchema(schema));
    validate = ajv.compile(main) as Validate;
  } catch (error) {
    throw new SchemaError(`${files[0]!.name}: ${(error as Error).message}`);
  }
  const name = typeof main.title === 'string' ? main.title : typeof main.$id === 'string' ? main.$id : files[0]!.name;
  const check = (value: unknown) => {
    if (validate(value)) return { valid: true as const };
    const first = validate.errors?.[0];
    const extra = first?.params && 'additionalProperty' in first.params ? ` (${String(first.params.additionalProperty)})` : '';
    return { valid: false as const, path: first?.instancePath ?? '', message: `${first?.message ?? 'does not match the schema'}${extra}` };
  };
  return {
    type: name,
    decode(bytes: Uint8Array): DecodedPayload {
      let value: unknown;
      try {
        value = decodeJsonBytes(bytes);
      } catch (error) {
        return failed('json-schema', name, error);
      }
      return { kind: 'json-schema', type: name, value, validation: check(value) };
    },
    encode(jsonText: string): Uint8Array {
      const verdict = check(parseJsonInput(jsonText));
      if (!verdict.valid) throw new Error(`Does not match ${name}: ${verdict.path || '/'} ${verdict.message}`);
      return utf8Encode(jsonText);
    },
  };
}
