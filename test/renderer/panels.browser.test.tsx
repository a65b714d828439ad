/**
 * Panels as components in Chromium: live filter validation in the subscribe panel, payload
 * views in the message detail, and field ↔ byte highlighting in the packet detail.
 */

import { encode as msgpackEncode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { MessageDetail } from '../../renderer/src/components/message-detail';
import { PacketDetail } from '../../renderer/src/components/packet-detail';
import { SubscribePanel } from '../../renderer/src/components/subscribe-panel';
import type { MessageRecord } from '../../shared/contract';

const record = (payload: Uint8Array, patch: Partial<MessageRecord> = {}): MessageRecord => ({
  seq: 1,
  direction: 'in',
  topic: 'room/1',
  payload,
  payloadSize: payload.byteLength,
  qos: 1,
  retain: false,
  dup: false,
  time: Date.UTC(2026, 10, 23, 10, 0, 0),
  ...patch,
});

describe('SubscribePanel', () => {
  it('validates the filter while typing', async () => {
    const screen = await render(<SubscribePanel connectionId="c1" connected subscriptions={[]} mqtt5={false} />);
    const filter = screen.getByLabelText('Filter', { exact: true });
    await filter.fill('sensors/#/temp');
    await expect.element(screen.getByText("'#' must be the last level")).toBeVisible();
    await filter.fill('sensors/+/temp');
    await expect.element(screen.getByText("'#' must be the last level")).not.toBeInTheDocument();
    await expect.element(screen.getByRole('group', { name: 'MQTT 5 options' })).not.toBeInTheDocument();
  });
});

describe('MessageDetail', () => {
  it('shows MessagePack decoded by default and hex on request', async () => {
    const screen = await render(<MessageDetail connectionId="c1" message={record(msgpackEncode({ t: 21.5 }))} previous={undefined} />);
    await expect.element(screen.getByLabelText('Payload')).toHaveTextContent('"t": 21.5');
    await screen.getByLabelText('View as').selectOptions('hex');
    await expect.element(screen.getByLabelText('Payload')).toHaveTextContent('81 a1 74 cb 40 35 80 00 00 00 00 00');
  });

  it('a payload that does not decode: the error with its byte offset, the raw bytes, the byte marked', async () => {
    const decoded = { kind: 'sparkplug' as const, type: 'Sparkplug B NDATA', error: { message: 'Not a Payload: invalid wire type 7 in the tag', offset: 2 } };
    const screen = await render(<MessageDetail connectionId="c1" message={record(new Uint8Array([0x08, 0x01, 0x0f, 0x00]), { topic: 'spBv1.0/G/NDATA/E', decoded })} previous={undefined} />);
    await expect.element(screen.getByRole('region', { name: 'Decoded as Sparkplug B NDATA' })).toHaveTextContent('Not a Payload: invalid wire type 7 in the tag (at byte 2)');
    await expect.element(screen.getByLabelText('Payload')).toHaveTextContent('08 01 0f 00');
    await expect.element(screen.getByLabelText('Byte 2, where decoding stopped')).toHaveTextContent('0f');
  });

  it('bytes chosen as MessagePack that are not: the decoder error and offset over the hex', async () => {
    // fixarray of 2 with one item: the second would start at byte 2, the end.
    const screen = await render(<MessageDetail connectionId="c1" message={record(new Uint8Array([0x92, 0x01]))} previous={undefined} />);
    await screen.getByLabelText('View as').selectOptions('msgpack');
    await expect.element(screen.getByRole('alert')).toHaveTextContent('Not MessagePack: the payload ends inside the item that starts here (at byte 2)');
    await expect.element(screen.getByLabelText('Payload')).toHaveTextContent('92 01');
  });

  it('text chosen as JSON that is not: the error at the byte offset, not the character offset', async () => {
    // "°" is two bytes: the "x" at character 12 is byte 13.
    const json = await render(<MessageDetail connectionId="c1" message={record(new TextEncoder().encode('{"t": "°C", x}'), { seq: 2 })} previous={undefined} />);
    await json.getByLabelText('View as').selectOptions('json');
    await expect.element(json.getByRole('alert')).toHaveTextContent(/^Not JSON: .* \(at byte 13\)$/);
    await expect.element(json.getByLabelText('Byte 13, where decoding stopped')).toHaveTextContent('78');
  });

  it('diffs against the previous message on the topic', async () => {
    const text = (s: string) => new TextEncoder().encode(s);
    const screen = await render(<MessageDetail connectionId="c1" message={record(text('{"a":2}'))} previous={record(text('{"a":1}'))} />);
    await screen.getByRole('button', { name: 'Diff with previous' }).click();
    // toHaveTextContent folds runs of spaces.
    await expect.element(screen.getByLabelText('Payload diff')).toHaveTextContent('- "a": 1');
    await expect.element(screen.getByLabelText('Payload diff')).toHaveTextContent('+ "a": 2');
  });
});

describe('PacketDetail', () => {
  it('highlights a field’s bytes and selects the field of a clicked byte', async () => {
    // PUBLISH QoS 0, topic "a/b", payload "hi" (the bytes mqtt-packet generates for it).
    const bytes = new Uint8Array([0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69]);
    const screen = await render(<PacketDetail packet={{ seq: 1, time: 0, direction: 'out', bytes }} version={4} />);
    await screen.getByRole('button', { name: /Topic name: a\/b/ }).click();
    const cells = screen.getByRole('gridcell');
    const selected = (kind: string) => cells.elements().filter((cell) => cell.classList.contains(kind) && cell.getAttribute('aria-selected') === 'true');
    expect(selected('hex-byte').map((cell) => cell.textContent)).toEqual(['00', '03', '61', '2f', '62']);
    expect(selected('ascii-byte').map((cell) => cell.textContent)).toEqual(['.', '.', 'a', '/', 'b']);
    // The last ASCII cell ('i' of the payload) selects the payload.
    await cells.last().click();
    await expect.element(screen.getByRole('treeitem', { selected: true }).first()).toHaveTextContent(/Payload/);
    await expect.element(screen.getByLabelText('Byte selection')).toHaveTextContent('Bytes 7–8 · Payload (mqtt.msg)');
  });

  it('draws only the dump rows on screen, and shows the next packet from its top with nothing selected', async () => {
    // PUBLISH QoS 0, topic "a/b", 4,000 B of payload: 4,008 B, 251 rows of 16.
    const big = new Uint8Array(4008).fill(0x68);
    big.set([0x30, 0xa5, 0x1f, 0x00, 0x03, 0x61, 0x2f, 0x62]);
    const small = new Uint8Array([0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69]);
    // The app's stylesheet is not loaded here: the dump's scroller gets its height cap from this.
    document.head.append(Object.assign(document.createElement('style'), { textContent: '.hex-scroll { overflow: auto; max-height: 300px; }' }));
    const screen = await render(<PacketDetail packet={{ seq: 1, time: 0, direction: 'in', bytes: big }} version={4} />);
    const offsets = () => screen.getByRole('rowheader').elements().map((cell) => cell.textContent);
    await expect.element(screen.getByRole('rowheader', { name: '0000' })).toBeVisible();
    expect(offsets().length).toBeLessThan(100);
    // Scrolled to its end, the dump draws its last row (offset 0xfa0).
    const scroller = document.querySelector('.hex-scroll')!;
    scroller.scrollTop = scroller.scrollHeight;
    await expect.element(screen.getByRole('rowheader', { name: '0fa0' })).toBeInTheDocument();
    expect(offsets()).not.toContain('0000');
    await screen.getByRole('button', { name: /Topic name: a\/b/ }).click();
    await expect.element(screen.getByLabelText('Byte selection')).toHaveTextContent('Bytes 3–7 · Topic name');
    // The next packet: nothing selected, its bytes from the top.
    await screen.rerender(<PacketDetail packet={{ seq: 2, time: 0, direction: 'in', bytes: small }} version={4} />);
    await expect.element(screen.getByLabelText('Byte selection')).toHaveTextContent(/^Bytes$/);
    expect(offsets()).toEqual(['0000']);
    await screen.rerender(<PacketDetail packet={{ seq: 1, time: 0, direction: 'in', bytes: big }} version={4} />);
    await expect.element(screen.getByRole('rowheader', { name: '0000' })).toBeVisible();
  });
});
