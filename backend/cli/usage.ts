/** Help and version text of `mqtt-desk` and its pub, sub and rr commands. */

import type { MosquittoTool } from '../../shared/mosquitto/config';
import { CLI_FORMATS } from './desk-payload';
import { version } from '../../package.json';

const CONNECTION = `Connection (as mosquitto's clients):
 -h host            broker host (default localhost)     -p port     (default 1883, 8883 with TLS)
 -L URL             mqtt(s)://[user[:password]@]host[:port]/topic
 -u user -P pass    credentials                          -i id | -I id-prefix
 -k keepalive       seconds (5-65535, default 60)        -c          no clean session
 -V version         mqttv31 | mqttv311 | mqttv5 (31 | 311 | 5)
 -x expiry          MQTT 5 session expiry (-1 or ∞: never)
 -D command property [key] value   MQTT 5 property, e.g. -D publish content-type text/plain
 -A address         bind to a local address              --nodelay   no Nagle delay
 --unix path        connect to a unix socket             --quiet     no error messages
 -d                 debug lines (packets sent and received)
 --will-topic t [--will-payload p] [--will-qos q] [--will-retain]
TLS: --cafile file | --capath dir, --cert file --key file, --insecure (no host name check),
     --tls-version tlsv1.3|tlsv1.2|tlsv1.1, --tls-alpn protocol, --ciphers list,
     --tls-use-os-certs, --psk hex --psk-identity id
Desk: --profile NAME   use a saved profile of the desk (its secrets too); flags override it
      --format F       ${CLI_FORMATS.join('|')}: decode (sub, rr) or encode (pub)
                       with the desk's codecs`;

const USAGE: Record<MosquittoTool, string> = {
  pub: `mqtt-desk pub: publish like mosquitto_pub (the same flags, output and exit codes).

Usage: mqtt-desk pub {-t topic | -L URL} {-m message | -f file | -s | -l | -n} [options]
 -t topic           topic to publish to                  -q qos      0, 1 or 2
 -m message         the message                           -f file     a file's bytes
 -s                 stdin as one message                  -l          one message per stdin line
 -n                 an empty message                      -r          retain
 --repeat N [--repeat-delay seconds]                      -M max      in-flight QoS 1/2 messages
 --count N [--rate per-second]   publish N messages; the message is a template:
                    {{counter}} {{timestamp}} {{uuid}} {{random}} {{random:MIN:MAX}}
 --collection NAME [--env NAME]  run a saved publish collection of the desk, in order
${CONNECTION}
`,
  sub: `mqtt-desk sub: subscribe like mosquitto_sub (the same flags, output and exit codes).

Usage: mqtt-desk sub {-t filter ... | -L URL} [options]
 -t filter          subscribe (repeatable)                -q qos      subscription QoS
 -T filter          do not print topics matching it       -U filter   unsubscribe
 -C count           exit after count messages             -E          exit once subscribed
 -W seconds         exit after this long (exit code 27)   -R          skip retained messages
 --retained-only    stop at the first message not retained
 --remove-retained  clear the retained messages it receives
 -v                 print the topic before the payload    -N          no newline after messages
 -F format          %t %p %q %r %l %m %x %X %I %j %J %U %A %C %D %E %F %P %R %S, @ strftime codes
 --pretty           indented JSON for %j/%J                --random-filter percent
 --output FILE      append every message as a JSON line to FILE
${CONNECTION}
`,
  rr: `mqtt-desk rr: request/response like mosquitto_rr (MQTT 5).

Usage: mqtt-desk rr {-t topic | -L URL} -e response-topic {-m message | -f file | -s | -n} [options]
 -e topic           the response topic (sent as the request's Response Topic)
 -W seconds         give up after this long            -v, -N, -F, --pretty   as for sub
${CONNECTION}
`,
};

/** The help of one tool (printed on stdout with exit code 1, as mosquitto does). */
export function toolUsage(tool: MosquittoTool): string {
  return USAGE[tool];
}

/** The --version line. */
export function toolVersion(tool: MosquittoTool): string {
  return `mqtt-desk ${tool} version ${version} (mosquitto_${tool} 2.0.11 compatible).\n`;
}

/** `mqtt-desk --help`. */
export const MAIN_USAGE = `mqtt-desk ${version}: MQTT Desk on the command line.

Usage: mqtt-desk <command> [options]
  pub        publish (mosquitto_pub's flags), or run a saved collection (--collection)
  sub        subscribe and print (mosquitto_sub's flags)
  rr         request/response (mosquitto_rr's flags)
  conn       connect with a profile or flags, print the CONNACK and its properties
  broker     run the desk's MQTT broker (-c mosquitto.conf, -p, -v; 'mqtt-desk broker --help')
  bench      conn | pub | sub: many connections, msgs/s and latency percentiles
  profiles   ls | show NAME [--mosquitto-sub] | export [NAME...] | import FILE
Run 'mqtt-desk <command> --help' for a command's options.
`;
