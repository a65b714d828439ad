import { Field } from './field';

/** A labelled text input bound to a string. */
export function TextField(props: { label: string; value: string; error?: string | undefined; onChange: (value: string) => void; type?: string; placeholder?: string }) {
  return (
    <Field label={props.label} error={props.error}>
      {(p) => (
        <input
          {...p}
          type={props.type ?? 'text'}
          autoComplete="off"
          placeholder={props.placeholder}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/**
 * A labelled whole-number input. Empty means "not set" (undefined) where `optional`,
 * anything unparseable is passed as NaN so the schema reports it next to the field.
 */
export function NumberField(props: { label: string; value: number | undefined; error?: string | undefined; optional?: boolean; onChange: (value: number | undefined) => void; placeholder?: string }) {
  return (
    <Field label={props.label} error={props.error}>
      {(p) => (
        <input
          {...p}
          inputMode="numeric"
          placeholder={props.placeholder ?? (props.optional ? 'not set' : undefined)}
          value={props.value === undefined || Number.isNaN(props.value) ? '' : String(props.value)}
          onChange={(e) => {
            const text = e.target.value.trim();
            props.onChange(text === '' ? (props.optional ? undefined : Number.NaN) : Number(text));
          }}
        />
      )}
    </Field>
  );
}

/** A checkbox with its label to the right. */
export function CheckboxField(props: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} />
      {props.label}
    </label>
  );
}

/** A labelled select over fixed options. */
export function SelectField<T extends string | number>(props: { label: string; value: T; options: ReadonlyArray<{ value: T; label: string }>; error?: string | undefined; onChange: (value: T) => void }) {
  return (
    <Field label={props.label} error={props.error}>
      {(p) => (
        <select
          {...p}
          value={String(props.value)}
          onChange={(e) => {
            const option = props.options.find((o) => String(o.value) === e.target.value);
            if (option) props.onChange(option.value);
          }}
        >
          {props.options.map((o) => (
            <option key={String(o.value)} value={String(o.value)}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Ordered key/value rows (MQTT 5 user properties), with add and remove. */
export function KeyValueList(props: { label: string; value: ReadonlyArray<{ key: string; value: string }>; errorFor: (index: number) => string | undefined; onChange: (value: Array<{ key: string; value: string }>) => void }) {
  const rows = props.value;
  const set = (index: number, patch: Partial<{ key: string; value: string }>) => props.onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset className="key-value-list">
      <legend>{props.label}</legend>
      {rows.map((row, index) => (
        <div className="key-value-row" key={index}>
          <TextField label={`${props.label} ${index + 1} name`} value={row.key} error={props.errorFor(index)} onChange={(key) => set(index, { key })} />
          <TextField label={`${props.label} ${index + 1} value`} value={row.value} onChange={(value) => set(index, { value })} />
          <button type="button" aria-label={`Remove ${props.label.toLowerCase()} ${index + 1}`} onClick={() => props.onChange(rows.filter((_, i) => i !== index))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => props.onChange([...rows, { key: '', value: '' }])}>
        Add {props.label.toLowerCase()}
      </button>
    </fieldset>
  );
}

/** QoS options for selects. */
export const QOS_OPTIONS = [
  { value: 0, label: '0' },
  { value: 1, label: '1' },
  { value: 2, label: '2' },
] as const;
