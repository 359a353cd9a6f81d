/**
 * A loopback fake of Oxen's hub that speaks the documented API (oxen-api.md): the queue, models,
 * the completion event stream, result files on another origin, and the Workbench reference upload.
 * Listens on 127.0.0.1 only. State lives in Maps and every request is O(1) (listing aside), so the
 * job engine can run thousands of jobs against it.
 *
 *   const fake = await startFakeOxen({ timing: 'manual' });
 *   const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
 *   ...
 *   await fake.close();
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventHub } from './event-hub.js';
import { FaultQueue, type FaultAction, type RouteName } from './faults.js';
import { GenerationStore, generationRow, type FakeGeneration, type Outcome, type StageTiming } from './generations.js';
import { startResultsServer, type ResultsServer } from './results-server.js';
import { sendRows } from './send-rows.js';
import { costOf, modelDocument, requestSchemaFor, SEEDANCE_MODELS, type SchemaDialect, type SchemaField, type SeedanceModelInfo } from './schemas.js';
import { findInvalidParameter } from './validate-body.js';
import { fetchFailure, fetchInputs, type FetchedInput } from './input-fetch.js';
import { seedanceFailureText, unmarkedFaceRefusal, type SeedanceFailure } from './seedance-failures.js';

/** Where a succeeded generation's result_url points. */
export type ResultMode =
  /** A presigned URL on the other loopback origin (like Oxen's storage). */
  | 'other-origin'
  /** A `/api/repos/...` URL on the hub itself, served only with the API key. */
  | 'same-origin'
  /** A `/api/repos/...` URL on the hub that answers 302 to the other origin. */
  | 'redirect';

export interface FakeOxenOptions {
  apiKey?: string;
  /** The key owner's namespace (GET /api/users/me). */
  username?: string;
  dialect?: SchemaDialect;
  schemaField?: SchemaField;
  /** Stage durations in ms, or 'manual'. Default { queuedMs: 20, processingMs: 40 }. */
  timing?: StageTiming;
  /** Interval of `: keep-alive` comments on the event stream. Default 15 000 ms, as Oxen. */
  keepAliveMs?: number;
  resultMode?: ResultMode;
  /** Lifetime of presigned reference URLs. Default 1 h. */
  presignTtlMs?: number;
  /** Lifetime of presigned result URLs (they answer 403 after it). Default 1 h. */
  resultTtlMs?: number;
  /** The MP4 every succeeded generation returns; default the small fixture clip3s.mp4. */
  resultVideo?: Uint8Array;
  now?: () => number;
  /** Hub port; default 0 (any free port). */
  port?: number;
  /** Keep every request for assertions (turn off for long benchmarks). Default true. */
  recordRequests?: boolean;
  /** Download the media URLs of each queued body, as Oxen does (see input-fetch.ts). Default false. */
  fetchInputs?: boolean;
}

/** Behaviour that can be changed while the fake runs. */
export interface FakeSwitches {
  dialect: SchemaDialect;
  schemaField: SchemaField;
  /** GET /api/ai/models(/{id}) answers 500. */
  modelsFailing: boolean;
  /** Jobs reaching the end of processing stay in processing. */
  stuckInProcessing: boolean;
  /** Jobs fail when they start with "Insufficient credits". */
  insufficientCredits: boolean;
  /** Jobs fail when they start, the way Seedance fails them (seedance-failures.ts). */
  failure: SeedanceFailure | false;
  /** Which references show a real face (by URL; true: every image and video): jobs fail unless those came in the face fields. */
  facesInReferences: boolean | ((url: string) => boolean);
  /** POST /api/ai/queue answers 200 with `generations: []` (and this `error`, if any). */
  emptyGenerations: false | { error?: unknown };
  resultMode: ResultMode;
  /** 'missing': the generations endpoints report no cost (null), as for a row not charged yet. */
  costs: 'reported' | 'missing';
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  route: RouteName;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
}

export interface FakeOxen {
  /** The hub's base URL (OXEN_BASE_URL). */
  url: string;
  /** Origin of the storage server that serves presigned URLs. */
  resultsUrl: string;
  apiKey: string;
  username: string;
  switches: FakeSwitches;
  requests: RecordedRequest[];
  /** Requests per route, counted always (cheap, unlike `requests`); result-file GETs to the storage origin count as 'resultFile'. */
  requestCounts(): Record<string, number>;
  requestsTo(route: RouteName): RecordedRequest[];
  clearRequests(): void;
  /** With `fetchInputs`: what was downloaded for each generation, by generation id. */
  inputs: ReadonlyMap<string, readonly FetchedInput[]>;
  results: ResultsServer;
  generations: ReadonlyMap<string, FakeGeneration>;
  /** Moves a generation one stage by hand (queued -> processing -> succeeded). */
  advance(id: string): void;
  /** Ends an active generation now (default: succeeded). */
  complete(id: string, outcome?: Outcome): void;
  repos: Map<string, { visibility: string; workbench: boolean }>;
  /** Uploaded files by `<ns>/<repo>/<asset path>`. */
  files: Map<string, StoredFile>;
  faults: FaultQueue;
  failNext(count: number, response: { status: number; headers?: Record<string, string>; body?: unknown }, route?: RouteName): void;
  /** 429 with Retry-After (seconds as a number, or any header text such as an HTTP date). */
  rateLimitNext(count: number, retryAfter?: number | string, route?: RouteName): void;
  hangNext(count: number, route?: RouteName): void;
  destroyNext(count: number, route?: RouteName): void;
  /** The next N requests are handled (an enqueue makes its generations) but their answers are lost. */
  loseAnswerNext(count: number, route?: RouteName, answer?: 'destroy' | 'hang' | { status: number; body?: unknown }): void;
  /** Ends every event stream now: destroys the sockets, or ends the bodies cleanly. */
  dropEventStreams(options?: { graceful?: boolean }): void;
  /** An event whose data is not JSON (default `event: media_generation_completed`). */
  sendMalformedEvent(data?: string, event?: string): void;
  sendEvent(event: string, data: string): void;
  /** Raw text to every event stream (comments, partial frames). */
  writeEventStream(text: string): void;
  eventSubscribers(): number;
  close(): Promise<void>;
}

export const RESULTS_REPO = 'generations';
const VIDEO_FIXTURE = new URL('../../fixtures/media/clip3s.mp4', import.meta.url);

const envelope = (type: string, title: string, detail?: string) => ({
  error: { type, title, ...(detail !== undefined ? { detail } : {}) },
  status: 'error',
  status_message: type,
});
const NOT_FOUND = envelope('resource_not_found', 'The requested resource could not be found');

interface Route {
  name: RouteName;
  params: string[];
}

const ROUTES: { method: string; pattern: RegExp; name: RouteName }[] = [
  { method: 'POST', pattern: /^\/api\/ai\/queue\/?$/, name: 'enqueue' },
  { method: 'GET', pattern: /^\/api\/ai\/queue\/?$/, name: 'listQueue' },
  { method: 'GET', pattern: /^\/api\/ai\/queue\/([^/]+)$/, name: 'getGeneration' },
  { method: 'DELETE', pattern: /^\/api\/ai\/queue\/([^/]+)$/, name: 'cancel' },
  { method: 'GET', pattern: /^\/api\/ai\/generations\/?$/, name: 'listGenerations' },
  { method: 'GET', pattern: /^\/api\/ai\/generations\/([^/]+)$/, name: 'showGeneration' },
  { method: 'GET', pattern: /^\/api\/ai\/models\/?$/, name: 'listModels' },
  { method: 'GET', pattern: /^\/api\/ai\/models\/([^/]+)$/, name: 'getModel' },
  { method: 'GET', pattern: /^\/api\/events$/, name: 'events' },
  { method: 'GET', pattern: /^\/api\/users\/me$/, name: 'whoAmI' },
  { method: 'POST', pattern: /^\/api\/repos\/?$/, name: 'createRepo' },
  { method: 'GET', pattern: /^\/api\/repos\/([^/]+)\/([^/]+)\/?$/, name: 'getRepo' },
  { method: 'POST', pattern: /^\/api\/repos\/([^/]+)\/([^/]+)\/workbench\/context$/, name: 'upload' },
  { method: 'GET', pattern: /^\/api\/repos\/([^/]+)\/([^/]+)\/file\/presigned_url\/main\/(.+)$/, name: 'presign' },
  // GET /api/repos/{ns}/{repo}/file/{branch}/{path} (oxen-api.md §7); only `main` exists here.
  { method: 'GET', pattern: /^\/api\/repos\/([^/]+)\/([^/]+)\/file\/(?!presigned_url\/)([^/]+)\/(.+)$/, name: 'repoFile' },
];

function matchRoute(method: string, path: string): Route {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { name: route.name, params: match.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return { name: 'unknown', params: [] };
}

export async function startFakeOxen(options: FakeOxenOptions = {}): Promise<FakeOxen> {
  const apiKey = options.apiKey ?? 'fake-oxen-key-0123456789abcdef';
  const username = options.username ?? 'fake-user';
  const now = options.now ?? Date.now;
  const record = options.recordRequests ?? true;
  const presignTtlMs = options.presignTtlMs ?? 60 * 60 * 1000;
  const switches: FakeSwitches = {
    dialect: options.dialect ?? 'current',
    schemaField: options.schemaField ?? 'request_schema',
    modelsFailing: false,
    stuckInProcessing: false,
    insufficientCredits: false,
    failure: false,
    facesInReferences: false,
    emptyGenerations: false,
    resultMode: options.resultMode ?? 'other-origin',
    costs: 'reported',
  };
  const models = new Map<string, SeedanceModelInfo>(SEEDANCE_MODELS.map((m) => [m.id, m]));
  const requests: RecordedRequest[] = [];
  const counts: Record<string, number> = {};
  const repos = new Map<string, { visibility: string; workbench: boolean }>();
  const files = new Map<string, StoredFile>();
  const faults = new FaultQueue();
  const inputs = new Map<string, FetchedInput[]>();
  const hub = new EventHub(options.keepAliveMs ?? 15_000);
  const video = options.resultVideo ?? new Uint8Array(await readFile(VIDEO_FIXTURE));
  const results = await startResultsServer({ video, now, record, ...(options.resultTtlMs !== undefined ? { resultTtlMs: options.resultTtlMs } : {}) });
  let baseUrl = '';

  const store = new GenerationStore(
    {
      now,
      stuckInProcessing: () => switches.stuckInProcessing,
      failureOnStart: (g) => {
        if (switches.insufficientCredits) return 'Insufficient credits';
        const unreachable = fetchFailure(inputs.get(g.generation_id) ?? []);
        if (unreachable) return unreachable;
        if (switches.failure) return seedanceFailureText(switches.failure, g.params);
        if (switches.facesInReferences) {
          const shows = switches.facesInReferences;
          const refused = unmarkedFaceRefusal(g.params, shows === true ? () => true : shows);
          if (refused) return refused;
        }
        const info = models.get(g.model_name);
        if (!info) return `Model not found: ${g.model_name}`;
        const problem = findInvalidParameter(g.params, requestSchemaFor(info.tier, info.mode, switches.dialect), switches.dialect, info.tier === '2.5');
        return problem === undefined ? undefined : `Getting model response error: 422 - Value error, ${problem}`;
      },
      resultUrlFor: (g) =>
        switches.resultMode === 'other-origin'
          ? results.resultUrl(g.generation_id)
          : `${baseUrl}/api/repos/${g.target_namespace}/${RESULTS_REPO}/file/main/outputs/${g.generation_id}.mp4`,
      onCompleted: (g) => {
        const data =
          g.status === 'succeeded'
            ? { generation_id: g.generation_id, status: g.status, media_type: g.media_type, model: g.model_name, url: g.result_url }
            : { generation_id: g.generation_id, status: g.status, media_type: g.media_type, error: g.error_message };
        hub.send('media_generation_completed', JSON.stringify(data));
      },
    },
    options.timing ?? { queuedMs: 20, processingMs: 40 },
  );

  /** A row with `cost`: charged once it succeeded (what a failed or cancelled one costs is not documented: null). */
  const chargedFor = (g: FakeGeneration): string | null => {
    const info = models.get(g.model_name);
    return g.status === 'succeeded' && info ? (switches.costs === 'missing' ? null : costOf(info.tier, g.params)) : null;
  };
  const costedRow = (g: FakeGeneration) => Object.assign(generationRow(g), { cost: chargedFor(g), user_id: null, username, user_image: null });

  const handlers: Record<RouteName, (ctx: RequestContext) => void | Promise<void>> = {
    enqueue: async ({ res, body }) => {
      const json = parseObject(body);
      if (!json) return sendJson(res, 400, envelope('invalid_params', 'Invalid parameters', 'The body must be a JSON object'));
      const model = json.model;
      if (typeof model !== 'string' || model === '') {
        return sendJson(res, 400, envelope('invalid_params', 'Invalid parameters', 'model is required'));
      }
      if (!models.has(model)) return sendJson(res, 404, { error: { message: `Model not found: ${model}` } });
      // QueueCreateRequest: the target fields are nullable strings.
      for (const field of ['target_namespace', 'target_repo', 'target_directory']) {
        const value = json[field];
        if (value !== undefined && value !== null && typeof value !== 'string') {
          return sendJson(res, 400, envelope('invalid_params', 'Invalid parameters', `${field} must be a string`));
        }
      }
      const count = json.num_generations ?? 1;
      if (!(Number.isInteger(count) && typeof count === 'number' && count >= 1 && count <= 4)) {
        return sendJson(res, 400, envelope('invalid_params', 'Invalid parameters', 'num_generations must be an integer between 1 and 4'));
      }
      if (switches.emptyGenerations) {
        const { error } = switches.emptyGenerations;
        return sendJson(res, 200, { generations: [], ...(error !== undefined ? { error } : {}) });
      }
      const fetched = options.fetchInputs ? await fetchInputs(json) : undefined;
      const created = Array.from({ length: count }, () => store.create(json, model, username));
      if (fetched) for (const g of created) inputs.set(g.generation_id, fetched);
      sendJson(res, 200, { generations: created.map((g) => ({ generation_id: g.generation_id, status: g.status })) });
    },
    listQueue: ({ res, query }) => {
      const rows = store.list({
        status: query.status,
        model: query.model,
        media_type: query.media_type,
        repo: query.repo,
        folder: query.folder,
        namespace: query.namespace ?? username,
      });
      sendRows(res, rows);
    },
    getGeneration: ({ res, params }) => {
      const g = store.get(params[0] as string);
      if (!g) return sendJson(res, 404, NOT_FOUND);
      // Rows persist and are read with a freshly signed result URL (the event's URL expires).
      const fresh = g.status === 'succeeded' && switches.resultMode === 'other-origin' ? { result_url: results.resultUrl(g.generation_id) } : {};
      sendJson(res, 200, { ...generationRow(g), ...fresh });
    },
    // GenerationsController (oxen-hub-openapi.json): rows with what each cost, paginated.
    listGenerations: ({ res, query }) => {
      const rows = store.list({ status: query.status ?? 'all', model: query.model, media_type: query.media_type, repo: query.repo, folder: query.folder, namespace: query.namespace ?? username });
      const pageSize = Math.min(1000, Math.max(1, Number(query.page_size ?? 50) || 50));
      const page = Math.max(1, Number(query.page ?? 1) || 1);
      const slice = rows.slice((page - 1) * pageSize, page * pageSize).map(costedRow);
      // The total over every matching row without building each one: a page costs the fake about
      // what it costs a database, not a copy of the whole history (400 ms at 10,000 rows, during
      // which the benchmarks' result downloads waited).
      const charged = rows.map(chargedFor).filter((cost) => cost !== null);
      sendJson(res, 200, {
        count: slice.length,
        generations: slice,
        page_number: page,
        page_size: pageSize,
        total_pages: Math.max(1, Math.ceil(rows.length / pageSize)),
        total_entries: rows.length,
        total_cost: charged.length > 0 ? charged.reduce((sum, cost) => sum + Number(cost), 0).toFixed(4) : null,
      });
    },
    showGeneration: ({ res, params }) => {
      const g = store.get(params[0] as string);
      if (!g) return sendJson(res, 404, NOT_FOUND);
      sendJson(res, 200, { status: 'success', status_message: 'resource_found', generation: costedRow(g) });
    },
    cancel: ({ res, params }) => {
      const id = params[0] as string;
      if (store.cancel(id) === 'missing') return sendJson(res, 404, NOT_FOUND);
      sendJson(res, 200, { status: 'success', generation_id: id });
    },
    listModels: ({ res }) => {
      if (switches.modelsFailing) return sendJson(res, 500, envelope('unknown_error', 'Internal server error'));
      sendJson(res, 200, { object: 'list', data: SEEDANCE_MODELS.map((m) => modelDocument(m, switches.dialect, switches.schemaField)) });
    },
    getModel: ({ res, params }) => {
      if (switches.modelsFailing) return sendJson(res, 500, envelope('unknown_error', 'Internal server error'));
      const id = params[0] as string;
      const info = models.get(id);
      if (!info) return sendJson(res, 404, { error: { message: `Model not found: ${id}` } });
      sendJson(res, 200, modelDocument(info, switches.dialect, switches.schemaField));
    },
    events: ({ res }) => hub.subscribe(res),
    whoAmI: ({ res }) => sendJson(res, 200, { user: { username, name: 'Fake User', email: `${username}@example.com` } }),
    getRepo: ({ res, params }) => {
      const [namespace, name] = params as [string, string];
      const repo = repos.get(`${namespace}/${name}`);
      if (!repo) return sendJson(res, 404, NOT_FOUND);
      sendJson(res, 200, { status: 'success', status_message: 'resource_found', repository: { namespace, name, ...repo } });
    },
    createRepo: ({ res, body }) => {
      const json = parseObject(body);
      const { name, namespace } = json ?? {};
      if (typeof name !== 'string' || typeof namespace !== 'string') {
        return sendJson(res, 400, envelope('invalid_params', 'Invalid parameters', 'name and namespace are required'));
      }
      const key = `${namespace}/${name}`;
      if (repos.has(key)) return sendJson(res, 409, envelope('conflict', 'Repository already exists'));
      const repo = { visibility: typeof json?.visibility === 'string' ? json.visibility : 'public', workbench: json?.workbench === true };
      repos.set(key, repo);
      sendJson(res, 200, { status: 'success', status_message: 'resource_created', repository: { namespace, name, ...repo } });
    },
    upload: async ({ req, res, params, rawBody }) => {
      const [namespace, repo] = params as [string, string];
      if (!repos.has(`${namespace}/${repo}`)) return sendJson(res, 404, NOT_FOUND);
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.startsWith('multipart/form-data')) {
        return sendJson(res, 400, envelope('invalid_params', 'Invalid parameters', 'expected multipart/form-data'));
      }
      const form = await new Response(rawBody, { headers: { 'content-type': contentType } }).formData();
      const file = form.get('file');
      const directory = form.get('directory');
      if (file === null || typeof file === 'string') {
        return sendJson(res, 400, envelope('invalid_params', 'Invalid parameters', 'file is required'));
      }
      const assetPath = [typeof directory === 'string' ? directory : '', file.name]
        .join('/')
        .split('/')
        .filter((part) => part !== '' && part !== '.' && part !== '..')
        .join('/');
      files.set(`${namespace}/${repo}/${assetPath}`, {
        bytes: new Uint8Array(await file.arrayBuffer()),
        contentType: file.type || 'application/octet-stream',
      });
      sendJson(res, 200, { asset_path: assetPath });
    },
    presign: ({ res, params }) => {
      const [namespace, repo, path] = params as [string, string, string];
      const file = files.get(`${namespace}/${repo}/${path}`);
      if (!file) return sendJson(res, 404, NOT_FOUND);
      sendJson(res, 200, { url: results.presign({ ...file, expiresAt: now() + presignTtlMs }) });
    },
    repoFile: ({ res, params }) => {
      const [namespace, repo, branch, path] = params as [string, string, string, string];
      if (branch !== 'main') return sendJson(res, 404, NOT_FOUND);
      const output = repo === RESULTS_REPO ? /^outputs\/([^/]+)\.mp4$/.exec(path) : null;
      const generation = output ? store.get(output[1] as string) : undefined;
      if (generation?.status === 'succeeded' && generation.target_namespace === namespace) {
        if (switches.resultMode === 'redirect') {
          res.writeHead(302, { location: results.resultUrl(generation.generation_id) });
          return void res.end();
        }
        return sendBytes(res, video, 'video/mp4');
      }
      const file = files.get(`${namespace}/${repo}/${path}`);
      if (!file) return sendJson(res, 404, NOT_FOUND);
      sendBytes(res, file.bytes, file.contentType);
    },
    unknown: ({ res }) => sendJson(res, 404, NOT_FOUND),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, envelope('unknown_error', 'Internal server error', String(error)));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-oxen');
    const method = req.method ?? 'GET';
    const route = matchRoute(method, url.pathname);
    const rawBody = await readBody(req);
    const body = rawBody.toString('utf8');
    const query = Object.fromEntries(url.searchParams);
    counts[route.name] = (counts[route.name] ?? 0) + 1;
    if (record) requests.push({ method, path: url.pathname, query, route: route.name, headers: req.headers, body });

    const fault = faults.take(route.name);
    if (fault && fault.kind !== 'lost') return applyFault(fault, req, res);
    const userAgent = req.headers['user-agent'] ?? '';
    if (/oxen/i.test(userAgent) && !/postman/i.test(userAgent)) {
      return sendJson(res, 426, envelope('update_required', 'Please update your Oxen client to the latest version'));
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(res, 401, envelope('unauthenticated', 'Unauthenticated'));
    }
    if (fault?.kind === 'lost') {
      // Done at Oxen, but the caller never learns how it went.
      await handlers[route.name]({ req, res: discardingResponse(), params: route.params, query, body, rawBody });
      const { answer } = fault;
      return applyFault(answer === 'destroy' || answer === 'hang' ? { kind: answer } : { kind: 'status', ...answer }, req, res);
    }
    await handlers[route.name]({ req, res, params: route.params, query, body, rawBody });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    resultsUrl: results.url,
    apiKey,
    username,
    switches,
    requests,
    requestCounts: () => ({ ...counts, resultFile: results.servedCount() }),
    requestsTo: (route) => requests.filter((r) => r.route === route),
    clearRequests: () => {
      requests.length = 0;
      results.requests.length = 0;
    },
    results,
    inputs,
    generations: store.all,
    advance: (id) => store.advance(id),
    complete: (id, outcome) => store.complete(id, outcome),
    repos,
    files,
    faults,
    failNext: (count, response, route) => faults.add({ kind: 'status', ...response }, count, route),
    rateLimitNext: (count, retryAfter, route) =>
      faults.add(
        {
          kind: 'status',
          status: 429,
          headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
          body: envelope('rate_limited', 'Rate limit exceeded'),
        },
        count,
        route,
      ),
    hangNext: (count, route) => faults.add({ kind: 'hang' }, count, route),
    destroyNext: (count, route) => faults.add({ kind: 'destroy' }, count, route),
    loseAnswerNext: (count, route, answer = 'destroy') => faults.add({ kind: 'lost', answer }, count, route),
    dropEventStreams: ({ graceful = false } = {}) => hub.dropAll(graceful),
    sendMalformedEvent: (data = '{"generation_id": "not json', event = 'media_generation_completed') => hub.send(event, data),
    sendEvent: (event, data) => hub.send(event, data),
    writeEventStream: (text) => hub.write(text),
    eventSubscribers: () => hub.count,
    close: async () => {
      store.close();
      hub.close();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), results.close()]);
    },
  };
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: Record<string, string>;
  body: string;
  rawBody: Buffer;
}

/** A response the handler may write to, read by nobody (the answer that gets lost). */
function discardingResponse(): ServerResponse {
  const sink = { headersSent: false, writeHead: () => sink, setHeader: () => sink, write: () => true, end: () => sink };
  return sink as unknown as ServerResponse;
}

function applyFault(fault: Exclude<FaultAction, { kind: 'lost' }>, req: IncomingMessage, res: ServerResponse): void {
  if (fault.kind === 'hang') return;
  if (fault.kind === 'destroy') {
    req.socket.destroy();
    return;
  }
  const body = fault.body === undefined ? '' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
  const contentType = typeof fault.body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(fault.status, { 'content-type': contentType, ...fault.headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendBytes(res: ServerResponse, bytes: Uint8Array, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.byteLength });
  res.end(bytes);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
