/**
 * Shorthands for writing conformance rows: a fresh namespace per case (client IDs and topics
 * never collide between cases that share a broker), the CONNECT a case opens with and the
 * CONNACK that accepts it, and what a refusal looks like in each version.
 */

import { formatRule } from '../../../shared/packet-rules/violation';
import type { CaseConnection, ConformanceCase, Expected } from './driver';
import { connack3, connect, hex, props, type ConnectFields, type Version } from './frames';

let next = 0;

/** A name no other case uses: for client IDs and the first topic level. */
export function ns(): string {
  return `k${(next++).toString(36)}`;
}

/** A successful CONNACK: exact in 3.x; in 5.0 its capability properties are the broker's, so the code and Session Present are checked. */
export function accepted(version: Version, sessionPresent = false): Expected {
  if (version !== 5) return hex(connack3(0, sessionPresent));
  return { says: `CONNACK 0x00, Session Present ${sessionPresent ? 1 : 0}`, test: (f) => f[0] === 0x20 && f[f[1]! & 0x80 ? 3 : 2] === (sessionPresent ? 1 : 0) && f[f[1]! & 0x80 ? 4 : 3] === 0x00 };
}

/** A plain CONNECT of a version for `clientId` (clean, keepalive 60), with more fields if given. */
export function hello(version: Version, clientId: string, fields: Partial<ConnectFields> = {}): string {
  return hex(connect(version, { clientId, ...fields }));
}

/**
 * How a broken rule is answered: 5.0 with CONNACK (before it was sent) or DISCONNECT, the
 * code and a Reason String naming the rule; 3.x with the CONNACK return code the spec gives,
 * or nothing at all. The connection is closed either way.
 */
export function refused(version: Version, inConnect: boolean, code: number, rule: string, returnCode?: number): Expected[] {
  if (version === 5) return [{ refused: inConnect ? 'CONNACK' : 'DISCONNECT', code, rule: formatRule(rule, 5) }];
  return inConnect && returnCode !== undefined ? [hex(connack3(returnCode))] : [];
}

/** The rule a case cites, by version: 3.1.1's number (3.1 shares it) or 5.0's. */
export function rule(version: Version, v4: string, v5: string): string {
  return version === 5 ? v5 : v4;
}

/** Options of `connected`. */
export interface ConnectedOptions {
  broker?: string;
  /** More CONNECT fields (5.0 properties, a will, …). */
  connect?: Partial<ConnectFields>;
  watch?: ConformanceCase['watch'];
}

/**
 * A case on one connection that first connects (and expects the CONNACK), then sends `frames`
 * and expects `expect`; `then` as in CaseConnection. `id` is the case's namespace.
 */
export function connected(version: Version, id: string, name: string, rules: string[], frames: Buffer[], expect: Expected[], then: CaseConnection['then'], options: ConnectedOptions = {}): ConformanceCase {
  const kase: ConformanceCase = {
    name,
    version,
    rules,
    connections: [{ send: [hello(version, id, options.connect), ...frames.map(hex)], expect: [accepted(version), ...expect], then }],
  };
  if (options.broker) kase.broker = options.broker;
  if (options.watch) kase.watch = options.watch;
  return kase;
}

/** A case whose connection breaks `ruleId` with `frames` after connecting: refused and closed. */
export function breaks(version: Version, id: string, name: string, ruleId: string, code: number, frames: Buffer[], options: ConnectedOptions = {}): ConformanceCase {
  // Every such case also shows the general rule: the connection is closed [MQTT-4.8.0-1] (5.0: [MQTT-4.13.1-1]).
  return connected(version, id, name, [ruleId, rule(version, 'MQTT-4.8.0-1', 'MQTT-4.13.1-1')], frames, refused(version, false, code, ruleId), 'closed', options);
}

/** A case whose CONNECT alone breaks `ruleId`. */
export function refusesConnect(version: Version, name: string, ruleId: string, code: number, frame: Buffer, returnCode?: number, extraRules: string[] = [], broker?: string): ConformanceCase {
  const kase: ConformanceCase = { name, version, rules: [ruleId, ...extraRules], connections: [{ send: [hex(frame)], expect: refused(version, true, code, ruleId, returnCode), then: 'closed' }] };
  if (broker) kase.broker = broker;
  return kase;
}

/** A case whose CONNECT is accepted (and the connection stays open). */
export function acceptsConnect(version: Version, name: string, rules: string[], frame: Buffer, broker?: string, sessionPresent = false): ConformanceCase {
  const kase: ConformanceCase = { name, version, rules, connections: [{ send: [hex(frame)], expect: [accepted(version, sessionPresent)], then: 'open' }] };
  if (broker) kase.broker = broker;
  return kase;
}

/** An empty 5.0 property list, for frames that need one spelled out. */
export const NO_PROPERTIES = props();

/** The three versions, for rows that apply to each. */
export const VERSIONS: readonly Version[] = [3, 4, 5];

/**
 * A packet of the reserved type 0, which ends any connection with a Malformed Packet: the
 * way a case makes the broker close a connection whose will is due, so the will is published
 * before the client sees the close (the order the cases rely on).
 */
export function reservedType(version: Version): { frame: Buffer; expect: Expected[] } {
  return { frame: Buffer.from([0x00, 0x00]), expect: refused(version, false, 0x81, rule(version, '§2.2.1', '§2.1.2')) };
}
