/**
 * The decisions behind the shell's hardening, as plain functions of URLs, so each is tested
 * on its own: which links may leave for the system browser, which requests are remote, which
 * document is the app's own, and which permissions it gets.
 */

/** Schemes a link may have to be handed to the OS (browser or mail client). */
export const EXTERNAL_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

/**
 * The URL to hand to `shell.openExternal`, or undefined if it must not be opened. Only
 * http(s) and mailto survive: file:, smb:, custom app schemes and the like can run or open
 * local things through the OS handler. Credentials in a web link are refused too (a way to
 * dress a link up as another host). The result is the parsed, normalised form, so what is
 * opened is exactly what was checked.
 */
export function externalUrl(candidate: string): string | undefined {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (!EXTERNAL_PROTOCOLS.has(url.protocol)) return undefined;
  if (url.protocol !== 'mailto:' && (url.username !== '' || url.password !== '' || url.hostname === '')) return undefined;
  return url.href;
}

/** Schemes of content from the network. The app loads nothing remote: its page is a local file. */
const REMOTE_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);

/**
 * Whether a request from the page goes to the network. MQTT connections are made by the
 * backend in the main process (Node sockets), not by the page, so this never blocks them.
 */
export function isRemoteRequest(requestUrl: string): boolean {
  try {
    return REMOTE_PROTOCOLS.has(new URL(requestUrl).protocol);
  } catch {
    // Unparseable: not something the page should be fetching either.
    return true;
  }
}

/**
 * Whether a frame's URL is the app's own document. Query and fragment are ignored (the
 * page may use them); anything else, even a sibling file, is not the app.
 */
export function isAppDocument(frameUrl: string, appUrl: string): boolean {
  try {
    const url = new URL(frameUrl);
    url.search = '';
    url.hash = '';
    return url.href === appUrl;
  } catch {
    return false;
  }
}

/**
 * Permissions the app's page may have: writing text to the clipboard, for the message
 * detail's Copy button (navigator.clipboard.writeText). Chromium still requires a user
 * gesture for it. Reading the clipboard, media, notifications and the rest stay denied.
 */
export const PAGE_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** Whether to grant a permission, asked or checked, to a frame: only the app's main frame, only the listed ones. */
export function permissionGranted(permission: string, frame: { isMainFrame: boolean; requestingUrl?: string | undefined }, appUrl: string): boolean {
  return PAGE_PERMISSIONS.has(permission) && frame.isMainFrame && frame.requestingUrl !== undefined && isAppDocument(frame.requestingUrl, appUrl);
}
