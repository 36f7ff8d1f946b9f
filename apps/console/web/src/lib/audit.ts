// How audit-log rows read on screen, for the company's log and the platform's. Actions are open-ended strings
// (`staff.create`, `tenant.suspend` …); known ones get a name, unknown ones show their code.
import { formatFen } from './money';

export const ACTION_LABELS: Record<string, [string, string]> = {
  'staff.create': ['新建员工', 'Staff created'],
  'staff.update': ['修改员工', 'Staff changed'],
  'staff.enable': ['启用员工', 'Staff enabled'],
  'staff.disable': ['停用员工', 'Staff disabled'],
  'staff.reset_password': ['重置员工密码', 'Staff password reset'],
  'staff.change_password': ['修改本人密码', 'Own password changed'],
  'staff.unlock_login': ['解除登录锁定', 'Sign-in lock cleared'],
  'staff.admin_change': ['后台修改员工', 'Staff changed in admin'],
  'house.update': ['修改房屋', 'House changed'],
  'house.heating_status': ['供热状态变更', 'Heating status changed'],
  'house.bind': ['居民绑定房屋', 'House bound'],
  'house.bind_failed': ['绑定房屋失败', 'House binding failed'],
  'house.unbind': ['解绑房屋', 'House unbound'],
  'houses.import': ['导入房屋', 'Houses imported'],
  'season.create': ['新建采暖季', 'Season created'],
  'season.publish': ['发布账单', 'Bills published'],
  'season.status': ['采暖季状态变更', 'Season status changed'],
  'season.true_up': ['采暖季清算', 'Season true-up'],
  'tariff.create': ['保存收费标准', 'Tariff saved'],
  'bill_run.finish': ['出账完成', 'Bill run finished'],
  'bill.issue': ['出具账单', 'Bill issued'],
  'bill.adjust': ['调整账单', 'Bill adjusted'],
  'bill.waive': ['减免账单', 'Bill waived'],
  'bill.true_up': ['账单清算', 'Bill true-up'],
  'payment.counter': ['柜台收费', 'Counter payment'],
  'payment.created': ['创建订单', 'Order created'],
  'payment.paid': ['支付成功', 'Order paid'],
  'payment.failed': ['支付失败', 'Payment failed'],
  'payment.closed': ['订单关闭', 'Order closed'],
  'payment.shift_open': ['开班', 'Shift opened'],
  'payment.shift_close': ['日结', 'Shift closed'],
  'refund.requested': ['申请退款', 'Refund requested'],
  'refund.success': ['退款成功', 'Refund succeeded'],
  'refund.failed': ['退款失败', 'Refund failed'],
  'refund.closed': ['退款关闭', 'Refund closed'],
  'houses.export': ['导出房屋', 'Houses exported'],
  'bills.export': ['导出账单', 'Bills exported'],
  'payments.export': ['导出收款', 'Payments exported'],
  'merchant.save': ['保存支付商户', 'Merchant saved'],
  'merchant.test': ['测试商户连接', 'Merchant connection tested'],
  'branding.update': ['修改品牌设置', 'Branding changed'],
  'binding_settings.update': ['修改绑定设置', 'Binding settings changed'],
  'miniprogram.build': ['构建小程序', 'Mini-program built'],
  'miniprogram.authorize': ['授权小程序', 'Mini-program authorized'],
  'miniprogram.unauthorize': ['取消小程序授权', 'Mini-program deauthorized'],
  'miniprogram.release.built': ['模板发布：已构建', 'Release built'],
  'miniprogram.release.committed': ['模板发布：已上传', 'Release uploaded'],
  'miniprogram.release.in_review': ['模板发布：审核中', 'Release in review'],
  'miniprogram.release.approved': ['模板发布：审核通过', 'Release approved'],
  'miniprogram.release.released': ['模板发布：已发布', 'Released'],
  'miniprogram.release.rejected': ['模板发布：审核未通过', 'Release rejected'],
  'miniprogram.release.failed': ['模板发布失败', 'Release failed'],
  'resident.register': ['居民注册', 'Resident registered'],
  'resident.phone_bind': ['居民绑定手机', 'Resident phone bound'],
  'resident.erase': ['注销居民账号', 'Resident account erased'],
  'meter_reading.correct': ['更正抄表', 'Meter reading corrected'],
  // the platform's log
  'tenant.suspend': ['暂停公司', 'Company suspended'],
  'tenant.reactivate': ['恢复公司', 'Company reactivated'],
  'tenant.close': ['关闭公司', 'Company closed'],
  'tenant.purge': ['删除公司数据', 'Company data purged'],
  'tenant.import': ['导入公司数据', 'Company imported'],
  'service_provider.save': ['保存服务商账户', 'Service provider saved'],
  'operator.unlock_login': ['解除运营登录锁定', 'Operator sign-in lock cleared'],
  'operator.change_password': ['运营修改密码', 'Operator password changed'],
};

export const TARGET_LABELS: Record<string, [string, string]> = {
  'accounts.user': ['员工', 'Staff member'],
  'properties.house': ['房屋', 'House'],
  'tariffs.season': ['采暖季', 'Season'],
  'tariffs.tariffplan': ['收费标准', 'Tariff plan'],
  'billing.bill': ['账单', 'Bill'],
  'billing.billrun': ['出账任务', 'Bill run'],
  'payments.paymentorder': ['订单', 'Order'],
  'payments.refund': ['退款', 'Refund'],
  'payments.countershift': ['班次', 'Shift'],
  'properties.heatingstatuschange': ['供热状态变更', 'Heating status change'],
  'imports.importjob': ['导入任务', 'Import job'],
  'imports.exportjob': ['导出任务', 'Export job'],
  'tenants.miniprogrambuild': ['小程序构建', 'Mini-program build'],
  'tenants.miniprogramrelease': ['小程序发布', 'Mini-program release'],
  'residents.resident': ['居民', 'Resident'],
};

type Pair = [string, string];
const pick = (t: (zh: string, en: string) => string, pair: Pair | undefined, fallback: string) => (pair ? t(...pair) : fallback);

export function actionLabel(t: (zh: string, en: string) => string, action: string): string {
  return pick(t, ACTION_LABELS[action], action);
}

export function targetLabel(t: (zh: string, en: string) => string, type: string): string {
  return pick(t, TARGET_LABELS[type], type);
}

/** The row's `detail` (a JSON string) as "key: value" pairs; values that are objects stay JSON, integer
 * amounts under a `*_fen` key read as money. */
export function detailPairs(detail: string): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return detail ? [['', detail]] : [];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return [['', JSON.stringify(parsed)]];
  return Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [
    k,
    k.endsWith('_fen') && Number.isInteger(v) ? formatFen(v as number) : typeof v === 'string' ? v : JSON.stringify(v),
  ]);
}
