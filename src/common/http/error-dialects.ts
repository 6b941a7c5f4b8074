import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

/**
 * How one API version words its errors. The native API (/api/v2 and everything outside the
 * versions) answers in Nest's shape; another version registers its own dialect for its path
 * prefix, so the one error filter answers each client the way it expects.
 */
export interface ErrorDialect {
  /** Answers the error; anything it does not expect (a bug) it logs and answers as a 500. */
  send(error: unknown, request: Request, response: Response): void;
}

@Injectable()
export class ErrorDialects {
  private readonly dialects: Array<{ prefix: string; dialect: ErrorDialect }> = [];

  /** `prefix` is a path like `/api/v1`: it covers that path and everything below it. */
  register(prefix: string, dialect: ErrorDialect): void {
    this.dialects.push({ prefix, dialect });
  }

  /** The dialect of a request path, or undefined for the native one. */
  for(path: string): ErrorDialect | undefined {
    return this.dialects.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`))?.dialect;
  }
}
