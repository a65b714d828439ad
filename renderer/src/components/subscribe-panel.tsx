import { useState, type FormEvent } from 'react';
import type { SubscribeOptions, SubscriptionInfo } from '../../../shared/contract';
import { checkTopicFilter } from '../../../shared/topic';
import { subscribe, toggleMute, unsubscribe } from '../store/connection-actions';
import { useAppStore } from '../store/app-store';
import { subscriptionColor } from '../store/message-filter';
import { logFor } from '../store/message-log';
import { Field } from './field';
import { CheckboxField, NumberField, SelectField } from './form-controls';
import { QosSelect } from './qos-select';

const RETAIN_HANDLING = [
  { value: 0, label: 'send retained on subscribe' },
  { value: 1, label: 'only for new subscriptions' },
  { value: 2, label: 'never send retained' },
] as const;

/** Subscribe with a live-validated filter and MQTT 5 options; active subscriptions with color, count, mute. */
export function SubscribePanel({ connectionId, connected, subscriptions, mqtt5 }: { connectionId: string; connected: boolean; subscriptions: SubscriptionInfo[]; mqtt5: boolean }) {
  const [filter, setFilter] = useState('');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [error, setError] = useState<string | undefined>();
  const [options, setOptions] = useState<{ noLocal: boolean; retainAsPublished: boolean; retainHandling: 0 | 1 | 2; subscriptionIdentifier: number | undefined }>({
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
    subscriptionIdentifier: undefined,
  });

  const onChange = (text: string) => {
    setFilter(text);
    const check = checkTopicFilter(text);
    setError(text === '' || check.ok ? undefined : check.reason);
  };
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const check = checkTopicFilter(filter);
    if (!check.ok) return setError(check.reason);
    const v5: SubscribeOptions | undefined = mqtt5
      ? {
          noLocal: options.noLocal,
          retainAsPublished: options.retainAsPublished,
          retainHandling: options.retainHandling,
          ...(options.subscriptionIdentifier !== undefined && !Number.isNaN(options.subscriptionIdentifier) ? { subscriptionIdentifier: options.subscriptionIdentifier } : {}),
        }
      : undefined;
    setError(await subscribe(connectionId, filter, qos, v5));
  };

  return (
    <section className="panel" aria-label="Subscriptions">
      <h3>Subscriptions</h3>
      <form onSubmit={onSubmit}>
        <div className="inline-form">
          <Field label="Filter" error={error}>
            {(p) => <input {...p} value={filter} placeholder="sensors/+/temperature or #" onChange={(e) => onChange(e.target.value)} />}
          </Field>
          <QosSelect value={qos} onChange={setQos} />
          <button type="submit" className="primary" disabled={!connected}>
            Subscribe
          </button>
        </div>
        {mqtt5 ? (
          <details className="subscribe-options">
            <summary>MQTT 5 options</summary>
            <div className="form-grid">
              <CheckboxField label="No Local" checked={options.noLocal} onChange={(noLocal) => setOptions({ ...options, noLocal })} />
              <CheckboxField label="Retain As Published" checked={options.retainAsPublished} onChange={(retainAsPublished) => setOptions({ ...options, retainAsPublished })} />
              <SelectField label="Retain Handling" value={options.retainHandling} options={RETAIN_HANDLING} onChange={(retainHandling) => setOptions({ ...options, retainHandling })} />
              <NumberField label="Subscription identifier" optional value={options.subscriptionIdentifier} onChange={(subscriptionIdentifier) => setOptions({ ...options, subscriptionIdentifier })} />
            </div>
          </details>
        ) : null}
      </form>
      {subscriptions.length === 0 ? (
        <p className="empty">{connected ? 'No subscriptions. Add a filter such as # to see every message.' : 'Connect to subscribe.'}</p>
      ) : (
        <SubscriptionList connectionId={connectionId} connected={connected} subscriptions={subscriptions} />
      )}
    </section>
  );
}

/**
 * The active subscriptions with their counts: the counts change with every batch, so this
 * list (not the whole panel, with its form) is drawn again once a frame at a flood.
 */
function SubscriptionList({ connectionId, connected, subscriptions }: { connectionId: string; connected: boolean; subscriptions: SubscriptionInfo[] }) {
  const muted = useAppStore((s) => s.mutedFilters[connectionId]) ?? [];
  useAppStore((s) => s.messageRevision[connectionId] ?? 0);
  const counts = logFor(connectionId).counts;
  return (
    <ul className="subscription-list" aria-label="Active subscriptions">
      {subscriptions.map((s) => {
        const isMuted = muted.includes(s.filter);
        return (
          <li key={s.filter} className={isMuted ? 'muted-subscription' : undefined}>
            <span className="color-swatch" style={{ background: subscriptionColor(s.filter) }} aria-hidden="true" />
            <code>{s.filter}</code> <span className="badge">QoS {s.qos}</span>
            <span className="badge" aria-label={`${counts.get(s.filter) ?? 0} messages on ${s.filter}`}>
              {counts.get(s.filter) ?? 0}
            </span>
            <button type="button" aria-pressed={isMuted} aria-label={`${isMuted ? 'Unmute' : 'Mute'} ${s.filter}`} onClick={() => toggleMute(connectionId, s.filter)}>
              {isMuted ? 'Unmute' : 'Mute'}
            </button>
            <button type="button" aria-label={`Unsubscribe ${s.filter}`} onClick={() => void unsubscribe(connectionId, s.filter)} disabled={!connected}>
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}
