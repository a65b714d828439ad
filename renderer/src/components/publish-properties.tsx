import type { MessageProperties } from '../../../shared/contract';
import { utf8Encode } from '../../../shared/utf8';
import { CheckboxField, KeyValueList, NumberField, TextField } from './form-controls';

/** The MQTT 5 publish properties as the form edits them (text, before encoding). */
export interface PropertiesDraft {
  contentType: string;
  responseTopic: string;
  correlationData: string;
  messageExpiryInterval: number | undefined;
  topicAlias: number | undefined;
  payloadFormatIndicator: boolean;
  userProperties: Array<{ key: string; value: string }>;
}

/** Nothing set. */
export const EMPTY_PROPERTIES: PropertiesDraft = {
  contentType: '',
  responseTopic: '',
  correlationData: '',
  messageExpiryInterval: undefined,
  topicAlias: undefined,
  payloadFormatIndicator: false,
  userProperties: [],
};

/** The contract's properties for a draft; undefined when nothing is set. */
export function toMessageProperties(draft: PropertiesDraft): MessageProperties | undefined {
  const out: MessageProperties = {};
  if (draft.contentType) out.contentType = draft.contentType;
  if (draft.responseTopic) out.responseTopic = draft.responseTopic;
  if (draft.correlationData) out.correlationData = utf8Encode(draft.correlationData);
  if (draft.messageExpiryInterval !== undefined && !Number.isNaN(draft.messageExpiryInterval)) out.messageExpiryInterval = draft.messageExpiryInterval;
  if (draft.topicAlias !== undefined && !Number.isNaN(draft.topicAlias)) out.topicAlias = draft.topicAlias;
  if (draft.payloadFormatIndicator) out.payloadFormatIndicator = true;
  const user = draft.userProperties.filter((p) => p.key);
  if (user.length) out.userProperties = user;
  return Object.keys(out).length ? out : undefined;
}

/** The MQTT 5 section of the publish panel. */
export function PublishProperties({ value, onChange, errors }: { value: PropertiesDraft; onChange: (value: PropertiesDraft) => void; errors: Record<string, string> }) {
  const set = (patch: Partial<PropertiesDraft>) => onChange({ ...value, ...patch });
  return (
    <details className="publish-properties">
      <summary>MQTT 5 properties</summary>
      <div className="form-grid">
        <TextField label="Content type" value={value.contentType} onChange={(contentType) => set({ contentType })} />
        <TextField label="Response topic" value={value.responseTopic} error={errors.responseTopic} onChange={(responseTopic) => set({ responseTopic })} />
        <TextField label="Correlation data" value={value.correlationData} onChange={(correlationData) => set({ correlationData })} />
        <NumberField label="Message expiry (s)" optional value={value.messageExpiryInterval} error={errors['properties.messageExpiryInterval']} onChange={(messageExpiryInterval) => set({ messageExpiryInterval })} />
        <NumberField label="Topic alias" optional value={value.topicAlias} error={errors['properties.topicAlias']} onChange={(topicAlias) => set({ topicAlias })} />
        <CheckboxField label="Payload is UTF-8" checked={value.payloadFormatIndicator} onChange={(payloadFormatIndicator) => set({ payloadFormatIndicator })} />
      </div>
      <KeyValueList label="Message user property" value={value.userProperties} errorFor={() => undefined} onChange={(userProperties) => set({ userProperties })} />
    </details>
  );
}
