import type { Reservation } from '../../shared-state/router-state-store.js';
import { RequestRun } from '../request-run.js';
import type { Budget } from './budget-book.js';

/** A request with what the routing rules keep for it. */
export class RoutedRun extends RequestRun {
  /** The budgets its metadata matches. */
  budgets: readonly Budget[] = [];
  /** Estimated tokens (prompt estimate plus `maxTokens`), counted against `tpm` until usage is known. */
  estimatedTokens = 0;
  /** How many candidates it has (a cool-down does not skip a request's only candidate). */
  candidates = 0;
  /** The rate-window reservation of the attempt in progress. */
  reservation: Reservation | null = null;
}
