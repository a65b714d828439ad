/**
 * The shell's URL decisions on their own: which links may be handed to the OS, which
 * requests count as remote, and which document is the app's.
 */

import { describe, expect, it } from 'vitest';
import { externalUrl, isAppDocument, isRemoteRequest } from '../../electron/guards';

describe('externalUrl', () => {
  it.each([
    ['https://example.com/docs?q=1#top', 'https://example.com/docs?q=1#top'],
    ['http://example.com', 'http://example.com/'],
    ['HTTPS://EXAMPLE.com/a', 'https://example.com/a'],
    ['mailto:ops@example.com?subject=MQTT', 'mailto:ops@example.com?subject=MQTT'],
  ])('lets the web or mail link %s through, normalised', (candidate, opened) => {
    expect(externalUrl(candidate)).toBe(opened);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'smb://server/share/run.exe',
    'ms-msdt:/id PCWDiagnostic',
    'vscode://file/etc/passwd',
    'ftp://example.com/file',
    'https://user:secret@example.com/',
    'https://trusted.example@evil.example/',
    '//example.com/no-scheme',
    '/relative/path',
    'not a url',
    '',
  ])('refuses %s', (candidate) => {
    expect(externalUrl(candidate)).toBeUndefined();
  });
});

describe('isRemoteRequest', () => {
  it.each(['https://cdn.example.com/lib.js', 'http://localhost:5173/', 'ws://127.0.0.1:8083/mqtt', 'wss://broker.example.com/', 'ftp://example.com/x', '::not a url::'])(
    'counts %s as remote',
    (url) => expect(isRemoteRequest(url)).toBe(true),
  );

  it.each(['file:///opt/mqtt-desk/dist/renderer/index.html', 'data:,', 'blob:file:///3f2a', 'devtools://devtools/bundled/inspector.html', 'chrome-extension://abc/x.js'])(
    'lets the local %s through',
    (url) => expect(isRemoteRequest(url)).toBe(false),
  );
});

describe('isAppDocument', () => {
  const appUrl = 'file:///opt/mqtt-desk/dist/renderer/index.html';

  it('accepts the app page, with or without query and fragment', () => {
    expect(isAppDocument(appUrl, appUrl)).toBe(true);
    expect(isAppDocument(`${appUrl}?token=1#publish`, appUrl)).toBe(true);
  });

  it.each([
    'file:///opt/mqtt-desk/dist/renderer/index.html.bak',
    'file:///opt/mqtt-desk/dist/renderer/other.html',
    'file:///tmp/index.html',
    'https://example.com/opt/mqtt-desk/dist/renderer/index.html',
    'about:blank',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isAppDocument(url, appUrl)).toBe(false);
  });
});
