/**
 * `seedance check`: is this set-up ready? The configuration as `npm start` parses it, the Oxen key
 * (one authenticated read), every model schema, and the Discord and Slack tokens when set (one
 * read each). One ✓/✗ line per check, saying what to do; exit 1 on any ✗.
 */
import { ConfigError, loadCliConfig, loadConfig, loadPlatformTokens, type CliConfig } from '../../core/config.js';
import { catalog } from '../../core/models/catalog.js';
import { isOxenError } from '../../core/oxen/errors.js';
import { EXIT, print } from '../output.js';
import { modelSchemas, oxenClient } from '../wiring.js';

interface CheckLine {
  ok: boolean;
  text: string;
}

const pass = (text: string): CheckLine => ({ ok: true, text });
const failure = (text: string): CheckLine => ({ ok: false, text });
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300);

function checkStartConfig(env: NodeJS.ProcessEnv): CheckLine[] {
  try {
    const config = loadConfig(env, { requirePlatform: true });
    const platforms = [config.discord ? 'Discord' : '', config.slack ? `Slack (${config.slack.appToken ? 'Socket Mode' : 'HTTP'})` : ''].filter(Boolean).join(' and ');
    const store = config.store.url ? 'Redis (STORE_URL)' : `SQLite in ${config.store.dataDir}`;
    return [pass(`Configuration: npm start would accept it (${platforms}; store ${store}; reference files hosted by ${config.referenceHosting})`)];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => failure(`Configuration: ${issue}. Fix it in ./.env or the environment (.env.example lists every setting)`));
  }
}

async function checkOxen(config: CliConfig): Promise<CheckLine[]> {
  const oxen = oxenClient(config, { quick: true });
  let who: string;
  try {
    who = (await oxen.whoAmI()).username;
  } catch (error) {
    if (isOxenError(error) && error.code === 'unauthenticated') {
      return [failure(`Oxen key: ${config.oxen.baseUrl} refused OXEN_API_KEY. Create a key at https://oxen.ai/settings/profile and set OXEN_API_KEY`)];
    }
    return [failure(`Oxen key: could not reach ${config.oxen.baseUrl} (${reason(error)}). Check OXEN_BASE_URL and the network, then run check again`)];
  }
  const lines = [pass(`Oxen key: accepted by ${config.oxen.baseUrl} (namespace ${who})`)];
  const { schemas, fallbacks } = modelSchemas(oxen);
  const answers = await Promise.all(catalog.map((model) => schemas.get(model)));
  const missing = catalog.filter((_, i) => answers[i]!.source !== 'live');
  if (missing.length === 0) lines.push(pass(`Model schemas: all ${catalog.length} Seedance models answered with their request schema`));
  else {
    const why = missing.map((m) => `${m.id} (${fallbacks.get(m.id)?.reason ?? 'no schema'})`).join(', ');
    lines.push(failure(`Model schemas: ${missing.length} of ${catalog.length} not read from Oxen: ${why}. The bot would use its built-in schemas for them; run \`seedance models\` to see which are available, and check OXEN_BASE_URL`));
  }
  return lines;
}

async function checkDiscord(discord: { token: string; apiUrl: string }): Promise<CheckLine> {
  const { REST, Routes } = await import('discord.js');
  const { makeRequest } = await import('../../discord/rest.js');
  try {
    const rest = new REST({ api: discord.apiUrl, version: '10', makeRequest, retries: 0, timeout: 15_000 }).setToken(discord.token);
    const me = (await rest.get(Routes.user('@me'))) as { id: string; username: string };
    return pass(`Discord token: accepted (signed in as ${me.username}, id ${me.id})`);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401) return failure('Discord token: refused (401). Reset the token (Developer Portal > your application > Bot) and set DISCORD_TOKEN');
    return failure(`Discord token: could not check it at ${discord.apiUrl} (${reason(error)}). Check DISCORD_API_URL and the network`);
  }
}

async function checkSlack(slack: { botToken: string; apiUrl: string }): Promise<CheckLine> {
  const { webApi } = await import('@slack/bolt');
  const client = new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl.endsWith('/') ? slack.apiUrl : `${slack.apiUrl}/`,
    retryConfig: { retries: 0 },
    timeout: 15_000,
    logLevel: webApi.LogLevel.ERROR,
    logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => webApi.LogLevel.ERROR, setName() {} },
  });
  try {
    const me = await client.auth.test();
    return pass(`Slack token: accepted (workspace ${me.team ?? me.team_id ?? '?'}, signed in as ${me.user ?? me.user_id ?? '?'})`);
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked' || code === 'account_inactive') {
      return failure(`Slack token: refused (${code}). Copy the Bot User OAuth Token (OAuth & Permissions) into SLACK_BOT_TOKEN, reinstalling the app if it was revoked`);
    }
    return failure(`Slack token: could not check it at ${slack.apiUrl} (${code ?? reason(error)}). Check SLACK_API_URL and the network`);
  }
}

export async function runCheck(env: NodeJS.ProcessEnv): Promise<number> {
  const lines = checkStartConfig(env);
  let config: CliConfig | undefined;
  try {
    config = loadCliConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    lines.push(failure(`Oxen key: not checked, the CLI cannot read its settings (${error.issues.join('; ')})`));
  }
  const tokens = loadPlatformTokens(env);
  const [oxen, discord, slack] = await Promise.all([
    config ? checkOxen(config) : Promise.resolve([]),
    tokens.discord ? checkDiscord(tokens.discord) : undefined,
    tokens.slack ? checkSlack(tokens.slack) : undefined,
  ]);
  lines.push(...oxen);
  if (discord) lines.push(discord);
  if (slack) lines.push(slack);
  for (const line of lines) print(`${line.ok ? '✓' : '✗'} ${line.text}`);
  return lines.every((l) => l.ok) ? EXIT.ok : EXIT.failed;
}
