// Public API of @chainfan/telemetry: logger factory, metrics registry and definitions, ops HTTP server.
export { createLogger, type Logger, type LogLevel, type LoggerOptions } from './logger.js';
export { createRegistry, type Registry, type RegistryOptions } from './registry.js';
export { createEdgeMetrics, type EdgeMetrics } from './edge-metrics.js';
export { createIngestorMetrics, type IngestorMetrics } from './ingestor-metrics.js';
export { startOpsServer, type OpsServer, type OpsServerOptions, type ReadyReport } from './ops-server.js';
export {
  type Field, type CheckedField, type Parsed, type EnvTable, type EnvValues, int, num, str, optionalStr, bool, oneOf, url, parseEnv, describeEnv, EX_CONFIG,
} from './env-config.js';
export {
  type ConfigOf, type OptionField, type DefaultGroup, option, optionRows, defaultsOf, configOf, configFromEnv, pickOptions,
} from './config-table.js';
