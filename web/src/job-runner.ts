import { api, type AcceptedJob, ApiError, type Image, type Job, resultOf } from './api';
import type { StatusLine } from './status';

/** How a job stands, in the words of a status line. */
export function describeJob(job: Pick<Job, 'status' | 'queuePosition'>): string {
  if (job.status === 'running') return 'drawing now';
  if (job.status !== 'queued') return '';
  return job.queuePosition ? `waiting in line: ${job.queuePosition} ahead` : 'next in line';
}

/**
 * One view's drawing as a job (`Prefer: respond-async`): its place in the line and its state
 * are shown as its event stream reports them, and its id is kept in sessionStorage while it
 * runs, so that after a reload the view finds it again (`resume`) instead of losing it.
 */
export class ViewJob<T> {
  private readonly storageKey: string;

  constructor(
    view: string,
    private readonly status: StatusLine,
    private readonly label: string,
    /** What the view shows of a finished job (its result, as the synchronous route answers it). */
    private readonly present: (job: Job) => T,
  ) {
    this.storageKey = `dnd-images:job:${view}`;
  }

  /** Submits the drawing and follows its job; a request answered at once (a cached scene) needs none. */
  run(buttons: HTMLButtonElement | HTMLButtonElement[], submit: () => Promise<{ job: AcceptedJob } | { done: T }>): Promise<{ value: T } | undefined> {
    return this.status.run(buttons, this.label, async (note) => {
      const submitted = await submit();
      if ('done' in submitted) return submitted.done;
      note(describeJob(submitted.job));
      return this.follow(submitted.job.id, note);
    });
  }

  /** The job a reload interrupted this view's wait for, followed again; undefined when there is none. */
  resume(buttons: HTMLButtonElement | HTMLButtonElement[]): Promise<{ value: T } | undefined> {
    const id = sessionStorage.getItem(this.storageKey);
    if (!id) return Promise.resolve(undefined);
    return this.status.run(buttons, this.label, (note) => this.follow(id, note));
  }

  private async follow(id: string, note: (text: string) => void): Promise<T> {
    sessionStorage.setItem(this.storageKey, id);
    let job: Job;
    try {
      job = await api.followJob(id, (state) => note(describeJob(state)));
    } catch (error) {
      // Kept for the next visit unless the job is gone: the page may just be unloading.
      if (error instanceof ApiError && error.status === 404) sessionStorage.removeItem(this.storageKey);
      throw error;
    }
    sessionStorage.removeItem(this.storageKey);
    return this.present(job);
  }
}

/** What an image job answers: the image. */
export const imageOf = (job: Job): Image => resultOf<Image>(job);
