import type { Redis } from 'ioredis';
import type { ReplicaEvents } from '../redis/replica-events.js';
import { RETIRED_MODEL_RECHECK_MS, type RetiredModelsStore } from './gemini-model-chain.js';

/**
 * Retired models shared by replicas: one Redis key per model, expiring when the model is due
 * to be tried again (so a replica started later knows), and an event for the running ones.
 */
export class RedisRetiredModels implements RetiredModelsStore {
  constructor(
    private readonly redis: Redis,
    private readonly events: ReplicaEvents,
  ) {}

  async load(models: readonly string[]): Promise<Array<{ model: string; at: number }>> {
    if (models.length === 0) return [];
    const values = await this.redis.mget(models.map(keyOf));
    return models.flatMap((model, index) => (values[index] ? [{ model, at: Number(values[index]) }] : []));
  }

  async add(model: string, at: number): Promise<void> {
    this.events.publish('gemini-model-retired', { model, at });
    await this.redis.set(keyOf(model), String(at), 'PX', RETIRED_MODEL_RECHECK_MS);
  }

  onAdded(listener: (model: string, at: number) => void): void {
    this.events.on('gemini-model-retired', ({ model, at }) => listener(model, at));
  }
}

function keyOf(model: string): string {
  return `gemini:retired-model:${model}`;
}
