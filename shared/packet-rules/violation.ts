/**
 * What a broken rule looks like, wherever it is found (the byte-level validator, a broker
 * handler, the packet inspector): the rule, a sentence for a person, and how a server
 * answers it. Rules are the specifications' numbered normative statements where one exists
 * (`MQTT-3.1.2-22`), else the section that says it (`§3.8.3.1`).
 */

/** MQTT protocol level: 3 = 3.1, 4 = 3.1.1, 5 = 5.0. */
export type ProtocolLevel = 3 | 4 | 5;

/**
 * A normative statement ID such as `MQTT-3.1.2-22`, a section such as `§3.8.3.1`, or, for a
 * limit of the server's own that no rule of the version covers, a short name ("broker limit").
 */
export type RuleRef = string;

/** One rule a client broke, with the answer the spec gives. */
export interface Violation {
  rule: RuleRef;
  /** What was wrong, for a person: "Password Flag set without User Name Flag". */
  message: string;
  /** The 5.0 reason code of the CONNACK or DISCONNECT that refuses it. */
  reasonCode: number;
  /**
   * For a refused 3.x CONNECT: the CONNACK return code the spec gives (0x01, 0x02); absent,
   * 3.x closes the connection without one ([MQTT-3.1.4-1] in 3.1.1).
   */
  returnCode?: number;
}

/** MQTT 5.0 reason codes a server refuses with (table 2-6). */
export const RC = {
  malformed: 0x81,
  protocolError: 0x82,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  topicNameInvalid: 0x90,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  payloadFormatInvalid: 0x99,
} as const;

/** MQTT 3.1/3.1.1 CONNACK return codes a refusal uses. */
export const RETURN_CODE = {
  unacceptableProtocolVersion: 0x01,
  identifierRejected: 0x02,
} as const;

const VERSION_NAMES: Record<ProtocolLevel, string> = { 3: '3.1', 4: '3.1.1', 5: '5.0' };

/** The version's name as people write it: "3.1", "3.1.1", "5.0". */
export function versionName(version: ProtocolLevel): string {
  return VERSION_NAMES[version];
}

/**
 * A rule in brackets, as Reason Strings and log lines show it: `[MQTT-3.1.2-22]`, or
 * `[MQTT 5.0 §3.8.3.1]` for a section (whose number only means something with its version).
 */
export function formatRule(rule: RuleRef, version: ProtocolLevel): string {
  if (rule.startsWith('§')) return `[MQTT ${versionName(version)} ${rule}]`;
  return `[${rule}]`;
}

/** "[MQTT-3.1.2-22] Password Flag set without User Name Flag": the Reason String and log text of a violation. */
export function describeViolation(violation: Violation, version: ProtocolLevel): string {
  return `${formatRule(violation.rule, version)} ${violation.message}`;
}
