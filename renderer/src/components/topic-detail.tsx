import { memo } from 'react';
import { deleteRetained } from '../store/connection-actions';
import { messagePreview } from '../store/decoded-view';
import { logFor } from '../store/message-log';
import { NODE_FLAG, type TopicIndex } from '../store/topic-index';
import { TopicChart } from './topic-chart';

/** Lines of history shown for the selected topic. */
const HISTORY_LINES = 50;

/**
 * The selected topic: its count, a chart of its numbers and its newest messages. Re-renders
 * when its node changes (`stamp`), not on every frame.
 */
export const TopicDetail = memo(function TopicDetail({ connectionId, index, id, connected }: { connectionId: string; index: TopicIndex; id: number; stamp: number; connected: boolean }) {
  const topic = index.topics[id]!;
  const log = logFor(connectionId).buffer;
  const history: string[] = [];
  // Compared by the log's topic ids: a record is made only for the lines shown.
  const topicId = log.topicId(topic);
  for (let i = log.length - 1; topicId >= 0 && i >= 0 && history.length < HISTORY_LINES; i--) {
    if (log.topicIdAt(i) !== topicId || log.directionAt(i) !== 'in') continue;
    const m = log.read(i)!;
    history.push(`${new Date(m.time).toLocaleTimeString()}  ${messagePreview(m, 200)}`);
  }
  return (
    <section className="topic-detail" aria-label="Topic detail">
      <div className="detail-header">
        <strong className="topic">{topic}</strong>
        <span className="muted">{index.count[id]} messages</span>
        {index.flags[id]! & NODE_FLAG.retained ? (
          <button type="button" disabled={!connected} onClick={() => void deleteRetained(connectionId, topic)}>
            Delete retained
          </button>
        ) : null}
      </div>
      <TopicChart topic={topic} series={index.series[id]} revision={index.stamp[id]!} />
      <ol className="topic-history" aria-label="Topic history">
        {history.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ol>
    </section>
  );
});
