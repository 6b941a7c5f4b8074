import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Clock } from '../common/clock.js';
import { isFinished } from './generation-job.entity.js';
import { GenerationJobs } from './generation-jobs.service.js';
import { JobPresenter } from './job-presenter.js';

/** Proxies close a connection idle for 30–60 s (nginx's default read timeout is 60 s): a comment line well inside that. */
export const HEARTBEAT_MS = 15_000;

/**
 * A job's changes as Server-Sent Events: the job as it stands, then each change, until it
 * finishes or the client goes. Comment lines in between are heartbeats.
 */
@Injectable()
export class JobEventStream {
  constructor(
    private readonly jobs: GenerationJobs,
    private readonly presenter: JobPresenter,
    private readonly clock: Clock,
  ) {}

  follow(id: string, request: Request, response: Response): void {
    response
      .status(200)
      .set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        'X-Accel-Buffering': 'no',
      })
      .flushHeaders();
    const heartbeat = new AbortController();
    // Events are written in the order the changes came, whatever presenting each one takes.
    let written = Promise.resolve();
    const stop = this.jobs.watch(id, (view) => {
      written = written.then(async () => {
        const job = await this.presenter.present(view);
        if (response.writableEnded) return;
        response.write(`event: ${job.status}\ndata: ${JSON.stringify(job)}\n\n`);
        if (isFinished(view.job.status)) close();
      });
    });
    const close = () => {
      stop();
      heartbeat.abort();
      if (!response.writableEnded) response.end();
    };
    request.once('close', close);
    void this.beat(response, heartbeat.signal);
  }

  private async beat(response: Response, signal: AbortSignal): Promise<void> {
    try {
      for (;;) {
        await this.clock.sleep(HEARTBEAT_MS, signal);
        response.write(': still there\n\n');
      }
    } catch {
      // aborted: the stream closed
    }
  }
}
