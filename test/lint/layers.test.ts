/**
 * The layering rules are enforced by ESLint, which `npm test` runs. This table lints one
 * import at a time, as if written in a file of each folder, with the repo's real config:
 * every forbidden import must be an error and every allowed one must pass.
 */

import { spawnSync } from 'node:child_process';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

const cases: Array<{ file: string; source: string; allowed: boolean }> = [
  // shared/: no Node, DOM libraries, React, Electron, or other folders.
  { file: 'shared/x.ts', source: "import fs from 'node:fs';", allowed: false },
  { file: 'shared/x.ts', source: "import fs from 'fs';", allowed: false },
  { file: 'shared/x.ts', source: "import { EventEmitter } from 'events';", allowed: false },
  { file: 'shared/x.ts', source: "import React from 'react';", allowed: false },
  { file: 'shared/x.ts', source: "import { createRoot } from 'react-dom/client';", allowed: false },
  { file: 'shared/x.ts', source: "import { app } from 'electron';", allowed: false },
  { file: 'shared/x.ts', source: "import { ProfileStore } from '../backend/profile-store';", allowed: false },
  { file: 'shared/x.ts', source: "import { App } from '../renderer/src/components/app';", allowed: false },
  { file: 'shared/x.ts', source: "import { z } from 'zod';", allowed: true },
  { file: 'shared/x.ts', source: "import { checkTopicName } from './topic';", allowed: true },
  // renderer/: never Node code, never Electron directly, never the backend or the broker.
  { file: 'renderer/src/x.ts', source: "import path from 'node:path';", allowed: false },
  { file: 'renderer/src/x.ts', source: "import path from 'path';", allowed: false },
  { file: 'renderer/src/x.ts', source: "import { ipcRenderer } from 'electron';", allowed: false },
  { file: 'renderer/src/x.ts', source: "import { WebSocketServer } from 'ws';", allowed: false },
  { file: 'renderer/src/x.ts', source: "import { connect } from 'mqtt';", allowed: false },
  { file: 'renderer/src/components/x.tsx', source: "import { createBackend } from '../../../backend/backend';", allowed: false },
  { file: 'renderer/src/x.ts', source: "import { main } from '../../broker-sidecar/main';", allowed: false },
  { file: 'renderer/src/x.ts', source: "import { CALL_CHANNEL } from '../../electron/ipc';", allowed: false },
  { file: 'renderer/src/x.ts', source: "import { checkTopicName } from '../../shared/topic';", allowed: true },
  { file: 'renderer/src/x.ts', source: "import { create } from 'zustand';", allowed: true },
  // backend/: no Electron (it also runs in browser mode), no UI, no broker internals.
  { file: 'backend/x.ts', source: "import { app } from 'electron';", allowed: false },
  { file: 'backend/x.ts', source: "import { App } from '../renderer/src/components/app';", allowed: false },
  { file: 'backend/x.ts', source: "import { main } from '../broker-sidecar/main';", allowed: false },
  { file: 'backend/x.ts', source: "import fs from 'node:fs';", allowed: true },
  { file: 'backend/x.ts', source: "import { DeskError } from '../shared/errors';", allowed: true },
  // broker-sidecar/: its own process; shared/ only.
  { file: 'broker-sidecar/x.ts', source: "import { createBackend } from '../backend/backend';", allowed: false },
  { file: 'broker-sidecar/x.ts', source: "import { app } from 'electron';", allowed: false },
  { file: 'broker-sidecar/x.ts', source: "import net from 'node:net';", allowed: true },
  { file: 'broker-sidecar/x.ts', source: "import { topicMatches } from '../shared/topic';", allowed: true },
  // electron/: starts the broker as a process, never imports it; no UI code.
  { file: 'electron/x.ts', source: "import { main } from '../broker-sidecar/main';", allowed: false },
  { file: 'electron/x.ts', source: "import { App } from '../renderer/src/components/app';", allowed: false },
  { file: 'electron/x.ts', source: "import { app } from 'electron';", allowed: true },
  { file: 'electron/x.ts', source: "import { createBackend } from '../backend/backend';", allowed: true },
];

describe('layering lint rule', () => {
  it.each(cases)('$file: `$source` is allowed=$allowed', async ({ file, source, allowed }) => {
    const [result] = await eslint.lintText(`${source}\nexport const used = [${source.match(/import \{? ?(\w+)/)?.[1] ?? 'undefined'}];\n`, { filePath: file });
    const layering = result!.messages.filter((m) => m.ruleId === 'no-restricted-imports');
    if (allowed) expect(layering).toEqual([]);
    else expect(layering.map((m) => m.message).join('\n')).toMatch(/Layering:/);
  });

  it('makes the lint command itself exit non-zero on a forbidden import', () => {
    const run = (file: string, source: string) =>
      spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '--stdin', '--stdin-filename', file], {
        input: source,
        encoding: 'utf8',
      });
    const bad = run('shared/forbidden.ts', "import fs from 'node:fs';\nexport const used = fs;\n");
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('Layering: Node built-ins are not allowed here');
    const good = run('shared/fine.ts', "import { z } from 'zod';\nexport const used = z;\n");
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
  });
});
