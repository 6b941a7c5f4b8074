/**
 * Retries an assertion until it passes or `timeoutMs` runs out (then throws its last error):
 * for what changes asynchronously (a page, another process), since jest's expect does not wait.
 */
export async function eventually(assertion: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
