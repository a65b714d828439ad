/**
 * Two connected in-process streams: what one writes, the other reads. A bridge's local
 * side is an MQTT connection into our own broker over such a pair (broker.handle takes any
 * duplex), so it is a session like any other: its queue, limits, ACL and persistence.
 */

import { Duplex } from 'node:stream';

/** Returns [a, b]: bytes written to a are read from b and the other way round; ending or destroying one ends the other. */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(error, callback) {
        const other = peer();
        if (!other.destroyed) other.destroy();
        callback(error);
      },
    });
  ends.push(make(() => ends[1]!), make(() => ends[0]!));
  return [ends[0]!, ends[1]!];
}
