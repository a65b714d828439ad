/** Saved collections: checking, variables from environments, resolving a request to wire form, import and export. */

import { describe, expect, it } from 'vitest';
import { decodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { checkCollection, encodeResolved, exportCollections, parseCollectionsImport, resolveRequest, variablesFor, type Collection } from '../../shared/collections';
import { PayloadDecoder } from '../../shared/payload-decoder';
import { utf8Decode } from '../../shared/utf8';

const context = { counter: 3, now: () => 1700000000000, uuid: () => 'u-1', random: () => 0.5 };

function collection(): Collection {
  const check = checkCollection({
    id: 'c1',
    name: 'Devices',
    variables: { site: 'north', deviceId: 'd-0' },
    environments: [
      { name: 'staging', values: { deviceId: 'd-17' } },
      { name: 'prod', values: { deviceId: 'd-99', site: 'south' } },
    ],
    requests: [
      { id: 'r1', name: 'Reboot', topic: 'sites/{{site}}/devices/{{deviceId}}/cmd', qos: 1, payload: '{"cmd":"reboot","n":{{counter}}}', payloadFormat: 'json', properties: { contentType: 'application/json', userProperties: [{ key: 'device', value: '{{deviceId}}' }] } },
      { id: 'r2', name: 'Raw', topic: 'raw/{{deviceId}}', payload: 'de ad be ef', payloadFormat: 'hex', delayMs: 250 },
    ],
  });
  if (!check.ok) throw new Error(JSON.stringify(check.fields));
  return check.collection;
}

describe('collections', () => {
  it('resolves variables from the chosen environment over the defaults', () => {
    const c = collection();
    expect(variablesFor(c)).toEqual({ site: 'north', deviceId: 'd-0' });
    expect(variablesFor(c, 'prod')).toEqual({ site: 'south', deviceId: 'd-99' });
    expect(() => variablesFor(c, 'dev')).toThrow('No environment named dev in Devices (it has staging, prod)');
  });

  it('turns a request into topic, payload bytes and properties', () => {
    const c = collection();
    const resolved = resolveRequest(c.requests[0]!, { ...context, variables: variablesFor(c, 'staging') });
    expect(resolved.topic).toBe('sites/north/devices/d-17/cmd');
    expect(JSON.parse(utf8Decode(resolved.payload))).toEqual({ cmd: 'reboot', n: 3 });
    expect(resolved).toMatchObject({ qos: 1, retain: false, properties: { contentType: 'application/json', userProperties: [{ key: 'device', value: 'd-17' }] } });
    expect([...resolveRequest(c.requests[1]!, { ...context, variables: variablesFor(c) }).payload]).toEqual([0xde, 0xad, 0xbe, 0xef]);
  });

  it.each([
    [{ topic: 'a/{{nope}}' }, /^Reboot: topic: Unknown placeholder \{\{nope\}\}.*or a variable: \{\{site\}\}, \{\{deviceId\}\}$/],
    [{ topic: 'a/+' }, /^Reboot: topic: Topic must not contain wildcards/],
    [{ payload: '{"x":' }, /^Reboot: payload: Payload is not valid JSON/],
  ])('names the request and the field when it cannot be sent: %j', (patch, message) => {
    const c = collection();
    expect(() => resolveRequest({ ...c.requests[0]!, ...patch }, { ...context, variables: variablesFor(c) })).toThrow(message);
  });

  it('Sparkplug B and schema requests: variables expanded, JSON checked, encoded by the connection before sending', async () => {
    const c = collection();
    const sparkplug = { ...c.requests[0]!, topic: 'spBv1.0/{{site}}/NCMD/{{deviceId}}', payloadFormat: 'sparkplug' as const, payload: '{"metrics": [{"name": "Speed", "type": "Int32", "value": {{counter}}}]}' };
    const resolved = resolveRequest(sparkplug, { ...context, variables: variablesFor(c) });
    expect(resolved).toMatchObject({ topic: 'spBv1.0/north/NCMD/d-0', encodeAs: 'sparkplug' });
    expect(utf8Decode(resolved.payload)).toBe('{"metrics": [{"name": "Speed", "type": "Int32", "value": 3}]}');
    // The desk's own encoder, as the CLI runs it; Tahu's decoder reads what it wrote.
    const decoder = new PayloadDecoder();
    const encoded = await encodeResolved(sparkplug.name, resolved, (topic, json, as) => decoder.encode(topic, json, as, 1700000000000).payload);
    expect(encoded.encodeAs).toBeUndefined();
    expect(decodePayload(encoded.payload).metrics).toMatchObject([{ name: 'Speed', type: 'Int32', value: 3 }]);
    // What the encoder refuses names the request and the field; JSON that does not parse is refused before.
    await expect(encodeResolved('Reboot', resolveRequest({ ...sparkplug, topic: 'plain/topic' }, { ...context, variables: variablesFor(c) }), (topic, json, as) => decoder.encode(topic, json, as).payload)).rejects.toThrow(/^Reboot: payload: Sparkplug B payloads go to spBv1\.0\//);
    expect(() => resolveRequest({ ...sparkplug, payloadFormat: 'schema', payload: '{"a":' }, { ...context, variables: variablesFor(c) })).toThrow(/^Reboot: payload: Payload is not valid JSON/);
  });

  it('exports as version 1 unless a request needs version 2 (Sparkplug B or schema payloads)', () => {
    const c = collection();
    expect(exportCollections([c], new Date(0)).version).toBe(1);
    const withSparkplug = { ...c, requests: [...c.requests, { ...c.requests[0]!, id: 'r3', payloadFormat: 'sparkplug' as const }] };
    const doc = exportCollections([withSparkplug], new Date(0));
    expect(doc.version).toBe(2);
    expect(parseCollectionsImport(JSON.stringify(doc))[0]!.requests[2]!.payloadFormat).toBe('sparkplug');
  });

  it.each([
    [{ variables: { counter: '1' } }, 'variables.counter', 'That name is a built-in placeholder'],
    [{ variables: { '9x': '1' } }, 'variables.9x', 'A variable name is letters, digits, _ or -, starting with a letter or _'],
    [{ environments: [{ name: 'a', values: {} }, { name: 'a', values: {} }] }, 'environments.1.name', 'There is already an environment named a'],
    [{ requests: [{ id: 'r', name: '', topic: 't' }] }, 'requests.0.name', 'Name is required'],
  ])('reports a bad field next to it: %j', (patch, field, message) => {
    expect(checkCollection({ id: 'c', name: 'C', ...patch })).toEqual({ ok: false, fields: { [field]: message } });
  });

  it('round-trips through its export; a broken file is refused whole, with the reason', () => {
    const text = JSON.stringify(exportCollections([collection()], new Date(0)));
    expect(parseCollectionsImport(text)).toEqual([collection()]);
    const broken = JSON.parse(text);
    broken.collections.push({ name: 'Bad', requests: [{ id: 'x', name: 'n', topic: '' }] });
    expect(() => parseCollectionsImport(JSON.stringify(broken))).toThrow('Collection Bad is not valid: id: Invalid input: expected string, received undefined');
    expect(() => parseCollectionsImport('{')).toThrow(/^The file is not JSON/);
    expect(() => parseCollectionsImport('{"format":"mqtt-desk-collections","version":3,"collections":[]}')).toThrow('Collections export version 3 is newer than this MQTT Desk reads (2)');
  });
});
