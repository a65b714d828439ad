// The page's side of decoded payloads: previews, chart numbers and the Sparkplug model,
// fed with what the backend's decoder makes of Tahu-encoded messages.
import { encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { PayloadDecoder } from '../../shared/payload-decoder';
import { messageNumbers, messagePreview } from '../../renderer/src/store/decoded-view';
import { addToSparkplug, clearSparkplug, sparkplugFor } from '../../renderer/src/store/sparkplug-state';
import { ingestBatch } from '../../renderer/src/store/ingest';
import { treeFor } from '../../renderer/src/store/topic-tree';
import { compileMessageFilter } from '../../renderer/src/store/message-filter';

const AVRO = { type: 'record', name: 'Reading', namespace: 'sensors', fields: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'double' }] };

let seq = 0;
const decoder = new PayloadDecoder();
const record = (topic: string, payload: Uint8Array): MessageRecord => {
  const message: MessageRecord = { seq: ++seq, direction: 'in', topic, payload, payloadSize: payload.length, qos: 0, retain: false, dup: false, time: seq * 1000 };
  const decoded = decoder.decode(topic, payload);
  return decoded ? { ...message, decoded } : message;
};
const birth = record('spBv1.0/G/NBIRTH/E', encodePayload({ timestamp: 1, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }, { name: 'Temp', alias: 1, type: 'Double', value: 20 }, { name: 'Mode', alias: 2, type: 'String', value: 'auto' }] }));
const data = (n: number, value: number) => record('spBv1.0/G/NDATA/E', encodePayload({ timestamp: 2, seq: n, metrics: [{ alias: 1, type: 'Double', value } as never] }));

describe('previews and chart numbers', () => {
  it.each([
    [birth, 'bdSeq = 0, Temp = 20, Mode = auto'],
    [record('plain', new TextEncoder().encode('{"a":1}')), '{"a":1}'],
    [record('bin', new Uint8Array([0, 255])), '00 ff'],
  ])('preview %#', (message, text) => {
    expect(messagePreview(message)).toBe(text);
  });

  it('numeric Sparkplug metrics go to the topic chart by name', () => {
    expect(messageNumbers(birth)).toEqual([['bdSeq', 0], ['Temp', 20]]);
    ingestBatch({ connectionId: 'chart', messages: [birth, data(1, 21), data(2, 22.5)], dropped: 0, evicted: 0 });
    const tree = treeFor('chart');
    expect(tree.series[tree.find('spBv1.0/G/NDATA/E')]!.get('Temp')!.toArrays().values).toEqual([21, 22.5]);
    // The same pass fed the Sparkplug model.
    expect(sparkplugFor('chart').groups.get('G')!.get('E')!.metrics.get('Temp')!.metric.value).toBe(22.5);
  });
});

describe('schema-decoded payloads in the tree, the list and the charts', () => {
  const schemas = new PayloadDecoder([
    { id: 'p', kind: 'protobuf', topicFilter: 'pb/#', messageType: 'm.Reading', files: [{ name: 'r.proto', text: 'syntax = "proto3";\npackage m;\nmessage Reading { string sensor = 1; double value = 2; int64 count = 3; }\n' }] },
    { id: 'a', kind: 'avro', topicFilter: 'avro/#', messageType: '', files: [{ name: 'r.avsc', text: JSON.stringify(AVRO) }] },
  ]);
  const decoded = (topic: string, payload: Uint8Array): MessageRecord => ({ ...record(topic, payload), decoded: schemas.decode(topic, payload)! });
  // sensor "s1", value 3.5 (a little-endian double), count 7 (an int64: a string in the proto3 JSON form).
  const reading = (value: number, count: number) => {
    const bytes = new Uint8Array([0x0a, 0x02, 0x73, 0x31, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0x18, count]);
    new DataView(bytes.buffer).setFloat64(5, value, true);
    return bytes;
  };

  it('protobuf: the preview is the decoded JSON; value and the 64-bit count go to the chart', () => {
    const first = decoded('pb/lab', reading(3.5, 7));
    expect(messagePreview(first)).toBe('{"sensor":"s1","value":3.5,"count":"7"}');
    ingestBatch({ connectionId: 'schemas', messages: [first, decoded('pb/lab', reading(4, 8))], dropped: 0, evicted: 0 });
    const tree = treeFor('schemas');
    const node = tree.find('pb/lab');
    expect(tree.series[node]!.get('value')!.toArrays().values).toEqual([3.5, 4]);
    expect(tree.series[node]!.get('count')!.toArrays().values).toEqual([7, 8]);
  });

  it('Avro: the same, from the Avro binary', () => {
    const type = avro.Type.forSchema(AVRO as avro.Schema);
    const message = decoded('avro/lab', new Uint8Array(type.toBuffer({ sensor: 's2', value: 4.5 })));
    expect(messagePreview(message)).toBe('{"sensor":"s2","value":4.5}');
    expect(messageNumbers(message)).toEqual([['value', 4.5]]);
  });

  it('a payload that does not decode: the preview says why and where, and nothing is charted', () => {
    const broken = decoded('pb/broken', new Uint8Array([0x0a, 0x05, 0x61]));
    expect(messagePreview(broken)).toBe('m.Reading: Not a Reading: the payload ends inside the value that starts here (at byte 1)');
    expect(messageNumbers(broken)).toEqual([]);
  });
});

describe('the Sparkplug model', () => {
  it('groups, edge nodes, devices, last values, online from births and offline from deaths', () => {
    clearSparkplug('sp');
    const dbirth = record('spBv1.0/G/DBIRTH/E/Pump', encodePayload({ timestamp: 3, seq: 3, metrics: [{ name: 'Speed', alias: 3, type: 'Int32', value: 10 }] }));
    addToSparkplug('sp', [birth, data(2, 23), dbirth]);
    const node = sparkplugFor('sp').groups.get('G')!.get('E')!;
    expect(node.online).toBe(true);
    expect(node.metrics.get('Temp')!.metric.value).toBe(23);
    expect(node.devices.get('Pump')).toMatchObject({ online: true });
    expect(node.devices.get('Pump')!.metrics.get('Speed')!.metric.value).toBe(10);
    const ncmd = record('spBv1.0/G/NCMD/E', encodePayload({ timestamp: 4, metrics: [{ name: 'Temp', type: 'Double', value: 99 }] }));
    const death = record('spBv1.0/G/NDEATH/E', encodePayload({ timestamp: 5, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }] }));
    addToSparkplug('sp', [ncmd, death, record('spBv1.0/STATE/scada', new TextEncoder().encode('{"online": true, "timestamp": 1}'))]);
    // A command is a request: the value stays what the edge node reported.
    expect(node.metrics.get('Temp')!.metric.value).toBe(23);
    expect(node.online).toBe(false);
    expect(node.devices.get('Pump')!.online).toBe(false);
    expect(sparkplugFor('sp').hosts.get('scada')).toBe(true);
  });

  it('keeps its own copy of each metric, updated in place, none of the decoded messages', () => {
    clearSparkplug('own');
    const first = record('spBv1.0/G/NDATA/E', encodePayload({ seq: 1, metrics: [{ alias: 1, type: 'Double', value: 21, timestamp: 5 } as never] }));
    const later = record('spBv1.0/G/NDATA/E', encodePayload({ seq: 2, metrics: [{ alias: 1, type: 'Double', value: 22 } as never] }));
    addToSparkplug('own', [birth, first]);
    const state = sparkplugFor('own').groups.get('G')!.get('E')!.metrics.get('Temp')!;
    const own = state.metric;
    expect(own).not.toBe(first.decoded!.sparkplug!.metrics[0]);
    expect(own).toEqual(first.decoded!.sparkplug!.metrics[0]);
    expect(own).toMatchObject({ name: 'Temp', value: 21, timestamp: 5 });
    addToSparkplug('own', [later]);
    expect(state.metric).toBe(own);
    expect(state.metric).not.toBe(later.decoded!.sparkplug!.metrics[0]);
    // What the later message left out is gone, as if its metric had replaced the earlier one.
    expect(state.metric).toEqual(later.decoded!.sparkplug!.metrics[0]);
    expect(state.time).toBe(later.time);
  });
});

describe('filtering decoded messages', () => {
  it('the payload filter searches what a decoded message shows', () => {
    const filter = compileMessageFilter('', 'temp = 23');
    expect(filter.ok && filter.test(data(5, 23))).toBe(true);
    expect(filter.ok && filter.test(data(6, 24))).toBe(false);
  });
});
