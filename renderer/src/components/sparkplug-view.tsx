import { useState } from 'react';
import { valueText } from '../../../shared/decoded';
import { useAppStore } from '../store/app-store';
import { sparkplugFor, type EdgeNodeEntry, type SparkplugEntity } from '../store/sparkplug-state';

/**
 * The Sparkplug tab: groups → edge nodes → devices → metrics with their last value,
 * online/offline from births and deaths, and the host applications' STATE. Metrics are
 * drawn only for what is expanded, so a large fleet costs little per batch.
 */
export function SparkplugView({ connectionId }: { connectionId: string }) {
  useAppStore((s) => s.messageRevision[connectionId] ?? 0);
  const model = sparkplugFor(connectionId);
  const groups = [...model.groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="sparkplug-panel" aria-label="Sparkplug">
      {groups.length === 0 && model.hosts.size === 0 ? <p className="empty">No Sparkplug B messages yet. Subscribe to spBv1.0/# to see edge nodes and devices.</p> : null}
      {model.hosts.size > 0 ? (
        <ul className="sparkplug-hosts" aria-label="Host applications">
          {[...model.hosts].map(([host, online]) => (
            <li key={host}>
              {host} <OnlineBadge online={online} />
            </li>
          ))}
        </ul>
      ) : null}
      <ul role="tree" aria-label="Sparkplug groups" className="topic-tree sparkplug-tree">
        {groups.map(([group, nodes]) => (
          <li role="treeitem" key={group} aria-expanded="true" aria-label={`Group ${group}`}>
            <div className="topic-line">
              <strong>{group}</strong>
              <span className="muted">{nodes.size} edge node{nodes.size === 1 ? '' : 's'}</span>
            </div>
            <ul role="group">
              {[...nodes.values()].map((node) => (
                <EdgeNodeItem key={node.name} node={node} />
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

function EdgeNodeItem({ node }: { node: EdgeNodeEntry }) {
  const [open, setOpen] = useState(true);
  return (
    <li role="treeitem" aria-expanded={open} aria-label={`Edge node ${node.name}`}>
      <EntityLine entity={node} open={open} onToggle={() => setOpen(!open)} />
      {open ? (
        <>
          <MetricTable entity={node} />
          {node.devices.size > 0 ? (
            <ul role="group">
              {[...node.devices.values()].map((device) => (
                <DeviceItem key={device.name} device={device} />
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </li>
  );
}

function DeviceItem({ device }: { device: SparkplugEntity }) {
  const [open, setOpen] = useState(true);
  return (
    <li role="treeitem" aria-expanded={open} aria-label={`Device ${device.name}`}>
      <EntityLine entity={device} open={open} onToggle={() => setOpen(!open)} />
      {open ? <MetricTable entity={device} /> : null}
    </li>
  );
}

function EntityLine({ entity, open, onToggle }: { entity: SparkplugEntity; open: boolean; onToggle: () => void }) {
  return (
    <div className="topic-line">
      <button type="button" className="twisty" aria-label={`${open ? 'Collapse' : 'Expand'} ${entity.name}`} onClick={onToggle}>
        {open ? '▾' : '▸'}
      </button>
      <span className="topic-name">{entity.name}</span>
      <OnlineBadge online={entity.online} />
      <span className="muted">{entity.metrics.size} metrics</span>
      {entity.warning ? <span className="badge badge-error">{entity.warning}</span> : null}
    </div>
  );
}

function OnlineBadge({ online }: { online: boolean }) {
  return <span className={online ? 'badge badge-on' : 'badge badge-error'}>{online ? 'online' : 'offline'}</span>;
}

function MetricTable({ entity }: { entity: SparkplugEntity }) {
  if (entity.metrics.size === 0) return null;
  return (
    <table className="properties-table metric-table" aria-label={`Metrics of ${entity.name}`}>
      <tbody>
        {[...entity.metrics.values()].map(({ metric, time }) => (
          <tr key={metric.name}>
            <th scope="row">{metric.name}</th>
            <td>{valueText(metric.isNull ? null : metric.value)}</td>
            <td className="muted">{metric.datatype}</td>
            <td className="muted">{new Date(metric.timestamp ?? time).toLocaleTimeString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
