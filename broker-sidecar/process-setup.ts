/**
 * What mosquitto does to its own process around the broker: the pid file (`pid_file`), and
 * dropping root privileges to `user` (default `mosquitto`, or `nobody` when that user does
 * not exist). mosquitto 2.0.11 drops them right after reading its configuration, before it
 * writes the pid file, opens logs, the store and the listeners, and so does this broker:
 * every file must be usable by that user, and ports below 1024 need CAP_NET_BIND_SERVICE.
 */

import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import type { Logger } from './logger';

/** Writes the process ID; throws with mosquitto's wording when the file cannot be written (mosquitto exits then). */
export function writePidFile(file: string): void {
  try {
    writeFileSync(file, `${process.pid}\n`);
  } catch (error) {
    throw new Error(`Unable to write pid file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** mosquitto's advice when a listener cannot bind a port below 1024 after dropping privileges. */
export const PRIVILEGED_PORT_HINT = "If you are trying to bind to a privileged port (<1024), give node CAP_NET_BIND_SERVICE (sudo setcap 'cap_net_bind_service=+ep' $(command -v node)) and do not start the broker as root, or add `user root` to the configuration.";

/** Removes the pid file at exit; a file the dropped user may not remove is left, as with mosquitto. */
export function removePidFile(file: string | undefined): void {
  if (file === undefined) return;
  try {
    rmSync(file, { force: true });
  } catch {
    // not ours to remove any more
  }
}

/** The numeric uid and primary gid of a user, or undefined when there is no such user. */
function idsOf(user: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * Switches to `user`, its primary group and its supplementary groups when running as root
 * (not for `root` itself). Throws when the user cannot be taken (mosquitto exits then).
 */
export function dropPrivileges(user: string | undefined, log: Logger): void {
  if (user === undefined || user === 'root' || typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  let name = user;
  let ids = idsOf(user);
  if (!ids && user === 'mosquitto') {
    log({ level: 'warning', clientId: undefined, message: "Unable to drop privileges to 'mosquitto' because this user does not exist. Trying 'nobody' instead." });
    name = 'nobody';
    ids = idsOf(name);
  }
  if (!ids) throw new Error(`Unable to drop privileges to '${name}' because this user does not exist.`);
  // initgroups is in Node since 0.9 but missing from @types/node 20: the user's supplementary groups, as mosquitto sets them.
  (process as unknown as { initgroups(user: string, extraGroup: number): void }).initgroups(name, ids.gid);
  process.setgid!(ids.gid);
  process.setuid!(ids.uid);
  log({ level: 'info', clientId: undefined, message: `Dropped privileges to user '${name}' (uid ${ids.uid}, gid ${ids.gid}).` });
}
