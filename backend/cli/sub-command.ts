/**
 * `mqtt-desk sub`: mosquitto_sub 2.0.11's behaviour on MQTT.js — subscribe on every
 * CONNACK (so a reconnect resubscribes), print as mosquitto_sub prints, -C/-E/-W/-R/-T,
 * --retained-only, --remove-retained, the same exit codes — plus the desk's --profile,
 * --format and --output.
 */

import type { MosquittoConfig } from '../../shared/mosquitto/config';
import { propertiesFor } from '../../shared/mosquitto/config';
import { parseFormat } from '../../shared/mosquitto/output-format';
import { toMqttJsProperties } from '../../shared/mosquitto/properties';
import { connackRefusedLine } from '../../shared/mosquitto/strings';
import { topicMatches } from '../../shared/topic';
import { utf8Decode, utf8Encode } from '../../shared/utf8';
import { appendJsonLine, type CliIo } from './cli-io';
import type { ConnectPlan } from './connect-plan';
import type { DeskPayloads } from './desk-payload';
import { Session } from './session';
import { printMessage, wallClock, type PrintOptions, type ReceivedMessage } from './sub-output';
import { connectionLost, type LoopEnd } from './loop-end';

/**
 * Runs the subscriber until it is done; resolves to the exit code.
 * @param payloads the `--format` decoder, when one was asked for.
 */
export function runSub(config: MosquittoConfig, plan: ConnectPlan, io: CliIo, payloads?: DeskPayloads): Promise<number> {
  return new Promise((resolve) => {
    const print: PrintOptions = {
      ...(config.format !== undefined ? { format: parseFormat(config.format) } : {}),
      verbose: config.verbose,
      eol: config.eol,
      pretty: config.pretty,
      quiet: config.quiet,
    };
    const err = (text: string) => {
      if (!config.quiet) io.stderr(text);
    };
    let processMessages = true;
    let count = 0;
    let lastMid = 0;
    let timedOut = false;
    let connackResult = 0;
    let loopEnd: LoopEnd = { rc: 0 };
    const v5 = plan.options.protocolVersion === 5;

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
          if (code === 0) return subscribe();
          err(connackRefusedLine(code, v5));
          session.end();
        },
        suback: (mid, granted) => {
          if (config.debug && !config.quiet) io.stdout(`Subscribed (mid: ${mid}): ${granted.join(', ')}\n`);
          if (!granted.some((g) => g < 128)) {
            session.end();
            err('All subscription requests were denied.\n');
          }
          if (config.exitAfterSubscribe) session.end();
        },
        message: (message) => onMessage(message),
        close: (requested, error) => {
          if (requested) return done();
          const end = connectionLost(error);
          if (end) {
            loopEnd = end;
            return done();
          }
          // libmosquitto's loop_forever reconnects after a second, without a word.
          setTimeout(() => {
            if (!session.ended) session.client.reconnect();
          }, 1000);
        },
      },
      config.debug ? (line) => io.stdout(`${line}\n`) : undefined,
    );

    function subscribe(): void {
      const properties = v5 ? toMqttJsProperties(propertiesFor(config, 'subscribe')) : undefined;
      const options = {
        qos: config.qos,
        ...(v5 ? { nl: false, rap: config.retainAsPublished, rh: config.noRetain ? 2 : 0 } : {}),
        ...(properties ? { properties } : {}),
      };
      session.client.subscribe(config.topics, options as never);
      const unsubProperties = v5 ? toMqttJsProperties(propertiesFor(config, 'unsubscribe')) : undefined;
      for (const topic of config.unsubscribeTopics) session.client.unsubscribe(topic, (unsubProperties ? { properties: unsubProperties } : {}) as never);
    }

    function onMessage(message: ReceivedMessage): void {
      if (!processMessages) return;
      if (config.retainedOnly && !message.retain) {
        processMessages = false;
        if (lastMid === 0) session.end();
        return;
      }
      if (message.retain && config.noRetain) return;
      if (config.filterOuts.some((filter) => topicMatches(filter, message.topic))) return;
      if (config.removeRetained && message.retain) {
        void session.publish(message.topic, new Uint8Array(0), 1, true).then(({ mid }) => {
          if (!processMessages && (mid === lastMid || lastMid === 0)) session.end();
        });
        lastMid = session.mids.getLastAllocated();
      }
      if (config.randomFilter >= 10000 || Math.floor(Math.random() * 10000) < config.randomFilter) show(message);
      if (config.msgCount > 0 && ++count === config.msgCount) {
        processMessages = false;
        if (lastMid === 0) session.end();
      }
    }

    function show(message: ReceivedMessage): void {
      const now = wallClock();
      let shown = message;
      if (payloads) {
        try {
          shown = { ...message, payload: utf8Encode(payloads.show(message.topic, message.payload)) };
        } catch (error) {
          err(`Error: ${message.topic}: ${(error as Error).message}\n`);
        }
      }
      const { stdout, stderr } = printMessage(shown, print, now);
      if (stdout.length) io.stdout(stdout);
      if (stderr) io.stderr(stderr);
      if (config.desk.output) {
        appendJsonLine(config.desk.output, {
          time: new Date(now.seconds * 1000 + Math.floor(now.nanos / 1e6)).toISOString(),
          topic: message.topic,
          qos: message.qos,
          retain: message.retain,
          ...(payloads ? { format: payloads.format } : {}),
          payload: payloads ? payloads.value(message.topic, message.payload) : utf8Decode(message.payload),
          ...(message.properties ? { properties: message.properties } : {}),
        });
      }
    }

    const stopSignals = io.onSignal(() => interrupt(false));
    const timer = config.timeout ? setTimeout(() => interrupt(true), config.timeout * 1000) : undefined;

    function interrupt(alarm: boolean): void {
      // Before the first CONNACK mosquitto_sub exits at once with -1.
      if (!session.connected) return finish(255);
      processMessages = false;
      if (alarm) timedOut = true;
      session.end(4);
    }

    let finished = false;
    function finish(code: number): void {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      stopSignals();
      session.end(0, true);
      resolve(code);
    }

    function done(): void {
      if (timedOut) {
        err('Timed out\n');
        return finish(27);
      }
      let rc = loopEnd.rc;
      if (config.msgCount > 0 && rc === 4) rc = 0;
      if (rc) err(loopEnd.text ?? '');
      finish(connackResult || rc);
    }

    session.start();
  });
}
