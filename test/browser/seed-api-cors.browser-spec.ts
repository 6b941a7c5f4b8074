import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConsoleMessage, Page } from 'playwright-core';
import request from 'supertest';
import { type PageServer, startPageServer } from '../support/page-server.js';
import { type BrowserSession, describeInBrowser, useBrowserSession } from '../support/browser.js';

/**
 * A stand-in for the old browser game, written from SEED-V1.md's "How the game calls it": it
 * lives on another origin and calls the service's /health and /api/v1 through CORS. The query
 * string says where the service is (`service`), what to show (`name`, `location`) and which
 * `steps` to take:
 * - `health`: GET /health; anything but `status: "ok"` means no backend;
 * - `search`: GET /api/v1/images/search for the subject, and nothing more;
 * - `show`: the game's picture flow: search, then the first hit or a POST
 *   /api/v1/images/generate (JSON, so a preflight), then GET /api/v1/images/{id} into an <img>;
 * - `generate`: only the POST, as the game sends it;
 * - `scene`: POST /api/v1/scenes/generate?location=… (no body), then the same GET and <img>.
 * It ends with `data-outcome` on <body>, `done` or `failed`, the status line saying which
 * step failed, and what it learnt in `window.gameResult`.
 */
const GAME_PAGE = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>A game on another origin</title>
</head>
<body>
<p role="status" id="status">Starting…</p>
<figure><img id="picture" alt="The subject’s picture"><figcaption>Picture</figcaption></figure>
<figure><img id="scene" alt="The location’s scene"><figcaption>Scene</figcaption></figure>
<script>
(function () {
  var params = new URLSearchParams(location.search);
  var service = params.get('service');
  var name = params.get('name') || 'The Prancing Pony';
  var place = params.get('location') || 'Misty Crossroads';
  var steps = (params.get('steps') || 'health,show,scene').split(',');
  var result = { steps: [] };
  window.gameResult = result;
  var status = document.getElementById('status');

  function call(method, path, body) {
    var init = { method: method };
    if (body !== undefined) {
      init.headers = { 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    return fetch(service + path, init).then(function (response) {
      if (!response.ok) throw new Error(method + ' ' + path + ' answered ' + response.status);
      return response.json().then(function (json) { return { json: json, headers: response.headers }; });
    });
  }

  function generate() {
    return call('POST', '/api/v1/images/generate', {
      subject_type: 'scene',
      subject_name: name,
      prompt: 'The common room of ' + name + ', lanterns and a crackling hearth',
      aspect_ratio: '16:9',
      component: 'scene-viewer',
    }).then(function (answer) {
      if (typeof answer.json.id !== 'number' || !answer.json.storage_path_full) throw new Error('generate answered no id or storage_path_full');
      return answer.json;
    });
  }

  function showImage(img, id) {
    return call('GET', '/api/v1/images/' + id).then(function (answer) {
      if (!answer.json.base64_data) throw new Error('image ' + id + ' came without base64_data');
      img.src = 'data:image/webp;base64,' + answer.json.base64_data;
      return img.decode().then(function () { return answer.json; });
    });
  }

  var actions = {
    health: function () {
      return call('GET', '/health').then(function (answer) {
        result.health = answer.json.status;
        if (answer.json.status !== 'ok') throw new Error('the backend is not available (health: ' + answer.json.status + ')');
      });
    },
    search: function () {
      return call('GET', '/api/v1/images/search?subject_name=' + encodeURIComponent(name) + '&subject_type=scene').then(function (answer) {
        result.searchTotal = answer.json.total;
        return answer.json;
      });
    },
    show: function () {
      return actions.search().then(function (found) {
        if (found.total > 0) return { id: found.items[0].id, how: 'found' };
        return generate().then(function (made) { return { id: made.id, how: 'generated', storagePathFull: made.storage_path_full }; });
      }).then(function (picked) {
        return showImage(document.getElementById('picture'), picked.id).then(function (image) {
          result.picture = { id: image.id, how: picked.how, storagePathFull: picked.storagePathFull, useCount: image.use_count };
        });
      });
    },
    generate: function () {
      return generate().then(function (made) { result.generated = made.id; });
    },
    scene: function () {
      return call('POST', '/api/v1/scenes/generate?location=' + encodeURIComponent(place)).then(function (answer) {
        var cache = answer.headers.get('X-Cache');
        return showImage(document.getElementById('scene'), answer.json.id).then(function (image) {
          result.scene = { id: image.id, cache: cache, useCount: image.use_count };
        });
      });
    },
  };

  steps.reduce(function (done, step) {
    return done.then(function () {
      status.textContent = 'Calling: ' + step;
      return actions[step]().then(function () { result.steps.push(step); }, function (error) {
        throw new Error(step + ': ' + (error && error.message ? error.message : String(error)));
      });
    });
  }, Promise.resolve()).then(function () {
    status.textContent = 'Done: ' + result.steps.join(', ');
    document.body.dataset.outcome = 'done';
  }, function (error) {
    result.error = error.message;
    status.textContent = 'Failed at ' + error.message;
    document.body.dataset.outcome = 'failed';
  });
})();
</script>
</body>
</html>
`;

interface GameResult {
  steps: string[];
  health?: string;
  searchTotal?: number;
  picture?: { id: number; how: 'found' | 'generated'; storagePathFull?: string; useCount: number };
  generated?: number;
  scene?: { id: number; cache: string | null; useCount: number };
  error?: string;
}

/**
 * Every console error of the page, "Failed to load resource" included (the session leaves
 * those out for the web app's tests): here a failed request is a failed call of the game.
 */
function recordConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/** Opens the game page at `url` and waits until it has finished (or given up). */
async function play(page: Page, url: string): Promise<GameResult> {
  await page.goto('about:blank');
  await page.goto(url);
  return finished(page);
}

async function finished(page: Page): Promise<GameResult> {
  await page.locator('body[data-outcome]').waitFor({ state: 'attached' });
  return page.evaluate(() => (window as unknown as { gameResult: GameResult }).gameResult);
}

function gameUrl(pageUrl: string, service: string, query: Record<string, string> = {}): string {
  return `${pageUrl}?${new URLSearchParams({ service, ...query }).toString()}`;
}

/** What the picture shows once decoded: 0×0 when it did not load. */
function decodedSize(page: Page, selector: string): Promise<{ src: string; complete: boolean; width: number; height: number }> {
  return page.locator(selector).evaluate((img: HTMLImageElement) => ({ src: img.src.slice(0, 40), complete: img.complete, width: img.naturalWidth, height: img.naturalHeight }));
}

interface SeedImage {
  id: number;
  subject_name: string;
  subject_type: string;
  component: string;
  use_count: number;
}

const NAME = 'The Prancing Pony';
const LOCATION = 'Misty Crossroads';

function searchV1(session: BrowserSession, query: Record<string, string>): Promise<{ items: SeedImage[]; total: number }> {
  return request(session.t.server)
    .get('/api/v1/images/search')
    .query(query)
    .expect(200)
    .then((response) => response.body as { items: SeedImage[]; total: number });
}

async function storedImages(session: BrowserSession): Promise<number> {
  return (await request(session.t.server).get('/api/v2/images/search').expect(200)).body.total as number;
}

describeInBrowser('/api/v1 through CORS: the old game on another origin', () => {
  // Registered before the session, so both origins exist when the service reads CORS_ORIGINS.
  let game: PageServer;
  let stranger: PageServer;
  beforeAll(async () => {
    game = await startPageServer(GAME_PAGE);
    stranger = await startPageServer(GAME_PAGE);
  });
  const s = useBrowserSession({ env: () => ({ CORS_ORIGINS: game.origin }) });
  let consoleErrors: string[];
  beforeAll(() => {
    consoleErrors = recordConsoleErrors(s.page);
  });
  beforeEach(() => {
    consoleErrors.length = 0;
  });
  afterAll(async () => {
    await game?.close();
    await stranger?.close();
  });

  it('first visit: health, search, generate (JSON, preflighted) and the picture shown; the scene too', async () => {
    const result = await play(s.page, gameUrl(`${game.origin}/game.html`, s.baseUrl, { name: NAME, location: LOCATION }));

    expect(consoleErrors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(await s.page.getByRole('status').textContent()).toBe('Done: health, show, scene');
    expect(result.health).toBe('ok');
    expect(result.searchTotal).toBe(0);
    expect(result.picture).toEqual({ id: expect.any(Number), how: 'generated', storagePathFull: expect.stringMatching(/\S/), useCount: 1 });
    expect(result.scene).toEqual({ id: expect.any(Number), cache: 'MISS', useCount: 1 }); // X-Cache is an exposed header

    for (const selector of ['#picture', '#scene']) {
      const picture = await decodedSize(s.page, selector);
      expect(picture.src).toMatch(/^data:image\/webp;base64,/);
      expect(picture.complete).toBe(true);
      expect(picture.width).toBeGreaterThan(0);
      expect(picture.width).toBeGreaterThan(picture.height); // 16:9
    }

    // One picture for the subject, one for the scene: nothing else was generated.
    const subject = await searchV1(s, { subject_name: NAME, subject_type: 'scene' });
    expect(subject.total).toBe(1);
    expect(subject.items[0]).toMatchObject({ id: result.picture!.id, subject_name: NAME, subject_type: 'scene', component: 'scene-viewer', use_count: 1 });
    const scene = await searchV1(s, { subject_name: LOCATION, subject_type: 'scene' });
    expect(scene.total).toBe(1);
    expect(scene.items[0].id).toBe(result.scene!.id);
    expect(await storedImages(s)).toBe(2);
  });

  it('second visit (reload): finds the stored picture and the cached scene, generates nothing, counts the uses', async () => {
    const [before] = (await searchV1(s, { subject_name: NAME, subject_type: 'scene' })).items;
    const [sceneBefore] = (await searchV1(s, { subject_name: LOCATION, subject_type: 'scene' })).items;

    await s.page.reload();
    const result = await finished(s.page);

    expect(consoleErrors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.searchTotal).toBe(1);
    expect(result.picture).toEqual({ id: before.id, how: 'found', useCount: before.use_count + 1 });
    expect(result.scene).toMatchObject({ id: sceneBefore.id, cache: 'HIT' });
    const picture = await decodedSize(s.page, '#picture');
    expect(picture.width).toBeGreaterThan(0);

    expect(await storedImages(s)).toBe(2);
    const [after] = (await searchV1(s, { subject_name: NAME, subject_type: 'scene' })).items;
    expect(after.use_count).toBeGreaterThan(before.use_count);
    const [sceneAfter] = (await searchV1(s, { subject_name: LOCATION, subject_type: 'scene' })).items;
    expect(sceneAfter.use_count).toBeGreaterThan(sceneBefore.use_count);
  });

  it('a page from an origin not in CORS_ORIGINS cannot read an answer, and its JSON POST never reaches the service', async () => {
    const imagesBefore = await storedImages(s);

    const refused = await play(s.page, gameUrl(`${stranger.origin}/game.html`, s.baseUrl, { name: 'A stranger’s tavern' }));
    expect(refused.error).toMatch(/^health: .*Failed to fetch/);
    expect(refused.health).toBeUndefined();
    expect(await s.page.getByRole('status').textContent()).toMatch(/^Failed at health:/);

    // The preflight is refused, so the POST is never sent: nothing is generated.
    const post = await play(s.page, gameUrl(`${stranger.origin}/game.html`, s.baseUrl, { name: 'A stranger’s tavern', steps: 'generate' }));
    expect(post.error).toMatch(/^generate: .*Failed to fetch/);
    expect(post.generated).toBeUndefined();
    expect(await storedImages(s)).toBe(imagesBefore);
    expect((await searchV1(s, { subject_name: 'A stranger’s tavern' })).total).toBe(0);

    // Chromium says why in the console: these errors are the point of this test, and nothing else.
    expect(consoleErrors.length).toBeGreaterThan(0);
    expect(consoleErrors.filter((message) => !message.startsWith('Failed to load resource'))).toEqual([
      expect.stringMatching(new RegExp(`^Access to fetch at '${s.baseUrl}/health' from origin '${stranger.origin}' has been blocked by CORS policy`)),
      expect.stringMatching(new RegExp(`^Access to fetch at '${s.baseUrl}/api/v1/images/generate' from origin '${stranger.origin}' has been blocked by CORS policy: Response to preflight request`)),
    ]);
    s.problems.splice(0); // the session's own check would fail on the same expected CORS errors
  });
});

describeInBrowser('/api/v1 through CORS: the old default origins let a page opened from disk in', () => {
  let dir: string;
  let fileUrl: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dnd-old-game-'));
    const file = join(dir, 'retro game.html');
    await writeFile(file, GAME_PAGE);
    fileUrl = pathToFileURL(file).href;
  });
  const s = useBrowserSession(); // no CORS_ORIGINS: the old backend's list, `null` included
  let consoleErrors: string[];
  beforeAll(() => {
    consoleErrors = recordConsoleErrors(s.page);
  });
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('a file:// page (Origin: null) calls /health, searches, and generates through the preflight', async () => {
    const result = await play(s.page, gameUrl(fileUrl, s.baseUrl, { name: NAME, steps: 'health,show' }));

    expect(consoleErrors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ steps: ['health', 'show'], health: 'ok', searchTotal: 0, picture: { how: 'generated', useCount: 1 } });
    expect(await s.page.getByRole('status').textContent()).toBe('Done: health, show');
    expect((await decodedSize(s.page, '#picture')).width).toBeGreaterThan(0);
    expect(await storedImages(s)).toBe(1);
  });
});
