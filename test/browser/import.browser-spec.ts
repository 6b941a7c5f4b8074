import sharp from 'sharp';
import request from 'supertest';
import type { ImageDto } from '../../src/images/dto/image.dto.js';
import { definitions, describeInBrowser, eventually, picturesLoad, useBrowserSession } from '../support/browser.js';

/** A small real PNG as a data URL, a different colour per seed (so a different content hash). */
async function pngDataUrl(seed: number): Promise<string> {
  const png = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: (seed * 67) % 256, g: (40 + seed * 29) % 256, b: (160 + seed * 13) % 256 } } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** What the old adventure app left in LocalStorage: pictures in several shapes, and settings. */
async function oldAppStorage(): Promise<Record<string, string>> {
  return {
    'char-7-portrait': await pngDataUrl(1),
    'npc-3': JSON.stringify([await pngDataUrl(2)]),
    gallery: JSON.stringify([
      { prompt: 'a goblin shaman by the campfire', image: await pngDataUrl(3), itemType: 'npc', itemId: 'npc-9' },
      { prompt: 'an icon', image: 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=' },
    ]),
    scenes: JSON.stringify({ tavern: { description: 'A cosy tavern by the fire', dataUrl: await pngDataUrl(4) } }),
    theme: 'dark',
  };
}

describeInBrowser('the web app: import from this browser’s LocalStorage', () => {
  const s = useBrowserSession();

  const view = () => s.page.getByRole('region', { name: 'Import from this browser' });
  const report = () => view().getByRole('region', { name: /report/ });
  const search = async () => (await request(s.t.server).get('/api/v2/images/search').expect(200)).body as { items: ImageDto[]; total: number };

  it('says when there is nothing to import', async () => {
    await s.open('import');
    await view().getByText('is empty: there is nothing to import').waitFor();
    expect(await view().getByRole('button', { name: 'Import from this browser' }).isDisabled()).toBe(true);
  });

  it('previews with a dry run, imports in one click, shows the report, and the pictures are in the gallery', async () => {
    const storage = await oldAppStorage();
    await s.page.evaluate((entries) => {
      for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
    }, storage);
    await s.open('import');
    await view().getByText('holds 5 entries').waitFor();

    await view().getByRole('button', { name: 'Preview (dry run)' }).click();
    await view().getByText('Dry run: nothing was written.').waitFor();
    expect(await definitions(report())).toEqual({ 'Images would be imported': '3', 'Scenes would be imported': '1', 'Duplicates skipped': '0', Failed: '1' });
    expect((await search()).total).toBe(0);

    await view().getByRole('button', { name: 'Import from this browser' }).click();
    await view().getByText('Import finished.').waitFor();
    expect(await definitions(report())).toEqual({ 'Images imported': '3', 'Scenes imported': '1', 'Duplicates skipped': '0', Failed: '1' });
    const failures = report().getByRole('table', { name: 'Entries that could not be imported' });
    expect(await failures.getByRole('row').count()).toBe(2); // the header and the SVG
    expect(await failures.textContent()).toContain('localStorage["gallery"][1]');
    expect(await failures.textContent()).toMatch(/SVG/);
    await s.screenshot('import');

    const imported = await search();
    expect(imported.total).toBe(4); // three images and the scene's picture
    expect(imported.items.every((image) => image.source === 'import')).toBe(true);
    await report().getByRole('link', { name: 'See the imported images in the gallery' }).click();
    const cards = s.page.getByRole('list', { name: 'Images' }).getByRole('listitem');
    await eventually(async () => expect(await cards.count()).toBe(4));
    await cards.filter({ hasText: 'a goblin shaman by the campfire' }).waitFor();
    await picturesLoad(s.page.getByRole('list', { name: 'Images' }));
  });

  it('reports duplicates on a second import and imports nothing twice', async () => {
    await s.open('import');
    await view().getByRole('button', { name: 'Import from this browser' }).click();
    await view().getByText('Nothing new to import.').waitFor();
    expect(await definitions(report())).toEqual({ 'Images imported': '0', 'Scenes imported': '0', 'Duplicates skipped': '4', Failed: '1' });
    expect((await search()).total).toBe(4);
  });
});
