import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { QuotaExceededError } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { GeminiReservations } from './gemini-reservations.js';
import { ImagesRepository } from './images.repository.js';

/**
 * GEMINI_DAILY_IMAGE_LIMIT: a spending cap on Gemini images per UTC day. Counts what the
 * database says was drawn today plus what is being drawn right now (on every replica), so
 * concurrent requests cannot overshoot it. Other providers are not capped.
 */
@Injectable()
export class GeminiDailyCap {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repository: ImagesRepository,
    private readonly reservations: GeminiReservations,
  ) {}

  /** Reserves one image; call the returned function when the attempt is over (either way). */
  async reserve(source: string): Promise<() => void> {
    const limit = this.config.generation.geminiDailyLimit;
    if (source !== 'gemini' || limit === undefined) return () => undefined;
    const now = this.clock.now();
    // Reserve first, count the database second: a generation that finishes in between is then
    // seen in one place or the other (its row lands before its reservation goes), never in neither.
    const reservation = await this.reservations.reserve();
    let used: number;
    try {
      used = (await this.countToday(now)) + reservation.othersInFlight;
    } catch (error) {
      reservation.release();
      throw error;
    }
    if (used >= limit) {
      reservation.release();
      throw capReached(limit, now);
    }
    return reservation.release;
  }

  /**
   * Refuses at once when today's images already fill the cap, before a request waits in the
   * queue for nothing (the reservation when it is drawn still decides, counting those in flight).
   */
  async refuseIfReached(source: string): Promise<void> {
    const limit = this.config.generation.geminiDailyLimit;
    if (source !== 'gemini' || limit === undefined) return;
    const now = this.clock.now();
    if ((await this.countToday(now)) >= limit) throw capReached(limit, now);
  }

  /** Gemini images created since 00:00 UTC, deleted ones included: they were paid for. */
  countToday(now = this.clock.now()): Promise<number> {
    return this.repository.countCreatedSince('gemini', startOfUtcDay(now));
  }
}

function capReached(limit: number, now: Date): QuotaExceededError {
  const resetsAt = startOfNextUtcDay(now);
  const seconds = Math.ceil((resetsAt.getTime() - now.getTime()) / 1000);
  return new QuotaExceededError(
    `The daily Gemini image limit (GEMINI_DAILY_IMAGE_LIMIT=${limit}) is reached; it resets at ${resetsAt.toISOString()} (in ${formatDuration(seconds)}). Cached scenes are still served.`,
    seconds,
  );
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function startOfNextUtcDay(date: Date): Date {
  return new Date(startOfUtcDay(date).getTime() + 86_400_000);
}

export function formatDuration(seconds: number): string {
  const totalMinutes = Math.ceil(seconds / 60);
  const [hours, minutes] = [Math.floor(totalMinutes / 60), totalMinutes % 60];
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
