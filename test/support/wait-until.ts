/**
 * Resolves once `condition` holds, checking between turns of the event loop: for the app's own
 * state in this process (a row written, a sleeper waiting on the test's clock), never for time.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 1000; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}
