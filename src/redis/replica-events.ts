import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { logConnectionErrors } from './redis-errors.js';

/** What replicas tell each other so their in-memory caches forget what changed elsewhere. */
export interface ReplicaEventMap {
  /**
   * Images changed (featured) or removed (deleted, purged, evicted): hot scene entries holding
   * them must go, and their cached files too when `removed`.
   */
  'images-changed': { ids: string[]; removed: boolean };
  /**
   * The scene cache was cleared: hot entries and buffered hits must go. With `itemId`, only
   * one item's entries went: hot entries must go, the counters stay.
   */
  'scene-cache-cleared': { itemId?: string };
  /** Gemini answered "not found" for a model of GEMINI_MODEL: every replica moves to the next. */
  'gemini-model-retired': { model: string; at: number };
}
export type ReplicaEventType = keyof ReplicaEventMap;
type Handler<K extends ReplicaEventType> = (payload: ReplicaEventMap[K]) => void;

/**
 * Events for the other replicas (never delivered to the one that published). Best effort: a
 * replica that misses one still revalidates its caches against the database within a minute.
 */
export abstract class ReplicaEvents {
  abstract publish<K extends ReplicaEventType>(type: K, payload: ReplicaEventMap[K]): void;
  abstract on<K extends ReplicaEventType>(type: K, handler: Handler<K>): void;
}

/** One process: there is nobody to tell. */
export class NoOtherReplicas extends ReplicaEvents {
  publish(): void {}
  on(): void {}
}

interface Envelope {
  origin: string;
  type: ReplicaEventType;
  payload: unknown;
}

/** Redis pub/sub on one channel; a subscribed connection can do nothing else, hence its own. */
export class RedisReplicaEvents extends ReplicaEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReplicaEvents');
  private readonly origin = randomUUID();
  private readonly handlers = new Map<ReplicaEventType, Array<(payload: unknown) => void>>();
  private readonly subscriber: Redis;
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    super();
    this.subscriber = redis.duplicate();
    logConnectionErrors(this.subscriber, this.logger, 'Redis subscriber');
    this.channel = `${keyPrefix}replica-events`;
  }

  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', (_channel: string, message: string) => this.deliver(message));
    await this.subscriber.subscribe(this.channel);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber.quit().catch(() => undefined);
  }

  publish<K extends ReplicaEventType>(type: K, payload: ReplicaEventMap[K]): void {
    const envelope: Envelope = { origin: this.origin, type, payload };
    this.redis.publish(this.channel, JSON.stringify(envelope)).catch((error: unknown) => this.logger.warn(`Could not publish ${type}: ${String(error)}`));
  }

  on<K extends ReplicaEventType>(type: K, handler: Handler<K>): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler as (payload: unknown) => void]);
  }

  private deliver(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === this.origin) return;
    for (const handler of this.handlers.get(envelope.type) ?? []) {
      try {
        handler(envelope.payload);
      } catch (error) {
        this.logger.warn(`Handling ${envelope.type} from another replica: ${String(error)}`);
      }
    }
  }
}
