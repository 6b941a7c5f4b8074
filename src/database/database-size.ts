import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sizeIfExists } from '../common/fs-if-exists.js';
import { AppConfig } from '../config/app-config.js';

/** Room the database takes, as its driver knows it. */
@Injectable()
export class DatabaseSize {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  /** SQLite: the file plus its write-ahead log (recent commits until a checkpoint). PostgreSQL: pg_database_size. */
  async bytes(): Promise<number> {
    const { database } = this.config;
    if (database.driver === 'postgres') {
      const [row] = (await this.dataSource.query('SELECT pg_database_size(current_database()) AS bytes')) as Array<{ bytes: string }>;
      return Number(row.bytes); // a bigint, which pg answers as text
    }
    const sizes = await Promise.all(['', '-wal'].map((suffix) => sizeIfExists(`${database.path}${suffix}`)));
    return sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0);
  }
}
