// Public API of @chainfan/loadgen: the load generator and its measuring pieces; `npm run bench` is bench-main.ts.
export { Loadgen, type LoadgenOptions, type OpenResult, type MeasureResult, type LoadgenProgress } from './loadgen.js';
export { LatencyHistogram, type LatencySummary, type SparseHistogram } from './histogram.js';
export { type ClientProtocol, type ProtocolSpec, evrmoreRpcProtocol, socketIoProtocol, protocolFor } from './client-protocols.js';
export { BenchConnection, type ConnectionObserver, type BenchConnectionOptions } from './bench-connection.js';
export { scanPayload, findStamp, readDecimal, type StampSink } from './message-scan.js';
export { ServerFrameDecoder, encodeClientFrame, upgradeRequest, parseUpgradeResponse, OPCODE } from './ws-frames.js';
export { sampleProc, cpuCores, maxOpenFiles, openFds, type ProcSample } from './proc-stats.js';
export { startPacer, scheduledAt, dueCount, type PacerHandle } from './pacer.js';
export { BenchBodies, hrNowMs } from './bench-message.js';
export { SCENARIOS, QUICK, type ScenarioSpec } from './scenarios/catalog.js';
