import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicMatches } from '../../shared/topic';
import { Session } from '../../broker-sidecar/session';
import { SubscriptionIndex } from '../../broker-sidecar/subscription-index';
import type { Subscription } from '../../broker-sidecar/types';
import { RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';
import { until } from '../helpers/wait';

function sub(filter: string): Subscription {
  return { filter, group: undefined, topicFilter: filter, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, identifier: undefined };
}

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const LEVELS = ['a', 'b', 'c', '', '$sys', 'x'];

function randomTopic(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 4);
  return Array.from({ length: n }, (_, i) => {
    const level = LEVELS[Math.floor(rand() * LEVELS.length)]!;
    return i > 0 && level === '$sys' ? 'sys' : level;
  }).join('/');
}

function randomFilter(rand: () => number): string {
  const levels = randomTopic(rand)
    .split('/')
    .map((level) => (rand() < 0.3 ? '+' : level));
  if (rand() < 0.3) levels.push('#');
  return levels.join('/');
}

describe('subscription index (trie)', () => {
  it('matches exactly what topicMatches matches, for 400 random filters and 2000 random topics', () => {
    const rand = prng(42);
    const index = new SubscriptionIndex();
    const entries = Array.from({ length: 400 }, (_, i) => {
      const session = new Session(`s${i}`, 0, 10);
      const s = sub(randomFilter(rand));
      index.add(session, s);
      return { session, s };
    });
    let matched = 0;
    for (let t = 0; t < 2000; t++) {
      const topic = randomTopic(rand);
      const expected = entries.filter((e) => topicMatches(e.s.topicFilter, topic)).map((e) => e.session.clientId).sort();
      const got = [...index.match(topic).direct.keys()].sort();
      expect(got, `topic '${topic}'`).toEqual(expected);
      matched += got.length;
    }
    expect(matched).toBeGreaterThan(1000); // the generator does produce matches
  });

  it('removes entries and prunes, so a removed filter no longer matches', () => {
    const index = new SubscriptionIndex();
    const session = new Session('one', 0, 10);
    const filters = ['a/+/c', 'a/#', '#', '+', 'a/b/c'];
    for (const f of filters) index.add(session, sub(f));
    expect(index.match('a/b/c').direct.get('one')!.subs.map((s) => s.filter).sort()).toEqual(['#', 'a/#', 'a/+/c', 'a/b/c']);
    for (const f of filters) index.remove(session, sub(f));
    expect(index.match('a/b/c').direct.size).toBe(0);
    expect(index.match('a').direct.size).toBe(0);
  });

  it('answers a repeated topic from memory, and forgets it whenever a subscription comes or goes', () => {
    const rand = prng(7);
    const index = new SubscriptionIndex();
    const topics = Array.from({ length: 20 }, () => randomTopic(rand));
    const live = new Map<string, { session: Session; s: Subscription }>();
    for (let step = 0; step < 3000; step++) {
      const id = `s${Math.floor(rand() * 60)}`;
      const existing = live.get(id);
      if (existing && rand() < 0.5) {
        index.remove(existing.session, existing.s);
        live.delete(id);
      } else if (!existing) {
        const entry = { session: new Session(id, 0, 10), s: sub(randomFilter(rand)) };
        index.add(entry.session, entry.s);
        live.set(id, entry);
      }
      const topic = topics[step % topics.length]!;
      const expected = [...live.values()].filter((e) => topicMatches(e.s.topicFilter, topic)).map((e) => e.session.clientId).sort();
      expect([...index.match(topic).direct.keys()].sort(), `step ${step}, topic '${topic}'`).toEqual(expected);
      expect(index.match(topic)).toBe(index.match(topic)); // unchanged index: the same remembered result
    }
  });

  it("keeps '$' topics from filters starting with a wildcard", () => {
    const index = new SubscriptionIndex();
    index.add(new Session('hash', 0, 10), sub('#'));
    index.add(new Session('plus', 0, 10), sub('+/x'));
    index.add(new Session('explicit', 0, 10), sub('$sys/#'));
    expect([...index.match('$sys/x').direct.keys()]).toEqual(['explicit']);
  });
});

describe('routing through the index', () => {
  let running: RunningBroker;
  beforeAll(async () => {
    running = await startBroker();
  });
  afterAll(async () => {
    await running.stop();
  });

  it('delivers to the one matching session among 2000 with unrelated subscriptions, and stops after the session ends', async () => {
    const sessions = running.broker.options.sessions;
    for (let i = 0; i < 2000; i++) {
      const session = new Session(`bulk-${i}`, 60, 10);
      sessions.set(session);
      running.broker.router.subscribe(session, sub(`bulk/${i}/+`));
    }
    const target = await RawClient.connected(running.port, 'idx-target', 4);
    target.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bulk/+/hit', qos: 0 }] });
    await target.next();
    const pub = await RawClient.connected(running.port, 'idx-pub', 4);
    // Only the matching sessions are visited; how fast that is belongs to the benchmarks (npm run bench).
    const routed = running.broker.router.route({ topic: 'bulk/1999/hit', payload: Buffer.from('x'), qos: 0, retain: false, properties: undefined, senderId: undefined, expiresAt: undefined, userPropertyBytes: undefined });
    expect(routed).toBe(2); // bulk-1999's 'bulk/1999/+' and the target's 'bulk/+/hit
    expect(await target.next()).toMatchObject({ cmd: 'publish', topic: 'bulk/1999/hit' });
    expect(running.broker.stats().subscriptions).toBe(2001);
    target.write([0xe0, 0x00]);
    await target.waitClosed();
    // The clean session's subscription left the index.
    await until(() => running.broker.stats().subscriptions === 2000, 5000, 'the subscription to leave the index');
    pub.destroy();
  });
});
