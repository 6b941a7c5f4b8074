import { FakeGeminiServer } from './fake-gemini-server.js';
import { createTestApp, type TestApp } from './test-app.js';

export const TEST_GEMINI_KEY = 'test-key-0123456789';

/** The real app configured for Gemini, talking to a fake Gemini server through the real SDK. */
export async function createGeminiTestApp(env: Record<string, string> = {}): Promise<{ t: TestApp; gemini: FakeGeminiServer }> {
  const gemini = await FakeGeminiServer.start();
  const t = await createTestApp({
    env: {
      IMAGE_PROVIDER: 'auto',
      GEMINI_API_KEY: TEST_GEMINI_KEY,
      GEMINI_BASE_URL: gemini.baseUrl,
      // Generous: a loaded CI machine must not turn a prompt answer into a 504. The timeout
      // test sets its own.
      GEMINI_TIMEOUT_MS: '10000',
      GEMINI_MAX_RETRIES: '1',
      ...env,
    },
  });
  return { t, gemini };
}
