import type { Locator } from 'playwright-core';
import request from 'supertest';
import type { ImageDto } from '../../src/images/dto/image.dto.js';
import { describeInBrowser, eventually, picturesLoad, useBrowserSession } from '../support/browser.js';

describeInBrowser('the web app: edits with their lineage, and characters kept consistent', () => {
  // The local provider: an edit draws over its source, characters' pictures appear as tiles.
  const s = useBrowserSession();

  const view = (heading: string) => s.page.getByRole('region', { name: heading });
  const grid = () => s.page.getByRole('list', { name: 'Images' });
  const dialog = () => s.page.getByRole('dialog', { name: 'Image details' });
  const api = () => request(s.t.server);
  const search = async (query: Record<string, string> = {}) =>
    (await api().get('/api/v2/images/search').query(query).expect(200)).body as { items: ImageDto[]; total: number };
  const generate = async (body: Record<string, unknown>) => (await api().post('/api/v2/images/generate').send(body).expect(201)).body as ImageDto;
  const editOf = async (id: string, instruction: string) => (await api().post(`/api/v2/images/${id}/edit`).send({ instruction }).expect(201)).body as ImageDto;
  const feature = (id: string, featured: boolean) => api().put(`/api/v2/images/${id}/feature`).send({ featured }).expect(200);

  /** Opens the gallery's dialog for the image with this prompt. */
  const openInGallery = async (prompt: string) => {
    await s.open('gallery');
    await grid().getByRole('button', { name: prompt, exact: true }).click();
    await dialog().waitFor();
  };
  /** Opens the dialog's edit form and asks for this change; answers the service's response. */
  const askForEdit = async (source: ImageDto, instruction: string) => {
    await dialog().getByRole('button', { name: 'Edit…' }).click();
    const form = dialog().getByRole('form', { name: 'Edit this image' });
    await form.getByLabel('What to change').fill(instruction);
    const answer = s.page.waitForResponse((response) => response.url().endsWith(`/api/v2/images/${source.id}/edit`));
    await form.getByRole('button', { name: 'Draw the edit' }).click();
    return answer;
  };
  const isFocused = (locator: Locator) => locator.evaluate((element) => element === document.activeElement);

  describe('Edit… in the image dialog', () => {
    it('draws an edit that points back at its source, and shows the lineage both ways', async () => {
      const source = await generate({ prompt: 'a dwarf paladin in a torch-lit crypt', style: 'oil painting', aspectRatio: '3:2', itemId: 'char-dwarf', itemType: 'character' });
      const instruction = 'the same dwarf, wounded, in the rain';
      await openInGallery(source.prompt);
      expect(await dialog().getByText('Edited from').count()).toBe(0); // a first drawing has no source

      const toggle = dialog().getByRole('button', { name: 'Edit…' });
      await toggle.click();
      const form = dialog().getByRole('form', { name: 'Edit this image' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      expect(await isFocused(form.getByLabel('What to change'))).toBe(true);
      expect(await form.getByLabel('Aspect ratio').inputValue()).toBe('3:2'); // the source's shape by default
      await s.screenshot('image-dialog-edit-form');
      await form.getByRole('button', { name: 'Cancel' }).click();
      await form.waitFor({ state: 'hidden' });
      expect(await isFocused(toggle)).toBe(true);

      expect((await askForEdit(source, instruction)).status()).toBe(202);
      await dialog().getByRole('status').getByText('Done.').waitFor();
      // The dialog now shows the edit, which says where it comes from.
      await dialog().getByRole('img', { name: instruction }).waitFor();
      await dialog().getByText('Edited from').waitFor();
      const toSource = dialog().getByRole('button', { name: source.prompt });
      await toSource.waitFor();
      await picturesLoad(dialog());
      await s.screenshot('image-dialog-edited');

      const { items, total } = await search({ parentId: source.id });
      expect(total).toBe(1);
      const [edit] = items;
      expect(edit).toMatchObject({ parentId: source.id, prompt: instruction, style: 'oil painting', itemId: 'char-dwarf', itemType: 'character', aspectRatio: '3:2' });
      expect(edit.contentHash).not.toBe(source.contentHash);
      expect(await dialog().getByRole('img', { name: instruction }).getAttribute('src')).toBe(edit.urls.full);

      // "Edited from" shows the source, which lists its edit; that shows the edit again.
      await toSource.click();
      await dialog().getByRole('img', { name: source.prompt, exact: true }).waitFor();
      expect(await dialog().getByRole('status').textContent()).toBe(''); // "Done." was about the edit
      const edits = dialog().getByRole('list', { name: 'Edits made from this image (1)' });
      const toEdit = edits.getByRole('button', { name: instruction });
      await toEdit.waitFor();
      expect(await dialog().getByText('Edited from').count()).toBe(0);
      await picturesLoad(dialog());
      await s.screenshot('image-dialog-lineage');
      await toEdit.click();
      await dialog().getByRole('img', { name: instruction }).waitFor();
      expect(await isFocused(dialog().getByRole('button', { name: 'Close' }))).toBe(true);

      // The gallery, told of the change, shows the edit once the dialog closes.
      await s.page.keyboard.press('Escape');
      await dialog().waitFor({ state: 'hidden' });
      await eventually(async () => expect(await grid().getByRole('listitem').count()).toBe(2));
      await grid().getByRole('button', { name: instruction, exact: true }).waitFor();
    });

    it('says so when the image an edit was made from has been deleted', async () => {
      const source = await generate({ prompt: 'a goblin warband at dusk' });
      const edit = await editOf(source.id, 'the same warband, fleeing');
      await api().delete(`/api/v2/images/${source.id}`).expect(204);
      await openInGallery(edit.prompt);
      await dialog().getByText('Edited from an image that has since been deleted.').waitFor();
      expect(await dialog().getByRole('button', { name: source.prompt }).count()).toBe(0);
      await s.page.keyboard.press('Escape');
    });

    it('says what went wrong when the image is deleted while the dialog shows it, and keeps the instruction to retry', async () => {
      const source = await generate({ prompt: 'a lich on a bone throne' });
      await openInGallery(source.prompt);
      await api().delete(`/api/v2/images/${source.id}`).expect(204); // from another tab, say
      const instruction = 'the same lich, laughing';
      expect((await askForEdit(source, instruction)).status()).toBe(404);
      const status = dialog().getByRole('status');
      await status.getByText('Not found: it may have been deleted meanwhile').waitFor();
      const field = dialog().getByLabel('What to change');
      expect(await field.inputValue()).toBe(instruction);
      expect(await isFocused(field)).toBe(true);
      expect(await dialog().getByRole('button', { name: 'Draw the edit' }).isEnabled()).toBe(true);
      expect((await search({ q: 'laughing' })).total).toBe(0);
      await s.page.keyboard.press('Escape');
    });
  });

  describe('characters when drawing', () => {
    let hero: ImageDto;
    beforeAll(async () => {
      // A character: an item with a featured image. Not one: an item with none, and a featured image of no item.
      hero = await generate({ prompt: 'Aria, an elven ranger with a silver bow', itemId: 'char-aria', itemType: 'character' });
      await feature(hero.id, true);
      await generate({ prompt: 'Bram, a human cleric', itemId: 'char-bram', itemType: 'character' });
      await feature((await generate({ prompt: 'a ruined watchtower' })).id, true);
    });

    const characters = (heading: string) => view(heading).getByRole('group', { name: /^Characters to keep consistent/ });
    const offered = async (heading: string) => {
      const boxes = characters(heading).getByRole('checkbox');
      await boxes.first().waitFor();
      return Promise.all((await boxes.all()).map(async (box) => (await box.evaluate((input) => input.closest('label')?.textContent ?? '')).trim()));
    };

    it('offers only the items with a featured image, and sends the ticked ones with the prompt', async () => {
      await s.open('generate');
      const form = view('Generate an image');
      expect(await offered('Generate an image')).toEqual(['char-aria']);
      await picturesLoad(characters('Generate an image'));
      const prompt = 'the party camps under the stars';
      await form.getByLabel('Prompt').fill(prompt);
      await characters('Generate an image').getByRole('checkbox', { name: 'char-aria' }).check();
      await s.screenshot('generate-characters');
      const sent = s.page.waitForRequest((sending) => sending.url().endsWith('/api/v2/images/generate'));
      await form.getByRole('button', { name: 'Generate' }).click();
      expect((await sent).postDataJSON()).toMatchObject({ prompt, characters: ['char-aria'] });
      await form.getByRole('status').getByText('Done.').waitFor();

      // The character's picture went to the provider: the same prompt without it draws otherwise.
      const [drawn] = (await search({ q: 'party camps' })).items;
      const without = await generate({ prompt });
      expect(drawn.contentHash).not.toBe(without.contentHash);
      expect(drawn.parentId).toBeNull();
    });

    it('shows the service’s reason when a ticked character lost its featured image meanwhile', async () => {
      await s.open('generate');
      const form = view('Generate an image');
      await characters('Generate an image').getByRole('checkbox', { name: 'char-aria' }).check();
      await feature(hero.id, false); // from another tab, say
      await form.getByLabel('Prompt').fill('Aria at the city gate');
      await form.getByRole('button', { name: 'Generate' }).click();
      await form.getByRole('status').getByText('Please check the form').waitFor();
      expect(await form.getByRole('status').textContent()).toContain('"char-aria" has no featured image');

      // Shown anew, the view no longer offers it.
      await s.open('generate');
      await characters('Generate an image').getByText('No characters yet.').waitFor();
      await feature(hero.id, true);
    });

    it('keeps characters consistent in a scene too', async () => {
      await s.open('scenes');
      const form = view('Describe a scene');
      expect(await offered('Describe a scene')).toEqual(['char-aria']);
      await form.getByLabel('Description').fill('Aria scouts a foggy marsh at dawn');
      await characters('Describe a scene').getByRole('checkbox', { name: 'char-aria' }).check();
      const sent = s.page.waitForRequest((sending) => sending.url().endsWith('/api/v2/scenes/generate'));
      await form.getByRole('button', { name: 'Show the scene' }).click();
      expect((await sent).postDataJSON()).toMatchObject({ characters: ['char-aria'] });
      await form.getByText('New (MISS)').waitFor();
      await picturesLoad(form.getByRole('figure'));
    });

    it('fits a phone-sized screen with characters offered and the edit form open', async () => {
      const fitsWidth = async () => expect(await s.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await s.page.setViewportSize({ width: 375, height: 812 });
      try {
        await s.open('generate');
        await characters('Generate an image').getByRole('checkbox', { name: 'char-aria' }).waitFor();
        await fitsWidth();
        const source = await generate({ prompt: 'a very long procession of pilgrims winding up the mountain road to the monastery at dusk' });
        const edit = await editOf(source.id, 'the same procession under a heavy snowfall, lanterns lit');
        await openInGallery(edit.prompt);
        await dialog().getByRole('button', { name: 'Edit…' }).click();
        await dialog().getByRole('button', { name: source.prompt }).waitFor();
        await fitsWidth();
        expect(await dialog().evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
        await s.screenshot('image-dialog-edit-phone');
        await s.page.keyboard.press('Escape');
      } finally {
        await s.page.setViewportSize({ width: 1280, height: 900 });
      }
    });
  });
});
