// @access reconciliation
// Start a statement run: waits for the API's startStatementRun.
export function StartRunButton(_: { onStarted: (runId: string) => void }) {
  return null;
}
