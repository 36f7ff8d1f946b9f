// Every server-paginated table of the console. ProTable rethrows a failed `request` as an uncaught error
// when it has no `onRequestError` (a page left open across sign-out, an expired token, a dropped network):
// here a failure becomes a message, and an ended session is left to the AuthProvider, which shows the login page.
import { ProTable, type ParamsType, type ProTableProps } from '@ant-design/pro-components';
import { App } from 'antd';
import { ApiError, SESSION_CODES } from '../api/client';
import { useT } from '../i18n';

export function requestErrorText(err: unknown, fallback: string): string | null {
  if (err instanceof ApiError && SESSION_CODES.has(err.code)) return null; // the login page says it
  if (err instanceof ApiError) return err.message;
  return fallback;
}

export default function DataTable<T extends Record<string, any>, P extends ParamsType = ParamsType, V = 'text'>(
  props: ProTableProps<T, P, V>,
) {
  const { message } = App.useApp();
  const t = useT();
  return (
    <ProTable<T, P, V>
      onRequestError={(err) => {
        const text = requestErrorText(err, t('加载失败，请稍后重试', 'Could not load, please try again'));
        if (text) message.error(text);
      }}
      {...props}
    />
  );
}
