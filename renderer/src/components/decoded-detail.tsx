import type { DecodedPayload } from '../../../shared/decoded';
import { decodedJson, metricLine } from '../../../shared/decoded';
import { decodeErrorText } from '../../../shared/decode-error';

/** Marks on a message row: what it decoded as, and whether something is wrong with it. */
export function DecodedBadges({ decoded }: { decoded: DecodedPayload }) {
  return (
    <>
      <span className="badge" title={`Decoded as ${decoded.type}`}>
        {decoded.kind === 'sparkplug' ? decoded.type.replace('Sparkplug B ', 'spB ') : decoded.kind}
      </span>
      {decoded.error ? <span className="badge badge-error">not decoded</span> : null}
      {decoded.validation ? (
        <span className={decoded.validation.valid ? 'badge badge-on' : 'badge badge-error'} title={decoded.validation.valid ? undefined : `${decoded.validation.path || '/'} ${decoded.validation.message ?? ''}`}>
          {decoded.validation.valid ? 'valid' : 'invalid'}
        </span>
      ) : null}
      {decoded.warnings?.length ? (
        <span className="badge badge-error" title={decoded.warnings.join('\n')}>
          {decoded.warnings.length === 1 ? decoded.warnings[0] : `${decoded.warnings.length} problems`}
        </span>
      ) : null}
    </>
  );
}

/**
 * A decoded payload in the message detail, headed "Decoded as <type>": Sparkplug metrics as
 * `name = value` lines, other values as JSON, the JSON Schema verdict with the failing path,
 * Sparkplug problems, or the decoder's error with its byte offset.
 */
export function DecodedSection({ decoded }: { decoded: DecodedPayload }) {
  const heading = `Decoded as ${decoded.type}`;
  const info = decoded.sparkplug;
  return (
    <section className="decoded" aria-label={heading}>
      <h4>{heading}</h4>
      {decoded.error ? (
        <p className="field-error" role="alert">
          {decodeErrorText(decoded.error)}
        </p>
      ) : null}
      {decoded.warnings?.map((warning) => (
        <p key={warning} className="field-error" role="alert">
          {warning}
        </p>
      ))}
      {decoded.validation ? (
        <p className={decoded.validation.valid ? 'valid-mark' : 'field-error'} role="status" aria-label="Schema validation">
          {decoded.validation.valid ? 'Valid against the schema' : `Invalid at ${decoded.validation.path || '/'}: ${decoded.validation.message ?? ''}`}
        </p>
      ) : null}
      {info && info.messageType !== 'STATE' ? (
        <>
          <div className="muted">
            {[info.group, info.edgeNode, info.device].filter(Boolean).join(' / ')}
            {info.seq !== undefined ? ` · seq ${info.seq}` : ''}
            {info.bdSeq !== undefined ? ` · bdSeq ${info.bdSeq}` : ''}
            {info.timestamp !== undefined ? ` · ${new Date(info.timestamp).toISOString()}` : ''}
          </div>
          <ul className="metric-lines" aria-label="Metrics">
            {info.metrics.map((metric, i) => (
              <li key={i} title={`${metric.datatype}${metric.alias !== undefined ? `, alias ${metric.alias}` : ''}`}>
                {metricLine(metric)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {decoded.partial ? <p className="muted">Loading the decoded value…</p> : null}
      {!decoded.error && !decoded.partial ? (
        <details open={!info}>
          <summary>{info ? 'Payload as JSON' : 'Value'}</summary>
          <pre className="payload-view payload-json" aria-label="Decoded value">
            {decodedJson(decoded)}
          </pre>
        </details>
      ) : null}
    </section>
  );
}
