import { generateKey } from '@awo/shared';

/** The demos sign their plans with a key of their own, made for this run and never written anywhere. */
export function demoSigningEnv(): Record<string, string> {
  return { AWO_SIGNING_KEY: generateKey() };
}
