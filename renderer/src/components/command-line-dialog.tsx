import { useState, type FormEvent } from 'react';
import { showToast } from '../store/app-store';
import { profileFromCommandLine } from '../store/profile-actions';

/**
 * "Import" → "From command line": a pasted mosquitto_pub / mosquitto_sub line becomes a new
 * profile in the editor (and its subscriptions for sub). A line that does not read keeps
 * the dialog open with the reason, naming the flag.
 */
export function CommandLineDialog({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const result = profileFromCommandLine(text);
    if ('reason' in result) return setProblem(result.reason);
    for (const warning of result.warnings) showToast(warning, 'info');
    onClose();
  };
  return (
    <div className="dialog-backdrop">
      <form role="dialog" aria-modal="true" aria-label="Import from command line" className="dialog" onSubmit={onSubmit}>
        <h3>Import from command line</h3>
        <label className="field">
          <span>Command line</span>
          <textarea
            value={text}
            rows={4}
            placeholder="mosquitto_sub -h broker.example.com -p 8883 --cafile ca.pem -u me -t 'sensors/#'"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'command-line-problem' : undefined}
            onChange={(e) => {
              setText(e.target.value);
              setProblem(undefined);
            }}
          />
        </label>
        {problem ? (
          <p id="command-line-problem" className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={!text.trim()}>
            Import
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
