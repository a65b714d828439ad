import { useEffect, useState } from 'react';
import { DeskError } from '../../../shared/errors';
import type { Profile } from '../../../shared/profile';
import { schemaKindOf, type SchemaMapping } from '../../../shared/schema-mapping';
import { checkTopicFilter } from '../../../shared/topic';
import { describeError, showToast, useAppStore } from '../store/app-store';
import { backend } from '../store/backend-api';
import { Field } from './field';

/** Schema files as read from the file input, the main file first. */
type Files = SchemaMapping['files'];

/**
 * The profile's schemas per topic filter: a list, and "Add schema" with a file input
 * ("Schema file", .proto/.avsc/.json, several for imports), "Topic filter" and "Message
 * type". Saved with the profile; the backend compiles the files and refuses what does not
 * parse, with file:line shown next to the file input.
 */
export function SchemasDialog({ profile, onClose }: { profile: Profile; onClose: () => void }) {
  const [adding, setAdding] = useState(false);
  const [files, setFiles] = useState<Files>([]);
  const [topicFilter, setTopicFilter] = useState('');
  const [messageType, setMessageType] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const kind = files[0] ? schemaKindOf(files[0].name) : undefined;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const store = async (schemas: SchemaMapping[]): Promise<Record<string, string> | undefined> => {
    try {
      const saved = await backend().call('profiles.save', { profile: { ...profile, schemas } });
      useAppStore.setState((s) => ({ profiles: s.profiles.map((p) => (p.id === saved.id ? saved : p)) }));
      return undefined;
    } catch (error) {
      if (error instanceof DeskError && error.fields) return error.fields;
      showToast(describeError(error));
      return { _: describeError(error) };
    }
  };

  const save = async () => {
    const found: Record<string, string> = {};
    if (files.length === 0) found.files = 'Choose a schema file';
    else if (!kind) found.files = 'A schema file is a .proto (protobuf), .avsc (Avro) or .json (JSON Schema) file';
    const filter = checkTopicFilter(topicFilter);
    if (!filter.ok) found.topicFilter = filter.reason;
    if (kind === 'protobuf' && messageType.trim() === '') found.messageType = 'A protobuf schema needs the message type to decode, e.g. sensors.Reading';
    if (Object.keys(found).length > 0 || !kind) return setErrors(found);
    const index = profile.schemas.length;
    const mapping: SchemaMapping = { id: crypto.randomUUID(), kind, topicFilter, messageType: kind === 'json-schema' ? '' : messageType.trim(), files };
    const refused = await store([...profile.schemas, mapping]);
    if (!refused) {
      setAdding(false);
      setFiles([]);
      setTopicFilter('');
      setMessageType('');
      setErrors({});
      return;
    }
    // Field messages for this mapping come back as schemas.N.<field>.
    const prefix = `schemas.${index}.`;
    setErrors(Object.fromEntries(Object.entries(refused).map(([key, message]) => [key.startsWith(prefix) ? key.slice(prefix.length) : '_', message])));
  };

  return (
    <div className="dialog-backdrop">
      <div role="dialog" aria-modal="true" aria-label="Schemas" className="dialog">
        <div className="detail-header">
          <h3>Schemas</h3>
          <span className="muted">Messages on a matching topic are decoded with the first schema whose filter matches.</span>
        </div>
        {profile.schemas.length === 0 ? (
          <p className="empty">No schemas yet. Sparkplug B (spBv1.0/…) is decoded without one.</p>
        ) : (
          <table className="properties-table" aria-label="Schemas of this connection">
            <tbody>
              {profile.schemas.map((schema) => (
                <tr key={schema.id}>
                  <th scope="row">{schema.topicFilter}</th>
                  <td>{schema.kind}</td>
                  <td>{schema.messageType || schema.files[0]?.name}</td>
                  <td className="muted">{schema.files.map((f) => f.name).join(', ')}</td>
                  <td>
                    <button type="button" aria-label={`Remove schema for ${schema.topicFilter}`} onClick={() => void store(profile.schemas.filter((s) => s.id !== schema.id))}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {adding ? (
          <form
            className="schema-form"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <Field label="Schema file" error={errors.files}>
              {(p) => (
                <input
                  {...p}
                  type="file"
                  multiple
                  accept=".proto,.avsc,.json"
                  onChange={(e) => {
                    const chosen = [...(e.target.files ?? [])];
                    void Promise.all(chosen.map(async (file) => ({ name: file.name, text: await file.text() }))).then(setFiles);
                  }}
                />
              )}
            </Field>
            {files.length > 1 ? <div className="muted">Main file {files[0]!.name}; imports from {files.slice(1).map((f) => f.name).join(', ')}</div> : null}
            <Field label="Topic filter" error={errors.topicFilter}>
              {(p) => <input {...p} value={topicFilter} placeholder="sensors/+/reading" onChange={(e) => setTopicFilter(e.target.value)} />}
            </Field>
            {kind !== 'json-schema' ? (
              <Field label="Message type" error={errors.messageType}>
                {(p) => <input {...p} value={messageType} placeholder={kind === 'avro' ? 'optional: a named type' : 'sensors.Reading'} onChange={(e) => setMessageType(e.target.value)} />}
              </Field>
            ) : null}
            {errors._ ? (
              <p className="field-error" role="alert">
                {errors._}
              </p>
            ) : null}
            <div className="publish-actions">
              <button type="submit" className="primary">
                Save schema
              </button>
              <button type="button" onClick={() => setAdding(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
        <div className="publish-actions">
          {!adding ? (
            <button type="button" onClick={() => setAdding(true)}>
              Add schema
            </button>
          ) : null}
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
