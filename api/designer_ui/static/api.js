// The JSON API, seen from the designer page: every call goes with the staff app's session
// cookie and the session's CSRF token in the X-CSRF-Token header (api/auth.py).

// The page lives at /designer, its scripts under /designer/static/, the API at /api/v1/.
const API_ROOT = new URL('../../api/v1/', import.meta.url);

/** A refused request, with the API's error body: {status, code, message, details}. */
export class ApiError extends Error {
  constructor({ status, code, message, details }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

/**
 * Return a client whose calls carry the session's CSRF token. `client.request(method, path,
 * body)` takes a path relative to /api/v1/ and returns the parsed answer or throws ApiError.
 */
export function createClient(csrfToken) {
  async function request(method, path, body) {
    const headers = { 'X-CSRF-Token': csrfToken, Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(new URL(path, API_ROOT), init);
    } catch (err) {
      throw new ApiError({ status: 0, code: 'network', message: `Không kết nối được máy chủ (cannot reach the server): ${err.message}` });
    }
    const isJson = (response.headers.get('Content-Type') || '').includes('json');
    const payload = isJson ? await response.json() : await response.text();
    if (!response.ok) {
      const error = isJson && payload && payload.error ? payload.error : {};
      throw new ApiError({
        status: response.status,
        code: error.code || 'http_error',
        message: error.message || `HTTP ${response.status}`,
        details: error.details,
      });
    }
    return payload;
  }

  const procedure = (code) => `procedures/${encodeURIComponent(code)}`;
  const version = (code, number) => `${procedure(code)}/versions/${encodeURIComponent(number)}`;

  return {
    request, // the editors' way in (PAGE_CONTRACT.md): a path relative to /api/v1/
    listProcedures: () => request('GET', 'procedures'),
    listForms: () => request('GET', 'forms'),
    listDepartments: () => request('GET', 'departments'),
    getProcedure: (code) => request('GET', procedure(code)),
    listVersions: (code) => request('GET', `${procedure(code)}/versions`),
    getVersion: (code, number) => request('GET', version(code, number)),
    getBpmn: (code, number) => request('GET', `${version(code, number)}/bpmn`),
    getDecisions: (code, number) => request('GET', `${version(code, number)}/decisions`),
    createDraft: (code, body) => request('POST', `${procedure(code)}/versions`, body),
    updateDraft: (code, number, body) => request('PUT', version(code, number), body),
    validate: (code, number) => request('POST', `${version(code, number)}/validate`),
    publish: (code, number) => request('POST', `${version(code, number)}/publish`),
    diff: (code, from, to) => request(
      'GET', `${procedure(code)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
  };
}
