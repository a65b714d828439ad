/**
 * A task of its own for work that yields to the page: a due frame and input run before it.
 * A message task, not setTimeout, whose 4 ms clamp on nested timers would idle every one of
 * the hundreds of slices a big ingest or capture file is cut into.
 */

/** Calls `callback` in a new task (a MessageChannel message; setTimeout where there is none). */
export function nextTask(callback: () => void): void {
  if (typeof MessageChannel !== 'function') {
    setTimeout(callback, 0);
    return;
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    callback();
  };
  channel.port2.postMessage(null);
}

/** Resolves in a new task ({@link nextTask}). */
export function yieldToPage(): Promise<void> {
  return new Promise((resolve) => nextTask(resolve));
}
