/** An in-process CliIo for running `mqtt-desk` commands in a test: output captured, no signals. */

import type { CliIo } from '../../backend/cli/cli-io';

/** A CliIo whose stdout and stderr the test reads afterwards. */
export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** Makes one with the environment given (MQTT_DESK_CONFIG_DIR, usually) and optional stdin. */
export function capturedIo(env: NodeJS.ProcessEnv, stdin = ''): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: (data) => void (out += typeof data === 'string' ? data : Buffer.from(data).toString()),
    stderr: (text) => void (err += text),
    onSignal: () => () => undefined,
    stdin: async function* () {
      if (stdin) yield Buffer.from(stdin);
    },
    env,
    out: () => out,
    err: () => err,
  };
}
