import { useEffect, useRef, useState } from 'react';
import { PAYLOAD_FORMATS, parsePayload, type PayloadFormat } from '../../../shared/payload';
import { encodeBinary, type BinaryFormat } from '../../../shared/payload-binary';
import { expandTemplate } from '../../../shared/payload-template';
import { checkTopicName } from '../../../shared/topic';
import type { EncodeAs } from '../../../shared/payload-decoder';
import { encodePayload, publish } from '../store/connection-actions';
import { loadHistory, recentTopics, remember, type PublishedEntry } from '../store/publish-history';
import type { RequestDraft } from '../store/collections';
import { CollectionsPanel } from './collections-panel';
import { Field } from './field';
import { CheckboxField } from './form-controls';
import { PayloadEditor } from './payload-editor';
import { EMPTY_PROPERTIES, PublishProperties, toMessageProperties, type PropertiesDraft } from './publish-properties';
import { QosSelect } from './qos-select';
import { SaveToCollectionDialog } from './save-to-collection-dialog';

type Format = PayloadFormat | BinaryFormat | EncodeAs;
/** sparkplug: Sparkplug B from a JSON form of metrics; schema: JSON encoded to the type mapped to the topic. */
const FORMATS: readonly Format[] = [...PAYLOAD_FORMATS, 'msgpack', 'cbor', 'sparkplug', 'schema'];
/** What the editor starts with for Sparkplug B: a rebirth request, the usual NCMD. */
const SPARKPLUG_SAMPLE = '{\n  "metrics": [\n    { "name": "Node Control/Rebirth", "type": "Boolean", "value": true }\n  ]\n}';

/** Compose and publish: Monaco payload editor, formats, templates, MQTT 5 properties, repeat, history. */
export function PublishPanel({ connectionId, connected, mqtt5 }: { connectionId: string; connected: boolean; mqtt5: boolean }) {
  const [topic, setTopic] = useState('');
  const [payload, setPayload] = useState('');
  const [format, setFormat] = useState<Format>('json');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [retain, setRetain] = useState(false);
  const [template, setTemplate] = useState(false);
  const [properties, setProperties] = useState<PropertiesDraft>(EMPTY_PROPERTIES);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [history, setHistory] = useState<PublishedEntry[]>(loadHistory);
  const [repeatMs, setRepeatMs] = useState(1000);
  const [repeating, setRepeating] = useState(false);
  const [sent, setSent] = useState(0);
  const [saving, setSaving] = useState<Omit<RequestDraft, 'name' | 'delayMs'>>();
  const counter = useRef(0);
  const editorApi = useRef<{ format: () => void; focus: () => void }>(undefined);

  /** Builds the bytes for one publish, or reports what is wrong next to the fields. */
  const prepare = async (): Promise<{ payload: Uint8Array } | undefined> => {
    const found: Record<string, string> = {};
    const check = checkTopicName(topic);
    if (!check.ok && !(topic === '' && properties.topicAlias !== undefined)) found.topic = check.reason;
    let bytes: Uint8Array | undefined;
    try {
      const text = template ? expandTemplate(payload, { counter: counter.current + 1, now: Date.now, uuid: () => crypto.randomUUID(), random: Math.random }) : payload;
      if (format === 'sparkplug' || format === 'schema') {
        // Encoded by the backend: the codecs compile code, which this page's CSP forbids.
        if (!found.topic) {
          const encoded = await encodePayload(connectionId, topic, text, format);
          if ('error' in encoded) found.payload = encoded.error;
          else bytes = encoded.payload;
        }
      } else bytes = format === 'msgpack' || format === 'cbor' ? encodeBinary(text, format) : parsePayload(text, format);
    } catch (error) {
      found.payload = (error as Error).message;
    }
    setErrors(found);
    return bytes && Object.keys(found).length === 0 ? { payload: bytes } : undefined;
  };

  const send = async (): Promise<boolean> => {
    const prepared = await prepare();
    if (!prepared) return false;
    counter.current++;
    const refused = await publish(connectionId, { topic, payload: prepared.payload, qos, retain, properties: mqtt5 ? toMessageProperties(properties) : undefined });
    if (refused) {
      setErrors(refused);
      return false;
    }
    setSent((n) => n + 1);
    setHistory(remember({ topic, payload, format, qos, retain, time: Date.now() }));
    return true;
  };

  /** Opens "Save to collection" with the publish as it stands, or says why it cannot be saved. */
  const startSave = () => {
    if (!topic) return setErrors({ topic: 'Topic is required to save to a collection' });
    setErrors({});
    setSaving({ topic, qos, retain, payload, payloadFormat: format, properties: mqtt5 ? collectionProperties(properties) : {} });
  };

  // Repeat: one publish every `repeatMs`, stopping on the first failure or disconnect.
  useEffect(() => {
    if (!repeating || !connected) {
      if (repeating && !connected) setRepeating(false);
      return;
    }
    let stopped = false;
    const timer = setInterval(() => {
      void send().then((ok) => {
        if (!ok && !stopped) setRepeating(false);
      });
    }, Math.max(10, repeatMs));
    return () => {
      stopped = true;
      clearInterval(timer);
    };
    // `send` reads the latest form state through React's closure on each restart of the timer.
  }, [repeating, connected, repeatMs, topic, payload, format, qos, retain, template, properties]);

  const structured = format === 'json' || format === 'msgpack' || format === 'cbor' || format === 'sparkplug' || format === 'schema';
  return (
    <section className="panel" aria-label="Publish">
      <h3>Publish</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <Field label="Topic" error={errors.topic}>
          {(p) => <input {...p} list={`topics-${connectionId}`} value={topic} placeholder="demo/room1" onChange={(e) => setTopic(e.target.value)} />}
        </Field>
        <datalist id={`topics-${connectionId}`}>
          {recentTopics(history).map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <div className="inline-form">
          <QosSelect value={qos} onChange={setQos} />
          <Field label="Format">
            {(p) => (
              <select
                {...p}
                value={format}
                onChange={(e) => {
                  const next = e.target.value as Format;
                  setFormat(next);
                  if (next === 'sparkplug' && payload.trim() === '') setPayload(SPARKPLUG_SAMPLE);
                }}
              >
                {FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <CheckboxField label="Retain" checked={retain} onChange={setRetain} />
          <CheckboxField label="Template" checked={template} onChange={setTemplate} />
        </div>
        <div className={errors.payload ? 'field field-invalid' : 'field'}>
          <div className="editor-label">
            <span id={`payload-label-${connectionId}`}>Payload</span>
            {structured ? (
              <button type="button" className="link-button" onClick={() => editorApi.current?.format()}>
                Format JSON
              </button>
            ) : null}
          </div>
          <PayloadEditor value={payload} onChange={setPayload} language={structured ? 'json' : 'plaintext'} label="Payload" onReady={(api) => (editorApi.current = api)} onSubmit={() => void send()} />
          {errors.payload ? (
            <div className="field-error" role="alert">
              {errors.payload}
            </div>
          ) : null}
          {template ? <div className="muted">Placeholders: {'{{timestamp}} {{counter}} {{uuid}} {{random}} {{random:1:6}}'}</div> : null}
        </div>
        {mqtt5 ? <PublishProperties value={properties} onChange={setProperties} errors={errors} /> : null}
        <div className="publish-actions">
          <button type="submit" className="primary" disabled={!connected}>
            Publish
          </button>
          <label className="repeat">
            every{' '}
            <input aria-label="Repeat interval (ms)" inputMode="numeric" value={repeatMs} onChange={(e) => setRepeatMs(Number(e.target.value) || 0)} /> ms
          </label>
          <button type="button" disabled={!connected && !repeating} aria-pressed={repeating} onClick={() => setRepeating(!repeating)}>
            {repeating ? 'Stop repeat' : 'Repeat'}
          </button>
          <span className="muted" role="status" aria-label="Published count">
            {sent} sent
          </span>
          <button type="button" aria-haspopup="dialog" onClick={startSave}>
            Save to collection
          </button>
        </div>
        {errors.save ? (
          <div className="field-error" role="alert">
            {errors.save}
          </div>
        ) : null}
      </form>
      {history.length ? (
        <details className="publish-history">
          <summary>History ({history.length})</summary>
          <ul aria-label="Publish history">
            {history.map((entry) => (
              <li key={`${entry.time}-${entry.topic}`}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setTopic(entry.topic);
                    setPayload(entry.payload);
                    setFormat(entry.format as Format);
                    setQos(entry.qos);
                    setRetain(entry.retain);
                  }}
                >
                  {entry.topic}
                </button>{' '}
                <span className="muted">{entry.payload.slice(0, 60)}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <CollectionsPanel connectionId={connectionId} connected={connected} />
      {saving ? <SaveToCollectionDialog request={saving} onClose={() => setSaving(undefined)} /> : null}
    </section>
  );
}

/** The form's MQTT 5 properties as a collection keeps them: text, as typed (no topic alias: it names a connection's mapping). */
function collectionProperties(draft: PropertiesDraft): RequestDraft['properties'] {
  const out: RequestDraft['properties'] = {};
  if (draft.contentType) out.contentType = draft.contentType;
  if (draft.responseTopic) out.responseTopic = draft.responseTopic;
  if (draft.correlationData) out.correlationData = draft.correlationData;
  if (draft.messageExpiryInterval !== undefined && !Number.isNaN(draft.messageExpiryInterval)) out.messageExpiryInterval = draft.messageExpiryInterval;
  if (draft.payloadFormatIndicator) out.payloadFormatIndicator = true;
  const user = draft.userProperties.filter((p) => p.key);
  if (user.length) out.userProperties = user;
  return out;
}
