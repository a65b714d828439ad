/**
 * The desk's inbound fast path. At fleet rates nearly every packet from the broker is a
 * QoS 0 PUBLISH, and MQTT.js spends most of the subscriber's time on them: its parser
 * walks a BufferList with a state machine and a debug call per step, and every packet
 * becomes a Packet object, Buffer slices, a topic string and a round through its handler
 * queue. The packet capture already cuts every inbound frame (backend/packet-capture.ts);
 * a frame that is a QoS 0 PUBLISH of the simple shape (shared/packet-rules/simple-publish.ts:
 * printable ASCII topic, no properties, valid in full) is taken here, straight into a
 * message record, and never reaches MQTT.js. Everything else goes to MQTT.js as before —
 * CONNACK, acks, QoS 1 and 2 flows, properties and topic aliases, PINGRESP, DISCONNECT,
 * anything malformed — so its behaviour is kept wherever it does more than emit
 * 'message'. For a QoS 0 PUBLISH without properties MQTT.js does nothing else (no ack, no
 * keepalive reset); the one difference is that it emits no 'packetreceive' for the frames
 * taken here.
 *
 * Order: while a frame handed to MQTT.js is not yet handled (MQTT.js works through its
 * queue on later ticks), PUBLISHes go to MQTT.js too, so messages keep the wire order
 * whichever path they take.
 */

import { emptyPublishLayout, readSimplePublish } from '../shared/packet-rules/simple-publish';
import { TopicInterner } from '../shared/topic-intern';

/** A QoS 0 PUBLISH taken by the fast path. The payload is a view into the captured frame. */
export type FastPublishListener = (topic: string, payload: Uint8Array, retain: boolean) => void;

/** Decides, frame by frame, what the fast path takes; one per connection (reconnects included). */
export class InboundPublishes {
  private readonly layout = emptyPublishLayout();
  private readonly topics = new TopicInterner();
  /** Frames handed to MQTT.js that it has not handled yet. */
  private pending = 0;

  /**
   * @param version protocol level of the connection (3, 4 or 5).
   * @param maximumPacketSize the Maximum Packet Size the client advertised (5.0): a larger
   *   packet goes to MQTT.js, which refuses it.
   */
  constructor(
    private readonly version: number,
    private readonly maximumPacketSize: number | undefined,
    private readonly onPublish: FastPublishListener,
  ) {}

  /** A new transport stream: nothing of the old one is pending. */
  reset(): void {
    this.pending = 0;
  }

  /** MQTT.js handled one packet (its 'packetreceive'). */
  handled(): void {
    if (this.pending > 0) this.pending--;
  }

  /** Takes `frame` (one whole inbound packet) and returns true, or returns false to leave it to MQTT.js. */
  take(frame: Uint8Array): boolean {
    // 0x30–0x31: PUBLISH, QoS 0, no DUP, retain either way; the rest of the shape is checked in full below.
    if (this.pending === 0 && (frame[0]! & 0xfe) === 0x30 && (this.maximumPacketSize === undefined || frame.length <= this.maximumPacketSize)) {
      const layout = this.layout;
      if (readSimplePublish(frame, this.version, layout)) {
        this.onPublish(this.topics.topic(frame, layout.topicStart, layout.topicEnd), frame.subarray(layout.payloadStart), layout.retain);
        return true;
      }
    }
    this.pending++;
    return false;
  }
}
