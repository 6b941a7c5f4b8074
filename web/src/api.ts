/**
 * A typed client for the service's HTTP API (../shared/API.md). Every failure becomes an
 * ApiError carrying what a person needs to act on it: the status, the server's message, the
 * safety reason and how long to wait.
 */
import { readAdminKey } from './admin-key';

const API = '/api/v2';

export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** Output resolutions: the long side is about 1024, 2048 or 4096 px (where the model draws them). */
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];
export type ImageSource = 'gemini' | 'local' | 'import';

export interface Image {
  id: string;
  prompt: string;
  style: string | null;
  itemId: string | null;
  itemType: string | null;
  featured: boolean;
  source: ImageSource;
  model: string | null;
  /** The image this one was edited from (lineage); null for a first drawing. */
  parentId: string | null;
  aspectRatio?: string | null;
  width: number;
  height: number;
  sizeBytes: number;
  thumbnailWidth: number;
  thumbnailHeight: number;
  contentHash: string;
  createdAt: string;
  urls: { full: string; thumbnail: string };
}

export interface ImagePage {
  items: Image[];
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
}

export interface SearchFilters {
  q?: string;
  featured?: 'true' | 'false';
  itemType?: string;
  source?: ImageSource;
  /** Only the edits made from this image. */
  parentId?: string;
  sort?: 'newest' | 'oldest';
  page: number;
  pageSize: number;
}

/** How a new picture is drawn: shape, size, and what it must stay consistent with. */
export interface DrawingOptions {
  aspectRatio?: string;
  imageSize?: ImageSize;
  /** Ids of stored images the model is shown as references. */
  references?: string[];
  /** Item ids of characters to keep consistent: each one's featured image is shown to the model. */
  characters?: string[];
}

export interface GenerateImageRequest extends DrawingOptions {
  prompt: string;
  style?: string;
  itemId?: string;
  itemType?: string;
}

export interface GenerateSceneRequest extends DrawingOptions {
  description: string;
  style?: string;
  forceRegenerate?: boolean;
}

/** What to change in a stored image; the new image keeps its item and style. */
export interface EditImageRequest {
  instruction: string;
  aspectRatio?: string;
  imageSize?: ImageSize;
}

export interface Scene {
  cached: boolean;
  cacheKey: string;
  expiresAt: string;
  hitCount: number;
  image: Image;
}

export interface SceneCacheStats {
  entries: number;
  activeEntries: number;
  expiredEntries: number;
  hits: number;
  misses: number;
  hitRate: number;
  totalBytes: number;
  oldestEntryAt: string | null;
  newestEntryAt: string | null;
  expiryDays: number;
}

export interface MaintenanceStats {
  images: { total: number; active: number; deleted: number; featured: number };
  cache: SceneCacheStats;
  storage: { files: number; fullBytes: number; thumbnailBytes: number };
  database: { driver: string; sizeBytes: number };
  backups: { count: number; latestAt: string | null; latestBytes: number | null };
  uptimeSeconds: number;
}

export interface ExpiredCacheCleanup {
  deletedEntries: number;
  deletedImages: number;
  freedBytes: number;
}

export interface OrphanCleanup {
  dryRun: boolean;
  deletedImages: number;
  deletedFiles: number;
  freedBytes: number;
  missingFiles: Array<{ imageId: string; variant: 'full' | 'thumbnail' }>;
}

export interface Backup {
  file: string;
  sizeBytes: number;
  createdAt: string;
}

export type JobName = 'expired-cache-cleanup' | 'orphan-cleanup' | 'backup';
export type JobOutcome = 'success' | 'failure' | 'skipped';

/** A scheduled job: its schedule and next run on this replica, its last run on any replica. */
export interface JobStatus {
  name: JobName;
  /** Cron expression (UTC); null when the job is switched off. */
  cron: string | null;
  /** Scheduled on this replica (JOBS_ENABLED and a cron expression). */
  scheduled: boolean;
  nextRunAt: string | null;
  runningHere: boolean;
  lastRunAt: string | null;
  /** The replica (host:pid:id) that ran it last. */
  lastRunBy: string | null;
}

export interface JobRun {
  job: JobName;
  /** skipped: running here already, or another replica is running it or ran it in the last 30 s. */
  outcome: JobOutcome;
}

export interface ImportReport {
  dryRun: boolean;
  imported: { images: number; scenes: number };
  skipped: { duplicates: number };
  failed: Array<{ ref: string; reason: string }>;
  overLimit?: Array<{ itemId: string; count: number; max: number }>;
  /** Bytes of the pictures imported (or that would be), as decoded from the dump. */
  importedBytes?: number;
}

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

type Query = Record<string, string | number | boolean | undefined>;

interface CallOptions {
  query?: Query;
  body?: unknown;
}

interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const route = routeKind(path);
  // Built before fetch, so a header the browser refuses is not mistaken for a network failure.
  const headers = new Headers({ Accept: 'application/json' });
  if (options.body !== undefined) headers.set('Content-Type', 'application/json');
  const adminKey = route === 'admin' ? readAdminKey() : undefined;
  if (adminKey) headers.set('Authorization', `Bearer ${adminKey}`);

  let response: Response;
  try {
    response = await fetch(urlWithQuery(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    // fetch rejects with a TypeError when no answer came (service down, offline, DNS, CORS).
    if (error instanceof TypeError) throw new ApiError(0, ['The service did not answer. Is it running?'], { route });
    throw error;
  }
  const body = response.status === 204 ? undefined : await readJson(response);
  if (!response.ok) throw errorFrom(response, body, route);
  if (response.status !== 204 && body === NOT_JSON) {
    throw new ApiError(response.status, ['Its answer was not the API’s JSON: something in between, such as a proxy or a Wi-Fi login page, may have answered instead.'], {
      route,
      statusText: response.statusText,
    });
  }
  return { data: body as T, headers: response.headers };
}

/** What readJson returns for a body that is not JSON (an HTML page, an empty body). */
const NOT_JSON = Symbol('not JSON');

function readJson(response: Response): Promise<unknown> {
  return response.json().catch(() => NOT_JSON);
}

function urlWithQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return `${API}${path}${search ? `?${search}` : ''}`;
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

const data = <T>(response: Promise<ApiResponse<T>>): Promise<T> => response.then((answer) => answer.data);

export const api = {
  searchImages: (filters: SearchFilters) => data(call<ImagePage>('GET', '/images/search', { query: { ...filters } })),
  getImage: (id: string) => data(call<Image>('GET', `/images/${id}`)),
  generateImage: (body: GenerateImageRequest) => data(call<Image>('POST', '/images/generate', { body })),
  /** A new image drawn from this one and an instruction; its parentId is `id`. */
  editImage: (id: string, body: EditImageRequest) => data(call<Image>('POST', `/images/${id}/edit`, { body })),
  setFeatured: (id: string, featured: boolean) => data(call<Image>('PUT', `/images/${id}/feature`, { body: { featured } })),
  deleteImage: (id: string) => data(call<void>('DELETE', `/images/${id}`)),

  /** The scene plus the X-Cache header's verdict (HIT or MISS). */
  async generateScene(body: GenerateSceneRequest): Promise<{ scene: Scene; cache: string }> {
    const { data: scene, headers } = await call<Scene>('POST', '/scenes/generate', { body });
    return { scene, cache: headers.get('X-Cache') ?? (scene.cached ? 'HIT' : 'MISS') };
  },
  sceneCacheStats: () => data(call<SceneCacheStats>('GET', '/scenes/cache/stats')),
  clearSceneCache: () => data(call<{ cleared: number }>('DELETE', '/scenes/cache/clear')),

  importLocalStorage: (localStorage: Record<string, string>, dryRun: boolean) =>
    data(call<ImportReport>('POST', '/migrate/from-localstorage', { body: { localStorage }, query: { dryRun: dryRun || undefined } })),

  maintenanceStats: () => data(call<MaintenanceStats>('GET', '/maintenance/stats')),
  cleanupExpiredCache: () => data(call<ExpiredCacheCleanup>('POST', '/maintenance/cleanup/expired-cache')),
  cleanupOrphans: (dryRun: boolean) => data(call<OrphanCleanup>('POST', '/maintenance/cleanup/orphaned-images', { query: { dryRun } })),
  backup: () => data(call<Backup>('POST', '/maintenance/backup')),
  listBackups: () => data(call<Backup[]>('GET', '/maintenance/backups')),
  listJobs: () => data(call<JobStatus[]>('GET', '/maintenance/jobs')),
  runJob: (name: JobName) => data(call<JobRun>('POST', `/maintenance/jobs/${name}/run`)),
};
