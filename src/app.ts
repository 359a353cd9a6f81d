/**
 * The bot assembled from its Config: store -> Oxen client -> model schemas -> reference host ->
 * engine -> service -> adapters -> one HTTP server. `start()` brings it up; `shutdown()` takes it
 * down gracefully (see its comment); `readiness()` is what /readyz reports.
 */
import type { Dispatcher } from 'undici';
import { trackInFlight } from './app/in-flight.js';
import { jobEvents } from './app/job-events.js';
import type { PlatformAdapter } from './core/adapter.js';
import { storeClaims } from './core/claims.js';
import { configSecrets, describeStore, type Config } from './core/config.js';
import type { MediaBinding } from './core/media/binding.js';
import { createMediaConverter } from './core/media/converter.js';
import { removeStaleFitDirs } from './core/jobs/delivery-fit.js';
import { JobEngine, type EngineSettings } from './core/jobs/engine.js';
import { ResultLinks } from './core/jobs/result-links.js';
import { oxenResults } from './core/recall/remix.js';
import { createResultFitter } from './core/media/fit-result.js';
import { sharedTempFiles } from './core/media/temp-files.js';
import { openJobStore } from './core/jobs/open-store.js';
import { startPruning, type Pruner } from './core/jobs/retention.js';
import type { PlatformPort } from './core/jobs/ports.js';
import type { JobStore } from './core/jobs/store.js';
import { secretScrubber, type Logger } from './core/log.js';
import { createMetrics, type Metrics } from './core/metrics.js';
import { ModelSchemas } from './core/models/schemas.js';
import { OxenClient, type OxenClientOptions } from './core/oxen/client.js';
import { createReferenceHost } from './core/references/create-host.js';
import { openReferenceStore } from './core/references/open-reference-store.js';
import { OxenReferenceHost } from './core/references/oxen-host.js';
import { SelfReferenceHost } from './core/references/self-host.js';
import { VideoService } from './core/service.js';
import { ServerSettings } from './core/settings/settings.js';
import { openSettingsStorage, type SettingsStorage } from './core/settings/storage.js';
import { createBotServer, type BotServer } from './server/http-server.js';
import { resultsRoute } from './server/results-route.js';
import { checkReadiness, type Readiness } from './server/readiness.js';

export interface AppOptions {
  adapters: readonly PlatformAdapter[];
  log: Logger;
  /** Overrides for tests and tools. */
  store?: JobStore;
  engine?: Partial<EngineSettings>;
  oxen?: Pick<OxenClientOptions, 'timeouts' | 'retry'> & { dispatcher?: Dispatcher };
  /** Where the HTTP server listens; default all interfaces. */
  host?: string;
  /** Include Node's process metrics (CPU, memory, event loop) in /metrics. Default true. */
  processMetrics?: boolean;
  /** Where servers' and channels' settings live; default beside the store (openSettingsStorage). */
  settingsStorage?: SettingsStorage;
  /** Loads FFmpeg (node-av) for converting references; tests pass one that fails. Default the real one. */
  mediaBinding?: () => Promise<MediaBinding>;
}

export interface App {
  readonly config: Config;
  readonly service: VideoService;
  readonly engine: JobEngine;
  readonly store: JobStore;
  readonly metrics: Metrics;
  /** The HTTP server's port once started. */
  readonly port: number | undefined;
  start(): Promise<void>;
  /**
   * Graceful shutdown, in this order: the adapters stop taking commands; /readyz turns 503 and
   * connections stop being kept alive; the engine stops launching and polling, lets uploads in
   * progress finish for up to SHUTDOWN_GRACE_SECONDS and hands the rest back (their claims
   * released, to be delivered by another instance or the next start), then gives every job lease
   * back; the adapters disconnect; the store prune stops and the store closes; the HTTP server
   * closes; logs are flushed.
   * Calling it again returns the same promise.
   */
  shutdown(reason: string): Promise<void>;
  readiness(): Promise<Readiness>;
}

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export function createApp(config: Config, options: AppOptions): App {
  const log = options.log;
  const adapters = [...options.adapters];
  const store = options.store ?? openJobStore(config.store);
  // Jobs' files wait here until launched, and self-hosted files are served from here.
  const referenceFiles = openReferenceStore(config.store);
  let lifecycle: 'starting' | 'running' | 'stopping' = 'starting';
  let metrics: Metrics | undefined;

  const oxen = new OxenClient({
    apiKey: config.oxen.apiKey,
    baseUrl: config.oxen.baseUrl,
    ...options.oxen,
    onRequest: (info) => metrics?.oxenRequest(info),
  });
  const schemas = new ModelSchemas(oxen, {
    onFallback: (modelId, reason, error) => log.warn('model.schema_fallback', { model: modelId, reason, ...(error ? { error } : {}) }),
  });
  const self =
    config.http.publicBaseUrl && (config.referenceHosting === 'self' || config.referenceHosting === 'passthrough')
      ? new SelfReferenceHost({ publicBaseUrl: config.http.publicBaseUrl, files: referenceFiles })
      : undefined;
  const host = createReferenceHost({
    kind: config.referenceHosting,
    ...(self ? { self } : {}),
    files: referenceFiles,
    oxen: new OxenReferenceHost({ client: oxen, repo: config.oxen.referenceRepo }),
  });

  const ports = new Map<string, PlatformPort>();
  for (const adapter of adapters) {
    if (ports.has(adapter.platform)) throw new Error(`two adapters for ${adapter.platform}`);
    ports.set(adapter.platform, adapter.port);
  }

  // Videos over a thread's limit are re-encoded to fit; the original stays at the bot's own lasting link.
  const resultLinks = config.http.publicBaseUrl
    ? new ResultLinks({ publicBaseUrl: config.http.publicBaseUrl, secret: config.oxen.apiKey, keepsMs: config.store.jobRetentionMs })
    : undefined;

  const scrub = secretScrubber(configSecrets(config));
  const engineHolder: { engine?: JobEngine } = {};
  metrics = createMetrics(
    { jobsByState: () => engineHolder.engine?.countByState() ?? new Map(), store, shards: () => adapters.flatMap((a) => (a.shards?.() ?? []).map((s) => ({ platform: a.platform, ...s }))) },
    { defaultMetrics: options.processMetrics !== false },
  );
  const engine = new JobEngine(
    {
      store,
      oxen,
      host,
      ports,
      relaunch: VideoService.relaunch(schemas, referenceFiles),
      onError: (error, { step, jobId }) => (jobId ? log.child({ job: jobId }) : log).error('job.error', { step, error }),
      events: jobEvents(log, metrics),
      redact: (text) => scrub(text) as string,
      results: {
        fitter: createResultFitter(),
        ...(resultLinks ? { originalLink: (job, generation) => resultLinks.linkFor(job, generation) } : {}),
        onFitFailed: (job, error) => log.child({ job: job.id }).warn('delivery.fit_failed', { code: error.code, reason: error.message }),
      },
    },
    { globalLimit: config.limits.running, deadlineMs: config.limits.jobTimeoutMs, tagRepo: config.oxen.referenceRepo, ...options.engine },
  );
  engineHolder.engine = engine;
  // Servers' and channels' own settings, beside the jobs; the environment's DAILY_* are their ceiling.
  const serverSettings = new ServerSettings({ storage: options.settingsStorage ?? openSettingsStorage(config.store), store, ceiling: config.limits.budget });
  // References the model does not take are converted with FFmpeg; without the binding they are refused.
  const media = createMediaConverter({ ...(options.mediaBinding ? { binding: options.mediaBinding } : {}), log });
  const service = new VideoService(
    {
      store,
      schemas,
      engine,
      ports,
      references: referenceFiles,
      serverSettings,
      media,
      // Remix fetches a finished video again the way delivery does; recall shows the lasting link.
      results: oxenResults(oxen),
      ...(resultLinks ? { linkFor: resultLinks.linkFor.bind(resultLinks) } : {}),
    },
    { perUserLimit: config.limits.perUser, budget: config.limits.budget, admins: new Set(config.admins) },
  );

  // What the adapters call: counted, so a shutdown lets commands under way finish first.
  const commands = trackInFlight(service);
  // Where the adapters claim what they receive, so one command is one job on any instance.
  const claims = storeClaims(store);

  const readiness = () =>
    checkReadiness({ lifecycle: () => lifecycle, store, adapters, streamConnected: () => engine.streamConnected });
  const server: BotServer = createBotServer({
    log,
    readiness,
    metrics,
    ...(self ? { references: (req, res) => self.handle(req, res) } : {}),
    routes: [...(resultLinks ? [resultsRoute({ links: resultLinks, store, oxen, log })] : []), ...adapters.flatMap((a) => (a.httpRoute ? [a.httpRoute] : []))],
  });

  let port: number | undefined;
  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let pruner: Pruner | undefined;

  async function start(): Promise<void> {
    const began = Date.now();
    // Listen first: /healthz answers while the rest comes up, and Slack's HTTP route is needed.
    port = await server.listen(config.http.port, options.host);
    log.info('http.listening', { port });
    await engine.start();
    void removeStaleFitDirs();
    // Finished jobs past JOB_RETENTION_DAYS go, now and hourly (Redis expires them by itself).
    pruner = startPruning(store, {
      onRun: (jobs) => log.info('store.pruned', { jobs }),
      onError: (error) => log.error('store.prune_failed', { error }),
    });
    log.info('engine.started', { instance: engine.settings.instanceId, store: describeStore(config.store), jobs: engine.trackedCount, referenceHosting: config.referenceHosting });
    // The temporary directory of downloads and conversions now: what a crashed process left there is swept at start-up.
    sharedTempFiles();
    const conversionOff = await media.unavailable();
    if (conversionOff) log.warn('media.conversion_off', { reason: conversionOff, effect: 'files the model does not take are refused, not converted' });
    else log.info('media.conversion_on', {});
    for (const adapter of adapters) {
      await adapter.start({ service: commands.target, log, claims, leases: store });
      log.info('platform.started', { platform: adapter.platform });
    }
    if (lifecycle === 'starting') lifecycle = 'running';
    log.info('bot.started', { ms: Date.now() - began, platforms: adapters.map((a) => a.platform) });
  }

  async function stop(reason: string): Promise<void> {
    const began = Date.now();
    lifecycle = 'stopping';
    log.info('shutdown.begin', { reason, uploadsInFlight: engine.deliveriesInFlight, jobs: engine.trackedCount, graceMs: config.shutdown.graceMs });
    // No new commands from this moment (synchronously, before anything else can run).
    for (const adapter of adapters) {
      try {
        adapter.stopAccepting();
      } catch (error) {
        log.error('shutdown.step_failed', { step: `${adapter.platform}.stopAccepting`, error });
      }
    }
    server.drain();
    // If start is still under way, let it settle first, so nothing starts after we stopped it.
    await started?.catch(() => undefined);
    const step = async (name: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (error) {
        log.error('shutdown.step_failed', { step: name, error });
      }
    };
    // Commands accepted just before: their jobs are saved and admitted while the engine still runs.
    const deadline = began + config.shutdown.graceMs;
    if (commands.count > 0) {
      log.info('shutdown.waiting_for_commands', { count: commands.count });
      await settleWithin(commands.idle(), config.shutdown.graceMs);
    }
    const uploads = engine.deliveriesInFlight;
    await step('engine', () => engine.stop({ handBack: true, graceMs: Math.max(0, deadline - Date.now()) }));
    log.info('shutdown.engine_stopped', { uploadsAtStart: uploads, ms: Date.now() - began });
    for (const adapter of adapters) await step(`${adapter.platform}.close`, () => adapter.close());
    await step('references', () => referenceFiles.close());
    await step('media', () => media.close());
    await step('settings', () => serverSettings.close());
    await step('prune', () => pruner?.stop());
    await step('store', () => store.close());
    await step('http', () => server.close());
    log.info('shutdown.done', { reason, ms: Date.now() - began });
    log.flush?.();
  }

  return {
    config,
    service,
    engine,
    store,
    metrics,
    get port() {
      return port;
    },
    start() {
      started ??= start();
      return started;
    },
    shutdown(reason) {
      stopped ??= stop(reason);
      return stopped;
    },
    readiness,
  };
}
