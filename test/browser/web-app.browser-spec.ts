import request from 'supertest';
import type { ImageDto } from '../../src/images/dto/image.dto.js';
import { describeInBrowser, eventually, picturesLoad, useBrowserSession } from '../support/browser.js';

describeInBrowser('the web app: gallery, generate and scenes', () => {
  const s = useBrowserSession();

  const view = (heading: string) => s.page.getByRole('region', { name: heading });
  const grid = () => s.page.getByRole('list', { name: 'Images' });
  const cardOf = (prompt: string) => grid().getByRole('listitem').filter({ hasText: prompt });
  const search = async (query: Record<string, string> = {}) =>
    (await request(s.t.server).get('/api/v2/images/search').query(query).expect(200)).body as { items: ImageDto[]; total: number };
  const generate = async (body: Record<string, string>) => (await request(s.t.server).post('/api/v2/images/generate').send(body).expect(201)).body as ImageDto;

  it('serves the app at / with every view and links to the docs, health and metrics', async () => {
    await s.open('');
    await view('Gallery').getByText('No images yet.').waitFor();
    const nav = s.page.getByRole('navigation', { name: 'Views' });
    for (const name of ['Gallery', 'Generate', 'Scenes', 'Import', 'Admin']) expect(await nav.getByRole('link', { name }).isVisible()).toBe(true);
    for (const [name, href] of [
      ['API docs (Swagger)', '/docs'],
      ['Health', '/health'],
      ['Metrics', '/metrics'],
    ]) {
      expect(await s.page.getByRole('link', { name }).getAttribute('href')).toBe(href);
    }
    await nav.getByRole('link', { name: 'Scenes' }).click();
    await view('Describe a scene').waitFor();
    expect(await nav.getByRole('link', { name: 'Scenes' }).getAttribute('aria-current')).toBe('page');
    expect(await view('Gallery').count()).toBe(0); // hidden views are out of the accessibility tree
  });

  it('skips to the content by keyboard without leaving the view', async () => {
    await s.open('admin');
    await view('Look after the service').waitFor();
    await s.page.getByRole('link', { name: 'Skip to content' }).focus();
    await s.page.keyboard.press('Enter');
    expect(await s.page.evaluate(() => document.getElementById('main')!.contains(document.activeElement))).toBe(true);
    expect(await view('Look after the service').isVisible()).toBe(true);
    expect(await view('Gallery').count()).toBe(0);
    expect(new URL(s.page.url()).hash).toBe('#admin');
  });

  it('says when a proxy, not the service or the image provider, answered', async () => {
    // A captive portal answers 200 with its login page: no false "Done.".
    await s.page.route('**/api/v2/images/generate', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<html>Log in to the Wi-Fi</html>' }));
    await s.open('generate');
    const form = view('Generate an image');
    await form.getByLabel('Prompt').fill('a gnome tinkerer in her workshop');
    await form.getByRole('button', { name: 'Generate' }).click();
    await form.getByRole('status').getByText('The service’s answer was not understood').waitFor();
    expect(await form.getByRole('status').textContent()).not.toContain('Done.');
    await s.page.unroute('**/api/v2/images/generate');

    // A proxy's 502 page in front of the gallery is not the image provider's doing.
    await s.page.route('**/api/v2/images/search?*', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html><h1>502 Bad Gateway</h1></html>' }));
    await s.open('gallery');
    await view('Gallery').getByRole('status').getByText(/^The service \(or a proxy in front of it\) answered 502/).waitFor();
    expect(await view('Gallery').getByRole('status').textContent()).not.toContain('image provider');
    await s.page.unroute('**/api/v2/images/search?*');
  });

  it('generates from the form, shows progress with elapsed seconds meanwhile, and the image lands in the gallery', async () => {
    // Gemini takes seconds; the local provider does not. Hold the answer back until the wait was seen.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    await s.page.route('**/api/v2/images/generate', async (route) => {
      const response = await route.fetch();
      await answered;
      await route.fulfill({ response });
    });
    await s.open('generate');
    const form = view('Generate an image');
    const prompt = 'a dwarf paladin in a torch-lit crypt';
    await form.getByLabel('Prompt').fill(prompt);
    await form.getByLabel('Style').fill('oil painting');
    await form.getByLabel('Aspect ratio').selectOption('3:2');
    await form.getByLabel('Item id').fill('char-42');
    await form.getByLabel('Item type').fill('character');
    const submit = form.getByRole('button', { name: 'Generate' });
    await submit.click();

    const status = form.getByRole('status');
    await status.getByText('Generating…').waitFor();
    await status.getByText('1 s').waitFor();
    expect(await submit.isDisabled()).toBe(true);
    answer();
    await status.getByText('Done.').waitFor();
    expect(await submit.isEnabled()).toBe(true);
    await s.page.unroute('**/api/v2/images/generate');

    const result = form.getByRole('figure');
    expect(await result.getByRole('img', { name: prompt }).isVisible()).toBe(true);
    await picturesLoad(result);
    const stored = await search();
    expect(stored.total).toBe(1);
    expect(stored.items[0]).toMatchObject({ prompt, style: 'oil painting', itemId: 'char-42', itemType: 'character', aspectRatio: '3:2', source: 'local' });
    expect(stored.items[0].width).toBeGreaterThan(stored.items[0].height);
    await s.screenshot('generate');

    await form.getByRole('link', { name: 'See it in the gallery' }).click();
    await cardOf(prompt).waitFor();
    await picturesLoad(grid());
    expect(await grid().getByRole('listitem').count()).toBe(1);
  });

  it('narrows the gallery by search words and by filters, as the API does', async () => {
    await generate({ prompt: 'a red dragon over a burning village', itemType: 'monster' });
    await generate({ prompt: 'a silver dragon asleep on a glacier', itemType: 'monster' });
    await generate({ prompt: 'a halfling bard playing at the inn', itemType: 'character' });
    await generate({ prompt: 'a map of the sunken city', itemType: 'location' });
    await s.open('gallery');
    const cards = grid().getByRole('listitem');
    await eventually(async () => expect(await cards.count()).toBe(5));
    await picturesLoad(grid());
    await s.screenshot('gallery');

    const filters = s.page.getByRole('search', { name: 'Search the gallery' });
    await filters.getByLabel('Search').fill('dragon');
    await filters.getByLabel('Search').press('Enter');
    expect((await search({ q: 'dragon' })).total).toBe(2);
    await eventually(async () => expect(await cards.count()).toBe(2));
    expect(await cardOf('a red dragon over a burning village').isVisible()).toBe(true);
    expect(await cardOf('a silver dragon asleep on a glacier').isVisible()).toBe(true);
    expect(await view('Gallery').getByRole('status').textContent()).toContain('2 images match');

    await filters.getByLabel('Search').fill('');
    await filters.getByLabel('Item type').fill('character');
    await filters.getByRole('button', { name: 'Search' }).click();
    const characters = await search({ itemType: 'character' });
    expect(characters.total).toBe(2);
    await eventually(async () => expect(await cards.count()).toBe(2));
    for (const image of characters.items) expect(await cardOf(image.prompt).isVisible()).toBe(true);

    await filters.getByLabel('Item type').fill('');
    await filters.getByLabel('Search').fill('nothing like this');
    await filters.getByLabel('Search').press('Enter');
    await view('Gallery').getByText('No images match these filters.').waitFor();
    expect(await cards.count()).toBe(0);
  });

  it('features an image with its star, and shows it under "Featured only"', async () => {
    await s.open('gallery');
    const prompt = 'a halfling bard playing at the inn';
    const star = cardOf(prompt).getByRole('button', { name: /^Feature/ });
    expect(await star.getAttribute('aria-pressed')).toBe('false');
    await star.focus();
    await s.page.keyboard.press('Enter');
    await eventually(async () => expect(await star.getAttribute('aria-pressed')).toBe('true'));
    // The grid is rebuilt after the change; the keyboard focus stays on this card's star.
    expect(await star.evaluate((element) => element === document.activeElement)).toBe(true);
    const featured = await search({ featured: 'true' });
    expect(featured.items.map((image) => image.prompt)).toEqual([prompt]);

    await s.page.getByRole('search').getByLabel('Featured').selectOption('true');
    await eventually(async () => expect(await grid().getByRole('listitem').count()).toBe(1));
    expect(await cardOf(prompt).isVisible()).toBe(true);
  });

  it('opens an image by keyboard with its prompt and details, closes on Escape, and deletes only after confirmation', async () => {
    await s.open('gallery');
    const prompt = 'a map of the sunken city';
    const [image] = (await search({ q: 'sunken' })).items;
    const thumbnail = grid().getByRole('button', { name: prompt, exact: true });
    await thumbnail.focus();
    await s.page.keyboard.press('Enter');
    const dialog = s.page.getByRole('dialog', { name: 'Image details' });
    await dialog.waitFor();
    expect(await dialog.getByRole('img', { name: prompt }).getAttribute('src')).toBe(image.urls.full);
    await picturesLoad(dialog);
    expect(await dialog.textContent()).toContain('location');
    expect(await dialog.textContent()).toContain(`${image.width} × ${image.height} px`);
    await s.screenshot('image-dialog');
    await s.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await thumbnail.evaluate((element) => element === document.activeElement)).toBe(true);

    await thumbnail.click();
    await dialog.getByRole('button', { name: 'Delete…' }).click();
    const confirm = s.page.getByRole('dialog', { name: /Delete this image/ });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await request(s.t.server).get(`/api/v2/images/${image.id}`).expect(200);

    await dialog.getByRole('button', { name: 'Delete…' }).click();
    await s.screenshot('delete-confirmation');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await cardOf(prompt).waitFor({ state: 'detached' });
    // The focus moves on to the card that took the deleted one's place, not to the page's body.
    await eventually(async () => expect(await grid().evaluate((list) => list.contains(document.activeElement) && document.activeElement?.classList.contains('thumb'))).toBe(true));
    await request(s.t.server).get(`/api/v2/images/${image.id}`).expect(404);
    expect(await grid().getByRole('listitem').count()).toBe((await search()).total);
  });

  it('draws a scene (New, MISS), then serves the same description from the cache (Cached, HIT) with its expiry', async () => {
    await s.open('scenes');
    const form = view('Describe a scene');
    const ask = async (description: string) => {
      await form.getByLabel('Description').fill(description);
      const answer = s.page.waitForResponse((response) => response.url().endsWith('/api/v2/scenes/generate'));
      await form.getByRole('button', { name: 'Show the scene' }).click();
      const answered = await answer;
      // A miss is queued as a job (202); a hit is answered at once.
      return answered.status() === 202 ? 'MISS' : answered.headers()['x-cache'];
    };

    expect(await ask('The party enters a flooded dwarven forge lit by glowing runes')).toBe('MISS');
    await form.getByText('New (MISS)').waitFor();
    expect(await form.getByRole('figure').textContent()).toMatch(/Expires .+ \(in 7 days\)/);
    await picturesLoad(form.getByRole('figure'));

    // Case and spacing do not matter to the cache key.
    expect(await ask('  the party enters a flooded   dwarven forge lit by glowing runes ')).toBe('HIT');
    await form.getByText('Cached (HIT)').waitFor();
    expect(await form.getByRole('figure').textContent()).toContain('served from the cache 1 time');
    await s.screenshot('scenes');
    const stats = (await request(s.t.server).get('/api/v2/scenes/cache/stats').expect(200)).body;
    expect(stats).toMatchObject({ entries: 1, hits: 1, misses: 1 });
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    await s.page.setViewportSize({ width: 375, height: 812 });
    try {
      for (const name of ['gallery', 'generate', 'scenes', 'import', 'admin']) {
        await s.open(name);
        await s.page.getByRole('heading', { level: 2 }).first().waitFor();
        expect(await s.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      }
      await s.open('gallery');
      await grid().getByRole('listitem').first().waitFor();
      await picturesLoad(grid());
      await s.screenshot('gallery-phone');
    } finally {
      await s.page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
