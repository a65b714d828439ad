/**
 * The one pass over a mosquitto_pub / mosquitto_sub / mosquitto_rr command line
 * (client_config_line_proc): every flag mosquitto 2.0.11 knows, then the desk's own.
 * Kept apart from args.ts, the public entry, because the switch alone is most of the file.
 */

import { utf8Encode } from '../utf8';
import { addTopic, pubTopicOk, readExpiry, readUrl, Stop, subTopicOk, validUtf8 } from './arg-checks';
import { atof, atoi } from './c-numbers';
import type { DeskFlags, MosquittoConfig, MosquittoTool } from './config';
import { checkFormat } from './output-format';
import { parseProperty } from './properties';

/** The desk's flags, beyond mosquitto's: name → [tools, field, numeric]. */
const DESK_FLAGS: Record<string, { tools: readonly MosquittoTool[]; field: keyof DeskFlags; number?: boolean }> = {
  '--profile': { tools: ['pub', 'sub', 'rr'], field: 'profile' },
  '--format': { tools: ['pub', 'sub', 'rr'], field: 'format' },
  '--output': { tools: ['sub', 'rr'], field: 'output' },
  '--count': { tools: ['pub'], field: 'count', number: true },
  '--rate': { tools: ['pub'], field: 'rate', number: true },
  '--collection': { tools: ['pub'], field: 'collection' },
  '--env': { tools: ['pub'], field: 'env' },
};

/** client_config_line_proc: one pass over the arguments. */
export function readArgs(config: MosquittoConfig, argv: readonly string[]): void {
  const tool = config.tool;
  const isSub = tool === 'sub';
  const isPub = tool === 'pub';
  let i = 0;
  const unknown = () => new Stop('error', `Error: Unknown option '${argv[i]}'.\n`);
  /** The value after the flag, or mosquitto's "argument given but no ... specified". */
  const value = (what: string, flag = argv[i]!, missing = `Error: ${flag} argument given but no ${what} specified.\n\n`): string => {
    if (i === argv.length - 1) throw new Stop('error', missing);
    return argv[++i]!;
  };
  /** A whole number; mosquitto's own range message when out of range, ours when it is no number. */
  const int = (raw: string, ok: (n: number) => boolean, outOfRange: (n: number) => string): number => {
    const read = atoi(raw);
    if (!ok(read.value)) throw new Stop('error', outOfRange(read.value));
    if (!read.whole) throw new Stop('error', `Error: ${argv[i - 1]} argument '${raw}' is not a number.\n\n`);
    return read.value;
  };
  const setMode = (mode: MosquittoConfig['pubMode']) => {
    if (config.pubMode !== 'none') throw new Stop('error', 'Error: Only one type of message can be sent at once.\n\n');
    config.pubMode = mode;
  };
  const tls = config.tls;

  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    config.given.push(arg);
    switch (arg) {
      case '-A':
        config.bindAddress = value('address');
        break;
      case '--cafile':
        tls.cafile = value('file');
        break;
      case '--capath':
        tls.capath = value('directory');
        break;
      case '--cert':
        tls.cert = value('file');
        break;
      case '--ciphers':
        tls.ciphers = value('ciphers');
        break;
      case '-C':
        if (!isSub) throw unknown();
        config.msgCount = int(value('count'), (n) => n >= 1, (n) => `Error: Invalid message count "${n}".\n\n`);
        break;
      case '-c':
      case '--disable-clean-session':
        config.clean = false;
        break;
      case '-d':
      case '--debug':
        config.debug = true;
        break;
      case '-D':
      case '--property': {
        const read = parseProperty(argv, i + 1, true);
        if (!read.ok) throw new Stop('error', read.stderr);
        config.properties.push(read.property);
        i += read.consumed;
        config.protocolVersion = 5;
        config.versionGiven = true;
        break;
      }
      case '-e':
        if (tool !== 'rr') throw unknown();
        addTopic(config, 'response', value('response topic'), '-e');
        break;
      case '-E':
        if (!isSub) throw unknown();
        config.exitAfterSubscribe = true;
        break;
      case '-f':
      case '--file':
        if (isSub) throw unknown();
        setMode('file');
        config.file = value('file', '-f');
        break;
      case '-F': {
        if (isPub) throw unknown();
        const format = value('format');
        const problem = checkFormat(format);
        if (problem) throw new Stop('error', problem);
        config.format = format;
        break;
      }
      case '--help':
        throw new Stop('help');
      case '-h':
      case '--host':
        config.host = value('host', '-h');
        break;
      case '--insecure':
        tls.insecure = true;
        break;
      case '-i':
      case '--id':
        if (config.idPrefix !== undefined) throw new Stop('error', 'Error: -i and -I argument cannot be used together.\n\n');
        config.id = value('id', '-i');
        break;
      case '-I':
      case '--id-prefix':
        if (config.id !== undefined) throw new Stop('error', 'Error: -i and -I argument cannot be used together.\n\n');
        config.idPrefix = value('id prefix', '-I');
        break;
      case '-k':
      case '--keepalive':
        config.keepalive = int(value('keepalive', '-k'), (n) => n >= 5 && n <= 65535, () => 'Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n');
        break;
      case '--key':
        tls.key = value('file');
        break;
      case '--keyform':
        tls.keyform = value('keyform');
        break;
      case '-L':
      case '--url':
        readUrl(config, value('URL', '-L'));
        break;
      case '-l':
      case '--stdin-line':
        if (!isPub) throw unknown();
        setMode('stdin-line');
        break;
      case '-m':
      case '--message': {
        if (isSub) throw unknown();
        if (config.pubMode !== 'none') throw new Stop('error', 'Error: Only one type of message can be sent at once.\n\n');
        const message = value('message', '-m');
        if (utf8Encode(message).length > 268435455) throw new Stop('error', 'Error: Message length must be less than 268435455 bytes.\n\n');
        config.message = message;
        config.pubMode = 'cmd';
        break;
      }
      case '-M':
        config.maxInflight = int(value('', '-M', 'Error: -M argument given but max_inflight not specified.\n\n'), (n) => n >= 1, () => 'Error: Maximum inflight messages must be greater than 0.\n\n');
        break;
      case '--nodelay':
        config.tcpNoDelay = true;
        break;
      case '-n':
      case '--null-message':
        if (isSub) throw unknown();
        setMode('null');
        break;
      case '-N':
        if (isPub) throw unknown();
        config.eol = false;
        break;
      case '-p':
      case '--port':
        config.port = int(value('port', '-p'), (n) => n >= 0 && n <= 65535, (n) => `Error: Invalid port given: ${n}\n`);
        break;
      case '--pretty':
        if (isPub) throw unknown();
        config.pretty = true;
        break;
      case '-P':
      case '--pw':
        config.password = value('password', '-P');
        break;
      case '--proxy':
        config.proxy = value('proxy url');
        break;
      case '--psk':
        tls.psk = value('key');
        break;
      case '--psk-identity':
        tls.pskIdentity = value('identity');
        break;
      case '-q':
      case '--qos':
        config.qos = int(value('QoS', '-q'), (n) => n >= 0 && n <= 2, (n) => `Error: Invalid QoS given: ${n}\n`) as 0 | 1 | 2;
        break;
      case '--quiet':
        config.quiet = true;
        break;
      case '-r':
      case '--retain':
        if (!isPub) throw unknown();
        config.retain = true;
        break;
      case '-R':
        if (isPub) throw unknown();
        config.noRetain = true;
        break;
      case '--random-filter': {
        if (!isSub) throw unknown();
        const read = atof(value('chance'));
        const chance = Math.trunc(10 * read.value);
        if (!(chance <= 10000 && chance >= 1)) throw new Stop('error', 'Error: --random-filter chance must be between 0.1-100.0\n\n');
        config.randomFilter = chance;
        break;
      }
      case '--remove-retained':
        if (!isSub) throw unknown();
        config.removeRetained = true;
        break;
      case '--repeat':
        if (!isPub) throw unknown();
        config.repeatCount = int(value('count'), (n) => n >= 1, () => 'Error: --repeat argument must be >0.\n\n');
        break;
      case '--repeat-delay': {
        if (!isPub) throw unknown();
        const raw = value('time');
        const read = atof(raw);
        if (read.value < 0) throw new Stop('error', 'Error: --repeat-delay argument must be >=0.0.\n\n');
        if (!read.whole) throw new Stop('error', `Error: --repeat-delay argument '${raw}' is not a number.\n\n`);
        config.repeatDelayMs = Math.trunc(Math.fround(read.value) * 1e6) / 1000;
        break;
      }
      case '--retain-as-published':
        if (isPub) throw unknown();
        config.retainAsPublished = true;
        break;
      case '--retained-only':
        if (!isSub) throw unknown();
        config.retainedOnly = true;
        break;
      case '-s':
      case '--stdin-file':
        if (isSub) throw unknown();
        setMode('stdin-file');
        break;
      case '-t':
      case '--topic':
        addTopic(config, tool, value('topic', '-t'), '-t');
        break;
      case '-T':
      case '--filter-out': {
        if (!isSub) throw unknown();
        const filter = value('topic filter', '-T');
        if (!validUtf8(filter)) throw new Stop('error', 'Error: Malformed UTF-8 in -T argument.\n\n');
        if (!subTopicOk(filter)) throw new Stop('error', `Error: Invalid filter topic '${filter}', are all '+' and '#' wildcards correct?\n`);
        config.filterOuts.push(filter);
        break;
      }
      case '--tls-alpn':
        tls.alpn = value('protocol');
        break;
      case '--tls-engine':
        tls.engine = value('engine_id');
        break;
      case '--tls-engine-kpass-sha1':
        tls.engineKpassSha1 = value('kpass sha1');
        break;
      case '--tls-use-os-certs':
        tls.useOsCerts = true;
        break;
      case '--tls-version':
        tls.version = value('version');
        break;
      case '-U':
      case '--unsubscribe': {
        if (!isSub) throw unknown();
        const filter = value('unsubscribe topic', '-U');
        if (!validUtf8(filter)) throw new Stop('error', 'Error: Malformed UTF-8 in -U argument.\n\n');
        if (!subTopicOk(filter)) throw new Stop('error', `Error: Invalid unsubscribe topic '${filter}', are all '+' and '#' wildcards correct?\n`);
        config.unsubscribeTopics.push(filter);
        break;
      }
      case '-u':
      case '--username':
        config.username = value('username', '-u');
        break;
      case '--unix':
        config.host = value('socket path');
        config.port = 0;
        break;
      case '-V':
      case '--protocol-version': {
        const version = value('version', '--protocol-version');
        if (version === 'mqttv31' || version === '31') config.protocolVersion = 3;
        else if (version === 'mqttv311' || version === '311') config.protocolVersion = 4;
        else if (version === 'mqttv5' || version === '5') config.protocolVersion = 5;
        else throw new Stop('error', 'Error: Invalid protocol version argument given.\n\n');
        config.versionGiven = true;
        break;
      }
      case '-v':
      case '--verbose':
        if (isPub) throw unknown();
        config.verbose = true;
        break;
      case '--version':
        throw new Stop('version');
      case '-W':
        if (isPub) throw unknown();
        config.timeout = int(value('timeout'), (n) => n >= 1, (n) => `Error: Invalid timeout "${n}".\n\n`);
        break;
      case '--will-payload':
        (config.will ??= { qos: 0, retain: false }).payload = value('will payload');
        break;
      case '--will-qos':
        (config.will ??= { qos: 0, retain: false }).qos = int(value('will QoS'), (n) => n >= 0 && n <= 2, (n) => `Error: Invalid will QoS ${n}.\n\n`) as 0 | 1 | 2;
        break;
      case '--will-retain':
        (config.will ??= { qos: 0, retain: false }).retain = true;
        break;
      case '--will-topic': {
        const topic = value('will topic');
        if (!validUtf8(topic)) throw new Stop('error', 'Error: Malformed UTF-8 in --will-topic argument.\n\n');
        if (!pubTopicOk(topic)) throw new Stop('error', `Error: Invalid will topic '${topic}', does it contain '+' or '#'?\n`);
        (config.will ??= { qos: 0, retain: false }).topic = topic;
        break;
      }
      case '-x':
        config.sessionExpiryInterval = readExpiry(value('session expiry interval'));
        break;
      default: {
        const desk = DESK_FLAGS[arg];
        if (!desk || !desk.tools.includes(tool)) throw unknown();
        const raw = value(desk.field === 'count' || desk.field === 'rate' ? 'number' : desk.field);
        if (desk.number) {
          const n = Number(raw);
          if (!Number.isFinite(n) || n <= 0 || (desk.field === 'count' && !Number.isInteger(n))) throw new Stop('error', `Error: ${arg} argument '${raw}' must be a positive ${desk.field === 'count' ? 'whole ' : ''}number.\n\n`);
          (config.desk as Record<string, unknown>)[desk.field] = n;
        } else (config.desk as Record<string, unknown>)[desk.field] = raw;
      }
    }
  }
}
