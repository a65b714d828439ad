import { useRef } from 'react';
import type { ProfileValue } from '../../../shared/profile';
import { CheckboxField, KeyValueList, NumberField, QOS_OPTIONS, SelectField, TextField } from './form-controls';

/** What every profile editor section gets. */
export interface SectionProps {
  value: ProfileValue;
  errors: Record<string, string>;
  update: (patch: Partial<ProfileValue>) => void;
}

/** Field errors of one user-property list, by row. */
const rowError = (errors: Record<string, string>, prefix: string) => (index: number) => errors[`${prefix}.${index}.key`];

/**
 * A certificate or key field: a path typed in, PEM pasted, or a file picked — the picked
 * file's PEM text goes into the field, which works the same in the browser and in Electron.
 */
function PemField(props: { label: string; value: string; error?: string | undefined; placeholder?: string; onChange: (value: string) => void }) {
  const picker = useRef<HTMLInputElement>(null);
  return (
    <div className="with-button">
      <TextField {...props} />
      <button type="button" onClick={() => picker.current?.click()}>
        Choose file…
      </button>
      <input
        ref={picker}
        type="file"
        hidden
        aria-label={`${props.label} file`}
        accept=".pem,.crt,.cer,.key,.ca,text/plain"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void file.text().then(props.onChange);
        }}
      />
    </div>
  );
}

/** TLS: CA, client certificate and key (path or PEM), passphrase, verification, SNI, ALPN, and the key log (off by default). */
export function TlsSection({ value, errors, update }: SectionProps) {
  const tls = value.tls;
  const set = (patch: Partial<ProfileValue['tls']>) => update({ tls: { ...tls, ...patch } });
  return (
    <fieldset className="form-section" aria-label="TLS">
      <legend>TLS</legend>
      <p className="muted">CA, certificate and key take a file path or pasted PEM.</p>
      <div className="form-grid">
        <PemField label="CA certificate" value={tls.ca} error={errors['tls.ca']} placeholder="/path/to/ca.pem or -----BEGIN CERTIFICATE-----" onChange={(ca) => set({ ca })} />
        <PemField label="Client certificate" value={tls.cert} error={errors['tls.cert']} onChange={(cert) => set({ cert })} />
        <PemField label="Client key" value={tls.key} error={errors['tls.key']} onChange={(key) => set({ key })} />
        <TextField label="Key passphrase" type="password" value={tls.passphrase} error={errors['tls.passphrase']} onChange={(passphrase) => set({ passphrase })} />
        <TextField label="SNI server name" value={tls.servername} error={errors['tls.servername']} placeholder="the host when empty" onChange={(servername) => set({ servername })} />
        <TextField label="ALPN protocols" value={tls.alpn} error={errors['tls.alpn']} placeholder="e.g. mqtt" onChange={(alpn) => set({ alpn })} />
        <CheckboxField label="Verify server certificate" checked={tls.rejectUnauthorized} onChange={(rejectUnauthorized) => set({ rejectUnauthorized })} />
      </div>
      <div className="keylog-field">
        <TextField label="TLS key log file" value={tls.keylogFile} error={errors['tls.keylogFile']} placeholder="off when empty, e.g. /home/me/mqtt-keys.log" onChange={(keylogFile) => set({ keylogFile })} />
        <p className={tls.keylogFile ? 'keylog-warning active' : 'muted'} role="note" aria-label="About the TLS key log">
          {tls.keylogFile
            ? 'On: every session key of this connection is written to this file (NSS key log format), and anyone who has the file can decrypt the traffic. Give it to Wireshark as tls.keylog_file; clear the field to stop.'
            : 'Off. Set a file to write this connection’s TLS session keys, so Wireshark can decrypt a capture of it. For debugging only.'}
        </p>
      </div>
    </fieldset>
  );
}

/** Last will: topic, payload and its format, QoS, retain; MQTT 5 will properties on 5.0. */
export function WillSection({ value, errors, update }: SectionProps) {
  const will = value.will;
  const set = (patch: Partial<ProfileValue['will']>) => update({ will: { ...will, ...patch } });
  const v5 = value.mqttVersion === '5.0';
  return (
    <fieldset className="form-section" aria-label="Last will">
      <legend>Last will</legend>
      <CheckboxField label="Send a last will" checked={will.enabled} onChange={(enabled) => set({ enabled })} />
      {will.enabled ? (
        <div className="form-grid">
          <TextField label="Will topic" value={will.topic} error={errors['will.topic']} onChange={(topic) => set({ topic })} />
          <SelectField
            label="Will payload format"
            value={will.payloadFormat}
            options={(['text', 'json', 'hex', 'base64'] as const).map((f) => ({ value: f, label: f }))}
            onChange={(payloadFormat) => set({ payloadFormat })}
          />
          <TextField label="Will payload" value={will.payload} error={errors['will.payload']} onChange={(payload) => set({ payload })} />
          <SelectField label="Will QoS" value={will.qos} options={QOS_OPTIONS} error={errors['will.qos']} onChange={(qos) => set({ qos })} />
          <CheckboxField label="Will retain" checked={will.retain} onChange={(retain) => set({ retain })} />
          {v5 ? (
            <>
              <NumberField label="Will delay (s)" optional value={will.delayInterval} error={errors['will.delayInterval']} onChange={(delayInterval) => set({ delayInterval })} />
              <NumberField
                label="Will message expiry (s)"
                optional
                value={will.messageExpiryInterval}
                error={errors['will.messageExpiryInterval']}
                onChange={(messageExpiryInterval) => set({ messageExpiryInterval })}
              />
              <TextField label="Will content type" value={will.contentType} onChange={(contentType) => set({ contentType })} />
              <TextField label="Will response topic" value={will.responseTopic} error={errors['will.responseTopic']} onChange={(responseTopic) => set({ responseTopic })} />
              <TextField label="Will correlation data" value={will.correlationData} onChange={(correlationData) => set({ correlationData })} />
              <KeyValueList label="Will user property" value={will.userProperties} errorFor={rowError(errors, 'will.userProperties')} onChange={(userProperties) => set({ userProperties })} />
            </>
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}

/** MQTT 5 CONNECT properties. */
export function Mqtt5Section({ value, errors, update }: SectionProps) {
  const m = value.mqtt5;
  const set = (patch: Partial<ProfileValue['mqtt5']>) => update({ mqtt5: { ...m, ...patch } });
  return (
    <fieldset className="form-section" aria-label="MQTT 5">
      <legend>MQTT 5</legend>
      <div className="form-grid">
        <NumberField label="Session expiry (s)" optional value={m.sessionExpiryInterval} error={errors['mqtt5.sessionExpiryInterval']} onChange={(sessionExpiryInterval) => set({ sessionExpiryInterval })} />
        <NumberField label="Receive maximum" optional value={m.receiveMaximum} error={errors['mqtt5.receiveMaximum']} onChange={(receiveMaximum) => set({ receiveMaximum })} />
        <NumberField label="Maximum packet size" optional value={m.maximumPacketSize} error={errors['mqtt5.maximumPacketSize']} onChange={(maximumPacketSize) => set({ maximumPacketSize })} />
        <NumberField label="Topic alias maximum" optional value={m.topicAliasMaximum} error={errors['mqtt5.topicAliasMaximum']} onChange={(topicAliasMaximum) => set({ topicAliasMaximum })} />
        <CheckboxField label="Request response information" checked={m.requestResponseInformation} onChange={(requestResponseInformation) => set({ requestResponseInformation })} />
        <CheckboxField label="Request problem information" checked={m.requestProblemInformation} onChange={(requestProblemInformation) => set({ requestProblemInformation })} />
      </div>
      <KeyValueList label="User property" value={m.userProperties} errorFor={rowError(errors, 'mqtt5.userProperties')} onChange={(userProperties) => set({ userProperties })} />
    </fieldset>
  );
}

/** Timeouts and reconnection. */
export function AdvancedSection({ value, errors, update }: SectionProps) {
  return (
    <fieldset className="form-section" aria-label="Advanced">
      <legend>Advanced</legend>
      <div className="form-grid">
        <NumberField label="Connect timeout (ms)" value={value.connectTimeout} error={errors.connectTimeout} onChange={(connectTimeout) => update({ connectTimeout: connectTimeout ?? Number.NaN })} />
        <CheckboxField label="Auto reconnect" checked={value.autoReconnect} onChange={(autoReconnect) => update({ autoReconnect })} />
        {value.autoReconnect ? (
          <NumberField label="Reconnect period (ms)" value={value.reconnectPeriod} error={errors.reconnectPeriod} onChange={(reconnectPeriod) => update({ reconnectPeriod: reconnectPeriod ?? Number.NaN })} />
        ) : null}
      </div>
    </fieldset>
  );
}
