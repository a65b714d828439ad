import { useState, type FormEvent } from 'react';
import { profileToMosquittoSub } from '../../../shared/command-line-profile';
import { DEFAULT_PORTS, MQTT_VERSIONS, PROTOCOLS, type ProfileValue } from '../../../shared/profile';
import { cancelDraft, saveDraft, updateDraft } from '../store/profile-actions';
import { useAppStore } from '../store/app-store';
import { copyText } from '../store/clipboard';
import { CheckboxField, NumberField, SelectField, TextField } from './form-controls';
import { AdvancedSection, Mqtt5Section, TlsSection, WillSection } from './profile-sections';

/** A client ID like the backend generates, for the "Generate" button. */
function randomClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return `mqttdesk_${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The connection profile editor: every field validated by the shared schema, errors inline. */
export function ProfileForm() {
  const draft = useAppStore((s) => s.draft);
  const [copied, setCopied] = useState<{ command: string; notes: string[] }>();
  if (!draft) return null;
  const { value, errors } = draft;
  const isWs = value.protocol === 'ws' || value.protocol === 'wss';
  const isTls = value.protocol === 'mqtts' || value.protocol === 'wss';
  const sectionProps = { value, errors, update: updateDraft };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void saveDraft();
  };
  const onProtocol = (protocol: ProfileValue['protocol']) => {
    // Follow the scheme's default port unless the user typed their own.
    const portIsDefault = Object.values(DEFAULT_PORTS).includes(value.port);
    updateDraft(portIsDefault ? { protocol, port: DEFAULT_PORTS[protocol] } : { protocol });
  };

  // The mosquitto_sub line that connects as this profile does, with what it cannot carry.
  const copyCommand = () => {
    const line = profileToMosquittoSub(value, value.subscriptions);
    setCopied({ command: line.command, notes: line.warnings });
    copyText(line.command).catch((error: unknown) => setCopied({ command: line.command, notes: [...line.warnings, `Not copied: ${(error as Error).message}`] }));
  };

  return (
    <form className="profile-form" aria-label="Connection profile" onSubmit={onSubmit} noValidate>
      <h2>{value.id ? 'Edit connection' : 'New connection'}</h2>
      <fieldset className="form-section" aria-label="General">
        <legend>General</legend>
        <div className="form-grid">
          <TextField label="Name" value={value.name} error={errors.name} onChange={(name) => updateDraft({ name })} />
          <TextField label="Group" value={value.group} error={errors.group} placeholder="optional" onChange={(group) => updateDraft({ group })} />
          <SelectField label="Protocol" value={value.protocol} options={PROTOCOLS.map((p) => ({ value: p, label: `${p}://` }))} error={errors.protocol} onChange={onProtocol} />
          <TextField label="Host" value={value.host} error={errors.host} onChange={(host) => updateDraft({ host })} />
          <NumberField label="Port" value={value.port} error={errors.port} onChange={(port) => updateDraft({ port: port ?? Number.NaN })} />
          {isWs ? <TextField label="Path" value={value.path} error={errors.path} onChange={(path) => updateDraft({ path })} /> : null}
          <SelectField
            label="MQTT version"
            value={value.mqttVersion}
            options={MQTT_VERSIONS.map((v) => ({ value: v, label: v }))}
            error={errors.mqttVersion}
            onChange={(mqttVersion) => updateDraft({ mqttVersion })}
          />
          <div className="with-button">
            <TextField label="Client ID" value={value.clientId} error={errors.clientId} placeholder="generated when empty" onChange={(clientId) => updateDraft({ clientId })} />
            <button type="button" onClick={() => updateDraft({ clientId: randomClientId() })}>
              Generate
            </button>
          </div>
          <NumberField label="Keepalive (s)" value={value.keepalive} error={errors.keepalive} onChange={(keepalive) => updateDraft({ keepalive: keepalive ?? Number.NaN })} />
          <CheckboxField label={value.mqttVersion === '5.0' ? 'Clean start' : 'Clean session'} checked={value.clean} onChange={(clean) => updateDraft({ clean })} />
        </div>
      </fieldset>
      <fieldset className="form-section" aria-label="Authentication">
        <legend>Authentication</legend>
        <div className="form-grid">
          <TextField label="Username" value={value.username} error={errors.username} onChange={(username) => updateDraft({ username })} />
          <TextField label="Password" type="password" value={value.password} error={errors.password} onChange={(password) => updateDraft({ password })} />
        </div>
      </fieldset>
      {isTls ? <TlsSection {...sectionProps} /> : null}
      <WillSection {...sectionProps} />
      {value.mqttVersion === '5.0' ? <Mqtt5Section {...sectionProps} /> : null}
      <AdvancedSection {...sectionProps} />
      <div className="form-actions">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={cancelDraft}>
          Cancel
        </button>
        <button type="button" onClick={copyCommand}>
          Copy as mosquitto_sub command
        </button>
      </div>
      {copied ? (
        <div role="status" aria-label="mosquitto_sub command">
          <code>{copied.command}</code>
          {copied.notes.map((note) => (
            <p key={note} className="muted">
              {note}
            </p>
          ))}
        </div>
      ) : null}
    </form>
  );
}
