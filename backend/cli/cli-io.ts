/**
 * What a CLI command writes to and listens for, injected so tests can run commands in
 * process and the real entry point can hand in the process's streams and signals.
 */

import { appendFileSync } from 'node:fs';

/** The outside world of one command. */
export interface CliIo {
  stdout(data: Uint8Array | string): void;
  stderr(text: string): void;
  /** Called with a handler for SIGINT/SIGTERM; returns a function removing it. */
  onSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
  /** Reads all of stdin (pub -s, -l). */
  stdin(): AsyncIterable<Uint8Array>;
  /** Environment (profiles' config directory, TZ...). */
  env: NodeJS.ProcessEnv;
}

/** The real process's streams and signals. */
export function processIo(): CliIo {
  return {
    // Pipes and files are written synchronously on Linux, so stdout and stderr keep their order.
    stdout: (data) => void process.stdout.write(data),
    stderr: (text) => void process.stderr.write(text),
    onSignal: (handler) => {
      const onInt = () => handler('SIGINT');
      const onTerm = () => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
    stdin: () => process.stdin,
    env: process.env,
  };
}

/** Appends one JSON line to a file (`--output`), creating it when needed. */
export function appendJsonLine(file: string, value: unknown): void {
  appendFileSync(file, JSON.stringify(value) + '\n');
}
