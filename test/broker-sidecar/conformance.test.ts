/**
 * The sidecar against its conformance tables (test/broker-sidecar/conformance/*.cases.ts):
 * over a thousand byte-level cases derived from the normative statements of MQTT 3.1, 3.1.1
 * and 5.0, each frames in as hex and frames expected back as hex (or a close), run over real
 * sockets against the real broker, many at a time on a few shared brokers. Then: every
 * server-side rule of 3.1.1 and 5.0 (conformance/server-rules.ts) has at least one case.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerOptions } from '../../broker-sidecar/options';
import { startBroker, type RunningBroker } from '../helpers/broker-harness';
import { ackCases } from './conformance/ack.cases';
import { authCases } from './conformance/auth.cases';
import { connectCases } from './conformance/connect.cases';
import { disconnectCases } from './conformance/disconnect.cases';
import { runCase, type ConformanceCase } from './conformance/driver';
import { pingreqCases } from './conformance/pingreq.cases';
import { publishCases } from './conformance/publish.cases';
import { ALSO_CITED, SERVER_RULES } from './conformance/server-rules';
import { serverOnlyCases } from './conformance/server-only.cases';
import { subscribeCases } from './conformance/subscribe.cases';
import { unsubscribeCases } from './conformance/unsubscribe.cases';

/** The brokers cases name; each case runs on its own connections, many cases per broker. */
const BROKERS: Record<string, BrokerOptions> = {
  default: {},
  // What CONNACK can announce below the defaults (5.0 §3.2.2.3), and a packet size limit.
  limits: { maximumQos: 1, retainAvailable: false, topicAliasMaximum: 2, receiveMaximum: 2, subscriptionIdentifiersAvailable: false, wildcardSubscriptionAvailable: false, sharedSubscriptionAvailable: false, maxPacketBytes: 1024 },
  controls: { allowControlCharacters: true },
  receive2: { receiveMaximum: 2 },
  // Enhanced authentication with the method 'TEST' (see conformance/auth.cases.ts).
  enhanced: {
    authenticator: {
      authenticate: () => ({ ok: true }),
      auth: ({ method, data, step }) => {
        if (method !== 'TEST') return { kind: 'fail', reasonCode: 0x8c, reason: `unknown method ${method}` };
        const text = data?.toString() ?? '';
        if (step === 'connect' && text === 'challenge') return { kind: 'continue', data: Buffer.from('c1') };
        return text === 'ok' || text === 'answer' ? { kind: 'success' } : { kind: 'fail', reasonCode: 0x87, reason: 'wrong answer' };
      },
    },
  },
  // Alone with a case that subscribes to '#', one per version.
  solo3: {},
  solo4: {},
  solo5: {},
};

const FILES: Record<string, () => ConformanceCase[]> = {
  connect: connectCases,
  publish: publishCases,
  'puback, pubrec, pubrel, pubcomp': ackCases,
  subscribe: subscribeCases,
  unsubscribe: unsubscribeCases,
  pingreq: pingreqCases,
  disconnect: disconnectCases,
  auth: authCases,
  'server-only and reserved types': serverOnlyCases,
};

/** Cases in flight at once. */
const PARALLEL = 32;

const running: Record<string, RunningBroker> = {};
const tables = Object.entries(FILES).map(([file, build]) => [file, build()] as const);
const all = tables.flatMap(([, cases]) => cases);

beforeAll(async () => {
  for (const [name, options] of Object.entries(BROKERS)) running[name] = await startBroker({ connectTimeoutMs: 20_000, ...options });
});
afterAll(async () => {
  await Promise.all(Object.values(running).map((b) => b.stop()));
});

describe('conformance tables', () => {
  it('hold at least 1,000 cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(1000);
  });

  for (const [file, cases] of tables) {
    it(`${file}: ${cases.length} cases, frames in and out as the specs say`, { timeout: 180_000 }, async () => {
      const failures: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (next < cases.length) {
            const index = next++;
            const kase = cases[index]!;
            const broker = running[kase.broker ?? 'default'];
            if (!broker) throw new Error(`case #${index} names an unknown broker ${kase.broker}`);
            await runCase(broker.port, index, kase).catch((error: Error) => failures.push(error.message));
          }
        }),
      );
      expect(failures, `${failures.length} of ${cases.length} cases failed`).toEqual([]);
    });
  }

  for (const [version, rules] of Object.entries(SERVER_RULES)) {
    it(`cover every server-side rule of MQTT ${version} with a case`, () => {
      const covered = new Set(all.filter((c) => (version === '5.0' ? c.version === 5 : c.version !== 5)).flatMap((c) => c.rules));
      const missing = Object.keys(rules).filter((id) => !covered.has(id));
      expect(missing, `rules without a case: ${missing.map((id) => `${id} (${rules[id]})`).join('; ')}`).toEqual([]);
    });
  }

  it('cite only numbered statements of the version they run in', () => {
    const unknown = all.flatMap((c, i) => {
      const version = c.version === 5 ? '5.0' : '3.1.1';
      return c.rules.filter((r) => r.startsWith('MQTT-') && !(r in SERVER_RULES[version]) && !ALSO_CITED[version].has(r)).map((r) => `#${i} ${c.name} (${version}): ${r}`);
    });
    expect(unknown).toEqual([]);
  });
});
