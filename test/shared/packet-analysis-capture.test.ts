/**
 * Flows and keepalive over a real capture: mosquitto_pub and mosquitto_sub at QoS 1 and 2
 * through Debian's mosquitto, and a raw client that pings, captured by dumpcap. Every flow
 * step is the frame tshark says carried that packet type and identifier, at tshark's time.
 */

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readCapture } from '../../shared/capture-file/mqtt-capture';
import { PacketAnalysis } from '../../shared/packet-analysis/packet-analysis';
import { RawClient } from '../helpers/broker-harness';
import { startCapture, type LiveCapture } from '../helpers/live-capture';
import { startMosquitto, waitForLog, type Mosquitto } from '../helpers/mosquitto';

const run = promisify(execFile);

describe('flows of a real capture', () => {
  let mosquitto: Mosquitto | undefined;
  let capture: LiveCapture | undefined;
  afterEach(() => capture?.abort());
  afterAll(() => mosquitto?.stop());

  it('links every QoS 1 and 2 step in both directions, timed as tshark times the frames', async () => {
    mosquitto = await startMosquitto();
    const port = mosquitto.port;
    capture = await startCapture(port);
    const sub = run('mosquitto_sub', ['-p', String(port), '-i', 'flow-sub', '-t', 'f/#', '-q', '2', '-C', '2'], { timeout: 10_000 });
    await waitForLog(mosquitto, 'flow-sub 2 f/#');
    await run('mosquitto_pub', ['-p', String(port), '-i', 'flow-pub1', '-t', 'f/1', '-m', 'one', '-q', '1'], { timeout: 10_000 });
    await run('mosquitto_pub', ['-p', String(port), '-i', 'flow-pub2', '-t', 'f/2', '-m', 'two', '-q', '2'], { timeout: 10_000 });
    await sub;
    const pinger = await RawClient.connected(port, 'flow-ping', 4, { keepalive: 1 });
    pinger.send({ cmd: 'pingreq' });
    expect((await pinger.next()).cmd).toBe('pingresp');
    pinger.send({ cmd: 'disconnect' });
    await pinger.waitClosed();
    const contents = readCapture(await capture.stop());

    // tshark's own account: frame → time, and which frames carry which MQTT type and id.
    const rows = execFileSync('tshark', ['-r', capture.file, '-d', `tcp.port==${port},mqtt`, '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'tcp.stream', '-e', 'mqtt.msgtype', '-e', 'mqtt.msgid'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    const frameTime = new Map(rows.map(([frame, time]) => [Number(frame), Number(time) * 1000]));
    const frameOf = (tcpStream: number, type: number, id: number, after: number) =>
      Number(rows.find(([frame, , stream, types, ids]) => Number(stream) === tcpStream && Number(frame) > after && types!.split(',').some((t) => Number(t) === type) && ids!.split(',').includes(String(id)))?.[0]);

    const byClient = new Map(contents.streams.map((s) => [s.clientId, s]));
    const flowsOf = (clientId: string) => {
      const stream = byClient.get(clientId)!;
      const analysis = new PacketAnalysis(stream.protocolVersion);
      for (const packet of stream.packets) analysis.add(packet);
      const frames = new Map(stream.packets.map((p) => [p.seq, p.frame!]));
      return { analysis, flows: Array.from({ length: analysis.flows.length }, (_, i) => analysis.flows.flow(i)), frames };
    };

    // The QoS 2 publisher: PUBLISH → PUBREC → PUBREL → PUBCOMP, each at its frame's time.
    const pub2 = flowsOf('flow-pub2');
    expect(pub2.flows.map((f) => [f.kind, f.direction, f.status])).toEqual([['QoS 2', 'out', 'complete']]);
    let after = 0;
    for (const [i, step] of pub2.flows[0]!.steps.entries()) {
      const frame = frameOf(byClient.get('flow-pub2')!.tcpStream, [3, 5, 6, 7][i]!, pub2.flows[0]!.packetId, after);
      expect(pub2.frames.get(step.seq)).toBe(frame);
      expect(step.time).toBeCloseTo(frameTime.get(frame)!, 3);
      after = frame;
    }
    // The subscriber receives QoS 1 then QoS 2 from the broker and acknowledges both.
    const sub2 = flowsOf('flow-sub');
    expect(sub2.flows.map((f) => [f.kind, f.direction, f.status, f.steps.map((s) => s.type)])).toEqual([
      ['SUBSCRIBE', 'out', 'complete', ['SUBSCRIBE', 'SUBACK']],
      ['QoS 1', 'in', 'complete', ['PUBLISH', 'PUBACK']],
      ['QoS 2', 'in', 'complete', ['PUBLISH', 'PUBREC', 'PUBREL', 'PUBCOMP']],
    ]);
    const rtt = sub2.analysis.stats.roundTrips().find((r) => r.step === 'PUBLISH → PUBACK' && r.direction === 'in')!;
    const q1 = sub2.flows[1]!;
    expect(rtt.max).toBeCloseTo(frameTime.get(sub2.frames.get(q1.steps[1]!.seq)!)! - frameTime.get(sub2.frames.get(q1.steps[0]!.seq)!)!, 3);

    // The pinger: keepalive 1 s, one ping answered.
    const ping = flowsOf('flow-ping').analysis.keepalive.sessions[0]!;
    expect(ping.keepalive).toBe(1);
    expect(ping.pings).toHaveLength(1);
    expect(ping.pings[0]!.rtt).toBeGreaterThanOrEqual(0);
    expect(ping.end?.by).toBe('DISCONNECT');
  }, 180_000);
});
