// What the rest of the service uses from the analysis: the contract, the statistical analyzer, the
// priors it needs (fitted by the batch job), and the backtest. Everything here is pure: histories come
// in as plain data (src/predictions/store/history-source.ts reads them from the database).
export { type BacktestOptions, type BacktestReport, type PredictionRecord, runBacktest } from "./backtest";
export * from "./contract";
export { fitHazard, fitPopulationPriors, type HazardFitOptions } from "./hazard-fit";
export { EMPTY_PRIORS, PriorsBuilder, type PriorsBuilderOptions } from "./priors";
export { METHOD_VERSION, StatisticalAnalyzer, type StatisticalAnalyzerOptions } from "./statistical-analyzer";
