// @access serviceSettings
// Resident-service settings (admins): room-temperature rules (from a city template), ticket categories with
// their SLAs, and the company's service settings.
import { graphql } from '../../gql/tenant';


export const QualityRulesDoc = graphql(`
  query ServiceSettingsRules {
    qualityRules { id name city effectiveFrom effectiveTo standardTemp bands { to pct } bandEdge feeBase responseHours graceHours noMeasureFrom noMeasureTo minPoints heightM procedure refundDeadline source }
    cityRuleTemplates { id name city effectiveFrom effectiveTo standardTemp bands { to pct } bandEdge feeBase responseHours graceHours noMeasureFrom noMeasureTo minPoints heightM procedure refundDeadline source }
  }
`);

export const SaveQualityRuleDoc = graphql(`
  mutation ServiceSettingsSaveRule($id: ID, $input: QualityRuleInput!) {
    saveQualityRule(id: $id, input: $input) { rule { id } errors { field message code } }
  }
`);

export const TicketCategoriesDoc = graphql(`
  query ServiceSettingsCategories {
    ticketCategories { id kind name respondHours resolveHours active position }
  }
`);

export const SaveTicketCategoryDoc = graphql(`
  mutation ServiceSettingsSaveCategory($id: ID, $input: TicketCategoryInput!) {
    saveTicketCategory(id: $id, input: $input) { category { id } errors { field message code } }
  }
`);

export const ServiceSettingsDoc = graphql(`
  query ServiceSettingsGeneral {
    serviceSettings { autoCloseDays reopenDays approvalThresholdFen paidCompensation optOutDeadlineDays optOutRequiresNoArrears }
  }
`);

export const SaveServiceSettingsDoc = graphql(`
  mutation ServiceSettingsSave($input: ServiceSettingsInput!) {
    saveServiceSettings(input: $input) {
      settings { autoCloseDays reopenDays approvalThresholdFen paidCompensation optOutDeadlineDays optOutRequiresNoArrears }
      errors { field message code }
    }
  }
`);
