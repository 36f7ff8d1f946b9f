// How the settings page's enums read on screen.
import type { BrandingPart, MerchantMode, MiniprogramReleaseStatus, Role } from '../../gql/tenant/graphql';
import type { StaffRole } from '../../access';

export const ROLE_LABELS: Record<StaffRole, [string, string]> = {
  TENANT_ADMIN: ['管理员', 'Administrator'],
  COLLECTOR: ['收费员', 'Collector'],
  TECHNICIAN: ['技术员', 'Technician'],
  FINANCE: ['财务', 'Finance'],
};

export const ROLE_COLORS: Record<StaffRole, string> = {
  TENANT_ADMIN: 'volcano',
  COLLECTOR: 'blue',
  TECHNICIAN: 'cyan',
  FINANCE: 'purple',
};

export function roleLabel(role: Role): [string, string] {
  return (ROLE_LABELS as Record<string, [string, string]>)[role] ?? [role, role];
}

export const MODE_LABELS: Record<MerchantMode, [string, string]> = {
  DIRECT: ['直连商户', 'Direct merchant'],
  PARTNER: ['服务商子商户', "Sub-merchant of the platform's service provider"],
  ISV: ['服务商代调用（ISV）', "Authorized to the platform's ISV app"],
};

export const RELEASE_LABELS: Record<MiniprogramReleaseStatus, [string, string]> = {
  BUILT: ['已构建', 'Built'],
  COMMITTED: ['已上传代码', 'Code uploaded'],
  IN_REVIEW: ['审核中', 'In review'],
  APPROVED: ['审核通过', 'Approved'],
  RELEASED: ['已发布', 'Released'],
  REJECTED: ['审核未通过', 'Rejected'],
  FAILED: ['失败', 'Failed'],
};

export const RELEASE_COLORS: Record<MiniprogramReleaseStatus, string> = {
  BUILT: 'default',
  COMMITTED: 'blue',
  IN_REVIEW: 'processing',
  APPROVED: 'cyan',
  RELEASED: 'green',
  REJECTED: 'red',
  FAILED: 'red',
};

export const PART_LABELS: Record<BrandingPart, [string, string]> = {
  DISPLAY_NAME: ['显示名称', 'Display name'],
  LOGO: ['标志', 'Logo'],
  THEME_COLOR: ['主题色', 'Theme colour'],
  SERVICE_PHONE: ['客服电话', 'Service phone'],
  APP_ID: ['小程序 AppID', 'Mini-program AppID'],
  APP_SECRET: ['小程序 AppSecret', 'Mini-program AppSecret'],
};
