/**
 * How libmosquitto's network loop ends when a connection goes: some errors are fatal and
 * end mosquitto_sub with their code (TLS, protocol), others make it reconnect. The text
 * is what the client prints, `Error: <mosquitto_strerror>`.
 */

import { MOSQ_ERR, mosquittoStrerror } from '../../shared/mosquitto/strings';

/** The loop's return code and the line printed for it. */
export interface LoopEnd {
  rc: number;
  text?: string;
}

/** A loop end with mosquitto's line for the code. */
export function loopEnd(rc: number): LoopEnd {
  return { rc, text: `Error: ${mosquittoStrerror(rc)}\n` };
}

/** Whether an error came from TLS (handshake, certificate). */
export function isTlsError(error: Error | undefined): boolean {
  if (!error) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return /^ERR_(TLS|SSL)|CERT|^UNABLE_TO|^SELF_SIGNED|^DEPTH_ZERO|^HOSTNAME/.test(code) || /TLS|SSL|certificate|alert/i.test(error.message);
}

/**
 * For mosquitto_sub's loop_forever: the end of the run for fatal errors, undefined when
 * it would reconnect (a lost connection).
 */
export function connectionLost(error: Error | undefined): LoopEnd | undefined {
  if (isTlsError(error)) return loopEnd(MOSQ_ERR.TLS);
  if (error && /protocol|malformed|Invalid|Unknown/i.test(error.message) && !(error as NodeJS.ErrnoException).code) return loopEnd(MOSQ_ERR.PROTOCOL);
  return undefined;
}

/** Certificate checks that OpenSSL reports as one "certificate verify failed". */
const VERIFY_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_CERT_ALTNAME|HOSTNAME_MISMATCH|INVALID_CA|PATH_LENGTH)/;

/** The OpenSSL 3 error string libmosquitto logs for a failed handshake. */
export function openSslError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (VERIFY_CODES.test(code)) return 'error:0A000086:SSL routines::certificate verify failed';
  const match = /error:([0-9A-F]{8}):([^:]*):[^:]*:([^:]*)/.exec(error.message);
  return match ? `error:${match[1]}:${match[2]}::${match[3]}` : error.message;
}
