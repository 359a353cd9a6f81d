/**
 * The Oxen inference API over undici. A long file on purpose (over 400 lines): every call goes
 * through the one request path here, so the key-to-the-hub-only rule, redirects and the request
 * metrics cannot be bypassed by a call written elsewhere; parsing and retries live beside it.
 *
 * Covers the queue, models, the completion event stream, result downloads and the
 * reference-upload endpoints. The API key goes to the hub's origin and nowhere else; it never
 * appears in an error, and nothing here logs.
 */
import { Blob } from 'node:buffer';
import { FormData, getGlobalDispatcher, type Dispatcher } from 'undici';
import { OxenError } from './errors.js';
import { DEFAULT_BASE_URL, DEFAULT_USER_AGENT, validApiKey, validBaseUrl, validUserAgent } from './client-options.js';
import { errorFromResponse } from './error-mapping.js';
import { completionEvents, DEFAULT_IDLE_TIMEOUT_MS, type CompletionEventStream, type EventStreamOptions } from './events.js';
import { discard, exchange, headerValue, type Exchange, type ExchangeOptions, type HttpMethod } from './http.js';
import { emptyEnqueueError, ignoreBody, isSuccess, jsonOf } from './responses.js';
import { openResultStream, type ResultStream } from './result-download.js';
import { rowsOf, type RowSink } from './streamed-rows.js';
import { DEFAULT_RETRY_POLICY, isRetryableEnqueue, isRetryableRead, withRetries, type RetryPolicy } from './retry.js';
import {
  cancelResponseSchema,
  generationShowSchema,
  generationsPageSchema,
  type GenerationCostRow,
  enqueueResponseSchema,
  modelSchema,
  presignedUrlResponseSchema,
  queueGenerationSchema,
  queueListSchema,
  queueStatusRowSchema,
  whoAmIResponseSchema,
  workbenchUploadResponseSchema,
  type CancelResponse,
  type OxenModel,
  type QueueGeneration,
  type QueueList,
  type QueueListFilters,
  type QueueStatusRow,
} from './types.js';

export { DEFAULT_BASE_URL, DEFAULT_USER_AGENT } from './client-options.js';
export { MAX_RESULT_REDIRECTS, type ResultStream } from './result-download.js';
export const MIN_NUM_GENERATIONS = 1;
export const MAX_NUM_GENERATIONS = 4;

const JSON_BODY_LIMIT = 16 * 1024 * 1024;
const ERROR_BODY_LIMIT = 64 * 1024;

export interface OxenClientTimeouts {
  /** Per API call, until its whole answer has been read (result downloads: until headers). Default 30 s. */
  requestMs?: number;
  /** Per reference upload. Default 120 s. */
  uploadMs?: number;
  /** Default idle limit of the event stream. Default 45 s (three missed keep-alives). */
  eventsIdleMs?: number;
}

export interface OxenClientOptions {
  apiKey: string;
  /** OXEN_BASE_URL. Default https://hub.oxen.ai. */
  baseUrl?: string;
  userAgent?: string;
  /** undici dispatcher (a MockAgent in tests). Default: the global dispatcher. */
  dispatcher?: Dispatcher;
  timeouts?: OxenClientTimeouts;
  retry?: Partial<RetryPolicy>;
  /** Told once per HTTP exchange (each retry counts), for metrics. Must not throw. */
  onRequest?: (info: OxenRequestInfo) => void;
}

/** One exchange with Oxen: which call, the HTTP status when one came, and the error code when it failed. */
export interface OxenRequestInfo {
  /** The operation: "enqueue", "get generation", "event stream", "result download", ... */
  route: string;
  status?: number;
  code?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type EnqueueBody = Record<string, unknown> & {
  model: string;
  prompt: string;
  num_generations?: number;
  /** Echoed in every row of the job and matched by GET /api/ai/queue's `repo` / `folder` filters: the bot's tag. */
  target_repo?: string;
  target_directory?: string;
};

type RetryKind = 'read' | 'enqueue';

type JsonCall<T> = {
  method: HttpMethod;
  path: string;
  operation: string;
  retry: RetryKind;
  json?: unknown;
  form?: () => FormData;
  query?: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
} & (
  | { /** Turns the 2xx body text into the result. */ parse: (text: string) => T }
  | { /** Reads the 2xx body as it arrives: a fresh sink for each attempt. */ stream: () => RowSink<T> }
);

export class OxenClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly apiKey: string;
  private readonly userAgent: string;
  private readonly dispatcher: Dispatcher;
  private readonly retry: RetryPolicy;
  private readonly requestMs: number;
  private readonly uploadMs: number;
  private readonly eventsIdleMs: number;
  private readonly onRequest: ((info: OxenRequestInfo) => void) | undefined;

  constructor(options: OxenClientOptions) {
    this.apiKey = validApiKey(options.apiKey);
    this.userAgent = validUserAgent(options.userAgent ?? DEFAULT_USER_AGENT);
    const base = validBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
    this.baseUrl = base.href.replace(/\/+$/, '');
    this.origin = base.origin;
    this.dispatcher = options.dispatcher ?? getGlobalDispatcher();
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.requestMs = options.timeouts?.requestMs ?? 30_000;
    this.uploadMs = options.timeouts?.uploadMs ?? 120_000;
    this.eventsIdleMs = options.timeouts?.eventsIdleMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.onRequest = options.onRequest;
  }

  /**
   * POST /api/ai/queue; returns the generation ids. Model parameters are only checked by Oxen when
   * the job runs (a bad one ends the generation as `failed`). Re-sent only after a 429 or a refused
   * connection, because after a 5xx, a timeout or a reset the job may already be billed.
   */
  async enqueue(body: EnqueueBody, options: CallOptions = {}): Promise<string[]> {
    const count = body.num_generations;
    if (count !== undefined && !(Number.isInteger(count) && count >= MIN_NUM_GENERATIONS && count <= MAX_NUM_GENERATIONS)) {
      throw new OxenError('invalid_params', `num_generations must be an integer between ${MIN_NUM_GENERATIONS} and ${MAX_NUM_GENERATIONS}`);
    }
    const response = await this.call({
      method: 'POST',
      path: '/api/ai/queue',
      operation: 'enqueue',
      parse: jsonOf(enqueueResponseSchema, 'enqueue'),
      retry: 'enqueue',
      json: body,
      signal: options.signal,
    });
    if (response.generations.length === 0) throw emptyEnqueueError(response, [this.apiKey]);
    return response.generations.map((g) => g.generation_id);
  }

  /** GET /api/ai/queue/{id}. */
  getGeneration(id: string, options: CallOptions = {}): Promise<QueueGeneration> {
    return this.call({
      method: 'GET',
      path: `/api/ai/queue/${segment(id)}`,
      operation: 'get generation',
      parse: jsonOf(queueGenerationSchema, 'get generation'),
      retry: 'read',
      signal: options.signal,
    });
  }

  /** GET /api/ai/queue: active jobs only unless `status` is given; newest first; no pagination. */
  listQueue(filters: QueueListFilters = {}, options: CallOptions = {}): Promise<QueueList> {
    return this.call({
      method: 'GET',
      path: '/api/ai/queue',
      query: { ...filters },
      operation: 'list queue',
      parse: jsonOf(queueListSchema, 'list queue'),
      retry: 'read',
      signal: options.signal,
    });
  }

  /**
   * GET /api/ai/queue like `listQueue`, each row read only for what following a job needs (id,
   * status, result, error, tag) and handed to `visit` as it arrives, none kept (streamed-rows.ts).
   * When the answer fails part-way and is asked again, rows already visited come again.
   */
  eachStatus(filters: QueueListFilters, visit: (row: QueueStatusRow) => void, options: CallOptions = {}): Promise<void> {
    return this.queueRows(filters, options, () => rowsOf('generations', queueStatusRowSchema, 'list queue', visit));
  }

  /** `eachStatus`, the rows gathered (those of the attempt that succeeded). */
  listStatuses(filters: QueueListFilters = {}, options: CallOptions = {}): Promise<QueueStatusRow[]> {
    return this.queueRows(filters, options, () => {
      const rows: QueueStatusRow[] = [];
      const sink = rowsOf('generations', queueStatusRowSchema, 'list queue', (row) => rows.push(row));
      return { write: (chunk) => sink.write(chunk), end: () => (sink.end(), rows) };
    });
  }

  private queueRows<T>(filters: QueueListFilters, options: CallOptions, stream: () => RowSink<T>): Promise<T> {
    return this.call({ method: 'GET', path: '/api/ai/queue', query: { ...filters }, operation: 'list queue', stream, retry: 'read', signal: options.signal });
  }

  /** GET /api/ai/generations/{id}: the row with what it cost (`cost`, a decimal string, or null). */
  generationCost(id: string, options: CallOptions = {}): Promise<GenerationCostRow> {
    return this.call({
      method: 'GET',
      path: `/api/ai/generations/${segment(id)}`,
      operation: 'get generation cost',
      parse: (text) => jsonOf(generationShowSchema, 'get generation cost')(text).generation,
      retry: 'read',
      signal: options.signal,
    });
  }

  /** GET /api/ai/generations: one page of the history (the queue's filters), each row with its cost. */
  listGenerationCosts(filters: QueueListFilters & { page?: number; page_size?: number }, options: CallOptions = {}): Promise<{ rows: GenerationCostRow[]; totalPages: number }> {
    return this.call({
      method: 'GET',
      path: '/api/ai/generations',
      query: Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, String(v)])),
      operation: 'list generations',
      parse: (text) => {
        const page = jsonOf(generationsPageSchema, 'list generations')(text);
        return { rows: page.generations, totalPages: page.total_pages ?? 1 };
      },
      retry: 'read',
      signal: options.signal,
    });
  }

  /** DELETE /api/ai/queue/{id}. The row stays, as `cancelled`; no completion event fires. */
  cancel(id: string, options: CallOptions = {}): Promise<CancelResponse> {
    return this.call({
      method: 'DELETE',
      path: `/api/ai/queue/${segment(id)}`,
      operation: 'cancel',
      parse: jsonOf(cancelResponseSchema, 'cancel'),
      retry: 'read',
      signal: options.signal,
    });
  }

  /** GET /api/ai/models/{id}. Read the body schema with `requestSchemaOf(model)`. */
  getModel(id: string, options: CallOptions = {}): Promise<OxenModel> {
    return this.call({
      method: 'GET',
      path: `/api/ai/models/${segment(id)}`,
      operation: 'get model',
      parse: jsonOf(modelSchema, 'get model'),
      retry: 'read',
      signal: options.signal,
    });
  }

  /**
   * Opens GET /api/events. Resolves once Oxen has accepted the stream (so "connected" is known);
   * rejects with an OxenError for a non-2xx answer. Not retried: see `subscribeCompletions`.
   */
  async events(signal?: AbortSignal, options: EventStreamOptions = {}): Promise<CompletionEventStream> {
    const ex = await this.send({
      method: 'GET',
      url: `${this.baseUrl}/api/events`,
      headers: { ...this.apiHeaders(), accept: 'text/event-stream' },
      timeoutMs: this.requestMs,
      bodyIdleTimeoutMs: 0,
      operation: 'event stream',
      signal,
    });
    if (!isSuccess(ex.status)) throw await this.errorOf(ex, 'event stream');
    ex.release();
    const contentType = headerValue(ex.headers, 'content-type') ?? '';
    if (!contentType.includes('text/event-stream')) {
      discard(ex.body);
      throw new OxenError('bad_response', `Oxen event stream answered with ${contentType || 'no content type'}, not text/event-stream`);
    }
    return completionEvents(ex.body, {
      ...options,
      idleTimeoutMs: options.idleTimeoutMs ?? this.eventsIdleMs,
      secrets: [this.apiKey],
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * Opens a result URL (absolute, or a path on the hub) as a stream. The Authorization header goes
   * only to the hub's own origin, redirects are followed by hand (at most 5) and the key is never
   * sent to another origin, whatever a redirect says.
   */
  openResult(url: string, options: CallOptions = {}): Promise<ResultStream> {
    const { signal } = options;
    const download = () =>
      openResultStream(url, {
        baseUrl: this.baseUrl,
        hubOrigin: this.origin,
        get: (hop) =>
          this.send({
            method: 'GET',
            url: hop.url,
            headers: hop.withApiKey ? this.apiHeaders() : { 'user-agent': this.userAgent },
            timeoutMs: this.requestMs,
            bodyIdleTimeoutMs: this.requestMs,
            operation: 'result download',
            signal,
          }),
        errorOf: (ex) => this.errorOf(ex, 'result download'),
      });
    return withRetries(download, isRetryableRead, this.retry, signal);
  }

  /** GET /api/users/me: the namespace the key belongs to. */
  async whoAmI(options: CallOptions = {}): Promise<{ username: string }> {
    const response = await this.call({
      method: 'GET',
      path: '/api/users/me',
      operation: 'who am I',
      parse: jsonOf(whoAmIResponseSchema, 'who am I'),
      retry: 'read',
      signal: options.signal,
    });
    return { username: response.user.username };
  }

  /** Makes sure a private repository exists: GET it, else POST /api/repos (409 means it exists). */
  async ensureRepo(namespace: string, name: string, options: CallOptions = {}): Promise<void> {
    try {
      await this.call({
        method: 'GET',
        path: `/api/repos/${segment(namespace)}/${segment(name)}`,
        operation: 'get repository',
        parse: ignoreBody,
        retry: 'read',
        signal: options.signal,
      });
      return;
    } catch (error) {
      if (!(error instanceof OxenError && (error.status === 404 || error.status === 403))) throw error;
    }
    try {
      await this.call({
        method: 'POST',
        path: '/api/repos',
        operation: 'create repository',
        parse: ignoreBody,
        retry: 'read',
        json: { name, namespace, visibility: 'private', workbench: true },
        signal: options.signal,
      });
    } catch (error) {
      if (!(error instanceof OxenError && error.status === 409)) throw error;
    }
  }

  /** POST /api/repos/{ns}/{repo}/workbench/context (multipart `file` + `directory`); returns the asset path. */
  async uploadWorkbenchFile(
    namespace: string,
    repo: string,
    directory: string,
    fileName: string,
    /** With its type; a Blob from fs.openAsBlob is read from disk as it is sent. */
    file: Blob,
    options: CallOptions = {},
  ): Promise<string> {
    const response = await this.call({
      method: 'POST',
      path: `/api/repos/${segment(namespace)}/${segment(repo)}/workbench/context`,
      operation: 'upload reference',
      parse: jsonOf(workbenchUploadResponseSchema, 'upload reference'),
      // Uploading the same path again replaces the file, so a retry is harmless.
      retry: 'read',
      form: () => {
        const form = new FormData();
        form.append('file', file, fileName);
        form.append('directory', directory);
        return form;
      },
      timeoutMs: this.uploadMs,
      signal: options.signal,
    });
    return response.asset_path;
  }

  /** GET /api/repos/{ns}/{repo}/file/presigned_url/main/{path}: a public URL that expires (~1 h). */
  async presignedUrl(namespace: string, repo: string, path: string, options: CallOptions = {}): Promise<string> {
    const response = await this.call({
      method: 'GET',
      path: `/api/repos/${segment(namespace)}/${segment(repo)}/file/presigned_url/main/${pathSegments(path)}`,
      operation: 'presign reference',
      parse: jsonOf(presignedUrlResponseSchema, 'presign reference'),
      retry: 'read',
      signal: options.signal,
    });
    return response.url;
  }

  private async call<T>(spec: JsonCall<T>): Promise<T> {
    const attempt = async (): Promise<T> => {
      const body = spec.form ? spec.form() : spec.json === undefined ? undefined : JSON.stringify(spec.json);
      const ex = await this.send({
        method: spec.method,
        url: `${this.baseUrl}${spec.path}${queryString(spec.query)}`,
        headers: {
          ...this.apiHeaders(),
          accept: 'application/json',
          ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        timeoutMs: spec.timeoutMs ?? this.requestMs,
        operation: spec.operation,
        signal: spec.signal,
      });
      if (!isSuccess(ex.status)) throw await this.errorOf(ex, spec.operation);
      if ('stream' in spec) {
        const sink = spec.stream();
        await ex.consume(JSON_BODY_LIMIT, (chunk) => sink.write(chunk));
        return sink.end();
      }
      return spec.parse(await ex.text(JSON_BODY_LIMIT, 'fail'));
    };
    const retryable = spec.retry === 'enqueue' ? isRetryableEnqueue : isRetryableRead;
    return withRetries(attempt, retryable, this.retry, spec.signal);
  }

  private async send(options: Omit<ExchangeOptions, 'dispatcher' | 'secrets' | 'signal'> & { signal?: AbortSignal | undefined }): Promise<Exchange> {
    // Filled in, not `{ ...rest, ... }`: a literal opening with a spread gets a hidden class of its
    // own on Node 20 (job-memory.test.ts), one per request here, left in the old space.
    const request = options as ExchangeOptions;
    request.dispatcher = this.dispatcher;
    request.secrets = [this.apiKey];
    let ex: Exchange;
    try {
      ex = await exchange(request);
    } catch (error) {
      this.tell({ route: options.operation, code: error instanceof OxenError ? error.code : 'aborted' });
      throw error;
    }
    // Error answers are told by errorOf, with the code they map to.
    if (ex.status < 400) this.tell({ route: options.operation, status: ex.status });
    return ex;
  }

  private async errorOf(ex: Exchange, operation: string): Promise<OxenError> {
    const bodyText = await ex.text(ERROR_BODY_LIMIT, 'truncate').catch(() => '');
    const error = errorFromResponse({
      status: ex.status,
      bodyText,
      retryAfter: headerValue(ex.headers, 'retry-after'),
      operation,
      secrets: [this.apiKey],
    });
    this.tell({ route: operation, status: ex.status, code: error.code });
    return error;
  }

  private tell(info: OxenRequestInfo): void {
    try {
      this.onRequest?.(info);
    } catch {
      // metrics must never break a call
    }
  }

  private apiHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}`, 'user-agent': this.userAgent };
  }
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

function pathSegments(path: string): string {
  return path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
