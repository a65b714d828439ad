import { diffLines } from 'diff';
import { memo, useEffect, useMemo, useState } from 'react';
import { MESSAGE_LOAD_MAX_BYTES, type MessageRecord } from '../../../shared/contract';
import { detectPayloadFormat, formatPayload, toHex } from '../../../shared/payload';
import { formatBinary, looksLike } from '../../../shared/payload-binary';
import { loadFullMessage } from '../store/connection-actions';
import { DecodedSection } from './decoded-detail';
import { decodeErrorText, decodeJsonBytes, toDecodeError, type DecodeError } from '../../../shared/decode-error';

/**
 * Payload bytes the detail renders at most: laying out megabytes of text would stall the
 * page. What is left out is said under the payload.
 */
export const DETAIL_VIEW_BYTES = 256 * 1024;

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} B`);

/** Every way a payload can be shown. */
const VIEWS = ['text', 'json', 'hex', 'base64', 'msgpack', 'cbor'] as const;
type View = (typeof VIEWS)[number];

/** The most useful view: JSON or text when it is, MessagePack or CBOR when binary decodes as one, else hex. */
export function autoView(bytes: Uint8Array): View {
  const detected = detectPayloadFormat(bytes);
  if (detected !== 'hex') return detected;
  if (looksLike(bytes, 'msgpack')) return 'msgpack';
  if (looksLike(bytes, 'cbor')) return 'cbor';
  return 'hex';
}

/**
 * Renders a payload in a view. Bytes that are not MessagePack or CBOR (or JSON, with
 * `strictJson`: the user chose the JSON view for a whole payload) come back as hex with the
 * decoder's error and its byte offset; otherwise JSON that does not parse is shown as text.
 */
export function renderPayload(bytes: Uint8Array, view: View, strictJson = false): { text: string; error?: DecodeError } {
  try {
    if (view === 'msgpack' || view === 'cbor') return { text: formatBinary(bytes, view) };
    if (view === 'json' && strictJson) return { text: JSON.stringify(decodeJsonBytes(bytes), null, 2) };
  } catch (error) {
    return { text: formatPayload(bytes, 'hex'), error: toDecodeError(error) };
  }
  return { text: formatPayload(bytes, view) };
}

/**
 * One message in full: metadata, the payload in any view, MQTT 5 properties, and the diff
 * against the previous one on its topic. Memoized: the list around it redraws every frame
 * while messages arrive, the detail only when its message does.
 */
export const MessageDetail = memo(function MessageDetail({ connectionId, message, previous }: { connectionId: string; message: MessageRecord; previous: MessageRecord | undefined }) {
  const [full, setFull] = useState<MessageRecord>(message);
  const [view, setView] = useState<View | 'auto'>('auto');
  const [showDiff, setShowDiff] = useState(false);
  const [showRaw, setShowRaw] = useState(false);
  useEffect(() => setFull(message), [message]);
  // A large payload's decoded value stays in the backend until asked for.
  useEffect(() => {
    if (message.decoded?.partial) void loadFullMessage(connectionId, message.seq).then((m) => m && setFull(m));
  }, [connectionId, message]);
  const decoded = full.decoded;
  // With a decoded value the raw bytes are one click away; when decoding failed they are shown.
  const rawShown = !decoded || showRaw || decoded.error !== undefined;
  const truncated = full.payload.byteLength < full.payloadSize;
  const shown = full.payload.subarray(0, DETAIL_VIEW_BYTES);
  // Bytes that failed to decode are shown as they are: hex, not a guess at another format.
  const chosen = view === 'auto' ? (full.decoded?.error ? 'hex' : autoView(shown)) : view;
  const rendered = useMemo(() => renderPayload(shown, chosen, view === 'json' && shown.byteLength === full.payloadSize), [full, chosen, view]);
  // The byte a decoder stopped at, marked in the hex view.
  const errorOffset = rendered.error?.offset ?? decoded?.error?.offset;
  const marked = (chosen === 'hex' || rendered.error !== undefined) && errorOffset !== undefined && errorOffset < shown.byteLength ? errorOffset : undefined;
  const cuts: string[] = [];
  if (shown.byteLength < full.payload.byteLength) cuts.push(`showing the first ${sizeText(shown.byteLength)} of ${sizeText(full.payload.byteLength)} loaded: the detail shows ${sizeText(DETAIL_VIEW_BYTES)} at most`);
  if (truncated) cuts.push(`${full.payloadSize - full.payload.byteLength} more bytes not loaded${full.payloadSize > MESSAGE_LOAD_MAX_BYTES ? ` (the detail loads ${sizeText(MESSAGE_LOAD_MAX_BYTES)} at most; export the messages for all of it)` : ''}`);

  return (
    <section className="message-detail" aria-label="Message detail">
      <div className="detail-header">
        <strong className="topic">{full.topic}</strong>
        <span className="badge">QoS {full.qos}</span>
        {full.retain ? <span className="badge badge-on">retained</span> : null}
        {full.dup ? <span className="badge">dup</span> : null}
        <span className="muted">
          {full.direction === 'in' ? 'received' : 'sent'} {new Date(full.time).toLocaleString()} · {full.payloadSize} B
        </span>
      </div>
      {decoded ? <DecodedSection decoded={decoded} /> : null}
      <div className="detail-toolbar">
        {decoded && !decoded.error ? (
          <button type="button" aria-pressed={showRaw} onClick={() => setShowRaw(!showRaw)}>
            Raw bytes
          </button>
        ) : null}
        <label>
          View as{' '}
          <select aria-label="View as" value={view} onChange={(e) => setView(e.target.value as View | 'auto')}>
            <option value="auto">auto ({autoView(shown)})</option>
            {VIEWS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(rendered.text)}>
          Copy
        </button>
        {previous ? (
          <button type="button" aria-pressed={showDiff} onClick={() => setShowDiff(!showDiff)}>
            Diff with previous
          </button>
        ) : null}
        {truncated && full.payload.byteLength < MESSAGE_LOAD_MAX_BYTES ? (
          <button type="button" onClick={() => void loadFullMessage(connectionId, full.seq).then((m) => m && setFull(m))}>
            {full.payloadSize > MESSAGE_LOAD_MAX_BYTES ? `Load the first ${sizeText(MESSAGE_LOAD_MAX_BYTES)} (of ${full.payloadSize} B)` : `Load full payload (${full.payloadSize} B)`}
          </button>
        ) : null}
      </div>
      {rendered.error ? (
        <p className="field-error" role="alert">
          {decodeErrorText(rendered.error)}
        </p>
      ) : null}
      {!rawShown ? null : showDiff && previous ? (
        <PayloadDiff before={renderPayload(previous.payload, chosen).text} after={rendered.text} />
      ) : (
        <pre className={`payload-view payload-${chosen}`} aria-label="Payload">
          {marked === undefined ? (
            rendered.text
          ) : (
            <>
              {rendered.text.slice(0, marked * 3)}
              <mark className="error-byte" aria-label={`Byte ${marked}, where decoding stopped`}>
                {rendered.text.slice(marked * 3, marked * 3 + 2)}
              </mark>
              {rendered.text.slice(marked * 3 + 2)}
            </>
          )}
          {cuts.length > 0 ? `\n… ${cuts.join('; ')}` : ''}
        </pre>
      )}
      {full.properties ? <PropertiesTable properties={full.properties} /> : null}
    </section>
  );
});

function PayloadDiff({ before, after }: { before: string; after: string }) {
  const parts = diffLines(before, after);
  return (
    <pre className="payload-view payload-diff" aria-label="Payload diff">
      {parts.map((part, i) => (
        <span key={i} className={part.added ? 'diff-added' : part.removed ? 'diff-removed' : undefined}>
          {part.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line) => `${part.added ? '+ ' : part.removed ? '- ' : '  '}${line}`)
            .join('\n') + '\n'}
        </span>
      ))}
    </pre>
  );
}

function PropertiesTable({ properties }: { properties: NonNullable<MessageRecord['properties']> }) {
  const rows: Array<[string, string]> = [];
  if (properties.contentType !== undefined) rows.push(['Content type', properties.contentType]);
  if (properties.payloadFormatIndicator !== undefined) rows.push(['Payload format', properties.payloadFormatIndicator ? 'UTF-8' : 'bytes']);
  if (properties.messageExpiryInterval !== undefined) rows.push(['Message expiry', `${properties.messageExpiryInterval} s`]);
  if (properties.responseTopic !== undefined) rows.push(['Response topic', properties.responseTopic]);
  if (properties.correlationData !== undefined) rows.push(['Correlation data', toHex(properties.correlationData)]);
  if (properties.topicAlias !== undefined) rows.push(['Topic alias', String(properties.topicAlias)]);
  if (properties.subscriptionIdentifiers?.length) rows.push(['Subscription identifiers', properties.subscriptionIdentifiers.join(', ')]);
  for (const { key, value } of properties.userProperties ?? []) rows.push([`User property ${key}`, value]);
  return (
    <table className="properties-table" aria-label="MQTT 5 properties">
      <tbody>
        {rows.map(([name, value], i) => (
          <tr key={i}>
            <th scope="row">{name}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
