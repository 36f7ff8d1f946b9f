// @access billRuns
// Bill runs (finance, admin): start a dry run (the preview) or a real run, follow one, list a season's runs.
import { graphql } from '../../gql/tenant';

export const BillRunSeasonsDoc = graphql(`
  query BillRunSeasons {
    seasons { id name status heatingStart heatingEnd }
  }
`);

export const GenerateBillsDoc = graphql(`
  mutation GenerateBills($seasonId: ID!, $dryRun: Boolean!) {
    generateBills(seasonId: $seasonId, dryRun: $dryRun) {
      billRun { id status dryRun seasonId }
      errors { field message code }
    }
  }
`);

export const BillRunDoc = graphql(`
  query BillRun($id: ID!) {
    billRun(id: $id) {
      id
      seasonId
      dryRun
      status
      total
      processed
      created
      skipped
      errorCount
      errors { houseId accountNo message code community }
      totals { community bills principalFen skipped errors }
      requestedBy
      createdAt
      startedAt
      finishedAt
    }
  }
`);

export const BillRunsDoc = graphql(`
  query BillRuns($seasonId: ID, $first: Int, $offset: Int) {
    billRuns(seasonId: $seasonId, first: $first, offset: $offset) {
      totalCount
      items { id seasonId dryRun status total processed created skipped errorCount requestedBy createdAt finishedAt }
    }
  }
`);
