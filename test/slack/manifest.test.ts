/**
 * manifest.yml and manifest.socket.yml declare exactly the command, shortcut, events and scopes
 * the code uses (src/slack/requirements.ts), and every Web API method the code calls is covered
 * by a declared scope, so the three cannot drift apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_EVENTS_PATH, SLACK_REQUIREMENTS } from '../../src/slack/index.js';

interface Manifest {
  features: {
    slash_commands: { command: string; url?: string; should_escape: boolean }[];
    shortcuts: { callback_id: string; type: string; name: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
  };
}

const read = (file: string) => parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as Manifest;
const sorted = (values: readonly string[]) => [...values].sort();

/** The scopes each Web API method needs (none: no scope beyond the token). */
const METHOD_SCOPES: Record<string, string | string[] | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.replies': 'channels:history',
  'conversations.history': 'channels:history',
  'conversations.join': 'channels:join',
  'files.info': 'files:read',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'views.open': null,
  'views.publish': null,
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
  // Public channels need the first, private ones the second.
  'users.conversations': ['channels:read', 'groups:read'],
};

describe.each([
  ['manifest.yml', 'http'],
  ['manifest.socket.yml', 'socket'],
] as const)('%s', (file, mode) => {
  const manifest = read(file);

  it('declares exactly the command, shortcut, events and scopes the code uses', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([...SLACK_REQUIREMENTS.commands]);
    expect(manifest.features.slash_commands.every((c) => c.should_escape === false)).toBe(true);
    expect(manifest.features.shortcuts.map((s) => ({ callbackId: s.callback_id, type: s.type, name: s.name }))).toEqual(SLACK_REQUIREMENTS.shortcuts);
    expect(sorted(manifest.settings.event_subscriptions.bot_events)).toEqual(sorted(SLACK_REQUIREMENTS.botEvents));
    expect(sorted(manifest.oauth_config.scopes.bot)).toEqual(sorted(SLACK_REQUIREMENTS.botScopes));
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it(mode === 'http' ? 'points every request URL at /slack/events' : 'uses Socket Mode and no request URLs', () => {
    const urls = [
      ...manifest.features.slash_commands.map((c) => c.url),
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
    ];
    if (mode === 'http') {
      expect(urls.every((u) => u === `https://YOUR_HOST${SLACK_EVENTS_PATH}`)).toBe(true);
      expect(manifest.settings.socket_mode_enabled).toBe(false);
    } else {
      expect(urls.every((u) => u === undefined)).toBe(true);
      expect(manifest.settings.socket_mode_enabled).toBe(true);
    }
  });
});

describe('the code', () => {
  it('calls only Web API methods whose scopes are declared', () => {
    const dir = new URL('../../src/slack/', import.meta.url);
    const source = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .join('\n');
    const called = new Set([...source.matchAll(/client\.(\w+)\.(\w+)\(/g)].map((m) => `${m[1]}.${m[2]}`));
    expect(called.size).toBeGreaterThan(8);
    for (const method of called) {
      expect(Object.keys(METHOD_SCOPES), `${method} has no entry in METHOD_SCOPES`).toContain(method);
      for (const scope of [METHOD_SCOPES[method] ?? []].flat()) expect(SLACK_REQUIREMENTS.botScopes, `${method} needs ${scope}`).toContain(scope);
    }
    // Private files are fetched with the token (files:read), the mention event needs app_mentions:read,
    // and the command and shortcut need commands.
    for (const scope of ['files:read', 'app_mentions:read', 'commands']) expect(SLACK_REQUIREMENTS.botScopes).toContain(scope);
  });
});
