import { useState, type FormEvent } from 'react';
import type { Collection } from '../../../shared/collections';
import { parseVariableLines, saveCollection } from '../store/collections';

/** Variables as the dialog edits them: one `name=value` a line. */
function toLines(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}

/**
 * "Variables" of a collection: the defaults and each environment's values, as `name=value`
 * lines. The collection's schema checks the names; a refusal stays next to its field.
 */
export function CollectionVariablesDialog({ collection, onClose }: { collection: Collection; onClose: () => void }) {
  const [defaults, setDefaults] = useState(toLines(collection.variables));
  const [environments, setEnvironments] = useState(collection.environments.map((env) => ({ name: env.name, lines: toLines(env.values) })));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    const variables = parseVariableLines(defaults);
    if (typeof variables === 'string') found.variables = variables;
    const envs = environments.map((env, i) => {
      const values = parseVariableLines(env.lines);
      if (typeof values === 'string') found[`environments.${i}.values`] = values;
      return { name: env.name, values: typeof values === 'string' ? {} : values };
    });
    if (Object.keys(found).length || typeof variables === 'string') return setErrors(found);
    const refused = await saveCollection({ ...collection, variables, environments: envs });
    if (!refused) return onClose();
    // `variables.x` and `environments.0.values.x` name the variable: show them on its box.
    const mapped: Record<string, string> = {};
    for (const [field, message] of Object.entries(refused)) {
      const key = field.replace(/^(variables|environments\.\d+\.values)\..*$/, '$1');
      mapped[key] = field === key ? message : `${field.slice(key.length + 1)}: ${message}`;
    }
    setErrors(mapped);
  };
  const problem = (key: string) =>
    errors[key] ? (
      <div className="field-error" role="alert">
        {errors[key]}
      </div>
    ) : null;
  return (
    <div className="dialog-backdrop">
      <form role="dialog" aria-modal="true" aria-label={`Variables of ${collection.name}`} className="dialog" onSubmit={(e) => void onSubmit(e)}>
        <h3>Variables of {collection.name}</h3>
        <p className="muted">One name=value a line; requests use them as {'{{name}}'}. An environment's values override the defaults.</p>
        <label className="field">
          <span>Default values</span>
          <textarea rows={3} value={defaults} aria-invalid={errors.variables ? true : undefined} onChange={(e) => setDefaults(e.target.value)} />
        </label>
        {problem('variables')}
        {environments.map((env, i) => (
          <fieldset key={i} className="environment">
            <label className="field">
              <span>Environment {i + 1} name</span>
              <input value={env.name} onChange={(e) => setEnvironments(environments.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
            </label>
            {problem(`environments.${i}.name`)}
            <label className="field">
              <span>Environment {i + 1} values</span>
              <textarea rows={3} value={env.lines} onChange={(e) => setEnvironments(environments.map((x, j) => (j === i ? { ...x, lines: e.target.value } : x)))} />
            </label>
            {problem(`environments.${i}.values`)}
            <button type="button" onClick={() => setEnvironments(environments.filter((_, j) => j !== i))}>
              Remove environment {i + 1}
            </button>
          </fieldset>
        ))}
        <button type="button" onClick={() => setEnvironments([...environments, { name: '', lines: '' }])}>
          Add environment
        </button>
        {problem('_')}
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
