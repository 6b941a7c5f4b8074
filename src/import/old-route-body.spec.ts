import { locationSceneDescription } from '../scenes/location-scene.js';
import { parseOldSceneKey, readOldRouteBody } from './old-route-body.js';

const bare = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from([n, n, n, n, n, n, n, n])]).toString('base64');

describe('parseOldSceneKey', () => {
  it.each([
    ['scene_cache_Emberpeak_dawn_clear', { location: 'Emberpeak', timeOfDay: 'dawn', weather: 'clear' }],
    ['scene_cache_Emberpeak_night_light_rain', { location: 'Emberpeak', timeOfDay: 'night', weather: 'light_rain' }],
    ['Emberpeak_dawn_clear', { location: 'Emberpeak', timeOfDay: 'dawn', weather: 'clear' }],
    ['scene_cache_Old Mill_dusk_fog', { location: 'Old Mill', timeOfDay: 'dusk', weather: 'fog' }],
  ])('reads %s as the old route did', (key, expected) => {
    expect(parseOldSceneKey(key)).toStrictEqual(expected);
  });

  it.each(['scene_cache_Emberpeak_dawn', 'scene_cache_Emberpeak', 'scene_cache_', 'scene_cache__dawn_clear', 'scene_cache_Emberpeak__clear', 'scene_cache_Emberpeak_dawn_'])(
    'refuses %s',
    (key) => {
      expect(parseOldSceneKey(key)).toBeUndefined();
    },
  );
});

describe('readOldRouteBody', () => {
  it('makes scenes of scene_cache and images of item_images, the first featured image of an item featured', () => {
    const body = {
      sceneCache: {
        scene_cache_Emberpeak_dawn_clear: { image: `data:image/png;base64,${bare(1)}`, timestamp: '2025-10-20T08:00:00Z' },
      },
      itemImages: {
        'item_image_Rusty Sword': {
          images: [
            { image: bare(2), custom_prompt: 'chipped', is_featured: true },
            { image: bare(3), is_featured: true, prompt: 'a rusty sword on a table' },
            { image: bare(4), is_featured: 'yes' },
          ],
        },
        Torch: { images: [{ image: bare(5) }] },
        Rope: {},
      },
    };
    expect(readOldRouteBody(body)).toStrictEqual({
      scenes: [
        {
          ref: 'scene_cache["scene_cache_Emberpeak_dawn_clear"]',
          base64: bare(1),
          description: locationSceneDescription({ location: 'Emberpeak', timeOfDay: 'dawn', weather: 'clear' }),
          aspectRatio: '16:9',
          itemId: 'Emberpeak',
          component: 'scene-viewer',
          createdAt: '2025-10-20T08:00:00.000Z',
        },
      ],
      images: [
        {
          ref: 'item_images["item_image_Rusty Sword"].images[0]',
          base64: bare(2),
          itemId: 'Rusty Sword',
          itemType: 'item',
          component: 'item-modal',
          featured: true,
          prompt: 'chipped',
          customPrompt: 'chipped',
        },
        {
          ref: 'item_images["item_image_Rusty Sword"].images[1]',
          base64: bare(3),
          itemId: 'Rusty Sword',
          itemType: 'item',
          component: 'item-modal',
          featured: false,
          prompt: 'a rusty sword on a table',
        },
        { ref: 'item_images["item_image_Rusty Sword"].images[2]', base64: bare(4), itemId: 'Rusty Sword', itemType: 'item', component: 'item-modal', featured: false },
        { ref: 'item_images["Torch"].images[0]', base64: bare(5), itemId: 'Torch', itemType: 'item', component: 'item-modal', featured: false },
      ],
      failed: [],
    });
  });

  it('reports what it cannot import, by where it was', () => {
    const body = {
      sceneCache: {
        scene_cache_Emberpeak: { image: bare(1) },
        scene_cache_Keep_dusk_fog: 'not a scene',
        scene_cache_Inn_day_clear: { image: 'not base64!' },
      },
      itemImages: {
        item_image_Torch: { images: [{ image: '' }, 'x', { custom_prompt: 'no picture' }] },
        item_image_Rope: { images: {} },
      },
    };
    expect(readOldRouteBody(body)).toStrictEqual({
      scenes: [],
      images: [],
      failed: [
        { ref: 'scene_cache["scene_cache_Emberpeak"]', reason: 'the key should be scene_cache_<Location>_<time of day>_<weather>, so the scene is not known' },
        { ref: 'scene_cache["scene_cache_Keep_dusk_fog"]', reason: 'is not a cached scene ({image, timestamp})' },
        { ref: 'scene_cache["scene_cache_Inn_day_clear"]', reason: 'the picture is neither a data URL nor base64 text' },
        { ref: 'item_images["item_image_Torch"].images[0]', reason: 'the picture is empty' },
        { ref: 'item_images["item_image_Torch"].images[1]', reason: 'is not an image entry ({image, custom_prompt, is_featured})' },
        { ref: 'item_images["item_image_Torch"].images[2]', reason: 'the picture is missing' },
        { ref: 'item_images["item_image_Rope"]', reason: 'is not an item of the image library ({images: [{image, custom_prompt, is_featured}]})' },
      ],
    });
  });
});
