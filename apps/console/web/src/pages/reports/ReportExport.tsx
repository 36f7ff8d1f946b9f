// @access reports
// "Export xlsx" for a report tab: starts the report's background export (startReportExport with what the tab
// shows) and hands it to the console's export button, which polls the job and downloads the file.
import { request } from '../../api/client';
import { ExportButton } from '../../components/export/ExportButton';
import type { ReportsStartExportMutationVariables } from '../../gql/tenant/graphql';
import { ReportsStartExportDoc } from './documents';

export function ReportExport({ params, testId, label }: { params: ReportsStartExportMutationVariables; testId: string; label?: string }) {
  return <ExportButton testId={testId} label={label} start={async () => (await request(ReportsStartExportDoc, params)).startReportExport} />;
}
