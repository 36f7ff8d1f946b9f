// @access seasons
// Seasons and tariff plans: the API's documents for this page (finance and admin; `seasons`, `tariffPlans` and
// `billSummary` are open to every staff member, the writes to TENANT_ADMIN and FINANCE).
import { graphql } from '../../gql/tenant';

export const SeasonsDoc = graphql(`
  query Seasons {
    seasons {
      id
      name
      heatingStart
      heatingEnd
      days
      paymentDue
      lateFeeStart
      status
      published
      publishedAt
      publishedBy
    }
  }
`);

export const TariffPlansDoc = graphql(`
  query TariffPlans($seasonId: ID!) {
    tariffPlans(seasonId: $seasonId) {
      id
      seasonId
      name
      category
      pricing
      areaBasis
      areaUnitPrice
      basicUnitPrice
      meteredUnitPrice
      meteredUnit
      capMode
      capPct
      floorUnitPrice
      optedOutBasicPct
      lowIncomeMode
      lowIncomePct
      lowIncomeUnitPrice
      earlyDiscountPct
      earlyDiscountFrom
      earlyDiscountUntil
      lateFeeDailyPermille
      lateFeeCapPct
      lateFeePauseWhenStopped
      proration
      rounding
      trueUpCredit
    }
  }
`);

export const SeasonBillsDoc = graphql(`
  query SeasonBills($seasonId: ID!) {
    billSummary(seasonId: $seasonId) {
      billCount
      billedFen
    }
  }
`);

export const CreateSeasonDoc = graphql(`
  mutation CreateSeason($name: String!, $heatingStart: Date!, $heatingEnd: Date!, $paymentDue: Date!, $lateFeeStart: Date!) {
    createSeason(name: $name, heatingStart: $heatingStart, heatingEnd: $heatingEnd, paymentDue: $paymentDue, lateFeeStart: $lateFeeStart) {
      season { id name status }
      errors { field message code }
    }
  }
`);

export const SaveTariffPlanDoc = graphql(`
  mutation SaveTariffPlan($seasonId: ID!, $id: ID, $input: TariffPlanInput!) {
    saveTariffPlan(seasonId: $seasonId, id: $id, input: $input) {
      plan { id name }
      errors { field message code }
    }
  }
`);

export const PublishSeasonDoc = graphql(`
  mutation PublishSeason($id: ID!) {
    publishSeason(id: $id) {
      season { id status published publishedAt publishedBy }
      errors { field message code }
    }
  }
`);

export const SetSeasonStatusDoc = graphql(`
  mutation SetSeasonStatus($id: ID!, $status: SeasonStatus!) {
    setSeasonStatus(id: $id, status: $status) {
      season { id status published }
      errors { field message code }
    }
  }
`);
