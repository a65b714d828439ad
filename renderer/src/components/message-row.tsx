import { memo } from 'react';
import type { MessageRecord } from '../../../shared/contract';
import { messagePreview } from '../store/decoded-view';
import { cutForDisplay } from './cut-text';
import { DecodedBadges } from './decoded-detail';

/** Height of one message row in pixels (the list is virtualized by this). */
export const MESSAGE_ROW_HEIGHT = 56;

/** One message of the list. Memoized: a row is drawn again only when it moves or is selected. */
export const MessageRow = memo(function MessageRow({
  message,
  color,
  top,
  selected,
  onSelect,
}: {
  message: MessageRecord;
  color: string | undefined;
  top: number;
  selected: boolean;
  onSelect: (seq: number) => void;
}) {
  const preview = messagePreview(message);
  const topic = cutForDisplay(message.topic);
  return (
    <div
      role="listitem"
      tabIndex={-1}
      aria-current={selected ? 'true' : undefined}
      onClick={() => onSelect(message.seq)}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect(message.seq)}
      className={`message-row message-${message.direction}${selected ? ' selected' : ''}`}
      style={{ position: 'absolute', top, left: 0, right: 0, height: MESSAGE_ROW_HEIGHT, ...(color ? { borderLeftColor: color } : {}) }}
      data-topic={topic.shown}
      data-qos={message.qos}
      data-retain={message.retain}
    >
      <div className="message-meta">
        <span className="direction" aria-label={message.direction === 'in' ? 'received' : 'sent'}>
          {message.direction === 'in' ? '↓' : '↑'}
        </span>
        <span className="topic">
          <bdi>{topic.shown}</bdi>
        </span>
        {topic.cut ? (
          <span className="badge badge-cut" title={`This topic has ${topic.cut}`}>
            cut
          </span>
        ) : null}
        <span className="badge">QoS {message.qos}</span>
        <span className={message.retain ? 'badge badge-on' : 'badge badge-off'}>{message.retain ? 'retained' : 'not retained'}</span>
        {message.dup ? <span className="badge">dup</span> : null}
        <time dateTime={new Date(message.time).toISOString()}>{formatTime(message.time)}</time>
        <span className="muted">{message.payloadSize} B</span>
        {message.decoded ? <DecodedBadges decoded={message.decoded} /> : null}
      </div>
      <div className="payload-preview">{preview}</div>
    </div>
  );
});

function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
