/** How the adapter's REST clients send requests. */
import type { REST } from 'discord.js';

/**
 * REST requests go through Node's own fetch. @discordjs/rest's default strategy hands its
 * FormData to undici's `request`, which runs on the process-wide dispatcher; once the app's newer
 * undici (7, for Oxen) has installed that dispatcher, multipart bodies fail with "action is not a
 * function". Node's fetch encodes the body itself, so uploads work whichever undici came first.
 */
export const makeRequest = ((url: string, init: RequestInit) => fetch(url, init)) as unknown as NonNullable<ConstructorParameters<typeof REST>[0]>['makeRequest'];

