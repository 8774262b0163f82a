/**
 * NAB (Numenta Anomaly Benchmark) scorer: CSV and label loading, the scoring rules, result files
 * and the one-call {@link scoreCorpus}. See /work/shared/data/nab/SCORING.md for the rules.
 */
export * from './csv.js';
export * from './labels.js';
export * from './scorer.js';
export * from './threshold.js';
export * from './corpus.js';
export * from './results.js';
export * from './score-corpus.js';
