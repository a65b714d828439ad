import { useState, type FormEvent } from 'react';
import type { SubscriptionInfo } from '../../../shared/contract';
import { checkTopicFilter } from '../../../shared/topic';
import { subscribe, unsubscribe } from '../store/actions';
import { Field } from './field';
import { QosSelect } from './qos-select';

/** Subscribe with a live-validated filter; the list of active subscriptions below. */
export function SubscribePanel({ connectionId, connected, subscriptions }: { connectionId: string; connected: boolean; subscriptions: SubscriptionInfo[] }) {
  const [filter, setFilter] = useState('');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [error, setError] = useState<string | undefined>();

  const onChange = (text: string) => {
    setFilter(text);
    const check = checkTopicFilter(text);
    setError(text === '' || check.ok ? undefined : check.reason);
  };
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const check = checkTopicFilter(filter);
    if (!check.ok) return setError(check.reason);
    setError(await subscribe(connectionId, filter, qos));
  };

  return (
    <section className="panel" aria-label="Subscriptions">
      <h3>Subscriptions</h3>
      <form onSubmit={onSubmit} className="inline-form">
        <Field label="Filter" error={error}>
          {(p) => <input {...p} value={filter} placeholder="sensors/+/temperature or #" onChange={(e) => onChange(e.target.value)} />}
        </Field>
        <QosSelect value={qos} onChange={setQos} />
        <button type="submit" className="primary" disabled={!connected}>
          Subscribe
        </button>
      </form>
      {subscriptions.length === 0 ? (
        <p className="empty">{connected ? 'No subscriptions. Add a filter such as # to see every message.' : 'Connect to subscribe.'}</p>
      ) : (
        <ul className="subscription-list" aria-label="Active subscriptions">
          {subscriptions.map((s) => (
            <li key={s.filter}>
              <code>{s.filter}</code> <span className="badge">QoS {s.qos}</span>
              <button type="button" aria-label={`Unsubscribe ${s.filter}`} onClick={() => void unsubscribe(connectionId, s.filter)} disabled={!connected}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
