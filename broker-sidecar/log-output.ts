/**
 * Where the CLI's log lines go, which ones, and how they look: mosquitto.conf's `log_type`,
 * `log_dest`, `log_timestamp`, `log_timestamp_format`, `log_facility` and
 * `connection_messages`. Types filter lines (severities, plus subscribe/unsubscribe/
 * websockets); destinations are stdout, stderr, files, syslog (syslog.ts), and `topic`,
 * which publishes each line to `$SYS/broker/log/<X>` as mosquitto does. dlt is accepted and
 * ignored (the configuration warns about it).
 */

import { closeSync, openSync, writeSync } from 'node:fs';
import type { BrokerEvents } from './broker-events';
import type { LogDestination, LogType } from './config/broker-config';
import { formatLogLine, lineBody, logTypeOf, type LogEntry, type TimestampStyle } from './logger';
import { compileStrftime } from './strftime';
import { SyslogWriter } from './syslog';
import type { Message } from './types';

/** A log type that selects lines (`none` and `all` only change the selection; nothing here logs `internal`). */
export type SelectableLogType = Exclude<LogType, 'none' | 'all' | 'internal'>;

/** Every selectable type, what `log_type all` and `-v` mean. */
export const ALL_LOG_TYPES: readonly SelectableLogType[] = ['error', 'warning', 'notice', 'information', 'debug', 'subscribe', 'unsubscribe', 'websockets'];

/** What the CLI writes without a config file: notices and worse on stdout (-v: everything). */
export const CLI_DEFAULT_LOGGING: LoggingConfig = { types: ['error', 'warning', 'notice'], destinations: [{ kind: 'stdout' }] };

/** log_type and log_dest lines, in file order, and the options that shape lines. */
export interface LoggingConfig {
  types: readonly LogType[];
  destinations: readonly LogDestination[];
  /** log_timestamp; default true. */
  timestamp?: boolean;
  /** log_timestamp_format (strftime); default: seconds since the epoch. */
  timestampFormat?: string | undefined;
  /** syslog facility code for log_dest syslog; default 3 (daemon). */
  facility?: number;
  /** connection_messages; default true. */
  connectionMessages?: boolean;
}

/** The console streams, replaceable for tests. */
export interface ConsoleStreams {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What the `topic` destination and the subscribe/unsubscribe lines need from the broker. */
export interface LoggedBroker {
  readonly events: BrokerEvents;
  publish(message: Message): void;
}

/** mosquitto's `$SYS/broker/log/...` topic per type. */
const LOG_TOPICS: Record<SelectableLogType, string> = {
  error: '$SYS/broker/log/E',
  warning: '$SYS/broker/log/W',
  notice: '$SYS/broker/log/N',
  information: '$SYS/broker/log/I',
  debug: '$SYS/broker/log/D',
  subscribe: '$SYS/broker/log/M/subscribe',
  unsubscribe: '$SYS/broker/log/M/unsubscribe',
  websockets: '$SYS/broker/log/WS',
};

const processStreams: ConsoleStreams = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** The types a sequence of log_type lines selects: `none` clears what came before, `all` selects everything (as mosquitto reads them). */
export function selectedLogTypes(types: readonly LogType[]): Set<SelectableLogType> {
  const selected = new Set<SelectableLogType>();
  for (const type of types) {
    if (type === 'none') selected.clear();
    else if (type === 'all') for (const t of ALL_LOG_TYPES) selected.add(t);
    else if (type !== 'internal') selected.add(type);
  }
  return selected;
}

/** Filters and writes log lines; `configure` applies a config file, `attach` the broker-dependent parts. */
export class LogOutput {
  private types = new Set<SelectableLogType>();
  private console = { stdout: false, stderr: false };
  private files: Array<{ path: string; fd: number }> = [];
  private toTopic = false;
  private syslog: SyslogWriter | undefined;
  private style: TimestampStyle = { timestamp: true };
  private connectionMessages = true;
  private broker: LoggedBroker | undefined;
  /** Set while a line is being published, so lines that publishing causes are not published in turn. */
  private publishing = false;
  private readonly detach: Array<() => void> = [];

  /**
   * @param config the selection to start with (see CLI_DEFAULT_LOGGING)
   * @param verbose -v: every type, whatever the config says (mosquitto's -v)
   * @param streams stdout/stderr writers
   */
  constructor(
    config: LoggingConfig,
    verbose = false,
    private readonly streams: ConsoleStreams = processStreams,
  ) {
    this.configure(config, verbose);
  }

  /**
   * Replaces types, destinations and line style. Opens log files for appending; throws when
   * one cannot be opened (mosquitto refuses to start then too).
   */
  configure(config: LoggingConfig, verbose = false): void {
    const files: Array<{ path: string; fd: number }> = [];
    const outputs = { stdout: false, stderr: false };
    let toTopic = false;
    let syslog = false;
    try {
      for (const destination of config.destinations) {
        switch (destination.kind) {
          case 'none':
            // Like mosquitto, `log_dest none` drops the destinations before it.
            for (const file of files.splice(0)) closeSync(file.fd);
            outputs.stdout = outputs.stderr = toTopic = syslog = false;
            break;
          case 'stdout':
          case 'stderr':
            outputs[destination.kind] = true;
            break;
          case 'topic':
            toTopic = true;
            break;
          case 'file':
            files.push({ path: destination.path, fd: openLogFile(destination.path) });
            break;
          case 'syslog':
            syslog = true;
            break;
          case 'dlt':
            break; // no DLT daemon here; the configuration warns about the line
        }
      }
    } catch (error) {
      for (const file of files) closeSync(file.fd);
      throw error;
    }
    this.closeFiles();
    this.syslog?.close();
    this.files = files;
    this.console = outputs;
    this.toTopic = toTopic;
    this.style = { timestamp: config.timestamp ?? true, format: config.timestampFormat === undefined ? undefined : compileStrftime(config.timestampFormat) };
    this.connectionMessages = config.connectionMessages ?? true;
    this.types = verbose ? new Set(ALL_LOG_TYPES) : selectedLogTypes(config.types);
    this.syslog = syslog ? new SyslogWriter(config.facility ?? 3, (message) => this.streams.stderr(`${formatLogLine({ level: 'warning', clientId: undefined, message }, new Date(), this.style)}\n`)) : undefined;
    if (this.broker) this.subscribeEvents(this.broker);
  }

  /** Whether lines of a type are written anywhere. */
  wants(type: SelectableLogType): boolean {
    return this.types.has(type) && (this.console.stdout || this.console.stderr || this.files.length > 0 || this.toTopic || this.syslog !== undefined);
  }

  /** Connects the broker: the `topic` destination publishes through it, and subscribe/unsubscribe lines come from its events. */
  attach(broker: LoggedBroker): void {
    this.broker = broker;
    this.subscribeEvents(broker);
  }

  /** Writes an entry to every destination when its type is selected. */
  write(entry: LogEntry, now: Date = new Date()): void {
    const type = logTypeOf(entry);
    if (!this.types.has(type)) return;
    if (entry.connection && !this.connectionMessages) return;
    const line = `${formatLogLine(entry, now, this.style)}\n`;
    if (this.console.stdout) this.streams.stdout(line);
    if (this.console.stderr) this.streams.stderr(line);
    for (const file of this.files) writeSync(file.fd, line); // synchronous: nothing is lost when the process exits
    this.syslog?.write(entry, lineBody(entry));
    if (this.toTopic && this.broker && !this.publishing) this.publish(this.broker, type, entry, now);
  }

  /** Closes log files and the syslog pipe, and stops listening to the broker. */
  close(): void {
    this.closeFiles();
    this.files = [];
    this.syslog?.close();
    this.syslog = undefined;
    for (const off of this.detach.splice(0)) off();
  }

  private publish(broker: LoggedBroker, type: SelectableLogType, entry: LogEntry, now: Date): void {
    // mosquitto's payload: "<timestamp>: <message>" (as log_timestamp says); the topic says the type.
    const { style } = this;
    const stamp = style.timestamp ? `${style.format ? style.format(now) : Math.floor(now.getTime() / 1000)}: ` : '';
    const payload = Buffer.from(`${stamp}${entry.message}`);
    this.publishing = true;
    try {
      // QoS 0, not mosquitto's 2: with debug lines on, the acknowledgements of a QoS 2 log
      // message would be logged and published in turn, without end. Not retained, as mosquitto.
      broker.publish({ topic: LOG_TOPICS[type], payload, qos: 0, retain: false, properties: undefined, senderId: undefined, expiresAt: undefined, userPropertyBytes: undefined });
    } finally {
      this.publishing = false;
    }
  }

  /** mosquitto's subscribe/unsubscribe lines: "<client> <qos> <filter>" and "<client> <filter>". */
  private subscribeEvents(broker: LoggedBroker): void {
    for (const off of this.detach.splice(0)) off();
    if (this.types.has('subscribe')) {
      this.detach.push(broker.events.on('subscribed', (e) => this.write({ level: 'info', clientId: e.clientId, category: 'subscribe', message: `${e.clientId} ${e.qos} ${e.filter}` })));
    }
    if (this.types.has('unsubscribe')) {
      this.detach.push(broker.events.on('unsubscribed', (e) => this.write({ level: 'info', clientId: e.clientId, category: 'unsubscribe', message: `${e.clientId} ${e.filter}` })));
    }
  }

  private closeFiles(): void {
    for (const file of this.files) closeSync(file.fd);
  }
}

function openLogFile(path: string): number {
  try {
    return openSync(path, 'a');
  } catch (error) {
    throw new Error(`Unable to open log file ${path} for writing: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
