import { useState, type FormEvent } from 'react';
import { saveToCollection, useCollections, type RequestDraft } from '../store/collections';
import { Field } from './field';

/**
 * "Save to collection": names the request and picks a collection (an existing one from the
 * list, or a new name). What the backend refuses stays in the dialog next to its field.
 */
export function SaveToCollectionDialog({ request, onClose }: { request: Omit<RequestDraft, 'name' | 'delayMs'>; onClose: () => void }) {
  const collections = useCollections((s) => s.collections);
  const [collectionName, setCollectionName] = useState(collections[0]?.name ?? '');
  const [name, setName] = useState(request.topic);
  const [delayMs, setDelayMs] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!collectionName.trim()) found.collection = 'Collection name is required';
    if (!name.trim()) found.name = 'Request name is required';
    if (!Number.isInteger(delayMs) || delayMs < 0) found.delay = 'Delay must be a whole number of milliseconds, 0 or more';
    if (Object.keys(found).length) return setErrors(found);
    const refused = await saveToCollection(collectionName, { ...request, name: name.trim(), delayMs });
    if (!refused) return onClose();
    // The backend names fields of the whole collection: `name`, `requests.2.topic`, …
    const mapped: Record<string, string> = {};
    for (const [field, message] of Object.entries(refused)) {
      if (field === 'name') mapped.collection = message;
      else if (/^requests\.\d+\.name$/.test(field)) mapped.name = message;
      else if (/^requests\.\d+\.delayMs$/.test(field)) mapped.delay = message;
      else mapped._ = field === '_' ? message : `${field.replace(/^requests\.\d+\./, '')}: ${message}`;
    }
    setErrors(mapped);
  };
  return (
    <div className="dialog-backdrop">
      <form role="dialog" aria-modal="true" aria-label="Save to collection" className="dialog" onSubmit={(e) => void onSubmit(e)}>
        <h3>Save to collection</h3>
        <Field label="Collection" error={errors.collection}>
          {(p) => <input {...p} list="collection-names" value={collectionName} placeholder="New or existing collection" onChange={(e) => setCollectionName(e.target.value)} />}
        </Field>
        <datalist id="collection-names">
          {collections.map((c) => (
            <option key={c.id} value={c.name} />
          ))}
        </datalist>
        <Field label="Request name" error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Delay before it in a run (ms)" error={errors.delay}>
          {(p) => <input {...p} inputMode="numeric" value={delayMs} onChange={(e) => setDelayMs(Number(e.target.value))} />}
        </Field>
        {errors._ ? (
          <p className="field-error" role="alert">
            {errors._}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="primary">
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
