/** Saved collections: checking, variables from environments, resolving a request to wire form, import and export. */

import { describe, expect, it } from 'vitest';
import { checkCollection, exportCollections, parseCollectionsImport, resolveRequest, variablesFor, type Collection } from '../../shared/collections';
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
    expect(() => parseCollectionsImport('{"format":"mqtt-desk-collections","version":2,"collections":[]}')).toThrow('Collections export version 2 is newer than this MQTT Desk reads (1)');
  });
});
