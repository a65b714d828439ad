import type { FormEvent } from 'react';
import { DEFAULT_PORTS, MQTT_VERSIONS, PROTOCOLS, type ProfileInput } from '../../../shared/profile';
import { cancelDraft, saveDraft, updateDraft } from '../store/actions';
import { useAppStore } from '../store/app-store';
import { Field } from './field';

/** The connection profile editor: every field validated by the shared schema, errors inline. */
export function ProfileForm() {
  const draft = useAppStore((s) => s.draft);
  if (!draft) return null;
  const { value, errors } = draft;
  const isWs = value.protocol === 'ws' || value.protocol === 'wss';

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void saveDraft();
  };
  const onProtocol = (protocol: ProfileInput['protocol']) => {
    // Follow the scheme's default port unless the user typed their own.
    const portIsDefault = Object.values(DEFAULT_PORTS).includes(Number(value.port));
    updateDraft(portIsDefault ? { protocol, port: DEFAULT_PORTS[protocol] } : { protocol });
  };

  return (
    <form className="profile-form" aria-label="Connection profile" onSubmit={onSubmit} noValidate>
      <h2>{value.id ? 'Edit connection' : 'New connection'}</h2>
      <div className="form-grid">
        <Field label="Name" error={errors.name}>
          {(p) => <input {...p} value={value.name} onChange={(e) => updateDraft({ name: e.target.value })} />}
        </Field>
        <Field label="Protocol" error={errors.protocol}>
          {(p) => (
            <select {...p} value={value.protocol} onChange={(e) => onProtocol(e.target.value as ProfileInput['protocol'])}>
              {PROTOCOLS.map((protocol) => (
                <option key={protocol} value={protocol}>
                  {protocol}://
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Host" error={errors.host}>
          {(p) => <input {...p} value={value.host} onChange={(e) => updateDraft({ host: e.target.value })} />}
        </Field>
        <Field label="Port" error={errors.port}>
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={Number.isNaN(value.port) ? '' : String(value.port)}
              onChange={(e) => updateDraft({ port: e.target.value.trim() === '' ? Number.NaN : Number(e.target.value) })}
            />
          )}
        </Field>
        {isWs ? (
          <Field label="Path" error={errors.path}>
            {(p) => <input {...p} value={value.path ?? '/mqtt'} onChange={(e) => updateDraft({ path: e.target.value })} />}
          </Field>
        ) : null}
        <Field label="MQTT version" error={errors.mqttVersion}>
          {(p) => (
            <select {...p} value={value.mqttVersion} onChange={(e) => updateDraft({ mqttVersion: e.target.value as ProfileInput['mqttVersion'] })}>
              {MQTT_VERSIONS.map((version) => (
                <option key={version} value={version}>
                  {version}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Client ID" error={errors.clientId}>
          {(p) => <input {...p} value={value.clientId} placeholder="generated when empty" onChange={(e) => updateDraft({ clientId: e.target.value })} />}
        </Field>
        <Field label="Keepalive" error={errors.keepalive}>
          {(p) => (
            <input {...p} inputMode="numeric" value={String(value.keepalive ?? 60)} onChange={(e) => updateDraft({ keepalive: Number(e.target.value) })} />
          )}
        </Field>
        <Field label="Username" error={errors.username}>
          {(p) => <input {...p} autoComplete="off" value={value.username} onChange={(e) => updateDraft({ username: e.target.value })} />}
        </Field>
        <Field label="Password" error={errors.password}>
          {(p) => <input {...p} type="password" autoComplete="off" value={value.password} onChange={(e) => updateDraft({ password: e.target.value })} />}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={value.clean ?? true} onChange={(e) => updateDraft({ clean: e.target.checked })} />
          {value.mqttVersion === '5.0' ? 'Clean start' : 'Clean session'}
        </label>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={cancelDraft}>
          Cancel
        </button>
      </div>
    </form>
  );
}
