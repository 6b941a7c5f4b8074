/** A scene named the old backend's way: where, when, and under which sky. */
export interface LocationScene {
  location: string;
  timeOfDay: string;
  weather: string;
}

/** Location scenes are drawn wide, as the old backend drew them. */
export const LOCATION_SCENE_ASPECT_RATIO = '16:9';

/**
 * The description a location scene is drawn from (the old backend's sentence). It is the
 * scene's cache description, so a request that describes the same scene in these words (and
 * at 16:9) shares the cache entry and the provider call, whichever API asked.
 */
export function locationSceneDescription({ location, timeOfDay, weather }: LocationScene): string {
  return `A ${weather} ${timeOfDay} at ${location}. Fantasy RPG setting, detailed environment, atmospheric lighting.`;
}
