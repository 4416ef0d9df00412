export { startClaudeSimulator, type ClaudeSimulator } from './server.js';
export { faults, FaultPlan } from './faults.js';
export { loadResponder, parseResponses, responderFrom, type ResponseEntry, type ResponsesFile } from './responses.js';
export { defaultAnswer, exampleOf, lastUserText, requestText } from './answers.js';
export type { ClaudeSimulatorOptions, Fault, MessagesRequestBody, Responder, ScriptedAnswer, ServerCounters } from './types.js';
