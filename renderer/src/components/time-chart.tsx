import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Props of TimeChart. */
export interface TimeChartProps {
  /** The chart's accessible name. */
  label: string;
  /** One entry per line: its legend label and color. */
  lines: Array<{ label: string; color: string }>;
  /** uPlot's aligned data: the x column, then one column per line. */
  data: uPlot.AlignedData;
  /** Whether x is epoch seconds (a time axis) or a plain count. */
  time: boolean;
  /** Changes when `data` has new points; the plot is updated in place, not rebuilt. */
  revision: number;
  /** Label of the x axis in the legend. */
  xLabel?: string;
  height?: number;
}

/** A line chart (uPlot), rebuilt only when its lines or axis kind change. */
export function TimeChart({ label, lines, data, time, revision, xLabel, height = 220 }: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>(undefined);
  const key = `${lines.map((l) => `${l.label}:${l.color}`).join(',')}|${time}`;

  useEffect(() => {
    if (!host.current) return;
    plot.current = new uPlot(
      {
        width: host.current.clientWidth || 600,
        height,
        series: [{ label: xLabel ?? (time ? 'Time' : 'Message') }, ...lines.map((line) => ({ label: line.label, stroke: line.color, width: 1.5 }))],
        axes: [{}, {}],
        scales: { x: { time } },
      },
      data,
      host.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = undefined;
    };
    // New points go through setData below; only a different set of lines rebuilds the plot.
  }, [key, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [revision, key, label]);

  return <div ref={host} className="time-chart" role="img" aria-label={label} />;
}
