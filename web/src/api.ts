/**
 * A typed client for the service's HTTP API (../shared/API.md). Every failure becomes an
 * ApiError carrying what a person needs to act on it: the status, the server's message, the
 * safety reason and how long to wait.
 */
import { readAdminKey } from './admin-key';

const API = '/api/v1';

export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
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
  sort?: 'newest' | 'oldest';
  page: number;
  pageSize: number;
}

export interface GenerateImageRequest {
  prompt: string;
  style?: string;
  aspectRatio?: string;
  itemId?: string;
  itemType?: string;
}

export interface GenerateSceneRequest {
  description: string;
  style?: string;
  aspectRatio?: string;
  forceRegenerate?: boolean;
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

export interface ImportReport {
  dryRun: boolean;
  imported: { images: number; scenes: number };
  skipped: { duplicates: number };
  failed: Array<{ ref: string; reason: string }>;
  overLimit?: Array<{ itemId: string; count: number; max: number }>;
}

/** A request that failed; `status` 0 means the service could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's message(s): validation errors come as several. */
    readonly messages: string[],
    /** Seconds from Retry-After (429 rate limits, 503 quota and the daily cap). */
    readonly retryAfterSeconds?: number,
    /** The provider's block or finish reason on a 422 safety refusal. */
    readonly reason?: string,
  ) {
    super(messages.join('; ') || `HTTP ${status}`);
    this.name = 'ApiError';
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
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const adminKey = readAdminKey();
  if (adminKey) headers.Authorization = `Bearer ${adminKey}`;

  let response: Response;
  try {
    response = await fetch(urlWithQuery(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, ['The service did not answer. Is it running?']);
  }
  const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) throw errorFrom(response, body);
  return { data: body as T, headers: response.headers };
}

function urlWithQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return `${API}${path}${search ? `?${search}` : ''}`;
}

function errorFrom(response: Response, body: unknown): ApiError {
  const { message, reason } = (typeof body === 'object' && body !== null ? body : {}) as { message?: unknown; reason?: unknown };
  const messages = Array.isArray(message) ? message.map(String) : typeof message === 'string' ? [message] : [];
  const retryAfter = Number(response.headers.get('Retry-After'));
  return new ApiError(
    response.status,
    messages.length > 0 ? messages : [response.statusText],
    Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined,
    typeof reason === 'string' ? reason : undefined,
  );
}

const data = <T>(response: Promise<ApiResponse<T>>): Promise<T> => response.then((answer) => answer.data);

export const api = {
  searchImages: (filters: SearchFilters) => data(call<ImagePage>('GET', '/images/search', { query: { ...filters } })),
  generateImage: (body: GenerateImageRequest) => data(call<Image>('POST', '/images/generate', { body })),
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
};
