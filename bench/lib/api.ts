/** Requests the benchmarks make to the service's API, sent as a client sends them. */

export const GENERATE_PATH = '/api/v2/images/generate';

/** POST `path` with `body` as JSON. */
export function postJson(baseUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** POST /api/v2/images/generate: a prompt, and whatever else the request asks for (references, …). */
export function postGenerate(baseUrl: string, body: { prompt: string } & Record<string, unknown>): Promise<Response> {
  return postJson(baseUrl, GENERATE_PATH, body);
}

/** An image as the v2 API answers it (the fields the benchmarks read). */
export interface ImageJson {
  id: string;
  sizeBytes: number;
  thumbnailSizeBytes: number;
  urls: { full: string; thumbnail: string };
}
