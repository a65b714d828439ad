import type uPlot from 'uplot';
import { subscriptionColor } from '../store/message-filter';
import type { TopicNode } from '../store/topic-tree';
import { TimeChart } from './time-chart';

/** A time chart of a topic's numeric values (uPlot), one line per series. */
export function TopicChart({ node, revision }: { node: TopicNode; revision: number }) {
  const names = [...node.series.keys()];
  if (names.length === 0) return <p className="empty">No numeric values on this topic to chart.</p>;
  return (
    <TimeChart
      label={`Chart of ${names.join(', ')} on ${node.topic}`}
      lines={names.map((name) => ({ label: name, color: subscriptionColor(name) }))}
      data={data(node, names)}
      time={distinctTimes(node, names)}
      revision={revision}
    />
  );
}

/**
 * Whether every point has its own timestamp. Messages that arrive in one burst share a
 * millisecond; then the x axis counts messages instead of pretending they are apart.
 */
function distinctTimes(node: TopicNode, names: string[]): boolean {
  return names.every((n) => {
    const times = node.series.get(n)!.times;
    return new Set(times).size === times.length;
  });
}

/** uPlot's aligned data: one x axis (time, or message number), one array per series. */
function data(node: TopicNode, names: string[]): uPlot.AlignedData {
  if (!distinctTimes(node, names)) {
    const longest = Math.max(...names.map((n) => node.series.get(n)!.values.length));
    const xs = Array.from({ length: longest }, (_, i) => i + 1);
    return [xs, ...names.map((n) => {
      const values = node.series.get(n)!.values;
      return xs.map((_, i) => values[i - (longest - values.length)] ?? null);
    })];
  }
  const times = [...new Set(names.flatMap((n) => node.series.get(n)!.times))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = names.map((n) => {
    const column: (number | null)[] = new Array(times.length).fill(null);
    const s = node.series.get(n)!;
    s.times.forEach((t, i) => (column[index.get(t)!] = s.values[i]!));
    return column;
  });
  return [times, ...columns];
}
