// The fleet console's page: fetches the documented queries and the ingestion health from the console's
// JSON API and draws them. Read-only; every value from the API is inserted as text, never as HTML.

const TOKEN_KEY = 'fleet-console-token';
const REFRESH_MS = 30_000;
const MAX_SERIES = 10;
const PALETTE = [
  '#2b6cb0',
  '#2f7d4f',
  '#c05621',
  '#6b46c1',
  '#b7791f',
  '#2c7a7b',
  '#c53030',
  '#4a5568',
  '#97266d',
  '#276749',
  '#a0aec0',
];

const $ = (id) => document.getElementById(id);

class Unauthorized extends Error {}

/** GET an API path with the stored token; 401 asks for one, other errors carry the server's message. */
async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Unauthorized(body.message || 'a token is required');
  if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
  return body;
}

const query = (name, params = {}) =>
  api(`/api/queries/${encodeURIComponent(name)}?${new URLSearchParams(params)}`).then((r) => r.rows);

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

/** A rate: three significant digits, however small (one report an hour is 0.000278/s). */
const fmtRate = (n) => Number(n).toLocaleString('en-US', { maximumSignificantDigits: 3 });
const fmt = (n, digits = 0) =>
  n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits });

/** The documented list queries stop at this many rows. */
const LIST_LIMIT = 1000;

/** Fills a table: columns are [heading, row => value, 'num'?]; with `noun` ([one, many]), a caption counts the rows. */
function fillTable(table, columns, rows, emptyText, noun) {
  table.replaceChildren(el('tr', {}, ...columns.map(([h, , cls]) => el('th', cls ? { class: cls } : {}, h))));
  if (noun && rows.length > 0) {
    const more = rows.length >= LIST_LIMIT ? ` (the first ${LIST_LIMIT})` : '';
    const [one, many] = noun;
    table.prepend(el('caption', {}, `${fmt(rows.length)} ${rows.length === 1 ? one : many}${more}`));
  }
  if (rows.length === 0) {
    table.append(el('tr', {}, el('td', { class: 'empty', colspan: columns.length }, emptyText)));
    return;
  }
  for (const row of rows) {
    table.append(
      el('tr', {}, ...columns.map(([, get, cls]) => el('td', cls ? { class: cls } : {}, get(row)))),
    );
  }
}

function showError(table, error) {
  table.replaceChildren(el('tr', {}, el('td', { class: 'error' }, `could not load: ${error.message}`)));
}

// ---- panels ---------------------------------------------------------------------------------------

let versionsPlot = null;

function drawVersions(rows) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const totals = new Map();
  for (const r of rows) totals.set(r.version, (totals.get(r.version) ?? 0) + Number(r.instances));
  const top = [...totals.keys()]
    .sort((a, b) => totals.get(b) - totals.get(a) || a.localeCompare(b))
    .slice(0, MAX_SERIES);
  const series = [...top, ...(totals.size > top.length ? ['other'] : [])];
  const values = series.map(() => days.map(() => null));
  for (const r of rows) {
    const s = top.includes(r.version) ? top.indexOf(r.version) : series.length - 1;
    const d = days.indexOf(r.day);
    values[s][d] = (values[s][d] ?? 0) + Number(r.instances);
  }
  const x = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const container = $('versions-chart');
  versionsPlot?.destroy();
  container.replaceChildren();
  versionsPlot = null;
  if (days.length > 0) {
    versionsPlot = new uPlot(
      {
        width: container.clientWidth || 800,
        height: 260,
        // The query's 30 days, whatever days have data (one day alone would be stretched over the axis).
        scales: { x: { time: true, range: () => [x.at(-1) - 30 * 86_400, x.at(-1) + 86_400] } },
        axes: [{}, { label: 'instances' }],
        series: [
          {
            label: 'day',
            value: (_u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 10)),
          },
          ...series.map((label, i) => ({
            label,
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            points: { size: 6 },
          })),
        ],
      },
      [x, ...values],
      container,
    );
  }
  const lastDay = days.at(-1);
  const latest = rows
    .filter((r) => r.day === lastDay)
    .sort((a, b) => b.instances - a.instances || a.version.localeCompare(b.version));
  fillTable(
    document.querySelector('[data-testid=versions-latest-day]'),
    [
      [`version (${lastDay ?? 'no day'})`, (r) => r.version],
      ['instances', (r) => fmt(r.instances), 'num'],
    ],
    latest,
    'no version reports in the last 30 days',
  );
}

function drawShare([row]) {
  const share = row && Number(row.instances) > 0 ? Number(row.share) : null;
  document.querySelector('[data-testid=share]').textContent =
    share === null ? '–' : `${fmt(share * 100, 1)}%`;
  $('share-bar').style.width = `${(share ?? 0) * 100}%`;
  $('share-detail').textContent = row
    ? `${fmt(row.on_latest)} of ${fmt(row.instances)} instances seen in the last 24 h`
    : 'no version reports in the last 24 h';
}

function drawPartitions(rows) {
  const max = Math.max(1, ...rows.map((r) => Number(r.reports)));
  fillTable(
    document.querySelector('[data-testid=partitions]'),
    [
      ['partition', (r) => (r.partition === '' ? '(default)' : r.partition)],
      ['reports', (r) => fmt(r.reports), 'num'],
      ['instances', (r) => fmt(r.instances), 'num'],
      ['reports/s', (r) => fmtRate(r.reports_per_second), 'num'],
      [
        '',
        (r) => el('div', { class: 'bar' }, el('div', { style: `width:${(100 * Number(r.reports)) / max}%` })),
      ],
    ],
    rows,
    'no status updates in the last hour',
  );
}

function drawOutOfDate(rows) {
  fillTable(
    document.querySelector('[data-testid=out-of-date]'),
    [
      ['instance', (r) => r.instance_id],
      ['version', (r) => r.version],
      ['latest release', (r) => r.latest_release],
      ['last seen', (r) => r.last_seen],
    ],
    rows,
    'every instance seen in the last 24 h runs the latest release (or no release is known yet)',
    ['instance', 'instances'],
  );
}

function drawFailedBundles(rows) {
  fillTable(
    document.querySelector('[data-testid=failed-bundles]'),
    [
      ['instance', (r) => r.instance_id],
      ['bundle', (r) => (r.kind === 'bundle' ? r.name : `${r.name} (${r.kind})`)],
      ['error', (r) => [r.code, r.http_code && `HTTP ${r.http_code}`].filter(Boolean).join(', ')],
      ['message', (r) => [r.message, ...(r.error_messages ?? [])].filter(Boolean).join(' — ')],
      ['reported', (r) => r.received_at],
    ],
    rows,
    'no bundle failed to activate in the last hour',
    ['failing bundle', 'failing bundles'],
  );
}

function drawStopped(rows, minutes) {
  $('stopped').querySelector('h2').firstChild.textContent =
    `Stopped reporting: no status for ${minutes} min `;
  fillTable(
    document.querySelector('[data-testid=stopped]'),
    [
      ['instance', (r) => r.instance_id],
      ['last status', (r) => r.last_seen],
      ['partition', (r) => (r.partition === '' ? '(default)' : r.partition)],
      ['version', (r) => r.version],
      ['bundle errors then', (r) => fmt(r.bundle_error_count), 'num'],
    ],
    rows,
    `every instance seen in the last 7 days sent a status in the last ${minutes} min`,
    ['instance', 'instances'],
  );
}

function drawIngestion({ services }) {
  const flag = (ok, good, bad) =>
    ok === null ? '–' : el('span', { class: ok ? 'good' : 'bad' }, ok ? good : bad);
  fillTable(
    document.querySelector('[data-testid=ingestion]'),
    [
      ['service', (s) => s.name],
      ['/metrics', (s) => flag(s.up, 'up', `down: ${s.error}`)],
      ['consumer lag', (s) => fmt(s.consumerLag), 'num'],
      ['dead letters', (s) => fmt(s.deadLetters ?? s.rejectedDecisionEvents), 'num'],
      ['pending records', (s) => fmt(s.pendingRecords), 'num'],
      ['ClickHouse writes', (s) => flag(s.sinkHealthy, 'ok', 'failing')],
      [
        'reports accepted / refused',
        (s) => (s.reportsAccepted === null ? '–' : `${fmt(s.reportsAccepted)} / ${fmt(s.reportsRejected)}`),
        'num',
      ],
    ],
    services,
    'no METRICS_TARGETS configured',
  );
}

// ---- refresh --------------------------------------------------------------------------------------

const PANELS = [
  ['active-instances-per-version-per-day', drawVersions, 'versions-latest-day'],
  ['share-on-latest-release', drawShare, null],
  ['partition-report-rates', drawPartitions, 'partitions'],
  ['out-of-date-instances', drawOutOfDate, 'out-of-date'],
  ['failed-bundles-last-hour', drawFailedBundles, 'failed-bundles'],
];

async function refresh() {
  const minutes = $('silent-minutes').value;
  const loads = [
    ...PANELS.map(([name, draw, table]) => query(name).then(draw, (e) => failed(e, table))),
    query('instances-stopped-reporting', { silent_minutes: minutes }).then(
      (rows) => drawStopped(rows, minutes),
      (e) => failed(e, 'stopped'),
    ),
    api('/api/ingestion-health').then(drawIngestion, (e) => failed(e, 'ingestion')),
  ];
  await Promise.all(loads);
  if (!$('token-form').hidden) return;
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.loaded = 'true';
}

function failed(error, tableId) {
  if (error instanceof Unauthorized) {
    askForToken(error.message);
    return;
  }
  const table = tableId && document.querySelector(`[data-testid=${tableId}]`);
  if (table) showError(table, error);
  else document.querySelector('[data-testid=share]').textContent = `could not load: ${error.message}`;
}

function askForToken(message) {
  $('token-form').hidden = false;
  $('panels').hidden = true;
  $('token-error').textContent = sessionStorage.getItem(TOKEN_KEY) ? message : '';
}

async function start() {
  let queries = [];
  try {
    ({ queries } = await api('/api/queries'));
  } catch (error) {
    if (error instanceof Unauthorized) askForToken(error.message);
    else $('updated').textContent = `the console's API did not answer: ${error.message}`;
    return;
  }
  const silent = queries.find((q) => q.name === 'instances-stopped-reporting')?.params[0];
  if (silent && !$('silent-minutes').value) $('silent-minutes').value = silent.default ?? 30;
  await refresh();
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value);
  $('token-form').hidden = true;
  $('panels').hidden = false;
  start();
});
$('refresh').addEventListener('click', refresh);
$('silent-minutes').addEventListener('change', refresh);
window.addEventListener('resize', () =>
  versionsPlot?.setSize({ width: $('versions-chart').clientWidth, height: 260 }),
);
setInterval(() => {
  if ($('token-form').hidden) refresh();
}, REFRESH_MS);
start();
