/**
 * Command lines to profiles and back: pasted lines (quotes, continuations, paths, pipes)
 * read by the mosquitto parser, every connection flag mapped, what cannot come along
 * listed; a profile's mosquitto_sub line read back to the same connection.
 */

import { describe, expect, it } from 'vitest';
import { commandLineToProfile, profileToMosquittoSub } from '../../shared/command-line-profile';
import { checkProfile, type ProfileValue } from '../../shared/profile';
import { joinCommandLine, splitCommandLine } from '../../shared/shell-words';

describe('shell words', () => {
  it.each([
    [`a 'b c' "d \\"e\\" $x" f\\ g`, ['a', 'b c', 'd "e" $x', 'f g']],
    ['mosquitto_sub \\\n  -t a \\\r\n  -v', ['mosquitto_sub', '-t', 'a', '-v']],
    [`x $'tab\\there' 'it'\\''s'`, ['x', 'tab\there', "it's"]],
    ['a # a comment\nb', ['a', 'b']],
    ['""', ['']],
  ])('%j', (line, words) => {
    expect(splitCommandLine(line)).toEqual({ ok: true, words });
  });

  it.each([["a 'b", 'single quote'], ['a "b', 'double quote'], ['a \\', 'backslash']])('refuses %j, naming the problem', (line, what) => {
    expect(splitCommandLine(line)).toMatchObject({ ok: false, reason: expect.stringContaining(what) });
  });

  it('quotes words so a shell reads them back unchanged', () => {
    const words = ['mosquitto_sub', '-t', 'a/#', '-P', "p@ss w'rd", '-F', '%t %p', ''];
    expect(splitCommandLine(joinCommandLine(words))).toEqual({ ok: true, words });
  });
});

describe('"Import" → "From command line"', () => {
  it('reads a subscriber line with TLS, MQTT 5, a will and properties', () => {
    const line = `mosquitto_sub -h broker.example.com -p 8883 --cafile /etc/ssl/ca.pem --cert c.pem --key k.pem -V 5 -i desk-1 -u alice -P 's3cret pw' -k 30 -c -x 600 -q 1 -t 'plant/+/temp' -t alerts/# -D connect user-property app desk -D subscribe subscription-identifier 7 --will-topic status/desk --will-payload offline --will-qos 1 --will-retain -D will will-delay-interval 5 -v`;
    const result = commandLineToProfile(line);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.tool).toBe('sub');
    const check = checkProfile(result.profile);
    expect(check.ok).toBe(true);
    expect(result.profile).toMatchObject({
      protocol: 'mqtts',
      host: 'broker.example.com',
      port: 8883,
      mqttVersion: '5.0',
      clientId: 'desk-1',
      username: 'alice',
      password: 's3cret pw',
      keepalive: 30,
      clean: false,
      tls: { ca: '/etc/ssl/ca.pem', cert: 'c.pem', key: 'k.pem', rejectUnauthorized: true },
      will: { enabled: true, topic: 'status/desk', payload: 'offline', qos: 1, retain: true, delayInterval: 5 },
      mqtt5: { sessionExpiryInterval: 600, userProperties: [{ key: 'app', value: 'desk' }] },
      subscriptions: [
        { filter: 'plant/+/temp', qos: 1, subscriptionIdentifier: 7 },
        { filter: 'alerts/#', qos: 1, subscriptionIdentifier: 7 },
      ],
    });
    expect(result.warnings).toEqual(['Output flags (-v, -N, -F, -C, -W, -E) apply to the terminal and are not kept']);
  });

  it('takes lines as people paste them: a path, env, -L, a pipe after', () => {
    const result = commandLineToProfile('LANG=C /usr/bin/mosquitto_pub -L mqtt://u:p@10.0.0.5:1884/cmd/x -m on | tee log');
    expect(result).toMatchObject({ ok: true, tool: 'pub', profile: { host: '10.0.0.5', port: 1884, username: 'u', password: 'p', protocol: 'mqtt' } });
    expect(result.ok && result.warnings).toContain('The message itself is not part of a profile: use "Save to collection" in the publish panel');
    expect(commandLineToProfile('npx mqtt-desk sub -t a -p 2000')).toMatchObject({ ok: true, profile: { port: 2000, host: 'localhost', subscriptions: [{ filter: 'a' }] } });
  });

  it.each([
    ['mosquitto_sub -t a -p', /^Error: -p argument given but no port specified\.$/],
    ['mosquitto_sub -t a -q 7', /^Error: Invalid QoS given: 7$/],
    ['mosquitto_sub -t a/#/b', /Invalid subscription topic 'a\/#\/b'/],
    ['mosquitto_sub -t a --bogus', /Unknown option '--bogus'/],
    ['curl http://example.com', /Not a mosquitto_pub, mosquitto_sub or mosquitto_rr command line \(it starts with 'curl'\)/],
    ["mosquitto_sub -t 'a", /single quote/],
  ])('refuses %j, naming the flag', (line, reason) => {
    expect(commandLineToProfile(line)).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });
});

describe('"Copy as mosquitto_sub command"', () => {
  const profile = (patch: Record<string, unknown>): ProfileValue => {
    const check = checkProfile({ name: 'P', protocol: 'mqtt', host: '127.0.0.1', port: 1883, ...patch });
    if (!check.ok) throw new Error(JSON.stringify(check.fields));
    return check.profile;
  };

  it('reads back to the same connection', () => {
    const original = profile({
      protocol: 'mqtts',
      port: 8883,
      mqttVersion: '5.0',
      clientId: 'me',
      username: 'bob',
      password: "it's",
      clean: false,
      keepalive: 20,
      tls: { ca: '/tmp/ca.pem', cert: '/tmp/c.pem', key: '/tmp/k.pem', alpn: 'mqtt' },
      will: { enabled: true, topic: 'w', payload: 'bye', qos: 2, retain: true, contentType: 'text/plain' },
      mqtt5: { sessionExpiryInterval: 30, receiveMaximum: 10, userProperties: [{ key: 'k', value: 'v' }] },
    });
    const { command, warnings } = profileToMosquittoSub(original, [{ filter: 'a/#', qos: 1 }]);
    expect(warnings).toEqual([]);
    const back = commandLineToProfile(command);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    const again = checkProfile(back.profile);
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    const { name: _a, subscriptions, ...rest } = again.profile;
    const { name: _b, subscriptions: _s, ...expected } = original;
    expect(rest).toEqual(expected);
    expect(subscriptions).toEqual([{ filter: 'a/#', qos: 1 }]);
  });

  it('says what mosquitto_sub cannot do', () => {
    const { command, warnings } = profileToMosquittoSub(profile({ protocol: 'wss', port: 8084, tls: { ca: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', rejectUnauthorized: false, servername: 'sni' } }), [
      { filter: 'a', qos: 0 },
      { filter: 'b', qos: 2 },
    ]);
    expect(command).toBe("mosquitto_sub -h 127.0.0.1 -p 8084 --tls-use-os-certs --insecure -q 2 -t a -t b -v");
    expect(warnings).toEqual([
      'mosquitto_sub 2.0.11 has no WebSocket transport: the line connects over plain MQTT to the same host and port',
      'The CA is pasted PEM: save it to a file and add --cafile FILE',
      '--insecure only skips the host name check; mosquitto_sub still verifies the certificate chain',
      'mosquitto_sub has no SNI option: it sends the host name',
      'mosquitto_sub takes one QoS for every filter: -q 2 is used for all',
    ]);
  });
});
