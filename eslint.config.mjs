// Lint: TypeScript recommendations plus the layering rules of the house style. The layer
// rules are the ones `npm test` must fail on; test/lint/layers.test.ts proves each one.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];

/** Relative imports that climb into another top-level folder. */
const folder = (name) => ({
  regex: `^(\\.\\.?/)+${name}(/|$)`,
  message: `Layering: this folder must not import ${name}/ (see README, "Layers").`,
});
const nodeRule = {
  regex: '^node:',
  message: 'Layering: Node built-ins are not allowed here.',
};
const nodePaths = nodeBuiltins.map((name) => ({ name, message: 'Layering: Node built-ins are not allowed here.' }));
const pkg = (name, why) => ({ name, message: `Layering: ${why}` });
const pkgPattern = (regex, why) => ({ regex, message: `Layering: ${why}` });

const restrict = (paths, patterns) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: restrict(
      [...nodePaths, pkg('electron', 'shared/ runs everywhere: no Electron.'), pkg('ws', 'shared/ runs everywhere: no Node packages.'), pkg('mqtt', 'shared/ runs everywhere: MQTT.js belongs to backend/.')],
      [
        nodeRule,
        pkgPattern('^react(-dom)?(/|$)', 'shared/ runs everywhere: no React.'),
        folder('backend'),
        folder('renderer'),
        folder('electron'),
        folder('broker-sidecar'),
      ],
    ),
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    rules: restrict(
      [...nodePaths, pkg('electron', 'the renderer reaches Electron only through the preload bridge.'), pkg('ws', 'the renderer never imports Node code.'), pkg('mqtt', 'the renderer talks to brokers through the backend contract.')],
      [nodeRule, folder('backend'), folder('electron'), folder('broker-sidecar')],
    ),
  },
  {
    files: ['backend/**/*.ts'],
    rules: restrict(
      [pkg('electron', 'backend/ also runs without Electron (browser mode).')],
      [pkgPattern('^react(-dom)?(/|$)', 'backend/ has no UI.'), folder('renderer'), folder('electron'), folder('broker-sidecar')],
    ),
  },
  {
    files: ['broker-sidecar/**/*.ts'],
    rules: restrict(
      [pkg('electron', 'the broker runs as its own process.')],
      [pkgPattern('^react(-dom)?(/|$)', 'the broker has no UI.'), folder('renderer'), folder('electron'), folder('backend')],
    ),
  },
  {
    files: ['electron/**/*.ts'],
    rules: restrict(
      [],
      [pkgPattern('^react(-dom)?(/|$)', 'the main process has no UI.'), folder('renderer'), { ...folder('broker-sidecar'), message: 'Layering: Electron starts the broker as a separate process and never imports it.' }],
    ),
  },
);
