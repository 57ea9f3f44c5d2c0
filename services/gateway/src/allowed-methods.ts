// Which methods a path answers, for 405 + Allow: any method a route does not take on a KNOWN path is
// "not allowed" (RFC 9110 §15.5.6), not "not found". Decided from the path alone, so it holds for every
// method the HTTP parser lets through (TRACE, QUERY, ...), not only for a listed few.

/** `/repos/{owner}/{repo}/releases` and `.../releases/latest` (one segment each for owner and repo). */
const RELEASE_PATH = /^\/repos\/[^/]+\/[^/]+\/releases(?:\/latest)?$/;
const READ_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
const REPORT_PATHS = new Set(['/v1/version', '/status', '/status/', '/logs', '/logs/']);

export const READ_METHODS = 'GET, HEAD';
export const REPORT_METHODS = 'POST';

/** The `Allow` value of a path (as sent, without the query), or null for a path the gateway does not know. */
export function allowedMethodsOf(path: string): string | null {
  if (REPORT_PATHS.has(path) || path.startsWith('/status/') || path.startsWith('/logs/'))
    return REPORT_METHODS;
  if (READ_PATHS.has(path) || RELEASE_PATH.test(path)) return READ_METHODS;
  return null;
}
