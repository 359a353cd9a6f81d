/** The Web API client type, taken through Bolt (the package the app depends on). */
import type { webApi } from '@slack/bolt';

export type WebClient = webApi.WebClient;
