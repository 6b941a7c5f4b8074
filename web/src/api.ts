/**
 * The service's HTTP API for the views: openapi-fetch over the types generated from the
 * server's OpenAPI document, so a path, a parameter or a body the server does not take fails
 * to compile. Every failure becomes an ApiError carrying what a person needs to act on it: the
 * status, the server's message, the safety reason and how long to wait.
 */
import createClient from 'openapi-fetch';
import { readAdminKey } from './admin-key';
import {
  type AcceptedJobDto,
  aspectRatioValues,
  imageSizeValues,
  type BackupDto,
  type EditImageDto,
  type ExpiredCacheCleanupDto,
  type GenerateImageDto,
  type GenerateSceneDto,
  type ImageDto,
  type ImagePageDto,
  type ImageSize,
  type ImageSource,
  type ImportReportDto,
  type JobDto,
  type JobName,
  type JobRunDto,
  type JobStatusDto,
  type MaintenanceStatsDto,
  type OrphanCleanupDto,
  type paths,
  type SceneCacheStatsDto,
  type SceneDto,
} from './api/schema';

// The server's shapes come from its OpenAPI document (web/src/api/schema.ts, made by
// `npm run openapi`; a test fails when it drifts), under the names the views use.
export type Image = ImageDto;
export type ImagePage = ImagePageDto;
export type Scene = SceneDto;
/** A generation job (GET /jobs/{id}), and what a route answers when it queues one. */
export type Job = JobDto;
export type AcceptedJob = AcceptedJobDto;
export type SceneCacheStats = SceneCacheStatsDto;
export type MaintenanceStats = MaintenanceStatsDto;
export type ExpiredCacheCleanup = ExpiredCacheCleanupDto;
export type OrphanCleanup = OrphanCleanupDto;
export type Backup = BackupDto;
/** A scheduled job: its schedule and next run on this replica, its last run on any replica. */
export type JobStatus = JobStatusDto;
export type JobRun = JobRunDto;
export type JobOutcome = JobRunDto['outcome'];
export type ImportReport = ImportReportDto;
export type { ImageSize, ImageSource, JobName };
export type GenerateImageRequest = GenerateImageDto;
export type GenerateSceneRequest = GenerateSceneDto;
/** What to change in a stored image; the new image keeps its item and style. */
export type EditImageRequest = EditImageDto;
/** How a new picture is drawn: shape, size, and what it must stay consistent with. */
export type DrawingOptions = Pick<GenerateImageDto, 'aspectRatio' | 'imageSize' | 'references' | 'characters'>;
export type SearchFilters = NonNullable<paths['/api/v2/images/search']['get']['parameters']['query']> & { page: number; pageSize: number };

export const ASPECT_RATIOS = aspectRatioValues;
/** Output resolutions: the long side is about 1024, 2048 or 4096 px (where the model draws them). */
export const IMAGE_SIZES = imageSizeValues;

/**
 * What kind of route a request went to: the admin key goes to admin routes only, and only the
 * drawing routes can blame the image provider for a 502/503/504.
 */
export type RouteKind = 'admin' | 'drawing' | 'other';

/** The routes behind the server's AdminGuard (maintenance, clearing the scene cache, the migration). */
const ADMIN_PATHS = ['/maintenance/', '/scenes/cache/clear', '/migrate/'];
/** The routes that ask the image provider for a picture. */
const DRAWING_PATHS = [/^\/images\/generate$/, /^\/scenes\/generate$/, /^\/images\/[^/]+\/edit$/];

function routeKind(path: string): RouteKind {
  if (ADMIN_PATHS.some((prefix) => path.startsWith(prefix))) return 'admin';
  if (DRAWING_PATHS.some((pattern) => pattern.test(path))) return 'drawing';
  return 'other';
}

export interface ApiErrorDetails {
  /** Seconds from Retry-After (429 rate limits, 503 quota and the daily cap). */
  retryAfterSeconds?: number;
  /** The provider's block or finish reason on a 422 safety refusal. */
  reason?: string;
  route?: RouteKind;
  /**
   * The body was the service's own JSON error (`{ statusCode, error, message }`), not, say, a
   * proxy's HTML page: only then do its status and message say what the service meant.
   */
  fromService?: boolean;
  /** The HTTP reason phrase ("Bad Gateway"), possibly empty. */
  statusText?: string;
}

/**
 * A request that failed; `status` 0 means the service could not be reached at all, a 2xx
 * means it answered with something that is not the API's JSON.
 */
export class ApiError extends Error {
  readonly retryAfterSeconds?: number;
  readonly reason?: string;
  readonly route: RouteKind;
  readonly fromService: boolean;
  readonly statusText: string;

  constructor(
    readonly status: number,
    /** The server's message(s): validation errors come as several. */
    readonly messages: string[],
    details: ApiErrorDetails = {},
  ) {
    super(messages.join('; ') || `HTTP ${status}`);
    this.name = 'ApiError';
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.reason = details.reason;
    this.route = details.route ?? 'other';
    this.fromService = details.fromService ?? false;
    this.statusText = details.statusText ?? '';
  }
}

const client = createClient<paths>({ baseUrl: '', headers: { Accept: 'application/json' } });

// The admin key goes to admin routes only, read when the request is made (it can change).
client.use({
  onRequest({ request }) {
    const adminKey = routeKind(new URL(request.url).pathname.replace(API_BASE, '')) === 'admin' ? readAdminKey() : undefined;
    if (adminKey) request.headers.set('Authorization', `Bearer ${adminKey}`);
    return request;
  },
});

const API_BASE = '/api/v2';

/** What openapi-fetch answers: the parsed body on success, the error body otherwise. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful answer, or an ApiError saying what went wrong. */
async function call<T>(path: string, request: () => Promise<Answer<T>>): Promise<{ data: T; headers: Headers }> {
  const route = routeKind(path);
  let answer: Answer<T>;
  try {
    answer = await request();
  } catch (error) {
    // fetch rejects with a TypeError when no answer came (service down, offline, DNS, CORS).
    if (error instanceof TypeError) throw new ApiError(0, ['The service did not answer. Is it running?'], { route });
    // A 2xx whose body is not JSON: a proxy or a Wi-Fi login page answered instead.
    if (error instanceof SyntaxError) throw notTheApi(route);
    throw error;
  }
  const { response } = answer;
  if (!response.ok) throw errorFrom(response, answer.error, route);
  if (response.status !== 204 && !response.headers.get('Content-Type')?.includes('application/json')) throw notTheApi(route, response);
  return { data: answer.data as T, headers: response.headers };
}

function notTheApi(route: RouteKind, response?: Response): ApiError {
  return new ApiError(response?.status ?? 200, ['Its answer was not the API’s JSON: something in between, such as a proxy or a Wi-Fi login page, may have answered instead.'], {
    route,
    statusText: response?.statusText,
  });
}

function errorFrom(response: Response, body: unknown, route: RouteKind): ApiError {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { statusCode?: unknown; error?: unknown; message?: unknown; reason?: unknown };
  const { message, reason } = fields;
  const messages = Array.isArray(message) ? message.map(String) : typeof message === 'string' ? [message] : [];
  const retryAfter = Number(response.headers.get('Retry-After'));
  return new ApiError(response.status, messages.length > 0 ? messages : [response.statusText].filter(Boolean), {
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
    route,
    fromService: fields.statusCode === response.status && typeof fields.error === 'string' && messages.length > 0,
    statusText: response.statusText,
  });
}

const data = <T>(answer: Promise<{ data: T }>): Promise<T> => answer.then(({ data }) => data);
const inPath = (id: string) => ({ params: { path: { id } } });
/** RFC 7240: answer at once with the job instead of waiting for it. */
const ASYNC = { Prefer: 'respond-async' };
const queued = <T>(answer: Promise<{ data: T }>): Promise<AcceptedJob> => answer.then(({ data }) => data as AcceptedJob);

const FINISHED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Follows a job through its event stream (`GET /jobs/{id}/events`), calling `onChange` at each
 * state, until it ends: resolves with the finished job, whatever its ending.
 */
function followJob(id: string, onChange: (job: Job) => void): Promise<Job> {
  return new Promise((resolve, reject) => {
    const source = new EventSource(`${API_BASE}/jobs/${encodeURIComponent(id)}/events`);
    const onEvent = (event: MessageEvent<string>) => {
      const job = JSON.parse(event.data) as Job;
      onChange(job);
      if (!FINISHED.has(job.status)) return;
      source.close(); // before the server's end of stream, which EventSource would take for a lost connection
      resolve(job);
    };
    for (const status of ['queued', 'running', ...FINISHED]) source.addEventListener(status, onEvent);
    source.addEventListener('error', () => {
      // EventSource reconnects by itself after a dropped connection. When it gives up (a 4xx,
      // the job gone), the job itself says how it stands, or why it cannot be read.
      if (source.readyState !== EventSource.CLOSED) return;
      api.getJob(id).then((job) => (FINISHED.has(job.status) ? resolve(job) : reject(new ApiError(0, ['The job’s progress could not be followed; reload to try again.'], { route: 'drawing' }))), reject);
    });
  });
}

/** A finished job's result, or the error its synchronous route would have answered. */
export function resultOf<T>(job: Job): T {
  if (job.status === 'succeeded' && job.result) return job.result as T;
  const body: NonNullable<Job['error']> = job.error ?? { statusCode: 409, error: 'Conflict', message: `The job was ${job.status}` };
  const messages = Array.isArray(body.message) ? body.message : [body.message];
  throw new ApiError(body.statusCode, messages, { route: 'drawing', fromService: true, reason: body.reason, retryAfterSeconds: body.retryAfterSeconds });
}

export const api = {
  searchImages: (query: SearchFilters) => data(call('/images/search', () => client.GET('/api/v2/images/search', { params: { query: withoutEmpty(query) } }))),
  getImage: (id: string) => data(call(`/images/${id}`, () => client.GET('/api/v2/images/{id}', inPath(id)))),
  setFeatured: (id: string, featured: boolean) => data(call(`/images/${id}/feature`, () => client.PUT('/api/v2/images/{id}/feature', { ...inPath(id), body: { featured } }))),
  deleteImage: (id: string) => data(call(`/images/${id}`, () => client.DELETE('/api/v2/images/{id}', inPath(id)))),

  // Drawings are jobs (`Prefer: respond-async`): answered at once, then followed with followJob.
  submitImage: (body: GenerateImageRequest) => queued(call('/images/generate', () => client.POST('/api/v2/images/generate', { body, params: { header: ASYNC } }))),
  /** A new image drawn from this one and an instruction; its parentId is `id`. */
  submitEdit: (id: string, body: EditImageRequest) => queued(call(`/images/${id}/edit`, () => client.POST('/api/v2/images/{id}/edit', { body, params: { path: { id }, header: ASYNC } }))),
  /** A scene already cached is answered at once (no job); a miss is a job. */
  async submitScene(body: GenerateSceneRequest): Promise<{ job: AcceptedJob } | { scene: Scene; cache: string }> {
    const { data: answer, headers } = await call('/scenes/generate', () => client.POST('/api/v2/scenes/generate', { body, params: { header: ASYNC } }));
    return 'cacheKey' in answer ? { scene: answer, cache: headers.get('X-Cache') ?? 'HIT' } : { job: answer };
  },
  getJob: (id: string) => data(call(`/jobs/${id}`, () => client.GET('/api/v2/jobs/{id}', inPath(id)))),
  followJob,
  sceneCacheStats: () => data(call('/scenes/cache/stats', () => client.GET('/api/v2/scenes/cache/stats'))),
  clearSceneCache: () => data(call('/scenes/cache/clear', () => client.DELETE('/api/v2/scenes/cache/clear'))),

  importLocalStorage: (localStorage: Record<string, string>, dryRun: boolean) =>
    data(
      call('/migrate/from-localstorage', () =>
        client.POST('/api/v2/migrate/from-localstorage', { body: { localStorage }, params: { query: dryRun ? { dryRun: true } : {} } }),
      ),
    ),

  maintenanceStats: () => data(call('/maintenance/stats', () => client.GET('/api/v2/maintenance/stats'))),
  cleanupExpiredCache: () => data(call('/maintenance/cleanup/expired-cache', () => client.POST('/api/v2/maintenance/cleanup/expired-cache'))),
  cleanupOrphans: (dryRun: boolean) =>
    data(call('/maintenance/cleanup/orphaned-images', () => client.POST('/api/v2/maintenance/cleanup/orphaned-images', { params: { query: { dryRun } } }))),
  backup: () => data(call('/maintenance/backup', () => client.POST('/api/v2/maintenance/backup'))),
  listBackups: () => data(call('/maintenance/backups', () => client.GET('/api/v2/maintenance/backups'))),
  listJobs: () => data(call('/maintenance/jobs', () => client.GET('/api/v2/maintenance/jobs'))),
  runJob: (name: JobName) => data(call(`/maintenance/jobs/${name}/run`, () => client.POST('/api/v2/maintenance/jobs/{name}/run', { params: { path: { name } } }))),
};

/** Filters left empty in a form are not sent (the server would refuse an empty `q`). */
function withoutEmpty<T extends object>(query: T): T {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && value !== '')) as T;
}
