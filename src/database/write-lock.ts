import { Injectable } from '@nestjs/common';
import { SerialQueue } from '../common/serial-queue.js';

/**
 * Serialises writes in this process. TypeORM's better-sqlite3 driver shares one query
 * runner, so two concurrent `transaction()` calls would interleave on it. Hold the lock
 * only around the database work: never around Gemini, sharp or the filesystem.
 *
 * PostgreSQL gives each transaction a pooled connection of its own, so it would not need
 * this; the lock stays on both drivers anyway, so writes of one process keep the order the
 * services reason about (a scene saved during a clear queues behind it) and one code path is
 * tested. It costs little: transactions are short. Across replicas, PostgreSQL's own locks
 * do that work (see ImagesRepository's per-item lock).
 */
@Injectable()
export class WriteLock extends SerialQueue {}
