/**
 * `mqtt-desk pub`: mosquitto_pub 2.0.11's behaviour on MQTT.js — one message (-m, -f, -s,
 * -n), one per line (-l), --repeat with --repeat-delay, warnings for refused publishes, the
 * same exit codes — plus the desk's --count/--rate with the publish panel's templates and
 * --format to encode the message with the desk's codecs.
 */

import type { IPublishPacket } from 'mqtt';
import { randomUUID } from 'node:crypto';
import type { MosquittoConfig } from '../../shared/mosquitto/config';
import { propertiesFor } from '../../shared/mosquitto/config';
import { toMqttJsProperties } from '../../shared/mosquitto/properties';
import { connackRefusedLine, MOSQ_ERR, reasonString } from '../../shared/mosquitto/strings';
import { expandTemplate, hasPlaceholders } from '../../shared/payload-template';
import { utf8Encode } from '../../shared/utf8';
import type { CliIo } from './cli-io';
import type { ConnectPlan } from './connect-plan';
import type { DeskPayloads } from './desk-payload';
import { isTlsError, loopEnd, type LoopEnd } from './loop-end';
import { Session } from './session';

/** One request of a saved collection, resolved: its own topic, QoS, retain and properties. */
export interface CollectionPublish {
  name: string;
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: IPublishPacket['properties'];
  /** Wait before publishing it. */
  delayMs: number;
}

/** What to publish: one fixed message, lines from stdin, generated ones, or a collection's requests. */
export type PubSource =
  | { kind: 'fixed'; payload: Uint8Array }
  | { kind: 'lines'; lines: AsyncIterable<Uint8Array> }
  | { kind: 'generated'; next: (index: number) => Uint8Array; count: number }
  | { kind: 'requests'; requests: readonly CollectionPublish[] };

/** Builds the --count/--rate source: the message text as a template, expanded per publish. */
export function templateSource(text: string, topic: string, payloads: DeskPayloads | undefined, count: number): PubSource {
  return {
    kind: 'generated',
    count,
    next: (index) => {
      const body = hasPlaceholders(text) ? expandTemplate(text, { counter: index + 1, now: () => Date.now(), uuid: randomUUID, random: Math.random }) : text;
      return payloads ? payloads.encode(topic, body) : utf8Encode(body);
    },
  };
}

/** Runs the publisher; resolves to the exit code. */
export function runPub(config: MosquittoConfig, plan: ConnectPlan, source: PubSource, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    const err = (text: string) => {
      if (!config.quiet) io.stderr(text);
    };
    const v5 = plan.options.protocolVersion === 5;
    const properties = v5 ? toMqttJsProperties(propertiesFor(config, 'publish')) : undefined;
    const haveTopicAlias = Boolean(properties && 'topicAlias' in properties);
    const topic = config.topic!;
    let firstPublish = true;
    let published = 0;
    let connackResult = 0;
    let end: LoopEnd = { rc: 0 };
    let disconnectSent = false;
    const rate = config.desk.rate;
    const delayMs = rate ? 1000 / rate : config.repeatDelayMs;
    const total = source.kind === 'generated' ? source.count : source.kind === 'requests' ? source.requests.length : config.repeatCount;
    let maxQos = 2;
    let maxPacket = 0;

    const session = new Session(
      plan.target,
      plan.options,
      {
        connectError: (text) => {
          err(`${text}\n`);
          finish(1);
        },
        connack: (code) => {
          connackResult = code;
          if (code !== 0) {
            err(connackRefusedLine(code, v5));
            end = loopEnd(v5 ? MOSQ_ERR.PROTOCOL : MOSQ_ERR.CONN_REFUSED);
            return;
          }
          const props = (session.client as unknown as { _serverProperties?: { maximumQoS?: number; maximumPacketSize?: number } })._serverProperties;
          maxQos = props?.maximumQoS ?? 2;
          maxPacket = props?.maximumPacketSize ?? 0;
          if (source.kind === 'lines') void publishLines(source.lines);
          else if (source.kind === 'requests') publishRequest(source.requests, 0);
          else publishNext(0);
        },
        message: () => undefined,
        close: (requested, error) => {
          if (!requested && end.rc === 0) end = loopEnd(isTlsError(error) ? MOSQ_ERR.TLS : MOSQ_ERR.CONN_LOST);
          if (end.rc && end.text) err(end.text);
          finish(connackResult || end.rc);
        },
      },
      config.debug ? (line) => io.stdout(`${line}\n`) : undefined,
    );

    /** my_publish: mosquitto's checks, then the publish; resolves to whether it went out. */
    function publishOne(payload: Uint8Array, request?: CollectionPublish): Promise<void> | undefined {
      const useAlias = !request && v5 && haveTopicAlias && !firstPublish;
      firstPublish = false;
      const t = request ? request.topic : useAlias ? '' : topic;
      const qos = request ? request.qos : config.qos;
      let problem: string | undefined;
      if (qos > maxQos) problem = 'Error: Message QoS not supported on broker, try a lower QoS.\n';
      else if (t === '' && !useAlias) problem = "Error: Invalid input. Does your topic contain '+' or '#'?\n";
      else if (maxPacket > 0 && 2 + utf8Encode(t).length + payload.length + (qos > 0 ? 2 : 0) + 5 > maxPacket) problem = '';
      if (problem !== undefined) {
        err(problem);
        disconnect();
        return undefined;
      }
      const props = request ? (v5 ? request.properties : undefined) : properties;
      return session.publish(t, payload, qos, request ? request.retain : config.retain, props as never).then(({ mid, reasonCode }) => {
        if (reasonCode > 127 && request) err(`Warning: ${request.name}: publish ${mid} failed: ${reasonString(reasonCode)}.\n`);
        else if (reasonCode > 127) err(`Warning: Publish ${mid} failed: ${reasonString(reasonCode)}.\n`);
        published++;
      });
    }

    function publishNext(index: number): void {
      const payload = source.kind === 'fixed' ? source.payload : source.kind === 'generated' ? source.next(index) : new Uint8Array(0);
      const sent = publishOne(payload);
      if (!sent) return;
      void sent.then(() => {
        if (published < total) setTimeout(() => publishNext(index + 1), delayMs);
        else disconnect();
      });
    }

    /** A collection's requests in order, each after its delay, the next once the last is acknowledged. */
    function publishRequest(requests: readonly CollectionPublish[], index: number): void {
      const request = requests[index];
      if (!request) return disconnect();
      setTimeout(() => {
        const sent = publishOne(request.payload, request);
        if (sent) void sent.then(() => publishRequest(requests, index + 1));
      }, request.delayMs);
    }

    async function publishLines(lines: AsyncIterable<Uint8Array>): Promise<void> {
      const pending: Array<Promise<void>> = [];
      for await (const line of splitLines(lines)) {
        const sent = publishOne(line);
        if (!sent) return;
        pending.push(sent);
      }
      await Promise.all(pending);
      disconnect();
    }

    function disconnect(): void {
      if (disconnectSent) return;
      disconnectSent = true;
      session.end();
    }

    let finished = false;
    function finish(code: number): void {
      if (finished) return;
      finished = true;
      session.end(0, true);
      resolve(code);
    }

    session.start();
  });
}

/** mosquitto_pub -l: lines without their "\n" ("\r" stays), the last one even without a newline. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    rest = rest.length ? Buffer.concat([rest, chunk]) : Buffer.from(chunk);
    let newline: number;
    while ((newline = rest.indexOf(10)) >= 0) {
      yield cutAtNul(rest.subarray(0, newline));
      rest = rest.subarray(newline + 1);
    }
  }
  if (rest.length) yield cutAtNul(rest);
}

/** fgets + strlen: a line ends for mosquitto at its first NUL. */
function cutAtNul(line: Uint8Array): Uint8Array {
  const nul = line.indexOf(0);
  return nul >= 0 ? line.subarray(0, nul) : line;
}
