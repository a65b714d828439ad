import { BROKER_CHARTS, brokerStatsSeries } from '../store/broker-stats-series';
import { TimeChart } from './time-chart';

/** Line colors: received, then sent (the same in light and dark themes). */
const COLORS = ['#2f7ed8', '#e8743b'];

/**
 * The local broker's `$SYS` figures as charts: clients connected, and messages and bytes
 * per second in each direction, over the last ten minutes. `revision` changes with each
 * sample (the broker panel polls the sidecar).
 */
export function BrokerCharts({ revision }: { revision: number }) {
  const series = brokerStatsSeries.get();
  if (series.times.length < 2) return <p className="empty">Charts appear after a few seconds of broker traffic.</p>;
  return (
    <div className="broker-charts">
      {BROKER_CHARTS.map((chart) => {
        const latest = chart.lines.map((line) => `${series[line.column].at(-1) ?? 0} ${line.label}`).join(', ');
        return (
          <figure key={chart.title} className="broker-chart">
            <figcaption>
              {chart.title} <span className="muted">({chart.lines.map((l) => l.sysTopic).join(', ')})</span>
            </figcaption>
            <TimeChart
              label={`${chart.title}: ${latest} ${chart.unit}`}
              lines={chart.lines.map((line, i) => ({ label: line.label, color: COLORS[i % COLORS.length]! }))}
              data={[series.times, ...chart.lines.map((line) => series[line.column])]}
              time
              revision={revision}
              height={140}
            />
          </figure>
        );
      })}
    </div>
  );
}
