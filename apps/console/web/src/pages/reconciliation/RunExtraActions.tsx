// @access reconciliation
// Actions on a run that depend on mutations still to come (rerun): none yet.
import type { StatementRunStatus } from '../../gql/tenant/graphql';

export function RunExtraActions(_: { run: { id: string; status: StatementRunStatus }; onChanged: () => void }) {
  return null;
}
