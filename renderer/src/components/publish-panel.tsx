import { useState, type FormEvent } from 'react';
import { PAYLOAD_FORMATS, parsePayload, type PayloadFormat } from '../../../shared/payload';
import { encodeBinary, type BinaryFormat } from '../../../shared/payload-binary';
import { checkTopicName } from '../../../shared/topic';
import { publish } from '../store/actions';
import { Field } from './field';
import { QosSelect } from './qos-select';

/** Compose and publish one message. (The Monaco editor replaces the textarea later.) */
export function PublishPanel({ connectionId, connected }: { connectionId: string; connected: boolean }) {
  const [topic, setTopic] = useState('');
  const [payload, setPayload] = useState('');
  const [format, setFormat] = useState<PayloadFormat | BinaryFormat>('text');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [retain, setRetain] = useState(false);
  const [topicError, setTopicError] = useState<string | undefined>();
  const [payloadError, setPayloadError] = useState<string | undefined>();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const check = checkTopicName(topic);
    setTopicError(check.ok ? undefined : check.reason);
    let bytes: Uint8Array;
    try {
      bytes = format === 'msgpack' || format === 'cbor' ? encodeBinary(payload, format) : parsePayload(payload, format);
      setPayloadError(undefined);
    } catch (error) {
      setPayloadError((error as Error).message);
      return;
    }
    if (!check.ok) return;
    setTopicError(await publish(connectionId, { topic, payload: bytes, qos, retain }));
  };

  return (
    <section className="panel" aria-label="Publish">
      <h3>Publish</h3>
      <form onSubmit={onSubmit}>
        <Field label="Topic" error={topicError}>
          {(p) => <input {...p} value={topic} placeholder="demo/room1" onChange={(e) => setTopic(e.target.value)} />}
        </Field>
        <div className="inline-form">
          <QosSelect value={qos} onChange={setQos} />
          <Field label="Format">
            {(p) => (
              <select {...p} value={format} onChange={(e) => setFormat(e.target.value as PayloadFormat | BinaryFormat)}>
                {[...PAYLOAD_FORMATS, 'msgpack', 'cbor'].map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label className="checkbox">
            <input type="checkbox" checked={retain} onChange={(e) => setRetain(e.target.checked)} />
            Retain
          </label>
        </div>
        <Field label="Payload" error={payloadError}>
          {(p) => <textarea {...p} rows={6} spellCheck={false} value={payload} onChange={(e) => setPayload(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={!connected}>
          Publish
        </button>
      </form>
    </section>
  );
}
