/** The fake Slack Web API (with Socket Mode), and the signed-request driver for Bolt's HTTP endpoint. */
export { startFakeSlack, type FakeSlack, type FakeSlackSwitches, type FakeChannel, type FakeFile, type FakeMessage, type RecordedCall, type RecordedUpload } from './server.js';
export { SlackSender, slackSignature, type SentRequest, type SendOptions } from './sign.js';
export { appMention, blockAction, messageShortcut, viewSubmission } from './payloads.js';
export { type FakeSocketMode, type Delivery, type DisconnectReason, type EnvelopeType, type SocketConnection } from './socket-mode.js';
