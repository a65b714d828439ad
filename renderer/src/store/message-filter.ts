/**
 * The message list's filters: a topic filter (MQTT wildcards, or plain text to search for)
 * and a payload filter (text, or /regex/flags). Compiled once per change, applied per row.
 */

import type { MessageRecord } from '../../../shared/contract';
import { decodedPreview } from '../../../shared/decoded';
import { checkTopicFilter, topicMatches } from '../../../shared/topic';
import { utf8Decode } from '../../../shared/utf8';

/** A compiled filter, or the reason it cannot be used (shown next to the field). */
export type CompiledFilter =
  | {
      ok: true;
      /** The whole test. */
      test: (message: MessageRecord) => boolean;
      /** The topic part alone (a log tests it once per topic). */
      topicTest: (topic: string) => boolean;
      /** The payload part alone; undefined when the payload field is empty. */
      payloadTest?: (message: MessageRecord) => boolean;
    }
  | { ok: false; field: 'topic' | 'payload'; reason: string };

/** Compiles the two filter fields; empty fields match everything. */
export function compileMessageFilter(topic: string, payload: string): CompiledFilter {
  const topicText = topic.trim();
  let topicTest: (t: string) => boolean = () => true;
  if (topicText) {
    if (/[+#]/.test(topicText)) {
      const check = checkTopicFilter(topicText);
      if (!check.ok) return { ok: false, field: 'topic', reason: check.reason };
      topicTest = (t) => topicMatches(topicText, t);
    } else {
      const needle = topicText.toLowerCase();
      topicTest = (t) => t.toLowerCase().includes(needle);
    }
  }
  let payloadTest: (text: string) => boolean = () => true;
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(payload);
  if (regex) {
    try {
      const re = new RegExp(regex[1]!, regex[2]!.replace('g', ''));
      payloadTest = (text) => re.test(text);
    } catch (error) {
      return { ok: false, field: 'payload', reason: `Invalid regular expression: ${(error as Error).message}` };
    }
  } else if (payload) {
    const needle = payload.toLowerCase();
    payloadTest = (text) => text.toLowerCase().includes(needle);
  }
  // A decoded payload is searched as it is shown (Sparkplug `name = value`, decoded JSON).
  const payloadOf = payload === '' ? undefined : (m: MessageRecord) => payloadTest(m.decoded ? decodedPreview(m.decoded, Infinity) : utf8Decode(m.payload));
  return { ok: true, test: (m) => topicTest(m.topic) && (!payloadOf || payloadOf(m)), topicTest, payloadTest: payloadOf };
}

const PALETTE = ['#3b6cf6', '#1f9d55', '#d69e2e', '#c6283b', '#8b5cf6', '#0ea5e9', '#db2777', '#65a30d'];

/** A stable color per subscription filter, the same in every session. */
export function subscriptionColor(filter: string): string {
  let hash = 0;
  for (let i = 0; i < filter.length; i++) hash = (hash * 31 + filter.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}
