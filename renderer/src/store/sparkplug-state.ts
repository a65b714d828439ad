/**
 * The Sparkplug view's model, per connection: groups → edge nodes → devices → metrics with
 * their last value, and online/offline from births and deaths. Built from decoded messages
 * as batches arrive (outside React state, like the topic tree); flat maps keyed by path.
 */

import type { MessageRecord } from '../../../shared/contract';
import type { DecodedPayload, SparkplugMetric } from '../../../shared/decoded';

/** A metric's latest value. */
export interface MetricState {
  metric: SparkplugMetric;
  /** When the message carrying it arrived (ms). */
  time: number;
}

/** An edge node or a device. */
export interface SparkplugEntity {
  name: string;
  online: boolean;
  /** Last birth or death seen (ms), undefined before any. */
  since?: number;
  metrics: Map<string, MetricState>;
  /** The most recent seq gap, bdSeq mismatch or alias problem reported on it. */
  warning?: string;
}

/** An edge node and its devices. */
export interface EdgeNodeEntry extends SparkplugEntity {
  devices: Map<string, SparkplugEntity>;
}

/** The whole view of one connection. */
export interface SparkplugModel {
  groups: Map<string, Map<string, EdgeNodeEntry>>;
  /** Host applications by id, from STATE messages. */
  hosts: Map<string, boolean>;
}

const models = new Map<string, SparkplugModel>();

/** A connection's Sparkplug model, created empty. */
export function sparkplugFor(connectionId: string): SparkplugModel {
  let model = models.get(connectionId);
  if (!model) models.set(connectionId, (model = { groups: new Map(), hosts: new Map() }));
  return model;
}

function entity(name: string): SparkplugEntity {
  return { name, online: false, metrics: new Map() };
}

/** Folds decoded Sparkplug messages into the model; other messages cost one property check. */
export function addToSparkplug(connectionId: string, messages: readonly MessageRecord[]): void {
  for (const message of messages) if (message.decoded?.sparkplug) addSparkplugMessage(sparkplugFor(connectionId), message.decoded, message.time);
}

/** Folds one decoded Sparkplug message (received at `time`, ms) into a model; others are ignored. */
export function addSparkplugMessage(model: SparkplugModel, decoded: DecodedPayload, time: number): void {
  const info = decoded.sparkplug;
  if (!info) return;
  if (info.messageType === 'STATE') {
    model.hosts.set(info.host ?? '', info.online === true);
    return;
  }
  let group = model.groups.get(info.group);
  if (!group) model.groups.set(info.group, (group = new Map()));
  let node = group.get(info.edgeNode);
  if (!node) group.set(info.edgeNode, (node = { ...entity(info.edgeNode), devices: new Map() }));
  let target: SparkplugEntity = node;
  if (info.device !== undefined) {
    let device = node.devices.get(info.device);
    if (!device) node.devices.set(info.device, (device = entity(info.device)));
    target = device;
  }
  switch (info.messageType) {
    case 'NBIRTH':
      node.metrics.clear();
      setOnline(node, true, time);
      break;
    case 'NDEATH':
      // An edge node's death takes its devices offline with it.
      setOnline(node, false, time);
      for (const device of node.devices.values()) setOnline(device, false, time);
      break;
    case 'DBIRTH':
      target.metrics.clear();
      setOnline(target, true, time);
      break;
    case 'DDEATH':
      setOnline(target, false, time);
      break;
  }
  if (decoded.warnings?.length) target.warning = decoded.warnings.join('; ');
  // Commands are requests, not values: the metrics keep what the edge node last reported.
  if (info.messageType === 'NCMD' || info.messageType === 'DCMD') return;
  for (const metric of info.metrics) {
    const state = target.metrics.get(metric.name);
    if (state) {
      assignMetric(state.metric, metric);
      state.time = time;
    } else target.metrics.set(metric.name, { metric: { ...metric }, time });
  }
}

/** A metric's fields that a message may leave out. */
const OPTIONAL_FIELDS = ['alias', 'timestamp', 'isNull', 'isHistorical', 'isTransient', 'properties', 'metadata'] as const;

/**
 * Copies a metric's fields into the model's own copy. The model keeps no object of the
 * decoded message: a fleet's 10,000 edge nodes each report every half second, so a kept
 * message (its decoded tree) lived long enough to be promoted to the old generation, and
 * the page's heap peaked at twice the JSON flood's (#17); copied, it dies young.
 */
function assignMetric(into: SparkplugMetric, from: SparkplugMetric): void {
  into.name = from.name;
  into.datatype = from.datatype;
  into.value = from.value;
  const target = into as unknown as Record<string, unknown>;
  for (const key of OPTIONAL_FIELDS) {
    const value = from[key];
    if (value !== undefined) target[key] = value;
    else if (target[key] !== undefined) delete target[key];
  }
}

function setOnline(target: SparkplugEntity, online: boolean, time: number): void {
  target.online = online;
  target.since = time;
}

/** Forgets a connection's model (its messages were cleared). */
export function clearSparkplug(connectionId: string): void {
  models.delete(connectionId);
}
