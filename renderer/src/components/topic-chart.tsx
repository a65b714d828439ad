import type uPlot from 'uplot';
import { subscriptionColor } from '../store/message-filter';
import type { SeriesRing } from '../store/topic-series';
import { TimeChart } from './time-chart';

/** A time chart of a topic's numeric values (uPlot), one line per series. */
export function TopicChart({ topic, series, revision }: { topic: string; series: ReadonlyMap<string, SeriesRing> | undefined; revision: number }) {
  const names = [...(series?.keys() ?? [])];
  if (!series || names.length === 0) return <p className="empty">No numeric values on this topic to chart.</p>;
  const points = new Map(names.map((name) => [name, series.get(name)!.toArrays()]));
  const distinct = distinctTimes(points);
  return (
    <TimeChart
      label={`Chart of ${names.join(', ')} on ${topic.length > 200 ? `${topic.slice(0, 200)}…` : topic}`}
      lines={names.map((name) => ({ label: name, color: subscriptionColor(name) }))}
      data={data(points, names, distinct)}
      time={distinct}
      revision={revision}
    />
  );
}

type Points = Map<string, { times: number[]; values: number[] }>;

/**
 * Whether every point has its own timestamp. Messages that arrive in one burst share a
 * millisecond; then the x axis counts messages instead of pretending they are apart.
 */
function distinctTimes(points: Points): boolean {
  return [...points.values()].every(({ times }) => new Set(times).size === times.length);
}

/** uPlot's aligned data: one x axis (time, or message number), one array per series. */
function data(points: Points, names: string[], distinct: boolean): uPlot.AlignedData {
  if (!distinct) {
    const longest = Math.max(...names.map((n) => points.get(n)!.values.length));
    const xs = Array.from({ length: longest }, (_, i) => i + 1);
    return [
      xs,
      ...names.map((n) => {
        const values = points.get(n)!.values;
        return xs.map((_, i) => values[i - (longest - values.length)] ?? null);
      }),
    ];
  }
  const times = [...new Set(names.flatMap((n) => points.get(n)!.times))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = names.map((n) => {
    const column: (number | null)[] = new Array(times.length).fill(null);
    const s = points.get(n)!;
    s.times.forEach((t, i) => (column[index.get(t)!] = s.values[i]!));
    return column;
  });
  return [times, ...columns];
}
