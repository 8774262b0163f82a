import type { Config } from '@awo/shared';
import { createDefaultDetector } from './combined.js';
import { EwmaDetector } from './ewma.js';
import { RobustZDetector } from './robust-z.js';
import type { Detector } from './types.js';

/** A detector name an `analyzer.anomaly` rule may list (the config schema's enum). */
export type DetectorName = Config['analyzer']['anomaly'][number]['detectors'][number];

/**
 * The detector of each name an anomaly rule may list, built fresh per series. Adding a detector
 * is its file in `detect/`, one line here and its name in the config schema's enum.
 */
export const DETECTORS: { readonly [K in DetectorName]: (rule: { threshold?: number | undefined }) => Detector } = {
  /** The detector benchmarked on NAB (`createDefaultDetector`). */
  records: () => createDefaultDetector(),
  'robust-z': (rule) => new RobustZDetector({ window: 200, threshold: rule.threshold ?? 5 }),
  ewma: (rule) => new EwmaDetector({ threshold: rule.threshold ?? 4 }),
};
