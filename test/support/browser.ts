import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { findWebAppDir } from '../../src/web-app/web-app.router.js';
import { describeIf } from './describe-if.js';
import { FakeGeminiServer } from './fake-gemini-server.js';
import { TEST_GEMINI_KEY } from './gemini-app.js';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Git-ignored; CI keeps it as an artifact. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots', import.meta.url));

/**
 * `describe` when chromium is installed; otherwise the suite is skipped with a one-line note,
 * so a machine without a browser still runs every other test.
 */
export function describeInBrowser(name: string, body: () => void): void {
  const installed = existsSync(CHROMIUM_PATH);
  // stderr, not console.warn: jest would add a stack trace to what is one line of news.
  if (!installed) process.stderr.write(`Skipping browser tests "${name}": no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH).\n`);
  describeIf(installed, name, `skipped: no chromium at ${CHROMIUM_PATH}`, body);
}

/** Fails with what to do when dist/web is missing (`npm test` builds it first, through pretest). */
export function requireBuiltWebApp(): void {
  const webDir = findWebAppDir();
  if (!existsSync(join(webDir, 'index.html'))) {
    throw new Error(`The web app is not built (${webDir} is missing): run \`npm run build\` first (\`npm test\` does it through pretest).`);
  }
}

export interface BrowserSession {
  /** The real service, listening on 127.0.0.1 (local provider, its own SQLite file). */
  t: TestApp;
  baseUrl: string;
  browser: Browser;
  page: Page;
  /**
   * Console errors and uncaught exceptions in the page: a CSP violation shows up here. Failed
   * requests are left out ("Failed to load resource: … 429"): tests provoke those on purpose
   * and check what the app shows instead.
   */
  problems: string[];
  /** Loads the app afresh at a view (`gallery`, `generate`, …). */
  open(view: string): Promise<void>;
  /** A full-page screenshot in test-artifacts/screenshots/<name>.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the real service on a free port and a headless chromium with one page, at a desktop
 * viewport. The service's clock is set to the real time, so the dates the page computes
 * ("expires in 7 days") read as they would for a user.
 */
export async function startBrowserSession(options: TestAppOptions = {}): Promise<BrowserSession> {
  requireBuiltWebApp();
  const t = await createTestApp(options);
  t.clock.advance(Date.now() - t.clock.now().getTime());
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await mkdir(SCREENSHOT_DIR, { recursive: true });

  return {
    t,
    baseUrl,
    browser,
    page,
    problems,
    open: async (view) => {
      // Via about:blank: going from one hash to another would not reload the page.
      await page.goto('about:blank');
      await page.goto(`${baseUrl}/#${view}`);
    },
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/**
 * The session for the enclosing `describe`: started before its tests, checked for page
 * problems after each one, closed after all. The object is filled in by `beforeAll`.
 */
export function useBrowserSession(options: TestAppOptions = {}): BrowserSession {
  const session = {} as BrowserSession;
  beforeAll(async () => {
    Object.assign(session, await startBrowserSession(options));
  });
  afterAll(() => session.close?.());
  afterEach(() => {
    if (session.problems) expect(session.problems).toEqual([]); // CSP violations and script errors land here
  });
  return session;
}

/**
 * useBrowserSession for a service drawing with Gemini through the real SDK against a fake
 * Gemini server, started before the service and closed after it. `env` adds to the Gemini
 * settings; `gemini` is filled in by `beforeAll`.
 */
export function useBrowserSessionOnFakeGemini(env: Record<string, string>): { session: BrowserSession; fake: { gemini: FakeGeminiServer } } {
  const fake = {} as { gemini: FakeGeminiServer };
  beforeAll(async () => {
    fake.gemini = await FakeGeminiServer.start();
  });
  const session = useBrowserSession({
    env: () => ({ IMAGE_PROVIDER: 'gemini', GEMINI_API_KEY: TEST_GEMINI_KEY, GEMINI_BASE_URL: fake.gemini.baseUrl, ...env }),
  });
  afterAll(() => fake.gemini?.close());
  return { session, fake };
}

export { eventually } from './eventually.js';

/** A definition list (the app's reports and stats) as term → value, e.g. `{ 'Images imported': '3' }`. */
export function definitions(scope: Locator): Promise<Record<string, string>> {
  return scope.evaluate((element) =>
    Object.fromEntries([...element.querySelectorAll('dt')].map((term) => [term.textContent ?? '', term.nextElementSibling?.textContent ?? ''])),
  );
}

/** Every picture inside `scope` decodes: a broken URL or a CSP block would fail here. */
export function picturesLoad(scope: Locator): Promise<unknown> {
  return scope.evaluate((element) => Promise.all([...element.querySelectorAll('img')].map((img) => img.decode())));
}
