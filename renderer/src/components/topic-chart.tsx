import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { subscriptionColor } from '../store/message-filter';
import type { TopicNode } from '../store/topic-tree';

/** A time chart of a topic's numeric values (uPlot), one line per series. */
export function TopicChart({ node, revision }: { node: TopicNode; revision: number }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>(undefined);
  const names = [...node.series.keys()];
  const key = `${node.topic}|${names.join(',')}`;

  const byTime = distinctTimes(node, names);
  useEffect(() => {
    if (!host.current || names.length === 0) return;
    const width = host.current.clientWidth || 600;
    plot.current = new uPlot(
      {
        width,
        height: 220,
        series: [{ label: byTime ? 'Time' : 'Message' }, ...names.map((name) => ({ label: name, stroke: subscriptionColor(name), width: 1.5 }))],
        axes: [{}, {}],
        scales: { x: { time: byTime } },
      },
      data(node, names),
      host.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = undefined;
    };
    // Rebuilt when the topic, its series or its x axis change; new points go through setData.
  }, [key, byTime]);

  useEffect(() => {
    plot.current?.setData(data(node, names));
  }, [revision, key]);

  if (names.length === 0) return <p className="empty">No numeric values on this topic to chart.</p>;
  return <div ref={host} className="topic-chart" role="img" aria-label={`Chart of ${names.join(', ')} on ${node.topic}`} />;
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
