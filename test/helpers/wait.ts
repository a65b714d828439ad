/** Bounded waiting for tests: poll a condition, fail with a name when it never holds. */

/** Resolves once `check()` is true; rejects after `timeoutMs` saying what did not happen. */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
