// SPDX-License-Identifier: EPL-2.0 (this file only: LICENSE-EPL-2.0.txt beside it)
// Restates the message definitions of Eclipse Tahu's sparkplug_b.proto,
// Copyright (c) 2015, 2018 Cirrus Link Solutions and others.

/**
 * The Sparkplug B payload as a protobufjs descriptor: the messages, field names and field
 * numbers of `org.eclipse.tahu.protobuf.Payload` in Eclipse Tahu's `sparkplug_b.proto`
 * (Eclipse Sparkplug 3.0, section 6.4), restated as data so no .proto text has to be
 * parsed at start-up. Wire-compatible with Tahu: the tests decode what Tahu's own encoder
 * writes. See README, "Licenses".
 */

import type { INamespace } from 'protobufjs';

/** Sparkplug 3.0 DataType names by number (section 6.4.16). */
export const SPARKPLUG_DATATYPES = [
  'Unknown', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean',
  'String', 'DateTime', 'Text', 'UUID', 'DataSet', 'Bytes', 'File', 'Template', 'PropertySet', 'PropertySetList',
  'Int8Array', 'Int16Array', 'Int32Array', 'Int64Array', 'UInt8Array', 'UInt16Array', 'UInt32Array', 'UInt64Array',
  'FloatArray', 'DoubleArray', 'BooleanArray', 'StringArray', 'DateTimeArray',
] as const;

/** One of {@link SPARKPLUG_DATATYPES}. */
export type SparkplugDatatype = (typeof SPARKPLUG_DATATYPES)[number];

const opt = (type: string, id: number) => ({ type, id });
const rep = (type: string, id: number) => ({ rule: 'repeated' as const, type, id });
/** An `extensions N to max` range, kept so unknown extension fields are skipped, not refused. */
const ext = (from: number): [number, number][] => [[from, 536870911]];
const oneofValue = (names: string[]) => ({ value: { oneof: names } });
/** The six scalar value fields of every value-carrying message, numbered from `first` in each. */
const scalarValues = (first: number) => ({
  int_value: opt('uint32', first),
  long_value: opt('uint64', first + 1),
  float_value: opt('float', first + 2),
  double_value: opt('double', first + 3),
  boolean_value: opt('bool', first + 4),
  string_value: opt('string', first + 5),
});
const extensionHolder = { extensions: ext(1), fields: {} };

/** The `org.eclipse.tahu.protobuf` package. */
export const SPARKPLUG_DESCRIPTOR = {
  nested: {
    org: { nested: { eclipse: { nested: { tahu: { nested: { protobuf: { nested: {
      Payload: {
        // proto2: every optional field has presence, so a seq of 0 is told from no seq.
        edition: 'proto2',
        extensions: ext(6),
        fields: {
          timestamp: opt('uint64', 1),
          metrics: rep('Metric', 2),
          seq: opt('uint64', 3),
          uuid: opt('string', 4),
          body: opt('bytes', 5),
        },
        nested: {
          Template: {
            extensions: ext(6),
            fields: {
              version: opt('string', 1),
              metrics: rep('Metric', 2),
              parameters: rep('Parameter', 3),
              template_ref: opt('string', 4),
              is_definition: opt('bool', 5),
            },
            nested: {
              Parameter: {
                oneofs: oneofValue(['int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value', 'extension_value']),
                fields: {
                  name: opt('string', 1),
                  type: opt('uint32', 2),
                  ...scalarValues(3),
                  extension_value: opt('ParameterValueExtension', 9),
                },
                nested: { ParameterValueExtension: extensionHolder },
              },
            },
          },
          DataSet: {
            extensions: ext(5),
            fields: {
              num_of_columns: opt('uint64', 1),
              columns: rep('string', 2),
              types: { ...rep('uint32', 3), options: { packed: false } },
              rows: rep('Row', 4),
            },
            nested: {
              DataSetValue: {
                oneofs: oneofValue(['int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value', 'extension_value']),
                fields: {
                  ...scalarValues(1),
                  extension_value: opt('DataSetValueExtension', 7),
                },
                nested: { DataSetValueExtension: extensionHolder },
              },
              Row: { extensions: ext(2), fields: { elements: rep('DataSetValue', 1) } },
            },
          },
          PropertyValue: {
            oneofs: oneofValue(['int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value', 'propertyset_value', 'propertysets_value', 'extension_value']),
            fields: {
              type: opt('uint32', 1),
              is_null: opt('bool', 2),
              ...scalarValues(3),
              propertyset_value: opt('PropertySet', 9),
              propertysets_value: opt('PropertySetList', 10),
              extension_value: opt('PropertyValueExtension', 11),
            },
            nested: { PropertyValueExtension: extensionHolder },
          },
          PropertySet: { extensions: ext(3), fields: { keys: rep('string', 1), values: rep('PropertyValue', 2) } },
          PropertySetList: { extensions: ext(2), fields: { propertyset: rep('PropertySet', 1) } },
          MetaData: {
            extensions: ext(9),
            fields: {
              is_multi_part: opt('bool', 1),
              content_type: opt('string', 2),
              size: opt('uint64', 3),
              seq: opt('uint64', 4),
              file_name: opt('string', 5),
              file_type: opt('string', 6),
              md5: opt('string', 7),
              description: opt('string', 8),
            },
          },
          Metric: {
            oneofs: oneofValue(['int_value', 'long_value', 'float_value', 'double_value', 'boolean_value', 'string_value', 'bytes_value', 'dataset_value', 'template_value', 'extension_value']),
            fields: {
              name: opt('string', 1),
              alias: opt('uint64', 2),
              timestamp: opt('uint64', 3),
              datatype: opt('uint32', 4),
              is_historical: opt('bool', 5),
              is_transient: opt('bool', 6),
              is_null: opt('bool', 7),
              metadata: opt('MetaData', 8),
              properties: opt('PropertySet', 9),
              ...scalarValues(10),
              bytes_value: opt('bytes', 16),
              dataset_value: opt('DataSet', 17),
              template_value: opt('Template', 18),
              extension_value: opt('MetricValueExtension', 19),
            },
            nested: { MetricValueExtension: extensionHolder },
          },
        },
      },
    } } } } } } } },
  },
} as INamespace;
