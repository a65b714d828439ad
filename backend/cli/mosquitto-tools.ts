/**
 * `mqtt-desk pub|sub|rr`: read the command line as mosquitto does (its per-user options
 * file included), resolve --profile, load the message, plan the connection, run.
 */

import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkMessageGiven, parseMosquittoArgs } from '../../shared/mosquitto/args';
import type { MosquittoConfig, MosquittoTool } from '../../shared/mosquitto/config';
import type { Profile } from '../../shared/profile';
import { utf8Encode } from '../../shared/utf8';
import { resolveConfigDir } from '../config-dir';
import { ProfileStore } from '../profile-store';
import type { CliIo } from './cli-io';
import { runCollection } from './collection-command';
import { PlanError, planFromFlags, planFromProfile, type ConnectPlan } from './connect-plan';
import { checkCliFormat, DeskPayloads, type CliFormat } from './desk-payload';
import { runPub, templateSource, type PubSource } from './pub-command';
import { runRr } from './rr-command';
import { runSub } from './sub-command';
import { toolUsage, toolVersion } from './usage';

/** The lines of mosquitto's per-user defaults file for a tool, when there is one. */
function optionsFile(tool: MosquittoTool, env: NodeJS.ProcessEnv): string[] {
  const dir = env.XDG_CONFIG_HOME ?? (env.HOME ? path.join(env.HOME, '.config') : undefined);
  if (!dir) return [];
  try {
    return readFileSync(path.join(dir, `mosquitto_${tool}`), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** A profile by name, else by id. */
export function findIn(profiles: readonly Profile[], nameOrId: string): Profile | undefined {
  return profiles.find((p) => p.name === nameOrId) ?? profiles.find((p) => p.id === nameOrId);
}

/** The error for a profile name that is not saved. */
export function noProfile(nameOrId: string): string {
  return `No saved profile named '${nameOrId}' ('mqtt-desk profiles ls' lists them).`;
}

/** Finds a saved profile by name (or id), with its secrets. */
export async function findProfile(nameOrId: string, env: NodeJS.ProcessEnv): Promise<Profile | undefined> {
  return findIn(await new ProfileStore(resolveConfigDir(env)).list(), nameOrId);
}

/** Runs pub, sub or rr with its arguments; resolves to the exit code. */
export async function runMosquittoTool(tool: MosquittoTool, argv: string[], io: CliIo): Promise<number> {
  const program = `mqtt-desk ${tool}`;
  const parsed = parseMosquittoArgs(tool, argv, { optionsFile: optionsFile(tool, io.env), program });
  if (parsed.kind === 'help') {
    io.stdout(toolUsage(tool));
    return 1;
  }
  if (parsed.kind === 'version') {
    io.stdout(toolVersion(tool));
    return 1;
  }
  if (parsed.kind === 'error') {
    io.stderr(parsed.stderr);
    return 1;
  }
  const config = parsed.config;
  const formatProblem = checkCliFormat(config.desk.format);
  if (formatProblem) {
    io.stderr(formatProblem);
    return 1;
  }
  let profile: Profile | undefined;
  if (config.desk.profile !== undefined) {
    try {
      profile = await findProfile(config.desk.profile, io.env);
    } catch (error) {
      io.stderr(`Error: ${(error as Error).message}\n`);
      return 1;
    }
    if (!profile) {
      io.stderr(`Error: ${noProfile(config.desk.profile)}\n`);
      return 1;
    }
  }
  const collection = tool === 'pub' && config.desk.collection !== undefined;
  if (!collection && config.desk.env !== undefined) {
    io.stderr('Error: --env names an environment of a --collection.\n');
    return 1;
  }

  let payload: Uint8Array | undefined;
  if (tool !== 'sub' && !collection) {
    const loaded = await loadMessage(config, io);
    if (loaded.exit !== undefined) return loaded.exit;
    payload = loaded.payload;
    const missing = checkMessageGiven(config, program);
    if (missing) {
      io.stderr(missing);
      if (tool === 'pub') io.stdout(toolUsage('pub'));
      return 1;
    }
  }

  let plan: ConnectPlan;
  try {
    plan = profile ? await planFromProfile(config, profile) : await planFromFlags(config);
  } catch (error) {
    // PlanError: mosquitto's own words; others: a profile's TLS files that do not load.
    if (!config.quiet) io.stderr(error instanceof PlanError ? error.message : `Error: ${(error as Error).message}\n`);
    return 1;
  }

  if (collection) return runCollection(config, plan, io, profile?.schemas);
  const format = config.desk.format as CliFormat | undefined;
  const payloads = format ? new DeskPayloads(format, profile?.schemas) : undefined;
  if (tool === 'sub') return runSub(config, plan, io, payloads);
  let body = payload ?? new Uint8Array(0);
  if (payloads && config.pubMode !== 'stdin-line' && config.pubMode !== 'null') {
    try {
      body = payloads.encode(config.topic!, Buffer.from(body).toString('utf8'));
    } catch (error) {
      io.stderr(`Error: ${(error as Error).message}\n`);
      return 1;
    }
  }
  if (tool === 'rr') return runRr(config, plan, body, io);
  let source: PubSource = { kind: 'fixed', payload: body };
  if (config.pubMode === 'stdin-line') source = { kind: 'lines', lines: io.stdin() };
  else if (config.desk.count !== undefined || config.desk.rate !== undefined) {
    source = templateSource(Buffer.from(payload ?? new Uint8Array(0)).toString('utf8'), config.topic!, payloads, config.desk.count ?? config.repeatCount);
  }
  return runPub(config, plan, source, io);
}

/** Loads -m, -f or -s as mosquitto_pub does, with its error lines. */
async function loadMessage(config: MosquittoConfig, io: CliIo): Promise<{ payload?: Uint8Array; exit?: number }> {
  const err = (text: string) => {
    if (!config.quiet) io.stderr(text);
  };
  if (config.pubMode === 'cmd') return { payload: utf8Encode(config.message ?? '') };
  if (config.pubMode === 'stdin-file') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of io.stdin()) chunks.push(chunk);
    const data = Buffer.concat(chunks);
    if (data.length > 268435455) {
      err('Error: Message length must be less than 268435455 bytes.\n\n');
      err('Error loading input from stdin.\n');
      return { exit: 1 };
    }
    if (data.length === 0) {
      err('Error: Zero length input.\n');
      err('Error loading input from stdin.\n');
      return { exit: 1 };
    }
    return { payload: data };
  }
  if (config.pubMode === 'file' && config.file !== undefined) {
    try {
      const data = await fs.readFile(config.file);
      if (data.length > 268435455) {
        err('Error: File must be less than 268435455 bytes.\n\n');
        err(`Error loading input file "${config.file}".\n`);
        return { exit: 1 };
      }
      return { payload: data };
    } catch {
      err(`Error: Unable to open file "${config.file}".\n`);
      err(`Error loading input file "${config.file}".\n`);
      return { exit: 1 };
    }
  }
  return { payload: new Uint8Array(0) };
}
