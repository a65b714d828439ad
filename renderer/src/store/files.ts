/** Files in and out of the page: downloads, and the import picker the desktop menu opens. */

const importListeners = new Set<() => void>();

/** The sidebar registers how to open its file picker; the desktop menu's Import uses it. */
export function onImportRequest(listener: () => void): () => void {
  importListeners.add(listener);
  return () => importListeners.delete(listener);
}

export function requestImport(): void {
  for (const listener of importListeners) listener();
}

const captureListeners = new Set<() => void>();

/** The sidebar registers how to open its capture file picker; the desktop menu's Open capture uses it. */
export function onOpenCaptureRequest(listener: () => void): () => void {
  captureListeners.add(listener);
  return () => captureListeners.delete(listener);
}

export function requestOpenCapture(): void {
  for (const listener of captureListeners) listener();
}

/** Hands exported connections to the browser as a file download. */
export function downloadJson(json: string): void {
  saveFile(json, 'application/json', 'mqtt-desk-connections.json');
}

/** Saves data through the browser's download (also how the desktop app saves files). */
export function saveFile(data: BlobPart, type: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
