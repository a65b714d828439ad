/** Writes a file so that a crash leaves either the old or the new content, never half. */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DeskError } from '../shared/errors';

/**
 * Writes `text` to a temp file beside `file`, then renames it over. `mode` applies to the new
 * file (0o600: owner only).
 * @throws DeskError STORE_IO naming the file.
 */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(temp, text, { mode });
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw new DeskError('STORE_IO', `Cannot write ${file}: ${(error as Error).message}`);
  }
}
