/**
 * In this process (@nestjs/event-emitter): images changed (featured) or went (deleted,
 * purged, evicted), here or on another replica. Memory holding image data (the hot scene
 * entries) lets go of them.
 */
export const IMAGES_CHANGED = 'images.changed';

export interface ImagesChangedEvent {
  ids: string[];
  removed: boolean;
}
