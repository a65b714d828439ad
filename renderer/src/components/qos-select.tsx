import { Field } from './field';

/** A "QoS" select (0, 1, 2). */
export function QosSelect({ value, onChange }: { value: 0 | 1 | 2; onChange: (qos: 0 | 1 | 2) => void }) {
  return (
    <Field label="QoS">
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(Number(e.target.value) as 0 | 1 | 2)}>
          <option value={0}>0</option>
          <option value={1}>1</option>
          <option value={2}>2</option>
        </select>
      )}
    </Field>
  );
}
