// JSON paths in error messages: `$.labels.id`, `$.bundles["http/example/authz"].http_code`, `$.plugins.x.state`,
// `$.metrics.prometheus[3].metric[0].histogram.bucket[2].upper_bound`.
// Identifier-like keys use dot notation; any other key is written as a JSON string in brackets.

function isIdentifier(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
    if (!letter && (i === 0 || c < 48 || c > 57)) return false;
  }
  return true;
}

// Normalization builds a path for every field it checks (a real report has thousands), mostly with the
// same few keys: whether a key is an identifier is remembered (JSON.parse interns keys, so the lookup is a
// hash hit), for at most KNOWN_KEYS_MAX keys so that a report of random keys cannot grow it.
const KNOWN_KEYS_MAX = 4096;
const identifierKeys = new Map<string, boolean>();

/** The path of `key` inside the object at `parent`. */
export function childPath(parent: string, key: string): string {
  let identifier = identifierKeys.get(key);
  if (identifier === undefined) {
    identifier = isIdentifier(key);
    if (identifierKeys.size < KNOWN_KEYS_MAX) identifierKeys.set(key, identifier);
  }
  return identifier ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** The path of element `index` inside the array at `parent`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export const ROOT_PATH = '$';
