export { startServer, readServerInfo, SERVER_VERSION, type RunningServer, type ServerOptions } from './server';
export { toMlflowJson, parseJsonLenient } from './json';
