import type { ImageEntity } from '../images/image.entity.js';
import type { EditImageCommand, GenerateImageCommand } from '../images/images.service.js';
import type { SceneCommand, SceneResult } from '../scenes/scenes.service.js';

/** Each kind of job: the request it runs (kept as JSON in its row) and what it answers. */
export interface JobKinds {
  image: { request: GenerateImageCommand; result: ImageEntity };
  edit: {
    request: EditImageCommand & { parentId: string };
    result: ImageEntity;
  };
  scene: { request: SceneCommand; result: SceneResult };
}

/** The job a piece of work runs for. */
export interface JobRun {
  id: string;
  /**
   * To be called once the provider has answered (before the picture is processed): the job's
   * slot with the provider goes to the next in line.
   */
  providerAnswered(): void;
}
