// Same-origin JSON API client. Failures throw ApiError carrying the problem+json detail.

export class ApiError extends Error {
  constructor({ status = 0, type = 'about:blank', title = '', detail = '' } = {}) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.type = type;
    this.title = title;
    this.detail = detail;
  }
  get notFound() { return this.status === 404; }
}

/** GET /api/<path> with optional query params (empty values are left out). */
export async function getJson(path, params = {}, { signal } = {}) {
  const url = new URL(`/api/${path}`, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, type: 'network' });
  }
  const isJson = /json/.test(response.headers.get('content-type') || '');
  const body = isJson ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError({ ...(body || {}), status: response.status });
  if (!body) throw new ApiError({ status: response.status, type: 'invalid-response' });
  return body;
}

export const api = {
  city: () => getJson('catalogue/city'),
  categories: () => getJson('catalogue/categories'),
  services: (params, opts) => getJson('catalogue/services', params, opts),
  service: (slug) => getJson(`catalogue/services/${encodeURIComponent(slug)}`),
};
