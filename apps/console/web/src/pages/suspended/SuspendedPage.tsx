import { Result } from 'antd';
import type { TenantStatus } from '../../bootstrap';
import { useBootstrap } from '../../context';
import { useT } from '../../i18n';

/** What staff see while the platform has suspended (or closed) their company: no console, a clear reason. */
export function SuspendedPage({ status }: { status: TenantStatus }) {
  const t = useT();
  const boot = useBootstrap();
  const closed = status === 'CLOSED';
  return (
    <div data-testid={closed ? 'tenant-closed' : 'tenant-suspended'} style={{ paddingTop: 80 }}>
      <Result
        status="warning"
        title={
          closed
            ? t('该供热公司的服务已关闭', "This heating company's service is closed")
            : t('该供热公司的服务已暂停', "This heating company's service is suspended")
        }
        subTitle={
          <>
            <div>{boot.tenant?.name}</div>
            <div>
              {closed
                ? t('控制台和缴费服务已停止。如有疑问请联系平台客服。', 'The console and payments have stopped. Please contact platform support.')
                : t(
                    '平台已暂停该公司的控制台和线上缴费，恢复后即可正常使用。请联系平台客服。',
                    'The platform has suspended the console and online payments for this company; they work again once it is reactivated. Please contact platform support.',
                  )}
            </div>
          </>
        }
      />
    </div>
  );
}
