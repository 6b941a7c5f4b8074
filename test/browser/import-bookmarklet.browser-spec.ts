import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConsoleMessage, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import request from 'supertest';
import { type PageServer, startPageServer } from '../support/page-server.js';
import { type BrowserSession, definitions, describeInBrowser, SCREENSHOT_DIR, useBrowserSession } from '../support/browser.js';

/**
 * Issue 13, "One click from the game": the old game (retro-adventure-game.html) keeps its
 * pictures in LocalStorage on ITS origin (a page opened from disk, or a local server on
 * :8080), which the web app cannot read. The Import view offers a bookmarklet that, clicked on
 * the game's page, sends that page's LocalStorage to the service (a dry run first) and shows
 * the report in a box there; and a saved dump file (made by a console line) to drop or choose.
 */

/** The game's page: what matters is its origin and its LocalStorage, set by the tests. */
const GAME_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Retro Adventure Game</title></head>
<body style="margin:0;font-family:monospace;background:#000;color:#3f3">
<h1>RETRO ADVENTURE</h1>
<p>You stand at the Misty Crossroads. A cold fog rolls over the road.</p>
<p>&gt; look north</p>
</body>
</html>
`;

/** A small real picture, a different colour per seed (so a different content hash). */
function picture(seed: number, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const image = sharp({ create: { width: 64, height: 40, channels: 3, background: { r: (seed * 71) % 256, g: (30 + seed * 37) % 256, b: (150 + seed * 17) % 256 } } });
  return (format === 'png' ? image.png() : image.jpeg()).toBuffer();
}

const dataUrl = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;
const imageId = (at: number) => `img_${at}_${Math.random().toString(36).slice(2, 11)}`;

/** The game's scene cache key: `scene_<location>_<time>_<weather>`, lowercased, spaces as `-`. */
const sceneKey = (location: string, timeOfDay: string, weather: string) => `scene_${location}_${timeOfDay}_${weather}`.toLowerCase().replace(/\s+/g, '-');

/**
 * What retro-adventure-game.html leaves in LocalStorage: the image library (PNG data URLs and
 * bare base64), the scene cache (data URLs), and state that holds no picture. `seed` makes
 * the pictures differ from another call's.
 */
async function gameStorage(seed = 0): Promise<Record<string, string>> {
  const now = Date.now();
  const swordId = imageId(now - 86_400_000);
  const library = {
    'Rusty Sword': {
      featured: swordId,
      images: [
        { id: swordId, data: dataUrl(await picture(seed + 1)), timestamp: now - 86_400_000, customPrompt: 'a rusty sword on a mossy stone' },
        { id: imageId(now - 3_600_000), data: (await picture(seed + 2)).toString('base64'), timestamp: now - 3_600_000, customPrompt: null },
      ],
    },
    'Old Innkeeper': {
      featured: null,
      images: [
        { id: imageId(now - 60_000), data: dataUrl(await picture(seed + 3, 'jpeg'), 'image/jpeg'), timestamp: now - 60_000, customPrompt: '' },
        // An SVG the game once saved: refused (not a raster picture), and listed with where and why.
        { id: imageId(now - 30_000), data: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=', timestamp: now - 30_000, customPrompt: 'an icon' },
      ],
    },
  };
  const scene = async (location: string, timeOfDay: string, weather: string, offset: number) => [
    sceneKey(location, timeOfDay, weather),
    {
      location,
      imageData: dataUrl(await picture(seed + offset)),
      timeOfDay,
      weather,
      prompt: `${location} at ${timeOfDay}, ${weather}, retro pixel art`,
      timestamp: now - 7_200_000,
      lastUsed: now - 600_000,
      useCount: offset,
    },
  ];
  const scenes = Object.fromEntries([await scene('Misty Crossroads', 'dawn', 'foggy', 4), await scene('The Prancing Pony', 'night', 'clear', 5)]);
  return {
    nanoBananaImageLibrary: JSON.stringify(library),
    nanoBananaSceneCache: JSON.stringify(scenes),
    gameState: JSON.stringify({ location: 'Misty Crossroads', inventory: ['Rusty Sword', 'torch'], hp: 12 }),
    soundEnabled: 'true',
  };
}

/** Every console error of a page, "Failed to load resource" included: on the game's page any is a failure. */
function recordConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

async function setLocalStorage(page: Page, entries: Record<string, string>): Promise<void> {
  await page.evaluate((values) => {
    localStorage.clear();
    for (const [key, value] of Object.entries(values)) localStorage.setItem(key, value);
  }, entries);
}

const importView = (page: Page) => page.getByRole('region', { name: 'Import from this browser' });

/** The bookmarklet's href, as the web app's Import view offers it. */
async function readBookmarklet(s: BrowserSession): Promise<string> {
  await s.open('import');
  const link = importView(s.page).getByRole('link', { name: `Send this page’s pictures to ${s.baseUrl}` });
  const href = await link.getAttribute('href');
  expect(href).toMatch(/^javascript:/);
  return href!;
}

/** Clicks the bookmarklet on `page` as a bookmark would run it: a `javascript:` link, decoded by the browser. */
async function clickBookmarklet(page: Page, href: string): Promise<void> {
  await page.evaluate((url) => {
    const link = document.createElement('a');
    link.href = url;
    link.id = 'test-bookmark';
    link.textContent = 'bookmark';
    document.body.append(link);
  }, href);
  await page.locator('#test-bookmark').click();
  await page.evaluate(() => document.getElementById('test-bookmark')?.remove());
}

/** The bookmarklet's box on the game's page (in a shadow root, which locators pierce). */
const bookmarkletBox = (page: Page, s: BrowserSession) => page.getByRole('dialog', { name: `Send this page’s pictures to ${s.baseUrl}` });

type Counts = Record<string, string>;
const total = (counts: Counts, verb: 'would be imported' | 'imported') => Number(counts[`Images ${verb}`]) + Number(counts[`Scenes ${verb}`]);

async function galleryTotal(s: BrowserSession): Promise<number> {
  return (await request(s.t.server).get('/api/v2/images/search').expect(200)).body.total as number;
}

interface ApiReport {
  imported: { images: number; scenes: number };
  skipped: { duplicates: number };
  failed: Array<{ ref: string; reason: string }>;
}

/** The route's own dry run of the same dump, from this machine. */
async function apiDryRun(s: BrowserSession, storage: Record<string, string>): Promise<ApiReport> {
  return (await request(s.t.server).post('/api/v2/migrate/from-localstorage?dryRun=true').send({ localStorage: storage }).expect(200)).body as ApiReport;
}

/** Whether `element` has the focus, inside its shadow root if it is in one. */
const hasFocus = (locator: Locator) => locator.evaluate((element) => (element.getRootNode() as Document | ShadowRoot).activeElement === element);

async function noHorizontalScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
}

describeInBrowser('the Import view’s bookmarklet, on the game’s page on another origin', () => {
  // Registered before the session, so the origins exist when the service reads CORS_ORIGINS.
  let game: PageServer;
  let stranger: PageServer;
  beforeAll(async () => {
    game = await startPageServer(GAME_PAGE);
    stranger = await startPageServer(GAME_PAGE);
  });
  const s = useBrowserSession({ env: () => ({ CORS_ORIGINS: game.origin }) });
  let gamePage: Page;
  let gameErrors: string[];
  let storage: Record<string, string>;
  let href: string;
  beforeAll(async () => {
    gamePage = await s.browser.newPage();
    gameErrors = recordConsoleErrors(gamePage);
    storage = await gameStorage();
  });
  afterEach(() => {
    expect(gameErrors).toEqual([]);
  });
  afterAll(async () => {
    await game?.close();
    await stranger?.close();
  });

  it('is offered in the Import view, built from the service’s origin, self-contained; clicked there it only explains itself', async () => {
    href = await readBookmarklet(s);
    const code = decodeURIComponent(href.slice('javascript:'.length));
    expect(code).toContain(JSON.stringify(s.baseUrl));
    expect(code).toContain('/api/v2/migrate/from-localstorage');
    expect(code).not.toMatch(/createElement\(\s*["'`]script/); // no script is loaded from anywhere
    expect(code).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // the only address in it is the service's
    expect(href).not.toMatch(/[\t\n\r#]|%(?![0-9A-F]{2})|[^\x20-\x7e]/); // nothing a URL would drop, cut at or decode
    expect(href.length).toBeLessThan(6000);

    // Clicked (or Enter) in the web app itself: nothing runs (the page's CSP would refuse it and
    // the console would say so: the session checks it stays silent), the page stays, a hint shows.
    const view = importView(s.page);
    const link = view.getByRole('link', { name: /^Send this page’s pictures to/ });
    const url = s.page.url();
    await link.click();
    await view.getByText('Drag the link to the bookmarks bar, then click the bookmark on the game’s page.').waitFor();
    await link.press('Enter');
    expect(s.page.url()).toBe(url);
    expect(await view.getByRole('status').filter({ hasText: 'Drag the link' }).count()).toBe(1);

    // Without a mouse: copied, to paste as a bookmark's address.
    await s.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.baseUrl });
    await view.getByRole('button', { name: 'Copy the bookmarklet' }).click();
    await view.getByText('Bookmarklet copied.').waitFor();
    expect(await s.page.evaluate(() => navigator.clipboard.readText())).toBe(href);

    await s.screenshot('import-bookmarklet');
    await s.page.setViewportSize({ width: 375, height: 800 });
    await noHorizontalScroll(s.page);
    await s.screenshot('import-bookmarklet-phone');
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  it('on the game’s page: previews in a box (a dry run), Import imports, the final report matches the gallery', async () => {
    await gamePage.goto(`${game.origin}/retro-adventure-game.html`);
    await setLocalStorage(gamePage, storage);

    await clickBookmarklet(gamePage, href);
    const box = bookmarkletBox(gamePage, s);
    await box.getByText(/^Preview, nothing written yet: \d+ pictures would be imported/).waitFor();
    const preview = await definitions(box);
    expect(Object.keys(preview)).toEqual(['Images would be imported', 'Scenes would be imported', 'Duplicates skipped', 'Failed']);
    expect(Number(preview['Images would be imported'])).toBeGreaterThan(0);
    expect(preview['Duplicates skipped']).toBe('0');
    expect(await galleryTotal(s)).toBe(0); // a dry run writes nothing
    const importButton = box.getByRole('button', { name: 'Import', exact: true });
    expect(await hasFocus(importButton)).toBe(true); // the next step, for the keyboard
    await gamePage.screenshot({ path: join(SCREENSHOT_DIR, 'import-overlay-preview.png') });

    // The preview is the route's own dry run of the same dump, failures and all.
    const expected = await apiDryRun(s, storage);
    expect(preview).toEqual({
      'Images would be imported': String(expected.imported.images),
      'Scenes would be imported': String(expected.imported.scenes),
      'Duplicates skipped': '0',
      Failed: String(expected.failed.length),
    });

    await importButton.click();
    await box.getByText(/^Import finished: \d+ pictures imported/).waitFor();
    const final = await definitions(box);
    expect(final).toEqual({
      'Images imported': preview['Images would be imported'],
      'Scenes imported': preview['Scenes would be imported'],
      'Duplicates skipped': '0',
      Failed: preview.Failed,
    });
    // Each failure is listed with where and why (the SVG, at least).
    expect(expected.failed.length).toBeGreaterThan(0);
    const failures = box.getByRole('listitem');
    expect(await failures.count()).toBe(expected.failed.length);
    for (const [index, failure] of expected.failed.entries()) expect(await failures.nth(index).textContent()).toBe(`${failure.ref}: ${failure.reason}`);
    expect(await box.getByRole('button', { name: 'Import', exact: true }).isHidden()).toBe(true);
    expect(await box.getByRole('link', { name: 'See them in the gallery' }).getAttribute('href')).toBe(`${s.baseUrl}/#gallery`);
    await gamePage.screenshot({ path: join(SCREENSHOT_DIR, 'import-overlay.png') });
    await gamePage.setViewportSize({ width: 375, height: 740 });
    const boxSize = await box.boundingBox();
    expect(boxSize!.x).toBeGreaterThanOrEqual(0);
    expect(boxSize!.x + boxSize!.width).toBeLessThanOrEqual(375);
    await gamePage.screenshot({ path: join(SCREENSHOT_DIR, 'import-overlay-phone.png') });
    await gamePage.setViewportSize({ width: 1280, height: 900 });

    // In the gallery: as many pictures as the box said, all imported.
    const imported = total(final, 'imported');
    expect(imported).toBeGreaterThan(0);
    expect(await galleryTotal(s)).toBe(imported);
    const again = await apiDryRun(s, storage);
    expect(again.skipped.duplicates).toBe(imported);
    expect(again.imported).toEqual({ images: 0, scenes: 0 });

    await box.getByRole('button', { name: 'Close' }).click();
    await box.waitFor({ state: 'detached' });
    expect(await gamePage.locator('h1').textContent()).toBe('RETRO ADVENTURE'); // the game's page is as it was
  });

  it('run again: nothing new, Import is not offered, the duplicates are counted; Escape closes the box', async () => {
    const before = await galleryTotal(s);
    await clickBookmarklet(gamePage, href);
    const box = bookmarkletBox(gamePage, s);
    await box.getByText(/^Preview, nothing written yet: 0 pictures would be imported, \d+ already there/).waitFor();
    expect(Number((await definitions(box))['Duplicates skipped'])).toBe(before);
    expect(await box.getByRole('button', { name: 'Import', exact: true }).isHidden()).toBe(true);
    expect(await hasFocus(box.getByRole('button', { name: 'Close' }))).toBe(true);

    // A second click replaces the box rather than stacking another.
    await clickBookmarklet(gamePage, href);
    await box.getByText(/^Preview, nothing written yet/).waitFor();
    expect(await box.count()).toBe(1);
    await gamePage.keyboard.press('Escape');
    await box.waitFor({ state: 'detached' });
    expect(await galleryTotal(s)).toBe(before);
  });

  it('says so on a page with empty LocalStorage, without calling the service', async () => {
    await gamePage.goto(`${game.origin}/another-page.html`);
    await setLocalStorage(gamePage, {});
    await clickBookmarklet(gamePage, href);
    await bookmarkletBox(gamePage, s).getByText('This page’s LocalStorage is empty').waitFor();
    await gamePage.keyboard.press('Escape');
    await setLocalStorage(gamePage, storage); // as the game left it, for whoever comes next
  });

  it('from an origin not in CORS_ORIGINS: the box says the service did not answer and why that may be', async () => {
    const strangerPage = await s.browser.newPage();
    const strangerErrors = recordConsoleErrors(strangerPage);
    try {
      await strangerPage.goto(`${stranger.origin}/game.html`);
      await setLocalStorage(strangerPage, await gameStorage(50));
      const before = await galleryTotal(s);
      await clickBookmarklet(strangerPage, href);
      const box = bookmarkletBox(strangerPage, s);
      await box
        .getByText(`${s.baseUrl} did not answer. Is the service running, and is this page’s origin (${stranger.origin}) in its CORS_ORIGINS?`)
        .waitFor();
      expect(await box.getByRole('button', { name: 'Import', exact: true }).isHidden()).toBe(true);
      expect(await galleryTotal(s)).toBe(before);
      // Chromium's own CORS complaint, and nothing else.
      expect(strangerErrors.filter((message) => !message.startsWith('Failed to load resource'))).toEqual([
        expect.stringMatching(new RegExp(`^Access to fetch at '${s.baseUrl}/api/v2/migrate/from-localstorage\\?dryRun=true' from origin '${stranger.origin}' has been blocked by CORS policy`)),
      ]);
    } finally {
      await strangerPage.close();
    }
  });
});

describeInBrowser('the bookmarklet on a game opened from disk (Origin: null, in the default CORS_ORIGINS)', () => {
  let dir: string;
  let fileUrl: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dnd-retro-game-'));
    const file = join(dir, 'retro-adventure-game.html');
    await writeFile(file, GAME_PAGE);
    fileUrl = pathToFileURL(file).href;
  });
  const s = useBrowserSession(); // no CORS_ORIGINS: the defaults, `null` included
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('previews and imports from a file:// page, running the decoded javascript: URL body', async () => {
    const href = await readBookmarklet(s);
    const gamePage = await s.browser.newPage();
    const gameErrors = recordConsoleErrors(gamePage);
    try {
      await gamePage.goto(fileUrl);
      expect(await gamePage.evaluate(() => location.protocol)).toBe('file:'); // its requests say `Origin: null`
      const storage = await gameStorage(100);
      await setLocalStorage(gamePage, storage);

      await gamePage.evaluate((code) => (0, eval)(code), decodeURIComponent(href.slice('javascript:'.length)));
      const box = bookmarkletBox(gamePage, s);
      await box.getByText(/^Preview, nothing written yet/).waitFor();
      const preview = await definitions(box);
      expect(Number(preview['Images would be imported'])).toBeGreaterThan(0);

      await box.getByRole('button', { name: 'Import', exact: true }).click();
      await box.getByText(/^Import finished/).waitFor();
      const final = await definitions(box);
      expect(final['Images imported']).toBe(preview['Images would be imported']);
      expect(final['Scenes imported']).toBe(preview['Scenes would be imported']);
      expect(await galleryTotal(s)).toBe(total(final, 'imported'));
      expect(gameErrors).toEqual([]);
    } finally {
      await gamePage.close();
    }
  });
});

describeInBrowser('the bookmarklet and a dump file when ADMIN_API_KEY is set', () => {
  let game: PageServer;
  beforeAll(async () => {
    game = await startPageServer(GAME_PAGE);
  });
  const s = useBrowserSession({ env: () => ({ CORS_ORIGINS: game.origin, ADMIN_API_KEY: 'a-long-admin-key-for-tests' }) });
  afterAll(() => game?.close());

  it('the box shows the 401 and what to do; the file, with the key entered under Admin, imports', async () => {
    const href = await readBookmarklet(s);
    const gamePage = await s.browser.newPage();
    const storage = await gameStorage(200);
    try {
      await gamePage.goto(`${game.origin}/retro-adventure-game.html`);
      await setLocalStorage(gamePage, storage);
      await clickBookmarklet(gamePage, href);
      const box = bookmarkletBox(gamePage, s);
      await box.getByText(/^The service answered 401: This admin route needs ADMIN_API_KEY/).waitFor();
      expect(await box.getByRole('status').textContent()).toMatch(
        /\. The bookmarklet sends no admin key: save the dump to a file and import it in the web app’s Import view, with the key entered under Admin\.$/,
      );
      expect(await box.getByRole('button', { name: 'Import', exact: true }).isHidden()).toBe(true);
      await gamePage.screenshot({ path: join(SCREENSHOT_DIR, 'import-overlay-401.png') });
    } finally {
      await gamePage.close();
    }
    expect(await galleryTotal(s)).toBe(0);

    await s.open('admin');
    await s.page.getByLabel('Admin key').fill('a-long-admin-key-for-tests');
    await s.page.getByRole('button', { name: 'Use this key' }).click();
    await s.page.getByText('Admin key saved for this tab.').waitFor();
    await s.page.getByRole('link', { name: 'Import', exact: true }).click();
    const view = importView(s.page);
    await view.getByLabel('Saved file', { exact: true }).setInputFiles({ name: 'dump.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(storage)) });
    await view.getByRole('region', { name: 'Dry run report: dump.json' }).waitFor();
    await view.getByRole('button', { name: 'Import this file' }).click();
    const report = view.getByRole('region', { name: 'Import report: dump.json' });
    await report.waitFor();
    expect(await galleryTotal(s)).toBe(total(await definitions(report), 'imported'));
    expect(await galleryTotal(s)).toBeGreaterThan(0);
  });
});

describeInBrowser('the bookmarklet when admin routes are closed (ADMIN_WITHOUT_KEY=off, no key)', () => {
  let game: PageServer;
  beforeAll(async () => {
    game = await startPageServer(GAME_PAGE);
  });
  const s = useBrowserSession({ env: () => ({ CORS_ORIGINS: game.origin, ADMIN_WITHOUT_KEY: 'off' }) });
  afterAll(() => game?.close());

  it('the box shows the 403 and what to do', async () => {
    const href = await readBookmarklet(s);
    const gamePage = await s.browser.newPage();
    const gameErrors = recordConsoleErrors(gamePage);
    try {
      await gamePage.goto(`${game.origin}/retro-adventure-game.html`);
      await setLocalStorage(gamePage, await gameStorage(250));
      await clickBookmarklet(gamePage, href);
      const box = bookmarkletBox(gamePage, s);
      await box.getByText(/^The service answered 403: Admin routes are closed/).waitFor();
      expect(await box.getByRole('status').textContent()).toMatch(/\. Run this in a browser on the machine the service runs on, where no admin key is needed; or set ADMIN_API_KEY/);
      // The refused request is the only complaint on the page.
      expect(gameErrors).toEqual([expect.stringMatching(/^Failed to load resource: .* 403/)]);
    } finally {
      await gamePage.close();
    }
    expect(await galleryTotal(s)).toBe(0);
  });
});

describeInBrowser('the Import view: a saved dump file, made by the console line on the game’s page', () => {
  let game: PageServer;
  let dir: string;
  beforeAll(async () => {
    game = await startPageServer(GAME_PAGE);
    dir = await mkdtemp(join(tmpdir(), 'dnd-dump-'));
  });
  const s = useBrowserSession();
  afterAll(async () => {
    await game?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const view = () => importView(s.page);
  const fileStatus = () => view().locator('#import-file-status');

  it('the console line saves the game’s LocalStorage; chosen, the file is previewed at once, then imported', async () => {
    await s.open('import');
    const line = await view().getByRole('region', { name: 'From a saved file' }).locator('pre code').textContent();
    expect(line).toContain('Object.fromEntries(Object.entries(localStorage))');

    await s.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.baseUrl });
    await view().getByRole('button', { name: 'Copy the console line' }).click();
    await view().getByText('Console line copied.').waitFor();
    expect(await s.page.evaluate(() => navigator.clipboard.readText())).toBe(line);

    // On the game's page, as pasted into its console: it downloads the dump.
    const gamePage = await s.browser.newPage();
    const gameErrors = recordConsoleErrors(gamePage);
    const storage = await gameStorage(300);
    let saved: string;
    try {
      await gamePage.goto(`${game.origin}/retro-adventure-game.html`);
      await setLocalStorage(gamePage, storage);
      const [download] = await Promise.all([gamePage.waitForEvent('download'), gamePage.evaluate((code) => (0, eval)(code), line!)]);
      expect(download.suggestedFilename()).toBe('game-localstorage.json');
      saved = join(dir, download.suggestedFilename());
      await download.saveAs(saved);
      expect(gameErrors).toEqual([]);
    } finally {
      await gamePage.close();
    }
    expect(JSON.parse(await readFile(saved, 'utf8'))).toEqual(storage);

    await view().getByLabel('Saved file', { exact: true }).setInputFiles(saved);
    await view().getByText('game-localstorage.json holds 4 entries').waitFor();
    const preview = view().getByRole('region', { name: 'Dry run report: game-localstorage.json' });
    await preview.waitFor();
    expect(await fileStatus().textContent()).toMatch(/^Dry run: nothing was written\./);
    const previewCounts = await definitions(preview);
    const expected = await apiDryRun(s, storage);
    expect(previewCounts).toEqual({
      'Images would be imported': String(expected.imported.images),
      'Scenes would be imported': String(expected.imported.scenes),
      'Duplicates skipped': '0',
      Failed: String(expected.failed.length),
    });
    expect(await galleryTotal(s)).toBe(0);

    await view().getByRole('button', { name: 'Import this file' }).click();
    const report = view().getByRole('region', { name: 'Import report: game-localstorage.json' });
    await report.waitFor();
    expect(await fileStatus().textContent()).toMatch(/^Import finished\./);
    const counts = await definitions(report);
    expect(counts['Images imported']).toBe(previewCounts['Images would be imported']);
    expect(await galleryTotal(s)).toBe(total(counts, 'imported'));
    expect(await galleryTotal(s)).toBeGreaterThan(0);
    if (expected.failed.length > 0) {
      const failures = report.getByRole('table', { name: 'Entries that could not be imported' });
      expect(await failures.getByRole('row').count()).toBe(expected.failed.length + 1);
    }
    await s.screenshot('import-file');
    await s.page.setViewportSize({ width: 375, height: 800 });
    await noHorizontalScroll(s.page);
    await s.screenshot('import-file-phone');
    await s.page.setViewportSize({ width: 1280, height: 900 });
  });

  it('takes the wrapped form ({localStorage}) and a dropped file; a second import is all duplicates', async () => {
    const storage = await gameStorage(300); // the same pictures as the test before
    const before = await galleryTotal(s);
    await s.open('import');
    await view()
      .getByLabel('Saved file', { exact: true })
      .setInputFiles({ name: 'wrapped.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ localStorage: storage })) });
    const preview = view().getByRole('region', { name: 'Dry run report: wrapped.json' });
    await preview.waitFor();
    expect(Number((await definitions(preview))['Duplicates skipped'])).toBe(before);
    await view().getByRole('button', { name: 'Import this file' }).click();
    await view().getByRole('region', { name: 'Import report: wrapped.json' }).waitFor();
    expect(await fileStatus().textContent()).toMatch(/^Nothing new to import\./);
    expect(await galleryTotal(s)).toBe(before);

    // Dropped anywhere on the view: a new dump, previewed.
    const fresh = await gameStorage(400);
    const dataTransfer = await s.page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
      return transfer;
    }, JSON.stringify(fresh));
    const panel = view().getByRole('region', { name: 'From a saved file' });
    await panel.dispatchEvent('dragenter', { dataTransfer });
    await panel.dispatchEvent('dragover', { dataTransfer });
    expect(await panel.getAttribute('class')).toContain('dragging');
    await panel.dispatchEvent('drop', { dataTransfer });
    const dropped = view().getByRole('region', { name: 'Dry run report: dropped.json' });
    await dropped.waitFor();
    expect(await panel.getAttribute('class')).not.toContain('dragging');
    expect(Number((await definitions(dropped))['Images would be imported'])).toBeGreaterThan(0);
    expect(await galleryTotal(s)).toBe(before);
  });

  it('says what is wrong with a file that is not a dump, and offers nothing to import', async () => {
    await s.open('import');
    const input = view().getByLabel('Saved file', { exact: true });
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('the dragon sleeps under the hill') });
    await fileStatus().getByText('notes.txt cannot be imported.').waitFor();
    expect(await fileStatus().textContent()).toContain('This file is not JSON');
    expect(await view().getByRole('button', { name: 'Import this file' }).isDisabled()).toBe(true);

    await input.setInputFiles({ name: 'list.json', mimeType: 'application/json', buffer: Buffer.from('["not", "a", "dump"]') });
    await fileStatus().getByText('list.json cannot be imported.').waitFor();
    expect(await fileStatus().textContent()).toContain('expected a JSON object of keys and values');
    expect(await view().getByRole('button', { name: 'Import this file' }).isDisabled()).toBe(true);
    expect(await view().locator('#import-file-report').textContent()).toBe('');
  });
});
