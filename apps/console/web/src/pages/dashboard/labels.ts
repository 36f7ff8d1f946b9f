import type { ArrearsAge, CollectionChannel } from '../../gql/tenant/graphql';

export const CHANNEL_LABELS: Record<CollectionChannel, [string, string]> = {
  WECHAT: ['微信', 'WeChat'],
  ALIPAY: ['支付宝', 'Alipay'],
  CASH: ['现金', 'Cash'],
  POS: ['刷卡', 'POS'],
  TRANSFER: ['转账', 'Transfer'],
};

export const CHANNEL_COLORS: Record<CollectionChannel, string> = {
  WECHAT: '#2ba245',
  ALIPAY: '#1677ff',
  CASH: '#fa8c16',
  POS: '#722ed1',
  TRANSFER: '#13c2c2',
};

export const AGE_LABELS: Record<ArrearsAge, [string, string]> = {
  CURRENT_NOT_DUE: ['本季未到期', 'This season, not yet due'],
  CURRENT_OVERDUE: ['本季已逾期', 'This season, overdue'],
  ONE_SEASON: ['上一季', 'One season back'],
  TWO_SEASONS: ['两季前', 'Two seasons back'],
  OLDER: ['三季及以上', 'Three or more seasons'],
};
