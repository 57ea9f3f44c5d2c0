// JSON paths in error messages: `$.labels.id`, `$.bundles["http/example/authz"].http_code`, `$.plugins.x.state`,
// `$.metrics.prometheus[3].metric[0].histogram.bucket[2].upper_bound`.
// Identifier-like keys use dot notation; any other key is written as a JSON string in brackets.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path of `key` inside the object at `parent`. */
export function childPath(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** The path of element `index` inside the array at `parent`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export const ROOT_PATH = '$';
