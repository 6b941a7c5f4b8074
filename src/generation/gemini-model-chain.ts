import { Logger, type OnModuleInit } from '@nestjs/common';
import type { Clock } from '../common/clock.js';

/** How long a model stays retired before it is tried again: a wrong GEMINI_BASE_URL heals by itself. */
export const RETIRED_MODEL_RECHECK_MS = 24 * 3600_000;

/** Where replicas share which models answered "not found" (Redis), or nowhere (one process). */
export interface RetiredModelsStore {
  /** The models of the chain found retired within the recheck period, with when. */
  load(models: readonly string[]): Promise<Array<{ model: string; at: number }>>;
  add(model: string, at: number): Promise<void>;
  /** Another replica found a model retired. */
  onAdded(listener: (model: string, at: number) => void): void;
}

export const NO_SHARED_RETIREMENTS: RetiredModelsStore = {
  load: async () => [],
  add: async () => undefined,
  onAdded: () => undefined,
};

/**
 * GEMINI_MODEL's models in order of preference. A model Gemini answers "not found" for is
 * retired for every replica (through the store), logged once where it was found, and the
 * next one is used; after a day it is tried again.
 */
export class GeminiModelChain implements OnModuleInit {
  private readonly logger = new Logger('GeminiModels');
  /** Model → when it was found retired (ms). */
  private readonly retiredAt = new Map<string, number>();

  constructor(
    readonly models: readonly string[],
    private readonly clock: Clock,
    private readonly store: RetiredModelsStore,
  ) {}

  async onModuleInit(): Promise<void> {
    this.store.onAdded((model, at) => {
      if (!this.models.includes(model) || this.isRetired(model)) return;
      this.retiredAt.set(model, at);
      this.logger.log(`Another replica found Gemini model "${model}" retired; ${this.describeCurrent()}`);
    });
    for (const { model, at } of await this.store.load(this.models)) this.retiredAt.set(model, at);
    if (this.retired.length > 0) this.logger.warn(`Gemini models found retired by a replica: ${this.retired.join(', ')}; ${this.describeCurrent()}`);
  }

  /** The model to ask now; undefined when every model of the chain is retired. */
  get current(): string | undefined {
    return this.models.find((model) => !this.isRetired(model));
  }

  /** The models still usable, in order. */
  get available(): string[] {
    return this.models.filter((model) => !this.isRetired(model));
  }

  get retired(): string[] {
    return this.models.filter((model) => this.isRetired(model));
  }

  /** Gemini said the model does not exist: move on, here and on every replica. */
  retire(model: string): void {
    if (this.isRetired(model)) return;
    const at = this.clock.now().getTime();
    this.retiredAt.set(model, at);
    this.logger.warn(
      `Gemini answered "not found" for model "${model}": it has probably been retired. ${this.describeCurrent()}; remove it from GEMINI_MODEL.`,
    );
    this.store.add(model, at).catch((error: unknown) => this.logger.warn(`Could not tell other replicas that "${model}" is retired: ${String(error)}`));
  }

  private isRetired(model: string): boolean {
    const at = this.retiredAt.get(model);
    return at !== undefined && this.clock.now().getTime() - at < RETIRED_MODEL_RECHECK_MS;
  }

  private describeCurrent(): string {
    const current = this.current;
    return current ? `using "${current}"` : `no model of GEMINI_MODEL (${this.models.join(', ')}) is left`;
  }
}
