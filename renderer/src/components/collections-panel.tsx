import { useEffect, useRef, useState } from 'react';
import type { Collection, CollectionRequest } from '../../../shared/collections';
import { CollectionVariablesDialog } from './collection-variables-dialog';
import { deleteCollection, deleteRequest, exportCollections, importCollections, loadCollections, runRequests, useCollections } from '../store/collections';

/**
 * The "Collections" region of the publish panel: every saved collection with its requests,
 * a "Send <name>" button per request, "Run collection" (all in order, each after its delay),
 * the environment whose variables expand them, import/export and delete. What stops a send
 * (a variable with no value, no connection) is shown next to the control; nothing is sent.
 */
export function CollectionsPanel({ connectionId, connected }: { connectionId: string; connected: boolean }) {
  const collections = useCollections((s) => s.collections);
  const [importError, setImportError] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);
  useEffect(() => void loadCollections(), []);
  return (
    <section className="collections" aria-label="Collections">
      <div className="collections-header">
        <h4>Collections</h4>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import collections
        </button>
        <button type="button" onClick={() => void exportCollections()} disabled={collections.length === 0}>
          Export collections
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          aria-label="Import collections file"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void file.text().then(importCollections).then(setImportError);
          }}
        />
      </div>
      {importError ? (
        <p className="field-error" role="alert">
          {importError}
        </p>
      ) : null}
      {collections.length === 0 ? <p className="muted">No collections yet: “Save to collection” keeps the publish above.</p> : null}
      {collections.map((collection) => (
        <CollectionItem key={collection.id} collection={collection} connectionId={connectionId} connected={connected} />
      ))}
    </section>
  );
}

/** One collection: its environment, run and delete controls, and its requests. */
function CollectionItem({ collection, connectionId, connected }: { collection: Collection; connectionId: string; connected: boolean }) {
  const [environment, setEnvironment] = useState('');
  const [running, setRunning] = useState<string>();
  /** Where the last problem belongs: a request's id or "run", and the message. */
  const [problem, setProblem] = useState<{ at: string; message: string }>();
  const [editing, setEditing] = useState(false);
  const stop = useRef(false);
  const chosen = collection.environments.some((e) => e.name === environment) ? environment : undefined;

  const run = async (at: string, requests: readonly CollectionRequest[], delays: boolean) => {
    setProblem(undefined);
    stop.current = false;
    setRunning(at);
    const reason = await runRequests(collection, requests, {
      connectionId,
      connected,
      environment: chosen,
      delays,
      cancelled: () => stop.current,
    });
    setRunning(undefined);
    if (reason) setProblem({ at, message: reason });
  };
  const alert = (at: string) =>
    problem?.at === at ? (
      <div className="field-error" role="alert">
        {problem.message}
      </div>
    ) : null;

  return (
    <div role="group" aria-label={collection.name} className="collection">
      <div className="collection-header">
        <strong>{collection.name}</strong>
        <label>
          Environment{' '}
          <select aria-label={`Environment of ${collection.name}`} value={chosen ?? ''} onChange={(e) => setEnvironment(e.target.value)}>
            <option value="">(defaults)</option>
            {collection.environments.map((env) => (
              <option key={env.name} value={env.name}>
                {env.name}
              </option>
            ))}
          </select>
        </label>
        {running === 'run' ? (
          <button type="button" onClick={() => (stop.current = true)}>
            Stop run
          </button>
        ) : (
          <button type="button" disabled={running !== undefined || collection.requests.length === 0} onClick={() => void run('run', collection.requests, true)}>
            Run collection
          </button>
        )}
        <button type="button" aria-haspopup="dialog" onClick={() => setEditing(true)}>
          Variables
        </button>
        <button
          type="button"
          aria-label={`Delete collection ${collection.name}`}
          onClick={() => {
            if (window.confirm(`Delete the collection "${collection.name}"?`)) void deleteCollection(collection.id);
          }}
        >
          Delete
        </button>
      </div>
      {alert('run')}
      <ul className="collection-requests">
        {collection.requests.map((request) => (
          <li key={request.id}>
            <button type="button" disabled={running !== undefined} onClick={() => void run(request.id, [request], false)}>
              Send {request.name}
            </button>{' '}
            <span className="muted">
              {request.topic}
              {request.delayMs ? ` · after ${request.delayMs} ms` : ''}
            </span>{' '}
            <button type="button" className="link-button" aria-label={`Delete ${request.name}`} onClick={() => void deleteRequest(collection, request.id)}>
              ×
            </button>
            {alert(request.id)}
          </li>
        ))}
      </ul>
      {editing ? <CollectionVariablesDialog collection={collection} onClose={() => setEditing(false)} /> : null}
    </div>
  );
}
