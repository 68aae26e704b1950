import type * as Hawk from 'hawk';
import type * as Jose from 'jose';
import { loadOptional } from '../../util/load-optional';

/**
 * jose and hawk, loaded when a scheme that needs them is built (at the app's construction, so a
 * broken install fails at start): together about 120 modules, which an app on Basic alone
 * would otherwise parse at every start. Modules import their types only, and values through these.
 */
let jose: typeof Jose | undefined;
let hawk: typeof Hawk | undefined;

export function loadJose(): typeof Jose {
  return (jose ??= loadOptional<typeof Jose>('jose', 'auth.scheme = bearer'));
}

export function loadHawk(): typeof Hawk {
  return (hawk ??= loadOptional<typeof Hawk>('hawk', 'auth.scheme = hawk'));
}
