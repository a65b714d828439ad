// Sparkplug B: payloads written by Eclipse Tahu's own encoder (sparkplug-payload), decoded
// by ours; ours encoded and decoded by Tahu; alias resolution, seq gaps and bdSeq checks.
import Long from 'long';
import { encodePayload, decodePayload, type UMetric } from 'sparkplug-payload/lib/sparkplugbpayload';
import { describe, expect, it } from 'vitest';
import { decodeSparkplug, encodeSparkplug } from '../../shared/sparkplug/codec';
import { parseSparkplugTopic } from '../../shared/sparkplug/topic';
import { SparkplugTracker } from '../../shared/sparkplug/tracker';
import { metricLine } from '../../shared/decoded';

const tahu = (metrics: UMetric[], seq = 0, timestamp = 1_700_000_000_000) => encodePayload({ timestamp, seq, metrics });

describe('Sparkplug topics', () => {
  it.each([
    ['spBv1.0/G1/NBIRTH/E1', { messageType: 'NBIRTH', group: 'G1', edgeNode: 'E1' }],
    ['spBv1.0/G1/NDEATH/E1', { messageType: 'NDEATH', group: 'G1', edgeNode: 'E1' }],
    ['spBv1.0/G1/NDATA/E1', { messageType: 'NDATA', group: 'G1', edgeNode: 'E1' }],
    ['spBv1.0/G1/NCMD/E1', { messageType: 'NCMD', group: 'G1', edgeNode: 'E1' }],
    ['spBv1.0/G1/DBIRTH/E1/D1', { messageType: 'DBIRTH', group: 'G1', edgeNode: 'E1', device: 'D1' }],
    ['spBv1.0/G1/DDEATH/E1/D1', { messageType: 'DDEATH', group: 'G1', edgeNode: 'E1', device: 'D1' }],
    ['spBv1.0/G1/DDATA/E1/D1', { messageType: 'DDATA', group: 'G1', edgeNode: 'E1', device: 'D1' }],
    ['spBv1.0/G1/DCMD/E1/D1', { messageType: 'DCMD', group: 'G1', edgeNode: 'E1', device: 'D1' }],
    ['spBv1.0/STATE/scada', { messageType: 'STATE', host: 'scada' }],
  ])('%s', (topic, expected) => {
    expect(parseSparkplugTopic(topic)).toEqual(expected);
  });

  it.each([['spAv1.0/G1/NDATA/E1'], ['spBv1.0/G1/NDATA'], ['spBv1.0/G1/NDATA/E1/D1'], ['spBv1.0/G1/DDATA/E1'], ['spBv1.0/G1/XDATA/E1'], ['spBv1.0//NDATA/E1'], ['spBv1.0/STATE'], ['sensors/1']])('not Sparkplug: %s', (topic) => {
    expect(parseSparkplugTopic(topic)).toBeUndefined();
  });
});

describe('decoding what Tahu encodes', () => {
  it.each<[string, UMetric, unknown]>([
    ['Int8', { name: 'm', type: 'Int8', value: -5 }, -5],
    ['Int16', { name: 'm', type: 'Int16', value: -300 }, -300],
    ['Int32', { name: 'm', type: 'Int32', value: -70000 }, -70000],
    ['Int64', { name: 'm', type: 'Int64', value: Long.fromString('-9000000000') }, -9000000000],
    ['Int64 beyond 2^53', { name: 'm', type: 'Int64', value: Long.fromString('9223372036854775807') }, '9223372036854775807'],
    ['UInt8', { name: 'm', type: 'UInt8', value: 250 }, 250],
    ['UInt16', { name: 'm', type: 'UInt16', value: 65000 }, 65000],
    ['UInt32 (Tahu puts it in long_value)', { name: 'm', type: 'UInt32', value: 4000000000 }, 4000000000],
    ['UInt64', { name: 'm', type: 'UInt64', value: Long.fromString('18446744073709551615', true) }, '18446744073709551615'],
    ['Float', { name: 'm', type: 'Float', value: 1.5 }, 1.5],
    ['Double', { name: 'm', type: 'Double', value: 21.375 }, 21.375],
    ['Boolean', { name: 'm', type: 'Boolean', value: true }, true],
    ['String', { name: 'm', type: 'String', value: 'héllo' }, 'héllo'],
    ['Text', { name: 'm', type: 'Text', value: 'long text' }, 'long text'],
    ['UUID', { name: 'm', type: 'UUID', value: '123e4567-e89b-12d3-a456-426614174000' }, '123e4567-e89b-12d3-a456-426614174000'],
    ['DateTime', { name: 'm', type: 'DateTime', value: 1_700_000_000_123 }, 1_700_000_000_123],
    ['Bytes', { name: 'm', type: 'Bytes', value: new Uint8Array([1, 2, 0xff]) }, '01 02 ff'],
    ['File', { name: 'm', type: 'File', value: new Uint8Array([0x50, 0x4b]) }, '50 4b'],
  ])('%s', (_label, metric, expected) => {
    const decoded = decodeSparkplug(tahu([metric]));
    expect(decoded.metrics[0]).toMatchObject({ name: 'm', datatype: metric.type, value: expected });
    expect(decoded.timestamp).toBe(1_700_000_000_000);
    expect(decoded.seq).toBe(0);
  });

  it('a data set: columns, types and rows', () => {
    const decoded = decodeSparkplug(
      tahu([{ name: 'table', type: 'DataSet', value: { numOfColumns: 2, columns: ['id', 'label'], types: ['Int32', 'String'], rows: [[1, 'a'], [2, 'b']] } }]),
    );
    expect(decoded.metrics[0]!.value).toEqual({ columns: ['id', 'label'], types: ['Int32', 'String'], rows: [[1, 'a'], [2, 'b']] });
  });

  it('a template instance with parameters and metrics', () => {
    const decoded = decodeSparkplug(
      tahu([
        {
          name: 'motor',
          type: 'Template',
          value: { version: 'v1', templateRef: 'Motor', isDefinition: false, parameters: [{ name: 'rated', type: 'Double', value: 7.5 }], metrics: [{ name: 'rpm', type: 'Int32', value: 1450 }] },
        },
      ]),
    );
    expect(decoded.metrics[0]!.value).toEqual({
      version: 'v1',
      templateRef: 'Motor',
      isDefinition: false,
      parameters: [{ name: 'rated', type: 'Double', value: 7.5 }],
      metrics: [{ name: 'rpm', datatype: 'Int32', value: 1450 }],
    });
  });

  it('properties (quality) and metric flags', () => {
    const decoded = decodeSparkplug(
      tahu([{ name: 'temp', type: 'Double', value: 20.5, timestamp: 1_700_000_000_500, isHistorical: true, properties: { Quality: { type: 'Int32', value: 192 }, engUnit: { type: 'String', value: '°C' } } }]),
    );
    expect(decoded.metrics[0]).toMatchObject({ name: 'temp', value: 20.5, timestamp: 1_700_000_000_500, isHistorical: true, properties: { Quality: 192, engUnit: '°C' } });
  });

  it('a null metric', () => {
    const decoded = decodeSparkplug(tahu([{ name: 'n', type: 'Int32', value: null, isNull: true }]));
    expect(decoded.metrics[0]).toMatchObject({ isNull: true, value: null });
    expect(metricLine(decoded.metrics[0]!)).toBe('n = null');
  });
});

describe('encoding, decoded by Tahu', () => {
  it('metrics of every basic type round-trip', () => {
    const bytes = encodeSparkplug(
      {
        timestamp: 1_700_000_000_000,
        seq: 3,
        metrics: [
          { name: 'Node Control/Rebirth', type: 'Boolean', value: true },
          { name: 'setpoint', type: 'Double', value: 21.5 },
          { name: 'offset', type: 'Int16', value: -12 },
          { name: 'count', type: 'UInt64', value: '18446744073709551615' },
          { name: 'label', type: 'String', value: 'on' },
          { alias: 7, type: 'Int32', value: 1 },
        ],
      },
      0,
    );
    const back = decodePayload(bytes);
    expect(Number(back.timestamp)).toBe(1_700_000_000_000);
    expect(Number(back.seq)).toBe(3);
    const values = back.metrics!.map((m) => [m.name ?? `alias ${Number(m.alias)}`, m.type, Long.isLong(m.value) ? (m.value as Long).toString() : m.value]);
    expect(values).toEqual([
      ['Node Control/Rebirth', 'Boolean', true],
      ['setpoint', 'Double', 21.5],
      ['offset', 'Int16', -12],
      ['count', 'UInt64', '18446744073709551615'],
      ['label', 'String', 'on'],
      ['alias 7', 'Int32', 1],
    ]);
  });

  it('arrays round-trip through our own decoder', () => {
    const arrays: Array<[string, unknown[]]> = [
      ['Int8Array', [-1, 2, 127]],
      ['Int16Array', [-300, 300]],
      ['Int32Array', [-70000, 70000]],
      ['Int64Array', [-1, '9223372036854775807']],
      ['UInt8Array', [0, 255]],
      ['UInt16Array', [65535]],
      ['UInt32Array', [4294967295]],
      ['UInt64Array', ['18446744073709551615']],
      ['FloatArray', [1.5, -2.25]],
      ['DoubleArray', [0.1, 1e300]],
      ['BooleanArray', [true, false, true, true, false, false, false, false, true]],
      ['StringArray', ['a', 'héllo', '']],
      ['DateTimeArray', [1_700_000_000_000]],
    ];
    const bytes = encodeSparkplug({ metrics: arrays.map(([type, value]) => ({ name: type, type, value })) }, 1);
    expect(decodeSparkplug(bytes).metrics.map((m) => [m.datatype, m.value])).toEqual(arrays);
  });

  it.each([
    [{ metrics: [{ name: 'x', type: 'Int8', value: 300 }] }, /metrics\[0\]\.value: Int8 needs a whole number from -128 to 127/],
    [{ metrics: [{ name: 'x', type: 'Banana', value: 1 }] }, /metrics\[0\]\.type must be a Sparkplug DataType/],
    [{ metrics: [{ type: 'Int32', value: 1 }] }, /metrics\[0\] needs a name or an alias/],
    [{ metrics: [{ name: 'x', type: 'Boolean', value: 'yes' }] }, /Boolean needs true or false/],
    [{ metrics: 'nope' }, /metrics must be a list/],
    [[1, 2], /must be a JSON object/],
  ])('refuses %j', (input, message) => {
    expect(() => encodeSparkplug(input as never)).toThrow(message);
  });
});

describe('the tracker: aliases, seq and bdSeq', () => {
  const birth = (seq: number, bdSeq: number) =>
    tahu([
      { name: 'bdSeq', type: 'UInt64', value: bdSeq },
      { name: 'Temperature', alias: 1, type: 'Double', value: 20 },
      { name: 'Pressure', alias: 2, type: 'Float', value: 1.5 },
    ], seq);
  const data = (seq: number, metrics: UMetric[]) => tahu(metrics, seq);

  it('resolves aliases from the latest birth and shows name = value', () => {
    const tracker = new SparkplugTracker();
    tracker.decode('spBv1.0/G1/NBIRTH/E1', birth(0, 4));
    const decoded = tracker.decode('spBv1.0/G1/NDATA/E1', data(1, [{ alias: 1, type: 'Double', value: 22.5 } as UMetric]))!;
    expect(decoded.sparkplug!.metrics.map(metricLine)).toEqual(['Temperature = 22.5']);
    expect(decoded.warnings).toBeUndefined();
    expect(decoded.type).toBe('Sparkplug B NDATA');
  });

  it('device aliases come from DBIRTH', () => {
    const tracker = new SparkplugTracker();
    tracker.decode('spBv1.0/G1/NBIRTH/E1', birth(0, 1));
    tracker.decode('spBv1.0/G1/DBIRTH/E1/D1', data(1, [{ name: 'Speed', alias: 10, type: 'Int32', value: 0 }]));
    const decoded = tracker.decode('spBv1.0/G1/DDATA/E1/D1', data(2, [{ alias: 10, type: 'Int32', value: 42 } as UMetric]))!;
    expect(decoded.sparkplug!.metrics[0]).toMatchObject({ name: 'Speed', alias: 10, value: 42 });
  });

  it('flags a seq gap, and goes on from the seq received', () => {
    const tracker = new SparkplugTracker();
    tracker.decode('spBv1.0/G1/NBIRTH/E1', birth(0, 1));
    expect(tracker.decode('spBv1.0/G1/NDATA/E1', data(1, []))!.warnings).toBeUndefined();
    expect(tracker.decode('spBv1.0/G1/NDATA/E1', data(3, []))!.warnings).toEqual(['seq gap: expected 2, got 3']);
    expect(tracker.decode('spBv1.0/G1/NDATA/E1', data(4, []))!.warnings).toBeUndefined();
  });

  it('seq wraps from 255 to 0', () => {
    const tracker = new SparkplugTracker();
    tracker.decode('spBv1.0/G1/NBIRTH/E1', birth(254, 1));
    expect(tracker.decode('spBv1.0/G1/NDATA/E1', data(255, []))!.warnings).toBeUndefined();
    expect(tracker.decode('spBv1.0/G1/NDATA/E1', data(0, []))!.warnings).toBeUndefined();
  });

  it('flags an NDEATH whose bdSeq does not match the birth', () => {
    const tracker = new SparkplugTracker();
    tracker.decode('spBv1.0/G1/NBIRTH/E1', birth(0, 5));
    const death = tracker.decode('spBv1.0/G1/NDEATH/E1', encodePayload({ timestamp: 1, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 4 }] }))!;
    expect(death.warnings).toEqual(['bdSeq mismatch: NDEATH has bdSeq 4, the NBIRTH had 5']);
    expect(death.sparkplug!.bdSeq).toBe(4);
    const ok = new SparkplugTracker();
    ok.decode('spBv1.0/G1/NBIRTH/E1', birth(0, 5));
    expect(ok.decode('spBv1.0/G1/NDEATH/E1', encodePayload({ timestamp: 1, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 5 }] }))!.warnings).toBeUndefined();
  });

  it('data before any birth keeps the alias and says why', () => {
    const decoded = new SparkplugTracker().decode('spBv1.0/G1/NDATA/E1', data(1, [{ alias: 3, type: 'Int32', value: 1 } as UMetric]))!;
    expect(decoded.sparkplug!.metrics[0]!.name).toBe('alias 3');
    expect(decoded.warnings).toEqual(['No NBIRTH seen for G1/E1: aliases cannot be resolved']);
  });

  it('a new NBIRTH replaces the aliases of the old session', () => {
    const tracker = new SparkplugTracker();
    tracker.decode('spBv1.0/G1/NBIRTH/E1', birth(0, 1));
    tracker.decode('spBv1.0/G1/NBIRTH/E1', tahu([{ name: 'bdSeq', type: 'UInt64', value: 2 }, { name: 'Humidity', alias: 1, type: 'Double', value: 40 }]));
    expect(tracker.decode('spBv1.0/G1/NDATA/E1', data(1, [{ alias: 1, type: 'Double', value: 41 } as UMetric]))!.sparkplug!.metrics[0]!.name).toBe('Humidity');
  });

  it.each([
    ['{"online": true, "timestamp": 1700000000000}', true],
    ['{"online": false, "timestamp": 1700000000000}', false],
    ['ONLINE', true],
    ['OFFLINE', false],
  ])('STATE %s', (text, online) => {
    const decoded = new SparkplugTracker().decode('spBv1.0/STATE/scada', new TextEncoder().encode(text))!;
    expect(decoded.sparkplug).toMatchObject({ messageType: 'STATE', host: 'scada', online });
  });

  it('a payload that is not Sparkplug: the decoder error with the byte offset', () => {
    const good = birth(0, 1);
    const decoded = new SparkplugTracker().decode('spBv1.0/G1/NBIRTH/E1', good.subarray(0, good.length - 3))!;
    expect(decoded.error?.message).toMatch(/Not a Payload: the payload ends inside the value that starts here/);
    expect(decoded.error?.offset).toBeGreaterThan(0);
    // 0f at 0: field 1 (timestamp) with wire type 7. More cases: decode-errors.test.ts.
    expect(new SparkplugTracker().decode('spBv1.0/G1/NDATA/E1', new Uint8Array([0x0f, 1, 2]))!.error).toEqual({ message: 'Not a Payload: invalid wire type 7 in the tag', offset: 0 });
  });

  it('ignores topics outside the namespace', () => {
    expect(new SparkplugTracker().decode('sensors/1', new Uint8Array([1]))).toBeUndefined();
  });
});
